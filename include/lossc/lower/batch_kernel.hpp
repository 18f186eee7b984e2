// lossc — the kernel of a cross-sample loss (batch_loss): the loss's batch statistics are
// computed in passes over the batch before its per-sample values, and reverse mode runs the
// passes backwards. With statistics nested d deep (Dice: 1; Pearson's Σ (x − mean x)²: 2):
//   forward            d passes for the statistics (one per depth), then the loss pass;
//   forward_backward   the same, the loss pass also summing the adjoints of the outermost
//                      statistics, d − 1 passes for the adjoints of the inner ones, then the
//                      gradient pass: 2d + 1 passes over y_true and y_pred, one write of grad.
// The adjoint of statistic k is Ŝ_k = Σ_i s·w_i ∂L_i/∂S_k + Σ_{k'} Ŝ_k' ∂A_k'(i)/∂S_k (A_k' the
// operands holding S_k), and dR/dy_pred[i] = s·w_i ∂L_i/∂y_pred[i] + Σ_k Ŝ_k·c_k ∂A_k(i)/∂y_pred[i]
// (c_k = 1, or 1/N for a mean): every term is an expression derived at compile time from the
// lowered loss (lower/batch_lowering.hpp) and run by the row evaluator, blocks of rows in SIMD.
// Statistics are summed per block in the working type, then in double.
#pragma once
#include <array>
#include <tuple>
#include <utility>
#include <vector>

#include "../analysis/diagnose.hpp"
#include "../analysis/shapes.hpp"
#include "../eigen/views.hpp"
#include "../errors.hpp"
#include "../options.hpp"
#include "batch_lowering.hpp"
#include "checks.hpp"
#include "kernel.hpp"
#include "row_eval.hpp"

