// Run-time misuse throws lossc::shape_error (a std::invalid_argument) naming the argument and
// the shapes, and writes nothing to any output.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <lossc/lossc.hpp>
#include <span>
#include <string>
#include <vector>

using namespace lossc::dsl;

namespace {
constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr auto nll = 0.5 * (col<1>(y_pred) + square(col<0>(y_true) - col<0>(y_pred)) * exp(-col<1>(y_pred)));

struct outputs {
    Eigen::VectorXf ps;
    Eigen::MatrixXf g;
    outputs(Eigen::Index n, Eigen::Index c)
        : ps(Eigen::VectorXf::Constant(n, -5.f)), g(Eigen::MatrixXf::Constant(n, c, -5.f)) {}
    bool untouched() const { return (ps.array() == -5.f).all() && (g.array() == -5.f).all(); }
};

/// Runs `call`, expects shape_error whose message contains every fragment, and untouched outputs.
template <class F> void expect_shape_error(F&& call, const outputs& out, std::initializer_list<const char*> fragments) {
    std::string what;
    try {
        call();
    } catch (const lossc::shape_error& e) {
        what = e.what();
    }
    INFO("message: " << what);
    REQUIRE_FALSE(what.empty());
    CHECK(what.rfind("lossc: ", 0) == 0);
    for (const char* f : fragments) CHECK_MESSAGE(what.find(f) != std::string::npos, "missing '" << f << "'");
    CHECK(out.untouched());
}
}  // namespace

TEST_CASE("shape_error is a std::invalid_argument") {
    static_assert(std::is_base_of_v<std::invalid_argument, lossc::shape_error>);
}

TEST_CASE("rows, columns, per_sample, grad and sample_weight of the wrong shape") {
    constexpr auto k = lossc::compile(custom_mse);
    const Eigen::MatrixXf t(4, 2), p(4, 2), t5(5, 2), t3c(4, 3), p3c(4, 3);
    outputs out(4, 2);
    expect_shape_error([&] { k.forward_backward(t5, p, out.ps, out.g); }, out, {"y_true", "(5, 2)", "(4, 2)", "batch"});
    // weights of length 2 against 3 columns, found at run time.
    outputs out3(4, 3);
    expect_shape_error([&] { k.forward_backward(t3c, p3c, out3.ps, out3.g); }, out3,
                       {"3 columns", "[0.3, 0.7]", "has 2", "(4, 3)"});
    // y_true and y_pred columns must agree (or one be 1).
    expect_shape_error([&] { lossc::compile(cce).forward_backward(t3c, p, out.ps, out.g); }, out,
                       {"y_true", "y_pred", "3", "2"});
    Eigen::VectorXf ps3 = Eigen::VectorXf::Constant(3, -5.f);
    expect_shape_error([&] { k.forward_backward(t, p, ps3, out.g); }, out, {"per_sample", "length 3", "4"});
    Eigen::MatrixXf g42 = Eigen::MatrixXf::Constant(4, 3, -5.f);
    expect_shape_error([&] { k.forward_backward(t, p, out.ps, g42); }, out, {"grad", "(4, 3)", "(4, 2)"});
    CHECK((g42.array() == -5.f).all());
    const Eigen::VectorXf w3(3);
    expect_shape_error([&] { k.forward_backward(t, p, out.ps, out.g, {.sample_weight = w3}); }, out,
                       {"sample_weight", "length 3", "4"});
}

TEST_CASE("a y_pred of one column is not broadcast against a wider y_true") {
    constexpr auto k = lossc::compile(sum<1>(square(y_pred - y_true)));
    const Eigen::MatrixXf t(4, 3), p(4, 1);
    outputs out(4, 1);
    expect_shape_error([&] { k.forward_backward(t, p, out.ps, out.g); }, out,
                       {"`y_pred` has y_pred's columns", "col<0>", "(4, 1)", "(4, 3)"});
}

TEST_CASE("column selections need the columns they name") {
    constexpr auto k = lossc::compile(nll);
    const Eigen::MatrixXf t(4, 1), p1(4, 1);
    outputs out(4, 1);
    expect_shape_error([&] { k.forward_backward(t, p1, out.ps, out.g); }, out,
                       {"col<1>(y_pred)", "needs 2 columns", "has 1"});
    constexpr auto tail = lossc::compile(sum<1>(square(cols_from<2>(y_pred) - cols_from<2>(y_true))));
    const Eigen::MatrixXf t2(4, 2);
    outputs out2(4, 2);
    expect_shape_error([&] { tail.forward_backward(t2, t2, out2.ps, out2.g); }, out2,
                       {"cols_from<2>(y_pred)", "needs 3 columns", "has 2"});
}

