// lossc — a call's rows split across threads (options::threads): contiguous blocks of rows, a
// multiple of the pack width each, one per thread, their partial sums added in block order.
// Not a template: every kernel of a program shares this one copy of the thread code, and
// reaches it through a function pointer (an indirect call per thread, not per row). POSIX
// threads where there are (<thread> costs every translation unit a tenth of a second to
// parse, docs/perf-log.md), std::thread elsewhere.
#pragma once
#include <algorithm>

#include "../config.hpp"
#include "../options.hpp"

#if __has_include(<pthread.h>)
#include <pthread.h>
#define LOSSC_POSIX_THREADS 1
#else
#include <thread>
#endif

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering {

/// The rows [lo, hi) of one call, summed: a kernel's work on one block of rows.
using rows_fn = double (*)(const void* call, index lo, index hi);

/// One block of rows and its sum.
struct rows_job {
    rows_fn rows;
    const void* call;
    index lo, hi;
    double sum;
    void run() { sum = rows(call, lo, hi); }
};

/// Runs rows(call, lo, hi) on `threads` (≥ 2) contiguous blocks of [0, n), the first on the
/// calling thread, and returns the sum of their results. Blocks start at multiples of `width`.
/// A thread that cannot be started leaves its block to the calling thread.
inline double split_rows(rows_fn rows, const void* call, index n, index threads, index width) {
    const index per = (n / threads + width - 1) / width * width;
    const index used = std::min<index>(threads, 64);
    rows_job jobs[64];
    // Block k is [k·per, (k+1)·per), the last one ending at n whatever the rounding.
    for (index k = 0; k < used; ++k)
        jobs[k] = {rows, call, std::min(n, k * per), k == used - 1 ? n : std::min(n, (k + 1) * per), 0.0};
#ifdef LOSSC_POSIX_THREADS
    pthread_t workers[63];
    bool started[63] = {};
    for (index k = 1; k < used; ++k)
        started[k - 1] = pthread_create(
                             &workers[k - 1], nullptr,
                             [](void* job) -> void* {
                                 static_cast<rows_job*>(job)->run();
                                 return nullptr;
                             },
                             &jobs[k]) == 0;
    jobs[0].run();
    for (index k = 1; k < used; ++k) {
        if (started[k - 1])
            pthread_join(workers[k - 1], nullptr);
        else
            jobs[k].run();
    }
#else
    std::thread workers[63];
    for (index k = 1; k < used; ++k) workers[k - 1] = std::thread([&jobs, k] { jobs[k].run(); });
    jobs[0].run();
    for (index k = 1; k < used; ++k) workers[k - 1].join();
#endif
    double total = 0;
    for (index k = 0; k < used; ++k) total += jobs[k].sum;
    return total;
}

}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
