// lossc — the op table. One struct per elementwise op holds everything the library, its tests,
// codegen and the docs know about it:
//   name            how to_string prints it (infix ops: their symbol, with `precedence`)
//   differentiable  false for ops with zero derivative almost everywhere (they cut the
//                   "depends on y_pred differentiably" analysis and the gradient)
//   transcendental  computes an exp, a log or a pow: lower/ streams the outputs of losses
//                   without one (they run at memory speed)
//   operator()      the rule, constexpr; one template serves scalars (math/scalar.hpp) and packs:
//                   it calls math functions unqualified after `using math::f;`, so that
//                   argument-dependent lookup finds the packet overloads in lossc::simd where a
//                   kernel instantiates the rule (this header includes no SIMD header)
//   packet_ulp      the packet rule's error bound against the scalar rule (tests/unit/packet_math)
//   adjoint*        the derivative rule: given the operand expression(s) and the adjoint `g` of
//                   the result, the adjoint of an operand, built with the simplifying builders
//                   of expr/algebra.hpp (found by ADL where diff/ instantiates the rule)
//   dom             where a finite-difference check samples the op (tests/unit/gradcheck_ops)
//   doc             the row of docs/dsl.md's table: spelling, value, derivative, stable form
//   sample()        ops with parameters: an instance the list-driven tests use
// The lists at the bottom (LOSSC_UNARY_FUNCTIONS, unary_ops, binary_ops) drive the DSL's
// functions, the tests and codegen's op table (codegen/lossc_keras/op_table.json, tests/tools/op_table.cpp).
// Nothing here knows how a kernel schedules the work (lower/) or about SIMD.
#pragma once
#include <type_traits>

#include "../math/scalar.hpp"
#include "node.hpp"

