// Cross-sample losses (lossc::batch_loss): lossc's multi-pass kernel against the hand-written
// passes a careful C++ programmer would write, libtorch eager (autograd), and the bandwidth floor
// of the hand-written algorithm: its read-only passes over y_true and y_pred, then one pass that
// reads both and writes the gradient (bench/render_batch.py: docs/benchmarks-batch.md).
//
// Names: <workload>/<batch>/<impl>
//   workloads  dice16    whole-batch soft Dice, 16 columns (one value for the batch)
//              pearson8  1 − Pearson correlation per column, averaged, 8 columns (statistics
//                        nested two deep: the means, then the centred sums)
//              nmse16    squared error per sample over the batch's mean square of y_true
//   batch      4096, or "large": y_true + y_pred + grad ≈ 200 MB
//   impl       lossc, hand, torch, floor (the hand algorithm's passes as plain memory traffic)
// In-batch similarity (pair reductions; O(N²·D) work, in the caches: compute, not memory):
//   infonce128 InfoNCE with in-batch negatives, keys in y_true, 128 columns, τ = 0.1
//   triplet128 batch-hard triplet over Euclidean distances, class ids in y_true, 128 columns
//   batch      1024
//   impl       lossc, hand (fused loops over the pairs, Eigen row operations), gemm (the similarity matrix by Eigen's
//              matrix product, as frameworks compute it), torch
// Every implementation writes per-sample losses and d(mean)/d y_pred, float, row-major.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <lossc/lossc.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#if LOSSC_BENCH_TORCH
#include <torch/torch.h>
#endif

using namespace lossc::dsl;
using Eigen::Index;

namespace {

constexpr double dice_eps = 1.0;
constexpr auto dice = batch_loss(1.0 - (2.0 * batch_sum(sum<1>(y_true * y_pred)) + dice_eps) /
                                           (batch_sum(sum<1>(y_true)) + batch_sum(sum<1>(y_pred)) + dice_eps));
constexpr auto xm = y_pred - batch_mean(y_pred);
constexpr auto ym = y_true - batch_mean(y_true);
constexpr auto pearson =
    batch_loss(1.0 - mean<1>(batch_sum(xm * ym) / sqrt(batch_sum(square(xm)) * batch_sum(square(ym)) + 1e-12)));
constexpr auto nmse = batch_loss(sum<1>(square(y_pred - y_true)) / (batch_mean(sum<1>(square(y_true))) + 1e-12));
constexpr auto dice_kernel = lossc::compile(dice);
constexpr auto pearson_kernel = lossc::compile(pearson);
constexpr auto nmse_kernel = lossc::compile(nmse);

constexpr double inv_tau = 10.0;
constexpr auto info_nce =
    batch_loss(pair_logsumexp(sum<1>(y_pred * other(y_true)) * inv_tau) - sum<1>(y_pred * y_true) * inv_tau);
constexpr auto distance = sqrt(sum<1>(square(y_pred - other(y_pred))) + 1e-12);
constexpr auto same_class = equal(col<0>(y_true), other(col<0>(y_true)));
constexpr double margin = 0.2;
constexpr auto triplet = batch_loss(
    maximum(pair_max(where(same_class, distance, 0.0)) - pair_min(where(same_class, 1e30, distance)) + margin, 0.0));
constexpr auto info_nce_kernel = lossc::compile(info_nce);
constexpr auto triplet_kernel = lossc::compile(triplet);

enum class loss { dice, pearson, nmse };
struct workload {
    const char* name;
    loss kind;
    Index cols;
    int read_passes;  // the hand algorithm's passes before the one that writes the gradient
};
constexpr workload workloads[] = {
    {"dice16", loss::dice, 16, 1}, {"pearson8", loss::pearson, 8, 2}, {"nmse16", loss::nmse, 16, 1}};

using ArrR = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct data {
    ArrR t, p, g;
    Eigen::VectorXf ps;
    data(const workload& w, Index n) : t(n, w.cols), p(n, w.cols), g(n, w.cols), ps(n) {
        std::mt19937 rng(42);
        std::uniform_real_distribution<float> u(0, 1);
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < w.cols; ++j) {
                p(i, j) = u(rng);
                t(i, j) = w.kind == loss::dice ? float(u(rng) < 0.3f) : p(i, j) + 0.3f * u(rng);
            }
        g.setZero();
    }
};
data& cached(const workload& w, Index n) {
    static std::map<std::pair<std::string, Index>, std::unique_ptr<data>> cache;
    const auto key = std::make_pair(std::string(w.name), n);
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
    cache.clear();
    return *cache.emplace(key, std::make_unique<data>(w, n)).first->second;
}
void set_counters(benchmark::State& state, Index n, Index c) {
    state.SetItemsProcessed(state.iterations() * n * c);
    state.SetBytesProcessed(state.iterations() * n * c * 3 * static_cast<int64_t>(sizeof(float)));
}

