# expect: the decorator 'my_cache', which may change what 'loss' computes
from keras import backend as K


def my_cache(f):
    return f


@my_cache
def loss(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)
