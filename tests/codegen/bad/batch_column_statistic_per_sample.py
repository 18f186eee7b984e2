# expect: a per-column statistic of the batch (axis=0) combined with a per-sample value
from keras import backend as K


def loss(y_true, y_pred):
    return K.sum(K.square(y_pred - y_true), axis=-1) * K.mean(y_true, axis=0)
