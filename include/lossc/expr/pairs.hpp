// lossc — in-batch similarity: losses over the pairs of samples of one batch (InfoNCE,
// supervised contrastive, batch-hard triplet). Inside a pair reduction, y_true and y_pred are
// sample i's (the sample whose loss is computed), other(e) is e of sample j, and same_sample is
// 1 where j == i. pair_sum / pair_mean / pair_max / pair_min / pair_logsumexp(f) reduce f(i, j)
// over every j of the batch: one value per sample, which the loss around it uses like any
// per-sample value, inside batch_loss(...).
//
// pair_stat_t is the lowered form of one pair reduction (lower/pair_lowering.hpp): a leaf that
// reads sample i's reduced value from the call's buffer.
#pragma once
#include <type_traits>

#include "batch.hpp"
#include "elementwise.hpp"
#include "map.hpp"
#include "node.hpp"
#include "reduce.hpp"
#include "select.hpp"

namespace lossc {

/// Sample j's y_true / y_pred inside a pair reduction. To reverse mode it is a constant: the
/// derivative with respect to sample j is taken on the operand with the two samples swapped
/// (swap_samples), where it is y_pred again.
template <input W> struct other_t {
    using lossc_node = void;
    static constexpr bool batch = true, cols = true;
    static constexpr bool pred_dep = W == input::y_pred, grad_dep = false, batch_red = false;
    static constexpr std::size_t extent = dynamic_extent;
    static constexpr bool extent_ok = true, pred_cols = false;
};

/// 1 where the pair's two samples are the same one (j == i), else 0: a mask, with no gradient.
struct same_sample_t {
    using lossc_node = void;
    static constexpr bool batch = true, cols = false;
    static constexpr bool pred_dep = false, grad_dep = false, batch_red = false;
    static constexpr std::size_t extent = 1;
    static constexpr bool extent_ok = true, pred_cols = false;
};
inline constexpr same_sample_t same_sample{};

/// e with its two samples exchanged: y_true ↔ other(y_true), y_pred ↔ other(y_pred). The
/// derivative of f(i, j) by sample j is the gradient of swap_samples(f) evaluated at (j, i).
/// Constants, same_sample and (refused where written) nested batch reductions stay as they are.
template <class E> constexpr auto swap_samples(const E& e) { return e; }
template <input W> constexpr auto swap_samples(const placeholder<W>&) { return other_t<W>{}; }
template <input W> constexpr auto swap_samples(const other_t<W>&) { return placeholder<W>{}; }
template <mappable E> constexpr auto swap_samples(const E& e) {
    return map_operands(e, [](const auto& x) { return swap_samples(x); });
}
template <class E> using swapped_t = decltype(swap_samples(std::declval<const E&>()));

namespace detail {
/// Does E hold a node of which Is<N>::value holds (not looking inside pair reductions when
/// Inside is false)?
template <template <class> class Is, bool Inside, class E> constexpr bool holds() {
    if constexpr (Is<E>::value)
        return true;
    else if constexpr (!Inside && requires { typename E::pair_reduction; })
        return false;
    else {
        bool r = false;
        for_each_child_type<E>([&r]<class C>() {
            if constexpr (expression<C>) r = r || holds<Is, Inside, C>();
        });
        return r;
    }
}
template <class N> struct is_pair_leaf : std::false_type {};
template <input W> struct is_pair_leaf<other_t<W>> : std::true_type {};
template <> struct is_pair_leaf<same_sample_t> : std::true_type {};
template <class N> struct is_pair_reduction : std::bool_constant < requires { typename N::pair_reduction; } > {};
template <class N> struct is_batch_statistic : std::false_type {};
template <class R, class A> struct is_batch_statistic<batch_reduce_t<R, A>> : std::true_type {};
}  // namespace detail

/// Does a loss hold pair reductions? (compile() then makes a pair kernel.)
template <class E> inline constexpr bool has_pair_reductions = detail::holds<detail::is_pair_reduction, true, E>();
/// Does E use other(...) or same_sample outside every pair reduction (where they mean nothing)?
template <class E> inline constexpr bool has_loose_pair_leaves = detail::holds<detail::is_pair_leaf, false, E>();

/// R over the pairs (i, j), j = 0 … N−1, of f(i, j): one value per sample i.
template <class R, class A> struct pair_reduce_t {
    using lossc_node = void;
    using pair_reduction = R;
    static constexpr bool batch = true, cols = false;
    static constexpr bool pred_dep = A::pred_dep, grad_dep = A::grad_dep || swapped_t<A>::grad_dep;
    static constexpr bool batch_red = true;  // a per-sample loss may not hold it (rule 3)
    static constexpr std::size_t extent = 1;
    static constexpr bool extent_ok = A::extent_ok, pred_cols = false;
    A a;
};

/// other(e): e read from sample j of the pair (other(y_pred), other(cols<0, 64>(y_pred))).
template <expression E> constexpr auto other(const E& e) {
    static_assert(!has_loose_pair_leaves<E>,
                  "lossc: other(...) of an expression that already reads the other sample (other or same_sample); "
                  "write other(...) around y_true / y_pred terms of sample i only");
    return swap_samples(e);
}

namespace detail {
template <class R, class A> constexpr auto pair_reduction(const A& a) {
    static_assert(!A::cols,
                  "lossc: a pair reduction reduces one value per pair of samples; reduce the class axis inside it, "
                  "e.g. pair_logsumexp(sum<1>(y_pred * other(y_pred)))");
    static_assert(!A::batch_red,
                  "lossc: a pair reduction's operand may not reduce over the batch itself (no pair or batch "
                  "reduction inside another); compute such statistics as separate terms of the loss");
    return pair_reduce_t<R, A>{a};
}
}  // namespace detail

/// Σ_j f(i, j) (Keras: ops.sum(S, axis=1) of a (N, N) matrix of pair values S).
template <expression A> constexpr auto pair_sum(const A& a) { return detail::pair_reduction<ops::sum_r>(a); }
/// (1/N) Σ_j f(i, j).
template <expression A> constexpr auto pair_mean(const A& a) { return detail::pair_reduction<ops::mean_r>(a); }
/// max_j f(i, j); at ties the gradient is shared equally, as max<1>'s.
template <expression A> constexpr auto pair_max(const A& a) { return detail::pair_reduction<ops::max_r>(a); }
/// min_j f(i, j).
template <expression A> constexpr auto pair_min(const A& a) { return detail::pair_reduction<ops::min_r>(a); }
/// log Σ_j exp f(i, j), shifted by the maximum (InfoNCE's denominator).
template <expression A> constexpr auto pair_logsumexp(const A& a) {
    return detail::pair_reduction<ops::logsumexp_r>(a);
}

/// Pair reduction number K of a batch_loss, lowered: sample i's value (or, as the target of a
/// derivative, the place where its adjoint arrives), read from *values.
template <std::size_t K, class R, class A, stat_role Role> struct pair_stat_t {
    using lossc_node = void;
    static constexpr bool batch = true, cols = false;
    static constexpr bool pred_dep = Role == stat_role::target, grad_dep = Role == stat_role::target;
    static constexpr bool batch_red = false;
    static constexpr std::size_t extent = 1;
    static constexpr bool extent_ok = true, pred_cols = false;
    const double* values = nullptr;
    A of;
};

}  // namespace lossc
