// The expression vocabulary: traits (the Keras rules as values), formulas, rewrites, literal types.
#include <doctest/doctest.h>

#include <cmath>
#include <lossc/lossc.hpp>
#include <type_traits>

using namespace lossc::dsl;

namespace {
constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
}  // namespace

TEST_CASE("traits: dependence on y_pred and output rank, on cv/ref-qualified types") {
    static_assert(lossc::depends_on_y_pred<decltype(custom_mse)>);
    static_assert(lossc::depends_on_y_pred<const decltype(custom_mse)&>);
    static_assert(lossc::depends_on_y_pred<decltype(y_pred)>);
    static_assert(!lossc::depends_on_y_pred<decltype(y_true)>);
    static_assert(!lossc::depends_on_y_pred<decltype(sum<1>(stop_gradient(y_pred) * y_true))>);
    static_assert(!lossc::depends_on_y_pred<decltype(sum<1>(where(y_pred > 0.5, y_true, 1.0)))>);
    static_assert(lossc::depends_on_y_pred<decltype(sum<1>(where(y_true > 0.5, y_pred, 1.0)))>);
    static_assert(lossc::output_rank<decltype(custom_mse)> == 1);
    static_assert(lossc::output_rank<const volatile decltype(cce)> == 1);
    static_assert(lossc::output_rank<decltype(y_pred - y_true)> == 2);
    static_assert(lossc::output_rank<decltype(weights(1, 2))> == 2);
    static_assert(lossc::output_rank<decltype(col<0>(y_pred))> == 1);
    static_assert(lossc::output_rank<decltype(y_pred * 0.0 + 1.0)> == 2);
    static_assert(lossc::reduces_batch_axis<decltype(sum<1>(y_pred - mean<0>(y_pred)))>);
    static_assert(lossc::static_columns<decltype(y_pred * weights(1, 2, 3))> == 3);
    static_assert(lossc::static_columns<decltype(cols<1, 2>(y_pred) * y_true)> == 2);
    static_assert(!lossc::static_extents_agree<decltype(cols<0, 2>(y_pred) * weights(1, 2, 3))>);
    static_assert(!lossc::static_extents_agree<decltype(sum<1>(col<3>(weights(1, 2, 3)) * y_pred))>);
    static_assert(lossc::static_extents_agree<decltype(cols<0, 1>(y_pred) * weights(1, 2, 3))>);  // 1 broadcasts
    static_assert(lossc::is_valid_loss<decltype(custom_mse)> && !lossc::is_valid_loss<decltype(y_pred)>);
}

TEST_CASE("expressions and kernels are literal, trivially copyable values") {
    static_assert(std::is_trivially_copyable_v<decltype(custom_mse)>);
    constexpr auto k = lossc::compile(cce);
    static_assert(std::is_trivially_copyable_v<decltype(k)>);
    auto copy = k;
    (void)copy;
    constexpr auto param = sum<1>(pow(abs(y_pred - y_true), 1.5) * weights(1, 2));
    static_assert(std::is_trivially_copyable_v<decltype(lossc::compile(param))>);
}

TEST_CASE("to_string prints losses and their derived gradients") {
    CHECK(lossc::to_string(custom_mse) == "sum<1>(square(y_pred - y_true) * [0.3, 0.7])");
    CHECK(lossc::to_string(lossc::gradient(custom_mse)) == "[0.3, 0.7] * 2 * (y_pred - y_true)");
    CHECK(lossc::to_string(cce) == "-sum<1>(y_true * (y_pred - logsumexp<1>(y_pred)))");
    // The fused softmax + cross-entropy rule falls out of logsumexp's derivative: softmax·Σt − t.
    CHECK(lossc::to_string(lossc::gradient(cce)) == "sum<1>(y_true) * exp(y_pred - logsumexp<1>(y_pred)) - y_true");
    CHECK(lossc::to_string(y_pred - (y_true - 1.0)) == "y_pred - (y_true - 1)");
    CHECK(lossc::to_string(y_pred / (y_true * 2.0)) == "y_pred / (y_true * 2)");
    CHECK(lossc::to_string((y_pred + y_true) * 2.0) == "(y_pred + y_true) * 2");
    CHECK(lossc::to_string(clip(y_pred, 1e-7, 1.0 - 1e-7)) == "clip(y_pred, 1e-07, 1)");
    CHECK(lossc::to_string(where(y_pred > 0.0, y_pred, 0.0)) == "where(y_pred > 0, y_pred, 0)");
    CHECK(lossc::to_string(col<1>(y_pred) + cols<0, 2>(y_true)) == "col<1>(y_pred) + cols<0, 2>(y_true)");
    CHECK(lossc::to_string(mean<-1>(y_pred)) == "mean<1>(y_pred)");
    // BCE from logits: the gradient is sigmoid(x) − t, derived from softplus.
    constexpr auto bce = mean<1>(softplus(y_pred) - y_true * y_pred);
    CHECK(lossc::to_string(lossc::gradient(bce)) ==
          "sigmoid(y_pred) / columns(softplus(y_pred) - y_true * y_pred) - y_true / columns(softplus(y_pred) - y_true "
          "* y_pred)");
}

