# expect: keras.losses.mean_squared_error called on other tensors than y_true and y_pred
import keras


def loss(y_true, y_pred):
    return keras.losses.mean_squared_error(y_true, 2.0 * y_pred)
