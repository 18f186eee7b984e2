// lossc — evaluating an expression row by row, in scalars or in SIMD packets.
//
// row_value<V>(e, state, row, j) is the value of e at column j of a row, as a V: the scalar type
// T, or simd::pack<T>. What the lanes of a pack hold is the row's lane mode:
//   lanes::none     scalar rows (the reference schedule, and lossc::evaluate): V is T;
//   lanes::columns  one row, a pack holds columns j … j+W−1 (wide rows, row-major);
//   lanes::rows     W consecutive rows, a pack holds column j of each (narrow rows, column-major).
// Per-row statistics (every reduction, every broadcast sum) live in a row_state<E, S> that
// mirrors the tree, S being what one row's statistic is: T, or a pack when lanes are rows.
// prepare() fills them bottom-up once per row (block), so each is computed once while the row
// is in L1; row_value reads them. lossc::evaluate passes no_cache instead and recomputes every
// statistic where it is used: slow, obviously correct, usable in constant expressions.
// Width-1 sources (a 1-column input, cols<F, 1>, weights of length 1) clamp j to 0 themselves,
// which is numpy's broadcasting of a single column; the columns schedule is not used when
// anything is broadcast (the kernel asks validate()).
#pragma once
#include <array>
#include <type_traits>

#include "../analysis/shapes.hpp"
#include "../config.hpp"
#include "../simd/math.hpp"
#include "../simd/pack_group.hpp"
#include "reduce_packed.hpp"
#include "tuning.hpp"

