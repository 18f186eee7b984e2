// Numerical edge cases, in every schedule: extreme and infinite logits, NaN confined to its own
// sample, all-equal rows, one-hot extremes, probabilities at exactly 0 and 1, a single column,
// a row of a million columns. The rule: where the mathematics gives a finite value, lossc gives
// it; a NaN input poisons its own sample and nothing else.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <limits>
#include <lossc/lossc.hpp>
#include <vector>

using namespace lossc::dsl;

namespace {
using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MC = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
constexpr auto cce = lossc::compile(-sum<1>(y_true * log(softmax<1>(y_pred))));
constexpr auto bce = lossc::compile(mean<1>(softplus(y_pred) - y_true * y_pred));
// Keras's probability-space BCE: clip to [eps, 1 - eps] in the working type.
constexpr auto bce_probs = lossc::compile(-mean<1>(y_true * log(clip(y_pred, 1e-7, 1.0 - 1e-7)) +
                                                   (1.0 - y_true) * log(1.0 - clip(y_pred, 1e-7, 1.0 - 1e-7))));
const lossc::schedule schedules[] = {lossc::schedule::scalar_rows, lossc::schedule::along_columns,
                                     lossc::schedule::across_rows, lossc::schedule::automatic};

/// Runs k on (t, p) in every schedule and both storage orders; calls check(per_sample, grad).
template <class K, class F> void every_schedule(const K& k, const M& t, const M& p, F&& check) {
    for (auto s : schedules)
        for (int layout = 0; layout < 2; ++layout) {
            CAPTURE(int(s));
            CAPTURE(layout);
            Eigen::VectorXf ps(p.rows());
            M g(p.rows(), p.cols());
            if (layout == 0)
                k.forward_backward(t, p, ps, g, {.reduction = lossc::reduction::sum, .schedule = s});
            else {
                MC gc(p.rows(), p.cols());
                k.forward_backward(MC(t), MC(p), ps, gc, {.reduction = lossc::reduction::sum, .schedule = s});
                g = gc;
            }
            check(ps, g);
        }
}
}  // namespace

TEST_CASE("cross-entropy with logits of ±1e4 and all-equal rows") {
    M t = M::Zero(40, 17), p = M::Zero(40, 17);
    for (int i = 0; i < 40; ++i) {
        t(i, i % 17) = 1;
        p(i, i % 17) = (i % 2) ? 1e4f : -1e4f;  // target logit far above or far below the rest
    }
    every_schedule(cce, t, p, [](const Eigen::VectorXf& ps, const M& g) {
        for (int i = 0; i < 40; ++i) {
            if (i % 2) {
                CHECK(ps(i) == 0.f);
                CHECK(g.row(i).cwiseAbs().maxCoeff() == 0.f);
            } else {
                CHECK(ps(i) == doctest::Approx(1e4f + std::log(16.f)).epsilon(1e-6));
                CHECK(g(i, i % 17) == doctest::Approx(-1.f));
                CHECK(std::isfinite(g.row(i).sum()));
            }
        }
    });
    // All-equal rows: loss log C, gradient 1/C − t.
    const M equal = M::Constant(40, 17, 3.5f);
    every_schedule(cce, t, equal, [&](const Eigen::VectorXf& ps, const M& g) {
        for (int i = 0; i < 40; ++i) {
            CHECK(ps(i) == doctest::Approx(std::log(17.f)).epsilon(1e-6));
            for (int j = 0; j < 17; ++j) CHECK(g(i, j) == doctest::Approx(1.f / 17 - t(i, j)).epsilon(1e-5));
        }
    });
}

