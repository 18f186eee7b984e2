// lossc — a derived gradient's common subexpressions, each evaluated once per element.
//
// Reverse mode copies: the adjoint of a product reads the other operand, a softmax's adjoint
// reads the softmax twice, and every adjoint is handed to both operands of a binary node on its
// way down to y_pred. A gradient tree thus repeats subexpressions (Keras's focal cross-entropy
// from logits: 1535 nodes, 77 distinct), and evaluated as a tree, each copy is inlined and
// optimised again by the compiler. share<Loss>(g) rewrites the gradient g of a loss so that, in
// each scope — the gradient's own columns, and the operand of each reduction and column
// selection, which is evaluated at other columns — every subexpression occurring more than once
// is computed once per element into a slot (let_t's defs, each reading only slots before it) and
// read from there (slot_t). Only subexpressions without run-time parameters are shared: their
// type fixes their value, as for the statistics the gradient takes from the loss. Nodes that a
// pattern of row_eval.hpp reads whole (log_softmax, softmax from the memo, softplus/sigmoid of
// the logistic memo) are shared whole and never rewritten inside, and reductions that the loss
// holds are left as they are: prepare() takes their values from the loss's row state.
// lossc::evaluate keeps differentiating as a tree: the reference the kernels are tested against.
#pragma once
#include <array>
#include <cstddef>
#include <type_traits>

#include "row_eval.hpp"

