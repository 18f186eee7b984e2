// lossc — a loss over pairs of samples (pair_sum, pair_logsumexp … inside batch_loss) as the
// expressions its kernel evaluates, derived at compile time.
//
// The loss of sample i is L_i = ℓ(x_i, P_1(i) … P_K(i)) with P_k(i) = R_k over j of f_k(i, j).
// Each pair reduction is lowered to a pair_stat_t leaf (lower/batch_lowering.hpp's lower(), the
// same numbering and sharing of equal ones as batch statistics), so ℓ is a per-sample expression;
// f_k is an expression of a pair row (y_true, y_pred of i; other(...) of j). Reverse mode gives
//   dR/dx_i = s·w_i ∂ℓ_i/∂x_i + Σ_k Σ_j P̂_k(j)·a_k(j, i)·∂f_k(j, i)/∂x_i … collected per pair:
//   for the pair (i, j) with c = P̂_k(i)·a_k(i, j), P̂_k(i) = s·w_i ∂ℓ_i/∂P_k:
//     g_i += c·∂f_k/∂(sample i)   = c · gradient(f_k) at (i, j)
//     g_j += c·∂f_k/∂(sample j)   = c · gradient(swap_samples(f_k)) at (j, i)
// with a_k(i, j) = ∂R_k/∂f_k(i, j): 1 (sum), 1/N (mean), exp(f − P) (logsumexp), and for
// max/min 1/(number of ties) where f equals P, else 0.
#pragma once
#include <cstddef>
#include <limits>
#include <tuple>
#include <type_traits>

#include "../diff/reverse.hpp"
#include "../expr/pairs.hpp"
#include "../math/scalar.hpp"
#include "batch_lowering.hpp"

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering::pair {

using batch::item;
using batch::item_t;
using batch::static_for;

/// Everything a call of batch_loss(E), E holding pair reductions, evaluates:
///   value            ℓ, the pair reductions as leaves;
///   direct           ∂ℓ_i/∂x_i, the pair reductions held constant;
///   operands[k]      f_k, an expression of a pair row;
///   from_loss[k]     ∂ℓ_i/∂P_k (zero where f_k has no gradient);
///   this_grad[k]     ∂f_k(i, j)/∂x_i, on the pair row (i, j);
///   other_grad[k]    ∂f_k(j, i)/∂x_i (the derivative by the pair's other sample), on the row (i, j).
template <class E> struct derivation {
    static constexpr std::size_t K = batch::count_stats<E>();
    using stats_tuple = decltype(batch::collect(std::declval<const E&>()));
    template <std::size_t k> using stat_node = std::tuple_element_t<k, stats_tuple>;
    template <std::size_t k> using operand_t = std::remove_cvref_t<decltype(std::declval<const stat_node<k>&>().a)>;
    template <std::size_t k> using reduction_t = typename stat_node<k>::pair_reduction;
    /// Is position k the pair reduction its leaves read (the first of the equal ones)?
    template <std::size_t k> static constexpr bool computed = batch::alias_of<stats_tuple, k>() == k;
    /// Does pair reduction k carry a gradient (f_k reads y_pred of either sample differentiably)?
    template <std::size_t k> static constexpr bool needs_adjoint = computed<k>&& stat_node<k>::grad_dep;

private:
    template <std::size_t k> static constexpr auto from_loss_of(const E& loss) {
        if constexpr (!needs_adjoint<k>)
            return zero_t{};
        else
            return gradient(batch::lower<k, 0, stats_tuple>(loss));
    }
    template <std::size_t k, bool Other> static constexpr auto grad_of(const stats_tuple& s) {
        if constexpr (!needs_adjoint<k>)
            return zero_t{};
        else if constexpr (Other)
            return gradient(swap_samples(std::get<k>(s).a));
        else
            return gradient(std::get<k>(s).a);
    }
    template <class F> static constexpr auto each(F&& f) {
        return [&]<std::size_t... k>(std::index_sequence<k...>) {
            return batch::make_list(f(std::integral_constant<std::size_t, k>{})...);
        }
        (std::make_index_sequence<K>{});
    }
    static constexpr auto operands_of(const stats_tuple& s) {
        return each([&](auto k) { return std::get<k>(s).a; });
    }
    static constexpr auto from_loss_list(const E& loss) {
        return each([&](auto k) { return from_loss_of<k>(loss); });
    }
    template <bool Other> static constexpr auto grads_of(const stats_tuple& s) {
        return each([&](auto k) { return grad_of<k, Other>(s); });
    }

public:
    using value_type = batch::lowered_t<batch::target_none, 0, stats_tuple, E>;
    using direct_type =
        decltype(gradient(std::declval<const batch::lowered_t<batch::target_pred, 0, stats_tuple, E>&>()));
    using operands_type = decltype(operands_of(std::declval<const stats_tuple&>()));
    using from_loss_type = decltype(from_loss_list(std::declval<const E&>()));
    using this_grad_type = decltype(grads_of<false>(std::declval<const stats_tuple&>()));
    using other_grad_type = decltype(grads_of<true>(std::declval<const stats_tuple&>()));

    constexpr explicit derivation(const E& loss)
        : value(batch::lower<batch::target_none, 0, stats_tuple>(loss)),
          direct(gradient(batch::lower<batch::target_pred, 0, stats_tuple>(loss))),
          operands(operands_of(batch::collect(loss))),
          from_loss(from_loss_list(loss)),
          this_grad(grads_of<false>(batch::collect(loss))),
          other_grad(grads_of<true>(batch::collect(loss))) {}

    /// A copy whose pair leaves read current[k]: the values of the sample being evaluated.
    constexpr derivation bound(const double* const* current) const {
        derivation d = *this;
        const auto b = [&](auto& x) { batch::bind(x, current, current); };
        b(d.value);
        b(d.direct);
        static_for<K>([&](auto k) { b(item<k>(d.from_loss)); });
        return d;
    }

    value_type value;
    direct_type direct;
    operands_type operands;
    from_loss_type from_loss;
    this_grad_type this_grad;
    other_grad_type other_grad;
};

/// ∂R/∂f(i, j) of reduction R, for the pair value f of a sample whose reduced value is p (ties:
/// how many pairs of the sample share a maximum or minimum); 0 for a reduction over no finite value.
template <class R> constexpr double pair_weight(double f, double p, double ties, double n) {
    if constexpr (std::is_same_v<R, ops::sum_r>)
        return 1.0;
    else if constexpr (std::is_same_v<R, ops::mean_r>)
        return 1.0 / n;
    else if constexpr (std::is_same_v<R, ops::logsumexp_r>)
        return p > -std::numeric_limits<double>::infinity() ? math::exp(f - p) : 0.0;
    else
        return f == p ? 1.0 / ties : 0.0;  // max, min
}

}  // namespace lowering::pair
}  // namespace LOSSC_ISA
}  // namespace lossc
