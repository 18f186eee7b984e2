# expect: over every pair of the batch
# expect: reduce a (batch, batch) matrix along axis 1
from keras import ops


def loss(y_true, y_pred):
    return ops.mean(ops.matmul(y_pred, ops.transpose(y_true)))
