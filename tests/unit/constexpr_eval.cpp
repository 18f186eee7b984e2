// Values and gradients checked by the compiler (static_assert), in float and double, with
// g++ and clang++ (clang 14 has no constexpr <cmath>: lossc::cx does the work).
#include <doctest/doctest.h>

#include <lossc/lossc.hpp>

using namespace lossc::dsl;

namespace {
constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr bool near(double a, double b, double tol) { return (a - b <= tol) && (b - a <= tol); }
}  // namespace

// The README's example (one sample, as a batch of one).
constexpr auto r = lossc::evaluate(custom_mse, std::array{std::array{1.f, 2.f}}, std::array{std::array{1.f, 3.f}});
static_assert(r.per_sample[0] == 0.7f);
static_assert(r.grad[0][0] == 0.0f && r.grad[0][1] == 1.4f);

// A batch of three samples in double (weights given in double: 0.7f widened is not 0.7):
// per-sample values and the gradient of their sum.
constexpr auto custom_mse_d = sum<1>(square(y_pred - y_true) * weights(0.3, 0.7));
constexpr auto rb =
    lossc::evaluate(custom_mse_d, std::array{std::array{0.0, 0.0}, std::array{1.0, 1.0}, std::array{2.0, -1.0}},
                    std::array{std::array{1.0, 1.0}, std::array{1.0, 3.0}, std::array{0.0, 0.0}});
static_assert(rb.per_sample[0] == 1.0 && rb.per_sample[1] == 0.7 * 4 && near(rb.per_sample[2], 0.3 * 4 + 0.7, 1e-15));
static_assert(near(rb.grad[2][0], -1.2, 1e-15) && near(rb.grad[2][1], 1.4, 1e-15) && rb.grad[1][0] == 0.0);

// Cross-entropy from logits: ln(e^2 + e^1 + e^0.1) − 2 and softmax − y_true, to 1e-12 (double)
// and 1e-6 (float). ln(e^2 + e + e^0.1) = 2.41703001...
constexpr auto c = lossc::evaluate(cce, std::array{1.0, 0.0, 0.0}, std::array{2.0, 1.0, 0.1});
static_assert(near(c.per_sample[0], 0.4170300162778335, 1e-12));
static_assert(near(c.grad[0][0], 0.6590011388859679 - 1.0, 1e-12));
static_assert(near(c.grad[0][1], 0.2424329707047139, 1e-12));
static_assert(near(c.grad[0][2], 0.0985658904093182, 1e-12));
static_assert(near(c.grad[0][0] + c.grad[0][1] + c.grad[0][2], 0.0, 1e-15));
constexpr auto cf = lossc::evaluate(cce, std::array{0.f, 1.f, 0.f}, std::array{2.f, 1.f, 0.1f});
static_assert(near(cf.per_sample[0], 1.4170300162778335, 1e-6) && near(cf.grad[0][1], 0.2424329707047139 - 1, 1e-6));

// BCE from logits: softplus(x) − t·x, gradient σ(x) − t; saturated logits stay finite.
constexpr auto bce = mean<1>(softplus(y_pred) - y_true * y_pred);
constexpr auto b = lossc::evaluate(bce, std::array{1.0, 0.0}, std::array{-100.0, 100.0});
static_assert(near(b.per_sample[0], 100.0, 1e-12) && near(b.grad[0][0], -0.5, 1e-15) && near(b.grad[0][1], 0.5, 1e-15));

// Gaussian NLL with a split y_pred: 0.5 (s + (t − m)² e^{−s}) at t = 1, m = 0, s = 0 → 0.5.
constexpr auto nll = 0.5 * (col<1>(y_pred) + square(col<0>(y_true) - col<0>(y_pred)) * exp(-col<1>(y_pred)));
constexpr auto g = lossc::evaluate(nll, std::array{1.0}, std::array{0.0, 0.0});
static_assert(g.per_sample[0] == 0.5 && g.grad[0][0] == -1.0 && g.grad[0][1] == 0.0);

TEST_CASE("constexpr evaluation agrees with run-time evaluation") {
    // The same call at run time uses <cmath>; both agree to a few ulp.
    const auto rt = lossc::evaluate(cce, std::array{1.0, 0.0, 0.0}, std::array{2.0, 1.0, 0.1});
    for (std::size_t j = 0; j < 3; ++j) CHECK(rt.grad[0][j] == doctest::Approx(c.grad[0][j]).epsilon(1e-14));
    CHECK(rt.per_sample[0] == doctest::Approx(c.per_sample[0]).epsilon(1e-14));
}
