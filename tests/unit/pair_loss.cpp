// Losses over pairs of samples (pair_sum … inside batch_loss, lower/pair_kernel.hpp): InfoNCE,
// supervised contrastive, batch-hard triplet and a Gram-matching loss against loops written out
// by hand; the gradient of the reduced loss against central differences in double (each y_pred
// row moves every sample's loss through the pairs), every reduction with sample weights; kernel
// against the constexpr reference; float against double; layouts; discard; errors.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <lossc/lossc.hpp>
#include <random>
#include <vector>

#include "gradcheck.hpp"
#include "matrices.hpp"
#include "whole_batch.hpp"

using namespace lossc::dsl;
using lossc_test::check_against_differences;
using lossc_test::filled;
using lossc_test::MatC;
using lossc_test::MatR;

namespace {

constexpr double tau = 0.5;
/// InfoNCE with in-batch negatives: y_true holds the keys, y_pred the queries;
/// ℓ_i = log Σ_j exp(p_i·t_j / τ) − p_i·t_i / τ.
constexpr auto info_nce =
    batch_loss(pair_logsumexp(sum<1>(y_pred * other(y_true)) / tau) - sum<1>(y_pred * y_true) / tau);
/// Supervised contrastive (Khosla et al.): class ids in y_true's first column; the anchor itself
/// leaves the denominator, positives are the other samples of its class.
constexpr auto sim = sum<1>(y_pred * other(y_pred)) / tau;
constexpr auto positive = equal(col<0>(y_true), other(col<0>(y_true))) * (1.0 - same_sample);
constexpr auto supcon = batch_loss(pair_logsumexp(where(same_sample, -1e30, sim)) -
                                   pair_sum(positive * sim) / maximum(pair_sum(positive), 1.0));
/// Batch-hard triplet (Hermans et al.): the farthest positive against the closest negative.
constexpr auto dist = sqrt(sum<1>(square(y_pred - other(y_pred))) + 1e-9);
constexpr auto same_class = equal(col<0>(y_true), other(col<0>(y_true)));
constexpr auto triplet =
    batch_loss(maximum(pair_max(where(same_class, dist, 0.0)) - pair_min(where(same_class, 1e30, dist)) + 0.3, 0.0));
/// The hardest negative against the easiest positive by similarity: a max and a min whose
/// operands hold no row statistics (their gradient terms are gathered pair by pair).
constexpr auto hard_negative =
    batch_loss(softplus(pair_max(where(same_class, -1e30, sim)) - pair_min(where(same_class, sim, 1e30))));
/// Batch-hard triplet as often written, no epsilon under the root: d(i, i) = 0 has no derivative,
/// but a max or min gives that pair no weight, so no NaN reaches the gradient.
constexpr auto bare_dist = sqrt(sum<1>(square(y_pred - other(y_pred))));
constexpr auto bare_triplet = batch_loss(
    maximum(pair_max(where(same_class, bare_dist, 0.0)) - pair_min(where(same_class, 1e30, bare_dist)) + 0.3, 0.0));
/// The Gram matrix of y_pred against y_true's (a mean over pairs; gradient through both samples).
constexpr auto gram = batch_loss(pair_mean(square(sum<1>(y_pred * other(y_pred)) - sum<1>(y_true * other(y_true)))));

static_assert(lossc::depends_on_y_pred<decltype(info_nce)> && lossc::output_rank<decltype(info_nce)> == 1);
static_assert(lossc::reduces_batch_axis<decltype(supcon)>);
constexpr auto triplet_kernel = lossc::compile(triplet);
static_assert(std::is_trivially_copyable_v<decltype(triplet_kernel)>);
static_assert(decltype(triplet_kernel)::passes(false) == 1 && decltype(triplet_kernel)::passes(true) == 2);

// The reference at compile time: Σ_j over pairs of 2 samples, by hand.
constexpr std::array<std::array<double, 2>, 2> t2{{{1, 0}, {0, 1}}};
constexpr std::array<std::array<double, 2>, 2> p2{{{0.5, 0.25}, {0.25, 1}}};
// ℓ_0 = log(exp(0.5/τ) + exp(0.25/τ)) − 0.5/τ = log(1 + e^(−0.5)).
constexpr double nce0 = lossc::evaluate(info_nce, t2, p2).per_sample[0] - 0.47407698418010669;
static_assert(nce0 < 1e-12 && nce0 > -1e-12);

/// Class ids 0 … classes−1 in a one-column matrix.
MatR<double> labels_of(Eigen::Index n, int classes) {
    MatR<double> t(n, 1);
    for (Eigen::Index i = 0; i < n; ++i) t(i, 0) = static_cast<double>((i * 7 + 3) % classes);
    return t;
}

// ---- the losses written out by hand ------------------------------------------------------------
double lse(const std::vector<double>& x) {
    const double m = *std::max_element(x.begin(), x.end());
    double s = 0;
    for (double v : x) s += std::exp(v - m);
    return m + std::log(s);
}
Eigen::VectorXd info_nce_by_hand(const MatR<double>& t, const MatR<double>& p) {
    const Eigen::Index n = p.rows();
    Eigen::VectorXd l(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        std::vector<double> s;
        for (Eigen::Index j = 0; j < n; ++j) s.push_back(p.row(i).dot(t.row(j)) / tau);
        l(i) = lse(s) - p.row(i).dot(t.row(i)) / tau;
    }
    return l;
}
Eigen::VectorXd supcon_by_hand(const MatR<double>& t, const MatR<double>& p) {
    const Eigen::Index n = p.rows();
    Eigen::VectorXd l(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        std::vector<double> others;
        double pos_sum = 0, pos_count = 0;
        for (Eigen::Index j = 0; j < n; ++j) {
            const double s = p.row(i).dot(p.row(j)) / tau;
            others.push_back(j == i ? -1e30 : s);
            if (j != i && t(j, 0) == t(i, 0)) pos_sum += s, pos_count += 1;
        }
        l(i) = lse(others) - pos_sum / std::max(pos_count, 1.0);
    }
    return l;
}
Eigen::VectorXd triplet_by_hand(const MatR<double>& t, const MatR<double>& p) {
    const Eigen::Index n = p.rows();
    Eigen::VectorXd l(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        double far = 0, near = 1e30;
        for (Eigen::Index j = 0; j < n; ++j) {
            const double d = std::sqrt((p.row(i) - p.row(j)).squaredNorm() + 1e-9);
            if (t(j, 0) == t(i, 0))
                far = std::max(far, d);
            else
                near = std::min(near, d);
        }
        l(i) = std::max(far - near + 0.3, 0.0);
    }
    return l;
}
Eigen::VectorXd gram_by_hand(const MatR<double>& t, const MatR<double>& p) {
    const MatR<double> d = p * p.transpose() - t * t.transpose();
    return d.array().square().rowwise().mean();
}

}  // namespace

