# expect: returns the max over the batch
from keras import backend as K


def loss(y_true, y_pred):
    return K.max(K.square(y_pred - y_true))
