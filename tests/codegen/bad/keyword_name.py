# expect: the loss name 'delete', which C++ reserves
from keras import backend as K


def delete(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)
