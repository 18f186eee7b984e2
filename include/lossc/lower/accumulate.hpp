// lossc — reverse mode over the loss as a DAG: a repeated subexpression's adjoints summed first.
//
// gradient() differentiates the loss as a tree, so a subexpression the loss reads twice (Keras's
// clipped probabilities q in pow(1 − q, γ)·log q; x − logsumexp(x) inside a softmax and as the
// log-softmax) receives two adjoints, and each is pushed down to y_pred on its own: two copies of
// everything below, row reductions included (a softmax's adjoint sums over the row). Reverse
// mode over a DAG adds the adjoints where the paths meet, then goes down once.
// accumulated_gradient(loss) does so by types. Q, the largest subexpression found twice on the
// paths from the loss to y_pred that has a row reduction on its own such paths and no run-time
// number (its type fixes its value: param_free of row_eval.hpp), is marked as a leaf: one
// backprop collects the adjoint arriving at Q's occurrences (y_pred elsewhere held constant),
// the rest of the gradient is the loss's with Q held constant, and Q's adjoint is then pushed
// into Q; both parts repeat the search. The kernels evaluate this form; lossc::evaluate keeps
// the tree, so each checks the other.
#pragma once
#include <type_traits>

#include "../diff/reverse.hpp"
#include "../expr/map.hpp"
#include "row_eval.hpp"
#include "share.hpp"

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering::accumulate {

enum class mark_kind { collect, hold };
/// Q as a leaf of the backprop: collect returns the adjoint arriving there, hold is a constant.
/// Its value is Q's; unmark() turns the copies the adjoints hold back into Q.
template <class Q, mark_kind M> struct marked : Q { using marked_node = Q; };

template <class Q, class G> constexpr auto backprop(const marked<Q, mark_kind::collect>&, const G& g) { return g; }
template <class Q, class G> constexpr auto backprop(const marked<Q, mark_kind::hold>&, const G&) { return zero_t{}; }

template <class N> inline constexpr bool is_marked = false;
template <class Q, mark_kind M> inline constexpr bool is_marked<marked<Q, M>> = true;

using sharing::list;  // and its operator+, by argument-dependent lookup
/// The operands of a loss's node through which a gradient flows; marked nodes are leaves.
template <class N> struct grad_operands { using type = list<>; };
template <class... Cs> using grad_only =
    decltype((list<>{} + ... + std::conditional_t<Cs::grad_dep, list<Cs>, list<>>{}));
template <class Op, class A> struct grad_operands<unary<Op, A>> { using type = grad_only<A>; };
template <class Op, class A, class B> struct grad_operands<binary<Op, A, B>> { using type = grad_only<A, B>; };
template <class C, class A, class B> struct grad_operands<where_t<C, A, B>> { using type = grad_only<A, B>; };
template <class R, class A> struct grad_operands<reduce_t<R, A>> { using type = grad_only<A>; };
template <std::size_t J, class A> struct grad_operands<col_t<J, A>> { using type = grad_only<A>; };
template <std::size_t F, std::size_t N, class A> struct grad_operands<cols_t<F, N, A>> { using type = grad_only<A>; };

/// The node kinds whose operands mark() rewrites: a loss with another kind on a gradient path
/// (pair and batch nodes, lowered by their own kernels) is differentiated as a tree.
template <class N, class L = typename grad_operands<N>::type> inline constexpr bool known = false;
template <class N, class... Cs> inline constexpr bool known<N, list<Cs...>> =
    !N::grad_dep || is_marked<N> || std::is_same_v<N, y_pred_t> || (mappable<N> && (known<Cs> && ...));

/// Occurrences of Q on the gradient paths of E (none counted inside an occurrence), and sizes.
template <class Q, class E, class L = typename grad_operands<E>::type> struct count_in;
template <class Q, class E, class... Cs> struct count_in<Q, E, list<Cs...>> {
    static constexpr int value = std::is_same_v<Q, E> ? 1 : (0 + ... + count_in<Q, Cs>::value);
};
template <class E, class L = typename grad_operands<E>::type> struct size_of;
template <class E, class... Cs> struct size_of<E, list<Cs...>> {
    static constexpr int value = 1 + (0 + ... + size_of<Cs>::value);
};

/// Does a gradient path inside E cross a row reduction? Only then do the copies cost a reduction
/// each; an elementwise Q's copies are slots of share.hpp already.
template <class E, class L = typename grad_operands<E>::type> struct reduces;
template <class E, class... Cs> struct reduces<E, list<Cs...>> : std::bool_constant<(reduces<Cs>::value || ...)> {};
template <class R, class A> struct reduces<reduce_t<R, A>, list<A>> : std::true_type {};

template <class N, class Root> struct twice : std::bool_constant<(count_in<N, Root>::value >= 2)> {};

struct none {};
template <class N> inline constexpr bool operation = !std::is_same_v<typename grad_operands<N>::type, list<>>;
/// The largest Q of Root repeated on its gradient paths (none if none): a walk of those paths.
template <class Root, class Best, class N, class L = typename grad_operands<N>::type> struct pick;
template <class Root, class Best, class L> struct pick_list { using type = Best; };
template <class Root, class Best, class C, class... Cs> struct pick_list<Root, Best, list<C, Cs...>>
    : pick_list<Root, typename pick<Root, Best, C>::type, list<Cs...>> {};
template <class Root, class Best, class N, class... Cs> struct pick<Root, Best, N, list<Cs...>> {
    // conjunction: the count over the whole loss is instantiated only for the candidates.
    static constexpr bool repeated =
        std::conjunction_v<std::bool_constant<operation<N> && param_free<N>>, reduces<N>, twice<N, Root>>;
    static constexpr bool larger = std::is_same_v<Best, none> || size_of<N>::value > size_of<Best>::value;
    // A repeated node's operands repeat too, and are smaller: the walk stops there.
    using type = typename std::conditional_t<repeated && larger, std::type_identity<N>,
                                             pick_list<Root, Best, list<Cs...>>>::type;
};
template <class E> using repeated_t = typename pick<E, none, E>::type;

/// E with Q marked M; for collect, y_pred outside Q held constant.
template <class Q, mark_kind M, class E> constexpr auto mark(const E& e) {
    if constexpr (std::is_same_v<E, Q>)
        return marked<Q, M>{e};
    else if constexpr (M == mark_kind::collect && std::is_same_v<E, y_pred_t>)
        return marked<E, mark_kind::hold>{e};
    else if constexpr (!E::grad_dep || is_marked<E> || std::is_same_v<E, y_pred_t>)
        return e;
    else
        return map_operands(e, [](const auto& x) { return mark<Q, M>(x); });
}
/// The gradient of e seeded with g, each repeated subexpression's adjoints summed first.
template <class E, class G> constexpr auto accumulate(const E& e, const G& g) {
    using Q = repeated_t<E>;
    if constexpr (std::is_same_v<Q, none>)
        return backprop(e, g);
    else {
        const auto into_q = backprop(mark<Q, mark_kind::collect>(e), g);
        return dadd(accumulate(mark<Q, mark_kind::hold>(e), g), accumulate(sharing::node_of<Q>(e), into_q));
    }
}

template <class E> constexpr auto unmark(const E& e);
template <class E> constexpr E unmark_node(const E& e) {
    static_assert(
        !requires { e.a; } && !requires { e.g; } && !requires { e.of; },
        "lossc: internal: a gradient node unmark() does not know");
    return e;
}
template <mappable E> constexpr auto unmark_node(const E& e) {
    return map_operands(e, [](const auto& x) { return unmark(x); });
}
template <std::size_t F, std::size_t N, class G, class Of> constexpr auto unmark_node(const embed_t<F, N, G, Of>& e) {
    auto g = unmark(e.g);
    auto of = unmark(e.of);
    return embed_t<F, N, decltype(g), decltype(of)>{g, of};
}
template <std::size_t J, class G, class Of> constexpr auto unmark_node(const onehot_t<J, G, Of>& e) {
    auto g = unmark(e.g);
    auto of = unmark(e.of);
    return onehot_t<J, decltype(g), decltype(of)>{g, of};
}
template <class G, class Ctx, class Child> constexpr auto unmark_node(const unbroadcast_t<G, Ctx, Child>& e) {
    auto g = unmark(e.g);
    auto ctx = unmark(e.ctx);
    auto child = unmark(e.child);
    return unbroadcast_t<decltype(g), decltype(ctx), decltype(child)>{g, ctx, child};
}
template <class Of> constexpr auto unmark_node(const count_t<Of>& e) {
    auto of = unmark(e.of);
    return count_t<decltype(of)>{of};
}
/// The adjoints' copies of marked nodes turned back into the nodes (what the kernels evaluate).
template <class E> constexpr auto unmark(const E& e) {
    if constexpr (is_marked<E>)
        return unmark(static_cast<const typename E::marked_node&>(e));
    else
        return unmark_node(e);
}
}  // namespace lowering::accumulate

template <class Q, lowering::accumulate::mark_kind M>
inline constexpr bool param_free<lowering::accumulate::marked<Q, M>> = param_free<Q>;

namespace lowering {
/// dL/dy_pred as the kernels evaluate it (see the top of this file): gradient(loss) where no
/// subexpression repeats, or where the loss holds a node kind this form does not rewrite.
template <expression E> constexpr auto accumulated_gradient(const E& loss) {
    if constexpr (!accumulate::known<E> || std::is_same_v<accumulate::repeated_t<E>, accumulate::none>)
        return gradient(loss);
    else
        return accumulate::unmark(accumulate::accumulate(loss, one_t{}));
}
template <class E> using accumulated_gradient_t = decltype(accumulated_gradient(std::declval<const E&>()));
/// The gradient of loss E as the kernels evaluate it: accumulated, then shared (share.hpp).
template <class E> using shared_gradient_t = decltype(share<E>(std::declval<const accumulated_gradient_t<E>&>()));
}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
