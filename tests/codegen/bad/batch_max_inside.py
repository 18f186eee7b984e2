# expect: takes the max over the batch inside the formula
# expect: reduces the batch with sum or mean
from keras import backend as K


def loss(y_true, y_pred):
    return K.sum(K.square(y_pred - y_true), axis=-1) / K.max(y_true)
