"""lossc_keras.translate: a loss body evaluated to a lossc expression; calls go through the CALLS
table, which covers every function of the op table."""
import unittest

import _path  # noqa: F401
from lossc_keras.errors import TranslationError
from lossc_keras.optable import UNARY
from lossc_keras.translate import CALLS, Translator


def translate(source):
    tr = Translator("<test>", source)
    kind, fn, inner = tr.losses()[0]
    return tr.translate(kind, fn, inner)


class Translate(unittest.TestCase):
    def test_weighted_mse(self):
        _, expr = translate("from keras import ops\ndef f(y_true, y_pred):\n"
                            "    return ops.sum(ops.square(y_pred - y_true) * [0.3, 0.7], axis=-1)\n")
        self.assertEqual(expr.code, "lossc::sum<-1>(lossc::square(lossc::y_pred - lossc::y_true) * lossc::weights(0.3, 0.7))")
        self.assertEqual(expr.rank, 1)
        self.assertTrue(expr.grad)

    def test_a_factory_keeps_its_parameters(self):
        params, expr = translate("from keras import ops\ndef make(gamma=2.0):\n    def loss(y_true, y_pred):\n"
                                 "        return ops.mean(ops.abs(y_pred - y_true) ** gamma, axis=-1)\n    return loss\n")
        self.assertIn("gamma", expr.code)
        self.assertEqual([p[0] for p in params], ["gamma"])

    def test_every_table_function_is_dispatched(self):
        for fn in UNARY:
            self.assertIs(CALLS[fn], Translator.call_unary, fn)

    def test_a_table_function_translates(self):
        _, expr = translate(f"from keras import ops\ndef f(y_true, y_pred):\n"
                            f"    return ops.mean(ops.log10(1.0 + ops.square(y_pred)) * y_true, axis=-1)\n")
        self.assertIn("lossc::log10(", expr.code)

    def test_unknown_op_is_a_located_refusal(self):
        with self.assertRaises(TranslationError) as e:
            translate("from keras import ops\ndef f(y_true, y_pred):\n    return ops.mean(ops.erfinv(y_pred), axis=-1)\n")
        self.assertEqual(e.exception.node.lineno, 3)
        self.assertIn("supported:", e.exception.alternative)


if __name__ == "__main__":
    unittest.main()
