// lossc — cross-sample losses: batch_loss(...) marks a loss that is meant to combine the samples
// (whole-batch Dice, a Pearson-correlation loss), and batch_sum / batch_mean are the reductions
// over the batch axis it may hold. A batch reduction is a statistic of the whole batch: one
// number for a per-sample operand, one per column for an (N, C) operand. Inside the loss it is
// a constant of shape () or (1, C), like weights(...).
//
// batch_stat_t is the lowered form of one batch reduction (lower/batch_lowering.hpp): a leaf that
// reads the statistic's values (or its adjoint) from the call's buffers.
#pragma once
#include "node.hpp"
#include "reduce.hpp"

namespace lossc {

/// Σ over the batch axis (Keras `ops.sum(x, axis=0)`); for use inside batch_loss(...).
template <expression A> constexpr auto batch_sum(const A& a) { return batch_reduce_t<ops::sum_r, A>{a}; }
/// Mean over the batch axis (Keras `ops.mean(x, axis=0)`); for use inside batch_loss(...).
template <expression A> constexpr auto batch_mean(const A& a) { return batch_reduce_t<ops::mean_r, A>{a}; }

/// A loss that combines the samples on purpose. Not an expression: it is the whole loss, and
/// compile() turns it into a multi-pass kernel (lower/batch_kernel.hpp). E has one value per
/// sample, or one for the whole batch (broadcast to every sample, as Keras broadcasts a
/// scalar loss against sample weights).
template <class E> struct batch_loss_t {
    using lossc_batch_loss = void;
    using expression_type = E;
    // The traits' facts (analysis/traits.hpp): a batch loss has one value per sample.
    static constexpr bool batch = true, cols = false;
    static constexpr bool pred_dep = E::pred_dep, grad_dep = E::grad_dep, batch_red = E::batch_red;
    static constexpr std::size_t extent = 1;
    static constexpr bool extent_ok = E::extent_ok, pred_cols = false;
    E loss;
};

template <class X>
concept batch_loss_expression = requires {
    typename std::remove_cvref_t<X>::lossc_batch_loss;
};

/// batch_loss(e): the cross-sample loss e, whose batch_sum / batch_mean are meant.
template <expression E> constexpr auto batch_loss(const E& e) { return batch_loss_t<E>{e}; }

/// What a batch_stat_t leaf reads: the statistic (value), the statistic that a derivative is
/// taken with respect to (target), or the adjoint that flows back into its operand (adjoint).
enum class stat_role { value, target, adjoint };

/// Batch statistic number K (post-order in the loss), reduction R of operand A: a constant over
/// the batch, of A's columns (or one number). `values` points at the call's buffer.
template <std::size_t K, class R, class A, stat_role Role> struct batch_stat_t {
    using lossc_node = void;
    static constexpr bool batch = false, cols = A::cols;
    static constexpr bool pred_dep = Role == stat_role::target, grad_dep = Role == stat_role::target;
    static constexpr bool batch_red = false;
    static constexpr std::size_t extent = A::extent;
    // Its width is its operand's, decided at run time: never claimed to be y_pred's.
    static constexpr bool extent_ok = A::extent_ok, pred_cols = false;
    const double* values = nullptr;
    A of;
};

}  // namespace lossc
