"""lossc-keras: translate Keras / TensorFlow Python loss functions into lossc C++.

    lossc-keras losses.py -o losses.hpp [--namespace NS]
    lossc-keras losses.py --emit c-abi -o losses_abi.cpp --header losses.hpp [--namespace NS]
    cat losses.py | lossc-keras - -o losses.hpp

Reads the file with `ast` (it never imports or runs TensorFlow or Keras) and evaluates each loss
symbolically: every value is a number, a constant list, a factory parameter or a lossc
expression with its static facts (rank, dependence on y_pred), so that what reaches the C++ is
already checked against Keras's rules. A plain loss `def f(y_true, y_pred)` becomes
`inline constexpr auto f = <expression>;` with its static_asserts; a factory
`def make(gamma=2.0): def loss(y_true, y_pred): ...; return loss` becomes a constexpr function
with the same parameters and defaults. Anything it cannot translate is an error
`FILE:LINE:COL: <what> — <supported alternative>` and exit status 1: it never writes C++ that
means something else. docs/codegen.md has the op table, the C ABI and the diagnostics.
"""
import argparse
import io
import re
import sys
import tokenize

from .emit import emit_c_abi, emit_header
from .errors import TranslationError
from .names import CMATH_NAMES, CPP_KEYWORDS
from .translate import Translator


def main(argv=None):
    ap = argparse.ArgumentParser(prog="lossc-keras", description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a .py file with loss functions, or - for standard input")
    ap.add_argument("-o", "--output", help="output file (default: standard output)")
    ap.add_argument("--namespace", default="", help="C++ namespace of the generated losses")
    ap.add_argument("--emit", choices=["header", "c-abi"], default="header")
    ap.add_argument("--header", help="with --emit c-abi: the header to include (generated from the same source)")
    ap.add_argument("--prefix", default="lossc_", help="with --emit c-abi: prefix of the C symbols")
    args = ap.parse_args(argv)
    # Options are pasted into C++: each must be what its place takes.
    if args.namespace and not re.fullmatch(r"[A-Za-z_]\w*(::[A-Za-z_]\w*)*", args.namespace) or \
            any(part in CPP_KEYWORDS for part in args.namespace.split("::")):
        print(f"lossc-keras: --namespace {args.namespace!r} is not a C++ namespace name", file=sys.stderr)
        return 2
    if not re.fullmatch(r"[A-Za-z_]\w*", args.prefix):
        print(f"lossc-keras: --prefix {args.prefix!r} is not the start of a C identifier", file=sys.stderr)
        return 2
    if args.header is not None and not re.fullmatch(r"[\w./+-]+", args.header):
        print(f"lossc-keras: --header {args.header!r} is not a plain path (letters, digits, . / _ + -)", file=sys.stderr)
        return 2
    # The file's name as it appears in messages and in the generated comments: printable only.
    filename = "<stdin>" if args.source == "-" else args.source.encode("unicode_escape").decode("ascii")
    try:
        raw = sys.stdin.buffer.read() if args.source == "-" else open(args.source, "rb").read()
    except OSError as e:
        print(f"lossc-keras: cannot read {filename}: {e.strerror}", file=sys.stderr)
        return 2
    try:  # the encoding Python would use: a coding cookie, else UTF-8
        encoding = tokenize.detect_encoding(io.BytesIO(raw).readline)[0]
        source = raw.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as e:
        print(f"{filename}:1:1: the source cannot be decoded ({e}) — save it as UTF-8", file=sys.stderr)
        return 1
    try:
        tr = Translator(filename, source)
    except SyntaxError as e:
        print(f"{filename}:{e.lineno or 1}:{e.offset or 1}: a Python syntax error: {e.msg} — fix the Python first",
              file=sys.stderr)
        return 1
    except ValueError as e:  # a null byte
        print(f"{filename}:1:1: the source is not Python text ({e}) — remove the null bytes", file=sys.stderr)
        return 1
    except RecursionError:
        print(f"{filename}:1:1: an expression nested too deeply for the translator — split it into local variables",
              file=sys.stderr)
        return 1

    def say(node, text):  # FILE:LINE:COL: text, on standard error
        print(f"{filename}:{getattr(node, 'lineno', 1)}:{getattr(node, 'col_offset', 0) + 1}: {text}", file=sys.stderr)

    found = tr.losses()
    problems = tr.meaning_problems(found)
    for node, what, alternative in problems:
        say(node, f"{what} — {alternative}")
    if problems:
        return 1
    for fn, why in tr.skipped:
        say(fn, f"note: '{fn.name}' is not translated: {why}")
    if not found:
        print(f"{filename}:1:1: no loss function found — define `def f(y_true, y_pred)` or a factory returning one",
              file=sys.stderr)
        return 1
    results, errors = [], 0
    for kind, fn, inner in found:
        start = len(tr.notes)
        try:
            params, expr = tr.translate(kind, fn, inner)
            expr.ignore_class = tr.ignore_class
            results.append((kind, fn, params, expr, tr.notes[start:]))
        except TranslationError as e:
            errors += 1
            say(e.node, f"{e.what} — {e.alternative}")
        except RecursionError:
            errors += 1
            say(fn, f"'{fn.name}' nests an expression too deeply for the translator — split it into local variables")
        except Exception as e:  # a translator bug: still a located message, never a traceback
            errors += 1
            say(fn, f"'{fn.name}' could not be translated (internal: {type(e).__name__}: {e}) — please report it with "
                    f"this file")
        else:
            if not args.namespace and fn.name in CMATH_NAMES:
                errors += 1
                say(fn, f"the loss name '{fn.name}', which <cmath> declares at global scope — rename it, or give --namespace")
    for n in tr.notes:
        say(n.node, f"note: {n.text}")
    if errors:
        return 1
    if args.emit == "header":
        text = emit_header(filename, results, args.namespace)
    else:
        header = args.header or "losses.hpp"
        text = emit_c_abi(header, results, args.namespace, args.prefix)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0

