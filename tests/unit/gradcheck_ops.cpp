// Every op of the vocabulary through the shared gradient-check harness, each in both operand
// positions where it has two, on inputs drawn from its domain.
#include "gradcheck.hpp"

using namespace lossc::dsl;
using lossc_test::check_gradient;
using lossc_test::random_rows;

namespace {
constexpr std::size_t N = 3, C = 4;

template <class Op> void check_unary_op(std::mt19937_64& rng, Op op = {}) {
    const auto yt = random_rows<N, C>(rng, 0.5, 1.5);
    const auto yp = random_rows<N, C>(rng, Op::dom.lo, Op::dom.hi);
    const auto f = lossc::unary<Op, lossc::y_pred_t>{lossc::y_pred, op};
    check_gradient(sum<1>(f * y_true), yt, yp, Op::name);
    check_gradient(mean<1>(square(f)), yt, yp, Op::name);
}
}  // namespace

TEST_CASE("every differentiable unary op of the table matches finite differences") {
    // Driven by ops::unary_ops: a new op is checked without a line here.
    std::mt19937_64 rng(1);
    int checked = 0;
    lossc::ops::unary_ops::for_each([&](auto op_type) {
        using Op = typename decltype(op_type)::type;
        if constexpr (Op::differentiable) {
            check_unary_op(rng, lossc::ops::sample_of<Op>());
            ++checked;
        }
    });
    CHECK(checked >= 16);
    // Parameters the samples do not cover: a negative exponent.
    check_unary_op(rng, lossc::ops::pow_c{-1.5});
}

TEST_CASE("every zero-gradient op of the table reads y_pred but passes no gradient") {
    lossc::ops::unary_ops::for_each([](auto op_type) {
        using Op = typename decltype(op_type)::type;
        if constexpr (!Op::differentiable) {
            using e = decltype(sum<1>(lossc::unary<Op, lossc::y_pred_t>{lossc::y_pred, lossc::ops::sample_of<Op>()} *
                                      y_true));
            static_assert(!lossc::depends_on_y_pred<e>);
            static_assert(std::is_same_v<lossc::gradient_t<e>, lossc::zero_t>);
        }
    });
    lossc::ops::binary_ops::for_each([](auto op_type) {
        using Op = typename decltype(op_type)::type;
        if constexpr (!Op::differentiable) {
            using e = decltype(sum<1>(
                lossc::binary<Op, lossc::y_pred_t, lossc::y_true_t>{lossc::y_pred, lossc::y_true, Op{}}));
            static_assert(!lossc::depends_on_y_pred<e>);
            static_assert(std::is_same_v<lossc::gradient_t<e>, lossc::zero_t>);
        }
    });
}

TEST_CASE("the comparisons' values") {
    using namespace lossc::ops;
    static_assert(less{}(1.0, 2.0) == 1.0 && less{}(2.0, 1.0) == 0.0 && less{}(1.0, 1.0) == 0.0);
    static_assert(less_equal{}(1.0, 2.0) == 1.0 && less_equal{}(2.0, 1.0) == 0.0 && less_equal{}(1.0, 1.0) == 1.0);
    static_assert(greater{}(1.0, 2.0) == 0.0 && greater{}(2.0, 1.0) == 1.0 && greater{}(1.0, 1.0) == 0.0);
    static_assert(greater_equal{}(1.0, 2.0) == 0.0 && greater_equal{}(2.0, 1.0) == 1.0 &&
                  greater_equal{}(1.0, 1.0) == 1.0);
    static_assert(equal_op{}(1.0, 1.0) == 1.0 && equal_op{}(1.0, 2.0) == 0.0);
    static_assert(not_equal_op{}(1.0, 1.0) == 0.0 && not_equal_op{}(1.0, 2.0) == 1.0);
    CHECK(greater{}(2.0f, 1.0f) == 1.0f);  // and at run time (<cmath>-side rules)
}

