// lossc — the kernel of a loss over pairs of samples (batch_loss holding pair_sum,
// pair_logsumexp …; the expressions are lower/pair_lowering.hpp's).
//   forward            for R samples i at a time, one walk over their pairs in blocks of R × W
//                      (pair_block): every pair reduction's f_k(i, j), kept (N values per
//                      reduction and sample), reduced, then each ℓ_i;
//   forward_backward   the same walk; then s·w_i ∂ℓ_i/∂x_i into grad's rows, and a second walk
//                      over the same pairs adding each pair's terms to the rows of both its
//                      samples, weighted by ∂R/∂f from the kept values (none computed twice).
// A block broadcasts the R samples' values and reads the W others' from a transposed, tiled copy
// of the batch (made once per call, O(N·C)): one load serves R pairs, a reduction over the
// columns is R independent chains, no pair needs a horizontal sum. The gradient's R-sample side
// is summed in registers column by column (or block by block where it holds row statistics), its
// W-sample side goes to a transposed buffer added to grad at the end; a max's or min's weights,
// one pair per sample, are gathered pair by pair (pair_list). O(N²·C) arithmetic, in the caches
// for batches of up to a few thousand rows (bench/bench_batch.cpp compares with a GEMM). One thread.
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

/// The pairs of R = P::members samples i0 … i0 + R − 1 with W = P::member::width samples j0 … j0 +
/// W − 1, lanes::rows: member m of a group holds the pairs (i0 + m, j0 … j0 + W − 1). The R
/// samples' values are broadcast, one per member; the block's samples are read from transposed
/// copies of the batch (column c of samples j0 … at block + c·column), one load shared by the R
/// members — so that a pair's reduction over the columns costs one load per R·W pairs and no
/// horizontal sum. BlockIsThis: y_true and y_pred are the block's samples and other(...) the R
/// samples — the pairs (j, i), where the derivative by a pair's second sample is evaluated
/// (swap_samples).
template <class T, class P, bool BlockIsThis> struct pair_block {
    using scalar_type = T;
    using member = typename P::member;
    static constexpr lanes lane_mode = lanes::rows;
    static constexpr int R = P::members, W = member::width;
    std::array<const T*, R> t_i;  // the R samples' y_true rows: column c at t_i[m][c·t_step]
    std::array<const T*, R> p_i;
    index t_step, p_step;
    const T* t_block;  // the block's y_true: column c at t_block + c·t_column
    index t_column;
    const T* p_block;
    index p_column;
    input_dims dims;
    index i0, j0;
    template <class V> V load_true(std::size_t c) const {
        return BlockIsThis ? block<V>(t_block, t_column, c) : samples<V>(t_i, t_step, c);
    }
    template <class V> V load_pred(std::size_t c) const {
        return BlockIsThis ? block<V>(p_block, p_column, c) : samples<V>(p_i, p_step, c);
    }
    template <class V> V load_other_true(std::size_t c) const {
        return BlockIsThis ? samples<V>(t_i, t_step, c) : block<V>(t_block, t_column, c);
    }
    template <class V> V load_other_pred(std::size_t c) const {
        return BlockIsThis ? samples<V>(p_i, p_step, c) : block<V>(p_block, p_column, c);
    }
    template <class V, class U> V column_constants(const U* w, std::size_t j) const { return V(static_cast<T>(w[j])); }
    /// 1 in the lanes of the pairs (i, i).
    template <class V> V same_value() const {
        alignas(64) T lanes_[P::width] = {};
        for (int m = 0; m < R; ++m)
            if (const index l = i0 + m - j0; l >= 0 && l < W) lanes_[static_cast<index>(m) * W + l] = T(1);
        return V::load(lanes_);
    }

private:
    template <class V> static V samples(const std::array<const T*, R>& rows, index step, std::size_t c) {
        static_assert(std::is_same_v<V, P>, "lossc: a pair block is evaluated in its own groups");
        V r;
        for (int m = 0; m < R; ++m) r.p[m] = member(rows[static_cast<std::size_t>(m)][static_cast<index>(c) * step]);
        return r;
    }
    template <class V> static V block(const T* at, index column, std::size_t c) {
        const member v = member::load(at + static_cast<index>(c) * column);
        V r;
        for (int m = 0; m < R; ++m) r.p[m] = v;
        return r;
    }
};

