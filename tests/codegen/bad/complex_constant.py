# expect: a constant Python cannot evaluate to a finite real number
from keras import backend as K


def loss(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true) * 10 ** 400, axis=-1)
