// lossc — lossc::evaluate for cross-sample losses (batch_loss): the constexpr reference.
// Per-sample values are computed the obvious way, straight from the loss as written: every
// batch reduction sums its operand over the whole batch where it is read (O(N²) and more, no
// lowering involved). The gradient (of the sum of the per-sample losses) runs the kernel's
// derivation (lower/batch_lowering.hpp) pass by pass in scalars, without SIMD or buffers reused.
#pragma once
#include <algorithm>
#include <array>

#include "../analysis/diagnose.hpp"
#include "../lower/batch_lowering.hpp"
#include "../lower/row_eval.hpp"
#include "pair_reference.hpp"
#include "reference.hpp"

namespace lossc {
inline namespace LOSSC_ISA {

/// Sample i of a whole std::array batch: a batch reduction read here sums over at(0 … N−1).
template <class T, std::size_t N, std::size_t Ct, std::size_t Cp> struct whole_batch_row {
    using scalar_type = T;
    static constexpr lanes lane_mode = lanes::none;
    const std::array<std::array<T, Ct>, N>* t;
    const std::array<std::array<T, Cp>, N>* p;
    std::size_t i;
    input_dims dims;
    template <class V> constexpr V load_true(std::size_t j) const { return (*t)[i][Ct == 1 ? 0 : j]; }
    template <class V> constexpr V load_pred(std::size_t j) const { return (*p)[i][Cp == 1 ? 0 : j]; }
    template <class V, class U> constexpr V column_constants(const U* w, std::size_t j) const {
        return static_cast<V>(w[j]);
    }
    constexpr whole_batch_row at(std::size_t k) const { return {t, p, k, dims}; }
};

/// A batch reduction, evaluated where it is read: R over every sample of the batch.
template <class V, class R, class A, class S, class Row>
requires requires(const Row& r) { r.at(std::size_t{0}); }
constexpr V row_value(const batch_reduce_t<R, A>& e, S& s, const Row& r, std::size_t j) {
    return R::template reduce<V>(r.dims.rows, [&](std::size_t k) { return row_value<V>(e.a, s, r.at(k), j); });
}

}  // namespace LOSSC_ISA

/// The per-sample values of batch_loss(e) and the gradient of their sum (no reduction, no
/// weights), in constant expressions too.
template <class E, class T, std::size_t N, std::size_t Ct, std::size_t Cp>
constexpr evaluation<T, N, Cp> evaluate(const batch_loss_t<E>& loss, const std::array<std::array<T, Ct>, N>& y_true,
                                        const std::array<std::array<T, Cp>, N>& y_pred) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "lossc: evaluate takes float or double rows");
    diagnose_batch<batch_loss_t<E>>();
    evaluation<T, N, Cp> r{};
    if constexpr (is_valid_batch_loss<batch_loss_t<E>> && has_pair_reductions<E>) {
        return detail::evaluate_pairs<whole_batch_row<T, N, Ct, Cp>>(loss.loss, y_true, y_pred);
    } else if constexpr (is_valid_batch_loss<batch_loss_t<E>>) {
        using D = lowering::batch::derivation<E>;
        const input_dims dims{N, Ct, Cp};
        no_cache nc{};
        for (std::size_t i = 0; i < N; ++i)
            r.per_sample[i] = row_value<T>(loss.loss, nc, whole_batch_row<T, N, Ct, Cp>{&y_true, &y_pred, i, dims}, 0);

        // The gradient: statistics, their adjoints depth by depth from the outermost, then rows.
        constexpr std::size_t W = std::max<std::size_t>({Ct, Cp, 1});
        std::array<std::array<double, W>, D::K> values{}, adjoints{};
        std::array<const double*, D::K> vp{}, ap{};
        for (std::size_t k = 0; k < D::K; ++k) vp[k] = values[k].data(), ap[k] = adjoints[k].data();
        const D d = D(loss.loss).bound(vp.data(), ap.data());
        const auto row = [&](std::size_t i) { return array_row<T, Ct, Cp>{&y_true[i], &y_pred[i], dims}; };
        using lowering::batch::static_for;
        static_for<D::top + 1>([&](auto lev) {
            static_for<D::K>([&](auto k) {
                if constexpr (D::template level<k> == lev && D::template computed<k>) {
                    const auto& a = lowering::batch::item<k>(d.operands);
                    const std::size_t w = D::template operand_t<k>::cols ? width(a, dims) : 1;
                    for (std::size_t j = 0; j < w; ++j) {
                        double s = 0;
                        for (std::size_t i = 0; i < N; ++i) s += static_cast<double>(row_value<T>(a, nc, row(i), j));
                        values[k][j] = D::template is_mean<k> ? s / static_cast<double>(N) : s;
                    }
                }
            });
        });
        static_for<D::top + 1>([&](auto up) {
            constexpr std::size_t lev = D::top - up;
            static_for<D::K>([&](auto k) {
                if constexpr (D::template level<k> == lev && D::template needs_adjoint<k>) {
                    const auto& [from_loss, from_operands] = lowering::batch::item<k>(d.adjoints);
                    const std::size_t w =
                        D::template operand_t<k>::cols ? width(lowering::batch::item<k>(d.operands), dims) : 1;
                    for (std::size_t j = 0; j < w; ++j) {
                        double s = 0;
                        for (std::size_t i = 0; i < N; ++i)
                            s += static_cast<double>(row_value<T>(from_loss, nc, row(i), j)) +
                                 static_cast<double>(row_value<T>(from_operands, nc, row(i), j));
                        adjoints[k][j] = D::template is_mean<k> ? s / static_cast<double>(N) : s;
                    }
                }
            });
        });
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t j = 0; j < Cp; ++j)
                r.grad[i][j] = row_value<T>(d.direct, nc, row(i), j) + row_value<T>(d.indirect, nc, row(i), j);
    }
    return r;
}

}  // namespace lossc