namespace lossc {
inline namespace LOSSC_ISA {

using simd::is_pack;
using simd::pack;

/// `single`: like columns, but a pack holds column j in every lane (a broadcast). The columns
/// schedule evaluates every lone column this way (tails, selections, per-sample values) so that
/// each value of a row comes from the packet math: the derivative of max/min compares a
/// recomputed value with the row's statistic for exact equality.
enum class lanes { none, columns, rows, single };

/// The cross-entropy plan (docs/design.md), as a memo: when a row's loss has one logsumexp and its
/// gradient needs softmax = exp(x − logsumexp(x)), the logsumexp pass keeps e_j = exp(x_j − m)
/// where the gradient of column j will be written (the output row, or the staged block) and the
/// gradient reads e_j · (1/Σe) instead of computing a second exp per element. S is a row's
/// statistic: T along columns, a pack across rows. A row whose maximum is not finite takes the
/// ordinary path (lane by lane across rows, so a lane never depends on its neighbours).
/// Without a place for the exps (data null: wide column-major blocks of one pack, strided
/// gradients) the memo still serves: the gradient recomputes e_j = exp(x_j − shift), the same
/// value. As written, exp(x − logsumexp(x)) loses log Σe to rounding when |shift| ≫ log Σe (a row
/// of logits near −1e30 gave a softmax of 1 in every column instead of 1/n).
template <class T, class S = T> struct exp_memo {
    T* data = nullptr;
    index step = 1;  // column j's exps start at data + j·step
    S scale{};       // 1 / Σ_j e_j
    S valid{};       // 1 where the row's maximum is finite
    S shift{};       // the row's maximum where finite: e_j = exp(x_j − shift)
    bool all_valid = false;
    bool ready = false;  // set by the logsumexp pass
    // Set by the kernel once the loss is evaluated: only the gradient reads the memo, so that a
    // loss's own values are the same with forward() (no memo) and forward_backward().
    bool for_gradient = false;
};

/// The logistic pair's memo: softplus(x) and sigmoid(x) (and of −x) are all made from
/// e = exp(−|x|). When a loss's softplus or sigmoid and its gradient's read the same operand x up
/// to sign, the loss's pass over a block of rows keeps e for each column and the gradient's reads
/// it: BCE from logits costs one exp per element instead of two (four in Keras's form
/// t·softplus(−x) + (1 − t)·softplus(x)), with the same values (simd::softplus_from).
template <class T> struct logistic_memo {
    T* data = nullptr;    // column j's e at data + j·(pack width)
    bool filled = false;  // set by the kernel once the loss is evaluated: the gradient reads
};

/// One sample of strided inputs (any storage order); a 1-column input has step 0. In columns
/// mode a pack loads W consecutive columns.
template <class T, lanes Mode = lanes::none> struct strided_row {
    using scalar_type = T;
    static constexpr lanes lane_mode = Mode;
    const T* t;
    index t_step;
    const T* p;
    index p_step;
    input_dims dims;
    exp_memo<T>* memo = nullptr;  // the kernel's, along columns with a gradient; else none
    const void* slots = nullptr;  // the enclosing let_t's values (lower/share.hpp)
    template <class V> V load_true(std::size_t j) const { return load<V>(t, t_step, j); }
    template <class V> V load_pred(std::size_t j) const { return load<V>(p, p_step, j); }
    /// The same row, one column broadcast per pack.
    constexpr strided_row<T, lanes::single> single() const { return {t, t_step, p, p_step, dims, memo}; }
    template <class V, class U> V column_constants(const U* w, std::size_t j) const {
        if constexpr (is_pack<V> && Mode == lanes::single)
            return V(static_cast<T>(w[j]));
        else if constexpr (is_pack<V>) {
            alignas(64) T lanes_[V::width];
            for (int l = 0; l < V::width; ++l) lanes_[l] = static_cast<T>(w[j + static_cast<std::size_t>(l)]);
            return V::load(lanes_);
        } else
            return static_cast<V>(w[j]);
    }

private:
    template <class V> static V load(const T* base, index step, std::size_t j) {
        const T* at = base + static_cast<index>(j) * step;
        if constexpr (is_pack<V> && Mode == lanes::single)
            return V(*at);
        else if constexpr (is_pack<V>)
            return V::load_strided(at, step);
        else
            return *at;
    }
};

/// P::width consecutive samples; a pack (or a group of packs) holds column j of each of them.
/// LogisticBase: the operand whose softplus/sigmoid the block's logistic memo holds (void: none).
template <class T, class LogisticBase = void, class P = pack<T>> struct row_block {
    using scalar_type = T;
    using logistic_base = LogisticBase;
    static constexpr lanes lane_mode = lanes::rows;
    const T* t;
    index t_row, t_step;
    const T* p;
    index p_row, p_step;
    input_dims dims;
    exp_memo<T, P>* memo = nullptr;        // the kernel's, with a gradient; else none
    logistic_memo<T>* logistic = nullptr;  // likewise
    const void* slots = nullptr;           // the enclosing let_t's values (lower/share.hpp)
    template <class V> V load_true(std::size_t j) const {
        read_ahead<V>(t, t_step, j, dims.true_cols);
        return V::load_strided(t + static_cast<index>(j) * t_step, t_row);
    }
    template <class V> V load_pred(std::size_t j) const {
        read_ahead<V>(p, p_step, j, dims.pred_cols);
        return V::load_strided(p + static_cast<index>(j) * p_step, p_row);
    }
    template <class V, class U> V column_constants(const U* w, std::size_t j) const { return V(static_cast<T>(w[j])); }

    /// A group (wide column-major blocks: P is a pack_group, rows contiguous) asks for the lines
    /// of column j + tuning::group_read_ahead as it reads column j, on every walk over the
    /// columns: the columns lie a batch apart, a stride no hardware prefetcher follows across a
    /// walk of 1000, and a block's walks outgrow L2.
    template <class V> static void read_ahead(const T* base, index step, std::size_t j, std::size_t cols) {
        constexpr std::size_t ahead = tuning::group_read_ahead;
        if constexpr (!std::is_same_v<P, pack<T>> && std::is_same_v<V, P>)
            if (j + ahead < cols) P::prefetch(base + static_cast<index>(j + ahead) * step);
    }
};

/// One sample of std::array inputs (lossc::evaluate): indexable in constant expressions.
template <class T, std::size_t Ct, std::size_t Cp> struct array_row {
    using scalar_type = T;
    static constexpr lanes lane_mode = lanes::none;
    const std::array<T, Ct>* t;
    const std::array<T, Cp>* p;
    input_dims dims;
    template <class V> constexpr V load_true(std::size_t j) const { return (*t)[Ct == 1 ? 0 : j]; }
    template <class V> constexpr V load_pred(std::size_t j) const { return (*p)[Cp == 1 ? 0 : j]; }
    template <class V, class U> constexpr V column_constants(const U* w, std::size_t j) const {
        return static_cast<V>(w[j]);
    }
};

/// The uncached evaluation's state: its children are itself (static members), so that a node reaches
/// its child's state as `s.a` whatever the state, without a function per node (-O0 builds).
struct no_cache {
    static const no_cache a, b, c, g;
};
inline constexpr no_cache no_cache::a{}, no_cache::b{}, no_cache::c{}, no_cache::g{};

template <class E, class S> struct row_state {};  // leaves hold nothing
template <class Op, class A, class S> struct row_state<unary<Op, A>, S> { [[no_unique_address]] row_state<A, S> a; };
template <class Op, class A, class B, class S> struct row_state<binary<Op, A, B>, S> {
    [[no_unique_address]] row_state<A, S> a;
    [[no_unique_address]] row_state<B, S> b;
};
template <class C, class A, class B, class S> struct row_state<where_t<C, A, B>, S> {
    [[no_unique_address]] row_state<C, S> c;
    [[no_unique_address]] row_state<A, S> a;
    [[no_unique_address]] row_state<B, S> b;
};
template <class R, class A, class S> struct row_state<reduce_t<R, A>, S> {
    [[no_unique_address]] row_state<A, S> a;
    S value{};
};
/// logsumexp keeps its parts as well: x − logsumexp(x) is evaluated as (x − shift) − log Σ
/// (row_value below), which keeps log Σ's low bits when the shift is large.
template <class A, class S> struct row_state<reduce_t<ops::logsumexp_r, A>, S> {
    [[no_unique_address]] row_state<A, S> a;
    S value{}, shift{}, log_sum{}, finite{};
};
template <std::size_t J, class A, class S> struct row_state<col_t<J, A>, S> {
    [[no_unique_address]] row_state<A, S> a;
};
template <std::size_t F, std::size_t N, class A, class S> struct row_state<cols_t<F, N, A>, S> {
    [[no_unique_address]] row_state<A, S> a;
};
template <std::size_t F, std::size_t N, class G, class Of, class S> struct row_state<embed_t<F, N, G, Of>, S> {
    [[no_unique_address]] row_state<G, S> g;
};
template <std::size_t J, class G, class Of, class S> struct row_state<onehot_t<J, G, Of>, S> {
    [[no_unique_address]] row_state<G, S> g;
};
template <class G, class Ctx, class Child, class S> struct row_state<unbroadcast_t<G, Ctx, Child>, S> {
    [[no_unique_address]] row_state<G, S> g;
    S value{};
    bool summed = false;
};

namespace lowering {
template <class S> inline constexpr bool uncached = std::is_same_v<std::remove_const_t<S>, no_cache>;
/// Packs of columns need per-sample values broadcast from one scalar evaluation.
template <class Row, class V> inline constexpr bool column_pack = Row::lane_mode == lanes::columns&& is_pack<V>;
}  // namespace lowering

// ---- values ----------------------------------------------------------------------------------
template <class V, input W, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const placeholder<W>&, S&, const Row& r, std::size_t j) {
    if constexpr (W == input::y_true)
        return r.template load_true<V>(j);
    else
        return r.template load_pred<V>(j);
}
template <class V, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const scalar& e, S&, const Row&, std::size_t) {
    return static_cast<V>(static_cast<typename Row::scalar_type>(e.value));
}
template <class V, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const zero_t&, S&, const Row&, std::size_t) {
    return static_cast<V>(typename Row::scalar_type(0));
}
template <class V, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const one_t&, S&, const Row&, std::size_t) {
    return static_cast<V>(typename Row::scalar_type(1));
}
template <class V, int N, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const integer_t<N>&, S&, const Row&, std::size_t) {
    return static_cast<V>(typename Row::scalar_type(N));
}
template <class V, class E, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const count_t<E>& e, S&, const Row& r, std::size_t) {
    return static_cast<V>(static_cast<typename Row::scalar_type>(width(e.of, r.dims)));
}
/// Column j's index: j, j+1, … across the lanes when a pack holds consecutive columns.
template <class V, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const column_index_t&, S&, const Row&, std::size_t j) {
    using T = typename Row::scalar_type;
    if constexpr (lowering::column_pack<Row, V>)
        return V::iota() + V(static_cast<T>(j));
    else
        return static_cast<V>(static_cast<T>(j));
}
template <class V, std::size_t N, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const weights_c<N>& e, S&, const Row& r, std::size_t j) {
    if constexpr (N == 1)
        return static_cast<V>(static_cast<typename Row::scalar_type>(e.w[0]));
    else
        return r.template column_constants<V>(e.w.data(), j);
}
template <class V, class U, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const weights_span<U>& e, S&, const Row& r, std::size_t j) {
    if (e.size == 1) return static_cast<V>(static_cast<typename Row::scalar_type>(e.data[0]));
    return r.template column_constants<V>(e.data, j);
}
/// A batch statistic (lowered batch_loss): the call's buffer, one number or one per column.
template <class V, std::size_t K, class R, class A, stat_role Role, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const batch_stat_t<K, R, A, Role>& e, S&, const Row& r, std::size_t j) {
    if constexpr (!A::cols)
        return static_cast<V>(static_cast<typename Row::scalar_type>(e.values[0]));
    else
        return r.template column_constants<V>(e.values, j);
}
/// Sample j's input inside a pair reduction: the pair row's other sample.
template <class V, input W, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const other_t<W>&, S&, const Row& r, std::size_t j) {
    if constexpr (W == input::y_true)
        return r.template load_other_true<V>(j);
    else
        return r.template load_other_pred<V>(j);
}
template <class V, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const same_sample_t&, S&, const Row& r, std::size_t) {
    return r.template same_value<V>();
}
/// A pair reduction (lowered batch_loss): the value of the sample being evaluated.
template <class V, std::size_t K, class R, class A, stat_role Role, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const pair_stat_t<K, R, A, Role>& e, S&, const Row&, std::size_t) {
    return static_cast<V>(static_cast<typename Row::scalar_type>(*e.values));
}
namespace lowering {
template <class V> inline constexpr bool is_group = false;
template <class T, int K> inline constexpr bool is_group<simd::pack_group<T, K>> = true;
/// An op's rule on values: scalars and packs directly, a group of packs member by member, so
/// that the op table's rules need no group overloads.
template <class Op, class V, class... W>
LOSSC_KERNEL_INLINE constexpr V apply(const Op& op, const V& x, const W&... y) {
    if constexpr (is_group<V>)
        return V::each([&op](const auto&... m) { return op(m...); }, x, y...);
    else
        return op(x, y...);
}
}  // namespace lowering
template <class V, class Op, class A, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const unary<Op, A>& e, S& s, const Row& r, std::size_t j) {
    return lowering::apply(e.op, row_value<V>(e.a, s.a, r, j));
}
template <class V, class Op, class A, class B, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const binary<Op, A, B>& e, S& s, const Row& r, std::size_t j) {
    return lowering::apply(e.op, row_value<V>(e.a, s.a, r, j), row_value<V>(e.b, s.b, r, j));
}
template <class V, class C, class A, class B, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const where_t<C, A, B>& e, S& s, const Row& r, std::size_t j) {
    // Both branches are evaluated (branch-free, as packs need); only one is kept.
    return math::select_nonzero(row_value<V>(e.c, s.c, r, j), row_value<V>(e.a, s.a, r, j),
                                row_value<V>(e.b, s.b, r, j));
}
namespace lowering {
template <class X> struct strip_neg { using type = X; };
template <class X> struct strip_neg<unary<ops::neg, X>> { using type = X; };
/// The operand, up to sign, of a softplus or sigmoid node; void for other nodes.
template <class N> struct logistic_operand { using type = void; };
template <class X> struct logistic_operand<unary<ops::softplus_op, X>> { using type = typename strip_neg<X>::type; };
template <class X> struct logistic_operand<unary<ops::sigmoid_op, X>> { using type = typename strip_neg<X>::type; };
template <class Row> struct logistic_base_of { using type = void; };
template <class Row>
requires requires { typename Row::logistic_base; }
struct logistic_base_of<Row> {
    using type = typename Row::logistic_base;
};
/// Does a row of type Row keep the logistic memo for operand X (up to sign)?
template <class Row, class X> inline constexpr bool logistic_memo_for =
    !std::is_void_v<typename logistic_base_of<Row>::type> &&
    std::is_same_v<typename strip_neg<X>::type, typename logistic_base_of<Row>::type>;
/// e = exp(−|x|) at column j: the loss's pass computes and keeps it, the gradient's reads it.
template <class T, class V> V logistic_exp(logistic_memo<T>& m, V x, std::size_t j) {
    T* at = m.data + static_cast<index>(j) * V::width;
    if (m.filled) return V::load(at);
    const V e = math::exp_neg_abs(x);
    e.store(at);
    return e;
}
}  // namespace lowering
/// softplus and sigmoid, from the block's logistic memo where it holds their operand's e.
template <class V, class Op, class A, class S, class Row>
requires(std::is_same_v<Op, ops::softplus_op> || std::is_same_v<Op, ops::sigmoid_op>) LOSSC_KERNEL_INLINE constexpr V
    row_value(const unary<Op, A>& e, S& s, const Row& r, std::size_t j) {
    if constexpr (lowering::logistic_memo_for<Row, A> && is_pack<V>) {
        if (r.logistic != nullptr) {
            const V x = row_value<V>(e.a, s.a, r, j);
            const V ex = lowering::logistic_exp(*r.logistic, x, j);
            if constexpr (std::is_same_v<Op, ops::softplus_op>)
                return math::softplus_from(x, ex);
            else
                return math::sigmoid_from(x, ex);
        }
    }
    return lowering::apply(e.op, row_value<V>(e.a, s.a, r, j));
}
/// x / count (a mean's derivative): see ops::divide_by_count.
template <class V, class A, class X, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const binary<ops::div, A, count_t<X>>& e, S& s, const Row& r, std::size_t j) {
    return ops::divide_by_count(row_value<V>(e.a, s.a, r, j), width(e.b.of, r.dims));
}
/// exp(x − logsumexp(x)) (softmax, as differentiation produces it): from the memo when the row
/// has one, else as written.
template <class V, class A, class S, class Row> LOSSC_KERNEL_INLINE constexpr V row_value(
    const unary<ops::exp_op, binary<ops::sub, A, reduce_t<ops::logsumexp_r, A>>>& e, S& s, const Row& r,
    std::size_t j) {
    if constexpr (requires { r.memo; } && is_pack<V>) {
        const auto* m = r.memo;
        if (m != nullptr && m->ready && m->for_gradient) {
            // e_j kept by the logsumexp pass, or computed again as that pass did.
            const auto exps = [&] {
                if (m->data == nullptr) return math::exp_nonpositive(row_value<V>(e.a.a, s.a.a, r, j) - V(m->shift));
                if constexpr (Row::lane_mode == lanes::rows)
                    return V::load(m->data + static_cast<index>(j) * m->step);
                else if constexpr (Row::lane_mode == lanes::columns)
                    return V::load(m->data + j);
                else
                    return V(m->data[static_cast<index>(j) * m->step]);
            };
            if constexpr (Row::lane_mode == lanes::rows) {
                const V memo = exps() * m->scale;
                if (m->all_valid) return memo;
                return math::select_nonzero(m->valid, memo, lowering::apply(e.op, row_value<V>(e.a, s.a, r, j)));
            } else if (m->all_valid) {
                return exps() * V(m->scale);
            }
        }
    }
    return lowering::apply(e.op, row_value<V>(e.a, s.a, r, j));
}
/// x − logsumexp(x) (log_softmax, and log∘softmax after the rewrite): (x − shift) − log Σ, rounded
/// as jax.nn.log_softmax rounds it. As written, x − (shift + log Σ) loses log Σ to the rounding of
/// a large shift (tied logits at 1e30 gave 0 instead of −log 3). Rows whose maximum is not
/// finite keep x − logsumexp(x).
template <class V, class A, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const binary<ops::sub, A, reduce_t<ops::logsumexp_r, A>>& e, S& s,
                                          const Row& r, std::size_t j) {
    const V x = row_value<V>(e.a, s.a, r, j);
    if constexpr (lowering::uncached<S>) {
        const auto parts = ops::logsumexp_r::reduce_parts<V>(
            width(e.b.a, r.dims), [&](std::size_t k) { return row_value<V>(e.b.a, s, r, k); });
        return math::select_nonzero(parts.finite, (x - parts.shift) - parts.log_sum, x - parts.value);
    } else {
        const auto& st = s.b;
        return math::select_nonzero(static_cast<V>(st.finite),
                                    (x - static_cast<V>(st.shift)) - static_cast<V>(st.log_sum),
                                    x - static_cast<V>(st.value));
    }
}
template <class V, class R, class A, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const reduce_t<R, A>& e, S& s, const Row& r, std::size_t) {
    if constexpr (lowering::uncached<S>)
        return R::template reduce<V>(width(e.a, r.dims), [&](std::size_t k) { return row_value<V>(e.a, s, r, k); });
    else
        return static_cast<V>(s.value);
}
template <class V, std::size_t J, class A, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const col_t<J, A>& e, S& s, const Row& r, std::size_t) {
    if constexpr (lowering::column_pack<Row, V>)
        return row_value<V>(e.a, s.a, r.single(), J);
    else
        return row_value<V>(e.a, s.a, r, J);
}
template <class V, std::size_t F, std::size_t N, class A, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const cols_t<F, N, A>& e, S& s, const Row& r, std::size_t j) {
    return row_value<V>(e.a, s.a, r, F + (N == 1 ? 0 : j));
}
template <class V, std::size_t F, std::size_t N, class G, class Of, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const embed_t<F, N, G, Of>& e, S& s, const Row& r, std::size_t j) {
    using T = typename Row::scalar_type;
    constexpr std::size_t end = N == dynamic_extent ? dynamic_extent : F + N;  // one past the slice
    if constexpr (lowering::column_pack<Row, V>) {
        if (j >= F && j + V::width <= end) return row_value<V>(e.g, s.g, r, j - F);
        if (j + V::width <= F || j >= end) return V(T(0));
        alignas(64) T lanes_[V::width];  // a pack straddling the slice's edge: lane by lane
        const auto one = r.single();
        for (int l = 0; l < V::width; ++l) {
            const std::size_t k = j + static_cast<std::size_t>(l);
            lanes_[l] = (k >= F && k < end) ? simd::first_lane(row_value<V>(e.g, s.g, one, k - F)) : T(0);
        }
        return V::load(lanes_);
    } else
        return (j >= F && j < end) ? row_value<V>(e.g, s.g, r, j - F) : static_cast<V>(T(0));
}
template <class V, std::size_t J, class G, class Of, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const onehot_t<J, G, Of>& e, S& s, const Row& r, std::size_t j) {
    using T = typename Row::scalar_type;
    if constexpr (lowering::column_pack<Row, V>) {
        const V g = row_value<V>(e.g, s.g, r.single(), 0);
        return simd::select(simd::eq(V::iota(), V(static_cast<T>(J) - static_cast<T>(j))), g, V(T(0)));
    } else
        return j == J ? row_value<V>(e.g, s.g, r, 0) : static_cast<V>(T(0));
}
namespace lowering {
template <class G, class Ctx, class Child>
constexpr bool needs_row_sum(const unbroadcast_t<G, Ctx, Child>& e, const input_dims& d) {
    if constexpr (!Child::cols)
        return true;
    else
        return width(e.child, d) != width(e.ctx, d);
}
}  // namespace lowering
template <class V, class G, class Ctx, class Child, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const unbroadcast_t<G, Ctx, Child>& e, S& s, const Row& r, std::size_t j) {
    if constexpr (lowering::uncached<S>) {
        if (!lowering::needs_row_sum(e, r.dims)) return row_value<V>(e.g, s, r, j);
        return ops::sum_r::reduce<V>(width(e.ctx, r.dims), [&](std::size_t k) { return row_value<V>(e.g, s, r, k); });
    } else
        return s.summed ? static_cast<V>(s.value) : row_value<V>(e.g, s.g, r, j);
}

