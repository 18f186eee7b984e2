// lossc — symbolic reverse mode as a type transform.
//
// gradient(L) is dL_i/dy_pred[i, j] as an expression in the same vocabulary: an (N, C_pred)
// expression the kernels evaluate like any other, printable with to_string. backprop(e, g)
// pushes the adjoint g of node e down to y_pred and returns the sum of what arrives there.
// Branches that do not depend on y_pred differentiably are never visited, so they cost
// nothing at compile time and produce no zero terms.
#pragma once
#include "../expr/algebra.hpp"

namespace lossc {

namespace detail {
/// Can `Child`, an operand with columns beside a sibling with columns, have been broadcast
/// from one column? Statically one column against another count: yes. Dynamic width, with the
/// gradient reaching y_pred only through per-sample parts (col<0>(y_pred) * y_true, y_true of
/// one column): possibly, decided at run time. Dynamic width with y_pred's columns in it: no —
/// validate() rejects broadcasting such an operand, as its width is y_pred's.
template <class Child, std::size_t SiblingExtent>
inline constexpr bool may_be_broadcast = Child::extent == 1 ? SiblingExtent != 1
                                                            : (Child::extent == dynamic_extent && !Child::pred_cols);

/// Route the adjoint g of node `ctx` to its operand `child`. A per-sample operand of a row
/// expression gets g summed over the row; an operand that may have been broadcast from one
/// column gets unbroadcast_t, which sums when the widths differ at run time; every other
/// operand passes g through unchanged (the common case, with no run-time cost).
template <bool SiblingHasCols, std::size_t SiblingExtent, class Ctx, class Child, class G>
constexpr auto route(const Ctx& ctx, const Child& child, const G& g) {
    constexpr bool summed =
        !is_zero<G> && Ctx::cols && (!Child::cols || (SiblingHasCols && may_be_broadcast<Child, SiblingExtent>));
    if constexpr (summed)
        return unbroadcast_t<G, Ctx, Child>{g, ctx, child};
    else
        return g;
}
}  // namespace detail

template <input W, class G> constexpr auto backprop(const placeholder<W>&, const G& g) {
    if constexpr (W == input::y_pred)
        return g;
    else
        return zero_t{};
}

template <class Op, class A, class G> constexpr auto backprop(const unary<Op, A>& e, const G& g) {
    if constexpr (!unary<Op, A>::grad_dep)
        return zero_t{};
    else
        return backprop(e.a, e.op.adjoint(e.a, g));
}

template <class Op, class A, class B, class G> constexpr auto backprop(const binary<Op, A, B>& e, const G& g) {
    if constexpr (!binary<Op, A, B>::grad_dep)
        return zero_t{};
    else {
        auto from_a = [&] {
            if constexpr (A::grad_dep)
                return backprop(e.a, detail::route<B::cols, B::extent>(e, e.a, e.op.adjoint_a(e.a, e.b, g)));
            else
                return zero_t{};
        };
        auto from_b = [&] {
            if constexpr (B::grad_dep)
                return backprop(e.b, detail::route<A::cols, A::extent>(e, e.b, e.op.adjoint_b(e.a, e.b, g)));
            else
                return zero_t{};
        };
        return dadd(from_a(), from_b());
    }
}

template <class C, class A, class B, class G> constexpr auto backprop(const where_t<C, A, B>& e, const G& g) {
    auto from_a = [&] {
        if constexpr (A::grad_dep)
            return backprop(
                e.a, detail::route < B::cols || C::cols,
                combine_extent(B::cols, B::extent, C::cols, C::extent) > (e, e.a, dwhere(e.c, g, zero_t{})));
        else
            return zero_t{};
    };
    auto from_b = [&] {
        if constexpr (B::grad_dep)
            return backprop(
                e.b, detail::route < A::cols || C::cols,
                combine_extent(A::cols, A::extent, C::cols, C::extent) > (e, e.b, dwhere(e.c, zero_t{}, g)));
        else
            return zero_t{};
    };
    return dadd(from_a(), from_b());
}

template <class R, class A, class G> constexpr auto backprop(const reduce_t<R, A>& e, const G& g) {
    if constexpr (!A::grad_dep)
        return zero_t{};
    else
        return backprop(e.a, R::adjoint(e.a, g));
}

template <std::size_t J, class A, class G> constexpr auto backprop(const col_t<J, A>& e, const G& g) {
    if constexpr (!A::grad_dep || is_zero<G>)
        return zero_t{};
    else
        return backprop(e.a, onehot_t<J, G, A>{g, e.a});
}

template <std::size_t F, std::size_t N, class A, class G>
constexpr auto backprop(const cols_t<F, N, A>& e, const G& g) {
    if constexpr (!A::grad_dep || is_zero<G>)
        return zero_t{};
    else
        return backprop(e.a, embed_t<F, N, G, A>{g, e.a});
}

// Constants, weights and batch reductions (rejected by compile()) send nothing to y_pred.
template <class E, class G>
requires(!E::grad_dep) constexpr auto backprop(const E&, const G&) { return zero_t{}; }

/// dL_i/dy_pred[i, j] as an expression (the gradient of the sum of the per-sample losses).
template <expression E> constexpr auto gradient(const E& loss) { return backprop(loss, one_t{}); }

template <class E> using gradient_t = decltype(gradient(std::declval<const E&>()));

}  // namespace lossc