TEST_CASE("null pointers with a non-zero size") {
    constexpr auto k = lossc::compile(custom_mse);
    Eigen::MatrixXf p = Eigen::MatrixXf::Zero(4, 2);
    outputs out(4, 2);
    const lossc::matrix_view<const float> null_t(nullptr, 4, 2);
    expect_shape_error([&] { k.forward_backward(null_t, p, out.ps, out.g); }, out, {"y_true", "null", "(4, 2)"});
    expect_shape_error([&] { k.forward(p, p, lossc::vector_view<float>(nullptr, 4)); }, out, {"per_sample", "null"});
    const std::array<float, 2> none{};
    const auto rt_weights = sum<1>(square(y_pred - y_true) * weights(std::span<const float>(none.data(), 0)));
    (void)rt_weights;
    const auto bad = sum<1>(square(y_pred - y_true) * lossc::weights_span<float>{nullptr, 2});
    expect_shape_error([&] { lossc::compile(bad).forward_backward(p, p, out.ps, out.g); }, out, {"weights", "null"});
}

TEST_CASE("outputs that alias inputs or each other") {
    constexpr auto k = lossc::compile(custom_mse);
    Eigen::MatrixXf t = Eigen::MatrixXf::Ones(4, 2), p = Eigen::MatrixXf::Ones(4, 2);
    const Eigen::MatrixXf p_copy = p, t_copy = t;
    outputs out(4, 2);
    expect_shape_error([&] { k.forward_backward(t, p, out.ps, p); }, out, {"grad", "overlaps", "y_pred"});
    CHECK(p == p_copy);
    expect_shape_error([&] { k.forward_backward(t, p, out.ps, t); }, out, {"grad", "overlaps", "y_true"});
    CHECK(t == t_copy);
    expect_shape_error([&] { k.forward_backward(t, p, t.col(0), out.g); }, out, {"per_sample", "overlaps", "y_true"});
    CHECK(t == t_copy);
    Eigen::MatrixXf shared = Eigen::MatrixXf::Constant(4, 3, -5.f);
    expect_shape_error([&] { k.forward_backward(t, p, shared.col(1), shared.leftCols(2)); }, out,
                       {"grad", "overlaps", "per_sample"});
    CHECK((shared.array() == -5.f).all());
    // Inputs may alias each other: they are only read.
    CHECK(k.forward(p, p, out.ps) == 0.f);
}

TEST_CASE("negative extents are rejected before anything is read") {
    constexpr auto k = lossc::compile(custom_mse);
    Eigen::MatrixXf t = Eigen::MatrixXf::Ones(4, 2), p = Eigen::MatrixXf::Ones(4, 2);
    outputs out(4, 2);
    using mv = lossc::matrix_view<const float>;
    // cols = −1 passed every check and read past the buffer; rows = −1 returned −0.
    expect_shape_error(
        [&] {
            k.forward_backward(mv{t.data(), 4, -1}, mv{p.data(), 4, -1}, out.ps,
                               lossc::matrix_view<float>{out.g.data(), 4, -1});
        },
        out, {"y_true", "negative extent"});
    expect_shape_error(
        [&] {
            k.forward(mv{t.data(), -1, 2}, mv{p.data(), -1, 2}, lossc::vector_view<float>{out.ps.data(), -1});
        },
        out, {"negative extent"});
}

TEST_CASE("extents and strides that overflow the address space") {
    constexpr auto k = lossc::compile(custom_mse);
    Eigen::MatrixXf t = Eigen::MatrixXf::Ones(4, 2), p = Eigen::MatrixXf::Ones(4, 2);
    outputs out(4, 2);
    using mv = lossc::matrix_view<const float>;
    constexpr lossc::index huge = lossc::index(1) << 62;
    // rows near 2^62 overflowed the signed range computation (UBSan) and crashed.
    expect_shape_error(
        [&] {
            k.forward(mv{t.data(), huge, 2}, mv{p.data(), huge, 2}, lossc::vector_view<float>{out.ps.data(), huge});
        },
        out, {"more elements than an index holds"});
    constexpr auto mae = lossc::compile(mean<1>(abs(y_pred - y_true)));
    expect_shape_error(
        [&] {
            mae.forward(mv{t.data(), huge, 1, 0, 1}, mv{p.data(), huge, 1, 0, 1},
                        lossc::vector_view<float>{out.ps.data(), huge});
        },
        out, {"per_sample", "address space"});
    // A row stride near 2^62 wrapped so that rows aliased.
    expect_shape_error([&] { k.forward(mv{t.data(), 4, 2, huge, 1}, p, out.ps); }, out, {"y_true", "address space"});
    expect_shape_error([&] { k.forward(t, mv{p.data(), 4, 2, -huge, 1}, out.ps); }, out, {"y_pred", "address space"});
    expect_shape_error(
        [&] {
            k.forward(mv{t.data(), 3, huge, 0, 0}, mv{p.data(), 3, huge, 0, 0},
                      lossc::vector_view<float>{out.ps.data(), 3});
        },
        out, {"more elements than an index holds"});
}

