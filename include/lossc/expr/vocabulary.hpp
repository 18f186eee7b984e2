// lossc — the vocabulary users write losses in (re-exported by lossc::dsl). Every function
// builds a node; arithmetic scalars become `scalar` leaves. Misuse visible in the types (a
// reduction over an axis that does not exist) is a static_assert here, where it is written.
#pragma once
#include <span>
#include <type_traits>

#include "../rewrite/stabilize.hpp"
#include "elementwise.hpp"
#include "node.hpp"
#include "reduce.hpp"
#include "select.hpp"

namespace lossc {

template <class X>
concept operand = expression<X> || std::is_arithmetic_v<X>;

template <class A, class B>
concept operands = operand<A> && operand<B> &&(expression<A> || expression<B>);

namespace detail {
template <class X> constexpr auto as_expr(const X& x) {
    if constexpr (expression<X>)
        return x;
    else
        return scalar{static_cast<double>(x)};
}
template <class X> using expr_of = decltype(as_expr(std::declval<const X&>()));

template <class Op, class A, class B> constexpr auto make_binary(const A& a, const B& b, Op op = {}) {
    return binary<Op, expr_of<A>, expr_of<B>>{as_expr(a), as_expr(b), op};
}
template <class Op, class A> constexpr auto make_unary(const A& a, Op op = {}) { return unary<Op, A>{a, op}; }
}  // namespace detail

// ---- arithmetic and comparisons --------------------------------------------------------------
template <class A, class B>
requires operands<A, B>
constexpr auto operator+(const A& a, const B& b) { return detail::make_binary<ops::add>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto operator-(const A& a, const B& b) { return detail::make_binary<ops::sub>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto operator*(const A& a, const B& b) { return detail::make_binary<ops::mul>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto operator/(const A& a, const B& b) { return detail::make_binary<ops::div>(a, b); }
template <expression A> constexpr auto operator-(const A& a) { return detail::make_unary<ops::neg>(a); }

// Comparisons build 0/1 masks for `where` (or for use as float masks, like K.cast(x > 0)).
// Equality is spelled equal()/not_equal(): an operator== that returns an expression would
// fight C++20's rewritten comparisons.
template <class A, class B>
requires operands<A, B>
constexpr auto operator<(const A& a, const B& b) { return detail::make_binary<ops::less>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto operator<=(const A& a, const B& b) { return detail::make_binary<ops::less_equal>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto operator>(const A& a, const B& b) { return detail::make_binary<ops::greater>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto operator>=(const A& a, const B& b) { return detail::make_binary<ops::greater_equal>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto equal(const A& a, const B& b) { return detail::make_binary<ops::equal_op>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto not_equal(const A& a, const B& b) { return detail::make_binary<ops::not_equal_op>(a, b); }

template <class A, class B>
requires operands<A, B>
constexpr auto maximum(const A& a, const B& b) { return detail::make_binary<ops::maximum_op>(a, b); }
template <class A, class B>
requires operands<A, B>
constexpr auto minimum(const A& a, const B& b) { return detail::make_binary<ops::minimum_op>(a, b); }

/// pow(x, p): a number p is a parameter held in the expression; an expression p is an operand.
template <class A, class B>
requires operands<A, B>
constexpr auto pow(const A& a, const B& b) {
    if constexpr (expression<A> && std::is_arithmetic_v<B>)
        return detail::make_unary(a, ops::pow_c{static_cast<double>(b)});
    else
        return detail::make_binary<ops::pow_op>(a, b);
}

/// where(cond, a, b): a where cond is non-zero, else b (Keras `where`, `K.switch`).
template <expression C, operand A, operand B> constexpr auto where(const C& c, const A& a, const B& b) {
    using EA = detail::expr_of<A>;
    using EB = detail::expr_of<B>;
    return where_t<C, EA, EB>{c, detail::as_expr(a), detail::as_expr(b)};
}

// ---- elementwise functions -------------------------------------------------------------------
// One per line of ops.hpp's LOSSC_UNARY_FUNCTIONS.
#define LOSSC_UNARY_FN(fn, op) \
    template <expression A> constexpr auto fn(const A& a) { return detail::make_unary<ops::op>(a); }
LOSSC_UNARY_FUNCTIONS(LOSSC_UNARY_FN)
#undef LOSSC_UNARY_FN

template <expression A> constexpr auto log(const A& a) { return rewrite::log_of(a); }
template <expression A> constexpr auto log1p(const A& a) { return rewrite::log1p_of(a); }

/// clip(x, lo, hi) = minimum(maximum(x, lo), hi), with lo and hi held as parameters.
template <expression A> constexpr auto clip(const A& a, double lo, double hi) {
    return detail::make_unary(a, ops::clip_op{lo, hi});
}

// ---- per-column constants --------------------------------------------------------------------
/// weights(w0, w1, ...): per-column constants, shape (1, N), fixed at compile time.
template <class... W>
requires(sizeof...(W) > 0 && (std::is_arithmetic_v<W> && ...)) constexpr auto weights(W... w) {
    return weights_c<sizeof...(W)>{{static_cast<double>(w)...}};
}

/// weights(span): per-column constants read through the span at every call (it must outlive
/// the kernel); their count is checked against the row at run time.
template <class U>
requires std::is_same_v < std::remove_const_t<U>,
float > || std::is_same_v<std::remove_const_t<U>, double> constexpr auto weights(std::span<U> w) {
    return weights_span<std::remove_const_t<U>>{w.data(), w.size()};
}

// ---- integer class ids ------------------------------------------------------------------------
/// The class index j of each column of y_pred (0 … C−1), as a value.
inline constexpr column_index_t column_index{};

/// one_hot(ids): 1 in the column whose index equals the sample's class id, 0 elsewhere; as wide as
/// y_pred. `ids` is per sample (lossc::labels, or col<J>(…)). A label
/// outside [0, C) gives a row of zeros: the Keras wrapper (lossc::keras::loss) range-checks
/// labels first and throws lossc::label_error.
template <expression L> constexpr auto one_hot(const L& labels) { return equal(column_index, labels); }

/// y_true read as one class id per sample: its column 0 (y_true of shape (N, 1)). The label
/// placeholder of the sparse losses; the Keras wrapper also accepts int32/int64 labels for it.
inline constexpr col_t<0, y_true_t> labels{};

// ---- reductions ------------------------------------------------------------------------------
// sum<A>, mean<A>, max<A>, min<A>, logsumexp<A>: A = 1 or -1 reduces the class axis (one value
// per sample); A = 0 builds a batch reduction, which compile() rejects with a Keras-rule message.
namespace detail {
template <class R, int Axis, class A> constexpr auto make_reduction(const A& a) {
    static_assert(Axis == 1 || Axis == -1 || Axis == 0,
                  "lossc: reductions take axis 1 or -1 (the class axis; -1 is the last axis, the same "
                  "as 1 for (batch, classes) inputs), or 0 (the batch axis, which compile() rejects)");
    static_assert(Axis == 0 || A::cols,
                  "lossc: this operand has no class axis left to reduce (it is already one value per "
                  "sample); drop the reduction");
    if constexpr (Axis == 0)
        return batch_reduce_t<R, A>{a};
    else
        return reduce_t<R, A>{a};
}
}  // namespace detail

template <int Axis, expression A> constexpr auto sum(const A& a) { return detail::make_reduction<ops::sum_r, Axis>(a); }
template <int Axis, expression A> constexpr auto mean(const A& a) {
    return detail::make_reduction<ops::mean_r, Axis>(a);
}
template <int Axis, expression A> constexpr auto max(const A& a) { return detail::make_reduction<ops::max_r, Axis>(a); }
template <int Axis, expression A> constexpr auto min(const A& a) { return detail::make_reduction<ops::min_r, Axis>(a); }
template <int Axis, expression A> constexpr auto logsumexp(const A& a) {
    return detail::make_reduction<ops::logsumexp_r, Axis>(a);
}

// ---- row-wise normalisations (compositions: their gradients follow from logsumexp's) ----------
template <int Axis, expression A> constexpr auto log_softmax(const A& a) { return a - logsumexp<Axis>(a); }
template <int Axis, expression A> constexpr auto softmax(const A& a) { return exp(a - logsumexp<Axis>(a)); }
/// z / sqrt(max(Σ z², ε²)) with Keras's ε = 1e-7 (its cosine-similarity normalisation).
template <int Axis, expression A> constexpr auto l2_normalize(const A& a) {
    return a / sqrt(maximum(sum<Axis>(square(a)), 1e-14));
}

// Called without an axis (`mean(x)`), the reductions would fail with a bare deduction error;
// these overloads say what to write instead.
namespace detail {
template <class> inline constexpr bool axis_given = false;
}  // namespace detail
#define LOSSC_AXIS_NEEDED                                                                                        \
    "lossc: this reduction needs its axis: write f<1>(x) (or f<-1>) for the classes of each sample, as Keras's " \
    "axis=-1 (mean<1>, sum<1>, softmax<1>, …)"
// One overload per line, a table:
// clang-format off
template <expression A> constexpr auto sum(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
template <expression A> constexpr auto mean(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
template <expression A> constexpr auto max(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
template <expression A> constexpr auto min(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
template <expression A> constexpr auto logsumexp(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
template <expression A> constexpr auto log_softmax(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
template <expression A> constexpr auto softmax(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
template <expression A> constexpr auto l2_normalize(const A& a) { static_assert(detail::axis_given<A>, LOSSC_AXIS_NEEDED); return a; }
// clang-format on
#undef LOSSC_AXIS_NEEDED

// ---- column selection ------------------------------------------------------------------------
/// col<J>(e): column J, one value per sample (Keras `y_pred[:, J]`).
template <std::size_t J, expression A> constexpr auto col(const A& a) {
    static_assert(A::cols, "lossc: col<J> selects a column of an (N, C) operand; this one is already per-sample");
    return col_t<J, A>{a};
}
/// cols<F, N>(e): columns [F, F+N) (Keras `y_pred[:, F:F+N]`).
template <std::size_t F, std::size_t N, expression A> constexpr auto cols(const A& a) {
    static_assert(A::cols, "lossc: cols<F, N> selects columns of an (N, C) operand; this one is already per-sample");
    static_assert(N > 0, "lossc: cols<F, N> needs N >= 1 columns");
    return cols_t<F, N, A>{a};
}
/// cols_from<F>(e): columns F to the last (Keras `y_pred[:, F:]`, `y_pred[..., F:]`).
template <std::size_t F, expression A> constexpr auto cols_from(const A& a) {
    static_assert(A::cols, "lossc: cols_from<F> selects columns of an (N, C) operand; this one is already per-sample");
    return cols_t<F, dynamic_extent, A>{a};
}

}  // namespace lossc
