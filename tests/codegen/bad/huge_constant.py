# expect: a constant that is not finite
from keras import backend as K


def loss(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true) * 1e999, axis=-1)
