// lossc — column selection (`y_pred[:, j]`, `y_pred[:, f:f+n]`) and the nodes differentiation
// needs to route adjoints back: embed (the transpose of a slice), onehot (of a single column)
// and unbroadcast (the sum of an adjoint over the columns an operand was broadcast along).
#pragma once
#include "node.hpp"

namespace lossc {

/// Column J of an (N, C) expression: one value per sample, as `y_pred[:, J]` in Keras.
template <std::size_t J, class A> struct col_t {
    using lossc_node = void;
    static constexpr bool batch = A::batch, cols = false;
    static constexpr bool pred_dep = A::pred_dep, grad_dep = A::grad_dep;
    static constexpr bool batch_red = A::batch_red;
    static constexpr std::size_t extent = 1;
    static constexpr bool extent_ok = A::extent_ok && (A::extent == dynamic_extent || J < A::extent);
    static constexpr bool pred_cols = false;
    A a;
};

/// Columns [F, F+N) of an (N, C) expression; N = dynamic_extent: columns F … C−1 (`x[:, F:]`).
template <std::size_t F, std::size_t N, class A> struct cols_t {
    using lossc_node = void;
    static constexpr bool batch = A::batch, cols = true;
    static constexpr bool pred_dep = A::pred_dep, grad_dep = A::grad_dep;
    static constexpr bool batch_red = A::batch_red;
    static constexpr bool to_end = N == dynamic_extent;
    static constexpr std::size_t extent = to_end && A::extent != dynamic_extent ? A::extent - F : N;
    static constexpr bool extent_ok =
        A::extent_ok && (A::extent == dynamic_extent || (to_end ? F < A::extent : F + N <= A::extent));
    static constexpr bool pred_cols = A::pred_cols;
    A a;
};

/// Gradient node: g placed in columns [F, F+N) of a row as wide as `of`, zero elsewhere.
template <std::size_t F, std::size_t N, class G, class Of> struct embed_t {
    using lossc_node = void;
    static constexpr bool batch = G::batch, cols = true;
    static constexpr bool pred_dep = G::pred_dep, grad_dep = G::grad_dep;
    static constexpr bool batch_red = G::batch_red;
    static constexpr std::size_t extent = Of::extent;
    static constexpr bool extent_ok = G::extent_ok, pred_cols = false;
    G g;
    Of of;
};

/// Gradient node: the per-sample g in column J of a row as wide as `of`, zero elsewhere.
template <std::size_t J, class G, class Of> struct onehot_t {
    using lossc_node = void;
    static constexpr bool batch = G::batch, cols = true;
    static constexpr bool pred_dep = G::pred_dep, grad_dep = G::grad_dep;
    static constexpr bool batch_red = G::batch_red;
    static constexpr std::size_t extent = Of::extent;
    static constexpr bool extent_ok = G::extent_ok, pred_cols = false;
    G g;
    Of of;
};

/// Gradient node: the adjoint g of a node `ctx` routed to its operand `child`. Where the child
/// was broadcast along the class axis (a per-sample value, or a 1-column input against a wider
/// row) the adjoint is summed over ctx's columns; otherwise it passes through.
template <class G, class Ctx, class Child> struct unbroadcast_t {
    using lossc_node = void;
    static constexpr bool batch = G::batch, cols = Child::cols;
    static constexpr bool pred_dep = G::pred_dep, grad_dep = G::grad_dep;
    static constexpr bool batch_red = G::batch_red;
    static constexpr std::size_t extent = Child::extent;
    static constexpr bool extent_ok = G::extent_ok, pred_cols = false;
    G g;
    Ctx ctx;
    Child child;
};

}  // namespace lossc
