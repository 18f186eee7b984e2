"""lossc_keras.emit and lossc_keras.cli: the header and the C ABI of translated losses, and the
command line's checks of what it pastes into C++."""
import contextlib
import io
import os
import tempfile
import unittest

import _path  # noqa: F401
from lossc_keras.cli import main
from lossc_keras.emit import emit_c_abi, emit_header
from lossc_keras.translate import Translator

SOURCE = "from keras import ops\ndef mse(y_true, y_pred):\n    return ops.mean(ops.square(y_pred - y_true), axis=-1)\n"


def results():
    tr = Translator("<test>", SOURCE)
    out = []
    for kind, fn, inner in tr.losses():
        params, expr = tr.translate(kind, fn, inner)
        expr.ignore_class = tr.ignore_class
        out.append((kind, fn, params, expr, []))
    return out


class Emit(unittest.TestCase):
    def test_header(self):
        text = emit_header("<test>", results(), "gen")
        self.assertIn("namespace gen {", text)
        self.assertIn("inline constexpr auto mse = lossc::mean<-1>(lossc::square(lossc::y_pred - lossc::y_true));", text)
        self.assertIn("static_assert(lossc::depends_on_y_pred<decltype(mse)>", text)

    def test_c_abi(self):
        text = emit_c_abi("losses.hpp", results(), "gen", "p_")
        self.assertIn('#include "losses.hpp"', text)
        self.assertIn("p_mse", text)


class Cli(unittest.TestCase):
    def run_main(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            return main(list(argv)), err.getvalue()

    def test_writes_the_header(self):
        with tempfile.TemporaryDirectory() as d:
            src, out = os.path.join(d, "l.py"), os.path.join(d, "l.hpp")
            with open(src, "w") as f:
                f.write(SOURCE)
            code, _ = self.run_main(src, "-o", out)
            self.assertEqual(code, 0)
            with open(out) as f:
                self.assertIn("lossc::mean<-1>", f.read())

    def test_refuses_what_is_not_cpp(self):
        self.assertEqual(self.run_main("x.py", "--namespace", "not a name")[0], 2)
        self.assertEqual(self.run_main("x.py", "--emit", "c-abi", "--prefix", "1x")[0], 2)


if __name__ == "__main__":
    unittest.main()
