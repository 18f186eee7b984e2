# expect: unknown name 'scale'
from keras import backend as K


def loss(y_true, y_pred):
    return K.mean(scale * K.square(y_pred - y_true), axis=-1)
