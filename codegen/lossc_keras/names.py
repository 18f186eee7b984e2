"""Names: what a file's imports bind, a call's canonical op (resolve), and the C++ names a
translation may not take."""
import ast

from .errors import TranslationError
from .optable import ALIASES

class Module:
    """What a source file's imports bind: alias → dotted module path."""
    def __init__(self):
        self.aliases = {}

    def bind_imports(self, tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    self.aliases[a.asname or a.name] = node.module + "." + a.name


def dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


KNOWN_ROOTS = ("keras", "tensorflow", "tf", "numpy", "np")


def resolve(module, func_node):
    """The canonical op of a call's function, ('loss', name) for keras.losses.*, or None."""
    name = dotted(func_node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    path = module.aliases.get(head, head) + ("." + rest if rest else "")
    path = path.replace("tensorflow.", "tf.") if path.startswith("tensorflow.") else path
    if not (path.startswith("keras") or path.startswith("tf") or path.startswith("numpy")):
        return None
    last = path.split(".")[-1]
    if ".losses." in path or ".metrics." in path:
        return ("loss", last)
    return ("op", ALIASES.get(last, last), path)


CPP_KEYWORDS = set("""alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield
decltype default delete do double dynamic_cast else enum explicit export extern false float for friend goto if
inline int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
register reinterpret_cast requires return short signed sizeof static static_assert static_cast struct switch
template this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
wchar_t while xor xor_eq""".split())
# Names the generated C++ itself uses at namespace scope, or that cannot be a variable there.
RESERVED_NAMES = {"main", "std", "lossc", "lossc_abi"}
# <cmath>'s functions, which are also declared at global scope: a loss of that name needs --namespace.
CMATH_NAMES = set("""abs acos acosh asin asinh atan atan2 atanh cbrt ceil copysign cos cosh erf erfc exp exp2 expm1
fabs fdim floor fma fmax fmin fmod frexp hypot ilogb ldexp lgamma llrint llround log log10 log1p log2 logb lrint
lround modf nan nearbyint nextafter nexttoward pow remainder remquo rint round scalbln scalbn sin sinh sqrt tan tanh
tgamma trunc""".split())


def check_cpp_name(name, node, what):
    """A Python name used as a C++ identifier: keywords, the generated code's own names and
    reserved spellings (a double underscore, or _ and a capital) are rejected, located."""
    if name in CPP_KEYWORDS or name in RESERVED_NAMES or "__" in name or (name[:1] == "_" and name[1:2].isupper()):
        raise TranslationError(node, f"the {what} name '{name}', which C++ reserves or the generated code uses",
                               f"rename it (e.g. '{name.strip('_')}_loss')")


