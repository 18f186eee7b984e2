// lossc — the op table. One struct per elementwise op, one line per rule:
//   name / symbol   how to_string prints it
//   differentiable  false for ops with zero derivative almost everywhere (they cut the
//                   "depends on y_pred differentiably" analysis and the gradient)
//   operator()      the scalar rule, for float and double, constexpr
//   adjoint*        the derivative rule: given the operand expression(s) and the adjoint `g` of
//                   the result, the adjoint of an operand, built with the simplifying builders
//                   of diff/algebra.hpp (found by ADL when the rule is instantiated)
//   domain          where a finite-difference check samples the op (test harness)
// Nothing here knows how a kernel schedules the work (lower/) or about SIMD.
#pragma once
#include "../math/scalar.hpp"
#include "node.hpp"

namespace lossc::ops {

struct domain {
    double lo, hi;
};
inline constexpr domain everywhere{-3.0, 3.0};
inline constexpr domain positive{0.2, 4.0};

// ---- unary -----------------------------------------------------------------------------------
struct neg {
    static constexpr const char* name = "-";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return -x; }
    template <class X, class G> constexpr auto adjoint(const X&, const G& g) const { return dneg(g); }
};
struct square_op {
    static constexpr const char* name = "square";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return x * x; }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dmul(g, integer_t<2>{} * x);
    }
};
struct abs_op {
    static constexpr const char* name = "abs";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::abs(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, sign(x)); }
};
struct sqrt_op {
    static constexpr const char* name = "sqrt";
    static constexpr bool differentiable = true;
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const { return math::sqrt(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return ddiv(g, integer_t<2>{} * sqrt(x));
    }
};
struct exp_op {
    static constexpr const char* name = "exp";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::exp(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, exp(x)); }
};
struct log_op {
    static constexpr const char* name = "log";
    static constexpr bool differentiable = true;
    static constexpr domain dom = positive;
    template <class T> constexpr T operator()(T x) const { return math::log(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return ddiv(g, x); }
};
struct log1p_op {
    static constexpr const char* name = "log1p";
    static constexpr bool differentiable = true;
    static constexpr domain dom{-0.5, 4.0};
    template <class T> constexpr T operator()(T x) const { return math::log1p(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return ddiv(g, one_t{} + x); }
};
struct expm1_op {
    static constexpr const char* name = "expm1";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::expm1(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, exp(x)); }
};
struct softplus_op {
    static constexpr const char* name = "softplus";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::softplus(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, sigmoid(x)); }
};
struct sigmoid_op {
    static constexpr const char* name = "sigmoid";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::sigmoid(x); }
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
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::tanh(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dmul(g, one_t{} - square(tanh(x)));
    }
};
struct cosh_op {
    static constexpr const char* name = "cosh";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::cosh(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, sinh(x)); }
};
struct sinh_op {
    static constexpr const char* name = "sinh";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::sinh(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, cosh(x)); }
};
struct log_cosh_op {
    static constexpr const char* name = "log_cosh";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::log_cosh(x); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const { return dmul(g, tanh(x)); }
};
/// x^p with a run-time exponent held in the expression.
struct pow_c {
    static constexpr const char* name = "pow";
    static constexpr bool differentiable = true;
    static constexpr domain dom = positive;
    double p;
    template <class T> constexpr T operator()(T x) const { return math::pow_const(x, p); }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dmul(g, dscale(p, pow(x, p - 1.0)));
    }
};
/// clip(x, lo, hi) = min(max(x, lo), hi); the gradient flows on [lo, hi] (bounds included, as
/// TF and torch do) and is 0 outside.
struct clip_op {
    static constexpr const char* name = "clip";
    static constexpr bool differentiable = true;
    static constexpr domain dom = everywhere;
    double lo, hi;
    template <class T> constexpr T operator()(T x) const {
        return math::min(math::max(x, static_cast<T>(lo)), static_cast<T>(hi));
    }
    template <class X, class G> constexpr auto adjoint(const X& x, const G& g) const {
        return dwhere((x >= lo) * (x <= hi), g, zero_t{});
    }
};
// Zero-gradient ops: they read y_pred but no gradient flows through them.
struct sign_op {
    static constexpr const char* name = "sign";
    static constexpr bool differentiable = false;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::sign(x); }
};
struct round_op {
    static constexpr const char* name = "round";
    static constexpr bool differentiable = false;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return math::round(x); }
};
struct stop_gradient_op {
    static constexpr const char* name = "stop_gradient";
    static constexpr bool differentiable = false;
    static constexpr domain dom = everywhere;
    template <class T> constexpr T operator()(T x) const { return x; }
};

