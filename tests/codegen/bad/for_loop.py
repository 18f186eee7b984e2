# expect: a for loop cannot be translated
from keras import backend as K


def loss(y_true, y_pred):
    total = 0.0
    for j in range(3):
        total += K.square(y_pred[:, j] - y_true[:, j])
    return total