/// Up to V::width pairs (i_l, j_l) anywhere in the batch, lanes::rows, a pack holding one value
/// of each: the gradient's pairs where a max or min gives few of the N² a weight. Each column is
/// gathered from the rows of the samples.
template <class T, class V> struct pair_list {
    using scalar_type = T;
    static constexpr lanes lane_mode = lanes::rows;
    static constexpr int W = V::width;
    std::array<const T*, W> t_this, p_this, t_other, p_other;  // the rows of i_l and j_l
    std::array<bool, W> same;
    index t_step, p_step;
    input_dims dims;
    template <class U> U load_true(std::size_t c) const { return gather<U>(t_this, t_step, c); }
    template <class U> U load_pred(std::size_t c) const { return gather<U>(p_this, p_step, c); }
    template <class U> U load_other_true(std::size_t c) const { return gather<U>(t_other, t_step, c); }
    template <class U> U load_other_pred(std::size_t c) const { return gather<U>(p_other, p_step, c); }
    template <class U, class X> U column_constants(const X* w, std::size_t j) const { return U(static_cast<T>(w[j])); }
    template <class U> U same_value() const {
        alignas(64) T lanes_[W];
        for (int l = 0; l < W; ++l) lanes_[l] = same[static_cast<std::size_t>(l)] ? T(1) : T(0);
        return U::load(lanes_);
    }

private:
    template <class U> static U gather(const std::array<const T*, W>& rows, index step, std::size_t c) {
        alignas(64) T lanes_[W];
        for (int l = 0; l < W; ++l) lanes_[l] = rows[static_cast<std::size_t>(l)][static_cast<index>(c) * step];
        return U::load(lanes_);
    }
};

