# expect: the loss name 'exp', which <cmath> declares at global scope
from keras import backend as K


def exp(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)
