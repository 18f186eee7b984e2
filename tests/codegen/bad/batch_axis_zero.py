# expect: mean over the batch axis 0, keeping the columns
from keras import backend as K


def loss(y_true, y_pred):
    return K.sum(K.mean(K.square(y_pred - y_true), axis=0))
