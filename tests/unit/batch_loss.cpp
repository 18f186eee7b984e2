// Cross-sample losses (lossc::batch_loss, lower/batch_kernel.hpp): values against sums written out
// by hand, the gradient of the reduced loss against central differences in double (moving one
// y_pred entry moves every sample's loss here), kernel against the constexpr reference for nested
// statistics, every reduction with sample weights, float against double, layouts and batch sizes
// around the pack width, the statistics' buffer beyond the stack, discard, and the errors.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <lossc/lossc.hpp>
#include <random>

#include "gradcheck.hpp"
#include "matrices.hpp"
#include "whole_batch.hpp"

using namespace lossc::dsl;
using lossc_test::check_against_differences;
using lossc_test::filled;
using lossc_test::MatC;
using lossc_test::MatR;

namespace {

constexpr double eps = 1e-7;
/// Whole-batch soft Dice (one value for the batch, broadcast per sample).
constexpr auto dice = batch_loss(1.0 - 2.0 * batch_sum(sum<1>(y_true * y_pred)) /
                                           (batch_sum(sum<1>(y_true)) + batch_sum(sum<1>(y_pred)) + eps));
/// Per-class Dice over the batch, averaged over the classes (statistics of one value per column).
constexpr auto class_dice =
    batch_loss(1.0 - mean<1>(2.0 * batch_sum(y_true * y_pred) / (batch_sum(y_true) + batch_sum(y_pred) + eps)));
/// 1 − Pearson correlation per column, averaged: statistics nested two deep.
constexpr auto xm = y_pred - batch_mean(y_pred);
constexpr auto ym = y_true - batch_mean(y_true);
constexpr auto pearson =
    batch_loss(1.0 - mean<1>(batch_sum(xm * ym) / sqrt(batch_sum(square(xm)) * batch_sum(square(ym)) + 1e-12)));
/// A per-sample loss against the batch's mean prediction (one value per sample).
constexpr auto centred = batch_loss(sum<1>(square(y_pred - batch_mean(y_pred) - y_true)));

static_assert(lossc::depends_on_y_pred<decltype(dice)> && lossc::output_rank<decltype(dice)> == 1);
static_assert(lossc::reduces_batch_axis<decltype(dice)>);
// A kernel is a literal, trivially copyable object, as the per-sample ones.
constexpr auto pearson_kernel = lossc::compile(pearson);
static_assert(std::is_trivially_copyable_v<decltype(pearson_kernel)>);
// Passes over the batch: one value for the batch needs no per-sample pass.
static_assert(decltype(lossc::compile(dice))::passes(false) == 1 && decltype(lossc::compile(dice))::passes(true) == 2);
static_assert(decltype(lossc::compile(pearson))::passes(false) == 2 &&
              decltype(lossc::compile(pearson))::passes(true) == 4);
static_assert(decltype(lossc::compile(centred))::passes(false) == 2 &&
              decltype(lossc::compile(centred))::passes(true) == 3);

// The reference at compile time: Σ t·p = 2.75, Σ t = 4, Σ p = 3.5.
constexpr std::array<std::array<double, 2>, 3> t3{{{1, 0}, {0, 1}, {1, 1}}};
constexpr std::array<std::array<double, 2>, 3> p3{{{0.5, 0.25}, {0.5, 0.75}, {1, 0.5}}};
static_assert(lossc::evaluate(dice, t3, p3).per_sample[2] == 1 - 5.5 / (7.5 + eps));
// d/dp_ij of 1 − 2a/b (a = Σ t·p, b = Σ t + Σ p + ε) = −2 (t_ij b − a) / b², for each of the 3
// samples' losses (evaluate's gradient is that of their sum).
constexpr double dice_grad_01 = lossc::evaluate(dice, t3, p3).grad[0][1] - 3 * 2 * 2.75 / ((7.5 + eps) * (7.5 + eps));
static_assert(dice_grad_01 < 1e-15 && dice_grad_01 > -1e-15);

}  // namespace

