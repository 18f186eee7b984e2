// Composed losses of the kind people write, through the shared gradient-check harness, in
// ordinary and in broadcasting shapes.
#include "gradcheck.hpp"

using namespace lossc::dsl;
using lossc_test::check_gradient;
using lossc_test::random_rows;

namespace {
constexpr std::size_t N = 4;

constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto categorical_ce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr auto bce_logits = mean<1>(softplus(y_pred) - y_true * y_pred);
constexpr auto bce_sigmoid = -mean<1>(y_true * log(sigmoid(y_pred)) + (1.0 - y_true) * log(1.0 - sigmoid(y_pred)));
// Gaussian negative log-likelihood: y_pred holds (mean, log-variance).
constexpr auto gaussian_nll = 0.5 * (col<1>(y_pred) + square(col<0>(y_true) - col<0>(y_pred)) * exp(-col<1>(y_pred)));
constexpr auto huber(double delta) {
    const auto e = abs(y_pred - y_true);
    return mean<1>(where(e <= delta, 0.5 * square(e), delta * e - 0.5 * delta * delta));
}
constexpr auto focal(double gamma) {
    return -sum<1>(y_true * pow(1.0 - softmax<1>(y_pred), gamma) * log_softmax<1>(y_pred));
}
constexpr auto cosine = -sum<1>(l2_normalize<1>(y_true) * l2_normalize<1>(y_pred));
constexpr auto quantile(double q) {
    const auto e = y_true - y_pred;
    return mean<1>(maximum(q * e, (q - 1.0) * e));
}
constexpr auto log_cosh_loss = mean<1>(log_cosh(y_pred - y_true));
constexpr auto dice_per_sample = 1.0 - (2.0 * sum<1>(y_true * y_pred) + 1.0) / (sum<1>(y_true) + sum<1>(y_pred) + 1.0);
constexpr auto masked_mse =
    sum<1>(square(y_pred - y_true) * not_equal(y_true, -1.0)) / maximum(sum<1>(not_equal(y_true, -1.0)), 1.0);
}  // namespace

TEST_CASE("the Q&A losses and the classic catalogue forms") {
    std::mt19937_64 rng(11);
    check_gradient(custom_mse, random_rows<N, 2>(rng, -1, 1), random_rows<N, 2>(rng, -1, 1), "custom_mse");
    auto onehot = random_rows<N, 5>(rng, 0, 0);
    for (std::size_t i = 0; i < N; ++i) onehot[i][(i * 3) % 5] = 1.0;
    check_gradient(categorical_ce, onehot, random_rows<N, 5>(rng, -4, 4), "categorical cross-entropy");
    check_gradient(categorical_ce, random_rows<N, 5>(rng, 0, 1), random_rows<N, 5>(rng, -4, 4), "soft labels");
    const auto labels01 = random_rows<N, 3>(rng, 0, 1);
    check_gradient(bce_logits, labels01, random_rows<N, 3>(rng, -6, 6), "BCE from logits");
    check_gradient(bce_sigmoid, labels01, random_rows<N, 3>(rng, -6, 6), "BCE through log(sigmoid)");
    check_gradient(huber(1.0), random_rows<N, 3>(rng, -2, 2), random_rows<N, 3>(rng, -2, 2), "huber");
    check_gradient(focal(2.0), onehot, random_rows<N, 5>(rng, -3, 3), "focal");
    check_gradient(cosine, random_rows<N, 3>(rng, -1, 1), random_rows<N, 3>(rng, -1, 1), "cosine similarity");
    check_gradient(quantile(0.8), random_rows<N, 3>(rng, -1, 1), random_rows<N, 3>(rng, -1, 1), "quantile");
    check_gradient(log_cosh_loss, random_rows<N, 3>(rng, -3, 3), random_rows<N, 3>(rng, -3, 3), "log-cosh");
    check_gradient(dice_per_sample, random_rows<N, 6>(rng, 0, 1), random_rows<N, 6>(rng, 0, 1), "per-sample dice");
    auto masked = random_rows<N, 4>(rng, 0, 1);
    masked[0][1] = masked[2][3] = -1.0;
    check_gradient(masked_mse, masked, random_rows<N, 4>(rng, 0, 1), "masked MSE");
}