TEST_CASE("zero-gradient ops inside a differentiable loss") {
    constexpr auto l1 = sum<1>(sign(y_pred) * y_true);
    constexpr auto l2 = sum<1>(round(y_pred) + stop_gradient(y_pred));
    constexpr auto l3 = sum<1>(y_pred > y_true);
    static_assert(!lossc::depends_on_y_pred<decltype(l1)>);
    static_assert(!lossc::depends_on_y_pred<decltype(l2)>);
    static_assert(!lossc::depends_on_y_pred<decltype(l3)>);
    static_assert(std::is_same_v<lossc::gradient_t<decltype(l1)>, lossc::zero_t>);
    static_assert(std::is_same_v<lossc::gradient_t<decltype(l2)>, lossc::zero_t>);
    // Mixed: the stop_gradient factor is a constant for differentiation (finite differences
    // cannot see that, so the expected gradient is written out): d/dp [p² sg(p) + t p] = 2p·p + t.
    constexpr auto mixed = sum<1>(square(y_pred) * stop_gradient(y_pred) + y_true * y_pred);
    constexpr auto r = lossc::evaluate(mixed, std::array{0.5, -1.0}, std::array{3.0, 2.0});
    static_assert(r.per_sample[0] == 27.0 + 1.5 + 8.0 - 2.0);
    static_assert(r.grad[0][0] == 2 * 3.0 * 3.0 + 0.5 && r.grad[0][1] == 2 * 2.0 * 2.0 - 1.0);
}

TEST_CASE("every binary op in both operand positions") {
    std::mt19937_64 rng(3);
    const auto yt = random_rows<N, C>(rng, 0.5, 2.0);
    const auto yp = random_rows<N, C>(rng, 0.5, 2.0);
    // Driven by ops::binary_ops: y_pred as the first operand, the second, and both.
    lossc::ops::binary_ops::for_each([&](auto op_type) {
        using Op = typename decltype(op_type)::type;
        if constexpr (Op::differentiable) {
            using lossc::binary, lossc::y_pred_t, lossc::y_true_t;
            check_gradient(sum<1>(binary<Op, y_pred_t, y_true_t>{y_pred, y_true, Op{}}), yt, yp, Op::name);
            check_gradient(sum<1>(binary<Op, y_true_t, y_pred_t>{y_true, y_pred, Op{}}), yt, yp, Op::name);
            check_gradient(sum<1>(binary<Op, y_pred_t, y_pred_t>{y_pred, y_pred, Op{}}), yt, yp, Op::name);
        }
    });
    check_gradient(sum<1>(y_pred + y_true), yt, yp, "a + b");
    check_gradient(sum<1>(y_true - y_pred), yt, yp, "a - b");
    check_gradient(sum<1>(y_pred * y_pred * y_true), yt, yp, "a * a * b");
    check_gradient(sum<1>(y_pred / y_true), yt, yp, "pred / true");
    check_gradient(sum<1>(y_true / y_pred), yt, yp, "true / pred");
    check_gradient(sum<1>(y_pred / (y_pred + 1.0)), yt, yp, "pred / (pred + 1)");
    check_gradient(sum<1>(maximum(y_pred, y_true)), yt, yp, "maximum(pred, true)");
    check_gradient(sum<1>(maximum(y_true, y_pred)), yt, yp, "maximum(true, pred)");
    check_gradient(sum<1>(minimum(y_pred, y_true)), yt, yp, "minimum(pred, true)");
    check_gradient(sum<1>(minimum(y_true, y_pred * 2.0)), yt, yp, "minimum(true, 2 pred)");
    check_gradient(sum<1>(pow(y_pred, y_true)), yt, yp, "pow(pred, true)");
    check_gradient(sum<1>(pow(y_true, y_pred)), yt, yp, "pow(true, pred)");
    check_gradient(sum<1>(pow(y_pred, y_pred)), yt, yp, "pow(pred, pred)");
    check_gradient(sum<1>(2.0 - 3.0 * y_pred / 4.0 + 1.0), yt, yp, "with scalars");
    check_gradient(sum<1>(-y_pred * y_true), yt, yp, "unary minus");
}

