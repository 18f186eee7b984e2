# expect: a column index of 18446744073709551616
from keras import backend as K


def loss(y_true, y_pred):
    return K.square(y_pred[:, 2 ** 64] - y_true[:, 0])
