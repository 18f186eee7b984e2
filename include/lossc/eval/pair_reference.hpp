// lossc — lossc::evaluate for losses over pairs of samples (batch_loss with pair_sum,
// pair_logsumexp …): the constexpr reference. Per-sample values straight from the loss as
// written (each pair reduction walks the batch where it is read); the gradient of the sum of the
// per-sample losses from pair_lowering.hpp's derivation, sample by sample in scalars:
//   g_i = ∂ℓ_i/∂x_i + Σ_k Σ_j [c_k(i, j)·∂f_k(i, j)/∂x_i + c_k(j, i)·∂f_k(j, i)/∂x_i],
//   c_k(i, j) = ∂ℓ_i/∂P_k · ∂R_k/∂f_k(i, j).
#pragma once
#include <algorithm>
#include <array>

#include "../lower/pair_lowering.hpp"
#include "../lower/row_eval.hpp"
#include "reference.hpp"

namespace lossc {
inline namespace LOSSC_ISA {

/// The pair (i, j) of std::array rows: y_true, y_pred of i; other(...) of j.
template <class T, std::size_t Ct, std::size_t Cp> struct array_pair_row {
    using scalar_type = T;
    static constexpr lanes lane_mode = lanes::none;
    const std::array<T, Ct>* t;
    const std::array<T, Cp>* p;
    const std::array<T, Ct>* ot;
    const std::array<T, Cp>* op;
    bool same;
    input_dims dims;
    template <class V> constexpr V load_true(std::size_t j) const { return (*t)[Ct == 1 ? 0 : j]; }
    template <class V> constexpr V load_pred(std::size_t j) const { return (*p)[Cp == 1 ? 0 : j]; }
    template <class V> constexpr V load_other_true(std::size_t j) const { return (*ot)[Ct == 1 ? 0 : j]; }
    template <class V> constexpr V load_other_pred(std::size_t j) const { return (*op)[Cp == 1 ? 0 : j]; }
    template <class V, class U> constexpr V column_constants(const U* w, std::size_t j) const {
        return static_cast<V>(w[j]);
    }
    template <class V> constexpr V same_value() const { return static_cast<V>(same ? 1 : 0); }
};
template <class T, std::size_t N, std::size_t Ct, std::size_t Cp>
constexpr array_pair_row<T, Ct, Cp> pair_of(const std::array<std::array<T, Ct>, N>& y_true,
                                            const std::array<std::array<T, Cp>, N>& y_pred, std::size_t i,
                                            std::size_t j) {
    return {&y_true[i], &y_pred[i], &y_true[j], &y_pred[j], i == j, input_dims{N, Ct, Cp}};
}

/// A pair reduction, evaluated where it is read (a whole_batch_row, eval/batch_reference.hpp):
/// R over every sample j of the batch.
template <class V, class R, class A, class S, class Row>
requires requires(const Row& r) { r.at(std::size_t{0}); }
constexpr V row_value(const pair_reduce_t<R, A>& e, S& s, const Row& r, std::size_t) {
    return R::template reduce<V>(r.dims.rows,
                                 [&](std::size_t k) { return row_value<V>(e.a, s, pair_of(*r.t, *r.p, r.i, k), 0); });
}

}  // namespace LOSSC_ISA

namespace detail {
/// evaluate() of a batch_loss holding pair reductions; Row: a sample of the whole batch.
template <class Row, class E, class T, std::size_t N, std::size_t Ct, std::size_t Cp>
constexpr evaluation<T, N, Cp> evaluate_pairs(const E& loss, const std::array<std::array<T, Ct>, N>& y_true,
                                              const std::array<std::array<T, Cp>, N>& y_pred) {
    using D = lowering::pair::derivation<E>;
    using lowering::pair::item;
    using lowering::pair::static_for;
    evaluation<T, N, Cp> r{};
    const input_dims dims{N, Ct, Cp};
    no_cache nc{};
    for (std::size_t i = 0; i < N; ++i) r.per_sample[i] = row_value<T>(loss, nc, Row{&y_true, &y_pred, i, dims}, 0);

    constexpr std::size_t K1 = D::K == 0 ? 1 : D::K;
    // Each sample's reduced values, ∂ℓ_i/∂P_k and ties, as the kernel keeps them.
    std::array<std::array<double, N>, K1> value{}, adjoint{}, ties{};
    std::array<double, K1> current{};
    std::array<const double*, K1> current_at{};
    for (std::size_t k = 0; k < K1; ++k) current_at[k] = &current[k];
    const D d = D(loss).bound(current_at.data());
    const auto f_at = [&](auto k, std::size_t i, std::size_t j) {
        return static_cast<double>(row_value<T>(item<k>(d.operands), nc, pair_of(y_true, y_pred, i, j), 0));
    };
    for (std::size_t i = 0; i < N; ++i) {
        static_for<D::K>([&](auto k) {
            if constexpr (D::template computed<k>) {
                using R = typename D::template reduction_t<k>;
                current[k] = R::template reduce<double>(N, [&](std::size_t j) { return f_at(k, i, j); });
                value[k][i] = current[k];
                for (std::size_t j = 0; j < N; ++j) ties[k][i] += f_at(k, i, j) == current[k] ? 1 : 0;
            }
        });
        static_for<D::K>([&](auto k) {
            if constexpr (D::template needs_adjoint<k>)
                adjoint[k][i] =
                    static_cast<double>(row_value<T>(item<k>(d.from_loss), nc, pair_of(y_true, y_pred, i, i), 0));
        });
        for (std::size_t c = 0; c < Cp; ++c)
            r.grad[i][c] = row_value<T>(d.direct, nc, pair_of(y_true, y_pred, i, i), c);
    }
    // c_k(i, j) = ∂ℓ_i/∂P_k · ∂R_k/∂f_k(i, j).
    const auto coefficient = [&](auto k, std::size_t i, std::size_t j) {
        using R = typename D::template reduction_t<k>;
        return adjoint[k][i] * lowering::pair::pair_weight<R>(f_at(k, i, j), value[k][i], ties[k][i], double(N));
    };
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < N; ++j)
            static_for<D::K>([&](auto k) {
                if constexpr (D::template needs_adjoint<k>) {
                    // A pair of weight 0 adds nothing, whatever its derivative (the kernel's rule:
                    // a distance's at d = 0 is not a term of a max it is not the maximum of).
                    const double own = coefficient(k, i, j), theirs = coefficient(k, j, i);
                    const auto ij = pair_of(y_true, y_pred, i, j);
                    for (std::size_t c = 0; c < Cp; ++c) {
                        double term = 0;
                        if (own != 0) term += own * static_cast<double>(row_value<T>(item<k>(d.this_grad), nc, ij, c));
                        if (theirs != 0)
                            term += theirs * static_cast<double>(row_value<T>(item<k>(d.other_grad), nc, ij, c));
                        r.grad[i][c] += static_cast<T>(term);
                    }
                }
            });
    return r;
}
}  // namespace detail
}  // namespace lossc
