"""The translator: each loss function's body evaluated symbolically, statement by statement, to a
lossc expression with its static facts checked against Keras's rules."""
import ast
import math

from .errors import Note, TranslationError
from .names import CMATH_NAMES, Module, check_cpp_name, dotted, resolve  # noqa: F401
from .optable import ALIASES, FLOAT_DTYPES, KERAS_LOSSES, NON_DIFFERENTIABLE, REDUCTIONS, SUPPORTED, UNARY  # noqa: F401
from .values import EPSILON, Expr, Func, Lst, Num, Param, Str, code_of, num_code  # noqa: F401


class Translator:
    def __init__(self, filename, source):
        self.filename = filename
        self.tree = ast.parse(source, filename)
        self.module = Module()
        self.module.bind_imports(self.tree)
        self.notes = []
        self.first_batch_node = None
        self.batch_other = None
        self.pair_node = None
        self.globals = {}
        self.functions = {}
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    v = self.eval(node.value, {})
                    if isinstance(v, (Num, Lst, Str)):
                        self.globals[node.targets[0].id] = v
                except TranslationError:
                    pass  # not a constant: an error only if a loss uses it

    # -- what would change the meaning of the source
    HARMLESS_DECORATORS = ("tf.function", "tensorflow.function", "keras.saving.register_keras_serializable",
                           "keras.utils.register_keras_serializable", "tf.keras.utils.register_keras_serializable")

    def meaning_problems(self, losses):
        """Located errors for what would make the translation differ from the Python: a module
        alias (K, tf, keras, ops, np) bound again after its import, and a loss with a decorator
        other than tf.function or Keras's serialisation registration."""
        out = []
        bound = []
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.comprehension, ast.NamedExpr)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    bound += [(n, n.id) for n in ast.walk(t) if isinstance(n, ast.Name)]
            elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
                bound += [(node, a.arg) for a in node.args.args + node.args.kwonlyargs]
                if isinstance(node, ast.FunctionDef):
                    bound.append((node, node.name))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.append((node, node.name))
            elif isinstance(node, ast.With):
                bound += [(node, n.id) for item in node.items if item.optional_vars is not None
                          for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name)]
        for node, name in bound:
            if name in self.module.aliases:
                out.append((node, f"'{name}' is bound again here after its import, so {name}.* would not be "
                                  f"{self.module.aliases[name]}", "give the new value another name"))
        for _, fn, inner in losses:
            for f in (fn, inner) if inner is not None else (fn,):
                for d in f.decorator_list:
                    name = dotted(d.func if isinstance(d, ast.Call) else d)
                    if name:  # the import it names: `function` after `from tensorflow import function`
                        head, dot, rest = name.partition(".")
                        resolved = self.module.aliases.get(head, head) + dot + rest
                    if not name or not {name, resolved} & set(self.HARMLESS_DECORATORS):
                        out.append((d, f"the decorator '{name or ast.dump(d)[:40]}', which may change what '{f.name}' "
                                       f"computes", "remove it, or translate the undecorated function"))
        return out

    # -- which functions are losses
    @staticmethod
    def is_loss_signature(fn):
        a = fn.args
        return (len(a.args) == 2 and not a.vararg and not a.kwarg and not a.kwonlyargs and not a.defaults)

    def losses(self):
        """The module's losses: `def f(y_true, y_pred)`; any function of two tensors (in any names)
        that no other function calls (a called one is a helper); such a function with further
        parameters that all have defaults (they become run-time parameters, as a factory's); and
        factories returning an inner loss. self.skipped: (function, why) for every other function
        that takes two or more arguments and is not called, so that none vanishes without a word."""
        out, self.skipped = [], []
        called = {n.func.id for n in ast.walk(self.tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        for fn in self.functions.values():
            a = fn.args
            names = [x.arg for x in a.args]
            if self.is_loss_signature(fn) and (names == ["y_true", "y_pred"] or fn.name not in called):
                out.append(("plain", fn, None))
                continue
            inner = [s for s in fn.body if isinstance(s, ast.FunctionDef) and self.is_loss_signature(s)]
            ret = [s for s in fn.body if isinstance(s, ast.Return)]
            if inner and ret and isinstance(ret[-1].value, ast.Name) and ret[-1].value.id == inner[-1].name:
                out.append(("factory", fn, inner[-1]))
                continue
            if fn.name in called or len(a.args) < 2:
                continue
            extra_defaults = len(a.defaults) == len(a.args) - 2
            if not (a.vararg or a.kwarg or a.kwonlyargs) and extra_defaults:
                out.append(("parametrized", fn, None))
            else:
                self.skipped.append((fn, "its signature is not (y_true, y_pred) followed by parameters with "
                                         "defaults, and nothing calls it"))
        return out

    # -- translation of one loss
    def translate(self, kind, fn, inner):
        check_cpp_name(fn.name, fn, "loss")
        self.first_batch_node = None  # where the loss first reduces over the batch
        self.pair_node = None  # where it first reduces a (batch, batch) matrix (a pair reduction)
        self.batch_other = None  # (node, op): a max/min over the batch, which batch_loss does not take
        self.ignore_class = None  # a sparse cross-entropy's ignore_class: the C ABI's label check skips it
        env = {}
        params = []
        if kind == "factory":
            a = fn.args
            if a.vararg or a.kwarg or a.kwonlyargs:
                raise TranslationError(fn, f"factory '{fn.name}' has *args, **kwargs or keyword-only parameters",
                                       "give it plain parameters with numeric defaults")
            defaults = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults)
            params = self.run_time_params(a.args, defaults, env, "factory")
            for stmt in fn.body:
                if stmt is inner or isinstance(stmt, ast.Return):
                    continue
                self.statement(stmt, env, allow_return=False)
            loss_fn = inner
        elif kind == "parametrized":  # def f(y_true, y_pred, delta=1.0): the extra parameters are run-time ones
            params = self.run_time_params(fn.args.args[2:], fn.args.defaults, env, "loss")
            loss_fn = fn
        else:
            loss_fn = fn
        for name, _ in params:  # C++ parameters of the generated function
            check_cpp_name(name, fn, "parameter")
        t_name, p_name = (a.arg for a in loss_fn.args.args[:2])
        env = dict(env)
        env[t_name] = Expr("lossc::y_true", 2, node=loss_fn)
        env[p_name] = Expr("lossc::y_pred", 2, grad=True, pred=True, node=loss_fn)
        result = self.body(loss_fn.body, env, loss_fn)
        result = self.per_sample(result, loss_fn)
        return params, result

    def run_time_params(self, args, defaults, env, what):
        """(name, default or None) of parameters that become run-time doubles, bound in env; a
        default must be a number."""
        params = []
        for arg, d in zip(args, defaults):
            dv = None
            if d is not None:
                v = self.eval(d, {})
                if not isinstance(v, Num):
                    raise TranslationError(d, f"the default of '{arg.arg}' is not a number",
                                           f"{what} parameters are numbers (run-time doubles in C++)")
                dv = v.v
            params.append((arg.arg, dv))
            env[arg.arg] = Param(arg.arg)
        return params

    def body(self, stmts, env, fn):
        for stmt in stmts:
            r = self.statement(stmt, env, allow_return=True)
            if r is not None:
                return r
        raise TranslationError(fn, f"'{fn.name}' does not return a value", "end the loss with `return <expression>`")

    def statement(self, stmt, env, allow_return):
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            return None  # docstring
        if isinstance(stmt, ast.Pass):
            return None
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple)
                and isinstance(stmt.value, ast.Tuple) and len(stmt.value.elts) == len(stmt.targets[0].elts)
                and all(isinstance(t, ast.Name) for t in stmt.targets[0].elts)):
            values = [self.eval(v, env) for v in stmt.value.elts]  # a, b = x, y: both read before either is set
            for t, v in zip(stmt.targets[0].elts, values):
                env[t.id] = v
            return None
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise TranslationError(stmt, "assignment to something other than one local name",
                                       "assign each value to its own name")
            env[stmt.targets[0].id] = self.eval(stmt.value, env)
            return None
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            env[stmt.target.id] = self.eval(stmt.value, env)
            return None
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            if stmt.target.id not in env:
                raise TranslationError(stmt, f"'{stmt.target.id}' is updated before it is assigned", "assign it first")
            env[stmt.target.id] = self.binop(stmt.op, env[stmt.target.id], self.eval(stmt.value, env), stmt)
            return None
        if isinstance(stmt, ast.Return) and allow_return:
            if stmt.value is None:
                raise TranslationError(stmt, "a bare return", "return the loss expression")
            return self.eval(stmt.value, env)
        if isinstance(stmt, ast.FunctionDef):
            env[stmt.name] = Func(stmt, dict(env))
            return None
        what = {ast.If: "an if statement", ast.For: "a for loop", ast.While: "a while loop", ast.With: "a with block",
                ast.Try: "a try block", ast.Import: "an import inside a loss", ast.ImportFrom: "an import inside a loss"}
        desc = next((v for k, v in what.items() if isinstance(stmt, k)), f"a {type(stmt).__name__} statement")
        raise TranslationError(stmt, f"{desc} cannot be translated",
                               "write the branch as an expression with where(cond, a, b) (K.switch, tf.where); "
                               "loops over the batch become reductions")

    # -- expressions
    def eval(self, node, env):
        """_eval, with Python's own errors on a constant or a call turned into located ones."""
        try:
            v = self._eval(node, env)
        except (TranslationError, RecursionError):
            raise
        except (ArithmeticError, ValueError) as e:
            raise TranslationError(node, f"a constant Python cannot evaluate to a finite real number ({e})",
                                   "write a finite real number") from None
        except (TypeError, IndexError, KeyError) as e:
            if isinstance(node, ast.Call):
                raise TranslationError(node, f"a call with missing, extra or misspelt arguments ({type(e).__name__}: {e})",
                                       "check the arguments against Keras's signature") from None
            raise TranslationError(node, f"an expression that is not a real number or a tensor ({type(e).__name__}: {e})",
                                   "write real numbers and tensor expressions") from None
        if isinstance(v, Num) and not math.isfinite(v.v):
            raise TranslationError(node, "a constant that is not finite",
                                   "use a finite number (a large finite bound such as 1e30 for infinity)")
        return v

    def _eval(self, node, env):
        if isinstance(node, ast.Constant):
            if node.value is None:  # an open bound (clip), axis=None; anywhere else a located error
                return None
            if isinstance(node.value, bool):
                return Num(1.0 if node.value else 0.0)
            if isinstance(node.value, (int, float)):
                return Num(node.value)
            if isinstance(node.value, str):
                return Str(node.value)
            raise TranslationError(node, f"the constant {node.value!r}", "numbers and constant lists of numbers")
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id in self.globals:
                return self.globals[node.id]
            if node.id in self.functions:
                return Func(self.functions[node.id], {})
            if node.id in ("None",):
                return None
            raise TranslationError(node, f"unknown name '{node.id}'",
                                   "use y_true, y_pred, local variables, factory parameters, module-level constants "
                                   "or helper functions of the same file")
        if isinstance(node, (ast.List, ast.Tuple)):
            vals = [self.eval(e, env) for e in node.elts]
            if all(isinstance(v, Num) for v in vals):
                return Lst([v.v for v in vals])
            raise TranslationError(node, "a list of non-constant values",
                                   "constant lists of numbers become per-column weights; combine tensors with + - * /")
        if isinstance(node, ast.UnaryOp):
            v = self.eval(node.operand, env)
            if isinstance(node.op, ast.USub):
                return self.neg(v, node)
            if isinstance(node.op, ast.UAdd):
                return v
            raise TranslationError(node, f"the operator {type(node.op).__name__}", "use + - * / ** and comparisons")
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.eval(node.left, env), self.eval(node.right, env), node)
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise TranslationError(node, "a chained comparison", "compare two values at a time, combined with *")
            return self.compare(node.ops[0], self.eval(node.left, env), self.eval(node.comparators[0], env), node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, env)
        if isinstance(node, ast.Call):
            return self.call(node, env)
        if isinstance(node, ast.Attribute) and node.attr == "T":  # x.T
            return self.transpose(self.eval(node.value, env), node)
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            if name is not None and name.split(".")[-1] in ("float32", "float64", "float16"):
                return Str(name.split(".")[-1])
        if isinstance(node, ast.IfExp):
            raise TranslationError(node, "a conditional expression (a if c else b)",
                                   "use where(cond, a, b) for element-wise choices")
        raise TranslationError(node, f"the expression {type(node).__name__}", SUPPORTED)

    def as_expr(self, v, node):
        if isinstance(v, Expr):
            return v
        if isinstance(v, (Num, Param)):
            return Expr(code_of(v), 0, prec=10 if isinstance(v, Num) and v.v >= 0 else v.prec if isinstance(v, Param) else 9)
        if isinstance(v, Lst):
            return Expr(code_of(v), 2, cols=len(v.vs))
        raise TranslationError(node, "a value that is not a number or a tensor", SUPPORTED)

    @staticmethod
    def broadcast(node, *exprs):
        """numpy's broadcasting of the Python values: a per-sample (N,) value against an (N, C) or
        (N, 1) one would align with the last axis, not the batch — an error in Keras (or, when
        N = C, a silently different loss); lossc refuses it rather than guess."""
        shapes = {e.pyshape for e in exprs if isinstance(e, Expr)}
        if "N" in shapes and ("NC" in shapes or "N1" in shapes):
            raise TranslationError(node, "a per-sample value of shape (batch,) combined with a (batch, columns) tensor: "
                                         "numpy broadcasting would align it with the columns",
                                   "keep the reduced axis (keepdims=True) or index with x[:, j:j+1]")
        if "C" in shapes and ("N" in shapes or "N1" in shapes):
            raise TranslationError(node, "a per-column statistic of the batch (axis=0) combined with a per-sample value: "
                                         "numpy broadcasting would align the batch with the columns",
                                   "combine it with a (batch, columns) tensor, or reduce it over its columns first")
        if "NC" in shapes or ("C" in shapes and "N1" in shapes):
            return "NC"
        return "C" if "C" in shapes else "N1" if "N1" in shapes else "N" if "N" in shapes else ""

    def combine(self, a, b, op_code, prec, node, kind=""):
        """An element-wise binary operator (C++ operator op_code) on expressions or numbers."""
        if self.pairish(a, b):
            return self.lift(lambda x, y: self.combine(x, y, op_code, prec, node, kind), (a, b), node)
        if isinstance(a, Num) and isinstance(b, Num):
            return None  # folded by the caller
        if isinstance(a, Lst) and isinstance(b, Lst):
            raise TranslationError(node, "arithmetic between two constant lists", "combine a list with a tensor")
        code = f"{code_of(a, prec)} {op_code} {code_of(b, prec + 1)}"
        if isinstance(a, (Num, Param)) and isinstance(b, (Num, Param)):
            return Param(code, prec)
        ea, eb = self.as_expr(a, node), self.as_expr(b, node)
        return Expr(code, max(ea.rank, eb.rank), grad=ea.grad or eb.grad, pred=ea.pred or eb.pred,
                    batch=ea.batch or eb.batch, prec=prec, kind=kind, cols=ea.cols or eb.cols,
                    pyshape=self.broadcast(node, ea, eb))

    def binop(self, op, a, b, node):
        fold = {ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
                ast.Div: lambda x, y: x / y, ast.Pow: lambda x, y: x ** y}
        if isinstance(a, Num) and isinstance(b, Num) and type(op) in fold:
            try:
                return Num(fold[type(op)](a.v, b.v))
            except ZeroDivisionError:
                raise TranslationError(node, "a division by zero between constants", "check the constant") from None
        if isinstance(op, ast.Pow):
            return self.power(a, b, node)
        if isinstance(op, ast.MatMult):
            return self.matmul(a, b, node)
        ops = {ast.Add: ("+", 7), ast.Sub: ("-", 7), ast.Mult: ("*", 8), ast.Div: ("/", 8)}
        if type(op) not in ops:
            raise TranslationError(node, f"the operator {type(op).__name__}", "use + - * / ** and comparisons")
        if isinstance(a, (Str, Func)) or isinstance(b, (Str, Func)) or a is None or b is None:
            raise TranslationError(node, "arithmetic on a value that is not a number or a tensor", SUPPORTED)
        c, p = ops[type(op)]
        return self.combine(a, b, c, p, node)

    def neg(self, v, node):
        if isinstance(v, Num):
            return Num(-v.v)
        if isinstance(v, Param):
            return Param(f"-{code_of(v, 9)}", 9)
        if self.pairish(v):
            return self.lift(lambda x: self.neg(x, node), (v,), node)
        if isinstance(v, Expr):
            return Expr(f"-{v.code if v.prec >= 9 else '(' + v.code + ')'}", v.rank, v.grad, v.pred, v.batch, prec=9,
                        cols=v.cols, pyshape=v.pyshape)
        raise TranslationError(node, "negating a value that is not a number or a tensor", SUPPORTED)

    def power(self, a, b, node):
        if self.pairish(a, b):
            return self.lift(lambda x, y: self.power(x, y, node), (a, b), node)
        if isinstance(b, (Num, Param)) and isinstance(a, Expr):
            if isinstance(b, Num) and b.v == 2:
                return self.unary("square", a, node)
            return Expr(f"lossc::pow({a.code}, {code_of(b)})", a.rank, a.grad, a.pred, a.batch, cols=a.cols, pyshape=a.pyshape)
        if isinstance(a, Param) and isinstance(b, Num) and b.v in (2.0, 3.0):  # constexpr-friendly
            return Param(" * ".join([code_of(a, 9)] * int(b.v)), 8)
        if isinstance(a, (Num, Param)) and isinstance(b, (Num, Param)):
            return Param(f"std::pow({code_of(a)}, {code_of(b)})")
        ea, eb = self.as_expr(a, node), self.as_expr(b, node)
        return Expr(f"lossc::pow({ea.code}, {eb.code})", max(ea.rank, eb.rank), ea.grad or eb.grad, ea.pred or eb.pred,
                    ea.batch or eb.batch, cols=ea.cols or eb.cols, pyshape=self.broadcast(node, ea, eb))

    def compare(self, op, a, b, node):
        if self.pairish(a, b):
            return self.lift(lambda x, y: self.compare(op, x, y, node), (a, b), node)
        table = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}
        if type(op) in table:
            e = self.combine(a, b, table[type(op)], 6, node, kind="mask")
        elif isinstance(op, (ast.Eq, ast.NotEq)):
            ea, eb = self.as_expr(a, node), self.as_expr(b, node)
            fn = "lossc::equal" if isinstance(op, ast.Eq) else "lossc::not_equal"
            e = Expr(f"{fn}({ea.code}, {eb.code})", max(ea.rank, eb.rank), pred=ea.pred or eb.pred,
                     batch=ea.batch or eb.batch, kind="mask", pyshape=self.broadcast(node, ea, eb))
        else:
            raise TranslationError(node, f"the comparison {type(op).__name__}", "use < <= > >= == !=")
        if not isinstance(e, Expr):
            raise TranslationError(node, "a comparison between constants", "compare tensors")
        e.grad = False  # a comparison passes no gradient
        e.kind = "mask"
        return e

    def subscript(self, node, env):
        base = self.eval(node.value, env)
        if not isinstance(base, Expr) or base.rank != 2 or base.pyshape == "C":
            raise TranslationError(node, "indexing something other than a (batch, columns) tensor",
                                   "slice columns of y_true, y_pred or an element-wise expression: x[:, j], x[:, a:b], x[..., a:]")
        idx = node.slice
        elts = list(idx.elts) if isinstance(idx, ast.Tuple) else [idx]
        if len(elts) != 2 or not (isinstance(elts[0], ast.Constant) and elts[0].value is Ellipsis or
                                  isinstance(elts[0], ast.Slice) and elts[0].lower is None and elts[0].upper is None
                                  and elts[0].step is None):
            raise TranslationError(node, "an index that is not a column selection",
                                   "select columns: x[:, j], x[..., j], x[:, a:b], x[:, a:] (the batch axis stays whole)")
        col = elts[1]

        def const_int(n, what):
            if n is None:
                return None
            if any(isinstance(c, ast.Constant) and isinstance(c.value, float) for c in ast.walk(n)):
                raise TranslationError(n, f"a {what} written with a float (numpy raises IndexError)",
                                       "column indices are integers: x[:, 1], not x[:, 1.0]")
            v = self.eval(n, env)
            if not isinstance(v, Num) or v.v != int(v.v):
                raise TranslationError(n, f"a {what} that is not a constant integer", "column indices are constant integers")
            if v.v >= 2 ** 31:
                raise TranslationError(n, f"a {what} of {int(v.v)}", "column indices below 2^31")
            if v.v < 0:
                raise TranslationError(n, "a negative column index (counted from the end)",
                                       "count columns from the start: lossc does not know the width while compiling")
            return int(v.v)

        b = base
        if isinstance(col, ast.Slice):
            if col.step is not None:
                raise TranslationError(col, "a slice with a step", "take contiguous columns x[:, a:b]")
            lo, hi = const_int(col.lower, "slice start") or 0, const_int(col.upper, "slice end")
            if hi is None:
                code = f"lossc::cols_from<{lo}>({b.code})"
                cols = None if b.cols is None else b.cols - lo
            else:
                if hi <= lo:
                    raise TranslationError(col, "an empty column slice", "take at least one column")
                code = f"lossc::cols<{lo}, {hi - lo}>({b.code})"
                cols = hi - lo
            return Expr(code, 2, b.grad, b.pred, b.batch, cols=cols)
        j = const_int(col, "column index")
        return Expr(f"lossc::col<{j}>({b.code})", 1, b.grad, b.pred, b.batch)

    # -- calls
    # Keyword spellings of the same argument across K., keras.ops., tf.
    KEYWORDS = {"a": "x", "input_tensor": "x", "tensor": "x", "t": "x", "logits": "x", "features": "x",
                "x1": "x", "x2": "y", "b": "y", "min_value": "min", "max_value": "max", "clip_value_min": "min",
                "clip_value_max": "max", "x_min": "min", "x_max": "max", "keep_dims": "keepdims", "dim": "axis",
                "cond": "condition", "then_expression": "x", "else_expression": "y", "exponent": "y", "value": "value"}

    def kwargs(self, node, env, names, defaults):
        """Positional and keyword arguments of a call, by name."""
        vals = dict(defaults)
        for i, a in enumerate(node.args):
            if i >= len(names):
                raise TranslationError(a, "too many arguments", f"this call takes {', '.join(names)}")
            vals[names[i]] = self.eval(a, env)
        for kw in node.keywords:
            key = kw.arg if kw.arg in names else self.KEYWORDS.get(kw.arg)
            if kw.arg == "name":
                continue
            if kw.arg is None or key not in names:
                raise TranslationError(kw.value if kw.arg else node, f"the argument '{kw.arg}'",
                                       f"this call takes {', '.join(names)}")
            vals[key] = self.eval(kw.value, env)
        return vals

    def axis_of(self, v, node):
        if v is None:
            return None
        if isinstance(v, Num) and v.v in (-1.0, 1.0, 0.0):
            return int(v.v)
        raise TranslationError(node, "an axis other than -1, 1, 0 or None",
                               "inputs are (batch, columns): reduce axis=-1 (or 1); axis=0/None reduce the batch")

    def call(self, node, env):
        if isinstance(node.func, ast.Name) and node.func.id in ("float", "int"):
            return self.eval(node.args[0], env)
        target = self.eval(node.func, env) if isinstance(node.func, ast.Name) and (
            node.func.id in env or node.func.id in self.functions) else None
        if isinstance(target, Func):
            return self.inline(target, node, env)
        r = resolve(self.module, node.func)
        if r is None:
            raise TranslationError(node, f"the call '{ast.unparse(node.func)}'",
                                   "call Keras/TensorFlow ops through their modules (K., keras.ops., tf., tf.math., tf.nn.) "
                                   "or helper functions of the same file; " + SUPPORTED)
        if r[0] == "loss":
            return self.builtin_loss(r[1], node, env)
        op = r[1]
        handler = CALLS.get(op)
        if handler is None:
            raise TranslationError(node, f"the op '{ast.unparse(node.func)}'", SUPPORTED)
        return handler(self, op, node, env)

    # ---- the calls of CALLS (below the class): each takes (op, node, env) ----------------------------

    def call_unary(self, op, node, env):
        x = self.kwargs(node, env, ["x"], {}).get("x")
        return self.neg(x, node) if op == "neg" else self.unary(op, x, node)

    BINARY_AST = {"add": ast.Add(), "sub": ast.Sub(), "mul": ast.Mult(), "div": ast.Div(), "pow": ast.Pow()}
    COMPARISON_AST = {"gt": ast.Gt(), "ge": ast.GtE(), "lt": ast.Lt(), "le": ast.LtE(), "eq": ast.Eq(), "ne": ast.NotEq()}

    def call_binary_op(self, op, node, env):
        v = self.kwargs(node, env, ["x", "y"], {})
        a, b = v.get("x"), v.get("y")
        if op in self.BINARY_AST:
            return self.binop(self.BINARY_AST[op], a, b, node)
        if op in self.COMPARISON_AST:
            return self.compare(self.COMPARISON_AST[op], a, b, node)
        if op == "squared_difference":
            return self.unary("square", self.binop(ast.Sub(), a, b, node), node)
        if isinstance(a, Num) and isinstance(b, Num):
            return Num(max(a.v, b.v) if op == "maximum" else min(a.v, b.v))
        return self.call_binary(op, a, b, node)

    def call_reduction(self, op, node, env):
        v = self.kwargs(node, env, ["x", "axis", "keepdims"], {"axis": None, "keepdims": Num(0)})
        keep = v["keepdims"]
        if not isinstance(keep, Num):
            raise TranslationError(node, "keepdims that is not a constant", "keepdims=True or False")
        r = self.reduce(op, v["x"], self.axis_of(v["axis"], node), node)
        if keep.v and r.rank == 1 and r.pyshape == "N":
            r.pyshape = "N1"
        return r

    def call_clip(self, op, node, env):
        v = self.kwargs(node, env, ["x", "min", "max"], {})
        if any(k not in v for k in ("x", "min", "max")):
            raise TranslationError(node, "clip without its bounds", "clip(x, lo, hi); a bound may be None")
        return self.clip(v["x"], v["min"], v["max"], node)

    def call_where(self, op, node, env):
        v = self.kwargs(node, env, ["condition", "x", "y"], {})
        if self.pairish(v.get("condition"), v.get("x"), v.get("y")):
            return self.lift(lambda c, a, b: self.where(c, a, b, node), (v["condition"], v["x"], v["y"]), node)
        return self.where(v["condition"], v["x"], v["y"], node)

    def where(self, c, a, b, node):
        c, a, b = (self.as_expr(x, node) for x in (c, a, b))
        return Expr(f"lossc::where({c.code}, {a.code}, {b.code})", max(c.rank, a.rank, b.rank), a.grad or b.grad,
                    c.pred or a.pred or b.pred, c.batch or a.batch or b.batch, cols=a.cols or b.cols,
                    pyshape=self.broadcast(node, c, a, b))

    def call_cast(self, op, node, env):
        v = self.kwargs(node, env, ["x", "dtype"], {"dtype": Str("float32")})
        dt = v["dtype"]
        if isinstance(dt, Str) and dt.s.split(".")[-1] in {d.split(".")[-1] for d in FLOAT_DTYPES}:
            return v["x"]
        raise TranslationError(node, f"a cast to {getattr(dt, 's', '?')}",
                               "cast to a float type (comparisons already give 0/1 values)")

    def call_softmax(self, op, node, env):
        v = self.kwargs(node, env, ["x", "axis"], {"axis": Num(-1)})
        ax = self.axis_of(v["axis"], node)
        x = self.as_expr(v["x"], node)
        if ax not in (-1, 1) or x.rank != 2:
            raise TranslationError(node, f"{op} over the batch or of a per-sample value",
                                   f"{op} over the class axis (axis=-1) of a (batch, columns) tensor")
        return Expr(f"lossc::{op}<-1>({x.code})", 2, x.grad, x.pred, x.batch, cols=x.cols, pyshape=x.pyshape)

    def call_l2_normalize(self, op, node, env):
        v = self.kwargs(node, env, ["x", "axis"], {"axis": Num(-1)})
        x = self.as_expr(v["x"], node)
        return Expr(f"lossc::l2_normalize<-1>({x.code})", 2, x.grad, x.pred, x.batch, cols=x.cols, pyshape=x.pyshape)

    def call_constant(self, op, node, env):
        return self.kwargs(node, env, ["value", "dtype"], {})["value"]

    def unary(self, op, x, node):
        if self.pairish(x):
            return self.lift(lambda v: self.unary(op, v, node), (x,), node)
        if isinstance(x, Num):
            fold = {"square": lambda v: v * v, "abs": abs, "sqrt": math.sqrt, "exp": math.exp, "log": math.log,
                    "log1p": math.log1p, "expm1": math.expm1, "tanh": math.tanh, "cosh": math.cosh, "sinh": math.sinh}
            if op in fold:
                try:
                    return Num(fold[op](x.v))
                except (ValueError, OverflowError):
                    raise TranslationError(node, f"{op} of the constant {x.v}", "check the constant") from None
        if isinstance(x, Param):
            cmath = {"exp": "std::exp", "log": "std::log", "sqrt": "std::sqrt", "log1p": "std::log1p",
                     "expm1": "std::expm1", "tanh": "std::tanh", "cosh": "std::cosh", "sinh": "std::sinh", "abs": "std::abs"}
            if op == "square":
                return Param(f"{code_of(x, 9)} * {code_of(x, 9)}", 8)
            if op in cmath:
                return Param(f"{cmath[op]}({x.code})")
        e = self.as_expr(x, node)
        if isinstance(x, (Num, Param)):  # an op of a number that Python did not fold: a lossc scalar node
            e = Expr(f"lossc::scalar{{{code_of(x)}}}", 0)
        if op == "relu":
            return Expr(f"lossc::maximum({e.code}, 0.0)", e.rank, e.grad, e.pred, e.batch, cols=e.cols, pyshape=e.pyshape)
        if op == "log_sigmoid":
            return Expr(f"lossc::log(lossc::sigmoid({e.code}))", e.rank, e.grad, e.pred, e.batch, cols=e.cols, pyshape=e.pyshape)
        grad = e.grad and op not in NON_DIFFERENTIABLE
        return Expr(f"{UNARY[op]}({e.code})", e.rank, grad, e.pred, e.batch, cols=e.cols,
                    kind="mask" if op in ("sign", "round") and e.kind == "mask" else "", pyshape=e.pyshape)

    def clip(self, x, lo, hi, node):
        """clip(x, lo, hi); a bound of None is open (numpy's and Keras 2's K.clip), as an infinite one."""
        if x is None or (lo is None and hi is None):
            raise TranslationError(node, "clip without its bounds", "clip(x, lo, hi); one bound may be None")
        if self.pairish(x) and all(b is None or isinstance(b, (Num, Param)) for b in (lo, hi)):
            return self.lift(lambda v: self.clip(v, lo, hi, node), (x,), node)
        if all(b is None or isinstance(b, (Num, Param)) for b in (lo, hi)):
            e = self.as_expr(x, node)
            inf = "std::numeric_limits<double>::infinity()"
            lo_code = f"-{inf}" if lo is None else code_of(lo)
            hi_code = inf if hi is None else code_of(hi)
            return Expr(f"lossc::clip({e.code}, {lo_code}, {hi_code})", e.rank, e.grad, e.pred, e.batch, cols=e.cols, pyshape=e.pyshape)
        if lo is None:
            return self.call_binary("minimum", x, hi, node)
        if hi is None:
            return self.call_binary("maximum", x, lo, node)
        return self.call_binary("minimum", self.call_binary("maximum", x, lo, node), hi, node)

    def call_binary(self, fn, a, b, node):
        if self.pairish(a, b):
            return self.lift(lambda x, y: self.call_binary(fn, x, y, node), (a, b), node)
        ea, eb = self.as_expr(a, node), self.as_expr(b, node)
        return Expr(f"lossc::{fn}({ea.code}, {eb.code})", max(ea.rank, eb.rank), ea.grad or eb.grad, ea.pred or eb.pred,
                    ea.batch or eb.batch, cols=ea.cols or eb.cols, pyshape=self.broadcast(node, ea, eb))

    def reduce(self, op, x, axis, node):
        e = self.as_expr(x, node)
        if e.pyshape in self.PAIRISH:
            return self.pair_reduce(op, e, axis, node)
        if e.pyshape == "C":  # a per-column statistic: its one axis is the columns
            if axis in (None, 0, -1):
                return Expr(f"lossc::{op}<-1>({e.code})", 0, e.grad, e.pred, e.batch, node=node)
            raise TranslationError(node, f"{op} over axis {axis} of a per-column statistic (shape (columns,))",
                                   "reduce it with axis=-1 (or None)")
        if axis in (-1, 1):
            if e.rank != 2:
                raise TranslationError(node, f"{op} over the class axis of a value that has none (one per sample)",
                                       "drop this reduction: the value is already per sample")
            return Expr(f"lossc::{op}<-1>({e.code})", 1, e.grad, e.pred, e.batch)
        if e.rank == 0:
            if axis is None:  # one number for the batch already: numpy returns it unchanged
                return e
            raise TranslationError(node, f"{op} over axis {axis} of a value that has no axes (one number for the batch)",
                                   "drop this reduction, or reduce with axis=None")
        # Over the batch: a statistic of the whole batch (lossc::batch_sum / batch_mean), compiled in
        # a lossc::batch_loss, or, as the loss's last operation, translated per sample (per_sample).
        if op not in ("sum", "mean"):
            self.batch_other = self.batch_other or (node, op)
        if self.first_batch_node is None:
            self.first_batch_node = node
        if axis == 0 and e.rank == 2:  # one value per column
            code = f"lossc::batch_{op}({e.code})" if op in ("sum", "mean") else f"lossc::{op}<0>({e.code})"
            return Expr(code, 2, e.grad, e.pred, True, cols=e.cols, node=node, pyshape="C")
        inner = f"lossc::{op}<-1>({e.code})" if e.rank == 2 else e.code
        code = f"lossc::batch_{op}({inner})" if op in ("sum", "mean") else f"lossc::{op}<0>({inner})"
        r = Expr(code, 0, e.grad, e.pred, True, kind=f"batch:{op}", node=node)
        r.inner = e
        return r

    def inline(self, f, node, env):
        fn = f.node
        a = fn.args
        if a.vararg or a.kwarg or a.kwonlyargs:
            raise TranslationError(node, f"calling '{fn.name}', which has *args or **kwargs",
                                   "helpers take plain parameters")
        names = [x.arg for x in a.args]
        defaults = {}
        for name, d in zip(names[len(names) - len(a.defaults):], a.defaults):
            defaults[name] = self.eval(d, {})
        vals = self.kwargs(node, env, names, defaults)
        missing = [n for n in names if n not in vals]
        if missing:
            raise TranslationError(node, f"'{fn.name}' is called without {', '.join(missing)}", "pass every parameter")
        local = dict(f.closure)
        local.update(vals)
        self.depth = getattr(self, "depth", 0) + 1
        try:
            if self.depth > 50:
                raise TranslationError(node, f"'{fn.name}' calls itself (recursion)", "write the helper without recursion")
            return self.body(fn.body, local, fn)
        finally:
            self.depth -= 1

    def builtin_loss(self, name, node, env):
        if name not in KERAS_LOSSES:
            raise TranslationError(node, f"the built-in loss '{name}'",
                                   "lossc::keras has: " + ", ".join(sorted({v[0] for v in KERAS_LOSSES.values()})))
        lname, params, logits = KERAS_LOSSES[name]
        keys = ["y_true", "y_pred"] + ([p for p, _ in params]) + (["from_logits"] if logits else []) + ["axis"]
        if name == "sparse_categorical_crossentropy":
            keys += ["ignore_class"]
        v = self.kwargs(node, env, keys, {})
        t, p = v.get("y_true"), v.get("y_pred")
        if not (isinstance(t, Expr) and t.code == "lossc::y_true" and isinstance(p, Expr) and p.code == "lossc::y_pred"):
            raise TranslationError(node, f"keras.losses.{name} called on other tensors than y_true and y_pred",
                                   "call built-in losses on y_true and y_pred themselves, or write the formula with ops")
        if "axis" in v and self.axis_of(v["axis"], node) not in (-1, 1):
            raise TranslationError(node, "a built-in loss over another axis than the last", "use axis=-1")
        fl = v.get("from_logits", Num(0))
        if not isinstance(fl, Num):
            raise TranslationError(node, "from_logits that is not a constant", "from_logits=True or False")
        args = []
        for pname, default in params:
            pv = v.get(pname, Num(default))
            if not isinstance(pv, (Num, Param)):
                raise TranslationError(node, f"{pname} that is not a number", f"{pname}=<number>")
            args.append(code_of(pv) if not (pname == "apply_class_balancing") else
                        ("true" if isinstance(pv, Num) and pv.v else "false"))
        if name == "sparse_categorical_crossentropy" and v.get("ignore_class") is not None:
            ic = v["ignore_class"]
            if not isinstance(ic, Num):
                raise TranslationError(node, "ignore_class that is not a constant", "ignore_class=<int>")
            if ic.v != int(ic.v) or not -2 ** 53 <= ic.v <= 2 ** 53:
                raise TranslationError(node, f"ignore_class={ic.v!r}, not an integer class id",
                                       "ignore_class=<an integer, |id| <= 2^53>")
            args.append(str(int(ic.v)))
            self.ignore_class = int(ic.v)
        tmpl = f"<{'true' if fl.v else 'false'}>" if logits else ""
        return Expr(f"lossc::keras::{lname}{tmpl}({', '.join(args)})", 1, grad=True, pred=True)

    def backend_crossentropy(self, op, node, env):
        """K.categorical_crossentropy(target, output, from_logits=False, axis=-1) and friends (also
        keras.ops.*): the catalog's element-wise/row forms in lossc::keras::ops, on any tensors."""
        v = self.kwargs(node, env, ["target", "output", "from_logits", "axis"], {"from_logits": Num(0), "axis": Num(-1)})
        t, p = self.as_expr(v["target"], node), self.as_expr(v["output"], node)
        if self.axis_of(v["axis"], node) not in (-1, 1):
            raise TranslationError(node, f"{op} over another axis than the last", "use axis=-1")
        fl = v["from_logits"]
        if not isinstance(fl, Num):
            raise TranslationError(node, "from_logits that is not a constant", "from_logits=True or False")
        tmpl = "<true>" if fl.v else "<false>"
        if op == "binary_crossentropy":  # element-wise, as keras.ops / K.binary_crossentropy
            return Expr(f"lossc::keras::ops::binary_crossentropy{tmpl}({t.code}, {p.code})", 2, p.grad, p.pred,
                        t.batch or p.batch, cols=p.cols)
        if op == "sparse_categorical_crossentropy":
            if t.rank == 2 and t.code != "lossc::y_true":
                raise TranslationError(node, "sparse labels that are not y_true or one column", "pass y_true (class ids)")
            labels = "lossc::labels" if t.code == "lossc::y_true" else t.code
            return Expr(f"lossc::keras::ops::sparse_categorical_crossentropy{tmpl}({labels}, {p.code})", 1, p.grad,
                        p.pred, t.batch or p.batch)
        return Expr(f"lossc::keras::ops::categorical_crossentropy{tmpl}({t.code}, {p.code})", 1, p.grad, p.pred,
                    t.batch or p.batch)

    # -- Keras's rules at the return
    # ---- pairs of samples: (batch, batch) matrices such as y_pred @ transpose(y_true) ---------------
    # A (batch, batch) value S is translated as the lossc expression of one pair (i, j) — y_true,
    # y_pred of sample i, lossc::other(...) of sample j — with the same value at (j, i) (its
    # transpose) and at (i, i) (its diagonal) beside it; a reduction along its rows is a pair
    # reduction (lossc::pair_sum …), one value per sample. A transposed (batch, columns) tensor is
    # "CN" until a matmul or a broadcast meets it.
    PAIRISH = ("NN", "CN", "1N")

    @staticmethod
    def pairish(*vs):
        return any(isinstance(v, Expr) and v.pyshape in Translator.PAIRISH for v in vs)

    def pair_views(self, v, node):
        """An operand of a (batch, batch) expression as three per-sample lossc values: at (i, j), at
        (j, i) and at (i, i). numpy's broadcasting decides the sample a one-axis operand follows: a
        (batch, 1) one the row's (i), a (batch,) or transposed one the column's (j)."""
        if not isinstance(v, Expr) or v.pyshape == "":
            return (v, v, v)

        def view(code):
            return Expr(code, 1, v.grad, v.pred, v.batch, prec=v.prec if code == v.code else 10)
        if v.pyshape == "NN":
            return (view(v.code), view(v.swapped), view(v.diag))
        if v.pyshape == "C":
            raise TranslationError(node, "a per-column statistic of the batch combined with a (batch, batch) matrix",
                                   "reduce the statistic over its columns first")
        c = v.code
        if v.pyshape in ("NC", "CN"):
            c = f"lossc::col<0>({c})"
            self.notes.append(Note(node, "a (batch, columns) tensor combined with a (batch, batch) matrix: numpy takes "
                                         "it as one column (batch, 1), translated as its column 0"))
        other = f"lossc::other({c})"
        if v.pyshape in ("NC", "N1"):
            return (view(c), view(other), view(c))
        return (view(other), view(c), view(c))  # "N", "CN", "1N": along the columns, sample j

    def lift(self, build, operands, node):
        """build(*operands), some of them (batch, batch) values: built on each of their three views."""
        views = [self.pair_views(o, node) for o in operands]
        rs = [build(*(v[k] for v in views)) for k in range(3)]
        r = rs[0]
        if not isinstance(r, Expr) or not all(isinstance(x, Expr) for x in rs):
            raise TranslationError(node, "an operation on a (batch, batch) matrix that is not element-wise", SUPPORTED)
        r.swapped, r.diag, r.pyshape, r.rank, r.cols = rs[1].code, rs[2].code, "NN", 1, None
        r.grad = rs[0].grad or rs[1].grad
        return r

    def transpose(self, x, node):
        e = self.as_expr(x, node)
        if e.pyshape == "NN":
            return Expr(e.swapped, 1, e.grad, e.pred, e.batch, prec=10, pyshape="NN", node=node)._pair(e.code, e.diag)
        if e.pyshape in ("NC", "N1"):
            return Expr(e.code, e.rank, e.grad, e.pred, e.batch, prec=e.prec, cols=e.cols,
                        pyshape="CN" if e.pyshape == "NC" else "1N")
        if e.pyshape in ("CN", "1N"):
            return Expr(e.code, e.rank, e.grad, e.pred, e.batch, prec=e.prec, cols=e.cols,
                        pyshape="NC" if e.pyshape == "CN" else "N1")
        raise TranslationError(node, "a transpose of a value with fewer than two axes", "transpose (batch, columns) tensors")

    def matmul(self, a, b, node):
        """A (batch, columns) tensor times a transposed one: the similarities of the pairs of samples."""
        ea, eb = self.as_expr(a, node), self.as_expr(b, node)
        if ea.pyshape != "NC" or eb.pyshape != "CN":
            raise TranslationError(node, "a matrix product other than (batch, columns) @ transpose((batch, columns))",
                                   "write the pairs' similarities as matmul(a, transpose(b)) (a @ b.T), then reduce "
                                   "the (batch, batch) result along axis 1")
        code = f"lossc::sum<-1>({ea.code} * lossc::other({eb.code}))"
        swapped = f"lossc::sum<-1>(lossc::other({ea.code}) * {eb.code})"
        diag = f"lossc::sum<-1>({ea.code} * {eb.code})"
        return Expr(code, 1, ea.grad or eb.grad, ea.pred or eb.pred, ea.batch or eb.batch, pyshape="NN",
                    node=node)._pair(swapped, diag)

    def pair_reduce(self, op, e, axis, node):
        if e.pyshape != "NN":
            raise TranslationError(node, f"{op} of a transposed tensor", "reduce the tensor before transposing it")
        if axis not in (-1, 1, 0):
            raise TranslationError(node, f"{op} over every pair of the batch (axis {axis})",
                                   "reduce a (batch, batch) matrix along axis 1 (one value per sample); Keras's "
                                   "reduction then averages the samples")
        self.pair_node = self.pair_node or node
        # Along axis 0, sample j's column: the transpose's row.
        code = e.code if axis in (-1, 1) else e.swapped
        return Expr(f"lossc::pair_{op}({code})", 1, e.grad, e.pred, True, node=node)

    def call_matmul(self, op, node, env):
        v = self.kwargs(node, env, ["x", "y", "transpose_a", "transpose_b"],
                        {"transpose_a": Num(0), "transpose_b": Num(0)})
        a, b = v["x"], v["y"]
        if not isinstance(v["transpose_a"], Num) or not isinstance(v["transpose_b"], Num):
            raise TranslationError(node, "transpose_a / transpose_b that are not constants", "True or False")
        if v["transpose_a"].v:
            a = self.transpose(a, node)
        if v["transpose_b"].v:
            b = self.transpose(b, node)
        return self.matmul(a, b, node)

    def call_transpose(self, op, node, env):
        v = self.kwargs(node, env, ["x", "axes"], {"axes": None})
        if v["axes"] is not None:
            raise TranslationError(node, "a transpose with axes", "transpose a (batch, columns) tensor without axes")
        return self.transpose(v["x"], node)

    def call_diagonal(self, op, node, env):
        e = self.as_expr(self.kwargs(node, env, ["x"], {})["x"], node)
        if e.pyshape != "NN":
            raise TranslationError(node, "the diagonal of a value that is not a (batch, batch) matrix",
                                   "take the diagonal of a matrix of pairs such as matmul(a, transpose(b))")
        return Expr(e.diag, 1, e.grad, e.pred, e.batch, node=node)

    def call_eye(self, op, node, env):
        self.notes.append(Note(node, "an identity matrix: translated as the (batch, batch) one (lossc::same_sample), "
                                     "whatever its size is written as"))
        return Expr("lossc::same_sample", 1, pyshape="NN", node=node)._pair("lossc::same_sample", "1.0")

    def check_batch_ops(self, fn):
        if self.batch_other is not None:
            node, op = self.batch_other
            raise TranslationError(node, f"loss '{fn.name}' takes the {op} over the batch inside the formula",
                                   "a cross-sample loss (lossc::batch_loss) reduces the batch with sum or mean")

    def per_sample(self, r, fn):
        where = fn
        if isinstance(r, (Num, Lst, Param)) or not isinstance(r, Expr):
            raise TranslationError(fn, f"loss '{fn.name}' returns a constant, not a tensor",
                                   "Keras rule: the loss must use y_pred; return an expression of y_pred")
        if not r.grad:
            raise TranslationError(fn, f"loss '{fn.name}' does not depend on y_pred differentiably "
                                       f"({'it reads y_pred only through comparisons, casts, round/sign or stop_gradient' if r.pred else 'it never reads y_pred'})",
                                   "Keras rule: no gradient would flow; use y_pred in a differentiable expression")
        if r.pyshape in self.PAIRISH:
            raise TranslationError(fn, f"loss '{fn.name}' returns a (batch, batch) matrix",
                                   "reduce it along axis 1 (one value per sample)")
        if r.batch:
            kind = r.kind or ""
            if kind.startswith("batch:"):
                op = kind.split(":")[1]
                inner = r.inner
                node = r.node or fn
                # The batch reduction is the last operation: translate per sample (in a batch_loss
                # where what it reduces reads statistics of the batch itself).
                if op == "mean" or op == "sum":
                    if inner.rank == 2:
                        code = f"lossc::{op}<-1>({inner.code})"
                        how = (f"{op} over the last axis: under Keras's default reduction (sum_over_batch_size) "
                               "the mean of these equals the original value" if op == "mean" else
                               "sum over the last axis: with reduction 'sum' their total equals the original value")
                    else:
                        code = inner.code
                        how = ("the per-sample values it averaged: Keras's default reduction (sum_over_batch_size) "
                               "takes their mean" if op == "mean" else
                               "the per-sample values it summed: reduction 'sum' gives their total")
                    self.notes.append(Note(node, f"loss '{fn.name}' reduces over the batch ({op} without axis=-1); "
                                                 f"translated per sample as {how}"))
                    if inner.batch:
                        self.check_batch_ops(fn)
                        return Expr(f"lossc::batch_loss({code})", 1, True, True)
                    return Expr(code, 1, True, True)
                raise TranslationError(node, f"loss '{fn.name}' returns the {op} over the batch",
                                       "return one value per sample (reduce axis=-1); Keras reduces over the batch itself")
            # Statistics of the batch inside the formula: a cross-sample loss.
            self.check_batch_ops(fn)
            code = r.code
            if r.rank == 2:
                code = f"lossc::mean<-1>({code})"
                self.notes.append(Note(fn, f"loss '{fn.name}' returns one value per {'column' if r.pyshape == 'C' else 'sample and column'}; "
                                           "translated as their mean over the last axis, which Keras's default reduction "
                                           "(sum_over_batch_size) averages to the same value"))
            if r.rank == 0 or r.pyshape == "C":
                self.notes.append(Note(fn, f"loss '{fn.name}' returns one value for the whole batch; lossc gives it to every "
                                           "sample: the same reduced loss under sum_over_batch_size (Keras's default) and "
                                           "with sample weights, N times it under reduction 'sum' without them"))
            if self.pair_node is not None:
                self.notes.append(Note(self.pair_node, f"loss '{fn.name}' compares the samples in pairs (a (batch, batch) "
                                                       "matrix reduced along its rows); compiled as a lossc::batch_loss "
                                                       "with pair reductions (O(batch² · columns): docs/dsl.md)"))
            else:
                self.notes.append(Note(self.first_batch_node or fn,
                                       f"loss '{fn.name}' reads statistics of the whole batch (axis=0 or None); compiled "
                                       "as a lossc::batch_loss (passes over the batch: docs/dsl.md)"))
            return Expr(f"lossc::batch_loss({code})", 1, True, True)
        if r.rank == 2:
            self.notes.append(Note(fn, f"loss '{fn.name}' returns one value per sample and column; translated as their "
                                       "mean over the last axis, which Keras's default reduction (sum_over_batch_size) "
                                       "averages to the same value"))
            return Expr(f"lossc::mean<-1>({r.code})", 1, True, True)
        if r.rank == 0:
            raise TranslationError(fn, f"loss '{fn.name}' returns a value that is the same for every sample",
                                   "return one value per sample")
        return r


