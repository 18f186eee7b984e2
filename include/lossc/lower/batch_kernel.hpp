// lossc — the kernel of a cross-sample loss (batch_loss): the loss's batch statistics are
// computed in passes over the batch before its per-sample values, and reverse mode runs the
// passes backwards. With statistics nested d deep (Dice: 1; Pearson's Σ (x − mean x)²: 2):
//   forward            d passes for the statistics (one per depth), then the loss pass;
//   forward_backward   the same, the loss pass also summing the adjoints of the outermost
//                      statistics, d − 1 passes for the adjoints of the inner ones, then the
//                      gradient pass: 2d + 1 passes, one write of grad.
// A pass reads only the inputs its expressions read; a loss pass that reads none (one value for
// the batch) is computed once instead.
// The adjoint of statistic k is Ŝ_k = Σ_i s·w_i ∂L_i/∂S_k + Σ_{k'} Ŝ_k' ∂A_k'(i)/∂S_k (A_k' the
// operands holding S_k), and dR/dy_pred[i] = s·w_i ∂L_i/∂y_pred[i] + Σ_k Ŝ_k·c_k ∂A_k(i)/∂y_pred[i]
// (c_k = 1, or 1/N for a mean): every term is an expression derived at compile time from the
// lowered loss (lower/batch_lowering.hpp) and run by the row evaluator, blocks of rows in SIMD.
// Statistics are summed per block in the working type, then in double.
#pragma once
#include <algorithm>
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
#include "block.hpp"
#include "checks.hpp"
#include "kernel.hpp"
#include "row_eval.hpp"