// ---- sharing statistics between the loss and its gradient -------------------------------------
// A node without run-time parameters (scalars, weights, pow exponents, clip bounds) below it is
// determined by its type alone, so two occurrences of that type have the same value in a row.
// The gradient of a loss repeats many of the loss's row statistics (d logsumexp = softmax needs
// logsumexp again); the kernel prepares the loss first and lets the gradient read those.
template <class E> inline constexpr bool param_free = false;
template <input W> inline constexpr bool param_free<placeholder<W>> = true;
template <input W> inline constexpr bool param_free<other_t<W>> = true;
template <> inline constexpr bool param_free<same_sample_t> = true;
template <class R, class A> inline constexpr bool param_free<pair_reduce_t<R, A>> = param_free<A>;
template <> inline constexpr bool param_free<zero_t> = true;
template <> inline constexpr bool param_free<one_t> = true;
template <int N> inline constexpr bool param_free<integer_t<N>> = true;
template <> inline constexpr bool param_free<column_index_t> = true;
template <class E> inline constexpr bool param_free<count_t<E>> = param_free<E>;
template <class Op, class A> inline constexpr bool param_free<unary<Op, A>> = std::is_empty_v<Op>&& param_free<A>;
template <class Op, class A, class B> inline constexpr bool param_free<binary<Op, A, B>> =
    std::is_empty_v<Op>&& param_free<A>&& param_free<B>;
