# expect: ignore_class=2.5, not an integer class id
import keras


def loss(y_true, y_pred):
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True, ignore_class=2.5)
