// lossc — the simplifying builders the derivative rules use (the ops' and reductions' `adjoint`,
// diff/reverse.hpp). They fold the exact zeros and ones that reverse mode produces (0·x, 1·x,
// x + 0, −−x) at the type level, so a derived gradient is as short as one written by hand and no
// work is spent on a zero at run time. Part of the expression layer: the rules in ops.hpp and
// reduce.hpp call them unqualified, found by argument-dependent lookup where diff/ instantiates a
// rule (this header, which builds on the vocabulary, is included by then).
#pragma once
#include <type_traits>

#include "select.hpp"
#include "vocabulary.hpp"

namespace lossc {

template <class E> inline constexpr bool is_zero = std::is_same_v<E, zero_t>;
template <class E> inline constexpr bool is_one = std::is_same_v<E, one_t>;

template <class A> inline constexpr bool is_negation = requires(const A& a) {
    requires std::is_same_v<A, unary<ops::neg, decltype(a.a)>>;
};

template <class A, class B> constexpr auto dadd(const A& a, const B& b) {
    if constexpr (is_zero<A>)
        return b;
    else if constexpr (is_zero<B>)
        return a;
    else if constexpr (is_negation<B>)
        return a - b.a;  // a + (−b) → a − b
    else if constexpr (is_negation<A>)
        return b - a.a;  // (−a) + b → b − a
    else
        return a + b;
}

template <class A> constexpr auto dneg(const A& a) {
    if constexpr (is_zero<A>)
        return a;
    else if constexpr (requires { requires std::is_same_v<A, unary<ops::neg, decltype(a.a)>>; })
        return a.a;
    else if constexpr (requires {
                           requires std::is_same_v<A, unbroadcast_t<decltype(a.g), decltype(a.ctx), decltype(a.child)>>;
                       }) {
        // Negation commutes with the row sum of a broadcast, and moving it inside lets −−g fold.
        using G = decltype(dneg(a.g));
        return unbroadcast_t<G, decltype(a.ctx), decltype(a.child)>{dneg(a.g), a.ctx, a.child};
    } else
        return -a;
}

template <class A, class B> constexpr auto dmul(const A& a, const B& b) {
    if constexpr (is_zero<A> || is_zero<B>)
        return zero_t{};
    else if constexpr (is_one<A>)
        return b;
    else if constexpr (is_one<B>)
        return a;
    else if constexpr (is_negation<A>)
        return dneg(dmul(a.a, b));  // keep the sign outermost: −(g·x)
    else if constexpr (requires { requires std::is_same_v<A, binary<ops::div, decltype(a.a), decltype(a.b)>>; })
        return ddiv(dmul(a.a, b), a.b);  // (g / K)·x → (g·x) / K: a mean's 1/K stays outermost
    else
        return a * b;
}

template <class A, class B> constexpr auto ddiv(const A& a, const B& b) {
    if constexpr (is_zero<A>)
        return zero_t{};
    else if constexpr (is_one<B>)
        return a;
    else if constexpr (is_negation<A>)
        return dneg(ddiv(a.a, b));
    else
        return a / b;
}

/// c·x for a numeric constant c.
template <class X> constexpr auto dscale(double c, const X& x) {
    if constexpr (is_zero<X>)
        return x;
    else
        return scalar{c} * x;
}

template <class C, class A, class B> constexpr auto dwhere(const C& c, const A& a, const B& b) {
    if constexpr (is_zero<A> && is_zero<B>)
        return zero_t{};
    else
        return where(c, a, b);
}

}  // namespace lossc