template <class C, class A, class B> inline constexpr bool param_free<where_t<C, A, B>> =
    param_free<C>&& param_free<A>&& param_free<B>;
template <class R, class A> inline constexpr bool param_free<reduce_t<R, A>> = param_free<A>;
template <std::size_t J, class A> inline constexpr bool param_free<col_t<J, A>> = param_free<A>;
template <std::size_t F, std::size_t N, class A> inline constexpr bool param_free<cols_t<F, N, A>> = param_free<A>;

namespace lowering {
/// Every node type of a tree, children after parents, each passed to f.template operator()<N>().
template <class E, class F> constexpr void visit_node_types(F& f) {
    f.template operator()<E>();
    for_each_child_type<E>([&f]<class C>() { visit_node_types<C>(f); });
}
/// Does a node type N of tree E have Is<N>::value?
template <template <class> class Is> struct finds_if {
    bool found = false;
    template <class N> constexpr void operator()() { found = found || Is<N>::value; }
};
template <template <class> class Is, class E> constexpr bool holds_node_type() {
    finds_if<Is> f;
    visit_node_types<E>(f);
    return f.found;
}
template <class N> inline constexpr bool is_logsumexp = false;
template <class A> inline constexpr bool is_logsumexp<reduce_t<ops::logsumexp_r, A>> = true;
/// The first node of a tree (children in the order a, b, c) for which Pick<N>::type is not
/// void, as std::type_identity of that type; type_identity<void> if none.
template <template <class> class Pick, class E> constexpr auto first_picked();
#define LOSSC_FIRST_IN(member)                                                                           \
    template <template <class> class Pick, class E> constexpr auto first_picked_in_##member() {          \
        if constexpr (requires { std::declval<const E&>().member; })                                     \
            return first_picked<Pick, std::remove_cvref_t<decltype(std::declval<const E&>().member)>>(); \
        else                                                                                             \
            return std::type_identity<void>{};                                                           \
    }