namespace lossc {

/// Slot K of the enclosing let_t: a shared subexpression of type N, computed once per element.
template <std::size_t K, class N>
struct slot_t {
    using lossc_node = void;
    static constexpr bool batch = N::batch, cols = N::cols;
    static constexpr bool pred_dep = N::pred_dep, grad_dep = N::grad_dep, batch_red = N::batch_red;
    static constexpr std::size_t extent = N::extent;
    static constexpr bool extent_ok = N::extent_ok, pred_cols = N::pred_cols;
};

/// The shared subexpressions of a scope, slot 0 first (`a`, then the rest in `b`).
template <class... Ds>
struct def_list {};
template <class D, class... Ds>
struct def_list<D, Ds...> {
    D a;
    def_list<Ds...> b;
};

/// The slots of `a` (a def_list), then the body `b` that reads them, at each element.
template <class Defs, class Body>
struct let_t {
    using lossc_node = void;
    static constexpr bool batch = Body::batch, cols = Body::cols;
    static constexpr bool pred_dep = Body::pred_dep, grad_dep = Body::grad_dep, batch_red = Body::batch_red;
    static constexpr std::size_t extent = Body::extent;
    static constexpr bool extent_ok = Body::extent_ok, pred_cols = Body::pred_cols;
    Defs a;
    Body b;
};

template <std::size_t K, class N> requires(N::cols)
constexpr std::size_t width(const slot_t<K, N>&, const input_dims& d) { return width(N{}, d); }
template <class Defs, class Body> requires(Body::cols)
constexpr std::size_t width(const let_t<Defs, Body>& e, const input_dims& d) { return width(e.b, d); }

inline namespace LOSSC_ISA {
namespace lowering::sharing {
template <class T> struct tag {};
/// A set of types, as bases: membership is one is_base_of.
template <class... Ts> struct set : tag<Ts>... {};
template <class T, class S> inline constexpr bool in = std::is_base_of_v<tag<T>, S>;
template <class S, class T> struct add;
template <class... Ts, class T> struct add<set<Ts...>, T> { using type = set<Ts..., T>; };
template <class... Ts> struct list {};
template <class... A, class... B>
constexpr list<A..., B...> operator+(list<A...>, list<B...>) { return {}; }

template <class N> inline constexpr bool elementwise = false;
template <class Op, class A> inline constexpr bool elementwise<unary<Op, A>> = true;
template <class Op, class A, class B> inline constexpr bool elementwise<binary<Op, A, B>> = true;
template <class C, class A, class B> inline constexpr bool elementwise<where_t<C, A, B>> = true;
/// Shared only whole: row_eval.hpp's patterns read these nodes' operands as written.
template <class N> inline constexpr bool whole = !std::is_void_v<typename logistic_operand<N>::type>;
template <class A> inline constexpr bool whole<binary<ops::sub, A, reduce_t<ops::logsumexp_r, A>>> = true;
template <class A>
inline constexpr bool whole<unary<ops::exp_op, binary<ops::sub, A, reduce_t<ops::logsumexp_r, A>>>> = true;

/// A walk over one scope: the shareable types seen, those seen twice, and the order in which the
/// walk finished each type first (children before parents: an order the slots can be filled in).
template <class Seen, class Twice, class Order> struct walk_state {};

template <class N, class St> constexpr auto walk(St st);
template <class N, class St>
constexpr auto walk_children(St st) {
    const auto c = [&] {
        if constexpr (requires { std::declval<const N&>().c; }) return walk<std::remove_cvref_t<decltype(std::declval<const N&>().c)>>(st);
        else return st;
    }();
    const auto a = walk<std::remove_cvref_t<decltype(std::declval<const N&>().a)>>(c);
    if constexpr (requires { std::declval<const N&>().b; }) return walk<std::remove_cvref_t<decltype(std::declval<const N&>().b)>>(a);
    else return a;
}
/// Leaves, reductions and column selections end the walk (their operands are scopes of their
/// own); elementwise nodes with run-time parameters are walked through, never shared.
template <class N, class St>
constexpr auto walk(St st) {
    if constexpr (!elementwise<N>) return st;
    else if constexpr (!param_free<N>) return walk_children<N>(st);
    else return [&]<class Seen, class Twice, class... Os>(walk_state<Seen, Twice, list<Os...>>) {
        if constexpr (in<N, Seen> && in<N, Twice>) return st;
        else if constexpr (in<N, Seen>) return walk_state<Seen, typename add<Twice, N>::type, list<Os...>>{};
        else {
            using first = walk_state<typename add<Seen, N>::type, Twice, list<Os...>>;
            const auto done = [] {
                if constexpr (whole<N>) return first{};
                else return walk_children<N>(first{});
            }();
            return [&]<class S2, class T2, class... O2>(walk_state<S2, T2, list<O2...>>) {
                return walk_state<S2, T2, list<O2..., N>>{};
            }(done);
        }
    }(st);
}
/// The types of a scope's slots, in the order they are filled.
template <class Twice, class... Os>
constexpr auto twice_of(list<Os...>) { return (list<>{} + ... + std::conditional_t<in<Os, Twice>, list<Os>, list<>>{}); }
template <class E>
constexpr auto slots_of() {
    return [&]<class Seen, class Twice, class Order>(walk_state<Seen, Twice, Order>) { return twice_of<Twice>(Order{}); }(
        walk<E>(walk_state<set<>, set<>, list<>>{}));
}
inline constexpr std::size_t no_slot = static_cast<std::size_t>(-1);
template <class N, class... Ds>
consteval std::size_t slot_of(list<Ds...>) {
    constexpr bool same[] = {std::is_same_v<N, Ds>..., false};
    for (std::size_t k = 0; k < sizeof...(Ds); ++k)
        if (same[k]) return k;
    return no_slot;
}

template <class N, class Loss>
consteval bool from_loss() {
    finds_node<N> f;
    visit_node_types<Loss>(f);
    return param_free<N> && f.found;
}

template <class Loss, class E> constexpr auto scope(const E& e);

// The nodes whose operands are scopes of their own; every other node is returned as it is.
template <class Loss, class E>
constexpr auto rewrite_scope(const E& e) { return e; }
template <class Loss, class R, class A>
constexpr auto rewrite_scope(const reduce_t<R, A>& e) {
    if constexpr (from_loss<reduce_t<R, A>, Loss>()) return e;
    else {
        auto a = scope<Loss>(e.a);
        return reduce_t<R, decltype(a)>{a};
    }
}
template <class Loss, std::size_t J, class A>
constexpr auto rewrite_scope(const col_t<J, A>& e) {
    auto a = scope<Loss>(e.a);
    return col_t<J, decltype(a)>{a};
}
template <class Loss, std::size_t F, std::size_t N, class A>
constexpr auto rewrite_scope(const cols_t<F, N, A>& e) {
    auto a = scope<Loss>(e.a);
    return cols_t<F, N, decltype(a)>{a};
}
template <class Loss, std::size_t F, std::size_t N, class G, class Of>
constexpr auto rewrite_scope(const embed_t<F, N, G, Of>& e) {
    auto g = scope<Loss>(e.g);
    return embed_t<F, N, decltype(g), Of>{g, e.of};
}
template <class Loss, std::size_t J, class G, class Of>
constexpr auto rewrite_scope(const onehot_t<J, G, Of>& e) {
    auto g = scope<Loss>(e.g);
    return onehot_t<J, decltype(g), Of>{g, e.of};
}
template <class Loss, class G, class Ctx, class Child>
constexpr auto rewrite_scope(const unbroadcast_t<G, Ctx, Child>& e) {
    auto g = scope<Loss>(e.g);
    return unbroadcast_t<decltype(g), Ctx, Child>{g, e.ctx, e.child};
}

template <class Loss, class Slots, class E> constexpr auto rewrite_inside(const E& e);
/// An occurrence of E in a scope with slots Slots: its slot, or E with its operands rewritten.
template <class Loss, class Slots, class E>
constexpr auto rewrite(const E& e) {
    constexpr std::size_t k = slot_of<E>(Slots{});
    if constexpr (k != no_slot) return slot_t<k, E>{};
    else return rewrite_inside<Loss, Slots>(e);
}
template <class Loss, class Slots, class E>
constexpr auto rewrite_inside(const E& e) {
    if constexpr (whole<E>) return e;
    else if constexpr (requires { requires std::is_same_v<E, unary<decltype(e.op), decltype(e.a)>>; }) {
        auto a = rewrite<Loss, Slots>(e.a);
        return unary<decltype(e.op), decltype(a)>{a, e.op};
    } else if constexpr (requires { requires std::is_same_v<E, binary<decltype(e.op), decltype(e.a), decltype(e.b)>>; }) {
        auto a = rewrite<Loss, Slots>(e.a);
        auto b = rewrite<Loss, Slots>(e.b);
        return binary<decltype(e.op), decltype(a), decltype(b)>{a, b, e.op};
    } else if constexpr (requires { requires std::is_same_v<E, where_t<decltype(e.c), decltype(e.a), decltype(e.b)>>; }) {
        auto c = rewrite<Loss, Slots>(e.c);
        auto a = rewrite<Loss, Slots>(e.a);
        auto b = rewrite<Loss, Slots>(e.b);
        return where_t<decltype(c), decltype(a), decltype(b)>{c, a, b};
    } else return rewrite_scope<Loss>(e);
}
constexpr def_list<> make_defs() { return {}; }
template <class D, class... Ds>
constexpr def_list<D, Ds...> make_defs(const D& d, const Ds&... ds) { return {d, make_defs(ds...)}; }
/// Each slot's expression, its own operands rewritten (a slot's type is param_free: N{} is its value).
template <class Loss, class... Ss>
constexpr auto defs_of(list<Ss...> slots) { return make_defs(rewrite_inside<Loss, decltype(slots)>(Ss{})...); }

template <class Loss, class E>
constexpr auto scope(const E& e) {
    using Slots = decltype(slots_of<E>());
    if constexpr (std::is_same_v<Slots, list<>>) return rewrite_inside<Loss, Slots>(e);
    else {
        auto defs = defs_of<Loss>(Slots{});
        auto body = rewrite_inside<Loss, Slots>(e);
        return let_t<decltype(defs), decltype(body)>{defs, body};
    }
}
}  // namespace lowering::sharing

namespace lowering {
/// The gradient g of loss Loss with its common subexpressions shared (see the top of this file).
template <class Loss, class G>
constexpr auto share(const G& g) { return sharing::scope<Loss>(g); }
}  // namespace lowering


template <class D, class... Ds, class S>
struct row_state<def_list<D, Ds...>, S> {
    [[no_unique_address]] row_state<D, S> a;
    [[no_unique_address]] row_state<def_list<Ds...>, S> b;
};
template <class Defs, class Body, class S>
struct row_state<let_t<Defs, Body>, S> {
    [[no_unique_address]] row_state<Defs, S> a;
    [[no_unique_address]] row_state<Body, S> b;
};

template <class D, class... Ds, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const def_list<D, Ds...>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<D>) prepare(e.a, s.a, r, sh);
    if constexpr (lowering::prepares<def_list<Ds...>>) prepare(e.b, s.b, r, sh);
}
template <class Defs, class Body, class S, class Row, class Sh>
LOSSC_KERNEL_INLINE void prepare(const let_t<Defs, Body>& e, S& s, const Row& r, const Sh& sh) {
    if constexpr (lowering::prepares<Defs>) prepare(e.a, s.a, r, sh);
    if constexpr (lowering::prepares<Body>) prepare(e.b, s.b, r, sh);
}

