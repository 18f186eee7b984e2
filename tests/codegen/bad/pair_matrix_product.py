# expect: a matrix product other than (batch, columns) @ transpose((batch, columns))
from keras import ops


def loss(y_true, y_pred):
    return ops.sum(ops.matmul(ops.transpose(y_pred), y_true), axis=1)