TEST_CASE("log_softmax keeps log Σ when the logits are huge (tied at 1e30)") {
    // x − logsumexp(x) rounded as written lost log Σ to the shift: tied logits at 1e30 gave a
    // loss of 0 instead of log C. log(softmax(x)) is rewritten to it, so both forms are checked.
    constexpr auto via_log_softmax = lossc::compile(-sum<1>(y_true * log_softmax<1>(y_pred)));
    for (int cols : {3, 10, 33, 1000}) {
        CAPTURE(cols);
        M t = M::Zero(20, cols);
        t.col(0).setOnes();
        const M p = M::Constant(20, cols, 1e30f);
        const auto check = [&](const Eigen::VectorXf& ps, const M& g) {
            for (int i = 0; i < 20; ++i) {
                CHECK(ps(i) == doctest::Approx(std::log(float(cols))).epsilon(1e-6));
                CHECK(g(i, 1) == doctest::Approx(1.f / float(cols)).epsilon(1e-5));
            }
        };
        every_schedule(cce, t, p, check);
        every_schedule(via_log_softmax, t, p, check);
    }
    constexpr std::array<std::array<double, 3>, 1> t{{{1, 0, 0}}}, p{{{1e300, 1e300, 1e300}}};
    static_assert(lossc::evaluate(-sum<1>(y_true * log(softmax<1>(y_pred))), t, p).per_sample[0] > 1.098 &&
                  lossc::evaluate(-sum<1>(y_true * log(softmax<1>(y_pred))), t, p).per_sample[0] < 1.099);
}

TEST_CASE("a NaN or an infinity poisons its own sample only") {
    M t = M::Zero(40, 20), p = M::Random(40, 20);
    for (int i = 0; i < 40; ++i) t(i, (i * 3) % 20) = 1;
    p(5, 7) = std::numeric_limits<float>::quiet_NaN();
    p(21, 0) = std::numeric_limits<float>::infinity();
    p(30, 19) = -std::numeric_limits<float>::infinity();
    every_schedule(cce, t, p, [&](const Eigen::VectorXf& ps, const M& g) {
        for (int i = 0; i < 40; ++i) {
            CAPTURE(i);
            // Rows 5 (NaN) and 21 (+inf) are NaN; row 30's −inf logit meets a label 0 in
            // Σ t·log_softmax: 0·(−inf) is NaN, as in Keras (TF and JAX alike).
            if (i == 5 || i == 21 || i == 30)
                CHECK(std::isnan(ps(i)));
            else {
                CHECK(std::isfinite(ps(i)));
                CHECK(g.row(i).allFinite());
            }
        }
    });
    every_schedule(bce, t, p, [&](const Eigen::VectorXf& ps, const M&) {
        for (int i = 0; i < 40; ++i)
            if (i != 5 && i != 21 && i != 30) CHECK(std::isfinite(ps(i)));
        CHECK(std::isnan(ps(5)));
    });
}

TEST_CASE("BCE from saturated logits and with probabilities at exactly 0 and 1") {
    M t(32, 3), p(32, 3);
    for (int i = 0; i < 32; ++i)
        for (int j = 0; j < 3; ++j) {
            t(i, j) = float((i + j) % 2);
            p(i, j) = (i % 3 == 0) ? 1e4f : (i % 3 == 1 ? -1e4f : 0.f);
        }
    every_schedule(bce, t, p, [&](const Eigen::VectorXf& ps, const M& g) {
        CHECK(ps.allFinite());
        CHECK(g.allFinite());
        for (int i = 0; i < 32; ++i)
            for (int j = 0; j < 3; ++j) {
                const float x = p(i, j), y = t(i, j);
                const float expected = std::max(x, 0.f) - x * y + std::log1p(std::exp(-std::abs(x)));
                (void)expected;
                const float sig = x > 0 ? 1.f / (1.f + std::exp(-x)) : std::exp(x) / (1.f + std::exp(x));
                CHECK(g(i, j) == doctest::Approx((sig - y) / 3).epsilon(1e-5).scale(1e-7));
            }
    });
    // Probabilities at exactly 0 and 1: clipped in float32 to [1e-7, 1 − 2^-23], so finite.
    M probs(32, 2);
    for (int i = 0; i < 32; ++i) probs(i, 0) = 0.f, probs(i, 1) = 1.f;
    M labels = M::Zero(32, 2);
    labels.col(0).setOnes();  // t = 1 at p = 0 and t = 0 at p = 1: the largest clipped terms
    every_schedule(bce_probs, labels, probs, [&](const Eigen::VectorXf& ps, const M& g) {
        for (int i = 0; i < 32; ++i) {
            // (−log(1e-7) − log(2^-23)) / 2 = (16.118095 + 15.942385) / 2 in float32
            CHECK(ps(i) == doctest::Approx((16.118095f + 15.942385f) / 2).epsilon(1e-5));
            CHECK(g(i, 0) == 0.f);  // outside the clip range: no gradient
            CHECK(g(i, 1) == 0.f);
        }
    });
}

