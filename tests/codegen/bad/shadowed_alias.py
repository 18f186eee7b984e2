# expect: 'K' is bound again here after its import
from keras import backend as K
import numpy as K2

K = K2


def loss(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)
