// lossc benchmarks: every implementation of every workload in one run, so that ratios are
// taken between numbers measured together. Each benchmark reports bytes (y_true + y_pred read,
// grad written) and elements per second; bench/render.py turns the JSON into docs/benchmarks.md.
//
// Names: <workload>/<batch>/<impl>[/double][/colmajor][/threads:2]
//   workloads  mse2 (custom_mse, 2 columns), cce10, cce1000 (cross-entropy from logits),
//              bce1 (binary cross-entropy from logits, 1 column)
//   batch      64, or "large": y_true + y_pred + grad ≈ 200 MB
//   impl       lossc, hand (fused loop), eigen (array expressions), torch (libtorch eager),
//              stream (read two arrays, write one: the bandwidth floor); in the baseline build
//              also lossc/dispatched (include/lossc/dispatch.hpp: the widest part the CPU runs)
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <lossc/lossc.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>

#include "peers.hpp"

#if LOSSC_BENCH_TORCH
#include <torch/torch.h>
#endif
#if LOSSC_BENCH_DISPATCH
#include <lossc/dispatch.hpp>
LOSSC_DISPATCH_DECLARE(bench_mse)
LOSSC_DISPATCH_DECLARE(bench_cce)
LOSSC_DISPATCH_DECLARE(bench_bce)
#endif

using namespace lossc::dsl;
using Eigen::Index;

namespace {

constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr auto bce = mean<1>(softplus(y_pred) - y_true * y_pred);
constexpr auto mse_kernel = lossc::compile(custom_mse);
constexpr auto cce_kernel = lossc::compile(cce);
constexpr auto bce_kernel = lossc::compile(bce);
// The cheapest loss over the same shapes: what every loss pays for the call (argument checks),
// the loads, the layout (tile transposes for row-major rows of 4-64 columns) and the stores.
constexpr auto linear_kernel = lossc::compile(sum<1>(y_true * y_pred));

enum class loss { mse, cce, bce };
struct workload {
    const char* name;
    loss kind;
    Index cols;
};
constexpr workload workloads[] = {
    {"mse2", loss::mse, 2}, {"cce10", loss::cce, 10}, {"cce1000", loss::cce, 1000}, {"bce1", loss::bce, 1}};

constexpr double large_bytes = 200e6;
Index rows_for(const workload& w, bool large) {
    return large ? static_cast<Index>(large_bytes / (3.0 * 4.0 * static_cast<double>(w.cols))) : 64;
}

template <class T> using ArrR = peers::ArrR<T>;

/// Inputs and outputs of one workload, made once and reused by every implementation.
template <class T> struct data {
    ArrR<T> t, p, g;
    peers::Col<T> ps;
    data(const workload& w, Index n) : t(n, w.cols), p(n, w.cols), g(n, w.cols), ps(n) {
        std::mt19937 rng(42);
        std::uniform_real_distribution<float> u(-3, 3);
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < w.cols; ++j) p(i, j) = static_cast<T>(u(rng));
        if (w.kind == loss::cce) {
            t.setZero();
            for (Index i = 0; i < n; ++i) t(i, (i * 7) % w.cols) = 1;
        } else
            for (Index i = 0; i < n; ++i)
                for (Index j = 0; j < w.cols; ++j)
                    t(i, j) = w.kind == loss::bce ? T((i + j) % 2) : static_cast<T>(u(rng));
        g.setZero();
    }
};

template <class T> data<T>& cached(const workload& w, Index n) {
    static std::map<std::pair<std::string, Index>, std::unique_ptr<data<T>>> cache;
    const auto key = std::make_pair(std::string(w.name), n);
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
    cache.clear();  // keep one data set alive at a time: the large ones are 200 MB
    return *cache.emplace(key, std::make_unique<data<T>>(w, n)).first->second;
}

void set_counters(benchmark::State& state, Index n, Index c, std::size_t elem_bytes) {
    const auto elements = static_cast<int64_t>(n * c);
    state.SetItemsProcessed(state.iterations() * elements);
    state.SetBytesProcessed(state.iterations() * elements * 3 * static_cast<int64_t>(elem_bytes));
}