TEST_CASE("single column and a row of a million columns") {
    const M t1 = M::Ones(19, 1), p1 = M::Random(19, 1);
    every_schedule(cce, t1, p1, [](const Eigen::VectorXf& ps, const M& g) {
        CHECK(ps.cwiseAbs().maxCoeff() == 0.f);  // log_softmax of one column is 0
        CHECK(g.cwiseAbs().maxCoeff() == 0.f);
    });
    const Eigen::Index c = 1000000;
    M t = M::Zero(2, c), p(2, c);
    for (Eigen::Index j = 0; j < c; ++j) p(0, j) = float(j % 1000) / 100.f, p(1, j) = -float(j % 777) / 50.f;
    t(0, 123456) = 1;
    t(1, 999999) = 1;
    Eigen::VectorXf ps(2);
    M g(2, c);
    cce.forward_backward(t, p, ps, g, {.reduction = lossc::reduction::sum});
    for (int i = 0; i < 2; ++i) {  // reference in double
        double m = -1e300, s = 0;
        for (Eigen::Index j = 0; j < c; ++j) m = std::max(m, double(p(i, j)));
        for (Eigen::Index j = 0; j < c; ++j) s += std::exp(double(p(i, j)) - m);
        const Eigen::Index target = i == 0 ? 123456 : 999999;
        const double loss = m + std::log(s) - double(p(i, target));
        CHECK(ps(i) == doctest::Approx(loss).epsilon(4e-6));  // blocked sums: float rounding stays small
        CHECK(g(i, target) == doctest::Approx(std::exp(double(p(i, target)) - m) / s - 1).epsilon(1e-5));
        CHECK(g.row(i).cast<double>().sum() == doctest::Approx(0.0).scale(1.0).epsilon(1e-5));  // Σ softmax − 1
    }
}

TEST_CASE("a row's results do not depend on the other rows of its SIMD block") {
    // Found by the fuzzer: an infinity in one row sent a whole pack of exp through its careful
    // path, which rounded other lanes differently; a tie in max<1>(tanh(y_pred)) in another row
    // then broke, and that row's gradient changed. Every lane must compute the same thing alone.
    constexpr auto k = lossc::compile(max<1>(tanh(y_pred)) + logsumexp<1>(y_pred) - min<1>(y_pred * y_true));
    M t = M::Zero(16, 4), p_benign = M::Zero(16, 4);
    for (int i = 0; i < 16; ++i) t(i, 0) = 0.25f, p_benign.row(i).setConstant(0.5f + 0.0625f * float(i));
    p_benign.row(3).setConstant(1.62352943f);  // a four-way tie
    M p_extreme = p_benign;
    p_extreme(1, 0) = std::numeric_limits<float>::infinity();
    p_extreme(10, 2) = std::numeric_limits<float>::quiet_NaN();
    p_extreme(12, 3) = 1e4f;
    for (auto s : schedules) {
        CAPTURE(int(s));
        Eigen::VectorXf a(16), b(16);
        M ga(16, 4), gb(16, 4);
        k.forward_backward(t, p_benign, a, ga, {.schedule = s});
        k.forward_backward(t, p_extreme, b, gb, {.schedule = s});
        CHECK(a(3) == b(3));
        CHECK(ga.row(3) == gb.row(3));
        CHECK(ga(3, 0) == ga(3, 1));  // the tie shares the gradient
    }
}
