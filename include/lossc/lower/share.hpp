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
template <std::size_t K, class N> struct slot_t {
    using lossc_node = void;
    static constexpr std::size_t index = K;
    static constexpr bool batch = N::batch, cols = N::cols;
    static constexpr bool pred_dep = N::pred_dep, grad_dep = N::grad_dep, batch_red = N::batch_red;
    static constexpr std::size_t extent = N::extent;
    static constexpr bool extent_ok = N::extent_ok, pred_cols = N::pred_cols;
};

/// The shared subexpressions of a scope, slot 0 first (`a`, then the rest in `b`).
template <class... Ds> struct def_list {};
template <class D, class... Ds> struct def_list<D, Ds...> {
    D a;
    def_list<Ds...> b;
};

/// The slots of `a` (a def_list), then the body `b` that reads them, at each element.
template <class Defs, class Body> struct let_t {
    using lossc_node = void;
    static constexpr bool batch = Body::batch, cols = Body::cols;
    static constexpr bool pred_dep = Body::pred_dep, grad_dep = Body::grad_dep, batch_red = Body::batch_red;
    static constexpr std::size_t extent = Body::extent;
    static constexpr bool extent_ok = Body::extent_ok, pred_cols = Body::pred_cols;
    Defs a;
    Body b;
};

template <std::size_t K, class N>
requires(N::cols) constexpr std::size_t width(const slot_t<K, N>&, const input_dims& d) { return width(N{}, d); }
template <class Defs, class Body>
requires(Body::cols) constexpr std::size_t width(const let_t<Defs, Body>& e, const input_dims& d) {
    return width(e.b, d);
}