// ---- binary ----------------------------------------------------------------------------------
// `infix` ops print as `a op b` with `precedence` (higher binds tighter); others as name(a, b).
struct add {
    static constexpr const char* name = "+";
    static constexpr bool infix = true, differentiable = true;
    static constexpr int precedence = 1;
    template <class T> constexpr T operator()(T a, T b) const { return a + b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B&, const G& g) const { return g; }
    template <class A, class B, class G> constexpr auto adjoint_b(const A&, const B&, const G& g) const { return g; }
};
struct sub {
    static constexpr const char* name = "-";
    static constexpr bool infix = true, differentiable = true;
    static constexpr int precedence = 1;
    template <class T> constexpr T operator()(T a, T b) const { return a - b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B&, const G& g) const { return g; }
    template <class A, class B, class G> constexpr auto adjoint_b(const A&, const B&, const G& g) const { return dneg(g); }
};
struct mul {
    static constexpr const char* name = "*";
    static constexpr bool infix = true, differentiable = true;
    static constexpr int precedence = 2;
    template <class T> constexpr T operator()(T a, T b) const { return a * b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B& b, const G& g) const { return dmul(g, b); }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B&, const G& g) const { return dmul(g, a); }
};
struct div {
    static constexpr const char* name = "/";
    static constexpr bool infix = true, differentiable = true;
    static constexpr int precedence = 2;
    template <class T> constexpr T operator()(T a, T b) const { return a / b; }
    template <class A, class B, class G> constexpr auto adjoint_a(const A&, const B& b, const G& g) const { return ddiv(g, b); }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const {
        return dneg(ddiv(dmul(g, a), square(b)));
    }
};
/// maximum/minimum: at a tie the gradient goes to the first operand (a subgradient).
struct maximum_op {
    static constexpr const char* name = "maximum";
    static constexpr bool infix = false, differentiable = true;
    static constexpr int precedence = 9;
    template <class T> constexpr T operator()(T a, T b) const { return math::max(a, b); }
    template <class A, class B, class G> constexpr auto adjoint_a(const A& a, const B& b, const G& g) const { return dwhere(a >= b, g, zero_t{}); }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const { return dwhere(a >= b, zero_t{}, g); }
};
struct minimum_op {
    static constexpr const char* name = "minimum";
    static constexpr bool infix = false, differentiable = true;
    static constexpr int precedence = 9;
    template <class T> constexpr T operator()(T a, T b) const { return math::min(a, b); }
    template <class A, class B, class G> constexpr auto adjoint_a(const A& a, const B& b, const G& g) const { return dwhere(a <= b, g, zero_t{}); }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const { return dwhere(a <= b, zero_t{}, g); }
};
/// a^b with both operands expressions: d/da = b a^(b-1), d/db = log(a) a^b.
struct pow_op {
    static constexpr const char* name = "pow";
    static constexpr bool infix = false, differentiable = true;
    static constexpr int precedence = 9;
    template <class T> constexpr T operator()(T a, T b) const { return math::pow(a, b); }
    template <class A, class B, class G> constexpr auto adjoint_a(const A& a, const B& b, const G& g) const { return dmul(g, b * pow(a, b - one_t{})); }
    template <class A, class B, class G> constexpr auto adjoint_b(const A& a, const B& b, const G& g) const { return dmul(g, log(a) * pow(a, b)); }
};
/// Comparisons evaluate to 1 or 0 (a `where` condition, or a float mask as K.cast does) and
/// carry no gradient.
#define LOSSC_COMPARISON(op_name, symbol, expr_)                                     \
    struct op_name {                                                                 \
        static constexpr const char* name = symbol;                                  \
        static constexpr bool infix = true, differentiable = false;                  \
        static constexpr int precedence = 0;                                         \
        template <class T> constexpr T operator()(T a, T b) const { return expr_; } \
    };
LOSSC_COMPARISON(less, "<", math::less(a, b))
LOSSC_COMPARISON(less_equal, "<=", math::less_equal(a, b))
LOSSC_COMPARISON(greater, ">", math::less(b, a))
LOSSC_COMPARISON(greater_equal, ">=", math::less_equal(b, a))
LOSSC_COMPARISON(equal_op, "==", math::equal(a, b))
LOSSC_COMPARISON(not_equal_op, "!=", math::not_equal(a, b))
#undef LOSSC_COMPARISON

}  // namespace lossc::ops
