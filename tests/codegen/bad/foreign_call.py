# expect: the call 'math.sqrt'
import math


def loss(y_true, y_pred):
    return math.sqrt(y_pred - y_true)