TEST_CASE("where, comparisons and masks") {
    std::mt19937_64 rng(4);
    const auto yt = random_rows<N, C>(rng, -1, 1);
    const auto yp = random_rows<N, C>(rng, -2, 2);
    check_gradient(sum<1>(where(y_true > 0, square(y_pred), 3.0 * y_pred)), yt, yp, "where on y_true");
    check_gradient(sum<1>(where(y_pred > y_true, y_pred * y_true, exp(y_pred))), yt, yp, "where on y_pred");
    check_gradient(sum<1>(where(y_true < 0, 0.0, y_pred)), yt, yp, "where with a constant branch");
    check_gradient(sum<1>(square(y_pred) * (y_true >= 0)), yt, yp, "comparison as a 0/1 mask");
    check_gradient(sum<1>(square(y_pred) * not_equal(y_true, 0.0) + equal(y_true, y_pred)), yt, yp, "equal/not_equal");
}

TEST_CASE("reductions and row-wise normalisations") {
    std::mt19937_64 rng(5);
    const auto yt = random_rows<N, C>(rng, 0.1, 1.0);
    const auto yp = random_rows<N, C>(rng, -3, 3);
    check_gradient(sum<1>(y_pred * y_true), yt, yp, "sum");
    check_gradient(mean<-1>(square(y_pred - y_true)), yt, yp, "mean<-1>");
    check_gradient(max<1>(y_pred * y_true), yt, yp, "max");
    check_gradient(min<1>(y_pred + y_true), yt, yp, "min");
    check_gradient(logsumexp<1>(y_pred), yt, yp, "logsumexp");
    check_gradient(logsumexp<1>(y_pred * 100.0), yt, yp, "logsumexp of large logits");
    check_gradient(sum<1>(y_true * softmax<1>(y_pred)), yt, yp, "softmax");
    check_gradient(-sum<1>(y_true * log_softmax<1>(y_pred)), yt, yp, "log_softmax");
    check_gradient(sum<1>(y_true * l2_normalize<1>(y_pred)), yt, yp, "l2_normalize");
    check_gradient(mean<1>(square(y_pred - mean<1>(y_pred))), yt, yp, "variance (nested reduction)");
    check_gradient(sum<1>(y_pred * max<1>(y_pred)), yt, yp, "per-sample value broadcast into the row");
    check_gradient(sum<1>(y_pred) * sum<1>(y_true * y_pred), yt, yp, "product of two reductions");
}

TEST_CASE("max and min share the gradient among tied entries") {
    constexpr auto r = lossc::evaluate(max<1>(y_pred), std::array{0.0, 0.0, 0.0}, std::array{1.0, 3.0, 3.0});
    static_assert(r.per_sample[0] == 3.0);
    static_assert(r.grad[0][0] == 0.0 && r.grad[0][1] == 0.5 && r.grad[0][2] == 0.5);
}

TEST_CASE("column selection: col<j> and cols<f, n>") {
    std::mt19937_64 rng(6);
    const auto yt = random_rows<N, 2>(rng, -1, 1);
    const auto yp = random_rows<N, C>(rng, -1, 1);
    check_gradient(square(col<2>(y_pred) - col<0>(y_true)), yt, yp, "col");
    check_gradient(sum<1>(square(cols<1, 2>(y_pred) - y_true)), yt, yp, "cols");
    check_gradient(sum<1>(cols<0, 2>(y_pred) * cols<2, 2>(y_pred)), yt, yp, "two slices of y_pred");
    check_gradient(sum<1>(softmax<1>(cols<1, 3>(y_pred)) * cols<0, 1>(y_true)), yt, yp, "softmax of a slice");
}
