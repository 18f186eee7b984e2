// The plan of a call (lower/plan.hpp), decided from the views and the options alone: which
// schedule, streamed outputs, prefetching of the next block, threads. Built for every instruction
// set the suite builds (the pack width and the tile transposes change the answers).
#include <doctest/doctest.h>

#include <lossc/lossc.hpp>

namespace {

namespace lw = lossc::lowering;
namespace tuning = lossc::tuning;
using idx = lossc::index;
using lossc::schedule;
using cview = lossc::matrix_view<const float>;
using view = lossc::matrix_view<float>;

constexpr idx width = lossc::simd::pack<float>::width;
constexpr bool simd = width > 1;

// Views of a rows × cols batch; make_plan reads their shapes and strides, never their data.
cview row_major(idx rows, idx cols) { return {nullptr, rows, cols, cols, 1}; }
cview column_major(idx rows, idx cols) { return {nullptr, rows, cols, 1, rows}; }
view out_like(const cview& m) { return {nullptr, m.rows, m.cols, m.row_stride, m.col_stride}; }

struct call {
    cview t, p;
    view g;
    lossc::vector_view<float> ps;
    lossc::options opt{};
    bool backward = true, broadcast = false, memory_bound = false;

    explicit call(cview m) : t(m), p(m), g(out_like(m)), ps(nullptr, m.rows) {}
    lw::plan plan() const { return lw::make_plan(t, p, ps, backward ? &g : nullptr, opt, broadcast, memory_bound); }
};

}  // namespace

TEST_CASE("plan: a build without SIMD walks every batch row by row") {
    if (simd) return;
    for (const cview m : {row_major(64, 10), row_major(64, 1000), column_major(64, 10)}) {
        call c(m);
        CHECK(c.plan().sched == schedule::scalar_rows);
        c.opt.schedule = schedule::along_columns;
        CHECK(c.plan().sched == schedule::scalar_rows);
    }
}

TEST_CASE("plan: automatic walks narrow rows and contiguous batches across rows, wide rows along columns") {
    if (!simd) return;
    CHECK(call(row_major(64, 3)).plan().sched == schedule::across_rows);
    CHECK(call(row_major(64, 1)).plan().sched == schedule::across_rows);
    CHECK(call(column_major(64, 1000)).plan().sched == schedule::across_rows);
    CHECK(call(row_major(64, 1000)).plan().sched == schedule::along_columns);
    // The boundary: rows as wide as the widest walked across rows stay across; one more goes along.
    const idx widest = tuning::widest_across_rows<float>();
    CHECK(widest == (tuning::transposes<float> ? 64 : 2 * width));
    CHECK(call(row_major(64, widest)).plan().sched == schedule::across_rows);
    CHECK(call(row_major(64, widest + 1)).plan().sched == schedule::along_columns);
}

TEST_CASE("plan: a broadcast operand or strided columns keep wide rows across rows") {
    if (!simd) return;
    call broadcast(row_major(64, 1000));
    broadcast.broadcast = true;
    CHECK(broadcast.plan().sched == schedule::across_rows);
    call strided(cview{nullptr, 64, 1000, 2000, 2});
    CHECK(strided.plan().sched == schedule::across_rows);
    // A one-column y_true beside a wide y_pred (labels) still lets y_pred go along its columns.
    call labels(row_major(64, 1000));
    labels.t = cview{nullptr, 64, 1, 7, 3};
    CHECK(labels.plan().sched == schedule::along_columns);
}

TEST_CASE("plan: a forced schedule is kept where it applies, along_columns falls back to scalar rows") {
    if (!simd) return;
    call c(row_major(64, 10));
    for (const schedule s : {schedule::scalar_rows, schedule::across_rows, schedule::along_columns}) {
        c.opt.schedule = s;
        CHECK(c.plan().sched == s);
    }
    c.broadcast = true;
    CHECK(c.plan().sched == schedule::scalar_rows);
    call col_major(column_major(64, 10));
    col_major.opt.schedule = schedule::along_columns;
    CHECK(col_major.plan().sched == schedule::scalar_rows);
}

TEST_CASE("plan: outputs are streamed when asked, or beyond the threshold for memory-bound losses") {
    call c(row_major(4096, 10));
    c.opt.stores = lossc::output_stores::streaming;
    CHECK(c.plan().stream);
    c.opt.stores = lossc::output_stores::cached;
    c.memory_bound = true;
    c.opt.streaming_threshold = 0;
    CHECK_FALSE(c.plan().stream);
    c.opt.stores = lossc::output_stores::automatic;
    CHECK(c.plan().stream);
    // per_sample and the gradient: 4096 · (1 + 10) floats; at the threshold itself, cached.
    c.opt.streaming_threshold = 4096 * 11 * 4;
    CHECK_FALSE(c.plan().stream);
    c.opt.streaming_threshold -= 1;
    CHECK(c.plan().stream);
    c.backward = false;  // per_sample alone
    CHECK_FALSE(c.plan().stream);
    c.opt.streaming_threshold = 4096 * 4 - 1;
    CHECK(c.plan().stream);
}

TEST_CASE("plan: beyond the threshold, any loss streams the gradient of wide dense rows walked across rows") {
    const bool tiles = tuning::transposes<float>;
    auto streams = [](cview m, bool backward = true, schedule s = schedule::automatic) {
        call c(m);
        c.opt.streaming_threshold = 0;
        c.opt.schedule = s;
        c.backward = backward;
        return c.plan().stream;
    };
    CHECK(streams(row_major(64, 48)) == tiles);
    CHECK(streams(row_major(64, tuning::min_streamed_columns)) == tiles);
    CHECK_FALSE(streams(row_major(64, tuning::min_streamed_columns - 1)));
    CHECK_FALSE(streams(row_major(64, 48), false));
    CHECK_FALSE(streams(row_major(64, 48), true, schedule::along_columns));
    CHECK_FALSE(streams(row_major(64, tuning::max_staged_columns + 1)));
    CHECK_FALSE(streams(column_major(64, 48)));
}

TEST_CASE("plan: dense rows ask for the next block's lines in large batches of rows back to back") {
    constexpr idx cols = 64;
    constexpr idx rows = tuning::prefetch_min_elements / cols;
    call big(row_major(rows, cols));
    CHECK(big.plan().next_lines);
    big.backward = false;
    CHECK_FALSE(big.plan().next_lines);
    CHECK_FALSE(call(row_major(rows - 1, cols)).plan().next_lines);
    CHECK_FALSE(call(cview{nullptr, rows, cols, cols + 16, 1}).plan().next_lines);
    CHECK_FALSE(call(column_major(rows, cols)).plan().next_lines);
    const idx min_columns = tuning::prefetch_min_columns<float>;
    const idx narrow = min_columns - 1;
    CHECK_FALSE(call(row_major(2 * tuning::prefetch_min_elements / narrow, narrow)).plan().next_lines);
}

TEST_CASE("plan: threads only when asked and the batch is large enough, at most one per pack of rows") {
    call c(row_major(1 << 14, 10));
    CHECK(c.plan().threads == 1);
    c.opt.threads = 4;
    CHECK(c.plan().threads == 4);
    c.opt.parallel_threshold = (1 << 14) * 10 + 1;
    CHECK(c.plan().threads == 1);
    call few(row_major(2 * width, 100000));
    few.opt.threads = 8;
    CHECK(few.plan().threads == 2);
    call one(row_major(1, 100000));
    one.opt.threads = 8;
    CHECK(one.plan().threads == 1);
}
