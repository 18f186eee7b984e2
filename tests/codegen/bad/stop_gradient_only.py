# expect: does not depend on y_pred differentiably (it reads y_pred only through comparisons, casts, round/sign or stop_gradient)
import tensorflow as tf


def loss(y_true, y_pred):
    hits = tf.cast(tf.greater(y_pred, 0.5), "float32")
    return tf.reduce_mean(tf.square(hits - y_true), axis=-1)
