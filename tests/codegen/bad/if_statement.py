# expect: an if statement cannot be translated
# expect: where(cond, a, b)
from keras import backend as K


def loss(y_true, y_pred):
    if K.mean(y_true) > 0:
        return K.mean(K.square(y_pred - y_true), axis=-1)
    return K.mean(K.abs(y_pred - y_true), axis=-1)