TEST_CASE("pair losses: values equal the loops written out, per sample and reduced") {
    for (Eigen::Index n : {1, 2, 5, 16, 17, 40})
        for (Eigen::Index c : {3, 16, 37}) {
            CAPTURE(n);
            CAPTURE(c);
            const MatR<double> t = filled<MatR<double>>(n, c, 1, -1, 1), p = filled<MatR<double>>(n, c, 2, -1, 1);
            const MatR<double> labels = labels_of(n, 3);
            Eigen::VectorXd ps(n);
            const auto same = [&](const Eigen::VectorXd& expected, double r) {
                for (Eigen::Index i = 0; i < n; ++i) CHECK(ps(i) == doctest::Approx(expected(i)).epsilon(1e-12));
                CHECK(r == doctest::Approx(expected.mean()).epsilon(1e-12));
            };
            same(info_nce_by_hand(t, p), lossc::compile(info_nce).forward(t, p, ps));
            same(supcon_by_hand(labels, p), lossc::compile(supcon).forward(labels, p, ps));
            same(triplet_by_hand(labels, p), lossc::compile(triplet).forward(labels, p, ps));
            same(gram_by_hand(t, p), lossc::compile(gram).forward(t, p, ps));
        }
}

TEST_CASE("pair losses: gradients against central differences, every reduction, with sample weights") {
    const MatR<double> t = filled<MatR<double>>(11, 5, 3, -1, 1), p = filled<MatR<double>>(11, 5, 4, -1, 1);
    const MatR<double> labels = labels_of(11, 3);
    const Eigen::VectorXd w = filled<Eigen::MatrixXd>(11, 1, 5, 0.1, 2).col(0);
    for (auto red :
         {lossc::reduction::sum, lossc::reduction::sum_over_batch_size, lossc::reduction::mean_with_sample_weight}) {
        CAPTURE(static_cast<int>(red));
        for (bool weighted : {false, true}) {
            lossc::options o{.reduction = red};
            if (weighted) o.sample_weight = w;
            check_against_differences(lossc::compile(info_nce), t, p, o);
            check_against_differences(lossc::compile(supcon), labels, p, o);
            check_against_differences(lossc::compile(triplet), labels, p, o);
            check_against_differences(lossc::compile(gram), t, p, o);
            check_against_differences(lossc::compile(hard_negative), labels, p, o);
            check_against_differences(lossc::compile(bare_triplet), labels, p, o);
        }
    }
    // A batch that is no multiple of the blocks' samples or lanes.
    const MatR<double> t37 = filled<MatR<double>>(37, 5, 24, -1, 1), p37 = filled<MatR<double>>(37, 5, 25, -1, 1);
    const MatR<double> l37 = labels_of(37, 5);
    check_against_differences(lossc::compile(info_nce), t37, p37, {});
    check_against_differences(lossc::compile(supcon), l37, p37, {});
    check_against_differences(lossc::compile(triplet), l37, p37, {});
    check_against_differences(lossc::compile(gram), t37, p37, {});
    check_against_differences(lossc::compile(hard_negative), l37, p37, {});
    // One sample: every pair is the sample with itself.
    check_against_differences(lossc::compile(gram), MatR<double>(t.topRows(1)), MatR<double>(p.topRows(1)), {});
    check_against_differences(lossc::compile(info_nce), MatR<double>(t.topRows(1)), MatR<double>(p.topRows(1)), {});
}

