// lossc — readable formulas: to_string(loss), to_string(gradient(loss)). Infix operators get
// parentheses only where precedence needs them.
#pragma once
#include <cstdio>
#include <string>

#include "../expr/elementwise.hpp"
#include "../expr/reduce.hpp"
#include "../expr/select.hpp"

namespace lossc {

namespace detail {
struct printed {
    std::string text;
    int precedence;  // 10: atom or call; 3: unary minus; else the infix op's
};
inline constexpr int atom = 10;

inline std::string number_str(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}
inline std::string wrap_if(const printed& p, bool cond) { return cond ? "(" + p.text + ")" : p.text; }
}  // namespace detail

template <input W>
detail::printed print(const placeholder<W>&) { return {W == input::y_true ? "y_true" : "y_pred", detail::atom}; }
inline detail::printed print(const scalar& s) { return {detail::number_str(s.value), s.value < 0 ? 3 : detail::atom}; }
inline detail::printed print(const zero_t&) { return {"0", detail::atom}; }
inline detail::printed print(const one_t&) { return {"1", detail::atom}; }
inline detail::printed print(const column_index_t&) { return {"class_index", detail::atom}; }
template <class E>
detail::printed print(const count_t<E>& c) { return {"columns(" + print(c.of).text + ")", detail::atom}; }
template <std::size_t N>
detail::printed print(const weights_c<N>& w) {
    std::string s = "[";
    for (std::size_t j = 0; j < N; ++j) s += (j ? ", " : "") + detail::number_str(w.w[j]);
    return {s + "]", detail::atom};
}
template <class U>
detail::printed print(const weights_span<U>& w) { return {"weights[" + std::to_string(w.size) + "]", detail::atom}; }

template <class Op, class A>
detail::printed print(const unary<Op, A>& e) {
    const auto a = print(e.a);
    if constexpr (std::is_same_v<Op, ops::neg>) return {"-" + detail::wrap_if(a, a.precedence < detail::atom), 3};
    else if constexpr (std::is_same_v<Op, ops::pow_c>)
        return {"pow(" + a.text + ", " + detail::number_str(e.op.p) + ")", detail::atom};
    else if constexpr (std::is_same_v<Op, ops::clip_op>)
        return {"clip(" + a.text + ", " + detail::number_str(e.op.lo) + ", " + detail::number_str(e.op.hi) + ")", detail::atom};
    else return {std::string(Op::name) + "(" + a.text + ")", detail::atom};
}
template <class Op, class A, class B>
detail::printed print(const binary<Op, A, B>& e) {
    const auto a = print(e.a), b = print(e.b);
    if constexpr (Op::infix) {
        constexpr int p = Op::precedence;
        // a - (b - c), a / (b * c): the right operand needs parentheses at equal precedence too.
        constexpr bool right_strict = std::is_same_v<Op, ops::sub> || std::is_same_v<Op, ops::div> || p == 0;
        return {detail::wrap_if(a, a.precedence < p || (p == 0 && a.precedence == 0)) + " " + Op::name + " " +
                    detail::wrap_if(b, b.precedence < p || (right_strict && b.precedence == p)),
                p};
    } else return {std::string(Op::name) + "(" + a.text + ", " + b.text + ")", detail::atom};
}
template <class C, class A, class B>
detail::printed print(const where_t<C, A, B>& e) {
    return {"where(" + print(e.c).text + ", " + print(e.a).text + ", " + print(e.b).text + ")", detail::atom};
}
template <class R, class A>
detail::printed print(const reduce_t<R, A>& e) { return {std::string(R::name) + "<1>(" + print(e.a).text + ")", detail::atom}; }
template <class R, class A>
detail::printed print(const batch_reduce_t<R, A>& e) { return {std::string(R::name) + "<0>(" + print(e.a).text + ")", detail::atom}; }
template <std::size_t J, class A>
detail::printed print(const col_t<J, A>& e) { return {"col<" + std::to_string(J) + ">(" + print(e.a).text + ")", detail::atom}; }
template <std::size_t F, std::size_t N, class A>
detail::printed print(const cols_t<F, N, A>& e) {
    if constexpr (N == dynamic_extent) return {"cols_from<" + std::to_string(F) + ">(" + print(e.a).text + ")", detail::atom};
    else return {"cols<" + std::to_string(F) + ", " + std::to_string(N) + ">(" + print(e.a).text + ")", detail::atom};
}
template <std::size_t F, std::size_t N, class G, class Of>
detail::printed print(const embed_t<F, N, G, Of>& e) {
    const std::string n = N == dynamic_extent ? std::string("end") : std::to_string(N);
    return {"embed<" + std::to_string(F) + ", " + n + ">(" + print(e.g).text + ")", detail::atom};
}
template <std::size_t J, class G, class Of>
detail::printed print(const onehot_t<J, G, Of>& e) {
    return {"onehot<" + std::to_string(J) + ">(" + print(e.g).text + ")", detail::atom};
}
/// An adjoint summed over the columns its operand was broadcast along prints as that sum; the
/// run-time check for a broadcast 1-column operand prints as the plain adjoint.
template <class G, class Ctx, class Child>
detail::printed print(const unbroadcast_t<G, Ctx, Child>& e) {
    if constexpr (Child::cols) return print(e.g);
    else if constexpr (G::cols) return {"sum<1>(" + print(e.g).text + ")", detail::atom};
    else {
        const auto g = print(e.g);
        return {"columns(" + print(e.ctx).text + ") * " + detail::wrap_if(g, g.precedence < 2), 2};
    }
}

/// The formula of an expression (a loss or a derived gradient) as text.
template <expression E>
std::string to_string(const E& e) { return print(e).text; }

}  // namespace lossc