namespace lossc {

inline namespace LOSSC_ISA {

template <class E>
class batch_kernel {
    using derivation = lowering::batch::derivation<E>;
    static constexpr std::size_t K = derivation::K, top = derivation::top;
    template <std::size_t k>
    static constexpr std::size_t level = derivation::template level<k>;
    template <std::size_t k>
    static constexpr bool needs_adjoint = derivation::template needs_adjoint<k>;
    template <std::size_t k>
    static constexpr bool is_mean = derivation::template is_mean<k>;
    template <std::size_t k>
    using operand_t = typename derivation::template operand_t<k>;

public:
    using expression_type = batch_loss_t<E>;

    constexpr explicit batch_kernel(const batch_loss_t<E>& l) : loss_(l.loss), derived_(l.loss) {}

    constexpr const expression_type expression() const { return {loss_}; }
    /// How many passes over y_true and y_pred a call makes.
    static constexpr int passes(bool backward) { return backward ? 2 * static_cast<int>(top) + 3 : static_cast<int>(top) + 2; }

    template <class YT, class YP, class PS>
    scalar_of<YP> forward(const YT& y_true, const YP& y_pred, PS&& per_sample, const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(std::is_same_v<scalar_of<YT>, T> && per_sample_fits<PS, T>(),
                      "lossc: y_true, y_pred and per_sample must have one scalar type (float or double)");
        if constexpr (discarded<PS>) return run<false, T>(as_matrix(y_true), as_matrix(y_pred), nullptr, {}, opt);
        else {
            const vector_view<T> ps = as_out_vector(per_sample);
            return run<false, T>(as_matrix(y_true), as_matrix(y_pred), &ps, {}, opt);
        }
    }
    template <class YT, class YP, class PS, class GR>
    scalar_of<YP> forward_backward(const YT& y_true, const YP& y_pred, PS&& per_sample, GR&& grad, const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(std::is_same_v<scalar_of<YT>, T> && per_sample_fits<PS, T>() && std::is_same_v<scalar_of<GR>, T>,
                      "lossc: y_true, y_pred, per_sample and grad must have one scalar type (float or double)");
        if constexpr (discarded<PS>) return run<true, T>(as_matrix(y_true), as_matrix(y_pred), nullptr, as_out_matrix(grad), opt);
        else {
            const vector_view<T> ps = as_out_vector(per_sample);
            return run<true, T>(as_matrix(y_true), as_matrix(y_pred), &ps, as_out_matrix(grad), opt);
        }
    }

private:
    using value_type = typename derivation::value_type;
    using direct_type = typename derivation::direct_type;
    using operands_type = typename derivation::operands_type;
    using indirect_type = typename derivation::indirect_type;

    /// One pass's view of the batch: blocks of pack-width rows (a pack holds a column of each),
    /// then the last rows one at a time (broadcast packs, the same instructions).
    template <class T>
    struct walk {
        matrix_view<const T> t, p;
        input_dims dims;
        index t_step() const { return t.cols == 1 ? 0 : t.col_stride; }
        index p_step() const { return p.cols == 1 ? 0 : p.col_stride; }
        /// f(row, i, lanes): rows i … i + lanes − 1.
        template <class F>
        void each(F&& f) const {
            using P = pack<T>;
            const index n = p.rows;
            index i = 0;
            if constexpr (P::width > 1)
                for (; i + P::width <= n; i += P::width)
                    f(row_block<T, void, P>{t.data + i * t.row_stride, t.row_stride, t_step(), p.data + i * p.row_stride,
                                            p.row_stride, p_step(), dims},
                      i, P::width);
            for (; i < n; ++i)
                f(strided_row<T, lanes::single>{t.data + i * t.row_stride, t_step(), p.data + i * p.row_stride, p_step(), dims}, i, 1);
        }
    };
    /// Σ over the lanes that hold rows (all of a block's; the first of a broadcast row).
    template <class P>
    static double lanes_sum(const P& v, int lanes) {
        return lanes == 1 ? static_cast<double>(simd::first_lane(v)) : static_cast<double>(simd::hsum(v));
    }
    /// A row's statistics: a pack across a block's rows, one number for a lone row.
    template <class X, class P, class Row>
    using state_of = row_state<X, std::conditional_t<Row::lane_mode == lanes::rows, P, typename P::scalar_type>>;
    template <class X, class P, class Row>
    static P value_at(const X& x, const Row& row, std::size_t j) {
        state_of<X, P, Row> st{};
        prepare(x, st, row, no_sharing{});
        return row_value<P>(x, st, row, j);
    }
    /// Adds Σ_rows x(row, j) to acc[j] for every column j of statistic k's operand.
    template <class X, class P, class Row>
    static void accumulate(const X& x, const Row& row, int lanes, double* acc, std::size_t cols, const P* row_scale) {
        state_of<X, P, Row> st{};
        prepare(x, st, row, no_sharing{});
        for (std::size_t j = 0; j < cols; ++j) {
            P v = row_value<P>(x, st, row, j);
            if (row_scale) v = v * *row_scale;
            acc[j] += lanes_sum(v, lanes);
        }
    }

    template <bool Backward, class T>
    T run(matrix_view<const T> t, matrix_view<const T> p, const vector_view<T>* ps, matrix_view<T> g, const options& opt) const;

    E loss_;
    derivation derived_;
};

template <class E>
template <bool Backward, class T>
T batch_kernel<E>::run(matrix_view<const T> t, matrix_view<const T> p, const vector_view<T>* ps, matrix_view<T> g,
                       const options& opt) const {
    using P = pack<T>;
    const index n = p.rows;
    // Checks, before anything is written. Without per_sample (lossc::discard) nothing is stored
    // per sample: a placeholder view stands in for the shape checks.
    T unused{};
    const vector_view<T> ps_checked = ps ? *ps : vector_view<T>{&unused, n, 1};
    detail::check_shapes(t, p, ps_checked, Backward ? &g : nullptr, opt);
    if (opt.global_batch_size != 0 || opt.global_weight_sum)
        throw parameter_error("a batch_loss's statistics are those of the rows of this call: options::global_batch_size and "
                              "global_weight_sum (a batch split across calls) do not apply; call it on the whole batch");
    const input_dims dims{static_cast<std::size_t>(n), static_cast<std::size_t>(t.cols), static_cast<std::size_t>(p.cols)};
    validate(derived_.value, dims);
    std::apply([&](const auto&... a) { (validate(a, dims), ...); }, derived_.operands);
    const detail::output_ranges out = detail::check_memory(t, p, ps ? *ps : vector_view<T>{&unused, 0, 1}, Backward ? &g : nullptr, opt);
    detail::require_outside_weights(loss_, out.per_sample, "per_sample");
    if (Backward) detail::require_outside_weights(loss_, out.grad, "grad");
    if (n == 0) return T(0);

    // The statistics' buffers: values, then adjoints, one number or one per column each.
    std::array<std::size_t, K + 1> offset{};
    [&]<std::size_t... k>(std::index_sequence<k...>) {
        ((offset[k + 1] = offset[k] + (operand_t<k>::cols ? width(std::get<k>(derived_.operands), dims) : 1)), ...);
    }(std::make_index_sequence<K>{});
    const std::size_t total_cols = offset[K];
    constexpr std::size_t on_stack = 512;
    double local[on_stack];
    thread_local std::vector<double> wide;  // grown once per thread for rows of many columns
    double* store = local;
    if (2 * total_cols > on_stack) {
        if (wide.size() < 2 * total_cols) wide.resize(2 * total_cols);
        store = wide.data();
    }
    std::fill(store, store + 2 * total_cols, 0.0);
    std::array<const double*, K> values{}, adjoints{};
    for (std::size_t k = 0; k < K; ++k) values[k] = store + offset[k], adjoints[k] = store + total_cols + offset[k];
    const derivation x = derived_.bound(values.data(), adjoints.data());
    const auto width_of = [&](std::size_t k) { return offset[k + 1] - offset[k]; };
    const walk<T> rows{t, p, dims};

    // Statistics, innermost first: one pass per depth.
    using lowering::batch::static_for;
    static_for<top + 1>([&](auto lev) {
        rows.each([&](const auto& row, index, int lanes) {
            static_for<K>([&](auto k) {
                if constexpr (level<k> == lev)
                    accumulate<std::tuple_element_t<k, operands_type>, P>(std::get<k>(x.operands), row, lanes, store + offset[k],
                                                                          width_of(k), nullptr);
            });
        });
        static_for<K>([&](auto k) {
            if constexpr (level<k> == lev && is_mean<k>)
                for (std::size_t j = offset[k]; j < offset[k + 1]; ++j) store[j] /= static_cast<double>(n);
        });
    });

    // The loss pass: per-sample values, Σ w_i L_i, and the outermost statistics' adjoints.
    const sample_weights& sw = opt.sample_weight;
    const double weight_sum = opt.reduction == reduction::mean_with_sample_weight ? detail::weight_sum_of(opt, n) : static_cast<double>(n);
    const double scale = opt.reduction == reduction::sum                   ? 1.0
                         : opt.reduction == reduction::sum_over_batch_size ? 1.0 / static_cast<double>(n)
                         : weight_sum != 0                                 ? 1.0 / weight_sum
                                                                           : 0.0;
    // s·w_i for the rows of a block (or one row).
    const auto row_scales = [&](index i, int lanes) {
        alignas(64) T s[P::width];
        for (int l = 0; l < P::width; ++l)
            s[l] = static_cast<T>(scale * (sw.present() ? static_cast<double>(sw.template at<T>(i + (l < lanes ? l : 0))) : 1.0));
        return P::load(s);
    };
    double total = 0;
    // Adjoints of the statistics of depth lev: from the loss (scaled by s·w_i) and from the
    // operands of outer statistics, whose adjoints are complete by then.
    const auto adjoint_step = [&](auto lev, const auto& row, index i, int lanes) {
        static_for<K>([&](auto k) {
            if constexpr (level<k> == lev && needs_adjoint<k>) {
                const auto& from_loss = std::get<k>(x.adjoints).first;
                const auto& from_operands = std::get<k>(x.adjoints).second;
                using FL = std::remove_cvref_t<decltype(from_loss)>;
                using FO = std::remove_cvref_t<decltype(from_operands)>;
                double* acc = store + total_cols + offset[k];
                if constexpr (!is_zero<FL>) {
                    const P s = row_scales(i, lanes);
                    accumulate<FL, P>(from_loss, row, lanes, acc, width_of(k), &s);
                }
                if constexpr (!is_zero<FO>) accumulate<FO, P>(from_operands, row, lanes, acc, width_of(k), nullptr);
            }
        });
    };
    // After a depth's adjoint pass: a mean's adjoint reaches each row divided by N.
    const auto finish_adjoints = [&](auto lev) {
        static_for<K>([&](auto k) {
            if constexpr (level<k> == lev && is_mean<k>)
                for (std::size_t j = total_cols + offset[k]; j < total_cols + offset[k + 1]; ++j) store[j] /= static_cast<double>(n);
        });
    };
    rows.each([&](const auto& row, index i, int lanes) {
        const P l = value_at<value_type, P>(x.value, row, 0);
        if (ps) {
            if (lanes == 1) (*ps)[i] = simd::first_lane(l);
            else l.store_strided(ps->data + i * ps->stride, ps->stride);
        }
        if (sw.present()) {
            alignas(64) T lv[P::width];
            l.store(lv);
            for (int r = 0; r < lanes; ++r) total += static_cast<double>(sw.template at<T>(i + r)) * static_cast<double>(lv[r]);
        } else total += lanes_sum(l, lanes);
        if constexpr (Backward) adjoint_step(std::integral_constant<std::size_t, top>{}, row, i, lanes);
    });
    if constexpr (Backward) {
        finish_adjoints(std::integral_constant<std::size_t, top>{});
        // Inner statistics' adjoints, outermost first.
        static_for<top>([&](auto d) {
            constexpr std::size_t lev = top - 1 - d;
            rows.each([&](const auto& row, index i, int lanes) { adjoint_step(std::integral_constant<std::size_t, lev>{}, row, i, lanes); });
            finish_adjoints(std::integral_constant<std::size_t, lev>{});
        });
        // The gradient pass.
        rows.each([&](const auto& row, index i, int lanes) {
            using Row = std::remove_cvref_t<decltype(row)>;
            state_of<direct_type, P, Row> ds{};
            state_of<indirect_type, P, Row> is{};
            prepare(x.direct, ds, row, no_sharing{});
            prepare(x.indirect, is, row, no_sharing{});
            const P s = row_scales(i, lanes);
            T* out = g.data + i * g.row_stride;
            for (index j = 0; j < p.cols; ++j) {
                const auto jj = static_cast<std::size_t>(j);
                const P gj = row_value<P>(x.direct, ds, row, jj) * s + row_value<P>(x.indirect, is, row, jj);
                if (lanes == 1) out[j * g.col_stride] = simd::first_lane(gj);
                else gj.store_strided(out + j * g.col_stride, g.row_stride);
            }
        });
    }
    return static_cast<T>(opt.reduction == reduction::sum ? total : total * scale);
}

/// The front door of a cross-sample loss: its static checks, then a multi-pass kernel.
template <class E>
constexpr auto compile(const batch_loss_t<E>& loss) {
    diagnose_batch<batch_loss_t<E>>();
    if constexpr (is_valid_batch_loss<batch_loss_t<E>>) return batch_kernel<E>{loss};
    else return rejected_loss<batch_loss_t<E>>{};
}

}  // namespace LOSSC_ISA
}  // namespace lossc
