"""lossc_keras.values: numbers, lists and expressions spelled as C++, with the parentheses their
precedence needs."""
import unittest

import _path  # noqa: F401
from lossc_keras.values import Expr, Lst, Num, Param, code_of, num_code


class Values(unittest.TestCase):
    def test_numbers_are_doubles_that_round_trip(self):
        self.assertEqual(float(num_code(0.1)), 0.1)
        self.assertIn(".", num_code(2.0))  # a double literal, never an int that C++ would divide as one
        self.assertEqual(float(num_code(1e-7)), 1e-7)

    def test_weights_list(self):
        self.assertEqual(code_of(Lst([0.3, 0.7])), "lossc::weights(0.3, 0.7)")

    def test_precedence(self):
        low = Expr("a + b", 2, prec=6)
        self.assertEqual(code_of(low, 8), "(a + b)")
        self.assertEqual(code_of(low, 6), "a + b")
        self.assertEqual(code_of(Param("gamma"), 9), "gamma")
        self.assertTrue(code_of(Num(-2.0), 10).startswith("("))  # a negative literal under a binding operator


if __name__ == "__main__":
    unittest.main()