template <class T> void run_lossc(benchmark::State& state, const workload& w, Index n, bool colmajor, int threads,
                                  lossc::output_stores stores = lossc::output_stores::automatic) {
    auto& d = cached<T>(w, n);
    using MatC = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    MatC tc, pc, gc;
    if (colmajor) tc = d.t.matrix(), pc = d.p.matrix(), gc = MatC::Zero(n, w.cols);
    const lossc::options opt{.threads = threads, .stores = stores};
    for (auto _ : state) {
        T r;
        auto call = [&](const auto& k) {
            if (colmajor) return k.forward_backward(tc, pc, d.ps, gc, opt);
            return k.forward_backward(d.t, d.p, d.ps, d.g, opt);
        };
        switch (w.kind) {
            case loss::mse: r = call(mse_kernel); break;
            case loss::cce: r = call(cce_kernel); break;
            default: r = call(bce_kernel);
        }
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    set_counters(state, n, w.cols, sizeof(T));
}

#if LOSSC_BENCH_DISPATCH
/// The same losses through run-time dispatch (the baseline build: the widest part the CPU runs).
void run_dispatched(benchmark::State& state, const workload& w, Index n) {
    auto& d = cached<float>(w, n);
    const auto& loss = w.kind == loss::mse ? bench_mse : w.kind == loss::cce ? bench_cce : bench_bce;
    for (auto _ : state) {
        float r = loss.forward_backward(d.t, d.p, d.ps, d.g);
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    set_counters(state, n, w.cols, sizeof(float));
}
#endif

void run_linear(benchmark::State& state, const workload& w, Index n) {
    auto& d = cached<float>(w, n);
    for (auto _ : state) {
        float r = linear_kernel.forward_backward(d.t, d.p, d.ps, d.g);
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    set_counters(state, n, w.cols, sizeof(float));
}

template <class T> void run_hand(benchmark::State& state, const workload& w, Index n) {
    auto& d = cached<T>(w, n);
    const T wts[2] = {T(0.3f), T(0.7f)};
    for (auto _ : state) {
        T r;
        switch (w.kind) {
            case loss::mse: r = peers::hand_mse(d.t.data(), d.p.data(), d.ps.data(), d.g.data(), n, w.cols, wts); break;
            case loss::cce: r = peers::hand_cce(d.t.data(), d.p.data(), d.ps.data(), d.g.data(), n, w.cols); break;
            default: r = peers::hand_bce(d.t.data(), d.p.data(), d.ps.data(), d.g.data(), n, w.cols);
        }
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    set_counters(state, n, w.cols, sizeof(T));
}

template <class T> void run_eigen(benchmark::State& state, const workload& w, Index n) {
    auto& d = cached<T>(w, n);
    peers::Row<T> wts(2);
    wts << T(0.3f), T(0.7f);
    for (auto _ : state) {
        T r;
        switch (w.kind) {
            case loss::mse: r = peers::eigen_mse(d.t, d.p, d.ps, d.g, wts); break;
            case loss::cce: r = peers::eigen_cce(d.t, d.p, d.ps, d.g); break;
            default: r = peers::eigen_bce(d.t, d.p, d.ps, d.g);
        }
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    set_counters(state, n, w.cols, sizeof(T));
}

enum class floor_kind { plain, non_temporal, two_threads, column_chunks };
template <class T>
void run_stream(benchmark::State& state, const workload& w, Index n, floor_kind kind = floor_kind::plain) {
    auto& d = cached<T>(w, n);
    for (auto _ : state) {
        switch (kind) {
            case floor_kind::non_temporal: peers::stream_nt(d.t.data(), d.p.data(), d.g.data(), n * w.cols); break;
            case floor_kind::two_threads: peers::stream_threads2(d.t.data(), d.p.data(), d.g.data(), n * w.cols); break;
            case floor_kind::column_chunks:
                peers::stream_column_chunks(d.t.data(), d.p.data(), d.g.data(), n, w.cols);
                break;
            default: peers::stream(d.t.data(), d.p.data(), d.g.data(), n * w.cols);
        }
        benchmark::ClobberMemory();
    }
    set_counters(state, n, w.cols, sizeof(T));
}

#if LOSSC_BENCH_TORCH
void run_torch(benchmark::State& state, const workload& w, Index n) {
    auto& d = cached<float>(w, n);
    torch::set_num_threads(1);
    const auto t = torch::from_blob(d.t.data(), {n, w.cols});
    const auto wts = torch::tensor({0.3f, 0.7f});
    for (auto _ : state) {
        auto x = torch::from_blob(d.p.data(), {n, w.cols}).requires_grad_(true);
        torch::Tensor per_sample;
        switch (w.kind) {
            case loss::mse: per_sample = ((x - t).pow(2) * wts).sum(1); break;
            case loss::cce: per_sample = -(t * torch::log_softmax(x, 1)).sum(1); break;
            default: per_sample = torch::binary_cross_entropy_with_logits(x, t, {}, {}, at::Reduction::None).mean(1);
        }
        auto loss = per_sample.mean();
        loss.backward();
        benchmark::DoNotOptimize(x.grad().data_ptr());
    }
    set_counters(state, n, w.cols, sizeof(float));
}
#endif

void register_all() {
    for (const workload& w : workloads) {
        for (bool large : {false, true}) {
            const Index n = rows_for(w, large);
            const std::string base = std::string(w.name) + "/" + (large ? "large" : "64") + "/";
            auto reg = [&](const std::string& name, auto fn) {
                auto* b = benchmark::RegisterBenchmark(name.c_str(), fn);
                b->Unit(benchmark::kMicrosecond)->UseRealTime();
                if (large) b->MinTime(0.3);
            };
            reg(base + "lossc", [w, n](benchmark::State& s) { run_lossc<float>(s, w, n, false, 1); });
            reg(base + "hand", [w, n](benchmark::State& s) { run_hand<float>(s, w, n); });
            reg(base + "eigen", [w, n](benchmark::State& s) { run_eigen<float>(s, w, n); });
            reg(base + "stream", [w, n](benchmark::State& s) { run_stream<float>(s, w, n); });
#if LOSSC_BENCH_TORCH
            reg(base + "torch", [w, n](benchmark::State& s) { run_torch(s, w, n); });
#endif
            if (!large) reg(base + "lossc/linear", [w, n](benchmark::State& s) { run_linear(s, w, n); });
#if LOSSC_BENCH_DISPATCH
            reg(base + "lossc/dispatched", [w, n](benchmark::State& s) { run_dispatched(s, w, n); });
#endif
            if (large) {
                reg(base + "lossc/double", [w, n](benchmark::State& s) { run_lossc<double>(s, w, n, false, 1); });
                reg(base + "stream/double", [w, n](benchmark::State& s) { run_stream<double>(s, w, n); });
                reg(base + "lossc/colmajor", [w, n](benchmark::State& s) { run_lossc<float>(s, w, n, true, 1); });
                reg(base + "lossc/threads:2", [w, n](benchmark::State& s) { run_lossc<float>(s, w, n, false, 2); });
                // Output stores forced each way (automatic streams for arithmetic-only losses),
                // and the floor kernel with non-temporal stores, for reference.
                reg(base + "lossc/cached",
                    [w, n](benchmark::State& s) { run_lossc<float>(s, w, n, false, 1, lossc::output_stores::cached); });
                reg(base + "lossc/streaming", [w, n](benchmark::State& s) {
                    run_lossc<float>(s, w, n, false, 1, lossc::output_stores::streaming);
                });
                reg(base + "stream/nt",
                    [w, n](benchmark::State& s) { run_stream<float>(s, w, n, floor_kind::non_temporal); });
                // The floors of the thread and column-major targets, measured beside them.
                reg(base + "stream/threads:2",
                    [w, n](benchmark::State& s) { run_stream<float>(s, w, n, floor_kind::two_threads); });
                reg(base + "stream/colchunks",
                    [w, n](benchmark::State& s) { run_stream<float>(s, w, n, floor_kind::column_chunks); });
            }
        }
    }
}

}  // namespace

#define LOSSC_BENCH_STR2(x) #x
#define LOSSC_BENCH_STR(x) LOSSC_BENCH_STR2(x)

int main(int argc, char** argv) {
    // Which kernels this build compiled (lossc's inline namespace: isa_avx512, isa_avx2_fma, …).
    benchmark::AddCustomContext("lossc_isa", LOSSC_BENCH_STR(LOSSC_ISA));
#if LOSSC_BENCH_DISPATCH
    benchmark::AddCustomContext("lossc_dispatched", bench_mse.kernels());
#endif
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
