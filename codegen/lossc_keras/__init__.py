"""lossc_keras: translate Keras / TensorFlow Python loss functions into lossc C++.

The package behind codegen/lossc-keras (docs/codegen.md). Its modules, in the order they build on
each other:

    errors     TranslationError (a located message: what, and the supported alternative), Note
    values     what a Python expression evaluates to: Num, Lst, Str, Param, Func, Expr (a lossc
               expression with its static facts) and their C++ spelling
    optable    the op table: the library's elementwise functions from op_table.json (printed from
               include/lossc/expr/ops.hpp), Keras's spellings and built-in losses
    names      imports and the names they bind (resolve: a call's canonical op), C++ names
    translate  the translator: a loss function's body, evaluated symbolically; calls dispatched
               through a table (Translator.CALLS)
    emit       the C++ header and the C ABI
    cli        the command line (main)
"""
from .cli import main  # noqa: F401
from .errors import TranslationError  # noqa: F401
from .translate import Translator  # noqa: F401