# A call's canonical op (names.resolve) → the Translator method that translates it. The unary
# functions come from the library's op table (optable.UNARY): a function it gains is callable here
# without a change.
CALLS = {
    **{op: Translator.call_unary for op in [*UNARY, "neg", "relu", "log_sigmoid"]},
    **{op: Translator.call_binary_op for op in ["add", "sub", "mul", "div", "maximum", "minimum", "pow",
                                                 "squared_difference", "gt", "ge", "lt", "le", "eq", "ne"]},
    **{op: Translator.call_reduction for op in REDUCTIONS},
    "clip": Translator.call_clip,
    "where": Translator.call_where,
    "cast": Translator.call_cast,
    "epsilon": lambda self, op, node, env: Num(EPSILON),
    "floatx": lambda self, op, node, env: Str("float32"),
    "softmax": Translator.call_softmax,
    "matmul": Translator.call_matmul,
    "transpose": Translator.call_transpose,
    "diagonal": Translator.call_diagonal,
    "eye": Translator.call_eye,
    "log_softmax": Translator.call_softmax,
    "l2_normalize": Translator.call_l2_normalize,
    **{op: Translator.call_constant for op in ["constant", "convert_to_tensor", "array", "asarray", "identity"]},
    **{op: lambda self, op, node, env: self.backend_crossentropy(op, node, env)
       for op in ["categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy"]},
}
