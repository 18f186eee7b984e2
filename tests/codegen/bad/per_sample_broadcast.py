# expect: a per-sample value of shape (batch,) combined with a (batch, columns) tensor
# expect: keepdims=True
from keras import backend as K


def loss(y_true, y_pred):
    centred = y_pred - K.mean(y_pred, axis=-1)
    return K.mean(K.square(centred - y_true), axis=-1)
