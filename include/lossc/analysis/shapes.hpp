// lossc — run-time shapes. The column count of every sub-expression is derived from the
// expression and the two input widths (width); validate() checks, before a kernel writes
// anything, that every elementwise op sees equal widths (or 1, broadcast as numpy does) and
// every column selection stays inside its operand, and throws shape_error naming the
// sub-expressions and shapes otherwise.
#pragma once
#include <string>

#include "../errors.hpp"
#include "../expr/batch.hpp"
#include "../expr/pairs.hpp"
#include "../expr/elementwise.hpp"
#include "../expr/reduce.hpp"
#include "../expr/select.hpp"
#include "../print/to_string.hpp"

namespace lossc {

/// Column counts of the two inputs of one call.
struct input_dims {
    std::size_t rows, true_cols, pred_cols;
};

template <input W> constexpr std::size_t width(const placeholder<W>&, const input_dims& d) {
    return W == input::y_true ? d.true_cols : d.pred_cols;
}
template <input W> constexpr std::size_t width(const other_t<W>&, const input_dims& d) {
    return W == input::y_true ? d.true_cols : d.pred_cols;
}
/// Class indices run along y_pred's classes.
constexpr std::size_t width(const column_index_t&, const input_dims& d) { return d.pred_cols; }
template <std::size_t N> constexpr std::size_t width(const weights_c<N>&, const input_dims&) { return N; }
template <class U> constexpr std::size_t width(const weights_span<U>& w, const input_dims&) { return w.size; }
template <class Op, class A> constexpr std::size_t width(const unary<Op, A>& e, const input_dims& d) {
    return width(e.a, d);
}
template <class Op, class A, class B> constexpr std::size_t width(const binary<Op, A, B>& e, const input_dims& d) {
    if constexpr (A::cols && B::cols) {
        const std::size_t wa = width(e.a, d), wb = width(e.b, d);
        return wa == 1 ? wb : wa;
    } else if constexpr (A::cols)
        return width(e.a, d);
    else if constexpr (B::cols)
        return width(e.b, d);
    else
        return 1;
}
template <class C, class A, class B> constexpr std::size_t width(const where_t<C, A, B>& e, const input_dims& d) {
    std::size_t w = 1;
    if constexpr (C::cols) w = width(e.c, d);
    if constexpr (A::cols) {
        const std::size_t wa = width(e.a, d);
        if (w == 1) w = wa;
    }
    if constexpr (B::cols) {
        const std::size_t wb = width(e.b, d);
        if (w == 1) w = wb;
    }
    return w;
}
template <std::size_t F, std::size_t N, class A>
constexpr std::size_t width(const cols_t<F, N, A>& e, const input_dims& d) {
    if constexpr (N == dynamic_extent) {
        const std::size_t w = width(e.a, d);
        return w > F ? w - F : 0;
    } else
        return N;
}
template <std::size_t F, std::size_t N, class G, class Of>
constexpr std::size_t width(const embed_t<F, N, G, Of>& e, const input_dims& d) {
    return width(e.of, d);
}
template <std::size_t J, class G, class Of>
constexpr std::size_t width(const onehot_t<J, G, Of>& e, const input_dims& d) {
    return width(e.of, d);
}
template <class G, class Ctx, class Child>
constexpr std::size_t width(const unbroadcast_t<G, Ctx, Child>& e, const input_dims& d) {
    if constexpr (Child::cols)
        return width(e.child, d);
    else
        return 1;
}
template <class R, class A> constexpr std::size_t width(const batch_reduce_t<R, A>& e, const input_dims& d) {
    return width(e.a, d);
}
template <std::size_t K, class R, class A, stat_role Role>
requires(A::cols) constexpr std::size_t width(const batch_stat_t<K, R, A, Role>& e, const input_dims& d) {
    return width(e.of, d);
}
/// Everything without a class axis (scalars, per-sample values) has width 1.
template <class E>
requires(!E::cols) constexpr std::size_t width(const E&, const input_dims&) { return 1; }

namespace detail {
inline std::string inputs_str(const input_dims& d) {
    return cat("; y_true is ", shape(d.rows, d.true_cols), ", y_pred is ", shape(d.rows, d.pred_cols));
}
// The throwing paths are plain functions: reached during constant evaluation (lossc::evaluate
// in a static_assert) they stop it with a diagnostic naming the function.
template <class E, class A, class B> [[noreturn]] void columns_mismatch(const E& e, const A& a, const B& b,
                                                                        std::size_t wa, std::size_t wb,
                                                                        const input_dims& d) {
    throw shape_error(cat("in `", to_string(e), "`, `", to_string(a), "` has ", num(wa), " columns but `", to_string(b),
                          "` has ", num(wb), " (they must be equal, or one of them 1)", inputs_str(d)));
}
template <class E, class A> [[noreturn]] void selection_out_of_range(const E& e, const A& a, std::size_t needed,
                                                                     std::size_t w, const input_dims& d) {
    throw shape_error(cat("`", to_string(e), "` needs ", num(needed), " columns but `", to_string(a), "` has ", num(w),
                          inputs_str(d)));
}
[[noreturn]] inline void null_weights(std::size_t n) {
    throw shape_error(cat("weights(span) holds a null pointer with size ", num(n)));
}
template <class E, class A>
[[noreturn]] void pred_broadcast(const E& e, const A& a, std::size_t w, const input_dims& d) {
    throw shape_error(cat("in `", to_string(e), "`, `", to_string(a),
                          "` has y_pred's columns and 1 column but is "
                          "broadcast against ",
                          num(w),
                          "; broadcasting a y_pred-dependent operand from one column is "
                          "not supported: select it per sample with col<0>(...) or give it ",
                          num(w), " columns", inputs_str(d)));
}
/// Operands of an elementwise op need equal widths, or width 1 (numpy broadcasting). An operand
/// whose columns are y_pred's (pred_cols) may not be the broadcast one when its width is
/// dynamic: its gradient would need a run-time row sum in every derived formula, so
/// col<j> or cols<f, 1> must say it statically. Returns whether a broadcast happens.
template <class E, class A, class B>
constexpr bool check_broadcast(const E& e, const A& a, const B& b, const input_dims& d) {
    if constexpr (A::cols && B::cols) {
        const std::size_t wa = width(a, d), wb = width(b, d);
        if (wa == wb) return false;
        if (wa != 1 && wb != 1) columns_mismatch(e, a, b, wa, wb, d);
        if constexpr (A::pred_cols && A::extent != 1)
            if (wa == 1) pred_broadcast(e, a, wb, d);
        if constexpr (B::pred_cols && B::extent != 1)
            if (wb == 1) pred_broadcast(e, b, wa, d);
        return true;
    } else
        return false;
}
}  // namespace detail

// validate(e, dims): throws shape_error if the expression cannot run on inputs of these widths;
// returns true if some operand is broadcast from one column (the kernel then avoids the
// packed-columns schedule).

/// Constants and per-column constants need no check.
template <class E>
requires(!E::batch) constexpr bool validate(const E&, const input_dims&) { return false; }
template <input W> constexpr bool validate(const placeholder<W>&, const input_dims&) { return false; }
template <input W> constexpr bool validate(const other_t<W>&, const input_dims&) { return false; }
constexpr bool validate(const same_sample_t&, const input_dims&) { return false; }
template <std::size_t K, class R, class A, stat_role Role>
constexpr bool validate(const pair_stat_t<K, R, A, Role>&, const input_dims&) {
    return false;
}
template <class R, class A> constexpr bool validate(const pair_reduce_t<R, A>& e, const input_dims& d) {
    return validate(e.a, d);
}
template <class U> constexpr bool validate(const weights_span<U>& w, const input_dims&) {
    if (w.data == nullptr && w.size != 0) detail::null_weights(w.size);
    return false;
}
template <class Op, class A> constexpr bool validate(const unary<Op, A>& e, const input_dims& d) {
    return validate(e.a, d);
}
template <class Op, class A, class B> constexpr bool validate(const binary<Op, A, B>& e, const input_dims& d) {
    // Every check runs (no short-circuit): a bad shape anywhere must throw.
    const bool in_a = validate(e.a, d);
    const bool in_b = validate(e.b, d);
    const bool here = detail::check_broadcast(e, e.a, e.b, d);
    return in_a || in_b || here;
}
template <class C, class A, class B> constexpr bool validate(const where_t<C, A, B>& e, const input_dims& d) {
    const bool in_c = validate(e.c, d);
    const bool in_a = validate(e.a, d);
    const bool in_b = validate(e.b, d);
    const bool ab = detail::check_broadcast(e, e.a, e.b, d);
    const bool ca = detail::check_broadcast(e, e.c, e.a, d);
    const bool cb = detail::check_broadcast(e, e.c, e.b, d);
    return in_c || in_a || in_b || ab || ca || cb;
}
template <class R, class A> constexpr bool validate(const reduce_t<R, A>& e, const input_dims& d) {
    return validate(e.a, d);
}
template <std::size_t J, class A> constexpr bool validate(const col_t<J, A>& e, const input_dims& d) {
    const bool below = validate(e.a, d);
    if (const std::size_t w = width(e.a, d); J >= w) detail::selection_out_of_range(e, e.a, J + 1, w, d);
    return below;
}
template <std::size_t F, std::size_t N, class A>
constexpr bool validate(const cols_t<F, N, A>& e, const input_dims& d) {
    const bool below = validate(e.a, d);
    constexpr std::size_t needed = N == dynamic_extent ? F + 1 : F + N;
    if (const std::size_t w = width(e.a, d); needed > w) detail::selection_out_of_range(e, e.a, needed, w, d);
    return below;
}

}  // namespace lossc