LOSSC_FIRST_IN(a)
LOSSC_FIRST_IN(b)
LOSSC_FIRST_IN(c)
#undef LOSSC_FIRST_IN
template <template <class> class Pick, class E> constexpr auto first_picked() {
    using here = typename Pick<E>::type;
    if constexpr (!std::is_void_v<here>)
        return std::type_identity<here>{};
    else if constexpr (!std::is_void_v<typename decltype(first_picked_in_a<Pick, E>())::type>)
        return first_picked_in_a<Pick, E>();
    else if constexpr (!std::is_void_v<typename decltype(first_picked_in_b<Pick, E>())::type>)
        return first_picked_in_b<Pick, E>();
    else
        return first_picked_in_c<Pick, E>();
}
template <class N> struct pick_logsumexp { using type = std::conditional_t<is_logsumexp<N>, N, void>; };
/// The first logsumexp node type of a tree (as std::type_identity), or type_identity<void>.
template <class E> constexpr auto first_logsumexp() { return first_picked<pick_logsumexp, E>(); }
/// Counts, over a tree, logsumexp node types other than L and softmax nodes of L's operand.
template <class L> struct logsumexp_census {
    bool other = false, softmax = false;
    template <class N> constexpr void operator()() {
        if constexpr (is_logsumexp<N> && !std::is_same_v<N, L>) other = true;
        if constexpr (std::is_same_v<N, unary<ops::exp_op, binary<ops::sub, decltype(std::declval<const L&>().a), L>>>)
            softmax = true;
    }
};
template <class N> inline constexpr bool remaps_columns = false;  // reads its operand at other columns
template <std::size_t J, class A> inline constexpr bool remaps_columns<col_t<J, A>> = true;
template <std::size_t F, std::size_t N, class A> inline constexpr bool remaps_columns<cols_t<F, N, A>> = true;
template <std::size_t F, std::size_t N, class G, class Of> inline constexpr bool remaps_columns<embed_t<F, N, G, Of>> =
    true;
template <std::size_t J, class G, class Of> inline constexpr bool remaps_columns<onehot_t<J, G, Of>> = true;
template <class P> struct finds_node {
    bool found = false;
    template <class N> constexpr void operator()() { found = found || std::is_same_v<N, P>; }
};
/// Finds a softplus or sigmoid node of operand B (up to sign).
template <class B> struct finds_logistic {
    bool found = false;
    template <class N> constexpr void operator()() {
        found = found || std::is_same_v<typename logistic_operand<N>::type, B>;
    }
};
/// Is a node that Finder finds read under a node that moves columns? Then gradient column j
/// could read a memo at another column, already overwritten or never filled: no memo.
template <class Finder> struct remapped_census_of {
    bool remapped = false;
    template <class N> constexpr void operator()() {
        if constexpr (remaps_columns<N>) {
            Finder f;
            if constexpr (requires { std::declval<const N&>().g; })
                visit_node_types<std::remove_cvref_t<decltype(std::declval<const N&>().g)>>(f);
            else
                visit_node_types<std::remove_cvref_t<decltype(std::declval<const N&>().a)>>(f);
            remapped = remapped || f.found;
        }
    }
};
template <class P> using remapped_census = remapped_census_of<finds_node<P>>;
/// Does the memo apply to a loss E with gradient G: exactly one logsumexp node type in both
/// (so the memo's row holds that one's exps), G reads softmax of the same operand, and never
/// through a column selection (the kernel also checks at run time that the operand is as wide
/// as y_pred, the row the memo lives in).
template <class E, class G> constexpr bool memoizable() {
    using L = typename decltype(first_logsumexp<E>())::type;
    if constexpr (std::is_void_v<L>)
        return false;
    else {
        using softmax_t = unary<ops::exp_op, binary<ops::sub, decltype(std::declval<const L&>().a), L>>;
        logsumexp_census<L> in_e, in_g;
        visit_node_types<E>(in_e);
        visit_node_types<G>(in_g);
        remapped_census<softmax_t> remap_e, remap_g;
        visit_node_types<E>(remap_e);
        visit_node_types<G>(remap_g);
        return !in_e.other && !in_g.other && in_g.softmax && !remap_e.remapped && !remap_g.remapped;
    }
}

