// lossc — a call's rows split across threads (options::threads): contiguous blocks of rows, a
// multiple of the pack width each, one per thread, their partial sums added in block order.
// Not a template: every kernel of a program shares this one copy of the std::thread code, and
// reaches it through a function pointer (an indirect call per thread, not per row).
#pragma once
#include <algorithm>
#include <thread>

#include "../config.hpp"
#include "../options.hpp"

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering {

/// The rows [lo, hi) of one call, summed: a kernel's work on one block of rows.
using rows_fn = double (*)(const void* call, index lo, index hi);

/// Runs rows(call, lo, hi) on `threads` (≥ 2) contiguous blocks of [0, n), the first on the
/// calling thread, and returns the sum of their results. Blocks start at multiples of `width`.
inline double split_rows(rows_fn rows, const void* call, index n, index threads, index width) {
    const index per = (n / threads + width - 1) / width * width;
    double partial[64] = {};
    std::thread workers[63];
    const index used = std::min<index>(threads, 64);
    // Block k is [k·per, (k+1)·per), the last one ending at n whatever the rounding.
    auto end_of = [&](index k) { return k == used - 1 ? n : std::min(n, (k + 1) * per); };
    for (index k = 1; k < used; ++k)
        workers[k - 1] = std::thread([&, k] { partial[k] = rows(call, std::min(n, k * per), end_of(k)); });
    partial[0] = rows(call, 0, end_of(0));
    for (index k = 1; k < used; ++k) workers[k - 1].join();
    double total = 0;
    for (index k = 0; k < used; ++k) total += partial[k];
    return total;
}

}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
