# expect: a column index written with a float
from keras import backend as K


def loss(y_true, y_pred):
    return K.square(y_pred[:, 1.0] - y_true[:, 0])