TEST_CASE("stabilising rewrites happen when the expression is built") {
    using lossc::node_t;
    static_assert(std::is_same_v<node_t<decltype(log(softmax<1>(y_pred)))>, node_t<decltype(log_softmax<1>(y_pred))>>);
    static_assert(std::is_same_v<node_t<decltype(log(exp(y_pred)))>, lossc::y_pred_t>);
    static_assert(std::is_same_v<node_t<decltype(log(sum<1>(exp(y_pred))))>, node_t<decltype(logsumexp<1>(y_pred))>>);
    static_assert(std::is_same_v<node_t<decltype(log1p(exp(y_pred)))>, node_t<decltype(softplus(y_pred))>>);
    CHECK(lossc::to_string(log(sigmoid(y_pred))) == "-softplus(-y_pred)");
    static_assert(
        std::is_same_v<node_t<decltype(log(cosh(y_pred - y_true)))>, node_t<decltype(log_cosh(y_pred - y_true))>>);
    // The rewritten forms stay finite where the naive ones overflow.
    constexpr auto r =
        lossc::evaluate(-sum<1>(y_true * log(softmax<1>(y_pred))), std::array{1.0, 0.0}, std::array{1000.0, -1000.0});
    static_assert(r.per_sample[0] == 0.0);
    constexpr auto s = lossc::evaluate(sum<1>(-log(sigmoid(y_pred))), std::array{0.0}, std::array{-800.0});
    static_assert(s.per_sample[0] == 800.0);
    // log(cosh(x)) is log_cosh: finite where cosh overflows (e^1000).
    constexpr auto c = lossc::evaluate(sum<1>(log(cosh(y_pred))), std::array{0.0}, std::array{-1000.0});
    static_assert(c.per_sample[0] > 999.306 && c.per_sample[0] < 999.307 && c.grad[0][0] == -1.0);
}

TEST_CASE("cosh and sinh: values, derivatives, overflow only where the function overflows") {
    constexpr auto l = sum<1>(cosh(y_pred) + 2.0 * sinh(y_pred - y_true));
    constexpr auto r = lossc::evaluate(l, std::array{0.5, 0.0}, std::array{1.0, -2.0});
    static_assert(r.per_sample[0] > -0.90626 &&
                  r.per_sample[0] < -0.90625);  // while compiling (lossc's constexpr cosh)
    CHECK(r.per_sample[0] ==
          doctest::Approx(std::cosh(1.0) + std::cosh(-2.0) + 2 * std::sinh(0.5) + 2 * std::sinh(-2.0)).epsilon(1e-14));
    CHECK(r.grad[0][0] == doctest::Approx(std::sinh(1.0) + 2 * std::cosh(0.5)).epsilon(1e-14));
    CHECK(r.grad[0][1] == doctest::Approx(std::sinh(-2.0) + 2 * std::cosh(-2.0)).epsilon(1e-14));
    CHECK(lossc::to_string(cosh(y_pred) * sinh(y_true)) == "cosh(y_pred) * sinh(y_true)");
    // float: cosh(89) = 2.24e38 is finite although e^89 is not; the kernel gets it too.
    constexpr auto k = lossc::compile(sum<1>(cosh(y_pred)));
    Eigen::MatrixXf t = Eigen::MatrixXf::Zero(3, 2), p(3, 2), g(3, 2);
    p << 89.0f, 0.0f, -89.0f, 0.0f, 90.0f, 0.0f;
    Eigen::VectorXf ps(3);
    k.forward_backward(t, p, ps, g, {.reduction = lossc::reduction::sum});
    CHECK(std::isfinite(ps(0)));
    CHECK(ps(0) == doctest::Approx(std::cosh(89.0) + 1.0).epsilon(1e-5));
    CHECK(g(1, 0) == doctest::Approx(std::sinh(-89.0)).epsilon(1e-5));
    CHECK(std::isinf(ps(2)));
}
