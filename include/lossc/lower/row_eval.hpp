// lossc — evaluating an expression one row at a time.
//
// A row is one sample: accessors for its y_true and y_pred entries plus the input widths.
// row_value(e, state, row, j) is the value of e at column j of that row (per-sample nodes
// ignore j). Two schedules share this code:
//   * cached (the kernels): row_state<E, T> mirrors the tree and holds one slot per row
//     statistic (every reduction, every broadcast sum); prepare() fills the slots bottom-up
//     once per row, so each statistic is computed once and the row stays in L1 meanwhile;
//   * no_cache (the constexpr reference, lossc::evaluate): every statistic is recomputed where
//     it is used — slow, obviously correct, and usable in constant expressions.
// Width-1 sources (a 1-column input, cols<F, 1>, weights of length 1) clamp j to 0 themselves,
// which is numpy's broadcasting of a single column.
#pragma once
#include <array>
#include <type_traits>

#include "../analysis/shapes.hpp"
#include "../config.hpp"

namespace lossc {

/// One sample of strided inputs (any storage order); a 1-column input has step 0.
template <class T>
struct strided_row {
    using value_type = T;
    const T* t;
    index t_step;
    const T* p;
    index p_step;
    input_dims dims;
    constexpr T true_at(std::size_t j) const { return t[static_cast<index>(j) * t_step]; }
    constexpr T pred_at(std::size_t j) const { return p[static_cast<index>(j) * p_step]; }
};

/// One sample of std::array inputs (lossc::evaluate): indexable in constant expressions.
template <class T, std::size_t Ct, std::size_t Cp>
struct array_row {
    using value_type = T;
    const std::array<T, Ct>* t;
    const std::array<T, Cp>* p;
    input_dims dims;
    constexpr T true_at(std::size_t j) const { return (*t)[Ct == 1 ? 0 : j]; }
    constexpr T pred_at(std::size_t j) const { return (*p)[Cp == 1 ? 0 : j]; }
};

struct no_cache {};

template <class E, class T>
struct row_state {};  // leaves hold nothing
template <class Op, class A, class T>
struct row_state<unary<Op, A>, T> {
    [[no_unique_address]] row_state<A, T> a;
};
template <class Op, class A, class B, class T>
struct row_state<binary<Op, A, B>, T> {
    [[no_unique_address]] row_state<A, T> a;
    [[no_unique_address]] row_state<B, T> b;
};
template <class C, class A, class B, class T>
struct row_state<where_t<C, A, B>, T> {
    [[no_unique_address]] row_state<C, T> c;
    [[no_unique_address]] row_state<A, T> a;
    [[no_unique_address]] row_state<B, T> b;
};
template <class R, class A, class T>
struct row_state<reduce_t<R, A>, T> {
    [[no_unique_address]] row_state<A, T> a;
    T value{};
};
template <std::size_t J, class A, class T>
struct row_state<col_t<J, A>, T> {
    [[no_unique_address]] row_state<A, T> a;
};
template <std::size_t F, std::size_t N, class A, class T>
struct row_state<cols_t<F, N, A>, T> {
    [[no_unique_address]] row_state<A, T> a;
};
template <std::size_t F, std::size_t N, class G, class Of, class T>
struct row_state<embed_t<F, N, G, Of>, T> {
    [[no_unique_address]] row_state<G, T> g;
};
template <std::size_t J, class G, class Of, class T>
struct row_state<onehot_t<J, G, Of>, T> {
    [[no_unique_address]] row_state<G, T> g;
};
template <class G, class Ctx, class Child, class T>
struct row_state<unbroadcast_t<G, Ctx, Child>, T> {
    [[no_unique_address]] row_state<G, T> g;
    T value{};
    bool summed = false;
};

namespace detail {
template <class S>
inline constexpr bool uncached = std::is_same_v<std::remove_const_t<S>, no_cache>;
#define LOSSC_SUBSTATE(fn, member)                                                 \
    template <class S>                                                             \
    constexpr auto& fn(S& s) {                                                     \
        if constexpr (uncached<S>) return s;                                       \
        else return s.member;                                                      \
    }
LOSSC_SUBSTATE(sub_a, a)
LOSSC_SUBSTATE(sub_b, b)
LOSSC_SUBSTATE(sub_c, c)
LOSSC_SUBSTATE(sub_g, g)
#undef LOSSC_SUBSTATE
}  // namespace detail

// ---- values ----------------------------------------------------------------------------------
template <input W, class S, class Row>
constexpr auto row_value(const placeholder<W>&, S&, const Row& r, std::size_t j) {
    if constexpr (W == input::y_true) return r.true_at(j);
    else return r.pred_at(j);
}
template <class S, class Row>
constexpr auto row_value(const scalar& e, S&, const Row&, std::size_t) {
    return static_cast<typename Row::value_type>(e.value);
}
template <class S, class Row>
constexpr auto row_value(const zero_t&, S&, const Row&, std::size_t) { return typename Row::value_type(0); }
template <class S, class Row>
constexpr auto row_value(const one_t&, S&, const Row&, std::size_t) { return typename Row::value_type(1); }
template <class E, class S, class Row>
constexpr auto row_value(const count_t<E>& e, S&, const Row& r, std::size_t) {
    return static_cast<typename Row::value_type>(width(e.of, r.dims));
}
template <std::size_t N, class S, class Row>
constexpr auto row_value(const weights_c<N>& e, S&, const Row&, std::size_t j) {
    return static_cast<typename Row::value_type>(e.w[N == 1 ? 0 : j]);
}
template <class U, class S, class Row>
constexpr auto row_value(const weights_span<U>& e, S&, const Row&, std::size_t j) {
    return static_cast<typename Row::value_type>(e.data[e.size == 1 ? 0 : j]);
}
template <class Op, class A, class S, class Row>
constexpr auto row_value(const unary<Op, A>& e, S& s, const Row& r, std::size_t j) {
    return e.op(row_value(e.a, detail::sub_a(s), r, j));
}
template <class Op, class A, class B, class S, class Row>
constexpr auto row_value(const binary<Op, A, B>& e, S& s, const Row& r, std::size_t j) {
    return e.op(row_value(e.a, detail::sub_a(s), r, j), row_value(e.b, detail::sub_b(s), r, j));
}
template <class C, class A, class B, class S, class Row>
constexpr auto row_value(const where_t<C, A, B>& e, S& s, const Row& r, std::size_t j) {
    // Both branches are evaluated (branch-free, as SIMD selects will be); only one is kept.
    const auto c = row_value(e.c, detail::sub_c(s), r, j);
    const auto a = row_value(e.a, detail::sub_a(s), r, j);
    const auto b = row_value(e.b, detail::sub_b(s), r, j);
    return c != 0 ? a : b;
}
template <class R, class A, class S, class Row>
constexpr auto row_value(const reduce_t<R, A>& e, S& s, const Row& r, std::size_t) {
    using T = typename Row::value_type;
    if constexpr (detail::uncached<S>)
        return R::template reduce<T>(width(e.a, r.dims), [&](std::size_t k) { return row_value(e.a, s, r, k); });
    else return s.value;
}
template <std::size_t J, class A, class S, class Row>
constexpr auto row_value(const col_t<J, A>& e, S& s, const Row& r, std::size_t) {
    return row_value(e.a, detail::sub_a(s), r, J);
}
template <std::size_t F, std::size_t N, class A, class S, class Row>
constexpr auto row_value(const cols_t<F, N, A>& e, S& s, const Row& r, std::size_t j) {
    return row_value(e.a, detail::sub_a(s), r, F + (N == 1 ? 0 : j));
}
template <std::size_t F, std::size_t N, class G, class Of, class S, class Row>
constexpr auto row_value(const embed_t<F, N, G, Of>& e, S& s, const Row& r, std::size_t j) {
    using T = typename Row::value_type;
    return (j >= F && j < F + N) ? static_cast<T>(row_value(e.g, detail::sub_g(s), r, j - F)) : T(0);
}
template <std::size_t J, class G, class Of, class S, class Row>
constexpr auto row_value(const onehot_t<J, G, Of>& e, S& s, const Row& r, std::size_t j) {
    using T = typename Row::value_type;
    return j == J ? static_cast<T>(row_value(e.g, detail::sub_g(s), r, 0)) : T(0);
}
namespace detail {
template <class G, class Ctx, class Child>
constexpr bool needs_row_sum(const unbroadcast_t<G, Ctx, Child>& e, const input_dims& d) {
    if constexpr (!Child::cols) return true;
    else return width(e.child, d) != width(e.ctx, d);
}
}  // namespace detail
template <class G, class Ctx, class Child, class S, class Row>
constexpr auto row_value(const unbroadcast_t<G, Ctx, Child>& e, S& s, const Row& r, std::size_t j) {
    using T = typename Row::value_type;
    if constexpr (detail::uncached<S>) {
        if (!detail::needs_row_sum(e, r.dims)) return static_cast<T>(row_value(e.g, s, r, j));
        return ops::sum_r::reduce<T>(width(e.ctx, r.dims), [&](std::size_t k) { return row_value(e.g, s, r, k); });
    } else return s.summed ? s.value : static_cast<T>(row_value(e.g, s.g, r, j));
}

// ---- per-row statistics (cached schedule only) -----------------------------------------------
template <class E, class S, class Row>
constexpr void prepare(const E&, S&, const Row&) {}  // leaves
template <class Op, class A, class S, class Row>
constexpr void prepare(const unary<Op, A>& e, S& s, const Row& r) { prepare(e.a, s.a, r); }
template <class Op, class A, class B, class S, class Row>
constexpr void prepare(const binary<Op, A, B>& e, S& s, const Row& r) {
    prepare(e.a, s.a, r);
    prepare(e.b, s.b, r);
}
template <class C, class A, class B, class S, class Row>
constexpr void prepare(const where_t<C, A, B>& e, S& s, const Row& r) {
    prepare(e.c, s.c, r);
    prepare(e.a, s.a, r);
    prepare(e.b, s.b, r);
}
template <class R, class A, class S, class Row>
constexpr void prepare(const reduce_t<R, A>& e, S& s, const Row& r) {
    using T = typename Row::value_type;
    prepare(e.a, s.a, r);
    s.value = R::template reduce<T>(width(e.a, r.dims), [&](std::size_t k) { return row_value(e.a, s.a, r, k); });
}
template <std::size_t J, class A, class S, class Row>
constexpr void prepare(const col_t<J, A>& e, S& s, const Row& r) { prepare(e.a, s.a, r); }
template <std::size_t F, std::size_t N, class A, class S, class Row>
constexpr void prepare(const cols_t<F, N, A>& e, S& s, const Row& r) { prepare(e.a, s.a, r); }
template <std::size_t F, std::size_t N, class G, class Of, class S, class Row>
constexpr void prepare(const embed_t<F, N, G, Of>& e, S& s, const Row& r) { prepare(e.g, s.g, r); }
template <std::size_t J, class G, class Of, class S, class Row>
constexpr void prepare(const onehot_t<J, G, Of>& e, S& s, const Row& r) { prepare(e.g, s.g, r); }
template <class G, class Ctx, class Child, class S, class Row>
constexpr void prepare(const unbroadcast_t<G, Ctx, Child>& e, S& s, const Row& r) {
    using T = typename Row::value_type;
    prepare(e.g, s.g, r);
    s.summed = detail::needs_row_sum(e, r.dims);
    if (s.summed)
        s.value = ops::sum_r::reduce<T>(width(e.ctx, r.dims), [&](std::size_t k) { return row_value(e.g, s.g, r, k); });
}

}  // namespace lossc
