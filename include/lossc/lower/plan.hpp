// lossc — the plan of one call: which schedule walks the batch, whether the outputs are streamed,
// whether dense blocks ask for the next block's lines, how many threads. Made once per call by
// make_plan from the views and the options, before any row is touched; it depends on the loss
// only through two facts the kernel passes in (a broadcast operand, a memory-bound loss), so it
// is compiled once per scalar type, not once per loss. The thresholds: lower/tuning.hpp.
#pragma once
#include <algorithm>

#include "../config.hpp"
#include "../eigen/views.hpp"
#include "../options.hpp"
#include "tuning.hpp"

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering {

/// Inline in each kernel's run, as when the plan was the kernel's own members: shared out of line,
/// the call and the views passed through memory cost small batches (batch 64) up to a tenth.
#if defined(__OPTIMIZE__)
#define LOSSC_PLAN_INLINE [[gnu::always_inline]] inline
#else
#define LOSSC_PLAN_INLINE inline
#endif

struct plan {
    schedule sched = schedule::scalar_rows;
    bool stream = false;      // non-temporal stores for the outputs (options::stores)
    bool next_lines = false;  // dense_rows blocks ask for the next block's lines (next_block_lines)
    index threads = 1;        // contiguous blocks of rows, one per thread
};

/// Does the dense_rows block stage this matrix? Contiguous columns, 2 to max_staged_columns of
/// them (two columns not back to back by a transpose, which the general block would gather instead).
template <class T, class V> LOSSC_PLAN_INLINE bool rows_stage(const matrix_view<V>& m) {
    return tuning::transposes<T> && m.col_stride == 1 && m.cols >= 2 && m.cols <= tuning::max_staged_columns;
}
/// Does the tile layer (simd::load_columns, store_columns) stage a block of this matrix's rows?
/// Contiguous columns, 3 to max_staged_columns of them, or 2 in rows back to back (two permutes).
template <class T, class V> LOSSC_PLAN_INLINE bool tiles_stage(const matrix_view<V>& m) {
    return rows_stage<T>(m) && (m.cols != 2 || m.row_stride == 2);
}
/// Does a batch of this layout run the dense_rows block? Rows of 2 to 64 contiguous columns in
/// every matrix (staged by tile transposes, or back to back by permutes), y_true as wide as y_pred
/// or one column (labels: one strided load), a contiguous per_sample.
template <bool Backward, class T> LOSSC_PLAN_INLINE bool takes_dense_rows(const matrix_view<const T>& t,
                                                                          const matrix_view<const T>& p,
                                                                          const matrix_view<T>& g, index ps_stride) {
    return ps_stride == 1 && ((t.cols == p.cols && rows_stage<T>(t)) || (t.cols == 1 && p.cols > 1)) &&
           rows_stage<T>(p) && (!Backward || rows_stage<T>(g));
}
/// Row-major batches of min_streamed_columns to 64 contiguous columns walked across rows by tile
/// transposes (dense_rows): their gradient goes out in one burst per block, and beyond the caches
/// streaming it (no read of each line first) measured faster even for losses with exp/log,
/// unlike the other layouts.
template <class T> LOSSC_PLAN_INLINE bool wide_dense_rows(const matrix_view<const T>& t, const matrix_view<const T>& p,
                                                          const matrix_view<T>& g, index ps_stride,
                                                          const options& opt) {
    return (opt.schedule == schedule::automatic || opt.schedule == schedule::across_rows) && t.row_stride != 1 &&
           takes_dense_rows<true>(t, p, g, ps_stride) && p.cols >= tuning::min_streamed_columns;
}
/// Do dense_rows blocks ask for the next block's lines? Rows back to back, wide enough, the
/// batch larger than the caches near the core (where the lines are in cache it only costs).
template <class T> LOSSC_PLAN_INLINE bool prefetches_next_block(const matrix_view<const T>& t,
                                                                const matrix_view<const T>& p,
                                                                const matrix_view<T>& g) {
    const index n = p.cols;
    return n >= tuning::prefetch_min_columns<T> && p.rows * n >= tuning::prefetch_min_elements && t.row_stride == n &&
           p.row_stride == n && g.row_stride == n;
}

/// The schedule for `asked` at this layout (options::schedule). A forced along_columns that
/// cannot apply (columns not contiguous, an operand broadcast) falls back to scalar rows.
template <class T> LOSSC_PLAN_INLINE schedule choose_schedule(schedule asked, const matrix_view<const T>& t,
                                                              const matrix_view<const T>& p, bool broadcast) {
    constexpr index w = simd::pack<T>::width;
    if (w == 1) return schedule::scalar_rows;
    // Packs along the columns of one row need contiguous columns and nothing broadcast.
    const bool columns_ok = !broadcast && p.col_stride == 1 && (t.col_stride == 1 || t.cols <= 1);
    if (asked == schedule::along_columns) return columns_ok ? asked : schedule::scalar_rows;
    if (asked != schedule::automatic) return asked;
    if (t.row_stride == 1 && p.row_stride == 1) return schedule::across_rows;  // column-major: batch contiguous
    if (columns_ok && p.cols > tuning::widest_across_rows<T>()) return schedule::along_columns;
    return schedule::across_rows;
}

/// The plan of a call whose arguments passed every check; g is null for forward. broadcast: the
/// loss broadcasts a 1-column operand at these widths (validate); memory_bound: a loss of
/// arithmetic only, which `automatic` stores stream beyond options::streaming_threshold.
template <class T> LOSSC_PLAN_INLINE plan make_plan(const matrix_view<const T>& t, const matrix_view<const T>& p,
                                                    const vector_view<T>& ps, const matrix_view<T>* g,
                                                    const options& opt, bool broadcast, bool memory_bound) {
    plan out;
    const index n = p.rows;
    const index out_bytes = (n + (g ? n * p.cols : 0)) * static_cast<index>(sizeof(T));
    out.stream = opt.stores == output_stores::streaming ||
                 (opt.stores == output_stores::automatic && out_bytes > opt.streaming_threshold &&
                  (memory_bound || (g && wide_dense_rows(t, p, *g, ps.stride, opt))));
    out.next_lines = g && prefetches_next_block(t, p, *g);
    out.sched = choose_schedule(opt.schedule, t, p, broadcast);
    const index elements = n * std::max<index>(p.cols, 1);
    out.threads = opt.threads > 1 && elements >= opt.parallel_threshold
                      ? std::min<index>(opt.threads, std::max<index>(n / simd::pack<T>::width, 1))
                      : 1;
    return out;
}

#undef LOSSC_PLAN_INLINE

}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