namespace lossc::ops {

struct domain {
    double lo, hi;
};
inline constexpr domain everywhere{-3.0, 3.0};
inline constexpr domain positive{0.2, 4.0};

/// One row of docs/dsl.md's op tables (rendered from here by tests/tools/op_table.cpp).
struct op_doc {
    const char* spelling;
    const char* value;
    const char* derivative;
    const char* stable;
};

// ---- unary -----------------------------------------------------------------------------------
struct neg {
    static constexpr const char* name = "-";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 0;
    static constexpr op_doc doc{"-a", "−a", "−g", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return -x; }
    template <class X, class G> constexpr auto adjoint(const X&, const G& g) const { return dneg(g); }
};
struct square_op {
    static constexpr const char* name = "square";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 0.5;
    static constexpr op_doc doc{"square(x)", "x²", "2x·g", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return x * x; }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dmul(g, integer_t<2>{} * x);
    }
};
struct abs_op {
    static constexpr const char* name = "abs";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 0;
    static constexpr op_doc doc{"abs(x)", "|x|", "sign(x)·g (0 at 0)", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::abs;
        return abs(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, sign(x)); }
};
struct sqrt_op {
    static constexpr const char* name = "sqrt";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 0.5;
    static constexpr op_doc doc{"sqrt(x)", "√x", "g / (2√x)", ""};
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const {
        using math::sqrt;
        return sqrt(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return ddiv(g, integer_t<2>{} * sqrt(x));
    }
};
struct exp_op {
    static constexpr const char* name = "exp";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 2.5;
    static constexpr op_doc doc{"exp(x)", "eˣ", "eˣ·g", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::exp;
        return exp(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, exp(x)); }
};
struct log_op {
    static constexpr const char* name = "log";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 2;
    static constexpr op_doc doc{"log(x)", "ln x", "g / x", "see rewrites"};
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const {
        using math::log;
        return log(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return ddiv(g, x); }
};
struct log1p_op {
    static constexpr const char* name = "log1p";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 4;
    static constexpr op_doc doc{"log1p(x)", "ln(1 + x)", "g / (1 + x)", "accurate for small x"};
    static constexpr domain dom{-0.5, 4.0};
    template <class T> constexpr T operator()(T x) const {
        using math::log1p;
        return log1p(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return ddiv(g, one_t{} + x); }
};
struct expm1_op {
    static constexpr const char* name = "expm1";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 8;
    static constexpr op_doc doc{"expm1(x)", "eˣ − 1", "eˣ·g", "accurate for small x"};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::expm1;
        return expm1(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, exp(x)); }
};
struct softplus_op {
    static constexpr const char* name = "softplus";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 4;
    static constexpr op_doc doc{"softplus(x)", "ln(1 + eˣ)", "σ(x)·g", "x + log1p(e⁻ˣ) for x > 0"};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::softplus;
        return softplus(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, sigmoid(x)); }
};
struct sigmoid_op {
    static constexpr const char* name = "sigmoid";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 4;
    static constexpr op_doc doc{"sigmoid(x)", "σ(x) = 1/(1 + e⁻ˣ)", "σ(x)(1 − σ(x))·g (as JAX and PyTorch)",
                                "from e^{−|x|}, no overflow"};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::sigmoid;
        return sigmoid(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        // s(1 − s), as JAX and PyTorch differentiate it: composed with log(1 − s) (binary
        // cross-entropy of clipped sigmoid probabilities, Keras's focal loss from logits) the
        // rounding of 1 − s then cancels between the two factors; s(x)·s(−x) would keep it
        // (4e-5 relative at x = 7 in float).
        return dmul(g, sigmoid(x) * (one_t{} - sigmoid(x)));
    }
};
struct tanh_op {
    static constexpr const char* name = "tanh";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 8;
    static constexpr op_doc doc{"tanh(x)", "tanh x", "(1 − tanh²x)·g", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::tanh;
        return tanh(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dmul(g, one_t{} - square(tanh(x)));
    }
};
struct cosh_op {
    static constexpr const char* name = "cosh";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 4;
    static constexpr op_doc doc{"cosh(x)", "cosh x", "sinh(x)·g",
                                "(h/2)·h + ½/h² with h = e^{|x|/2}: finite up to where cosh overflows"};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::cosh;
        return cosh(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, sinh(x)); }
};
struct sinh_op {
    static constexpr const char* name = "sinh";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 5;
    static constexpr op_doc doc{"sinh(x)", "sinh x", "cosh(x)·g",
                                "its Taylor series below |x| = 2 (no cancellation), else as cosh"};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::sinh;
        return sinh(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, cosh(x)); }
};
struct log_cosh_op {
    static constexpr const char* name = "log_cosh";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 6;
    static constexpr op_doc doc{"log_cosh(x)", "ln cosh x", "tanh(x)·g",
                                "|x| + log1p(e^{−2|x|}) − ln 2; `log(cosh(x))` is rewritten to it"};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::log_cosh;
        return log_cosh(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, tanh(x)); }
};
struct atan_op {
    static constexpr const char* name = "atan";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 1;
    static constexpr op_doc doc{"atan(x)", "arctan x", "g / (1 + x²)", "`std::atan` per element"};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::atan;
        return atan(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return ddiv(g, one_t{} + square(x));
    }
};
struct reciprocal_op {
    static constexpr const char* name = "reciprocal";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 0.5;
    static constexpr op_doc doc{"reciprocal(x)", "1 / x", "−g / x²", ""};
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const { return T(1) / x; }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dneg(ddiv(g, square(x)));
    }
};
struct rsqrt_op {
    static constexpr const char* name = "rsqrt";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 1.5;  // two roundings
    static constexpr op_doc doc{"rsqrt(x)", "1 / √x", "−g / (2x√x)", "1 / sqrt(x): two correctly rounded steps"};
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const {
        using math::sqrt;
        return T(1) / sqrt(x);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dneg(ddiv(g, integer_t<2>{} * x * sqrt(x)));
    }
};
struct log2_op {
    static constexpr const char* name = "log2";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 3;
    static constexpr op_doc doc{"log2(x)", "log₂ x", "g / (x ln 2)", "ln x · (1 / ln 2)"};
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const {
        using math::log;
        return log(x) * T(1.44269504088896340735992468100189214L);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return ddiv(g, dscale(0.693147180559945309417232121458176568, x));
    }
};
struct log10_op {
    static constexpr const char* name = "log10";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 3;
    static constexpr op_doc doc{"log10(x)", "log₁₀ x", "g / (x ln 10)", "ln x · (1 / ln 10)"};
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const {
        using math::log;
        return log(x) * T(0.434294481903251827651128918916605082L);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return ddiv(g, dscale(2.30258509299404568401799145468436421, x));
    }
};
/// x^p with a run-time exponent held in the expression.
struct pow_c {
    static constexpr const char* name = "pow";
    static constexpr bool differentiable = true, transcendental = true;
    static constexpr double packet_ulp = 2;
    static constexpr op_doc doc{"pow(a, p) (p a number)",
                                "aᵖ (p = 0…4 whole: by multiplications, within 2 ulp; else `std::pow` per element)",
                                "g·p·aᵖ⁻¹", ""};
    static constexpr domain dom = positive;
    double p;
    static constexpr pow_c sample() { return {2.5}; }
    template <class T> constexpr T operator()(T x) const {
        using math::pow_const;
        return pow_const(x, p);
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dmul(g, dscale(p, pow(x, p - 1.0)));
    }
};
/// clip(x, lo, hi) = min(max(x, lo), hi); the gradient flows on [lo, hi] (bounds included, as
/// TF and torch do) and is 0 outside.
struct clip_op {
    static constexpr const char* name = "clip";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 0;
    static constexpr op_doc doc{"clip(x, lo, hi)", "min(max(x, lo), hi)",
                                "g on [lo, hi] (bounds included, as TF/torch), 0 outside", ""};
    static constexpr domain dom = everywhere;
    double lo, hi;
    static constexpr clip_op sample() { return {-1.0, 1.0}; }
    template <class T> constexpr T operator()(T x) const {
        using math::min, math::max;
        return min(max(x, static_cast<T>(lo)), static_cast<T>(hi));
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dwhere((x >= lo) * (x <= hi), g, zero_t{});
    }
};
/// clip with bounds fixed by a type (Bounds::lo, Bounds::hi): its value is then fixed by its
/// type, so the kernels may share it (lower/share.hpp) and sum its adjoints before going down
/// once (lower/accumulate.hpp) — Keras's probability clip to (ε, 1 − ε) in lossc::keras.
template <class Bounds> struct clip_to {
    static constexpr const char* name = "clip";
    static constexpr bool differentiable = true, transcendental = false;
    static constexpr double packet_ulp = 0;
    static constexpr op_doc doc = clip_op::doc;
    static constexpr domain dom = everywhere;
    static constexpr double lo = Bounds::lo, hi = Bounds::hi;
    template <class T> constexpr T operator()(T x) const { return clip_op{lo, hi}(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return clip_op{lo, hi}.adjoint(x, g);
    }
};
// Zero-gradient ops: they read y_pred but no gradient flows through them.
struct sign_op {
    static constexpr const char* name = "sign";
    static constexpr bool differentiable = false, transcendental = false;
    static constexpr double packet_ulp = 0;
    static constexpr op_doc doc{"sign(x)", "−1, 0, 1", "none (cuts the gradient)", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::sign;
        return sign(x);
    }
};
struct round_op {
    static constexpr const char* name = "round";
    static constexpr bool differentiable = false, transcendental = false;
    static constexpr double packet_ulp = 0;
    static constexpr op_doc doc{"round(x)", "nearest integer, halves away from 0", "none", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const {
        using math::round;
        return round(x);
    }
};
struct stop_gradient_op {
    static constexpr const char* name = "stop_gradient";
    static constexpr bool differentiable = false, transcendental = false;
    static constexpr double packet_ulp = 0;
    static constexpr op_doc doc{"stop_gradient(x)", "x", "none", ""};
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return x; }
};

// ---- binary ----------------------------------------------------------------------------------
// `infix` ops print as `a op b` with `precedence` (higher binds tighter); others as name(a, b).
struct add {
    static constexpr const char* name = "+";
    static constexpr bool infix = true, differentiable = true, transcendental = false;
    static constexpr op_doc doc{"a + b", "a + b", "g, g", ""};
    static constexpr int precedence = 1;
    template <class T> constexpr T operator()(T a, T b) const { return a + b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B&, const G& g) const { return g; }
    template <class A, class B, class G> constexpr auto adjoint_b(const A&, const B&, const G& g) const { return g; }
};
struct sub {
    static constexpr const char* name = "-";
    static constexpr bool infix = true, differentiable = true, transcendental = false;
    static constexpr op_doc doc{"a - b", "a − b", "g, −g", ""};
    static constexpr int precedence = 1;
    template <class T> constexpr T operator()(T a, T b) const { return a - b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B&, const G& g) const { return g; }
    template <class A, class B, class G> constexpr auto adjoint_b(const A&, const B&, const G& g) const {
        return dneg(g);
    }
};
struct mul {
    static constexpr const char* name = "*";
    static constexpr bool infix = true, differentiable = true, transcendental = false;
    static constexpr op_doc doc{"a * b", "a·b", "g·b, g·a", ""};
    static constexpr int precedence = 2;
    template <class T> constexpr T operator()(T a, T b) const { return a * b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B& b, const G& g) const {
        return dmul(g, b);
    }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B&, const G& g) const {
        return dmul(g, a);
    }
};
struct div {
    static constexpr const char* name = "/";
    static constexpr bool infix = true, differentiable = true, transcendental = false;
    static constexpr op_doc doc{"a / b", "a / b", "g / b, −g·a / b²", ""};
    static constexpr int precedence = 2;
    template <class T> constexpr T operator()(T a, T b) const { return a / b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B& b, const G& g) const {
        return ddiv(g, b);
    }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const {
        return dneg(ddiv(dmul(g, a), square(b)));
    }
};
/// maximum/minimum: at a tie the gradient goes to the first operand (a subgradient).
struct maximum_op {
    static constexpr const char* name = "maximum";
    static constexpr bool infix = false, differentiable = true, transcendental = false;
    static constexpr op_doc doc{"maximum(a, b)", "max(a, b), NaN propagates", "g where a ≥ b, else to b (ties go to a)",
                                ""};
    static constexpr int precedence = 9;
    template <class T> constexpr T operator()(T a, T b) const {
        using math::max;
        return max(a, b);
    }
    template <class A, class B, class G> constexpr auto adjoint_a(const A& a, const B& b, const G& g) const {
        return dwhere(a >= b, g, zero_t{});
    }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const {
        return dwhere(a >= b, zero_t{}, g);
    }
};
struct minimum_op {
    static constexpr const char* name = "minimum";
    static constexpr bool infix = false, differentiable = true, transcendental = false;
    static constexpr op_doc doc{"minimum(a, b)", "min(a, b)", "g where a ≤ b, else to b", ""};
    static constexpr int precedence = 9;
    template <class T> constexpr T operator()(T a, T b) const {
        using math::min;
        return min(a, b);
    }
    template <class A, class B, class G> constexpr auto adjoint_a(const A& a, const B& b, const G& g) const {
        return dwhere(a <= b, g, zero_t{});
    }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const {
        return dwhere(a <= b, zero_t{}, g);
    }
};
/// a^b with both operands expressions: d/da = b a^(b-1), d/db = log(a) a^b.
struct pow_op {
    static constexpr const char* name = "pow";
    static constexpr bool infix = false, differentiable = true, transcendental = true;
    static constexpr op_doc doc{"pow(a, b) (b an expression)", "aᵇ", "g·b·aᵇ⁻¹, g·log(a)·aᵇ", ""};
    static constexpr int precedence = 9;
    template <class T> constexpr T operator()(T a, T b) const {
        using math::pow;
        return pow(a, b);
    }
    template <class A, class B, class G> constexpr auto adjoint_a(const A& a, const B& b, const G& g) const {
        return dmul(g, b * pow(a, b - one_t{}));
    }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const {
        return dmul(g, log(a) * pow(a, b));
    }
};
/// Comparisons evaluate to 1 or 0 (a `where` condition, or a float mask as K.cast does) and
/// carry no gradient.
// The block-scope using-declaration also hides the injected class name (`less` inside ops::less).
#define LOSSC_COMPARISON(op_name, symbol, spelling, fn, first, second)                      \
    struct op_name {                                                                        \
        static constexpr const char* name = symbol;                                         \
        static constexpr bool infix = true, differentiable = false, transcendental = false; \
        static constexpr int precedence = 0;                                                \
        static constexpr op_doc doc{spelling, "1 or 0", "none (cuts the gradient)", ""};    \
        template <class T> constexpr T operator()(T a, T b) const {                         \
            using math::fn;                                                                 \
            return fn(first, second);                                                       \
        }                                                                                   \
    };