TEST_CASE("y_pred split into parts: Gaussian NLL with y_true (N, 1) and y_pred (N, 2)") {
    std::mt19937_64 rng(12);
    check_gradient(gaussian_nll, random_rows<N, 1>(rng, -2, 2), random_rows<N, 2>(rng, -1, 1), "gaussian nll");
}

TEST_CASE("y_pred split into a head column and the rest: cols_from<1> (Keras y_pred[:, 1:])") {
    std::mt19937_64 rng(13);
    constexpr auto head_and_tail =
        square(col<0>(y_pred) - col<0>(y_true)) + 0.5 * mean<1>(abs(cols_from<1>(y_pred) - cols_from<1>(y_true)));
    check_gradient(head_and_tail, random_rows<N, 5>(rng, -2, 2), random_rows<N, 5>(rng, -2, 2),
                   "head and tail, 5 columns");
    check_gradient(head_and_tail, random_rows<N, 2>(rng, -2, 2), random_rows<N, 2>(rng, -2, 2),
                   "head and tail, 2 columns");
    CHECK(lossc::to_string(head_and_tail).find("cols_from<1>(y_pred)") != std::string::npos);
}

TEST_CASE("broadcasting: a 1-column input against a wider row, per-sample values in a row") {
    std::mt19937_64 rng(13);
    // y_true (N, 1) broadcast against y_pred (N, 3), as numpy does.
    check_gradient(sum<1>(square(y_pred - y_true)), random_rows<N, 1>(rng, -1, 1), random_rows<N, 3>(rng, -1, 1),
                   "1-column y_true");
    // A one-column slice of y_pred broadcast against y_true (N, 3): its gradient sums over the row.
    check_gradient(sum<1>(square(cols<1, 1>(y_pred) - y_true)), random_rows<N, 3>(rng, -1, 1),
                   random_rows<N, 2>(rng, -1, 1), "cols<1, 1>(y_pred) broadcast");
    check_gradient(sum<1>(square(cols<0, 1>(y_pred) - y_true)), random_rows<N, 1>(rng, -1, 1),
                   random_rows<N, 1>(rng, -1, 1), "cols<0, 1>(y_pred), nothing to broadcast");
    check_gradient(sum<1>(col<0>(y_pred) * y_true * weights(1.0, 2.0, 3.0)), random_rows<N, 1>(rng, -1, 1),
                   random_rows<N, 2>(rng, -1, 1), "per-sample y_pred column against weights");
    check_gradient(sum<1>(y_pred + col<0>(y_pred)), random_rows<N, 1>(rng, -1, 1), random_rows<N, 3>(rng, -1, 1),
                   "column of y_pred broadcast against y_pred");
}

TEST_CASE("run-time parameters live in the expression object") {
    // One type, two parameter values: the kernel reads the value the expression holds.
    static_assert(std::is_same_v<decltype(huber(1.0)), decltype(huber(0.25))>);
    constexpr auto a = lossc::evaluate(huber(1.0), std::array{0.0}, std::array{2.0});
    constexpr auto b = lossc::evaluate(huber(0.5), std::array{0.0}, std::array{2.0});
    static_assert(a.per_sample[0] == 1.5 && b.per_sample[0] == 0.875);
    static_assert(a.grad[0][0] == 1.0 && b.grad[0][0] == 0.5);
    std::mt19937_64 rng(14);
    check_gradient(huber(0.3), random_rows<N, 3>(rng, -2, 2), random_rows<N, 3>(rng, -2, 2), "huber(0.3)");
    check_gradient(focal(0.5), random_rows<N, 4>(rng, 0, 1), random_rows<N, 4>(rng, -2, 2), "focal(0.5)");
}