template <class E> class pair_kernel : public whole_batch_calls<pair_kernel<E>> {
    friend whole_batch_calls<pair_kernel<E>>;
    using derivation = lowering::pair::derivation<E>;
    static constexpr std::size_t K = derivation::K;
    template <std::size_t k> static constexpr bool computed = derivation::template computed<k>;
    template <std::size_t k> static constexpr bool needs_adjoint = derivation::template needs_adjoint<k>;
    template <std::size_t k> using reduction_t = typename derivation::template reduction_t<k>;
    /// Does reduction k weigh few of a sample's pairs (a max's or min's ties)?
    template <std::size_t k> static constexpr bool sparse_weights =
        std::is_same_v<reduction_t<k>, ops::max_r> || std::is_same_v<reduction_t<k>, ops::min_r>;
    /// Does reduction k's gradient sum the samples i's side column by column (weights not sparse,
    /// no row statistics in the derivative), reading the column-major copies?
    template <std::size_t k> static constexpr bool column_walk =
        !sparse_weights<k> && !is_zero<lowering::pair::item_t<k, typename derivation::this_grad_type>> &&
        !lowering::prepares<lowering::pair::item_t<k, typename derivation::this_grad_type>>;
    /// Does some reduction's?
    static constexpr bool any_column_walk = [] {
        bool any = false;
        lowering::pair::static_for<K>([&](auto k) { any = any || column_walk<k>; });
        return any;
    }();

public:
    using expression_type = batch_loss_t<E>;

    constexpr explicit pair_kernel(const batch_loss_t<E>& l) : loss_(l.loss), derived_(l.loss) {}

    constexpr const expression_type expression() const { return {loss_}; }
    /// How many times a call visits each of the N² pairs (a sample's pairs twice in a row with a
    /// gradient: their values, then their gradient terms).
    static constexpr int passes(bool backward) { return backward ? 2 : 1; }

private:
    /// Where the blocks read: the views (the R samples' rows) and transposed copies: the W samples
    /// from j0 on, column c, at rows + j0·sample + c·column — tiled (sample = columns, column = W:
    /// a block's columns in one run, not a page apart) for walks over a block's columns, or
    /// column-major (sample = 1, column = the padded batch) for walks over the blocks of a column.
    template <bool BlockIsThis, class P, class T> struct batch_copies {
        matrix_view<const T> t, p;
        const T* t_rows;
        const T* p_rows;
        index t_sample, t_column, p_sample, p_column;
        input_dims dims;
        /// The block of samples i0 … (past the batch: its last sample again) and j0 ….
        pair_block<T, P, BlockIsThis> at(index i0, index j0) const {
            pair_block<T, P, BlockIsThis> b{{},
                                            {},
                                            t.cols == 1 ? 0 : t.col_stride,
                                            p.cols == 1 ? 0 : p.col_stride,
                                            t_rows + j0 * t_sample,
                                            t.cols == 1 ? 0 : t_column,
                                            p_rows + j0 * p_sample,
                                            p.cols == 1 ? 0 : p_column,
                                            dims,
                                            i0,
                                            j0};
            for (int m = 0; m < P::members; ++m) {
                const index i = std::min<index>(i0 + m, p.rows - 1);
                b.t_i[static_cast<std::size_t>(m)] = t.data + i * t.row_stride;
                b.p_i[static_cast<std::size_t>(m)] = p.data + i * p.row_stride;
            }
            return b;
        }
    };
    /// A pair's gradient term with weight w: w·∂f(i, j)/∂x_i into row i and w·∂f(j, i)/∂x_j…
    template <class T> struct weighted_pair {
        index i, j;
        T w;
    };
    /// …for a list of pairs (a max's or min's, few per sample), W at a time, gathered.
    template <class TG, class OG, class T>
    static void add_pairs(const TG& this_grad, const OG& other_grad, const std::vector<weighted_pair<T>>& list,
                          matrix_view<const T> t, matrix_view<const T> p, matrix_view<T> g) {
        using V = pack<T>;
        constexpr int W = V::width;
        const input_dims dims{static_cast<std::size_t>(p.rows), static_cast<std::size_t>(t.cols),
                              static_cast<std::size_t>(p.cols)};
        for (std::size_t at = 0; at < list.size(); at += W) {
            const int count = static_cast<int>(std::min<std::size_t>(W, list.size() - at));
            pair_list<T, V> ij{}, ji{};
            ij.t_step = ji.t_step = t.cols == 1 ? 0 : t.col_stride;
            ij.p_step = ji.p_step = p.cols == 1 ? 0 : p.col_stride;
            ij.dims = ji.dims = dims;
            for (int l = 0; l < W; ++l) {  // lanes past the list repeat its last pair, unread
                const auto& e = list[at + static_cast<std::size_t>(std::min(l, count - 1))];
                const auto L = static_cast<std::size_t>(l);
                ij.t_this[L] = ji.t_other[L] = t.data + e.i * t.row_stride;
                ij.p_this[L] = ji.p_other[L] = p.data + e.i * p.row_stride;
                ij.t_other[L] = ji.t_this[L] = t.data + e.j * t.row_stride;
                ij.p_other[L] = ji.p_this[L] = p.data + e.j * p.row_stride;
                ij.same[L] = ji.same[L] = e.i == e.j;
            }
            const auto add = [&](const auto& x, const pair_list<T, V>& rows, bool to_i) {
                using X = std::remove_cvref_t<decltype(x)>;
                if constexpr (!is_zero<X>) {
                    row_state<X, V> st{};
                    prepare(x, st, rows, no_sharing{});
                    alignas(64) T lanes_[W];
                    for (index c = 0; c < p.cols; ++c) {
                        row_value<V>(x, st, rows, static_cast<std::size_t>(c)).store(lanes_);
                        for (int l = 0; l < count; ++l) {
                            const auto& e = list[at + static_cast<std::size_t>(l)];
                            g.data[(to_i ? e.i : e.j) * g.row_stride + c * g.col_stride] += e.w * lanes_[l];
                        }
                    }
                }
            };
            add(this_grad, ij, true);
            add(other_grad, ji, false);
        }
    }
    /// weight·x(block, c) for every y_pred column c, lanes whose weight is 0 left out (a zero
    /// weight times an infinite derivative is not a term): each member's into its own partial
    /// sums (out + c·P::width), or with Members all of them into the block's W lanes (out +
    /// c·column).
    template <bool Members, class X, class Block, class P>
    static void add_weighted(const X& x, const Block& b, const P& weight, typename P::scalar_type* out, index column) {
        if constexpr (!is_zero<X>) {
            row_state<X, P> st{};
            prepare(x, st, b, no_sharing{});
            for (std::size_t c = 0; c < b.dims.pred_cols; ++c) {
                typename P::scalar_type* at = out + static_cast<index>(c) * column;
                const P v = math::select_nonzero(weight, weight * row_value<P>(x, st, b, c), P(0));
                if constexpr (Members) {
                    auto sum = v.p[0];
                    for (int m = 1; m < P::members; ++m) sum = sum + v.p[m];
                    (P::member::load(at) + sum).store(at);
                } else
                    (P::load(at) + v).store(at);
            }
        }
    }

    /// R over one sample's n pair values f, in packs; with Weights, f becomes ∂R/∂f_j in place
    /// (max, min: 1/ties where f is the extremum). logsumexp's exps computed once for both.
    template <class R, bool Weights, class T> static T reduce_pairs(T* f, std::size_t n) {
        using PT = pack<T>;
        constexpr std::size_t w = PT::width;
        const auto at_pack = [f](std::size_t j) { return PT::load(f + j); };
        const auto at = [f](std::size_t j) { return f[j]; };
        const auto each = [&](auto&& op) {  // f[j] = op(f[j]) over packs, then the tail
            std::size_t j = 0;
            for (; j + w <= n; j += w) op(PT::load(f + j)).store(f + j);
            for (; j < n; ++j) f[j] = simd::first_lane(op(PT(f[j])));
        };
        if constexpr (std::is_same_v<R, ops::logsumexp_r>) {
            const T m = lowering::packed<ops::max_r>::reduce<T>(n, at_pack, at);
            if (std::isfinite(m)) {
                const T z = lowering::packed<ops::sum_r>::reduce<T>(
                    n, [&](std::size_t j) { return simd::exp(PT::load(f + j) - PT(m)); },
                    [&](std::size_t j) { return simd::first_lane(simd::exp(PT(f[j] - m))); });
                if constexpr (Weights) each([&](PT x) { return simd::exp(x - PT(m)) * PT(T(1) / z); });
                return m + std::log(z);
            }
            const T p = R::template reduce<T>(n, at);  // no finite maximum: the scalar rule
            if constexpr (Weights)
                for (std::size_t j = 0; j < n; ++j)
                    f[j] = static_cast<T>(lowering::pair::pair_weight<R>(f[j], p, 1, static_cast<double>(n)));
            return p;
        } else {
            const T p = lowering::packed<R>::template reduce<T>(n, at_pack, at);
            if constexpr (Weights) {
                if constexpr (std::is_same_v<R, ops::sum_r> || std::is_same_v<R, ops::mean_r>) {
                    const PT weight(std::is_same_v<R, ops::sum_r> ? T(1) : T(1) / static_cast<T>(n));
                    each([&](PT) { return weight; });
                } else {  // max, min: the extremum's ties share the gradient
                    const T ties = lowering::packed<ops::sum_r>::reduce<T>(
                        n, [&](std::size_t j) { return simd::select(simd::eq(PT::load(f + j), PT(p)), PT(1), PT(0)); },
                        [&](std::size_t j) { return f[j] == p ? T(1) : T(0); });
                    each([&](PT x) { return simd::select(simd::eq(x, PT(p)), PT(T(1) / ties), PT(0)); });
                }
            }
            return p;
        }
    }

    template <bool Backward, class T> T run(matrix_view<const T> t, matrix_view<const T> p, const vector_view<T>* ps,
                                            matrix_view<T> g, const options& opt) const;
    template <bool Backward, class T> double walk(matrix_view<const T> t, matrix_view<const T> p, matrix_view<T> g,
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
    // Whether an operand is broadcast does not matter: a block reads every column by its index.
    lowering::check_whole_batch_call(loss_, derived_, t, p, ps, Backward ? &g : nullptr, opt, dims);
    if (n == 0) return T(0);
    if constexpr (Backward)
        for (index i = 0; i < n; ++i)
            for (index c = 0; c < p.cols; ++c) g.data[i * g.row_stride + c * g.col_stride] = T(0);
    const double total = walk<Backward>(t, p, g, ps, opt);
    return static_cast<T>(opt.reduction == reduction::sum ? total : total * detail::reduction_scale(opt, n));
}

template <class E> template <bool Backward, class T>
double pair_kernel<E>::walk(matrix_view<const T> t, matrix_view<const T> p, matrix_view<T> g, const vector_view<T>* ps,
                            const options& opt) const {
    using lowering::pair::item;
    using lowering::pair::item_t;
    using lowering::pair::static_for;
    using P = simd::pack_group<T, tuning::pair_block_samples>;
    constexpr int R = P::members;
    constexpr index W = P::member::width;
    const index n = p.rows, stride = (n + W - 1) / W * W;
    const auto un = static_cast<std::size_t>(n), ustride = static_cast<std::size_t>(stride);
    const input_dims dims{un, static_cast<std::size_t>(t.cols), static_cast<std::size_t>(p.cols)};
    // Per thread, grown once: the batch transposed (the last sample repeated into the padding, so
    // that padded lanes compute finite values nobody reads); the values f_k(i, ·) of the R samples
    // walked, N per reduction and sample, reduced, then read again as the weights ∂R/∂f of the
    // gradient's walk; with a gradient, the block side's transposed gradient and the R samples'
    // partial sums (a group per y_pred column).
    constexpr std::size_t K1 = K == 0 ? 1 : K;
    thread_local std::vector<T> copies;
    const index t_size = t.cols * stride, p_size = p.cols * stride, f_size = static_cast<index>(K1) * R * stride;
    constexpr bool columns = Backward && any_column_walk;  // the column-major copies too
    const index need = (columns ? 2 : 1) * (t_size + p_size) + f_size + (Backward ? p_size + p.cols * P::width : 0);
    if (copies.size() < static_cast<std::size_t>(need)) copies.resize(static_cast<std::size_t>(need));
    T* at = copies.data();
    const auto take = [&at](index size, bool wanted) {  // the next region, or null if not allocated
        T* const region = wanted ? at : nullptr;
        if (wanted) at += size;
        return region;
    };
    T* const t_rows = take(t_size, true);
    T* const p_rows = take(p_size, true);
    T* const f = take(f_size, true);
    T* const g_rows = take(p_size, Backward);
    T* const sums = take(p.cols * P::width, Backward);
    T* const t_columns = take(t_size, columns);
    T* const p_columns = take(p_size, columns);
    const auto tile = [&](matrix_view<const T> m, T* to) {
        for (index j0 = 0; j0 < stride; j0 += W)
            for (index c = 0; c < m.cols; ++c)
                for (index l = 0; l < W; ++l)
                    to[j0 * m.cols + c * W + l] = m.data[std::min(j0 + l, n - 1) * m.row_stride + c * m.col_stride];
    };
    tile(t, t_rows);
    tile(p, p_rows);
    const auto transpose = [&](matrix_view<const T> m, T* to) {
        for (index c = 0; c < m.cols; ++c)
            for (index j = 0; j < stride; ++j)
                to[c * stride + j] = m.data[std::min(j, n - 1) * m.row_stride + c * m.col_stride];
    };
    if constexpr (columns) transpose(t, t_columns), transpose(p, p_columns);
    if constexpr (Backward) std::fill(g_rows, g_rows + p_size, T(0)), std::fill(sums, sums + p.cols * P::width, T(0));
    const batch_copies<false, P, T> pairs{t, p, t_rows, p_rows, t.cols, W, p.cols, W, dims};
    const batch_copies<true, P, T> swapped{t, p, t_rows, p_rows, t.cols, W, p.cols, W, dims};
    const batch_copies<false, P, T> by_column{t, p, t_columns, p_columns, 1, stride, 1, stride, dims};
    const auto values_of = [&](std::size_t k, int m) { return f + (k * R + static_cast<std::size_t>(m)) * ustride; };

    std::array<double, K1> current{};
    std::array<const double*, K1> current_at{};
    for (std::size_t k = 0; k < K1; ++k) current_at[k] = &current[k];
    const derivation x = derived_.bound(current_at.data());
    std::array<std::array<double, R>, K1> adjoint{};
    const sample_weights& sw = opt.sample_weight;
    const double scale = detail::reduction_scale(opt, n);
    using First = item_t<0, typename derivation::operands_type>;
    // The weighted pairs of each max or min reduction not yet added (a list per reduction).
    thread_local std::array<std::vector<weighted_pair<T>>, K1> sparse;
    for (auto& list : sparse) list.clear();
    const auto store = [&](const P& v, std::size_t k, index j0) {
        for (int m = 0; m < R; ++m) v.p[m].store(values_of(k, m) + j0);
    };

    double total = 0;
    for (index i0 = 0; i0 < n; i0 += R) {
        const int valid = static_cast<int>(std::min<index>(R, n - i0));
        for (index j0 = 0; j0 < n; j0 += W) {
            // The first operand's row statistics are offered to the others (a batch-hard
            // triplet's two reductions read one distance).
            const auto b = pairs.at(i0, j0);
            row_state<First, P> first{};
            prepare(item<0>(x.operands), first, b, no_sharing{});
            store(row_value<P>(item<0>(x.operands), first, b, 0), 0, j0);
            static_for<K>([&](auto k) {
                if constexpr (k > 0 && computed<k>) {
                    using X = item_t<k, typename derivation::operands_type>;
                    row_state<X, P> st{};
                    prepare(item<k>(x.operands), st, b,
                            shared_stats<First, row_state<First, P>>{item<0>(x.operands), first});
                    store(row_value<P>(item<k>(x.operands), st, b, 0), k, j0);
                }
            });
        }
        bool any = false;
        for (int m = 0; m < valid; ++m) {
            const index i = i0 + m;
            // f_k(i, ·) → P_k(i), and with a gradient → ∂R_k/∂f_k(i, ·), 0 in the padding.
            static_for<K>([&](auto k) {
                if constexpr (computed<k>) {  // the others' leaves read the first equal one's
                    constexpr bool weights = Backward && needs_adjoint<k>;
                    T* const fk = values_of(k, m);
                    current[k] = static_cast<double>(reduce_pairs<reduction_t<k>, weights>(fk, un));
                    if constexpr (weights) std::fill(fk + n, fk + stride, T(0));
                }
            });
            const strided_row<T, lanes::none> self{t.data + i * t.row_stride, t.cols == 1 ? 0 : t.col_stride,
                                                   p.data + i * p.row_stride, p.cols == 1 ? 0 : p.col_stride, dims};
            const auto value_of = [&](const auto& e) {
                row_state<std::remove_cvref_t<decltype(e)>, T> st{};
                prepare(e, st, self, no_sharing{});
                return row_value<T>(e, st, self, 0);
            };
            const T l = value_of(x.value);
            if (ps) (*ps)[i] = l;
            const double w = sw.present() ? static_cast<double>(sw.template at<T>(i)) : 1.0;
            total += w * static_cast<double>(l);
            if constexpr (Backward) {
                // Sample i's own term (∂ℓ_i/∂x_i), and the weight s·w_i ∂ℓ_i/∂P_k of its pairs.
                const double coef = scale * w;
                if constexpr (!is_zero<typename derivation::direct_type>) {
                    row_state<typename derivation::direct_type, T> st{};
                    prepare(x.direct, st, self, no_sharing{});
                    T* const gi = g.data + i * g.row_stride;
                    for (index c = 0; c < p.cols; ++c)
                        gi[c * g.col_stride] +=
                            static_cast<T>(coef) * row_value<T>(x.direct, st, self, static_cast<std::size_t>(c));
                }
                static_for<K>([&](auto k) {
                    if constexpr (needs_adjoint<k>) {
                        adjoint[k][static_cast<std::size_t>(m)] =
                            coef * static_cast<double>(value_of(item<k>(x.from_loss)));
                        any = any || adjoint[k][static_cast<std::size_t>(m)] != 0;
                    }
                });
            }
        }
        if constexpr (Backward) {
            if (!any) continue;
            // Each pair's terms, weighted by s·w_i ∂ℓ_i/∂P_k · ∂R_k/∂f_k(i, j): the R samples' side
            // into their partial sums, the block's into its transposed gradient.
            static_for<K>([&](auto k) {
                if constexpr (needs_adjoint<k>)
                    for (int m = 0; m < R; ++m) {  // the weights, in place; none for padded samples
                        T* const fk = values_of(k, m);
                        const T a = m < valid ? static_cast<T>(adjoint[k][static_cast<std::size_t>(m)]) : T(0);
                        for (index j = 0; j < stride; ++j) fk[j] *= a;
                    }
            });
            const auto weight_at = [&](std::size_t k, index j0) {
                P weight;
                for (int m = 0; m < R; ++m) weight.p[m] = P::member::load(values_of(k, m) + j0);
                return weight;
            };
            static_for<K>([&](auto k) {
                if constexpr (needs_adjoint<k>) {
                    using TG = item_t<k, typename derivation::this_grad_type>;
                    if constexpr (column_walk<k>) {
                        // No row statistics in the R samples' side: column by column, the sum over
                        // the blocks kept in registers; the blocks whose weights are all non-zero
                        // (logsumexp's, the mean's) need no test per lane.
                        thread_local std::vector<unsigned char> kinds;  // 0: all zero, 1: some, 2: none
                        kinds.resize(static_cast<std::size_t>(stride / W));
                        for (index j0 = 0; j0 < n; j0 += W) {
                            const P weight = weight_at(k, j0);
                            kinds[static_cast<std::size_t>(j0 / W)] = !simd::any(!simd::eq(weight, P(T(0)))) ? 0
                                                                      : simd::any(simd::eq(weight, P(T(0)))) ? 1
                                                                                                             : 2;
                        }
                        auto b = by_column.at(i0, 0);
                        const T* const t_base = b.t_block;
                        const T* const p_base = b.p_block;
                        // Two columns at a time where registers allow: a block's weights loaded once.
                        constexpr index at_once = tuning::pair_columns_at_once<T>;
                        for (index c = 0; c < p.cols; c += at_once) {
                            const index c1 = std::min<index>(c + at_once - 1, p.cols - 1);
                            P acc0(T(0)), acc1(T(0));
                            row_state<TG, P> st{};
                            for (index j0 = 0; j0 < n; j0 += W) {
                                const unsigned char kind = kinds[static_cast<std::size_t>(j0 / W)];
                                if (kind == 0) continue;
                                b.t_block = t_base + j0, b.p_block = p_base + j0, b.j0 = j0;
                                const P weight = weight_at(k, j0);
                                const auto& tg = item<k>(x.this_grad);
                                const P v0 = weight * row_value<P>(tg, st, b, static_cast<std::size_t>(c));
                                acc0 = acc0 + (kind == 2 ? v0 : math::select_nonzero(weight, v0, P(T(0))));
                                if constexpr (at_once == 2) {
                                    const P v1 = weight * row_value<P>(tg, st, b, static_cast<std::size_t>(c1));
                                    acc1 = acc1 + (kind == 2 ? v1 : math::select_nonzero(weight, v1, P(T(0))));
                                }
                            }
                            for (int m = 0; m < R; ++m) {  // into the first lane of the member's sums
                                sums[c * P::width + m * W] += simd::hsum(acc0.p[m]);
                                if (c1 != c) sums[c1 * P::width + m * W] += simd::hsum(acc1.p[m]);
                            }
                        }
                    }
                    if constexpr (sparse_weights<k>) {
                        // A max or min weighs few pairs per sample (its ties): those alone, gathered
                        // W at a time across the samples (the rest at the end of the batch).
                        auto& list = std::get<k>(sparse);
                        for (int m = 0; m < valid; ++m) {
                            const T* const w = values_of(k, m);
                            for (index j0 = 0; j0 < n; j0 += W)
                                if (simd::any(!simd::eq(P::member::load(w + j0), typename P::member(T(0)))))
                                    for (index j = j0; j < std::min(n, j0 + W); ++j)
                                        if (w[j] != T(0)) list.push_back({i0 + m, j, w[j]});
                        }
                        if (list.size() >= static_cast<std::size_t>(pack<T>::width)) {
                            add_pairs(item<k>(x.this_grad), item<k>(x.other_grad), list, t, p, g);
                            list.clear();
                        }
                    } else
                        for (index j0 = 0; j0 < n; j0 += W) {
                            const P weight = weight_at(k, j0);
                            if (!simd::any(!simd::eq(weight, P(T(0))))) continue;
                            if constexpr (!column_walk<k>)  // the R samples' side, where the walk above did not
                                add_weighted<false>(item<k>(x.this_grad), pairs.at(i0, j0), weight, sums, P::width);
                            add_weighted<true>(item<k>(x.other_grad), swapped.at(i0, j0), weight, g_rows + j0 * p.cols,
                                               W);
                        }
                }
            });
            for (int m = 0; m < valid; ++m) {
                T* const gi = g.data + (i0 + m) * g.row_stride;
                for (index c = 0; c < p.cols; ++c)
                    gi[c * g.col_stride] += simd::hsum(P::member::load(sums + c * P::width + m * W));
            }
            std::fill(sums, sums + p.cols * P::width, T(0));
        }
    }
    if constexpr (Backward)  // the max's and min's pairs left over
        static_for<K>([&](auto k) {
            if constexpr (needs_adjoint<k> && sparse_weights<k>)
                if (!std::get<k>(sparse).empty())
                    add_pairs(item<k>(x.this_grad), item<k>(x.other_grad), std::get<k>(sparse), t, p, g);
        });
    if constexpr (Backward)  // the block side's terms, tiled as the copies, back in place
        for (index j = 0; j < n; ++j)
            for (index c = 0; c < p.cols; ++c)
                g.data[j * g.row_stride + c * g.col_stride] += g_rows[(j / W * p.cols + c) * W + j % W];
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