TEST_CASE("outputs that would write an element twice") {
    constexpr auto k = lossc::compile(custom_mse);
    Eigen::MatrixXf t = Eigen::MatrixXf::Ones(4, 2), p = Eigen::MatrixXf::Ones(4, 2);
    outputs out(4, 2);
    expect_shape_error(
        [&] {
            k.forward_backward(t, p, out.ps, lossc::matrix_view<float>{out.g.data(), 4, 2, 0, 1});
        },
        out, {"grad", "more than once"});
    expect_shape_error(
        [&] {
            k.forward_backward(t, p, out.ps, lossc::matrix_view<float>{out.g.data(), 4, 2, 1, 1});
        },
        out, {"grad", "more than once"});
    expect_shape_error(
        [&] {
            k.forward(t, p, lossc::vector_view<float>{out.ps.data(), 4, 0});
        },
        out, {"per_sample", "more than once"});
    // Strides that keep elements apart, in any order and sign, are fine.
    Eigen::MatrixXf g(4, 2);
    CHECK_NOTHROW(k.forward_backward(t, p, out.ps, lossc::matrix_view<float>{g.data() + 7, 4, 2, -1, -4}));
}

TEST_CASE("a gradient overlapping run-time weights") {
    std::vector<float> w{0.3f, 0.7f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    const auto k = lossc::compile(sum<1>(square(y_pred - y_true) * weights(std::span<const float>(w.data(), 2))));
    Eigen::MatrixXf t = Eigen::MatrixXf::Ones(4, 2), p = Eigen::MatrixXf::Zero(4, 2);
    outputs out(4, 2);
    // The result depended on the schedule (correct with AVX2, wrong with SSE2).
    expect_shape_error(
        [&] {
            k.forward_backward(t, p, out.ps, lossc::matrix_view<float>{w.data(), 4, 2});
        },
        out, {"grad", "weights(span)"});
    Eigen::MatrixXf g(4, 2);
    expect_shape_error(
        [&] {
            k.forward_backward(t, p, lossc::vector_view<float>{w.data() + 1, 4}, g);
        },
        out, {"per_sample", "weights(span)"});
    CHECK(w[0] == 0.3f);
    CHECK(w[1] == 0.7f);
}

TEST_CASE("options outside their enums") {
    constexpr auto k = lossc::compile(custom_mse);
    Eigen::MatrixXf t = Eigen::MatrixXf::Ones(4, 2), p = Eigen::MatrixXf::Ones(4, 2);
    Eigen::VectorXf ps = Eigen::VectorXf::Constant(4, -5.f);
    // A reduction outside the enum was treated as a mean.
    CHECK_THROWS_AS(k.forward(t, p, ps, {.reduction = static_cast<lossc::reduction>(7)}), lossc::parameter_error);
    // none is the wrappers' (one vocabulary, lossc/reduction.hpp); a kernel returns one number.
    CHECK_THROWS_WITH_AS(k.forward(t, p, ps, {.reduction = lossc::reduction::none}),
                         doctest::Contains("call it with reduction::sum and read per_sample"), lossc::parameter_error);
    CHECK_THROWS_AS(k.forward(t, p, ps, {.schedule = static_cast<lossc::schedule>(-1)}), lossc::parameter_error);
    CHECK((ps.array() == -5.f).all());
    // mean is sum_over_batch_size, as in Keras.
    p(1, 0) = 3.f;
    CHECK(k.forward(t, p, ps, {.reduction = lossc::reduction::mean}) == 0.3f * 4.f / 4);
    CHECK(k.forward(t, p, ps, {.reduction = lossc::reduction::mean}) ==
          k.forward(t, p, ps, {.reduction = lossc::reduction::sum_over_batch_size}));
}