// ---- hand-written passes (what one writes without lossc: sums in double, then the gradient) ---
float hand_dice(const float* t, const float* p, float* ps, float* g, Index n, Index c) {
    double st = 0, sp = 0, stp = 0;
    for (Index k = 0; k < n * c; ++k) st += t[k], sp += p[k], stp += double(t[k]) * p[k];
    const double a = 2 * stp + dice_eps, b = st + sp + dice_eps, l = 1 - a / b;
    // dL/dp = −(2 t b − a) / b², the mean over the batch of N equal losses is L itself.
    const float k2 = float(-2 / b), k1 = float(a / (b * b));
    for (Index k = 0; k < n * c; ++k) g[k] = k2 * t[k] + k1;
    for (Index i = 0; i < n; ++i) ps[i] = float(l);
    return float(l);
}

float hand_pearson(const float* t, const float* p, float* ps, float* g, Index n, Index c) {
    double mx[64] = {}, my[64] = {}, sxy[64] = {}, sxx[64] = {}, syy[64] = {};
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < c; ++j) mx[j] += p[i * c + j], my[j] += t[i * c + j];
    for (Index j = 0; j < c; ++j) mx[j] /= double(n), my[j] /= double(n);
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < c; ++j) {
            const double x = p[i * c + j] - mx[j], y = t[i * c + j] - my[j];
            sxy[j] += x * y, sxx[j] += x * x, syy[j] += y * y;
        }
    // r_j = sxy / sqrt(sxx syy); dr_j/dx_ij = (y_ij − r_j·x_ij·√(syy/sxx)) / √(sxx syy) (the means'
    // terms cancel: Σ x = Σ y = 0); L = 1 − mean_j r_j.
    double l = 1;
    float a[64], b[64], mxf[64], myf[64];
    for (Index j = 0; j < c; ++j) {
        const double d = std::sqrt(sxx[j] * syy[j] + 1e-12), r = sxy[j] / d;
        l -= r / double(c);
        a[j] = float(-1 / (d * double(c))), b[j] = float(r * syy[j] / (d * d) / double(c));
        mxf[j] = float(mx[j]), myf[j] = float(my[j]);
    }
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < c; ++j) g[i * c + j] = a[j] * (t[i * c + j] - myf[j]) + b[j] * (p[i * c + j] - mxf[j]);
    for (Index i = 0; i < n; ++i) ps[i] = float(l);
    return float(l);
}

float hand_nmse(const float* t, const float* p, float* ps, float* g, Index n, Index c) {
    double s = 0;
    for (Index k = 0; k < n * c; ++k) s += double(t[k]) * t[k];
    const double m = s / double(n) + 1e-12;
    // L_i = e_i / m, m = mean_i Σ_j t²: only e_i reads y_pred.
    const float k = float(2 / (m * double(n)));
    double total = 0;
    for (Index i = 0; i < n; ++i) {
        float e = 0;
        for (Index j = 0; j < c; ++j) {
            const float d = p[i * c + j] - t[i * c + j];
            e += d * d;
            g[i * c + j] = k * d;
        }
        ps[i] = float(e / m);
        total += e / m;
    }
    return float(total / double(n));
}

/// The floor of the hand algorithm: its read-only passes over y_true and y_pred, then a pass that
/// reads both and writes one array.
float floor_passes(const float* t, const float* p, float* g, Index n, int read_passes) {
    float s = 0;
    for (int r = 0; r < read_passes; ++r) {
        float acc[16] = {};
        for (Index k = 0; k + 16 <= n; k += 16)
            for (int l = 0; l < 16; ++l) acc[l] += t[k + l] + p[k + l];
        for (float v : acc) s += v;
    }
    for (Index k = 0; k < n; ++k) g[k] = t[k] + p[k];
    return s;
}

