# expect: a conditional expression (a if c else b)
from keras import backend as K


def loss(y_true, y_pred, ):
    w = 2.0 if True else 1.0
    return K.mean(w * K.square(y_pred - y_true), axis=-1)
