# expect: loss 'loss' does not depend on y_pred differentiably (it never reads y_pred)
# expect: Keras rule
from keras import backend as K


def loss(y_true, y_pred):
    return K.mean(K.square(y_true), axis=-1)