void run(benchmark::State& state, const workload& w, Index n, const std::string& impl) {
    auto& d = cached(w, n);
    const Index c = w.cols;
    for (auto _ : state) {
        float r = 0;
        if (impl == "lossc") {
            switch (w.kind) {
                case loss::dice: r = dice_kernel.forward_backward(d.t, d.p, d.ps, d.g); break;
                case loss::pearson: r = pearson_kernel.forward_backward(d.t, d.p, d.ps, d.g); break;
                default: r = nmse_kernel.forward_backward(d.t, d.p, d.ps, d.g);
            }
        } else if (impl == "hand") {
            switch (w.kind) {
                case loss::dice: r = hand_dice(d.t.data(), d.p.data(), d.ps.data(), d.g.data(), n, c); break;
                case loss::pearson: r = hand_pearson(d.t.data(), d.p.data(), d.ps.data(), d.g.data(), n, c); break;
                default: r = hand_nmse(d.t.data(), d.p.data(), d.ps.data(), d.g.data(), n, c);
            }
        } else if (impl == "floor") {
            r = floor_passes(d.t.data(), d.p.data(), d.g.data(), n * c, w.read_passes);
        }
#if LOSSC_BENCH_TORCH
        else if (impl == "torch") {
            const auto t = torch::from_blob(d.t.data(), {n, c});
            auto x = torch::from_blob(d.p.data(), {n, c}).requires_grad_(true);
            torch::Tensor l;
            switch (w.kind) {
                case loss::dice: l = 1 - (2 * (t * x).sum() + dice_eps) / (t.sum() + x.sum() + dice_eps); break;
                case loss::pearson: {
                    const auto xc = x - x.mean(0), yc = t - t.mean(0);
                    l = 1 - ((xc * yc).sum(0) / torch::sqrt((xc * xc).sum(0) * (yc * yc).sum(0) + 1e-12)).mean();
                    break;
                }
                default: l = ((x - t).pow(2).sum(1) / ((t * t).sum(1).mean() + 1e-12)).mean();
            }
            l.backward();
            r = l.item<float>();
        }
#endif
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    set_counters(state, n, c);
}

// ---- in-batch similarity ------------------------------------------------------------------------
constexpr Index pair_cols = 128;
struct pair_data {
    ArrR t, p, g, labels;
    Eigen::VectorXf ps;
    explicit pair_data(Index n) : t(n, pair_cols), p(n, pair_cols), g(n, pair_cols), labels(n, 1), ps(n) {
        std::mt19937 rng(7);
        std::normal_distribution<float> u(0, 1);
        for (Index i = 0; i < n; ++i) {
            labels(i, 0) = float(i % 64);
            for (Index j = 0; j < pair_cols; ++j) p(i, j) = u(rng) * 0.09f, t(i, j) = p(i, j) + u(rng) * 0.03f;
        }
        g.setZero();
    }
};
pair_data& cached_pairs(Index n) {
    static std::map<Index, std::unique_ptr<pair_data>> cache;
    if (auto it = cache.find(n); it != cache.end()) return *it->second;
    cache.clear();
    return *cache.emplace(n, std::make_unique<pair_data>(n)).first->second;
}

/// InfoNCE as fused loops over the pairs (Eigen's vectorised dot products and axpys on rows):
/// for each query, its similarities, their log-sum-exp, then g_i = (Σ_j softmax_ij t_j − t_i)/(τN).
float hand_info_nce(const ArrR& t, const ArrR& p, Eigen::VectorXf& ps, ArrR& g) {
    const Index n = p.rows();
    thread_local Eigen::VectorXf s;
    s.resize(n);
    double total = 0;
    const float scale = float(inv_tau / double(n));
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < n; ++j) s(j) = p.row(i).matrix().dot(t.row(j).matrix()) * float(inv_tau);
        const float m = s.maxCoeff(), diag = s(i);
        s = (s.array() - m).exp();
        const float z = s.sum();
        ps(i) = m + std::log(z) - diag;
        total += ps(i);
        g.row(i) = -t.row(i) * scale;
        for (Index j = 0; j < n; ++j) g.row(i) += (s(j) / z * scale) * t.row(j);
    }
    return float(total / double(n));
}
/// InfoNCE through the similarity matrix: S = P·Tᵀ/τ (a GEMM), its softmax rows A, G = (A·T − T)/(τN).
float gemm_info_nce(const ArrR& t, const ArrR& p, Eigen::VectorXf& ps, ArrR& g) {
    using MatR = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    thread_local MatR s;
    const Index n = p.rows();
    s.noalias() = p.matrix() * t.matrix().transpose() * float(inv_tau);
    double total = 0;
    for (Index i = 0; i < n; ++i) {
        const float m = s.row(i).maxCoeff();
        const float diag = s(i, i);
        s.row(i) = (s.row(i).array() - m).exp();
        const float z = s.row(i).sum();
        s.row(i) /= z;
        ps(i) = m + std::log(z) - diag;
        total += ps(i);
    }
    g.matrix().noalias() = (s * t.matrix() - t.matrix()) * float(inv_tau / double(n));
    return float(total / double(n));
}
/// Batch-hard triplet as fused loops (Eigen's vectorised row operations): each anchor's distances,
/// its farthest positive and closest negative; the gradient reaches three rows per anchor.
float hand_triplet(const ArrR& lab, const ArrR& p, Eigen::VectorXf& ps, ArrR& g) {
    const Index n = p.rows();
    g.setZero();
    double total = 0;
    const float scale = float(1.0 / double(n));
    for (Index i = 0; i < n; ++i) {
        float far = 0, near = 1e30f;
        Index jf = i, jn = i;
        for (Index j = 0; j < n; ++j) {
            const float d = std::sqrt((p.row(i) - p.row(j)).square().sum() + 1e-12f);
            if (lab(j, 0) == lab(i, 0)) {
                if (d > far) far = d, jf = j;
            } else if (d < near)
                near = d, jn = j;
        }
        const float l = std::max(far - near + float(margin), 0.0f);
        ps(i) = l;
        total += l;
        if (l > 0) {
            const auto up = ((p.row(i) - p.row(jf)) * (scale / far)).eval();
            const auto down = ((p.row(i) - p.row(jn)) * (scale / near)).eval();
            g.row(i) += up - down;
            g.row(jf) -= up;
            g.row(jn) += down;
        }
    }
    return float(total / double(n));
}