TEST_CASE("pair losses: kernel against the constexpr reference, values and gradient") {
    std::array<std::array<double, 4>, 9> t{}, p{};
    std::array<std::array<double, 1>, 9> labels{};
    for (std::size_t i = 0; i < 9; ++i) {
        labels[i][0] = static_cast<double>(i % 3);
        for (std::size_t j = 0; j < 4; ++j)
            t[i][j] = std::sin(3.1 * double(i) + double(j)), p[i][j] = std::cos(1.7 * double(i) + 0.3 * double(j));
    }
    MatR<double> te(9, 4), pe(9, 4), le(9, 1), g(9, 4);
    for (Eigen::Index i = 0; i < 9; ++i) {
        le(i, 0) = labels[std::size_t(i)][0];
        for (Eigen::Index j = 0; j < 4; ++j)
            te(i, j) = t[std::size_t(i)][std::size_t(j)], pe(i, j) = p[std::size_t(i)][std::size_t(j)];
    }
    Eigen::VectorXd ps(9);
    const auto check = [&](const auto& loss, const auto& ref_true, const MatR<double>& true_e) {
        INFO(lossc::to_string(loss));
        const auto ref = lossc::evaluate(loss, ref_true, p);
        lossc::compile(loss).forward_backward(true_e, pe, ps, g, {.reduction = lossc::reduction::sum});
        for (std::size_t i = 0; i < 9; ++i) {
            CHECK(ps(Eigen::Index(i)) == doctest::Approx(ref.per_sample[i]).epsilon(1e-12));
            for (std::size_t j = 0; j < 4; ++j)
                CHECK(g(Eigen::Index(i), Eigen::Index(j)) == doctest::Approx(ref.grad[i][j]).epsilon(1e-12));
        }
    };
    check(info_nce, t, te);
    check(gram, t, te);
    check(supcon, labels, le);
    check(triplet, labels, le);
    check(hard_negative, labels, le);
    check(bare_triplet, labels, le);
    // Every pair of a sample tied (y_true's rows equal): a max shares its gradient among all N,
    // more pairs than a gather holds at once.
    constexpr auto tied_max = batch_loss(pair_max(sum<1>(y_pred * other(y_true))) + 0.5 * sum<1>(square(y_pred)));
    std::array<std::array<double, 4>, 9> same_rows{};
    for (auto& row : same_rows) row = {0.5, -1.0, 0.25, 2.0};
    MatR<double> se(9, 4);
    for (Eigen::Index i = 0; i < 9; ++i)
        for (Eigen::Index j = 0; j < 4; ++j) se(i, j) = same_rows[std::size_t(i)][std::size_t(j)];
    check(tied_max, same_rows, se);
}

