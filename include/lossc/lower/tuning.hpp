// lossc — the kernel's tuning: every threshold the lowering chooses a block layout, a group size,
// a prefetch or a store by, one named line each with its reason. The measurements behind them, and
// what was tried and not kept: docs/perf-log.md ("Kernel tuning, the figures behind
// lower/tuning.hpp"). The user-facing ones (threads, streaming) are lossc::options' fields.
#pragma once
#include <cstddef>

#include "../simd/pack.hpp"
#include "../simd/tiles.hpp"

namespace lossc {
inline namespace LOSSC_ISA {
namespace tuning {

using simd::pack;

/// Blocks of contiguous columns are staged by in-register transposes where the packet layer has
/// tiles of a pack's width (AVX-512, AVX2), else by a gather per column: from 3 columns a tile
/// costs about what the gathers do, and less from 5.
template <class T> inline constexpr bool transposes = simd::has_tile_transpose&& pack<T>::width == simd::tile_rows<T>;

/// Widest row-major rows a block of rows stages through the stack (a pack of rows × this many).
inline constexpr index max_staged_columns = 64;

/// Rows of 3 to 64 columns of a separable loss walked as one column (kernel.hpp, flat_rows) where
/// packs hold 16 lanes (AVX-512 floats): there the 16 × 16 transposes they skip cost most. With
/// AVX2's 16 registers the one-column block of a long loss was slower than the staged rows, and
/// AVX-512 doubles beyond the caches took up to 1.5× as long (docs/perf-log.md).
template <class T> inline constexpr bool separable_as_one_column = pack<T>::width >= 16;
/// Elements such a walk takes at a time: their losses wait in a stack buffer until the chunk's
/// rows are summed, still in L1.
inline constexpr index flat_chunk_elements = 1024;
/// Lines of each input the sum of a pack of rows asks for ahead, where the batch is larger than
/// the caches: the next chunk's first lines, which would otherwise wait for the summing to end.
inline constexpr index flat_lines_ahead = 2;

/// Widest row-major rows that `automatic` walks across rows: along its columns a row pays
/// horizontal reductions and lone tail columns, which a block of rows shares; staged by gathers
/// (no transposes) a block costs more from about two packs of columns. Beyond the caches walking
/// along columns is faster from 48 columns: `automatic` does not look at the batch's size yet.
template <class T> constexpr index widest_across_rows() {
    if constexpr (transposes<T>)
        return max_staged_columns;
    else
        return 2 * pack<T>::width;
}

/// Column-major batches of at least this many columns run in groups of packs (simd/pack_group.hpp):
/// each column read in runs of several lines, which beyond the caches the one-pack block's
/// scattered reads do not get.
inline constexpr index column_major_group_from = 16;
/// Packs per group: 4 left part of the gain at 1000 columns and more.
inline constexpr int column_major_group = 8;
/// Samples whose pairs a pair kernel's block evaluates together (lower/pair_kernel.hpp), a pack
/// each: each load of the other samples' column serves four, and a pair's reduction over the
/// columns runs as four independent chains.
inline constexpr int pair_block_samples = 4;
/// y_pred columns a pair kernel's gradient walk takes at once (each block's weights loaded once
/// for them): two where 32 vector registers hold two columns' sums (AVX-512), else one.
template <class T> inline constexpr index pair_columns_at_once = pack<T>::width * sizeof(T) >= 64 ? 2 : 1;
/// Groups only where packs are 256 bits or wider: each is a second copy of the whole evaluator in
/// every kernel, and 128-bit builds (the x86-64 baseline, debug and sanitizer builds) keep their
/// compile time.
template <class T> inline constexpr bool groups_of_packs = pack<T>::width* static_cast<int>(sizeof(T)) >= 32;
/// How many blocks ahead a column-major block of one pack asks for its columns' lines: one or two
/// columns are streams the hardware follows, where asking far ahead only costs.
constexpr index column_major_ahead(index cols) { return cols <= 2 ? 2 : 16; }
/// Columns ahead that a group asks for as it reads a column (the columns lie a batch apart, a
/// stride no hardware prefetcher follows); 2 or 8 did the same or worse.
inline constexpr std::size_t group_read_ahead = 4;

/// Dense row-major blocks (dense_rows) ask for the next block's lines while they compute, in
/// batches larger than the caches near the core (where the lines are in cache it only costs) ...
inline constexpr index prefetch_min_elements = index{1} << 18;
/// ... and rows wide enough to gain: with 512-bit packs every width the tile transposes stage (past
/// narrow_rows); with AVX2's, below 16 columns the prefetches cost.
template <class T>
inline constexpr index prefetch_min_columns = pack<T>::width * sizeof(T) >= 64 ? simd::max_narrow_columns<T> + 1 : 16;
/// From how many columns `automatic` streams those blocks' gradient (non-temporal stores, when the
/// outputs exceed options::streaming_threshold): below 32 columns BCE lost what cross-entropy gained.
inline constexpr index min_streamed_columns = 32;

/// A cross-sample loss (batch_loss) stages the blocks of a row-major batch once for all its
/// passes where y_true and y_pred together take at most this many bytes (they stay in the caches);
/// larger batches are staged per pass, where a copy would add a write and a read of the batch.
inline constexpr index batch_staged_once_bytes = index{1} << 19;

// The relations between them that the kernel relies on.
static_assert(min_streamed_columns <= max_staged_columns, "lossc: streamed dense_rows blocks are staged blocks");
static_assert(column_major_group_from >= 2 && column_major_group >= 2);

}  // namespace tuning
}  // namespace LOSSC_ISA
}  // namespace lossc