/// A node that normalises a y_pred-dependent row over its columns: x − logsumexp(x) (log_softmax,
/// and so softmax) or p / Σ p (its sum under stop_gradient or not).
template <class N> inline constexpr bool normalises_row = false;
template <class A> inline constexpr bool normalises_row<binary<ops::sub, A, reduce_t<ops::logsumexp_r, A>>> =
    A::pred_dep;
template <class A> inline constexpr bool normalises_row<binary<ops::div, A, reduce_t<ops::sum_r, A>>> = A::pred_dep;
template <class A>
inline constexpr bool normalises_row<binary<ops::div, A, unary<ops::stop_gradient_op, reduce_t<ops::sum_r, A>>>> =
    A::pred_dep;
template <class N> struct normalises_row_node : std::bool_constant<normalises_row<N>> {};
/// Does loss E normalise y_pred's rows (a softmax, a renormalisation)? Over one column such a
/// normalisation is the constant 1 (0 as a log): a categorical loss meets one column only by
/// mistake, and its kernel compiles no copy for one-column batches.
template <class E> constexpr bool normalises_rows() { return holds_node_type<normalises_row_node, E>(); }

/// Nodes of an element-wise function of y_true and y_pred: element (i, j) of its value reads
/// element (i, j) of the inputs and nothing else (no weights, column selections or reductions).
template <class N> inline constexpr bool per_element = false;
template <input W> inline constexpr bool per_element<placeholder<W>> = true;
template <> inline constexpr bool per_element<scalar> = true;
template <> inline constexpr bool per_element<zero_t> = true;
template <> inline constexpr bool per_element<one_t> = true;
template <int N> inline constexpr bool per_element<integer_t<N>> = true;
template <class Op, class A> inline constexpr bool per_element<unary<Op, A>> = per_element<A>;
template <class Op, class A, class B> inline constexpr bool per_element<binary<Op, A, B>> =
    per_element<A>&& per_element<B>;
template <class C, class A, class B> inline constexpr bool per_element<where_t<C, A, B>> =
    per_element<C>&& per_element<A>&& per_element<B>;
/// A separable loss: the sum or mean over the columns of an element-wise function of y_true and
/// y_pred (MSE, MAE, BCE, Huber, focal BCE…). Its value over a row is its value over the row's
/// elements, each taken as a row of one column, summed (or averaged); its gradient is theirs (over
/// the column count for a mean). The kernel walks rows of such a loss as one column.
template <class E> inline constexpr bool separable = false;
template <class A> inline constexpr bool separable<reduce_t<ops::sum_r, A>> = per_element<A>;
template <class A> inline constexpr bool separable<reduce_t<ops::mean_r, A>> = per_element<A>;
template <class E> struct row_reduction;
template <class R, class A> struct row_reduction<reduce_t<R, A>> { using type = R; };

/// The operand (up to sign) of the first softplus/sigmoid node of a tree, as std::type_identity.
template <class E> constexpr auto first_logistic_operand() { return first_picked<logistic_operand, E>(); }
/// The operand B whose e = exp(−|B|) a block keeps for loss E and gradient G (type_identity of
/// void: no memo): the first softplus/sigmoid operand of E, when G reads one of B too; B has no
/// run-time parameters (so equal types are equal values) and y_pred's width (one slot per column
/// of y_pred); and no such node is read under a node that moves columns.
template <class E, class G> constexpr auto logistic_memo_base() {
    using B = typename decltype(first_logistic_operand<E>())::type;
    if constexpr (std::is_void_v<B>)
        return std::type_identity<void>{};
    else {
        constexpr bool ok = [] {
            if constexpr (!param_free<B> || !B::pred_cols || B::extent != dynamic_extent)
                return false;
            else {
                finds_logistic<B> in_g;
                visit_node_types<G>(in_g);
                remapped_census_of<finds_logistic<B>> remap_e, remap_g;
                visit_node_types<E>(remap_e);
                visit_node_types<G>(remap_g);
                return in_g.found && !remap_e.remapped && !remap_g.remapped;
            }
        }();
        if constexpr (ok)
            return std::type_identity<B>{};
        else
            return std::type_identity<void>{};
    }
}

/// Does a node compute a transcendental function (an exp or a log inside, pow)?
template <class N> inline constexpr bool transcendental = false;
template <class A> inline constexpr bool transcendental<reduce_t<ops::logsumexp_r, A>> = true;
template <class Op, class A> inline constexpr bool transcendental<unary<Op, A>> = Op::transcendental;
template <class Op, class A, class B> inline constexpr bool transcendental<binary<Op, A, B>> = Op::transcendental;
struct finds_transcendental {
    bool found = false;
    template <class N> constexpr void operator()() { found = found || transcendental<N>; }
};
/// A loss and gradient of arithmetic only run at memory speed: there, and only there,
/// non-temporal output stores paid in the benchmarks (docs/perf-log.md), so
/// options::output_stores::automatic streams for these.
/// consteval: a fact of the types, never a tree walk at run time (-O0 builds emitted one).
template <class E, class G> consteval bool memory_bound() {
    finds_transcendental in_e, in_g;
    visit_node_types<E>(in_e);
    visit_node_types<G>(in_g);
    return !in_e.found && !in_g.found;
}

/// Does the subtree E, with row state S, hold a node of type N with a statistic (its `value`)?
/// Decided on the types alone, so that find_stat below is one call per level: -O0 builds emitted
/// a search function and its lambdas per node.
template <class N, class E, class S> consteval bool holds_stat();
#define LOSSC_HOLDS_IN(m)                                                                   \
    template <class N, class E, class S> consteval bool holds_stat_in_##m() {               \
        if constexpr (requires(const E& e, S& s) {                                          \
                          e.m;                                                              \
                          s.m;                                                              \
                      })                                                                    \
            return holds_stat<N, std::remove_cvref_t<decltype(std::declval<const E&>().m)>, \
                              std::remove_reference_t<decltype(std::declval<S&>().m)>>();   \
        else                                                                                \
            return false;                                                                   \
    }
LOSSC_HOLDS_IN(c)
LOSSC_HOLDS_IN(a)
LOSSC_HOLDS_IN(b)
LOSSC_HOLDS_IN(g)
#undef LOSSC_HOLDS_IN
template <class N, class E, class S> consteval bool holds_stat() {
    if constexpr (std::is_same_v<E, N> && requires(S & s) { s.value; })
        return true;
    else
        return holds_stat_in_c<N, E, S>() || holds_stat_in_a<N, E, S>() || holds_stat_in_b<N, E, S>() ||
               holds_stat_in_g<N, E, S>();
}

