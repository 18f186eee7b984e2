// lossc — what a block of rows reads and writes, apart from the loss: the pass over the batch
// (views, weights, scale, the plan's store and prefetch flags), the next block's lines asked for
// while a block computes, and the staging of a block's rows into column-major stack buffers and
// back (tile transposes where the ISA has them, else gathers and scatters). None of it depends on
// the loss, so it is compiled once per scalar type; the block loops that evaluate the loss between
// stage_in and stage_out are kernel<E>'s (lower/kernel.hpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../analysis/shapes.hpp"
#include "../config.hpp"
#include "../eigen/views.hpp"
#include "../options.hpp"
#include "../simd/tiles.hpp"
#include "plan.hpp"
#include "tuning.hpp"

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering {

using simd::pack;

/// What one pass over the batch reads and writes.
template <class T> struct pass {
    matrix_view<const T> t, p;
    vector_view<T> ps;
    matrix_view<T> g;
    const sample_weights& sw;
    double scale;
    input_dims dims;
    bool stream;      // non-temporal stores for the outputs (options::stores)
    bool next_lines;  // dense_rows blocks ask for the next block's lines (next_block_lines)
    /// per_sample is a stack buffer read back at once (a separable loss's walk as one column):
    /// never stored non-temporally.
    bool losses_buffered = false;
    /// A 1-column input broadcasts along the row: step 0 reads its only column everywhere.
    index t_step() const { return t.cols == 1 ? 0 : t.col_stride; }
    index p_step() const { return p.cols == 1 ? 0 : p.col_stride; }
};

/// Dense row-major blocks (dense_rows) read their inputs in one burst of tile loads, compute
/// with no memory access, then write the gradient in one burst. Beyond the caches the
/// hardware prefetchers, which follow demand, idle through the computing, and each burst
/// waits on DRAM with only as many lines in flight as the miss buffers hold. Asking for the
/// next block's lines in the gradient's column loop — at column j, the address j·w of y_true,
/// y_pred and the gradient: w contiguous rows span w·cols values, one line per column with
/// AVX-512's packs, half a line with AVX2's — overlaps the misses with the computing. Where
/// (tuning::prefetch_min_columns, prefetch_min_elements) and what was tried: docs/perf-log.md.
template <class T> struct next_block_lines {
    const T* t = nullptr;
    const T* p = nullptr;
    T* g = nullptr;
    bool g_streamed = false;  // the gradient's lines are stored non-temporally: not asked for
    next_block_lines() = default;
    /// The block of rows from `next` on, where the batch asks and that block exists; else none.
    next_block_lines(const pass<T>& c, index next) {
        if (!c.next_lines || next + pack<T>::width > c.p.rows) return;
        const index n = c.p.cols;
        t = c.t.data + next * n, p = c.p.data + next * n, g = c.g.data + next * n;
        // Blocks of w rows are whole lines; streamed where the block starts a line
        // (simd::store_columns).
        g_streamed = c.stream && reinterpret_cast<std::uintptr_t>(g) % 64 == 0;
    }
};

/// The first row of [begin, end) from which blocks of pack-width rows start a cache line in the
/// gradient and in per_sample (else in the gradient alone; forward: in per_sample), where the call
/// streams its outputs: non-temporal stores need aligned packs, and without -march (Eigen's and
/// malloc's 16-byte alignment, a dispatched kernel) or for a view at any offset every block fell
/// back to cached stores (custom_mse beyond the caches 1.2x slower: docs/perf-log.md). The rows
/// before it go one by one: fewer than a pack, none where no row starts a line or fewer than two
/// blocks' rows remain.
template <bool Backward, class T> index first_line_row(const pass<T>& c, index begin, index end) {
    constexpr index w = pack<T>::width;
    if (!c.stream || end - begin < 2 * w) return begin;
    const auto starts_line = [](const T* q) { return reinterpret_cast<std::uintptr_t>(q) % 64 == 0; };
    const bool ps_lines = c.ps.stride == 1;
    if constexpr (Backward) {
        if (c.g.col_stride != 1) return begin;
        index g_only = -1;
        for (index i = begin; i < begin + w; ++i)
            if (starts_line(c.g.data + i * c.g.row_stride)) {
                if (ps_lines && starts_line(c.ps.data + i)) return i;
                if (g_only < 0) g_only = i;
            }
        return g_only < 0 ? begin : g_only;
    } else {
        if (ps_lines)
            for (index i = begin; i < begin + w; ++i)
                if (starts_line(c.ps.data + i)) return i;
        return begin;
    }
}

/// The tile transposes as calls where the general block stages by them: forced inline there
/// too (they are, for the dense_rows block), clang's registers for the general block's other
/// layouts got worse.
template <class T>
LOSSC_KERNEL_OUTLINE inline void load_columns_outline(const T* src, index row_stride, index cols, T* buf) {
    simd::load_columns(src, row_stride, cols, buf);
}
template <class T> LOSSC_KERNEL_OUTLINE inline void store_columns_outline(T* dst, index row_stride, index cols,
                                                                          const T* buf, bool stream) {
    simd::store_columns(dst, row_stride, cols, buf, stream);
}
/// Copies a block of pack-width rows (at most max_staged_columns), column by column, into buf
/// (column-major): by the tile layer where it takes the matrix, else one gather per column.
template <class T> inline void stage_in(const T* rows, const matrix_view<const T>& m, T* buf) {
    using P = pack<T>;
    if (tiles_stage<T>(m)) return load_columns_outline(rows, m.row_stride, m.cols, buf);
    for (index j = 0; j < m.cols; ++j) P::load_strided(rows + j * m.col_stride, m.row_stride).store(buf + j * P::width);
}
/// The inverse of stage_in for the gradient block: the tile layer, or one scatter per column.
template <class T> inline void stage_out(T* rows, const matrix_view<T>& g, const T* buf, bool stream) {
    using P = pack<T>;
    if (tiles_stage<T>(g)) return store_columns_outline(rows, g.row_stride, g.cols, buf, stream);
    for (index j = 0; j < g.cols; ++j) P::load(buf + j * P::width).store_strided(rows + j * g.col_stride, g.row_stride);
}
template <class T> constexpr std::size_t stage_size() {
    return static_cast<std::size_t>(tuning::max_staged_columns * pack<T>::width);
}

}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