namespace lossc {

inline namespace LOSSC_ISA {

namespace lowering {
/// The checks of a call over the whole batch, before anything is written (shapes, options,
/// every expression's widths, overlapping memory). Returns whether some operand is broadcast.
template <class E, class Derivation, class T>
bool check_whole_batch_call(const E& loss, const Derivation& derived, matrix_view<const T> t, matrix_view<const T> p,
                            const vector_view<T>* ps, const matrix_view<T>* g, const options& opt,
                            const input_dims& dims) {
    namespace d = lossc::detail;
    T unused{};  // without per_sample (lossc::discard) a placeholder view stands in for the checks
    d::check_shapes(t, p, ps ? *ps : vector_view<T>{&unused, p.rows, 1}, g, opt);
    if (opt.global_batch_size != 0 || opt.global_weight_sum)
        throw parameter_error(
            "a batch_loss's statistics are those of the rows of this call: options::global_batch_size and "
            "global_weight_sum (a batch split across calls) do not apply; call it on the whole batch");
    bool broadcast = validate(derived.value, dims);
    batch::static_for<Derivation::K>(
        [&](auto k) { broadcast = validate(batch::item<k>(derived.operands), dims) || broadcast; });
    const d::output_ranges out = d::check_memory(t, p, ps ? *ps : vector_view<T>{&unused, 0, 1}, g, opt);
    d::require_outside_weights(loss, out.per_sample, "per_sample");
    if (g) d::require_outside_weights(loss, out.grad, "grad");
    return broadcast;
}
}  // namespace lowering

/// The calls of a kernel over the whole batch (batch_kernel, pair_kernel): forward and
/// forward_backward make the views and call Kernel::run<Backward, T>(y_true, y_pred, per_sample
/// (null: discarded), grad, options).
template <class Kernel> struct whole_batch_calls {
    template <class YT, class YP, class PS>
    scalar_of<YP> forward(const YT& y_true, const YP& y_pred, PS&& per_sample, const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(std::is_same_v<scalar_of<YT>, T> && per_sample_fits<PS, T>(),
                      "lossc: y_true, y_pred and per_sample must have one scalar type (float or double)");
        if constexpr (discarded<PS>)
            return self().template run<false, T>(as_matrix(y_true), as_matrix(y_pred), nullptr, {}, opt);
        else {
            const vector_view<T> ps = as_out_vector(per_sample);
            return self().template run<false, T>(as_matrix(y_true), as_matrix(y_pred), &ps, {}, opt);
        }
    }
    template <class YT, class YP, class PS, class GR> scalar_of<YP> forward_backward(const YT& y_true, const YP& y_pred,
                                                                                     PS&& per_sample, GR&& grad,
                                                                                     const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(std::is_same_v<scalar_of<YT>, T> && per_sample_fits<PS, T>() && std::is_same_v<scalar_of<GR>, T>,
                      "lossc: y_true, y_pred, per_sample and grad must have one scalar type (float or double)");
        if constexpr (discarded<PS>)
            return self().template run<true, T>(as_matrix(y_true), as_matrix(y_pred), nullptr, as_out_matrix(grad),
                                                opt);
        else {
            const vector_view<T> ps = as_out_vector(per_sample);
            return self().template run<true, T>(as_matrix(y_true), as_matrix(y_pred), &ps, as_out_matrix(grad), opt);
        }
    }

private:
    const Kernel& self() const { return static_cast<const Kernel&>(*this); }
};

template <class E> class batch_kernel : public whole_batch_calls<batch_kernel<E>> {
    friend whole_batch_calls<batch_kernel<E>>;
    using derivation = lowering::batch::derivation<E>;
    static constexpr std::size_t K = derivation::K, top = derivation::top;
    template <std::size_t k> static constexpr std::size_t level = derivation::template level<k>;
    template <std::size_t k> static constexpr bool needs_adjoint = derivation::template needs_adjoint<k>;
    template <std::size_t k> static constexpr bool is_mean = derivation::template is_mean<k>;
    template <std::size_t k> static constexpr bool computed = derivation::template computed<k>;
    template <std::size_t k> using operand_t = typename derivation::template operand_t<k>;

public:
    using expression_type = batch_loss_t<E>;

    constexpr explicit batch_kernel(const batch_loss_t<E>& l) : loss_(l.loss), derived_(l.loss) {}

    constexpr const expression_type expression() const { return {loss_}; }
    /// How many passes over the batch a call makes: at most d + 1 (forward) and 2d + 1
    /// (forward_backward) for statistics nested d deep, fewer where the per-sample pass reads no
    /// row (one value for the batch).
    static constexpr int passes(bool backward) {
        int n = 0;
        lowering::batch::static_for<top + 1>(
            [&](auto lev) { n += operands_read<input::y_true, lev> || operands_read<input::y_pred, lev> ? 1 : 0; });
        n += loss_pass_reads<input::y_true>(backward) || loss_pass_reads<input::y_pred>(backward) ? 1 : 0;
        return backward ? n + static_cast<int>(top) + 1 : n;
    }

private:
    using value_type = typename derivation::value_type;
    using direct_type = typename derivation::direct_type;
    using operands_type = typename derivation::operands_type;
    using indirect_type = typename derivation::indirect_type;

    /// One pass over the batch. Row-major rows of at least a pack of contiguous columns, nothing
    /// broadcast: row by row, packs along the columns (as the per-sample kernels' along_columns
    /// schedule). Otherwise blocks of pack-width rows, a pack holding a column of each: a
    /// column-major batch read in place; row-major rows of up to max_staged_columns staged per
    /// block (tile transposes where the layer takes them, else a gather per column), once for every
    /// expression the pass evaluates; wider strided rows gathered where read. The last rows of a
    /// block walk one at a time (broadcast packs, the same instructions).
    template <class T> struct walk {
        matrix_view<const T> t, p;
        input_dims dims;
        bool along_columns;
        // Staged blocks made once for every pass (a batch that fits the caches): block b of y_true
        // at t_staged + b·(pack width)·cols, as stage_in lays out one; null: staged per pass.
        const T* t_staged = nullptr;
        const T* p_staged = nullptr;
        index t_step() const { return t.cols == 1 ? 0 : t.col_stride; }
        index p_step() const { return p.cols == 1 ? 0 : p.col_stride; }
        bool staged() const {
            const bool contiguous = (t.row_stride == 1 || t.rows <= 1) && (p.row_stride == 1 || p.rows <= 1);
            return !contiguous && t.cols <= tuning::max_staged_columns && p.cols <= tuning::max_staged_columns;
        }
        /// f(row, i, lanes, staged) for rows i … i + lanes − 1 (staged: the block was copied, the
        /// inputs the pass reads: ReadsTrue, ReadsPred);
        /// chunk_end() after every sum_block rows walked along columns or sum_block blocks, and at
        /// the end: where partial sums in the working type go into the statistics (in double).
        template <bool ReadsTrue = true, bool ReadsPred = true, class F, class ChunkEnd>
        void each(F&& f, ChunkEnd&& chunk_end) const {
            using P = pack<T>;
            const index n = p.rows;
            index i = 0;
            if constexpr (P::width > 1) {
                if (along_columns) {
                    for (; i < n; ++i) {
                        f(strided_row<T, lanes::columns>{t.data + i * t.row_stride, t_step(), p.data + i * p.row_stride,
                                                         p_step(), dims},
                          i, 1, false);
                        if ((i + 1) % static_cast<index>(ops::sum_block) == 0) chunk_end();
                    }
                    return chunk_end();
                }
                constexpr index chunk = static_cast<index>(ops::sum_block) * P::width;
                if (staged()) {
                    alignas(64) T t_buf[lowering::stage_size<T>()], p_buf[lowering::stage_size<T>()];
                    for (; i + P::width <= n; i += P::width) {
                        const T* tb = t_staged ? t_staged + i * t.cols : t_buf;
                        const T* pb = p_staged ? p_staged + i * p.cols : p_buf;
                        if constexpr (ReadsTrue)
                            if (!t_staged) lowering::stage_in(t.data + i * t.row_stride, t, t_buf);
                        if constexpr (ReadsPred)
                            if (!p_staged) lowering::stage_in(p.data + i * p.row_stride, p, p_buf);
                        f(row_block<T, void, P>{tb, 1, t.cols == 1 ? 0 : P::width, pb, 1, p.cols == 1 ? 0 : P::width,
                                                dims},
                          i, P::width, true);
                        if ((i + P::width) % chunk == 0) chunk_end();
                    }
                } else {
                    for (; i + P::width <= n; i += P::width) {
                        f(row_block<T, void, P>{t.data + i * t.row_stride, t.row_stride, t_step(),
                                                p.data + i * p.row_stride, p.row_stride, p_step(), dims},
                          i, P::width, false);
                        if ((i + P::width) % chunk == 0) chunk_end();
                    }
                }
            }
            for (; i < n; ++i)
                f(strided_row<T, lanes::single>{t.data + i * t.row_stride, t_step(), p.data + i * p.row_stride,
                                                p_step(), dims},
                  i, 1, false);
            chunk_end();
        }
    };
    /// Does any of the expressions X read input W (a pass stages only the inputs it reads)?
    template <input W, class... X> static consteval bool reads() {
        lowering::finds_node<placeholder<W>> f;
        (lowering::visit_node_types<X>(f), ...);
        return f.found;
    }
    template <input W, class Tuple, std::size_t... k>
    static constexpr bool reads_at_level(std::size_t lev, std::index_sequence<k...>) {
        return ((level<k> == lev && computed<k> && reads<W, lowering::batch::item_t<k, Tuple>>()) || ...);
    }
    template <input W, std::size_t lev> static constexpr bool operands_read =
        reads_at_level<W, typename derivation::operands_type>(lev, std::make_index_sequence<K>{});
    template <input W, std::size_t lev> static constexpr bool adjoints_read = [] {
        bool r = false;
        lowering::batch::static_for<K>([&](auto k) {
            if constexpr (level<k> == lev && needs_adjoint<k>) {
                using A = lowering::batch::item_t<k, typename derivation::adjoints_type>;
                r = r || reads<W, typename A::first_type, typename A::second_type>();
            }
        });
        return r;
    }();
    /// Does the per-sample pass read input W (the loss, and with a gradient the outermost adjoints)?
    template <input W> static constexpr bool loss_pass_reads(bool backward) {
        return reads<W, typename derivation::value_type>() || (backward && adjoints_read<W, top>);
    }
    /// Does any pass of a call read input W?
    template <input W> static constexpr bool any_pass_reads(bool backward) {
        bool r = loss_pass_reads<W>(backward);
        lowering::batch::static_for<top + 1>(
            [&](auto lev) { r = r || operands_read<W, lev> || (backward && adjoints_read<W, lev>); });
        return r || (backward && reads<W, typename derivation::direct_type, typename derivation::indirect_type>());
    }
    /// A row's statistics: a pack across a block's rows, one number for a lone row.
    template <class X, class P, class Row> using state_of =
        row_state<X, std::conditional_t<Row::lane_mode == lanes::rows, P, typename P::scalar_type>>;
    /// The value of a per-sample expression for the rows of a group: one per lane of a block,
    /// else the row's in every lane.
    template <class X, class P, class Row> static P per_sample_value(const X& x, const Row& row) {
        state_of<X, P, Row> st{};
        prepare(x, st, row, no_sharing{});
        if constexpr (Row::lane_mode == lanes::columns)
            return row_value<P>(x, st, row.single(), 0);
        else
            return row_value<P>(x, st, row, 0);
    }
    /// Adds Σ_rows x(row, j)·scale to statistic k's columns j: partial sums in the working type,
    /// column j's at part[j] along columns, a pack at part[j·W] for blocks (one lane per row of the
    /// block, added up at the chunk's end); a lone row's straight to acc (double).
    template <class X, class P, class Row> static void accumulate(const X& x, const Row& row, double* acc,
                                                                  typename P::scalar_type* part, std::size_t cols,
                                                                  const P* row_scale) {
        state_of<X, P, Row> st{};
        prepare(x, st, row, no_sharing{});
        const auto scaled = [&](P v) { return row_scale ? v * *row_scale : v; };
        if constexpr (Row::lane_mode == lanes::columns) {
            std::size_t j = 0;
            if constexpr (X::cols)
                for (; j + P::width <= cols; j += P::width)
                    (P::load(part + j) + scaled(row_value<P>(x, st, row, j))).store(part + j);
            for (; j < cols; ++j) part[j] += simd::first_lane(scaled(row_value<P>(x, st, row.single(), j)));
        } else if constexpr (Row::lane_mode == lanes::rows) {
            for (std::size_t j = 0; j < cols; ++j) {
                typename P::scalar_type* at = part + j * P::width;
                (P::load(at) + scaled(row_value<P>(x, st, row, j))).store(at);
            }
        } else {
            for (std::size_t j = 0; j < cols; ++j)
                acc[j] += static_cast<double>(simd::first_lane(scaled(row_value<P>(x, st, row, j))));
        }
    }

    template <bool Backward, class T> T run(matrix_view<const T> t, matrix_view<const T> p, const vector_view<T>* ps,
                                            matrix_view<T> g, const options& opt) const;

    E loss_;
    derivation derived_;
};

template <class E> template <bool Backward, class T>
T batch_kernel<E>::run(matrix_view<const T> t, matrix_view<const T> p, const vector_view<T>* ps, matrix_view<T> g,
                       const options& opt) const {
    using P = pack<T>;
    using lowering::batch::static_for;
    const index n = p.rows;
    // Checks, before anything is written. Without per_sample (lossc::discard) nothing is stored
    // per sample: a placeholder view stands in for the shape checks.
    const input_dims dims{static_cast<std::size_t>(n), static_cast<std::size_t>(t.cols),
                          static_cast<std::size_t>(p.cols)};
    const bool broadcast =
        lowering::check_whole_batch_call(loss_, derived_, t, p, ps, Backward ? &g : nullptr, opt, dims);
    if (n == 0) return T(0);

    // The statistics' buffers: values, then adjoints (double), then the partial sums of a walk
    // along columns (T); one number or one per column each.
    std::array<std::size_t, K + 1> offset{};
    static_for<K>([&](auto k) {
        offset[k + 1] = offset[k] + (!computed<k>         ? 0
                                     : operand_t<k>::cols ? width(lowering::batch::item<k>(derived_.operands), dims)
                                                          : 1);
    });
    const std::size_t total_cols = offset[K];
    constexpr std::size_t on_stack = 256;
    double local[2 * on_stack];
    alignas(64) T local_part[on_stack * P::width];
    thread_local std::vector<double> wide;  // grown once per thread for statistics of many columns
    thread_local std::vector<T> wide_part;
    double* store = local;
    T* part = local_part;
    if (total_cols > on_stack) {
        if (wide.size() < 2 * total_cols) wide.resize(2 * total_cols), wide_part.resize(total_cols * P::width);
        store = wide.data(), part = wide_part.data();
    }
    std::fill(store, store + 2 * total_cols, 0.0);
    std::fill(part, part + total_cols * P::width, T(0));
    std::array<const double*, K> values{}, adjoints{};
    for (std::size_t k = 0; k < K; ++k) values[k] = store + offset[k], adjoints[k] = store + total_cols + offset[k];
    const derivation x = derived_.bound(values.data(), adjoints.data());
    const auto width_of = [&](std::size_t k) { return offset[k + 1] - offset[k]; };
    // Along columns: rows wider than the per-sample kernels stage, and with 512-bit packs, rows of
    // a pack or more beyond the caches (there the transposes cost more than they save; with AVX2's
    // packs, and in the caches, staged blocks were faster: docs/perf-log.md).
    const bool wide_rows =
        p.cols > tuning::widest_across_rows<T>() || (P::width * static_cast<index>(sizeof(T)) >= 64 &&
                                                     p.cols >= P::width && n * p.cols >= tuning::prefetch_min_elements);
    const bool along_columns = P::width > 1 && !broadcast && p.col_stride == 1 && (t.col_stride == 1 || t.cols <= 1) &&
                               wide_rows && (t.cols == p.cols || t.cols == 1) && t.row_stride != 1 && p.row_stride != 1;
    walk<T> rows{t, p, dims, along_columns};
    // A batch that fits the caches and is read by more than one pass is staged once: every pass
    // then reads the blocks instead of transposing them again (into a buffer per thread, grown once).
    constexpr bool any_reads_true = any_pass_reads<input::y_true>(Backward),
                   any_reads_pred = any_pass_reads<input::y_pred>(Backward);
    thread_local std::vector<T> staged_copy;
    constexpr bool several_passes = passes(Backward) > 1;  // a constant: no run-time walk over the levels
    if (P::width > 1 && several_passes && !along_columns && rows.staged() &&
        (t.cols + p.cols) * n * static_cast<index>(sizeof(T)) <= tuning::batch_staged_once_bytes) {
        // stage_in writes whole tiles: a block's may run into the next one's place (written after
        // it), and the last one's past its region: each region has a block's room after it.
        const index blocks = n / P::width * P::width, room = static_cast<index>(lowering::stage_size<T>());
        const index t_size = any_reads_true ? blocks * t.cols + room : 0,
                    p_size = any_reads_pred ? blocks * p.cols + room : 0;
        if (staged_copy.size() < static_cast<std::size_t>(t_size + p_size))
            staged_copy.resize(static_cast<std::size_t>(t_size + p_size));
        T* at = staged_copy.data();
        if (any_reads_true) {
            for (index i = 0; i < blocks; i += P::width)
                lowering::stage_in(t.data + i * t.row_stride, t, at + i * t.cols);
            rows.t_staged = at, at += t_size;
        }
        if (any_reads_pred) {
            for (index i = 0; i < blocks; i += P::width)
                lowering::stage_in(p.data + i * p.row_stride, p, at + i * p.cols);
            rows.p_staged = at;
        }
    }
    // Partial sums into their statistics' values (region 0) or adjoints (1).
    const std::size_t part_step = along_columns ? 1 : static_cast<std::size_t>(P::width);
    const auto flush = [&](int region) {
        double* to = store + (region == 0 ? 0 : total_cols);
        for (std::size_t j = 0; j < total_cols; ++j) {
            if (along_columns)
                to[j] += static_cast<double>(part[j]), part[j] = T(0);
            else
                to[j] += static_cast<double>(simd::hsum(P::load(part + j * P::width))),
                    P(T(0)).store(part + j * P::width);
        }
    };

    // Statistics, innermost first: one pass per depth.
    static_for<top + 1>([&](auto lev) {
        rows.template each<operands_read<input::y_true, lev>, operands_read<input::y_pred, lev>>(
            [&](const auto& row, index, int, bool) {
                static_for<K>([&](auto k) {
                    if constexpr (level<k> == lev && computed<k>)
                        accumulate<lowering::batch::item_t<k, typename derivation::operands_type>, P>(
                            lowering::batch::item<k>(x.operands), row, store + offset[k], part + offset[k] * part_step,
                            width_of(k), nullptr);
                });
            },
            [&] { flush(0); });
        static_for<K>([&](auto k) {
            if constexpr (level<k> == lev && is_mean<k>)
                for (std::size_t j = offset[k]; j < offset[k + 1]; ++j) store[j] /= static_cast<double>(n);
        });
    });

    // The loss pass: per-sample values, Σ w_i L_i, and the outermost statistics' adjoints.
    const sample_weights& sw = opt.sample_weight;
    const double scale = detail::reduction_scale(opt, n);
    // s·w_i for the rows of a group (one row: in every lane).
    const auto row_scales = [&](index i, int lanes) {
        if (!sw.present()) return P(static_cast<T>(scale));
        alignas(64) T s[P::width];
        for (int l = 0; l < P::width; ++l)
            s[l] = static_cast<T>(scale * static_cast<double>(sw.template at<T>(i + (l < lanes ? l : 0))));
        return P::load(s);
    };
    double total = 0;
    // Adjoints of the statistics of depth lev: from the loss (scaled by s·w_i) and from the
    // operands of outer statistics, whose adjoints are complete by then.
    const auto adjoint_step = [&](auto lev, const auto& row, index i, int lanes) {
        static_for<K>([&](auto k) {
            if constexpr (level<k> == lev && needs_adjoint<k>) {
                const auto& from_loss = lowering::batch::item<k>(x.adjoints).first;
                const auto& from_operands = lowering::batch::item<k>(x.adjoints).second;
                using FL = std::remove_cvref_t<decltype(from_loss)>;
                using FO = std::remove_cvref_t<decltype(from_operands)>;
                double* acc = store + total_cols + offset[k];
                if constexpr (!is_zero<FL>) {
                    const P s = row_scales(i, lanes);
                    accumulate<FL, P>(from_loss, row, acc, part + offset[k] * part_step, width_of(k), &s);
                }
                if constexpr (!is_zero<FO>)
                    accumulate<FO, P>(from_operands, row, acc, part + offset[k] * part_step, width_of(k), nullptr);
            }
        });
    };
    // After a depth's adjoint pass: a mean's adjoint reaches each row divided by N.
    const auto finish_adjoints = [&](auto lev) {
        static_for<K>([&](auto k) {
            if constexpr (level<k> == lev && is_mean<k>)
                for (std::size_t j = total_cols + offset[k]; j < total_cols + offset[k + 1]; ++j)
                    store[j] /= static_cast<double>(n);
        });
    };
    using value_type = typename derivation::value_type;
    constexpr bool loss_pass_reads_true = loss_pass_reads<input::y_true>(Backward);
    constexpr bool loss_pass_reads_pred = loss_pass_reads<input::y_pred>(Backward);
    if constexpr (!value_type::batch && !loss_pass_reads_true && !loss_pass_reads_pred) {
        // One value for the whole batch (whole-batch Dice): the loss pass reads no row. The value
        // and the outermost adjoints' terms are computed once and weighted by Σ w_i.
        const strided_row<T, lanes::single> any{t.data, rows.t_step(), p.data, rows.p_step(), dims};
        const T l = simd::first_lane(per_sample_value<value_type, P>(x.value, any));
        const double weights = detail::weight_sum_of(opt, n);  // Σ w_i, or N (no global options here)
        if (ps)
            for (index i = 0; i < n; ++i) (*ps)[i] = l;
        total = static_cast<double>(l) * weights;
        if constexpr (Backward)
            static_for<K>([&](auto k) {
                if constexpr (level<k> == top && needs_adjoint<k>) {
                    using FL = typename lowering::batch::item_t<k, typename derivation::adjoints_type>::first_type;
                    if constexpr (!is_zero<FL>) {
                        const FL& from_loss = lowering::batch::item<k>(x.adjoints).first;
                        state_of<FL, P, strided_row<T, lanes::single>> st{};
                        prepare(from_loss, st, any, no_sharing{});
                        for (std::size_t j = 0; j < width_of(k); ++j)
                            store[total_cols + offset[k] + j] +=
                                scale * weights *
                                static_cast<double>(simd::first_lane(row_value<P>(from_loss, st, any, j)));
                    }
                }
            });
    } else
        rows.template each<loss_pass_reads_true, loss_pass_reads_pred>(
            [&](const auto& row, index i, int lanes, bool) {
                const P l = per_sample_value<value_type, P>(x.value, row);
                if (ps) {
                    if (lanes == 1)
                        (*ps)[i] = simd::first_lane(l);
                    else
                        l.store_strided(ps->data + i * ps->stride, ps->stride);
                }
                if (sw.present()) {
                    alignas(64) T lv[P::width];
                    l.store(lv);
                    for (int r = 0; r < lanes; ++r)
                        total += static_cast<double>(sw.template at<T>(i + r)) * static_cast<double>(lv[r]);
                } else
                    total += lanes == 1 ? static_cast<double>(simd::first_lane(l)) : static_cast<double>(simd::hsum(l));
                if constexpr (Backward) adjoint_step(std::integral_constant<std::size_t, top>{}, row, i, lanes);
            },
            [&] { flush(1); });
    if constexpr (Backward) {
        finish_adjoints(std::integral_constant<std::size_t, top>{});
        // Inner statistics' adjoints, outermost first.
        static_for<top>([&](auto d) {
            constexpr std::size_t lev = top - 1 - d;
            rows.template each<adjoints_read<input::y_true, lev>, adjoints_read<input::y_pred, lev>>(
                [&](const auto& row, index i, int lanes, bool) {
                    adjoint_step(std::integral_constant<std::size_t, lev>{}, row, i, lanes);
                },
                [&] { flush(1); });
            finish_adjoints(std::integral_constant<std::size_t, lev>{});
        });
        // The gradient pass: a staged block's gradient is staged too, and written by the inverse
        // transposes (or one scatter per column).
        alignas(64) T g_buf[lowering::stage_size<T>()];
        using direct_type = typename derivation::direct_type;
        using indirect_type = typename derivation::indirect_type;
        rows.template each<reads<input::y_true, direct_type, indirect_type>(),
                           reads<input::y_pred, direct_type, indirect_type>()>(
            [&](const auto& row, index i, int lanes, bool staged) {
                using Row = std::remove_cvref_t<decltype(row)>;
                state_of<typename derivation::direct_type, P, Row> ds{};
                state_of<typename derivation::indirect_type, P, Row> is{};
                prepare(x.direct, ds, row, no_sharing{});
                prepare(x.indirect, is, row, no_sharing{});
                const P s = row_scales(i, lanes);
                T* o = g.data + i * g.row_stride;
                index j = 0;
                if constexpr (Row::lane_mode == lanes::columns)
                    for (; j + P::width <= p.cols; j += P::width) {
                        const auto jj = static_cast<std::size_t>(j);
                        (row_value<P>(x.direct, ds, row, jj) * s + row_value<P>(x.indirect, is, row, jj))
                            .store_strided(o + j * g.col_stride, g.col_stride);
                    }
                for (; j < p.cols; ++j) {
                    const auto jj = static_cast<std::size_t>(j);
                    if constexpr (Row::lane_mode == lanes::columns) {
                        const auto one = row.single();
                        o[j * g.col_stride] = simd::first_lane(row_value<P>(x.direct, ds, one, jj) * s +
                                                               row_value<P>(x.indirect, is, one, jj));
                    } else {
                        const P gj = row_value<P>(x.direct, ds, row, jj) * s + row_value<P>(x.indirect, is, row, jj);
                        if (lanes == 1)
                            o[j * g.col_stride] = simd::first_lane(gj);
                        else if (staged)
                            gj.store(g_buf + j * P::width);
                        else
                            gj.store_strided(o + j * g.col_stride, g.row_stride);
                    }
                }
                if (staged) lowering::stage_out(o, g, g_buf, false);
            },
            [] {});
    }
    return static_cast<T>(opt.reduction == reduction::sum ? total : total * scale);
}

}  // namespace LOSSC_ISA
}  // namespace lossc