TEST_CASE("batch_loss: whole-batch Dice equals the sums written out, per sample and reduced") {
    for (Eigen::Index n : {1, 3, 7, 8, 9, 16, 17, 100}) {
        const MatR<double> t = filled<MatR<double>>(n, 4, 1, 0, 1).array().round().matrix();
        const MatR<double> p = filled<MatR<double>>(n, 4, 2, 0, 1);
        const double a = (t.array() * p.array()).sum(), b = t.sum() + p.sum() + eps;
        const double expected = 1 - 2 * a / b;
        Eigen::VectorXd ps(n);
        MatR<double> g(n, 4);
        const auto k = lossc::compile(dice);
        const double r = k.forward_backward(t, p, ps, g);
        CHECK(r == doctest::Approx(expected).epsilon(1e-14));
        for (Eigen::Index i = 0; i < n; ++i) CHECK(ps(i) == doctest::Approx(expected).epsilon(1e-14));
        // sum_over_batch_size: R = (1/N) Σ_i L = L, so dR/dp_ij = dL/dp_ij.
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < 4; ++j)
                CHECK(g(i, j) == doctest::Approx(-2 * (t(i, j) * b - a) / (b * b)).epsilon(1e-12));
    }
}

TEST_CASE("batch_loss: gradients against central differences, every reduction, with sample weights") {
    const MatR<double> t = filled<MatR<double>>(19, 5, 3, 0, 1);
    const MatR<double> p = filled<MatR<double>>(19, 5, 4, 0.05, 1);
    const Eigen::VectorXd w = filled<Eigen::MatrixXd>(19, 1, 5, 0.1, 2).col(0);
    for (auto red :
         {lossc::reduction::sum, lossc::reduction::sum_over_batch_size, lossc::reduction::mean_with_sample_weight}) {
        CAPTURE(static_cast<int>(red));
        for (bool weighted : {false, true}) {
            lossc::options o{.reduction = red};
            if (weighted) o.sample_weight = w;
            check_against_differences(lossc::compile(dice), t, p, o);
            check_against_differences(lossc::compile(class_dice), t, p, o);
            check_against_differences(lossc::compile(pearson), t, p, o);
            check_against_differences(lossc::compile(centred), t, p, o);
        }
    }
}

TEST_CASE("batch_loss: a per-sample loss with statistics, reduced with sample weights") {
    const MatR<double> t = filled<MatR<double>>(13, 3, 6, -1, 1);
    const MatR<double> p = filled<MatR<double>>(13, 3, 7, -1, 1);
    const Eigen::VectorXd w = filled<Eigen::MatrixXd>(13, 1, 8, 0, 2).col(0);
    const Eigen::RowVectorXd mean = p.colwise().mean();
    Eigen::VectorXd expected(13);
    for (Eigen::Index i = 0; i < 13; ++i) expected(i) = (p.row(i) - mean - t.row(i)).squaredNorm();
    Eigen::VectorXd ps(13);
    const auto k = lossc::compile(centred);
    const double r = k.forward(t, p, ps, {.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w});
    for (Eigen::Index i = 0; i < 13; ++i) CHECK(ps(i) == doctest::Approx(expected(i)).epsilon(1e-13));
    CHECK(r == doctest::Approx(w.dot(expected) / w.sum()).epsilon(1e-13));
}

