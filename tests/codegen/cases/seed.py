# The classic Q&A ("Make a custom loss function in Keras"): a weighted MSE where x2 matters more
# than x1, in the answer's form and written as one expression, and the built-in cross-entropy
# called from a custom loss.
from keras import backend as K

CASES = {"custom_mse": {"shape": (7, 2)}, "custom_mse_oneliner": {"shape": (7, 2)},
         "custom_cce": {"shape": (7, 4), "y_true": "onehot", "y_pred": "probabilities"}}


def custom_mse(y_true, y_pred):
    # calculating squared difference between target and predicted values
    loss = K.square(y_pred - y_true)  # (batch_size, 2)
    # multiplying the values with weights along batch dimension
    loss = loss * [0.3, 0.7]          # (batch_size, 2)
    # summing both loss values along batch dimension
    loss = K.sum(loss, axis=1)        # (batch_size,)
    return loss


def custom_mse_oneliner(y_true, y_pred):
    return K.sum(K.square(y_pred - y_true) * K.constant([0.3, 0.7]), axis=-1)


def custom_cce(y_true, y_pred):
    return K.categorical_crossentropy(y_true, y_pred)
