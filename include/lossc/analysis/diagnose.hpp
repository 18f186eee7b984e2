// lossc — the Keras rules as static checks. compile() and evaluate() call diagnose<E>(); the
// first rule a loss breaks fires one static_assert whose message starts with "lossc:", names the
// rule and says how to fix it. The later rules are not looked at, so one mistake is one message.
#pragma once
#include "traits.hpp"

namespace lossc {

/// True when a loss passes every static check (and compile(loss) yields a kernel).
template <class E>
inline constexpr bool is_valid_loss = depends_on_y_pred<E> && !reduces_batch_axis<E> && output_rank<E> == 1 &&
                                      static_extents_agree<E>;

template <class E>
constexpr void diagnose() {
    using X = node_t<E>;
    static_assert(X::grad_dep,
                  "lossc: rule 1 (the loss must use y_pred): this loss does not depend on y_pred "
                  "differentiably (not at all, or only through stop_gradient, comparisons, sign or round), "
                  "so no gradient would flow; use y_pred in a differentiable op");
    if constexpr (X::grad_dep) {
        static_assert(!X::batch_red,
                      "lossc: rule 3 (no reduction over the batch axis): a reduction with axis 0 mixes the samples "
                      "of a per-sample loss; reduce the class axis with <1> (or <-1>) and let "
                      "lossc::options{.reduction} combine the samples");
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

}  // namespace lossc
