# expect: the op 'K.cumsum'
# expect: supported: mean/sum/max/min/logsumexp
from keras import backend as K


def loss(y_true, y_pred):
    return K.sum(K.cumsum(y_pred - y_true, axis=1), axis=-1)
