// lossc — readable formulas: to_string(loss), to_string(gradient(loss)). Infix operators get
// parentheses only where precedence needs them.
//
// Every loss instantiates a printer per node (shape errors name the subexpression at fault), so
// a node's printer is a few calls that append to one string; the string code itself is out of
// line, compiled once. Printers that built and returned strings cost every loss compile time for
// code that runs only on an error (docs/perf-log.md, 2026-12-06).
#pragma once
#include <cstdio>
#include <string>

#include "../expr/batch.hpp"
#include "../expr/elementwise.hpp"
#include "../expr/pairs.hpp"
#include "../expr/reduce.hpp"
#include "../expr/select.hpp"

namespace lossc {

namespace detail {
inline constexpr int atom = 10;  // precedence of an atom or a call; 3: unary minus; else the infix op's

[[gnu::noinline]] inline void put(std::string& out, const char* s) { out += s; }
[[gnu::noinline]] inline void put_number(std::string& out, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out += buf;
}
[[gnu::noinline]] inline void put_index(std::string& out, std::size_t v) { out += std::to_string(v); }
}  // namespace detail

// ---- precedence(e): how tightly e's printed form binds -----------------------------------------
template <class E> constexpr int precedence(const E&) { return detail::atom; }
constexpr int precedence(const scalar& s) { return s.value < 0 ? 3 : detail::atom; }
template <class Op, class A> constexpr int precedence(const unary<Op, A>&) {
    return std::is_same_v<Op, ops::neg> ? 3 : detail::atom;
}
template <class Op, class A, class B> constexpr int precedence(const binary<Op, A, B>&) {
    if constexpr (Op::infix)
        return Op::precedence;
    else
        return detail::atom;
}
template <class G, class Ctx, class Child> constexpr int precedence(const unbroadcast_t<G, Ctx, Child>& e) {
    if constexpr (Child::cols)
        return precedence(e.g);
    else if constexpr (G::cols)
        return detail::atom;
    else
        return 2;
}

// ---- print_to(out, e): appends e's formula -----------------------------------------------------
template <class E> void print_wrapped(std::string& out, const E& e, bool parenthesised);

template <input W> void print_to(std::string& out, const placeholder<W>&) {
    detail::put(out, W == input::y_true ? "y_true" : "y_pred");
}
template <input W> void print_to(std::string& out, const other_t<W>&) {
    detail::put(out, W == input::y_true ? "other(y_true)" : "other(y_pred)");
}
inline void print_to(std::string& out, const same_sample_t&) { detail::put(out, "same_sample"); }
inline void print_to(std::string& out, const scalar& s) { detail::put_number(out, s.value); }
inline void print_to(std::string& out, const zero_t&) { detail::put(out, "0"); }
inline void print_to(std::string& out, const one_t&) { detail::put(out, "1"); }
template <int N> void print_to(std::string& out, const integer_t<N>&) { detail::put_number(out, N); }
inline void print_to(std::string& out, const column_index_t&) { detail::put(out, "class_index"); }
template <class E> void print_to(std::string& out, const count_t<E>& c) {
    detail::put(out, "columns(");
    print_to(out, c.of);
    detail::put(out, ")");
}
template <std::size_t N> void print_to(std::string& out, const weights_c<N>& w) {
    detail::put(out, "[");
    for (std::size_t j = 0; j < N; ++j) {
        if (j) detail::put(out, ", ");
        detail::put_number(out, w.w[j]);
    }
    detail::put(out, "]");
}
template <class U> void print_to(std::string& out, const weights_span<U>& w) {
    detail::put(out, "weights[");
    detail::put_index(out, w.size);
    detail::put(out, "]");
}

template <class Op, class A> void print_to(std::string& out, const unary<Op, A>& e) {
    if constexpr (std::is_same_v<Op, ops::neg>) {
        detail::put(out, "-");
        return print_wrapped(out, e.a, precedence(e.a) < detail::atom);
    }
    detail::put(out, Op::name);
    detail::put(out, "(");
    print_to(out, e.a);
    if constexpr (std::is_same_v<Op, ops::pow_c>)
        detail::put(out, ", "), detail::put_number(out, e.op.p);
    else if constexpr (requires { e.op.lo, e.op.hi; }) {  // clip_op, clip_to
        detail::put(out, ", "), detail::put_number(out, e.op.lo);
        detail::put(out, ", "), detail::put_number(out, e.op.hi);
    }
    detail::put(out, ")");
}
template <class Op, class A, class B> void print_to(std::string& out, const binary<Op, A, B>& e) {
    if constexpr (Op::infix) {
        constexpr int p = Op::precedence;
        // a - (b - c), a / (b * c): the right operand needs parentheses at equal precedence too.
        constexpr bool right_strict = std::is_same_v<Op, ops::sub> || std::is_same_v<Op, ops::div> || p == 0;
        const int pa = precedence(e.a), pb = precedence(e.b);
        print_wrapped(out, e.a, pa < p || (p == 0 && pa == 0));
        detail::put(out, " ");
        detail::put(out, Op::name);
        detail::put(out, " ");
        print_wrapped(out, e.b, pb < p || (right_strict && pb == p));
    } else {
        detail::put(out, Op::name);
        detail::put(out, "(");
        print_to(out, e.a);
        detail::put(out, ", ");
        print_to(out, e.b);
        detail::put(out, ")");
    }
}
template <class C, class A, class B> void print_to(std::string& out, const where_t<C, A, B>& e) {
    detail::put(out, "where(");
    print_to(out, e.c);
    detail::put(out, ", ");
    print_to(out, e.a);
    detail::put(out, ", ");
    print_to(out, e.b);
    detail::put(out, ")");
}
template <class R, class A> void print_to(std::string& out, const reduce_t<R, A>& e) {
    detail::put(out, R::name);
    detail::put(out, "<1>(");
    print_to(out, e.a);
    detail::put(out, ")");
}
template <class R, class A> void print_to(std::string& out, const batch_reduce_t<R, A>& e) {
    // batch_sum / batch_mean as written inside batch_loss; the others as f<0>.
    constexpr bool named = std::is_same_v<R, ops::sum_r> || std::is_same_v<R, ops::mean_r>;
    if (named) detail::put(out, "batch_");
    detail::put(out, R::name);
    detail::put(out, named ? "(" : "<0>(");
    print_to(out, e.a);
    detail::put(out, ")");
}
/// A batch statistic as lowered (lower/batch_lowering.hpp): the reduction it stands for.
template <std::size_t K, class R, class A, stat_role Role>
void print_to(std::string& out, const batch_stat_t<K, R, A, Role>& e) {
    if (Role == stat_role::adjoint) detail::put(out, "adjoint of ");
    detail::put(out, "batch_");
    detail::put(out, R::name);
    detail::put(out, "(");
    print_to(out, e.of);
    detail::put(out, ")");
}
template <class R, class A> void print_to(std::string& out, const pair_reduce_t<R, A>& e) {
    detail::put(out, "pair_");
    detail::put(out, R::name);
    detail::put(out, "(");
    print_to(out, e.a);
    detail::put(out, ")");
}
/// A pair reduction as lowered (lower/pair_lowering.hpp).
template <std::size_t K, class R, class A, stat_role Role>
void print_to(std::string& out, const pair_stat_t<K, R, A, Role>& e) {
    print_to(out, pair_reduce_t<R, A>{e.of});
}
template <class E> void print_to(std::string& out, const batch_loss_t<E>& e) {
    detail::put(out, "batch_loss(");
    print_to(out, e.loss);
    detail::put(out, ")");
}
template <std::size_t J, class A> void print_to(std::string& out, const col_t<J, A>& e) {
    detail::put(out, "col<");
    detail::put_index(out, J);
    detail::put(out, ">(");
    print_to(out, e.a);
    detail::put(out, ")");
}
template <std::size_t F, std::size_t N, class A> void print_to(std::string& out, const cols_t<F, N, A>& e) {
    detail::put(out, N == dynamic_extent ? "cols_from<" : "cols<");
    detail::put_index(out, F);
    if constexpr (N != dynamic_extent) detail::put(out, ", "), detail::put_index(out, N);
    detail::put(out, ">(");
    print_to(out, e.a);
    detail::put(out, ")");
}
template <std::size_t F, std::size_t N, class G, class Of>
void print_to(std::string& out, const embed_t<F, N, G, Of>& e) {
    detail::put(out, "embed<");
    detail::put_index(out, F);
    detail::put(out, ", ");
    if constexpr (N == dynamic_extent)
        detail::put(out, "end");
    else
        detail::put_index(out, N);
    detail::put(out, ">(");
    print_to(out, e.g);
    detail::put(out, ")");
}
template <std::size_t J, class G, class Of> void print_to(std::string& out, const onehot_t<J, G, Of>& e) {
    detail::put(out, "onehot<");
    detail::put_index(out, J);
    detail::put(out, ">(");
    print_to(out, e.g);
    detail::put(out, ")");
}
/// An adjoint summed over the columns its operand was broadcast along prints as that sum; the
/// run-time check for a broadcast 1-column operand prints as the plain adjoint.
template <class G, class Ctx, class Child> void print_to(std::string& out, const unbroadcast_t<G, Ctx, Child>& e) {
    if constexpr (Child::cols)
        print_to(out, e.g);
    else if constexpr (G::cols) {
        detail::put(out, "sum<1>(");
        print_to(out, e.g);
        detail::put(out, ")");
    } else {
        detail::put(out, "columns(");
        print_to(out, e.ctx);
        detail::put(out, ") * ");
        print_wrapped(out, e.g, precedence(e.g) < 2);
    }
}

template <class E> void print_wrapped(std::string& out, const E& e, bool parenthesised) {
    if (parenthesised) detail::put(out, "(");
    print_to(out, e);
    if (parenthesised) detail::put(out, ")");
}

/// The formula of an expression (a loss or a derived gradient) as text.
template <expression E> std::string to_string(const E& e) {
    std::string out;
    print_to(out, e);
    return out;
}
template <batch_loss_expression E> std::string to_string(const E& e) {
    std::string out;
    print_to(out, e);
    return out;
}

}  // namespace lossc
