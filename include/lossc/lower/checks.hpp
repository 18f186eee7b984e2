// lossc — the run-time checks of a kernel call that do not depend on the loss (shared by every
// loss of a program): extents, options, shapes against the batch, null pointers, and outputs
// that overlap an input, each other, or a loss's run-time weights.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

#include "../eigen/views.hpp"
#include "../errors.hpp"
#include "../expr/node.hpp"
#include "../options.hpp"

namespace lossc {
namespace detail {
/// [first, last) bytes touched by a strided view; empty for a zero-size view.
struct byte_range {
    std::uintptr_t lo = 0, hi = 0;
    bool overlaps(const byte_range& o) const { return lo < hi && o.lo < o.hi && lo < o.hi && o.lo < hi; }
};
/// The errors of the checks below, out of line: building a message must not weigh on the
/// checks' inlined fast path (each call of a batch-64 loss pays for them).
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_span_error(const char* name, index rows, index cols, index rs,
                                                                    index cs, const char* what) {
    throw shape_error(
        cat(name, " of shape ", shape(rows, cols), " with strides (", num(rs), ", ", num(cs), ") ", what));
}
/// range_of for views whose extents or strides reach 2^28: every product and sum checked.
template <class T> [[gnu::noinline]] byte_range checked_range_of(const T* data, index rows, index cols, index rs,
                                                                 index cs, const char* name) {
    const auto base = reinterpret_cast<std::uintptr_t>(data);
    constexpr index size = static_cast<index>(sizeof(T));
    // Elements lo … hi relative to data: the negative spans below, the positive ones above.
    index row_span = 0, col_span = 0, lo = 0, hi = 0, lo_bytes = 0, hi_bytes = 0;
    bool overflow = __builtin_mul_overflow(rows - 1, rs, &row_span) || __builtin_mul_overflow(cols - 1, cs, &col_span);
    if (!overflow) {
        lo = std::min<index>(row_span, 0), hi = std::max<index>(row_span, 0);
        overflow =
            (col_span < 0 ? __builtin_add_overflow(lo, col_span, &lo) : __builtin_add_overflow(hi, col_span, &hi)) ||
            __builtin_mul_overflow(lo, size, &lo_bytes) || __builtin_add_overflow(hi, index(1), &hi) ||
            __builtin_mul_overflow(hi, size, &hi_bytes) ||
            std::uintptr_t(0) - static_cast<std::uintptr_t>(lo_bytes) > base ||
            static_cast<std::uintptr_t>(hi_bytes) > UINTPTR_MAX - base;
    }
    if (overflow) throw_span_error(name, rows, cols, rs, cs, "spans more than the address space");
    return {base + static_cast<std::uintptr_t>(lo_bytes), base + static_cast<std::uintptr_t>(hi_bytes)};
}
/// The bytes a strided view spans; shape_error where its extents and strides overflow the index
/// range or reach outside the address space (they cannot describe memory the caller owns).
template <class T> [[gnu::always_inline]] inline byte_range range_of(const T* data, index rows, index cols, index rs,
                                                                     index cs, const char* name = "an argument") {
    if (rows <= 0 || cols <= 0 || data == nullptr) return {};
    // Below 2^28 nothing overflows (spans < 2^60 bytes), and the fast path stays inline.
    const auto mag = [](index v) { return static_cast<std::uint64_t>(v < 0 ? -v : v); };
    constexpr std::uint64_t small = std::uint64_t(1) << 28;
    if ((static_cast<std::uint64_t>(rows) | static_cast<std::uint64_t>(cols) | mag(rs) | mag(cs)) >= small)
        return checked_range_of(data, rows, cols, rs, cs, name);
    index lo = 0, hi = 0;
    (rs < 0 ? lo : hi) += (rows - 1) * rs;
    (cs < 0 ? lo : hi) += (cols - 1) * cs;
    const auto base = reinterpret_cast<std::uintptr_t>(data);
    const index lo_bytes = lo * static_cast<index>(sizeof(T));
    if (std::uintptr_t(0) - static_cast<std::uintptr_t>(lo_bytes) > base)  // a negative stride from a low address
        throw_span_error(name, rows, cols, rs, cs, "reaches below address 0");
    return {base + static_cast<std::uintptr_t>(lo_bytes),
            base + static_cast<std::uintptr_t>((hi + 1) * static_cast<index>(sizeof(T)))};
}
template <class T> [[gnu::always_inline]] inline byte_range range_of(const matrix_view<T>& m, const char* name) {
    return range_of(m.data, m.rows, m.cols, m.row_stride, m.col_stride, name);
}
template <class T> [[gnu::always_inline]] inline byte_range range_of(const vector_view<T>& v, const char* name) {
    return range_of(v.data, v.size, index(1), v.stride, index(1), name);
}
/// An output whose strides send two elements to one address would be written twice: the later
/// write wins and the result depends on the schedule.
[[gnu::always_inline]] inline void require_injective(const char* name, index rows, index cols, index rs, index cs) {
    if (rows <= 0 || cols <= 0) return;                              // no element at all
    if ((cs == 1 && rs >= cols) || (rs == 1 && cs >= rows)) return;  // row-major or column-major, maybe padded
    index e1 = rows, s1 = rs < 0 ? -rs : rs, e2 = cols, s2 = cs < 0 ? -cs : cs;
    if (e1 <= 1) s1 = 0;
    if (e2 <= 1) s2 = 0;
    if (s1 > s2) std::swap(e1, e2), std::swap(s1, s2);
    // Dimensions of extent 1 take any stride; otherwise the inner one steps ≥ 1 and the outer one
    // over the whole inner extent.
    index inner_span = 0;
    const bool ok = (e1 <= 1 && (e2 <= 1 || s2 >= 1)) || (e2 <= 1 && s1 >= 1) ||
                    (s1 >= 1 && !__builtin_mul_overflow(e1, s1, &inner_span) && s2 >= inner_span);
    if (!ok)
        throw_span_error(name, rows, cols, rs, cs,
                         "writes some elements more than once; an output needs distinct elements");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_null(const char* name, index rows, index cols) {
    throw shape_error(cat(name, " is a null pointer with shape ", shape(rows, cols)));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_negative_extent(const char* name, index rows, index cols) {
    throw shape_error(cat(name, " has a negative extent: shape ", shape(rows, cols)));
}
inline void require_extents(const char* name, index rows, index cols) {
    if (rows < 0 || cols < 0) throw_negative_extent(name, rows, cols);
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_bad_option(const char* which, int value) {
    throw parameter_error(cat("options::", which, " holds ", num(value), ", which is not one of its enum's values"));
}
inline byte_range range_of(const sample_weights& w) {
    if (!w.present() || w.size <= 0 || w.data == nullptr) return {};
    // Elements first … last are read (stride ≥ 0 when repeat > 1: the wrapper's layouts).
    const index first = w.element(0), last = w.element(w.size - 1);
    const index lo = std::min(first, last), count = (first <= last ? last - first : first - last) + 1;
    return w.is_double ? range_of(static_cast<const double*>(w.data) + lo, count, 1, 1, 1)
                       : range_of(static_cast<const float*>(w.data) + lo, count, 1, 1, 1);
}
inline void require_disjoint(const byte_range& out, const char* out_name, const byte_range& other,
                             const char* other_name) {
    if (out.overlaps(other))
        throw shape_error(
            cat(out_name, " overlaps ", other_name, " in memory; an output must not alias an input or another output"));
}
/// Run-time weights (weights(span)) are read for every row: an output must not overlap them.
template <class N> void require_outside_weights(const N& n, const byte_range& out, const char* out_name) {
    if constexpr (requires {
                      n.data;
                      n.size;
                  })
        require_disjoint(out, out_name,
                         range_of(n.data, static_cast<index>(n.size), index(1), index(1), index(1), "a weights(span)"),
                         "a weights(span) of the loss");
    for_each_child(n, [&](const auto& child) { require_outside_weights(child, out, out_name); });
}
template <class T>
[[gnu::always_inline]] inline void require_data(const char* name, const T* data, index rows, index cols) {
    if (data == nullptr && rows > 0 && cols > 0) throw_null(name, rows, cols);
}
/// The checks of a kernel call that do not depend on the loss (kernel::check_arguments), in
/// order: extents, enum values, element count, shapes against the batch, null pointers.
template <class T> [[gnu::noinline]] void check_shapes(const matrix_view<const T>& t, const matrix_view<const T>& p,
                                                       const vector_view<T>& ps, const matrix_view<T>* g,
                                                       const options& opt) {
    require_extents("y_true", t.rows, t.cols);
    require_extents("y_pred", p.rows, p.cols);
    require_extents("per_sample", ps.size, 1);
    if (g) require_extents("grad", g->rows, g->cols);
    if (opt.sample_weight.present()) require_extents("sample_weight", opt.sample_weight.size, 1);
    // Enums from outside (a C caller, a cast) may hold anything; each enum starts at 0.
    if (static_cast<unsigned>(opt.reduction) > static_cast<unsigned>(reduction::none))
        throw_bad_option("reduction", static_cast<int>(opt.reduction));
    if (opt.reduction == reduction::none)
        throw parameter_error(
            "reduction::none: a kernel call returns one number; call it with reduction::sum and "
            "read per_sample (lossc::keras::loss and lossc::torch::loss return the values)");
    if (static_cast<unsigned>(opt.schedule) > static_cast<unsigned>(schedule::across_rows))
        throw_bad_option("schedule", static_cast<int>(opt.schedule));
    if (static_cast<unsigned>(opt.stores) > static_cast<unsigned>(output_stores::streaming))
        throw_bad_option("stores", static_cast<int>(opt.stores));
    const index n = p.rows;
    if (opt.global_batch_size != 0 && opt.global_batch_size < n)
        throw parameter_error(cat("options::global_batch_size is ", num(opt.global_batch_size), " but this call has ",
                                  num(n),
                                  " rows: the whole batch holds at least this call's shard (0: this call's rows)"));
    if (opt.global_weight_sum && !std::isfinite(*opt.global_weight_sum))
        throw parameter_error("options::global_weight_sum is not finite");
    if (index elements; __builtin_mul_overflow(n, std::max<index>(p.cols, 1), &elements))
        throw shape_error(cat("y_pred of shape ", shape(p.rows, p.cols), " has more elements than an index holds"));
    if (t.rows != n)
        throw shape_error(cat("y_true has shape ", shape(t.rows, t.cols), " but y_pred has shape ",
                              shape(p.rows, p.cols), ": dimension 0 (the batch) must agree"));
    if (ps.size != n)
        throw shape_error(cat("per_sample has length ", num(ps.size), " but the batch is ", num(n),
                              " (y_pred has shape ", shape(p.rows, p.cols), ")"));
    if (g && (g->rows != n || g->cols != p.cols))
        throw shape_error(
            cat("grad has shape ", shape(g->rows, g->cols), " but must have y_pred's shape ", shape(p.rows, p.cols)));
    if (opt.sample_weight.present() && opt.sample_weight.size != n)
        throw shape_error(cat("sample_weight has length ", num(opt.sample_weight.size), " but the batch is ", num(n),
                              " (a vector of one weight per sample)"));
    require_data("y_true", t.data, t.rows, t.cols);
    require_data("y_pred", p.data, p.rows, p.cols);
    require_data("per_sample", ps.data, ps.size, index(1));
    if (g) require_data("grad", g->data, g->rows, g->cols);
    if (opt.sample_weight.present())
        require_data("sample_weight", opt.sample_weight.data, opt.sample_weight.size, index(1));
}
/// The bytes each output spans (empty where there is none).
struct output_ranges {
    byte_range per_sample, grad;
};
/// The outputs against the inputs and each other: each output's elements distinct, no output
/// overlapping an input or the other output.
template <class T> [[gnu::noinline]] output_ranges check_memory(const matrix_view<const T>& t,
                                                                const matrix_view<const T>& p, const vector_view<T>& ps,
                                                                const matrix_view<T>* g, const options& opt) {
    const auto rt = range_of(t, "y_true"), rp = range_of(p, "y_pred");
    const auto rps = range_of(ps, "per_sample");
    const auto rw = range_of(opt.sample_weight);
    require_injective("per_sample", ps.size, 1, ps.stride, 1);
    require_disjoint(rps, "per_sample", rt, "y_true");
    require_disjoint(rps, "per_sample", rp, "y_pred");
    require_disjoint(rps, "per_sample", rw, "sample_weight");
    if (!g) return {rps, {}};
    const auto rg = range_of(*g, "grad");
    require_injective("grad", g->rows, g->cols, g->row_stride, g->col_stride);
    require_disjoint(rg, "grad", rt, "y_true");
    require_disjoint(rg, "grad", rp, "y_pred");
    require_disjoint(rg, "grad", rps, "per_sample");
    require_disjoint(rg, "grad", rw, "sample_weight");
    return {rps, rg};
}
}  // namespace detail

}  // namespace lossc
