"""lossc_keras.optable: the elementwise functions come from the library's op table."""
import json
import pathlib
import unittest

import _path  # noqa: F401
from lossc_keras import optable


class OpTable(unittest.TestCase):
    def setUp(self):
        path = pathlib.Path(optable.__file__).with_name("op_table.json")
        self.table = json.loads(path.read_text(encoding="utf-8"))

    def test_unary_functions_are_the_tables(self):
        plain = {op["function"] for op in self.table["unary"]
                 if op["function"] is not None} - optable.LOSSC_ONLY - optable.UNARY_SPECIAL
        self.assertEqual(set(optable.UNARY), plain)
        self.assertTrue(all(code == f"lossc::{fn}" for fn, code in optable.UNARY.items()))

    def test_non_differentiable_from_the_table(self):
        cut = {op["function"] for op in self.table["unary"] if not op["differentiable"]}
        self.assertEqual(optable.NON_DIFFERENTIABLE, cut & set(optable.UNARY))
        self.assertIn("stop_gradient", optable.NON_DIFFERENTIABLE)

    def test_the_refusal_names_every_function(self):
        for fn in optable.UNARY:
            self.assertIn(f" {fn} ", optable.SUPPORTED)

    def test_aliases_lead_to_known_ops(self):
        self.assertEqual(optable.ALIASES["absolute"], "abs")
        self.assertEqual(optable.ALIASES["reduce_mean"], "mean")
        self.assertIn("mean", optable.REDUCTIONS)


if __name__ == "__main__":
    unittest.main()