template <class V, std::size_t K, class N, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const slot_t<K, N>&, S&, const Row& r, std::size_t) {
    return static_cast<const V*>(r.slots)[K];
}
namespace lowering {
template <class V, class S, class Row>
LOSSC_KERNEL_INLINE constexpr void fill_slots(const def_list<>&, S&, const Row&, std::size_t, V*) {}
template <class V, class D, class... Ds, class S, class Row>
LOSSC_KERNEL_INLINE constexpr void fill_slots(const def_list<D, Ds...>& d, S& s, const Row& r, std::size_t j, V* at) {
    *at = row_value<V>(d.a, s.a, r, j);
    fill_slots<V>(d.b, s.b, r, j, at + 1);
}
}  // namespace lowering
/// The slots in order, then the body; the row handed down carries where the slots are.
template <class V, class... Ds, class Body, class S, class Row>
LOSSC_KERNEL_INLINE constexpr V row_value(const let_t<def_list<Ds...>, Body>& e, S& s, const Row& r, std::size_t j) {
    std::array<V, sizeof...(Ds)> values;
    Row with = r;
    with.slots = values.data();
    lowering::fill_slots<V>(e.a, s.a, with, j, values.data());
    return row_value<V>(e.b, s.b, with, j);
}

}  // namespace LOSSC_ISA
}  // namespace lossc
