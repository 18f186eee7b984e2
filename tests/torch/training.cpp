// A torch::nn model trained with a lossc loss follows the loss curve of the same model trained
// with libtorch's own loss: same seed, same data, same optimiser, a few hundred steps.
#include <lossc/keras.hpp>
#include <lossc/torch.hpp>
#include <torch/torch.h>

#include "doctest_after_torch.hpp"

#include <functional>
#include <vector>

using namespace lossc::dsl;
namespace F = torch::nn::functional;

namespace {
constexpr double smoothing = 0.1;
/// A classification problem from a random teacher network: 512 samples, 20 features, 5 classes.
struct problem {
    torch::Tensor x, ids;
};
problem make_problem() {
    torch::manual_seed(7);
    const auto x = torch::randn({512, 20});
    const auto teacher = torch::randn({20, 5});
    return {x, torch::argmax(torch::tanh(x.matmul(teacher)) + 0.3 * torch::randn({512, 5}), 1)};
}
torch::nn::Sequential make_model() {
    torch::manual_seed(11);  // the same initial weights for both runs
    return torch::nn::Sequential(torch::nn::Linear(20, 32), torch::nn::ReLU(), torch::nn::Linear(32, 5));
}
/// Minibatches of 64, SGD with momentum; the loss of every step.
std::vector<double> train(const problem& p, int steps,
                          const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& loss) {
    torch::set_num_threads(1);  // the same summation order in both runs
    auto model = make_model();
    torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
    std::vector<double> curve;
    for (int s = 0; s < steps; ++s) {
        const int64_t b = (s * 64) % 512;
        const auto xb = p.x.narrow(0, b, 64), yb = p.ids.narrow(0, b, 64);
        opt.zero_grad();
        const auto l = loss(model->forward(xb), yb);
        l.backward();
        opt.step();
        curve.push_back(l.item<double>());
    }
    return curve;
}
void same_curve(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]) / (1 + std::abs(b[i])));
    INFO("largest relative difference between the curves: " << worst);
    CHECK(worst < 1e-4);
    CHECK(a.back() < 0.5 * a.front());  // it learned
}
}  // namespace

TEST_CASE("a torch::nn MLP trained 300 steps with lossc losses follows libtorch's loss curve") {
    const problem p = make_problem();
    const int steps = 300;
    // label-smoothed cross-entropy written as a lossc expression, against cross_entropy(label_smoothing=0.1)
    const auto smoothed = lossc::torch::loss(-(1 - smoothing) * sum<1>(y_true * log_softmax<1>(y_pred)) -
                                             smoothing * mean<1>(log_softmax<1>(y_pred)));
    const auto lossc_curve = train(p, steps, [&](const torch::Tensor& logits, const torch::Tensor& ids) {
        return smoothed(F::one_hot(ids, 5).to(torch::kFloat), logits);
    });
    const auto torch_curve = train(p, steps, [](const torch::Tensor& logits, const torch::Tensor& ids) {
        return F::cross_entropy(logits, ids, F::CrossEntropyFuncOptions().label_smoothing(smoothing));
    });
    same_curve(lossc_curve, torch_curve);
    // the Keras class form on integer labels, against cross_entropy
    const auto sparse = lossc::torch::loss(lossc::keras::SparseCategoricalCrossentropy<true>());
    same_curve(
        train(p, steps, [&](const torch::Tensor& logits, const torch::Tensor& ids) { return sparse(ids, logits); }),
        train(p, steps,
              [](const torch::Tensor& logits, const torch::Tensor& ids) { return F::cross_entropy(logits, ids); }));
}
