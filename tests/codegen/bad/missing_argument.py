# expect: missing, extra or misspelt arguments
from keras import backend as K


def loss(y_true, y_pred):
    return K.mean(K.switch(y_pred > 0, y_pred), axis=-1)
