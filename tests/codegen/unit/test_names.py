"""lossc_keras.names: imports bind module paths, resolve() names a call's canonical op, and C++
names the generated code cannot take are refused."""
import ast
import unittest

import _path  # noqa: F401
from lossc_keras.errors import TranslationError
from lossc_keras.names import Module, check_cpp_name, resolve


def call_of(module, text):
    return resolve(module, ast.parse(text, mode="eval").body.func)


class Names(unittest.TestCase):
    def setUp(self):
        self.module = Module()
        self.module.bind_imports(ast.parse("import keras\nfrom keras import ops\nimport tensorflow as tf\n"
                                           "from tensorflow.keras import backend as K\nimport numpy as np\n"))

    def test_spellings_of_one_op(self):
        for text in ("keras.ops.exp(x)", "ops.exp(x)", "tf.math.exp(x)", "K.exp(x)", "np.exp(x)"):
            self.assertEqual(call_of(self.module, text)[:2], ("op", "exp"), text)

    def test_aliases_and_losses(self):
        self.assertEqual(call_of(self.module, "tf.reduce_mean(x)")[:2], ("op", "mean"))
        self.assertEqual(call_of(self.module, "keras.losses.huber(a, b)"), ("loss", "huber"))

    def test_unknown_modules_are_not_ops(self):
        self.assertIsNone(call_of(self.module, "mylib.exp(x)"))

    def test_cpp_names(self):
        node = ast.parse("x").body[0]
        for bad in ("class", "main", "__x", "_Reserved"):
            with self.assertRaises(TranslationError):
                check_cpp_name(bad, node, "loss")
        check_cpp_name("focal_loss", node, "loss")


if __name__ == "__main__":
    unittest.main()
