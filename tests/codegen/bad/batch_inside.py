# expect: reduces over the batch inside the formula
# expect: a per-sample loss cannot see other samples
from keras import backend as K


def loss(y_true, y_pred):
    return K.sum(K.square(y_pred - y_true), axis=-1) / K.sum(y_true)