TEST_CASE("batch_loss: kernel against the constexpr reference, values and gradient") {
    std::array<std::array<double, 3>, 11> t{}, p{};
    for (std::size_t i = 0; i < 11; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            t[i][j] = std::abs(std::sin(3.1 * double(i) + double(j))),
            p[i][j] = std::abs(std::cos(1.7 * double(i) + 0.3 * double(j)));
    MatR<double> te(11, 3), pe(11, 3), g(11, 3);
    for (Eigen::Index i = 0; i < 11; ++i)
        for (Eigen::Index j = 0; j < 3; ++j)
            te(i, j) = t[std::size_t(i)][std::size_t(j)], pe(i, j) = p[std::size_t(i)][std::size_t(j)];
    Eigen::VectorXd ps(11);
    const auto check = [&](const auto& loss) {
        INFO(lossc::to_string(loss));
        const auto ref = lossc::evaluate(loss, t, p);
        lossc::compile(loss).forward_backward(te, pe, ps, g, {.reduction = lossc::reduction::sum});
        for (std::size_t i = 0; i < 11; ++i) {
            CHECK(ps(Eigen::Index(i)) == doctest::Approx(ref.per_sample[i]).epsilon(1e-12));
            for (std::size_t j = 0; j < 3; ++j)
                CHECK(g(Eigen::Index(i), Eigen::Index(j)) == doctest::Approx(ref.grad[i][j]).epsilon(1e-12));
        }
    };
    check(dice);
    check(class_dice);
    check(pearson);
    check(centred);
}

TEST_CASE("batch_loss: float against double, row- and column-major, strided, batch sizes around the pack") {
    // 6 columns: row-major blocks staged; 20: row-major rows walked along columns (a pack of
    // columns at a time, with SIMD); column-major: blocks read in place.
    const auto k = lossc::compile(pearson);
    for (Eigen::Index c : {6, 20})
        for (Eigen::Index n : {2, 15, 16, 17, 33, 64, 250, 600}) {
            CAPTURE(c);
            CAPTURE(n);
            lossc_test::layouts_agree(k, filled<MatR<double>>(n, c, 9, -1, 1), filled<MatR<double>>(n, c, 10, -1, 1));
        }
    // Rows walked along columns with sample weights, against central differences.
    const Eigen::VectorXd w = filled<Eigen::MatrixXd>(40, 1, 15, 0.1, 2).col(0);
    check_against_differences(lossc::compile(class_dice), filled<MatR<double>>(40, 19, 16, 0, 1),
                              filled<MatR<double>>(40, 19, 17, 0.05, 1),
                              {.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w});
    check_against_differences(lossc::compile(centred), filled<MatR<double>>(40, 19, 18, 0, 1),
                              filled<MatR<double>>(40, 19, 19, 0.05, 1), {.sample_weight = w});
}

TEST_CASE("batch_loss: a batch beyond the caches (512-bit packs walk its rows along columns)") {
    const auto k = lossc::compile(pearson);
    const MatR<double> t = filled<MatR<double>>(17000, 16, 20, -1, 1), p = filled<MatR<double>>(17000, 16, 21, -1, 1);
    const MatC<double> tc = t, pc = p;
    Eigen::VectorXd ps(17000), psc(17000);
    MatR<double> g(17000, 16);
    MatC<double> gc(17000, 16);
    CHECK(k.forward_backward(t, p, ps, g) == doctest::Approx(k.forward_backward(tc, pc, psc, gc)).epsilon(1e-12));
    CHECK((MatR<double>(gc) - g).cwiseAbs().maxCoeff() <= 1e-12 * g.cwiseAbs().maxCoeff());
    const MatR<float> tf = t.cast<float>(), pf = p.cast<float>();
    Eigen::VectorXf psf(17000);
    MatR<float> gf(17000, 16);
    k.forward_backward(tf, pf, psf, gf);
    CHECK((gf.cast<double>() - g).cwiseAbs().maxCoeff() <= 1e-4 * g.cwiseAbs().maxCoeff());
}

TEST_CASE("batch_loss: statistics of many columns (buffers beyond the stack)") {
    const MatR<double> t = filled<MatR<double>>(9, 700, 11, 0, 1), p = filled<MatR<double>>(9, 700, 12, 0.05, 1);
    Eigen::VectorXd ps(9);
    MatR<double> g(9, 700);
    const double r = lossc::compile(class_dice).forward_backward(t, p, ps, g);
    const Eigen::ArrayXd a = (t.array() * p.array()).colwise().sum(),
                         b = t.array().colwise().sum() + p.array().colwise().sum() + eps;
    CHECK(r == doctest::Approx(1 - (2 * a / b).mean()).epsilon(1e-13));
    CHECK(g(3, 5) == doctest::Approx(-2 * (t(3, 5) * b(5) - a(5)) / (b(5) * b(5)) / 700).epsilon(1e-12));
}

TEST_CASE("batch_loss: errors are thrown before anything is written") {
    const auto k = lossc::compile(dice);
    MatR<double> t = filled<MatR<double>>(8, 3, 13, 0, 1), p = filled<MatR<double>>(8, 3, 14, 0, 1), g(8, 3);
    Eigen::VectorXd ps = Eigen::VectorXd::Constant(8, 42.0);
    CHECK_THROWS_AS(k.forward(t, p, ps, {.global_batch_size = 64}), lossc::parameter_error);
    CHECK_THROWS_AS(k.forward(t, p, ps, {.global_weight_sum = 3.0}), lossc::parameter_error);
    MatR<double> narrow(8, 2);
    CHECK_THROWS_AS(k.forward(t, narrow, ps), lossc::shape_error);  // y_true * y_pred: 3 against 2 columns
    Eigen::VectorXd short_ps(7);
    CHECK_THROWS_AS(k.forward(t, p, short_ps), lossc::shape_error);
    CHECK_THROWS_AS(k.forward_backward(t, p, ps, p), lossc::shape_error);  // grad aliases y_pred
    CHECK((ps.array() == 42.0).all());
    MatR<double> none(0, 3);
    Eigen::VectorXd none_ps(0);
    CHECK(k.forward(none, none, none_ps) == 0.0);
}

TEST_CASE("batch_loss: formulas print as written") {
    CHECK(lossc::to_string(centred) == "batch_loss(sum<1>(square(y_pred - batch_mean(y_pred) - y_true)))");
}
