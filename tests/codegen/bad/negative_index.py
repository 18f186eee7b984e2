# expect: a negative column index
# expect: count columns from the start
from keras import backend as K


def loss(y_true, y_pred):
    return K.square(y_pred[:, -1] - y_true[:, -1])