TEST_CASE("pair losses: float against double, row- and column-major, strided, discard") {
    const auto k = lossc::compile(supcon);
    for (Eigen::Index c : {3, 8, 16, 37})
        for (Eigen::Index n : {2, 15, 16, 17, 64}) {
            CAPTURE(c);
            CAPTURE(n);
            lossc_test::layouts_agree(k, labels_of(n, 4), filled<MatR<double>>(n, c, 10, -1, 1));
        }
}

TEST_CASE("pair losses: a y_true of one column against many (broadcast) takes the lone-column walk") {
    // y_pred − other(y_true) broadcasts y_true's one column: the walk then reads a column at a time.
    constexpr auto spread = batch_loss(pair_mean(sum<1>(square(y_pred - other(y_true)))));
    const MatR<double> t = filled<MatR<double>>(13, 1, 22, -1, 1), p = filled<MatR<double>>(13, 6, 23, -1, 1);
    Eigen::VectorXd ps(13);
    lossc::compile(spread).forward(t, p, ps);
    for (Eigen::Index i = 0; i < 13; ++i) {
        double s = 0;
        for (Eigen::Index j = 0; j < 13; ++j) s += (p.row(i).array() - t(j, 0)).square().sum();
        CHECK(ps(i) == doctest::Approx(s / 13).epsilon(1e-12));
    }
    check_against_differences(lossc::compile(spread), t, p, {});
}

TEST_CASE("pair losses: errors are thrown before anything is written") {
    const auto k = lossc::compile(info_nce);
    MatR<double> t = filled<MatR<double>>(8, 3, 13, 0, 1), p = filled<MatR<double>>(8, 3, 14, 0, 1), g(8, 3);
    Eigen::VectorXd ps = Eigen::VectorXd::Constant(8, 42.0);
    CHECK_THROWS_AS(k.forward(t, p, ps, {.global_batch_size = 64}), lossc::parameter_error);
    MatR<double> narrow(8, 2);
    CHECK_THROWS_AS(k.forward(t, narrow, ps), lossc::shape_error);  // y_pred * other(y_true): 2 against 3
    Eigen::VectorXd short_ps(7);
    CHECK_THROWS_AS(k.forward(t, p, short_ps), lossc::shape_error);
    CHECK_THROWS_AS(k.forward_backward(t, p, ps, p), lossc::shape_error);  // grad aliases y_pred
    CHECK((ps.array() == 42.0).all());
    MatR<double> none(0, 3);
    Eigen::VectorXd none_ps(0);
    CHECK(k.forward(none, none, none_ps) == 0.0);
}

TEST_CASE("pair losses: formulas print as written") {
    CHECK(lossc::to_string(info_nce) ==
          "batch_loss(pair_logsumexp(sum<1>(y_pred * other(y_true)) / 0.5) - sum<1>(y_pred * y_true) / 0.5)");
}
