// lossc — the kernel of a loss over pairs of samples (batch_loss holding pair_sum,
// pair_logsumexp …; the expressions are lower/pair_lowering.hpp's).
//   forward            one walk over the N² pairs: for sample i, f_k(i, j) for every j and every
//                      pair reduction k (kept in a buffer of N values each), reduced, then ℓ_i;
//   forward_backward   the same walk; once sample i's ℓ_i is known it adds s·w_i ∂ℓ_i/∂x_i into
//                      grad's row i, then walks the sample's pairs again, adding each pair's terms
//                      into the gradient rows of both its samples (the pair values read from the
//                      buffer: none is computed twice).
// Cost: O(N²·C) — every pair reads two rows, which stay in the caches for batches of up to a
// few thousand samples; no matrix product (a GEMM-based InfoNCE does N²·C multiply-adds too, in
// a tuned GEMM: bench/bench_batch.cpp compares). Rows are walked along columns in packs; inputs
// without contiguous rows (column-major, strided) are copied once into a per-thread buffer, as
// is a gradient without contiguous rows. One thread.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "../analysis/shapes.hpp"
#include "../eigen/views.hpp"
#include "../errors.hpp"
#include "../options.hpp"
#include "batch_kernel.hpp"
#include "pair_lowering.hpp"
#include "row_eval.hpp"

