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

    def test_a_similarity_matrix_reduced_along_its_rows_is_a_pair_reduction(self):
        _, expr = translate("from keras import ops\ndef f(y_true, y_pred):\n"
                            "    s = y_pred @ y_true.T\n"
                            "    return ops.logsumexp(s, axis=1) - ops.logsumexp(s, axis=0) + ops.diagonal(s)\n")
        self.assertEqual(expr.code, "lossc::batch_loss(lossc::pair_logsumexp(lossc::sum<-1>(lossc::y_pred * "
                                    "lossc::other(lossc::y_true))) - lossc::pair_logsumexp(lossc::sum<-1>("
                                    "lossc::other(lossc::y_pred) * lossc::y_true)) + lossc::sum<-1>(lossc::y_pred * "
                                    "lossc::y_true))")

    def test_one_axis_operands_follow_numpy_broadcasting(self):
        # (batch, 1) against (batch, batch): sample i's; (batch,) and a transposed (batch, 1): sample j's.
        _, expr = translate("from keras import ops\ndef f(y_true, y_pred):\n"
                            "    s = ops.matmul(y_pred, ops.transpose(y_pred))\n"
                            "    a = ops.sum(y_pred, axis=1, keepdims=True)\n"
                            "    return ops.sum(s * a * ops.transpose(a) * ops.sum(y_true, axis=1), axis=1)\n")
        self.assertIn("* lossc::sum<-1>(lossc::y_pred) * lossc::other(lossc::sum<-1>(lossc::y_pred)) * "
                      "lossc::other(lossc::sum<-1>(lossc::y_true))", expr.code)

    def test_an_unreduced_similarity_matrix_is_refused(self):
        with self.assertRaises(TranslationError) as e:
            translate("from keras import ops\ndef f(y_true, y_pred):\n    return ops.matmul(y_pred, ops.transpose(y_true))\n")
        self.assertIn("(batch, batch) matrix", e.exception.what)


if __name__ == "__main__":
    unittest.main()