/// Address of the row state of the first node of type N in (e, s) that holds a statistic
/// (its `value`, and a logsumexp's parts), searching children c, a, b, g in that order; or
/// nullptr_t if none.
template <class N, class E, class S> constexpr auto find_stat(const E& e, S& s) {
    if constexpr (std::is_same_v<E, N> && requires { s.value; })
        return &s;
    else if constexpr (holds_stat_in_c<N, E, S>())
        return find_stat<N>(e.c, s.c);
    else if constexpr (holds_stat_in_a<N, E, S>())
        return find_stat<N>(e.a, s.a);
    else if constexpr (holds_stat_in_b<N, E, S>())
        return find_stat<N>(e.b, s.b);
    else if constexpr (holds_stat_in_g<N, E, S>())
        return find_stat<N>(e.g, s.g);
    else
        return nullptr;
}
}  // namespace lowering

/// No statistics to share (the loss itself, scalar reference rows).
struct no_sharing {
    template <class N> static constexpr std::nullptr_t find() { return nullptr; }
};
/// The prepared statistics of a loss, offered to its gradient.
template <class E, class S> struct shared_stats {
    const E& e;
    const S& s;
    template <class N> constexpr auto find() const {
        if constexpr (param_free<N>)
            return lowering::find_stat<N>(e, s);
        else
            return nullptr;
    }
};

// ---- per-row statistics (cached schedules only) ----------------------------------------------
namespace lowering {
/// A reduction's result in its first lane: a pack's, or logsumexp's parts'.
template <class T> LOSSC_KERNEL_INLINE T first_lanes(pack<T> v) { return simd::first_lane(v); }
template <class T>
LOSSC_KERNEL_INLINE ops::logsumexp_r::parts<T> first_lanes(const ops::logsumexp_r::parts<pack<T>>& p) {
    return {simd::first_lane(p.value), simd::first_lane(p.finite), simd::first_lane(p.sum), simd::first_lane(p.shift),
            simd::first_lane(p.log_sum)};
}
/// A reduction over n values of a row, in the row's lane mode: packed<R>::reduce<T>(n, at_pack,
/// at_tail) when lanes are columns (packs of columns and a scalar tail: the tail columns are
/// broadcast packs of the same row, so they see the same packet math); for one row
/// (lanes::single), red.reduce over broadcast packs, its first lane taken (first_lanes); else
/// red.reduce<S>(n, at_one), one value at a time. `at` is a generic lambda at<V>(row, k); S is
/// the values' type where lanes are not packs. red: a reducer (ops::sum_r…) or logsumexp_keeping
/// below.
template <class S, class Row, class At, class Reducer>
LOSSC_KERNEL_INLINE auto over_row(const Row& r, std::size_t n, At&& at, const Reducer& red) {
    using T = typename Row::scalar_type;
    if constexpr (Row::lane_mode == lanes::columns) {
        const auto one = r.single();
        const auto at_pack = [&](std::size_t k) { return at.template operator()<pack<T>>(r, k); };
        const auto at_one = [&](std::size_t k) { return simd::first_lane(at.template operator()<pack<T>>(one, k)); };
        if constexpr (requires { red.template reduce_packed<T>(n, at_pack, at_one); })
            return red.template reduce_packed<T>(n, at_pack, at_one);
        else
            return packed<Reducer>::template reduce<T>(n, at_pack, at_one);
    } else if constexpr (Row::lane_mode == lanes::single) {
        // The reduction in broadcast packs too (logsumexp's exp and log are then the packets',
        // not <cmath>'s), so that a row walked alone gets the bits of a block's lane; compact
        // where the reducer has it (the same bits, less code: this walk serves tail rows).
        const auto at_single = [&](std::size_t k) { return at.template operator()<pack<T>>(r, k); };
        if constexpr (requires { red.template reduce_compact<pack<T>>(n, at_single); })
            return first_lanes(red.template reduce_compact<pack<T>>(n, at_single));
        else
            return first_lanes(red.template reduce<pack<T>>(n, at_single));
    } else
        return red.template reduce<S>(n, [&](std::size_t k) { return at.template operator()<S>(r, k); });
}
/// Reduce n values of a row with R (over_row).
template <class R, class S, class Row, class At>
LOSSC_KERNEL_INLINE S reduce_row(const Row& r, std::size_t n, At&& at) {
    return over_row<S>(r, n, at, R{});
}
}  // namespace lowering

namespace lowering {
template <class St, class Parts> LOSSC_KERNEL_INLINE void keep_parts(St& s, const Parts& parts) {
    s.value = parts.value;
    s.shift = parts.shift;
    s.log_sum = parts.log_sum;
    s.finite = parts.finite;
}
/// What the gradient needs of a memo besides the exps: 1/Σe and which rows may use them.
template <class Memo, class Sv> void fill_memo(Memo& m, Sv finite, Sv sum, Sv shift) {
    m.scale = Sv(1) / sum;
    m.shift = shift;
    m.valid = finite;
    if constexpr (is_pack<Sv>)
        m.all_valid = !simd::any(simd::eq(finite, Sv(0)));
    else
        m.all_valid = finite != Sv(0);
    m.ready = true;
}
}  // namespace lowering

namespace lowering {
/// Does a subtree hold anything prepare() fills (a reduction, an unbroadcast's row sum)? Subtrees
/// without are not visited: -O0 builds emitted an empty prepare per node and row type.
template <class N> inline constexpr bool fills_row_stat = false;
template <class R, class A> inline constexpr bool fills_row_stat<reduce_t<R, A>> = true;
template <class G, class Ctx, class Child> inline constexpr bool fills_row_stat<unbroadcast_t<G, Ctx, Child>> = true;
template <class N> struct row_stat_node : std::bool_constant<fills_row_stat<N>> {};
template <class E> consteval bool has_row_stats() { return holds_node_type<row_stat_node, E>(); }
template <class E> inline constexpr bool prepares = has_row_stats<E>();
}  // namespace lowering