inline namespace LOSSC_ISA {
namespace lowering::sharing {
template <class T> struct tag {};
/// A set of types, as bases: membership is one is_base_of.
template <class... Ts> struct set : tag<Ts>... {};
template <class T, class S> inline constexpr bool in = std::is_base_of_v<tag<T>, S>;
template <class S, class T> struct add;
template <class... Ts, class T> struct add<set<Ts...>, T> { using type = set<Ts..., T>; };
template <class... Ts> struct list {};
template <class... A, class... B> constexpr list<A..., B...> operator+(list<A...>, list<B...>) { return {}; }

template <class N> inline constexpr bool elementwise = false;
template <class Op, class A> inline constexpr bool elementwise<unary<Op, A>> = true;
template <class Op, class A, class B> inline constexpr bool elementwise<binary<Op, A, B>> = true;
template <class C, class A, class B> inline constexpr bool elementwise<where_t<C, A, B>> = true;
/// Shared only whole: row_eval.hpp's patterns read these nodes' operands as written.
template <class N> inline constexpr bool whole = !std::is_void_v<typename logistic_operand<N>::type>;
template <class A> inline constexpr bool whole<binary<ops::sub, A, reduce_t<ops::logsumexp_r, A>>> = true;
template <class A> inline constexpr bool whole<unary<ops::exp_op, binary<ops::sub, A, reduce_t<ops::logsumexp_r, A>>>> =
    true;

/// A walk over one scope: the shareable types seen, those seen twice, and the order in which the
/// walk finished each type first (children before parents: an order the slots can be filled in).
/// Class templates throughout: the compiler keeps each result, and no function is instantiated.
template <class Seen, class Twice, class Order> struct walk_state {};

template <class N> struct children { using type = list<>; };
template <class Op, class A> struct children<unary<Op, A>> { using type = list<A>; };
template <class Op, class A, class B> struct children<binary<Op, A, B>> { using type = list<A, B>; };
template <class C, class A, class B> struct children<where_t<C, A, B>> { using type = list<C, A, B>; };

template <class N, class St> struct walk;
template <class St, class L> struct walk_list { using type = St; };
template <class St, class C, class... Cs> struct walk_list<St, list<C, Cs...>>
    : walk_list<typename walk<C, St>::type, list<Cs...>> {};

/// What the walk does at N: 0 ends (leaves, reductions and column selections: their operands are
/// scopes of their own), 1 walks through (elementwise with run-time parameters: never shared),
/// 2 nothing (shared already), 3 marks N shared, 4 visits N's operands for the first time.
template <class N, class Seen, class Twice> inline constexpr int walk_kind = !elementwise<N>  ? 0
                                                                             : !param_free<N> ? 1
                                                                             : in<N, Twice>   ? 2
                                                                             : in<N, Seen>    ? 3
                                                                                              : 4;
template <int Kind, class N, class St> struct walk_step { using type = St; };
template <class N, class St> struct walk_step<1, N, St> : walk_list<St, typename children<N>::type> {};
template <class N, class S, class T, class O> struct walk_step<3, N, walk_state<S, T, O>> {
    using type = walk_state<S, typename add<T, N>::type, O>;
};
template <class St, class N> struct finish;
template <class S, class T, class... Os, class N> struct finish<walk_state<S, T, list<Os...>>, N> {
    using type = walk_state<S, T, list<Os..., N>>;
};
template <class N, class S, class T, class O> struct walk_step<4, N, walk_state<S, T, O>> {
    using first = walk_state<typename add<S, N>::type, T, O>;
    using type = typename finish<typename std::conditional_t<whole<N>, std::type_identity<first>,
                                                             walk_list<first, typename children<N>::type>>::type,
                                 N>::type;
};
template <class N, class S, class T, class O> struct walk<N, walk_state<S, T, O>>
    : walk_step<walk_kind<N, S, T>, N, walk_state<S, T, O>> {};

/// The types of a scope's slots, in the order they are filled.
template <class St> struct twice_in_order;
template <class S, class T, class... Os> struct twice_in_order<walk_state<S, T, list<Os...>>> {
    using type = decltype((list<>{} + ... + std::conditional_t<in<Os, T>, list<Os>, list<>>{}));
};
template <class E> using slots_of =
    typename twice_in_order<typename walk<E, walk_state<set<>, set<>, list<>>>::type>::type;

inline constexpr std::size_t no_slot = static_cast<std::size_t>(-1);
template <class N, class... Ds> consteval std::size_t slot_of(list<Ds...>) {
    constexpr bool same[] = {std::is_same_v<N, Ds>..., false};
    for (std::size_t k = 0; k < sizeof...(Ds); ++k)
        if (same[k]) return k;
    return no_slot;
}

template <class N> struct operands : children<N> {};
template <class R, class A> struct operands<reduce_t<R, A>> { using type = list<A>; };
template <std::size_t J, class A> struct operands<col_t<J, A>> { using type = list<A>; };
template <std::size_t F, std::size_t M, class A> struct operands<cols_t<F, M, A>> { using type = list<A>; };
template <std::size_t F, std::size_t M, class G, class Of> struct operands<embed_t<F, M, G, Of>> {
    using type = list<G>;
};
template <std::size_t J, class G, class Of> struct operands<onehot_t<J, G, Of>> { using type = list<G>; };
template <class G, class Ctx, class Child> struct operands<unbroadcast_t<G, Ctx, Child>> { using type = list<G>; };

/// Every node type of a tree where it is evaluated, as a set (one walk per tree).
template <class N, class S> struct type_walk;
template <class S, class L> struct type_walk_list { using type = S; };
template <class S, class C, class... Cs> struct type_walk_list<S, list<C, Cs...>>
    : type_walk_list<typename type_walk<C, S>::type, list<Cs...>> {};
template <bool Seen, class N, class S> struct type_step { using type = S; };
template <class N, class S> struct type_step<false, N, S>
    : type_walk_list<typename add<S, N>::type, typename operands<N>::type> {};
template <class N, class S> struct type_walk : type_step<in<N, S>, N, S> {};
template <class E> using types_in = typename type_walk<E, set<>>::type;

/// Does the loss hold N, a statistic prepare() can then take from it?
template <class N, class Loss> consteval bool from_loss() { return param_free<N> && in<N, types_in<Loss>>; }

// ---- the rewritten types ----------------------------------------------------------------------
template <class Loss, class E> struct scoped;               // a scope: let_t, or E rewritten inside
template <class Loss, class Slots, class E> struct inside;  // E with its operands rewritten
/// An occurrence of E in a scope with slots Slots: its slot, or E with its operands rewritten.
template <class Loss, class Slots, class E> using rewritten =
    typename std::conditional_t<slot_of<E>(Slots{}) != no_slot, std::type_identity<slot_t<slot_of<E>(Slots{}), E>>,
                                inside<Loss, Slots, E>>::type;

template <class Loss, class Slots, class E> struct inside { using type = E; };  // leaves
template <class Loss, class Slots, class Op, class A> struct inside<Loss, Slots, unary<Op, A>> {
    using type = std::conditional_t<whole<unary<Op, A>>, unary<Op, A>, unary<Op, rewritten<Loss, Slots, A>>>;
};
template <class Loss, class Slots, class Op, class A, class B> struct inside<Loss, Slots, binary<Op, A, B>> {
    using type = std::conditional_t<whole<binary<Op, A, B>>, binary<Op, A, B>,
                                    binary<Op, rewritten<Loss, Slots, A>, rewritten<Loss, Slots, B>>>;
};
template <class Loss, class Slots, class C, class A, class B> struct inside<Loss, Slots, where_t<C, A, B>> {
    using type = where_t<rewritten<Loss, Slots, C>, rewritten<Loss, Slots, A>, rewritten<Loss, Slots, B>>;
};
template <class Loss, class Slots, class R, class A> struct inside<Loss, Slots, reduce_t<R, A>> {
    // A reduction the loss holds: prepare() takes its value from the loss, its operand never runs.
    template <class X> struct operand_scoped { using type = reduce_t<R, typename scoped<Loss, X>::type>; };
    using type = typename std::conditional_t<from_loss<reduce_t<R, A>, Loss>(), std::type_identity<reduce_t<R, A>>,
                                             operand_scoped<A>>::type;
};
template <class Loss, class Slots, std::size_t J, class A> struct inside<Loss, Slots, col_t<J, A>> {
    using type = col_t<J, typename scoped<Loss, A>::type>;
};
template <class Loss, class Slots, std::size_t F, std::size_t N, class A> struct inside<Loss, Slots, cols_t<F, N, A>> {
    using type = cols_t<F, N, typename scoped<Loss, A>::type>;
};
template <class Loss, class Slots, std::size_t F, std::size_t N, class G, class Of>
struct inside<Loss, Slots, embed_t<F, N, G, Of>> {
    using type = embed_t<F, N, typename scoped<Loss, G>::type, Of>;
};
template <class Loss, class Slots, std::size_t J, class G, class Of> struct inside<Loss, Slots, onehot_t<J, G, Of>> {
    using type = onehot_t<J, typename scoped<Loss, G>::type, Of>;
};
template <class Loss, class Slots, class G, class Ctx, class Child>
struct inside<Loss, Slots, unbroadcast_t<G, Ctx, Child>> {
    using type = unbroadcast_t<typename scoped<Loss, G>::type, Ctx, Child>;
};
template <class Loss, class Slots> struct defs_type;
template <class Loss, class... Ss> struct defs_type<Loss, list<Ss...>> {
    using type = def_list<typename inside<Loss, list<Ss...>, Ss>::type...>;
};
template <class Loss, class E> struct scoped {
    using slots = slots_of<E>;
    using type = typename std::conditional_t<
        std::is_same_v<slots, list<>>, inside<Loss, list<>, E>,
        std::type_identity<let_t<typename defs_type<Loss, slots>::type, typename inside<Loss, slots, E>::type>>>::type;
};

// ---- the rewritten values: built only where the type changed, else copied --------------------
template <class T, class E> constexpr T build(const E& e);
template <class T, class Op, class A> constexpr T build_node(const unary<Op, A>& e) {
    return {build<decltype(T::a)>(e.a), e.op};
}
template <class T, class Op, class A, class B> constexpr T build_node(const binary<Op, A, B>& e) {
    return {build<decltype(T::a)>(e.a), build<decltype(T::b)>(e.b), e.op};
}
template <class T, class C, class A, class B> constexpr T build_node(const where_t<C, A, B>& e) {
    return {build<decltype(T::c)>(e.c), build<decltype(T::a)>(e.a), build<decltype(T::b)>(e.b)};
}
template <class T, class R, class A> constexpr T build_node(const reduce_t<R, A>& e) {
    return {build<decltype(T::a)>(e.a)};
}
template <class T, std::size_t J, class A> constexpr T build_node(const col_t<J, A>& e) {
    return {build<decltype(T::a)>(e.a)};
}
template <class T, std::size_t F, std::size_t N, class A> constexpr T build_node(const cols_t<F, N, A>& e) {
    return {build<decltype(T::a)>(e.a)};
}
template <class T, std::size_t F, std::size_t N, class G, class Of>
constexpr T build_node(const embed_t<F, N, G, Of>& e) {
    return {build<decltype(T::g)>(e.g), e.of};
}
template <class T, std::size_t J, class G, class Of> constexpr T build_node(const onehot_t<J, G, Of>& e) {
    return {build<decltype(T::g)>(e.g), e.of};
}
template <class T, class G, class Ctx, class Child> constexpr T build_node(const unbroadcast_t<G, Ctx, Child>& e) {
    return {build<decltype(T::g)>(e.g), e.ctx, e.child};
}
/// Does subtree E hold a node of type N where it is evaluated (c, a, b, g)?
template <class N, class E, class L = typename operands<E>::type> struct contains;
template <class N, class E, class... Cs> struct contains<N, E, list<Cs...>>
    : std::bool_constant<std::is_same_v<N, E> || (contains<N, Cs>::value || ...)> {};
/// The first node of type N in e (searched c, a, b, g): the value its slot computes.
/// (N{} would not do: a numbered parameter's type names its value but does not hold it.)
template <class N, class E> constexpr const N& node_of(const E& e) {
    if constexpr (std::is_same_v<N, E>) return e;
#define LOSSC_NODE_OF(m)                                                                    \
    else if constexpr (requires {                                                           \
                           e.m;                                                             \
                           requires contains<N, std::remove_cvref_t<decltype(e.m)>>::value; \
                       }) return node_of<N>(e.m);
    LOSSC_NODE_OF(c)
    LOSSC_NODE_OF(a)
    LOSSC_NODE_OF(b)
    LOSSC_NODE_OF(g)
#undef LOSSC_NODE_OF
    else static_assert(std::is_same_v<N, E>, "lossc: internal: a shared subexpression not found in its scope");
}

constexpr def_list<> make_defs() { return {}; }
template <class D, class... Ds> constexpr def_list<D, Ds...> make_defs(const D& d, const Ds&... ds) {
    return {d, make_defs(ds...)};
}
/// Each slot's expression, built from its first occurrence in e.
template <class... Ds, class... Ss, class E>
constexpr def_list<Ds...> build_defs(def_list<Ds...>*, list<Ss...>, const E& e) {
    return make_defs(build<Ds>(node_of<Ss>(e))...);
}

template <class T, class E> constexpr T build(const E& e) {
    if constexpr (std::is_same_v<T, E>)
        return e;
    else if constexpr (requires { requires std::is_same_v<T, slot_t<T::index, E>>; })
        return T{};
    else if constexpr (requires { requires std::is_same_v<T, let_t<decltype(T::a), decltype(T::b)>>; })
        return T{build_defs(static_cast<decltype(T::a)*>(nullptr), slots_of<E>{}, e), build<decltype(T::b)>(e)};
    else
        return build_node<T>(e);
}
}  // namespace lowering::sharing

namespace lowering {
/// The gradient g of loss Loss with its common subexpressions shared (see the top of this file).
template <class Loss, class G> constexpr auto share(const G& g) {
    return sharing::build<typename sharing::scoped<Loss, G>::type>(g);
}
}  // namespace lowering

template <class D, class... Ds, class S> struct row_state<def_list<D, Ds...>, S> {
    [[no_unique_address]] row_state<D, S> a;
    [[no_unique_address]] row_state<def_list<Ds...>, S> b;
};
template <class Defs, class Body, class S> struct row_state<let_t<Defs, Body>, S> {
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
