// lossc — the Keras rules as static checks. compile() and evaluate() call diagnose<E>(); the
// first rule a loss breaks fires one static_assert whose message starts with "lossc:", names the
// rule and says how to fix it. The later rules are not looked at, so one mistake is one message.
#pragma once
#include "../expr/batch.hpp"
#include "../expr/pairs.hpp"
#include "traits.hpp"

namespace lossc {

/// True when a loss passes every static check (and compile(loss) yields a kernel).
template <class E> inline constexpr bool is_valid_loss = depends_on_y_pred<E> && !has_loose_pair_leaves<node_t<E>> &&
                                                         !reduces_batch_axis<E> && output_rank<E> == 1 &&
                                                         static_extents_agree<E>;

template <class E> constexpr void diagnose() {
    using X = node_t<E>;
    static_assert(X::grad_dep,
                  "lossc: rule 1 (the loss must use y_pred): this loss does not depend on y_pred "
                  "differentiably (not at all, or only through stop_gradient, comparisons, sign or round), "
                  "so no gradient would flow; use y_pred in a differentiable op");
    if constexpr (X::grad_dep) {
        static_assert(!has_loose_pair_leaves<X>,
                      "lossc: other(...) and same_sample stand for the other sample of a pair; use them inside "
                      "pair_sum, pair_mean, pair_max, pair_min or pair_logsumexp, in a batch_loss(...)");
    }
    if constexpr (X::grad_dep && !has_loose_pair_leaves<X>) {
        static_assert(!X::batch_red,
                      "lossc: rule 3 (no reduction over the batch axis): a reduction with axis 0 mixes the samples "
                      "of a per-sample loss; reduce the class axis with <1> (or <-1>) and let "
                      "lossc::options{.reduction} combine the samples, or, if the loss is meant to combine "
                      "them (whole-batch Dice), wrap it in lossc::batch_loss(...)");
        if constexpr (!X::batch_red) {
            static_assert(output_rank<X> != 2,
                          "lossc: rule 2 (one loss value per sample): this loss has rank 2 (a value per sample and "
                          "class); reduce the class axis, e.g. sum<1>(...) or mean<1>(...)");
            static_assert(output_rank<X> != 0,
                          "lossc: rule 2 (one loss value per sample): this loss has rank 0 (no batch axis); "
                          "build it from y_true and y_pred row by row");
            if constexpr (output_rank<X> == 1)
                static_assert(X::extent_ok,
                              "lossc: rule 4 (static column counts agree): two operands have different fixed "
                              "column counts (e.g. weights of length 3 against cols<0, 2>(y_pred)); make the "
                              "weights, cols<> and col<> selections agree");
        }
    }
}

namespace detail {
/// Are all batch reductions of E sums or means (the ones a batch_loss compiles)?
template <class E> constexpr bool batch_sums_only() {
    if constexpr (!requires { typename E::lossc_node; } || !E::batch_red)
        return true;
    else {
        bool ok = true;
        if constexpr (requires { typename E::reduction; })
            ok =
                std::is_same_v<typename E::reduction, ops::sum_r> || std::is_same_v<typename E::reduction, ops::mean_r>;
        for_each_child_type<E>([&ok]<class C>() { ok = ok && batch_sums_only<C>(); });
        return ok;
    }
}
}  // namespace detail

namespace detail {
/// Does E hold both batch statistics (batch_sum, batch_mean) and pair reductions?
template <class E> constexpr bool mixes_batch_and_pairs() {
    return has_pair_reductions<E> && holds<is_batch_statistic, true, E>();
}
}  // namespace detail

/// True when batch_loss(e) passes every static check (and compile() yields a batch_kernel).
template <class L>
inline constexpr bool is_valid_batch_loss = L::expression_type::grad_dep&& L::expression_type::batch_red&&
                                            detail::batch_sums_only<typename L::expression_type>() &&
                                            !has_loose_pair_leaves<typename L::expression_type> &&
                                            !detail::mixes_batch_and_pairs<typename L::expression_type>() &&
                                            !L::expression_type::cols && L::expression_type::extent_ok;

/// The static checks of a cross-sample loss, batch_loss(e); one message for the first broken rule.
template <class L> constexpr void diagnose_batch() {
    using X = typename L::expression_type;
    static_assert(X::grad_dep,
                  "lossc: rule 1 (the loss must use y_pred): this batch_loss does not depend on y_pred "
                  "differentiably, so no gradient would flow; use y_pred in a differentiable op");
    if constexpr (X::grad_dep) {
        static_assert(X::batch_red,
                      "lossc: batch_loss(...) holds no batch_sum or batch_mean: a loss of one value per sample needs "
                      "no marker; compile it without batch_loss");
        static_assert(!has_loose_pair_leaves<X>,
                      "lossc: other(...) and same_sample stand for the other sample of a pair; use them inside "
                      "pair_sum, pair_mean, pair_max, pair_min or pair_logsumexp");
        if constexpr (X::batch_red && !has_loose_pair_leaves<X>) {
            static_assert(!detail::mixes_batch_and_pairs<X>(),
                          "lossc: this batch_loss holds both batch statistics (batch_sum, batch_mean) and pair "
                          "reductions; one loss may hold either kind, not both");
            static_assert(detail::batch_sums_only<X>(),
                          "lossc: a batch_loss reduces the batch with batch_sum or batch_mean (sum<0>, mean<0>); "
                          "max, min and logsumexp over the batch axis are not supported");
            static_assert(!X::cols,
                          "lossc: rule 2 (one loss value per sample): this batch_loss has a value per class; reduce "
                          "the class axis, e.g. sum<1>(...), for one value per sample or per batch");
            if constexpr (!X::cols)
                static_assert(X::extent_ok,
                              "lossc: rule 4 (static column counts agree): two operands have different fixed "
                              "column counts; make the weights, cols<> and col<> selections agree");
        }
    }
}

}  // namespace lossc