// prepare(e, state, row, shared): fill the row statistics below e, children first. `shared`
// offers statistics already computed for this row (shared_stats of the loss, for its gradient).
template <class E, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE constexpr void prepare(const E&, S&, const Row&, const Sh&) {}  // leaves
template <class Op, class A, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const unary<Op, A>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<A>) prepare(e.a, s.a, r, sh);
}
template <class Op, class A, class B, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const binary<Op, A, B>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<A>) prepare(e.a, s.a, r, sh);
    if constexpr (lowering::prepares<B>) prepare(e.b, s.b, r, sh);
}
template <class C, class A, class B, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const where_t<C, A, B>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<C>) prepare(e.c, s.c, r, sh);
    if constexpr (lowering::prepares<A>) prepare(e.a, s.a, r, sh);
    if constexpr (lowering::prepares<B>) prepare(e.b, s.b, r, sh);
}
template <class R, class A, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const reduce_t<R, A>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (!std::is_null_pointer_v<decltype(sh.template find<reduce_t<R, A>>())>) {
        s.value = sh.template find<reduce_t<R, A>>()->value;  // computed already: its subtree is not visited
    } else {
        if constexpr (lowering::prepares<A>) prepare(e.a, s.a, r, sh);
        s.value = lowering::reduce_row<R, decltype(s.value)>(
            r, width(e.a, r.dims),
            [&]<class V>(const auto& row, std::size_t k) { return row_value<V>(e.a, s.a, row, k); });
    }
}
namespace lowering {
/// logsumexp_r's parts as a reducer for over_row; keep_pack(k, pack) and keep(k, value) see every
/// exp as it is summed.
template <class KeepPack, class Keep> struct logsumexp_keeping {
    const KeepPack& keep_pack;
    const Keep& keep;
    template <class T, class FP, class FS>
    LOSSC_KERNEL_INLINE auto reduce_packed(std::size_t n, FP&& at_pack, FS&& at) const {
        return packed<ops::logsumexp_r>::reduce_parts<T>(n, at_pack, at, keep_pack, keep);
    }
    template <class S, class F> LOSSC_KERNEL_INLINE auto reduce(std::size_t n, F&& at) const {
        return ops::logsumexp_r::reduce_parts<S>(n, at, keep);
    }
    template <class S, class F> LOSSC_KERNEL_INLINE auto reduce_compact(std::size_t n, F&& at) const {
        return ops::logsumexp_r::reduce_parts<S, F&, const Keep&, true>(n, at, keep);
    }
};
template <class Sv, class Row, class At, class KeepPack, class Keep>
LOSSC_KERNEL_INLINE auto logsumexp_row_parts(const Row& r, std::size_t n, At&& at, const KeepPack& keep_pack,
                                             const Keep& keep) {
    return over_row<Sv>(r, n, at, logsumexp_keeping<KeepPack, Keep>{keep_pack, keep});
}
}  // namespace lowering
/// logsumexp; where the row has a memo, the exp-sum pass also fills it (and stores e_j where the
/// memo has a place for them).
template <class A, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const reduce_t<ops::logsumexp_r, A>& e, S& s, const Row& r, const Sh& sh) {
    using N = reduce_t<ops::logsumexp_r, A>;
    if constexpr (!std::is_null_pointer_v<decltype(sh.template find<N>())>) {
        s = *sh.template find<N>();  // the statistic and its parts
    } else {
        using T = typename Row::scalar_type;
        using Sv = decltype(s.value);  // T for one row, a pack (or group) for a block of rows
        if constexpr (lowering::prepares<A>) prepare(e.a, s.a, r, sh);
        const std::size_t n = width(e.a, r.dims);
        const auto at = [&]<class V>(const auto& row, std::size_t k) { return row_value<V>(e.a, s.a, row, k); };
        constexpr ops::logsumexp_r::no_keep none{};
        // The memo this pass fills: the row's, for a logsumexp over all of y_pred's columns.
        const auto memo = [&] {
            if constexpr (Row::lane_mode != lanes::none && requires { r.memo; })
                return r.memo != nullptr && n == r.dims.pred_cols ? r.memo : nullptr;
            else
                return nullptr;
        }();
        if constexpr (!std::is_null_pointer_v<decltype(memo)>) {
            if (memo != nullptr && memo->data != nullptr) {  // a place for the exps: kept as summed
                T* out = memo->data;
                const index step = memo->step;
                const auto parts = lowering::logsumexp_row_parts<Sv>(
                    r, n, at, [&](std::size_t k, pack<T> x) { x.store(out + k); },
                    [&](std::size_t k, auto x) {
                        if constexpr (Row::lane_mode == lanes::columns)
                            out[k] = x;  // a lone column
                        else if constexpr (is_pack<Sv>)
                            x.store(out + static_cast<index>(k) * step);
                        else if constexpr (is_pack<decltype(x)>)
                            out[static_cast<index>(k) * step] = simd::first_lane(x);  // one row
                        else
                            out[static_cast<index>(k) * step] = x;
                    });
                lowering::keep_parts(s, parts);
                lowering::fill_memo(*memo, parts.finite, parts.sum, parts.shift);
                return;
            }
        }
        const auto parts = lowering::logsumexp_row_parts<Sv>(r, n, at, none, none);
        lowering::keep_parts(s, parts);
        if constexpr (!std::is_null_pointer_v<decltype(memo)>)
            if (memo != nullptr) lowering::fill_memo(*memo, parts.finite, parts.sum, parts.shift);  // max and 1/Σ only
    }
}
template <std::size_t J, class A, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const col_t<J, A>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<A>) prepare(e.a, s.a, r, sh);
}
template <std::size_t F, std::size_t N, class A, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const cols_t<F, N, A>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<A>) prepare(e.a, s.a, r, sh);
}
template <std::size_t F, std::size_t N, class G, class Of, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const embed_t<F, N, G, Of>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<G>) prepare(e.g, s.g, r, sh);
}
template <std::size_t J, class G, class Of, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const onehot_t<J, G, Of>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<G>) prepare(e.g, s.g, r, sh);
}
template <class G, class Ctx, class Child, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const unbroadcast_t<G, Ctx, Child>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<G>) prepare(e.g, s.g, r, sh);
    s.summed = lowering::needs_row_sum(e, r.dims);
    if (s.summed)
        s.value = lowering::reduce_row<ops::sum_r, decltype(s.value)>(
            r, width(e.ctx, r.dims),
            [&]<class V>(const auto& row, std::size_t k) { return row_value<V>(e.g, s.g, row, k); });
}

}  // namespace LOSSC_ISA
}  // namespace lossc
