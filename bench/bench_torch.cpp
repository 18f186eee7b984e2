// lossc::torch (include/lossc/torch.hpp) at batch 64 × 10 against the raw kernel and against
// libtorch's own loss, and a whole libtorch training step with either loss: what the adapter
// costs a trainer, and the loss's share of a step; and Keras's CTC against libtorch's ctc_loss. One binary, one run:
// every ratio in docs/benchmarks-torch.md comes from rows measured together (bench/render_torch.py).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <lossc/keras.hpp>
#include <lossc/torch.hpp>
#include <torch/torch.h>
#include <vector>

namespace {
using namespace lossc::dsl;
namespace F = torch::nn::functional;

constexpr double eps = 0.1;
// torch's cross_entropy(logits, ids, label_smoothing=0.1), as a lossc expression on one-hot targets
constexpr auto smoothed_ce =
    -(1 - eps) * sum<1>(y_true * log_softmax<1>(y_pred)) - eps * mean<1>(log_softmax<1>(y_pred));
constexpr int64_t batch = 64, classes = 10;

struct data {
    torch::Tensor ids, one_hot, logits;
    data() {
        torch::manual_seed(0);
        ids = torch::randint(classes, {batch}, torch::kLong);
        one_hot = F::one_hot(ids, classes).to(torch::kFloat);
        logits = torch::randn({batch, classes}) * 2;
    }
};
const data& inputs() {
    static const data d;
    return d;
}

// The kernel itself, on buffers allocated once: the floor any adapter adds to.
void kernel(benchmark::State& state) {
    using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const auto& d = inputs();
    const Eigen::Map<const M> t(d.one_hot.data_ptr<float>(), batch, classes),
        p(d.logits.data_ptr<float>(), batch, classes);
    M g(batch, classes);
    constexpr auto k = lossc::compile(smoothed_ce);
    const bool backward = state.range(0) != 0;
    for (auto _ : state) {
        float r = backward ? k.forward_backward(t, p, lossc::discard, g) : k.forward(t, p, lossc::discard);
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
}

/// A loss as a trainer calls it (mode 0: values only under NoGradGuard; 1: the forward call,
/// which builds the autograd graph; 2: forward and backward()) on the batch's logits.
template <class Loss> void modes(benchmark::State& state, Loss&& loss) {
    torch::set_num_threads(1);
    const int mode = static_cast<int>(state.range(0));
    auto x = inputs().logits.clone().requires_grad_(mode != 0);
    for (auto _ : state) {
        if (mode == 0) {
            torch::NoGradGuard no_grad;
            benchmark::DoNotOptimize(loss(x).data_ptr());
        } else {
            auto l = loss(x);
            if (mode == 2) {
                l.backward();
                x.mutable_grad().reset();
            }
            benchmark::DoNotOptimize(l.data_ptr());
        }
    }
}
// lossc::torch, and libtorch's cross_entropy, in those modes.
void adapter(benchmark::State& state) {
    const auto loss = lossc::torch::loss(smoothed_ce);
    modes(state, [&](const torch::Tensor& x) { return loss(inputs().one_hot, x); });
}
void libtorch(benchmark::State& state) {
    const auto opt = F::CrossEntropyFuncOptions().label_smoothing(eps);
    modes(state, [&](const torch::Tensor& x) { return F::cross_entropy(x, inputs().ids, opt); });
}

// A training step of a torch::nn MLP (64 → 128 → 10, digits-sized) on a batch of 64: zero_grad,
// forward, loss, backward, SGD with momentum; with lossc's loss (range 1) or libtorch's (0).
void step(benchmark::State& state) {
    torch::set_num_threads(1);
    torch::manual_seed(1);
    auto model = torch::nn::Sequential(torch::nn::Linear(64, 128), torch::nn::ReLU(), torch::nn::Linear(128, classes));
    torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
    const auto& d = inputs();
    const auto x = torch::randn({batch, 64});
    const auto loss = lossc::torch::loss(smoothed_ce);
    const auto opt = F::CrossEntropyFuncOptions().label_smoothing(eps);
    const bool use_lossc = state.range(0) != 0;
    for (auto _ : state) {
        sgd.zero_grad();
        const auto logits = model->forward(x);
        auto l = use_lossc ? loss(d.one_hot, logits) : F::cross_entropy(logits, d.ids, opt);
        l.backward();
        sgd.step();
        benchmark::DoNotOptimize(l.data_ptr());
    }
}

// CTC, speech/OCR-sized: 16 sequences of 100 steps over 32 classes, labels of 10 to 20; lossc's
// Keras form on the tensors' buffers (values; values and the gradient) against libtorch's
// log_softmax + ctc_loss (values under NoGradGuard; forward + backward()), one thread.
struct ctc_data {
    static constexpr int64_t n = 16, steps = 100, k = 32, s = 20;
    torch::Tensor logits, ids;
    std::vector<int64_t> lengths;
    ctc_data() {
        torch::manual_seed(2);
        logits = torch::randn({n, steps, k}) * 2;
        ids = torch::randint(1, k, {n, s}, torch::kLong);
        for (int64_t i = 0; i < n; ++i) {
            lengths.push_back(10 + i % 11);
            ids.index_put_({i, torch::indexing::Slice(10 + i % 11, torch::indexing::None)}, 0);
        }
    }
};
const ctc_data& ctc_inputs() {
    static const ctc_data d;
    return d;
}
void ctc_lossc(benchmark::State& state) {
    namespace k = lossc::keras;
    const auto& d = ctc_inputs();
    std::vector<float> g(static_cast<std::size_t>(d.logits.numel()));
    const k::tensor_view<const int64_t> y{d.ids.data_ptr<int64_t>(), {d.n, d.s}};
    const k::tensor_view<const float> x{d.logits.data_ptr<float>(), {d.n, d.steps, d.k}};
    const auto loss = k::CTC(k::reduction::sum);
    const bool backward = state.range(0) != 0;
    for (auto _ : state) {
        float r = backward ? loss(y, x, {.grad = g}) : loss.value(y, x);
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
}
void ctc_libtorch(benchmark::State& state) {
    torch::set_num_threads(1);
    const auto& d = ctc_inputs();
    const bool backward = state.range(0) != 0;
    auto x = d.logits.clone().requires_grad_(backward);
    const std::vector<int64_t> input_lengths(d.n, d.steps);
    for (auto _ : state) {
        if (!backward) {
            torch::NoGradGuard no_grad;
            auto l = torch::ctc_loss(torch::log_softmax(x, 2).transpose(0, 1), d.ids, input_lengths, d.lengths, 0,
                                     at::Reduction::Sum);
            benchmark::DoNotOptimize(l.data_ptr());
        } else {
            auto l = torch::ctc_loss(torch::log_softmax(x, 2).transpose(0, 1), d.ids, input_lengths, d.lengths, 0,
                                     at::Reduction::Sum);
            l.backward();
            x.mutable_grad().reset();
            benchmark::DoNotOptimize(l.data_ptr());
        }
    }
}
}  // namespace

BENCHMARK(ctc_lossc)->Name("ctc/16x100x32/lossc/values")->Arg(0);
BENCHMARK(ctc_lossc)->Name("ctc/16x100x32/lossc/forward+backward")->Arg(1);
BENCHMARK(ctc_libtorch)->Name("ctc/16x100x32/libtorch/values")->Arg(0);
BENCHMARK(ctc_libtorch)->Name("ctc/16x100x32/libtorch/forward+backward")->Arg(1);
BENCHMARK(kernel)->Name("cce10/64/kernel/values")->Arg(0);
BENCHMARK(kernel)->Name("cce10/64/kernel/forward_backward")->Arg(1);
BENCHMARK(adapter)->Name("cce10/64/adapter/values")->Arg(0);
BENCHMARK(adapter)->Name("cce10/64/adapter/forward")->Arg(1);
BENCHMARK(adapter)->Name("cce10/64/adapter/forward+backward")->Arg(2);
BENCHMARK(libtorch)->Name("cce10/64/libtorch/values")->Arg(0);
BENCHMARK(libtorch)->Name("cce10/64/libtorch/forward")->Arg(1);
BENCHMARK(libtorch)->Name("cce10/64/libtorch/forward+backward")->Arg(2);
BENCHMARK(step)->Name("mlp_step/64/lossc")->Arg(1);
BENCHMARK(step)->Name("mlp_step/64/libtorch")->Arg(0);
BENCHMARK_MAIN();
