// lossc — what every expression node is: a small literal type carrying its static facts.
//
// Every node declares `using lossc_node = void;` and these static members, which the analysis
// layer reads (computed from the children when the node type is formed, so no pass walks the
// tree again to find them):
//   batch      — varies along the batch axis (dimension 0)
//   cols       — varies along the class axis (dimension 1)
//   pred_dep   — reads y_pred at all
//   grad_dep   — depends on y_pred differentiably (not only through stop_gradient, comparisons…)
//   batch_red  — contains a reduction over the batch axis
//   extent     — static column count when `cols`, else 1; dynamic_extent or conflicting_extent
//   extent_ok  — no statically known column counts disagree anywhere below (static check (d))
//   pred_cols  — the gradient reaches y_pred along a path that varies over columns (so the
//                node's width is y_pred's, and it cannot be broadcast from one column)
#pragma once
#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

#include "../config.hpp"

namespace lossc {

template <class E>
concept expression = requires {
    typename std::remove_cvref_t<E>::lossc_node;
};

template <class E> using node_t = std::remove_cvref_t<E>;

/// A node's children, the one definition every walker over a tree uses: its operands a, b, c
/// and a gradient node's adjoint g, where the node has them. (A gradient node's `of`, `ctx` and
/// `child` name shapes it takes its width from; they are not evaluated, so they are not children.)
template <class E, class F> constexpr void for_each_child(const E& e, F&& f) {
    if constexpr (requires { e.a; }) f(e.a);
    if constexpr (requires { e.b; }) f(e.b);
    if constexpr (requires { e.c; }) f(e.c);
    if constexpr (requires { e.g; }) f(e.g);
}
/// The same over types: f.template operator()<C>() for each child type C.
template <class E, class F> constexpr void for_each_child_type(F&& f) {
    if constexpr (requires { std::declval<const E&>().a; })
        f.template operator()<std::remove_cvref_t<decltype(std::declval<const E&>().a)>>();
    if constexpr (requires { std::declval<const E&>().b; })
        f.template operator()<std::remove_cvref_t<decltype(std::declval<const E&>().b)>>();
    if constexpr (requires { std::declval<const E&>().c; })
        f.template operator()<std::remove_cvref_t<decltype(std::declval<const E&>().c)>>();
    if constexpr (requires { std::declval<const E&>().g; })
        f.template operator()<std::remove_cvref_t<decltype(std::declval<const E&>().g)>>();
}

/// Static extent of an elementwise combination of two operands (numpy broadcasting: equal, or 1).
constexpr std::size_t combine_extent(bool ca, std::size_t a, bool cb, std::size_t b) {
    if (!ca) return cb ? b : 1;
    if (!cb) return a;
    if (a == conflicting_extent || b == conflicting_extent) return conflicting_extent;
    if (a == dynamic_extent) return b == 1 ? dynamic_extent : b;
    if (b == dynamic_extent) return a == 1 ? dynamic_extent : a;
    if (a == b || b == 1) return a;
    if (a == 1) return b;
    return conflicting_extent;
}

// ---------------------------------------------------------------------------------------------
// Leaves

enum class input { y_true, y_pred };

/// y_true / y_pred: an (N, C) input, dimension 0 is the batch.
template <input W> struct placeholder {
    using lossc_node = void;
    static constexpr bool batch = true, cols = true;
    static constexpr bool pred_dep = W == input::y_pred, grad_dep = W == input::y_pred;
    static constexpr bool batch_red = false;
    static constexpr std::size_t extent = dynamic_extent;
    static constexpr bool extent_ok = true, pred_cols = W == input::y_pred;
};
using y_true_t = placeholder<input::y_true>;
using y_pred_t = placeholder<input::y_pred>;

inline constexpr y_true_t y_true{};
inline constexpr y_pred_t y_pred{};

/// The static facts of a node that is the same for every sample and column.
#define LOSSC_CONSTANT_NODE_FACTS                                                \
    using lossc_node = void;                                                     \
    static constexpr bool batch = false, cols = false;                           \
    static constexpr bool pred_dep = false, grad_dep = false, batch_red = false; \
    static constexpr std::size_t extent = 1;                                     \
    static constexpr bool extent_ok = true, pred_cols = false

/// A scalar held in the expression: a literal or a run-time parameter (a Huber delta, a focal
/// gamma). Stored as double and rounded to the working type when evaluated, as Keras rounds its
/// constants to float32.
struct scalar {
    LOSSC_CONSTANT_NODE_FACTS;
    double value;
};

/// Exact zero and one: what differentiation produces and simplifies away.
struct zero_t {
    LOSSC_CONSTANT_NODE_FACTS;
};
struct one_t {
    LOSSC_CONSTANT_NODE_FACTS;
};
/// A whole number that a derivative rule writes (the 2 of d x²/dx): its type is its value, so the
/// gradient's subexpressions holding it can be shared (lower/share.hpp).
template <int N> struct integer_t { LOSSC_CONSTANT_NODE_FACTS; };

/// Per-column constants with a compile-time count (`weights(0.3f, 0.7f)`): shape (1, N).
template <std::size_t N> struct weights_c {
    using lossc_node = void;
    static constexpr bool batch = false, cols = true;
    static constexpr bool pred_dep = false, grad_dep = false, batch_red = false;
    static constexpr std::size_t extent = N;
    static constexpr bool extent_ok = true, pred_cols = false;
    std::array<double, N> w;
};

/// Per-column constants held by pointer (`weights(span)`): the span must outlive the kernel.
template <class U> struct weights_span {
    using lossc_node = void;
    static constexpr bool batch = false, cols = true;
    static constexpr bool pred_dep = false, grad_dep = false, batch_red = false;
    static constexpr std::size_t extent = dynamic_extent;
    static constexpr bool extent_ok = true, pred_cols = false;
    const U* data;
    std::size_t size;
};

/// The index j of the column being evaluated, as a value (0, 1, …, C−1 along y_pred's classes):
/// what `one_hot(labels)` compares integer class ids with.
struct column_index_t {
    using lossc_node = void;
    static constexpr bool batch = false, cols = true;
    static constexpr bool pred_dep = false, grad_dep = false, batch_red = false;
    static constexpr std::size_t extent = dynamic_extent;
    static constexpr bool extent_ok = true, pred_cols = false;
};

/// The run-time column count of an expression, as a scalar (mean's 1/K, broadcast sums).
template <class E> struct count_t {
    LOSSC_CONSTANT_NODE_FACTS;
    E of;
};

}  // namespace lossc