namespace lossc {
inline namespace LOSSC_ISA {

/// A pair of samples (i, j): y_true and y_pred of sample i as a strided_row, other(...) reads
/// sample j's; same_sample is i == j.
template <class T, lanes Mode> struct pair_row : strided_row<T, Mode> {
    const T* ot;
    const T* op;
    bool same;
    template <class V> V load_other_true(std::size_t j) const {
        return strided_row<T, Mode>::template load<V>(ot, this->t_step, j);
    }
    template <class V> V load_other_pred(std::size_t j) const {
        return strided_row<T, Mode>::template load<V>(op, this->p_step, j);
    }
    pair_row<T, lanes::single> single() const {
        return {{this->t, this->t_step, this->p, this->p_step, this->dims}, ot, op, same};
    }
};

template <class E> class pair_kernel : public whole_batch_calls<pair_kernel<E>> {
    friend whole_batch_calls<pair_kernel<E>>;
    using derivation = lowering::pair::derivation<E>;
    static constexpr std::size_t K = derivation::K;
    template <std::size_t k> static constexpr bool computed = derivation::template computed<k>;
    template <std::size_t k> static constexpr bool needs_adjoint = derivation::template needs_adjoint<k>;
    template <std::size_t k> using reduction_t = typename derivation::template reduction_t<k>;

public:
    using expression_type = batch_loss_t<E>;

    constexpr explicit pair_kernel(const batch_loss_t<E>& l) : loss_(l.loss), derived_(l.loss) {}

    constexpr const expression_type expression() const { return {loss_}; }
    /// How many times a call visits each of the N² pairs (a sample's pairs twice in a row with a
    /// gradient: their values, then their gradient terms).
    static constexpr int passes(bool backward) { return backward ? 2 : 1; }

private:
    /// The value of a per-sample (or per-pair) expression on a row, from its prepared state.
    template <class X, class Row, class St> static auto value_in(const X& x, St& st, const Row& row) {
        using T = typename Row::scalar_type;
        if constexpr (Row::lane_mode == lanes::columns)
            return simd::first_lane(row_value<pack<T>>(x, st, row.single(), 0));
        else
            return simd::first_lane(row_value<pack<T>>(x, st, row, 0));
    }
    /// The value of a per-sample (or per-pair) expression on a row; `shared`: row statistics
    /// computed already (another pair reduction's operand).
    template <class X, class Row, class Sh = no_sharing>
    static auto value_of(const X& x, const Row& row, const Sh& shared = {}) {
        row_state<X, typename Row::scalar_type> st{};
        prepare(x, st, row, shared);
        return value_in(x, st, row);
    }
    /// out[j] += c·x(row, j) for the row's y_pred columns.
    template <class X, class Row>
    static void add_scaled(const X& x, const Row& row, typename Row::scalar_type c, typename Row::scalar_type* out) {
        using T = typename Row::scalar_type;
        using P = pack<T>;
        if constexpr (!is_zero<X>) {
            row_state<X, T> st{};
            prepare(x, st, row, no_sharing{});
            const std::size_t cols = row.dims.pred_cols;
            std::size_t j = 0;
            if constexpr (Row::lane_mode == lanes::columns) {
                const P cp(c);
                for (; j + P::width <= cols; j += P::width)
                    (P::load(out + j) + cp * row_value<P>(x, st, row, j)).store(out + j);
                const auto one = row.single();
                for (; j < cols; ++j) out[j] += c * simd::first_lane(row_value<P>(x, st, one, j));
            } else
                for (; j < cols; ++j) out[j] += c * simd::first_lane(row_value<P>(x, st, row, j));
        }
    }

    /// R over one sample's n pair values f; with Weights, f becomes ∂R/∂f_j in place (ties: how
    /// many share a maximum or minimum). logsumexp's exps in packs, computed once for both.
    template <class R, bool Weights> static double reduce_pairs(double* f, std::size_t n) {
        using PD = pack<double>;
        const auto at = [f](std::size_t j) { return f[j]; };
        if constexpr (std::is_same_v<R, ops::logsumexp_r>) {
            const double m = ops::max_r::reduce<double>(n, at);
            if (std::isfinite(m)) {
                std::size_t j = 0;
                PD zs(0.0);
                for (; j + PD::width <= n; j += PD::width) {
                    const PD e = simd::exp(PD::load(f + j) - PD(m));
                    zs += e;
                    if constexpr (Weights) e.store(f + j);
                }
                double z = simd::hsum(zs);
                for (; j < n; ++j) {
                    const double e = std::exp(f[j] - m);
                    z += e;
                    if constexpr (Weights) f[j] = e;
                }
                if constexpr (Weights)
                    for (std::size_t k = 0; k < n; ++k) f[k] /= z;
                return m + std::log(z);
            }
        }
        const double p = R::template reduce<double>(n, at);
        if constexpr (Weights) {
            const double ties = static_cast<double>(std::count(f, f + n, p));
            for (std::size_t j = 0; j < n; ++j)
                f[j] = lowering::pair::pair_weight<R>(f[j], p, ties, static_cast<double>(n));
        }
        return p;
    }

    template <bool Backward, class T> T run(matrix_view<const T> t, matrix_view<const T> p, const vector_view<T>* ps,
                                            matrix_view<T> g, const options& opt) const;
    template <bool Backward, lanes Mode, class T> double walk(const T* tb, index t_row, const T* pb, index p_row, T* gb,
                                                              index g_row, const input_dims& dims,
                                                              const vector_view<T>* ps, const options& opt) const;

    E loss_;
    derivation derived_;
};

template <class E> template <bool Backward, class T>
T pair_kernel<E>::run(matrix_view<const T> t, matrix_view<const T> p, const vector_view<T>* ps, matrix_view<T> g,
                      const options& opt) const {
    const index n = p.rows;
    const input_dims dims{static_cast<std::size_t>(n), static_cast<std::size_t>(t.cols),
                          static_cast<std::size_t>(p.cols)};
    const bool broadcast =
        lowering::check_whole_batch_call(loss_, derived_, t, p, ps, Backward ? &g : nullptr, opt, dims);
    if (n == 0) return T(0);
    // Rows whose columns are not contiguous are copied into row-major buffers (O(N·C) against the
    // walks' O(N²·C)): one walk instantiated, in packs along the columns.
    thread_local std::vector<T> copies;
    const auto contiguous = [](const auto& m) { return m.col_stride == 1 || m.cols <= 1; };
    const bool copy_t = !contiguous(t), copy_p = !contiguous(p), copy_g = Backward && !contiguous(g);
    const index need = (copy_t ? n * t.cols : 0) + (copy_p ? n * p.cols : 0) + (copy_g ? n * p.cols : 0);
    if (copies.size() < static_cast<std::size_t>(need)) copies.resize(static_cast<std::size_t>(need));
    T* at = copies.data();
    const auto copied = [&](matrix_view<const T> m) {
        T* to = at;
        for (index i = 0; i < m.rows; ++i)
            for (index j = 0; j < m.cols; ++j) to[i * m.cols + j] = m.data[i * m.row_stride + j * m.col_stride];
        at += m.rows * m.cols;
        return matrix_view<const T>{to, m.rows, m.cols, m.cols, 1};
    };
    if (copy_t) t = copied(t);
    if (copy_p) p = copied(p);
    T* gb = Backward ? (copy_g ? at : g.data) : nullptr;
    const index g_row = copy_g ? p.cols : g.row_stride;
    if (copy_g)
        std::fill(gb, gb + n * p.cols, T(0));
    else if constexpr (Backward)
        for (index i = 0; i < n; ++i) std::fill(gb + i * g_row, gb + i * g_row + p.cols, T(0));
    const double total =
        pack<T>::width > 1 && !broadcast
            ? walk<Backward, lanes::columns>(t.data, t.row_stride, p.data, p.row_stride, gb, g_row, dims, ps, opt)
            : walk<Backward, lanes::single>(t.data, t.row_stride, p.data, p.row_stride, gb, g_row, dims, ps, opt);
    if (copy_g)
        for (index i = 0; i < n; ++i)
            for (index j = 0; j < p.cols; ++j) g.data[i * g.row_stride + j * g.col_stride] = gb[i * p.cols + j];
    return static_cast<T>(opt.reduction == reduction::sum ? total : total * detail::reduction_scale(opt, n));
}

template <class E> template <bool Backward, lanes Mode, class T>
double pair_kernel<E>::walk(const T* tb, index t_row, const T* pb, index p_row, T* gb, index g_row,
                            const input_dims& dims, const vector_view<T>* ps, const options& opt) const {
    using lowering::pair::item;
    using lowering::pair::item_t;
    using lowering::pair::static_for;
    using Row = pair_row<T, Mode>;
    const auto n = static_cast<index>(dims.rows);
    const index t_step = dims.true_cols == 1 ? 0 : 1, p_step = dims.pred_cols == 1 ? 0 : 1;
    const auto pair_at = [&](index i, index j) {
        return Row{{tb + i * t_row, t_step, pb + i * p_row, p_step, dims}, tb + j * t_row, pb + j * p_row, i == j};
    };
    // f_k(i, ·) of the sample being walked, N values per reduction: reduced, then read again by
    // the gradient's loop over the same row's pairs (no pair value is computed twice).
    constexpr std::size_t K1 = K == 0 ? 1 : K;
    const auto un = static_cast<std::size_t>(n);
    thread_local std::vector<double> buffer;
    if (buffer.size() < K1 * un) buffer.resize(K1 * un);
    double* const f = buffer.data();
    std::array<double, K1> current{}, adjoint{};
    std::array<const double*, K1> current_at{};
    for (std::size_t k = 0; k < K1; ++k) current_at[k] = &current[k];
    const derivation x = derived_.bound(current_at.data());
    const sample_weights& sw = opt.sample_weight;
    const double scale = detail::reduction_scale(opt, n);

    double total = 0;
    for (index i = 0; i < n; ++i) {
        for (index j = 0; j < n; ++j) {
            // The first operand's row statistics are offered to the others (a batch-hard
            // triplet's two reductions read one distance).
            const Row pr = pair_at(i, j);
            using First = item_t<0, typename derivation::operands_type>;
            row_state<First, T> first{};
            prepare(item<0>(x.operands), first, pr, no_sharing{});
            f[static_cast<std::size_t>(j)] = static_cast<double>(value_in(item<0>(x.operands), first, pr));
            static_for<K>([&](auto k) {
                if constexpr (k > 0 && computed<k>)
                    f[k * un + static_cast<std::size_t>(j)] = static_cast<double>(value_of(
                        item<k>(x.operands), pr, shared_stats<First, row_state<First, T>>{item<0>(x.operands), first}));
            });
        }
        // f_k(i, ·) → P_k(i), and with a gradient → ∂R_k/∂f_k(i, ·).
        static_for<K>([&](auto k) {
            if constexpr (computed<k>)
                current[k] = reduce_pairs < reduction_t<k>, Backward && needs_adjoint < k >> (f + k * un, un);
        });
        const Row self = pair_at(i, i);
        const T l = value_of(x.value, self);
        if (ps) (*ps)[i] = l;
        const double w = sw.present() ? static_cast<double>(sw.template at<T>(i)) : 1.0;
        total += w * static_cast<double>(l);
        if constexpr (Backward) {
            // Sample i's gradient terms: its own (∂ℓ_i/∂x_i), then through each pair (i, j) into
            // rows i and j, weighted by c = s·w_i ∂ℓ_i/∂P_k · ∂R_k/∂f_k(i, j).
            const double coef = scale * w;
            add_scaled(x.direct, self, static_cast<T>(coef), gb + i * g_row);
            bool any = false;
            static_for<K>([&](auto k) {
                if constexpr (needs_adjoint<k>) {
                    adjoint[k] = coef * static_cast<double>(value_of(item<k>(x.from_loss), self));
                    any = any || adjoint[k] != 0;
                }
            });
            if (!any) continue;
            for (index j = 0; j < n; ++j)
                static_for<K>([&](auto k) {
                    if constexpr (needs_adjoint<k>) {
                        const double c = adjoint[k] * f[k * un + static_cast<std::size_t>(j)];
                        if (c == 0) return;
                        add_scaled(item<k>(x.this_grad), pair_at(i, j), static_cast<T>(c), gb + i * g_row);
                        add_scaled(item<k>(x.other_grad), pair_at(j, i), static_cast<T>(c), gb + j * g_row);
                    }
                });
        }
    }
    return total;
}

/// The front door of a cross-sample loss: its static checks, then a kernel over the whole
/// batch — pair_kernel where it holds pair reductions, else batch_kernel's passes.
template <class E> constexpr auto compile(const batch_loss_t<E>& loss) {
    diagnose_batch<batch_loss_t<E>>();
    if constexpr (!is_valid_batch_loss<batch_loss_t<E>>)
        return rejected_loss<batch_loss_t<E>>{};
    else if constexpr (has_pair_reductions<E>)
        return pair_kernel<E>{loss};
    else
        return batch_kernel<E>{loss};
}

}  // namespace LOSSC_ISA
}  // namespace lossc