void run_pairs(benchmark::State& state, const std::string& workload, Index n, const std::string& impl) {
    auto& d = cached_pairs(n);
    const Index c = pair_cols;
    const bool nce = workload == "infonce128";
    for (auto _ : state) {
        float r = 0;
        if (impl == "lossc")
            r = nce ? info_nce_kernel.forward_backward(d.t, d.p, d.ps, d.g)
                    : triplet_kernel.forward_backward(d.labels, d.p, d.ps, d.g);
        else if (impl == "hand")
            r = nce ? hand_info_nce(d.t, d.p, d.ps, d.g) : hand_triplet(d.labels, d.p, d.ps, d.g);
        else if (impl == "gemm")
            r = gemm_info_nce(d.t, d.p, d.ps, d.g);
#if LOSSC_BENCH_TORCH
        else if (impl == "torch") {
            const auto t = torch::from_blob(d.t.data(), {n, c});
            auto x = torch::from_blob(d.p.data(), {n, c}).requires_grad_(true);
            torch::Tensor l;
            if (nce) {
                const auto logits = x.mm(t.t()) * inv_tau;
                l = (torch::logsumexp(logits, 1) - logits.diagonal()).mean();
            } else {
                const auto lab = torch::from_blob(d.labels.data(), {n, 1});
                const auto same = lab.eq(lab.t());
                const auto sq = (x * x).sum(1, true);
                const auto dist = torch::sqrt((sq + sq.t() - 2 * x.mm(x.t())).clamp_min(0) + 1e-12);
                const auto far = torch::where(same, dist, torch::zeros_like(dist)).amax(1);
                const auto near = torch::where(same, torch::full_like(dist, 1e30), dist).amin(1);
                l = torch::relu(far - near + margin).mean();
            }
            l.backward();
            r = l.item<float>();
        }
#endif
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * n * n * c);  // pair-column products
}

void register_all() {
#if LOSSC_BENCH_TORCH
    torch::set_num_threads(1);
    const char* impls[] = {"lossc", "hand", "torch", "floor"};
#else
    const char* impls[] = {"lossc", "hand", "floor"};
#endif
    for (const workload& w : workloads)
        for (bool large : {false, true}) {
            const Index n = large ? static_cast<Index>(200e6 / (12.0 * static_cast<double>(w.cols))) : 4096;
            for (const char* impl : impls) {
                const std::string name = std::string(w.name) + "/" + (large ? "large" : "4096") + "/" + impl;
                auto* b = benchmark::RegisterBenchmark(
                    name.c_str(), [w, n, s = std::string(impl)](benchmark::State& st) { run(st, w, n, s); });
                b->Unit(benchmark::kMicrosecond)->UseRealTime();
                if (large) b->MinTime(0.3);
            }
        }
    for (const char* workload : {"infonce128", "triplet128"})
        for (const char* impl : {"lossc", "hand", "gemm", "torch"}) {
            if (std::string(impl) == "gemm" && std::string(workload) != "infonce128") continue;
#if !LOSSC_BENCH_TORCH
            if (std::string(impl) == "torch") continue;
#endif
            const std::string name = std::string(workload) + "/1024/" + impl;
            benchmark::RegisterBenchmark(name.c_str(), [w = std::string(workload), s = std::string(impl)](
                                                           benchmark::State& st) { run_pairs(st, w, 1024, s); })
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
        }
}

}  // namespace

#define LOSSC_BENCH_STR2(x) #x
#define LOSSC_BENCH_STR(x) LOSSC_BENCH_STR2(x)

int main(int argc, char** argv) {
    benchmark::AddCustomContext("lossc_isa", LOSSC_BENCH_STR(LOSSC_ISA));
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