LOSSC_COMPARISON(less, "<", "a < b", less, a, b)
LOSSC_COMPARISON(less_equal, "<=", "a <= b", less_equal, a, b)
LOSSC_COMPARISON(greater, ">", "a > b", less, b, a)
LOSSC_COMPARISON(greater_equal, ">=", "a >= b", less_equal, b, a)
LOSSC_COMPARISON(equal_op, "==", "equal(a, b)", equal, a, b)
LOSSC_COMPARISON(not_equal_op, "!=", "not_equal(a, b)", not_equal, a, b)
#undef LOSSC_COMPARISON

// ---- the lists ---------------------------------------------------------------------------------
/// The DSL functions that build a plain unary node, fn(x) → unary<op, X>: expr/vocabulary.hpp
/// defines lossc::fn from each line and lossc.hpp exports it to lossc::dsl. A new op of this kind
/// is its struct above and one line here; everything else follows from the lists.
#define LOSSC_UNARY_FUNCTIONS(X) \
    X(square, square_op)         \
    X(abs, abs_op)               \
    X(sqrt, sqrt_op)             \
    X(exp, exp_op)               \
    X(expm1, expm1_op)           \
    X(softplus, softplus_op)     \
    X(sigmoid, sigmoid_op)       \
    X(tanh, tanh_op)             \
    X(cosh, cosh_op)             \
    X(sinh, sinh_op)             \
    X(log_cosh, log_cosh_op)     \
    X(reciprocal, reciprocal_op) \
    X(rsqrt, rsqrt_op)           \
    X(log2, log2_op)             \
    X(log10, log10_op)           \
    X(atan, atan_op)             \
    X(sign, sign_op)             \
    X(round, round_op)           \
    X(stop_gradient, stop_gradient_op)

template <class... Op> struct op_list {
    template <class O> using add = op_list<Op..., O>;
    static constexpr std::size_t size = sizeof...(Op);
    /// f(std::type_identity<Op>{}) for each op in turn.
    template <class F> static constexpr void for_each(F&& f) { (f(std::type_identity<Op>{}), ...); }
};

#define LOSSC_OP_LIST_ADD(fn, op) ::add<op>
/// Every unary op: the plain functions and those with a builder of their own (an operator, a
/// rewrite, parameters).
using unary_ops =
    op_list<neg, pow_c> LOSSC_UNARY_FUNCTIONS(LOSSC_OP_LIST_ADD)::add<log_op>::add<log1p_op>::add<clip_op>;
#undef LOSSC_OP_LIST_ADD
using binary_ops = op_list<add, sub, mul, div, maximum_op, minimum_op, pow_op, less, less_equal, greater, greater_equal,
                           equal_op, not_equal_op>;

/// An instance of Op for the tests: its sample() where it has parameters.
template <class Op> constexpr Op sample_of() {
    if constexpr (requires { Op::sample(); })
        return Op::sample();
    else
        return Op{};
}

}  // namespace lossc::ops
