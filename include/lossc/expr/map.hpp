// lossc — a node rebuilt with each operand mapped: the one definition behind every tree rewrite
// that keeps a node and changes what is below it (swap_samples, the gradient's accumulation).
#pragma once
#include <cstddef>

#include "elementwise.hpp"
#include "reduce.hpp"
#include "select.hpp"

namespace lossc {

/// e with each operand x replaced by f(x) (the operands of for_each_child; where_t's condition
/// included), the node's own data (its op) kept; the result's type follows f's.
template <class Op, class A, class F> constexpr auto map_operands(const unary<Op, A>& e, F&& f) {
    auto a = f(e.a);
    return unary<Op, decltype(a)>{a, e.op};
}
template <class Op, class A, class B, class F> constexpr auto map_operands(const binary<Op, A, B>& e, F&& f) {
    auto a = f(e.a);
    auto b = f(e.b);
    return binary<Op, decltype(a), decltype(b)>{a, b, e.op};
}
template <class C, class A, class B, class F> constexpr auto map_operands(const where_t<C, A, B>& e, F&& f) {
    auto c = f(e.c);
    auto a = f(e.a);
    auto b = f(e.b);
    return where_t<decltype(c), decltype(a), decltype(b)>{c, a, b};
}
template <class R, class A, class F> constexpr auto map_operands(const reduce_t<R, A>& e, F&& f) {
    auto a = f(e.a);
    return reduce_t<R, decltype(a)>{a};
}
template <std::size_t J, class A, class F> constexpr auto map_operands(const col_t<J, A>& e, F&& f) {
    auto a = f(e.a);
    return col_t<J, decltype(a)>{a};
}
template <std::size_t F0, std::size_t N, class A, class F>
constexpr auto map_operands(const cols_t<F0, N, A>& e, F&& f) {
    auto a = f(e.a);
    return cols_t<F0, N, decltype(a)>{a};
}
/// The map that keeps every operand: what `mappable` asks map_operands to do.
struct keep_operand {
    template <class X> constexpr const X& operator()(const X& x) const { return x; }
};
/// Does map_operands know E's kind? (Its overloads above are the one list of those kinds.)
template <class E>
concept mappable = requires(const E& e) {
    map_operands(e, keep_operand{});
};

}  // namespace lossc
