// lossc — a call whose per-sample losses nobody reads (lossc::discard in per_sample's place):
// the batch runs in chunks of rows whose per-sample losses go to a buffer on the stack, every
// chunk reduced with the whole batch's divisor, so that the chunks' results add up to one
// call's, with nothing allocated.
#pragma once
#include <algorithm>

#include "../options.hpp"
#include "checks.hpp"

namespace lossc::detail {

/// Rows per chunk: a 4 KiB buffer of doubles; narrower batches run as one call.
inline constexpr index discard_chunk = 512;

/// run_chunk(t, p, per_sample, g, opt) is one kernel call on a chunk. Every check that spans
/// the batch (shapes, overlaps, then `more_checks`) runs before the first chunk writes.
template <bool Backward, class T, class RunChunk, class MoreChecks>
T run_discarding(const matrix_view<const T>& t, const matrix_view<const T>& p, const matrix_view<T>& g,
                 const options& opt, RunChunk&& run_chunk, MoreChecks&& more_checks) {
    alignas(64) T buf[discard_chunk];
    const index n = p.rows;
    if (n <= discard_chunk) return run_chunk(t, p, vector_view<T>{buf, n, 1}, g, opt);
    check_shapes(t, p, vector_view<T>{buf, n, 1}, Backward ? &g : nullptr, opt);
    check_memory(t, p, vector_view<T>{buf, 0, 1}, Backward ? &g : nullptr, opt);
    more_checks();

    const sample_weights& sw = opt.sample_weight;
    options o = opt;
    if (o.reduction == reduction::mean) o.reduction = reduction::sum_over_batch_size;
    if (o.reduction == reduction::sum_over_batch_size && o.global_batch_size == 0) o.global_batch_size = n;
    if (o.reduction == reduction::mean_with_sample_weight) o.global_weight_sum = weight_sum_of(opt, n);
    double total = 0;
    for (index r0 = 0; r0 < n; r0 += discard_chunk) {
        const index rows = std::min(discard_chunk, n - r0);
        const matrix_view<const T> tc{t.data + r0 * t.row_stride, rows, t.cols, t.row_stride, t.col_stride};
        const matrix_view<const T> pc{p.data + r0 * p.row_stride, rows, p.cols, p.row_stride, p.col_stride};
        const matrix_view<T> gc =
            Backward ? matrix_view<T>{g.data + r0 * g.row_stride, rows, g.cols, g.row_stride, g.col_stride}
                     : matrix_view<T>{};
        if (sw.present()) {
            o.sample_weight = sw.from_row(r0);
            o.sample_weight.size = rows;
        }
        total += static_cast<double>(run_chunk(tc, pc, vector_view<T>{buf, rows, 1}, gc, o));
    }
    return static_cast<T>(total);
}

}  // namespace lossc::detail
