// Differential checks of one loss (tests/random/): the fused kernel in every schedule and both
// storage orders against the scalar-rows schedule and the constexpr reference evaluator; the
// gradient against central finite differences in double; float against double. The worst
// disagreement is stated in epsilons of the type, relative to max(|a|, |b|, 1).
#pragma once
#include <doctest/doctest.h>

#include "gradcheck.hpp"

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <lossc/lossc.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace lossc_test {

/// Bound for kernel-vs-scalar and kernel-vs-reference disagreement, in epsilons.
inline constexpr double differential_bound_eps = 1024;

template <class T> using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T> double eps_apart(T a, T b) {
    if (std::isnan(a) || std::isnan(b)) return (std::isnan(a) && std::isnan(b)) ? 0.0 : 1e300;
    if (a == b) return 0;
    const double scale = std::max({std::abs(double(a)), std::abs(double(b)), 1.0});
    return std::abs(double(a) - double(b)) / (scale * std::numeric_limits<T>::epsilon());
}

template <class T, class E> double schedules_agree(const E& loss, const RowMajor<T>& t, const RowMajor<T>& p) {
    const auto k = lossc::compile(loss);
    const Eigen::Index n = p.rows(), c = p.cols();
    Eigen::Matrix<T, Eigen::Dynamic, 1> ps_ref(n), ps(n);
    RowMajor<T> g_ref(n, c), g(n, c);
    k.forward_backward(t, p, ps_ref, g_ref,
                       {.reduction = lossc::reduction::sum, .schedule = lossc::schedule::scalar_rows});
    const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> tc = t, pc = p;
    double worst = 0;
    for (auto s : {lossc::schedule::automatic, lossc::schedule::along_columns, lossc::schedule::across_rows})
        for (int layout = 0; layout < 2; ++layout) {
            if (layout == 0)
                k.forward_backward(t, p, ps, g, {.reduction = lossc::reduction::sum, .schedule = s});
            else {
                Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> gc(n, c);
                k.forward_backward(tc, pc, ps, gc, {.reduction = lossc::reduction::sum, .schedule = s});
                g = gc;
            }
            for (Eigen::Index i = 0; i < n; ++i) {
                worst = std::max(worst, eps_apart(ps(i), ps_ref(i)));
                for (Eigen::Index j = 0; j < c; ++j) worst = std::max(worst, eps_apart(g(i, j), g_ref(i, j)));
            }
        }
    return worst;
}

/// Fills t and p (3 × 5) from rng and checks the kernel's per-sample values and gradient of Σ L_i
/// against lossc::evaluate's; leaves the kernel's in ps and g.
template <class E, class K, class Rng> void against_reference(const E& loss, const K& k, Rng& rng, RowMajor<double>& t,
                                                              RowMajor<double>& p, Eigen::VectorXd& ps,
                                                              RowMajor<double>& g) {
    std::uniform_real_distribution<double> u(-1.5, 1.5);
    std::array<std::array<double, 5>, 3> ta{}, pa{};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j) t(i, j) = ta[i][j] = u(rng), p(i, j) = pa[i][j] = u(rng);
    const auto ref = lossc::evaluate(loss, ta, pa);
    k.forward_backward(t, p, ps, g, {.reduction = lossc::reduction::sum});
    for (int i = 0; i < 3; ++i) {
        CHECK_MESSAGE(eps_apart(ps(i), ref.per_sample[i]) <= differential_bound_eps, "value vs reference, row " << i);
        for (int j = 0; j < 5; ++j)
            CHECK_MESSAGE(eps_apart(g(i, j), ref.grad[i][j]) <= differential_bound_eps,
                          "gradient vs reference (" << i << ", " << j << ")");
    }
}

template <class E> void differential(const E& loss, unsigned seed) {
    const std::string text = lossc::to_string(loss);
    INFO("loss: " << text);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1.5, 1.5);
    auto random = [&](Eigen::Index n, Eigen::Index c) {
        RowMajor<double> m(n, c);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < c; ++j) m(i, j) = u(rng);
        return m;
    };
    const auto k = lossc::compile(loss);

    // 1. Schedules and storage orders agree, float and double, batch sizes around the packs.
    //    Built with LOSSC_TEST_WIDE_SHAPES (the -march=native copy), two wider shapes for blocks
    //    only they reach: (130, 20) column-major runs groups of packs (AVX-512: 128 float / 64
    //    double rows, then single packs), (40, 70) row-major walks along columns by default. (In
    //    the default build they quadrupled the suite's time: 4.5 → 16 s at -O0.)
    std::vector<std::pair<Eigen::Index, Eigen::Index>> shapes;
    for (Eigen::Index n : {1, 17, 33})
        for (Eigen::Index c : {4, 7, 20}) shapes.emplace_back(n, c);
#ifdef LOSSC_TEST_WIDE_SHAPES
    shapes.emplace_back(130, 20);
    shapes.emplace_back(40, 70);
#endif
    for (const auto& shape : shapes) {
        const Eigen::Index n = shape.first, c = shape.second;  // named, not bound: doctest's messages capture them
        const RowMajor<double> t = random(n, c), p = random(n, c);
        const double wd = schedules_agree<double>(loss, t, p);
        const double wf =
            schedules_agree<float>(loss, RowMajor<float>(t.cast<float>()), RowMajor<float>(p.cast<float>()));
        CHECK_MESSAGE(wd <= differential_bound_eps,
                      "double schedules, shape (" << n << ", " << c << "): " << wd << " eps");
        CHECK_MESSAGE(wf <= differential_bound_eps,
                      "float schedules, shape (" << n << ", " << c << "): " << wf << " eps");
    }

    // 2. The kernel against the constexpr reference evaluator (run here at run time).
    RowMajor<double> t(3, 5), p(3, 5);
    Eigen::VectorXd ps(3), ps_plus(3), ps_minus(3);
    RowMajor<double> g(3, 5);
    against_reference(loss, k, rng, t, p, ps, g);

    // 3. The gradient against central finite differences in double. stop_gradient makes the
    //    derivative differ from the function's slope on purpose: those losses skip this check.
    if (text.find("stop_gradient") == std::string::npos)
        for (Eigen::Index i = 0; i < 3; ++i)
            for (Eigen::Index j = 0; j < 5; ++j) {
                const double fd = central_difference(k, t, p, i, j, ps_plus, ps_minus);
                CHECK_MESSAGE(std::abs(g(i, j) - fd) <= 1e-5 * (1 + std::abs(g(i, j)) + std::abs(ps(i))),
                              "d L_" << i << " / d y_pred(" << i << ", " << j << "): derived " << g(i, j)
                                     << ", finite difference " << fd);
            }

    // 4. float against double.
    Eigen::VectorXf psf(3);
    RowMajor<float> gf(3, 5);
    k.forward_backward(RowMajor<float>(t.cast<float>()), RowMajor<float>(p.cast<float>()), psf, gf,
                       {.reduction = lossc::reduction::sum});
    for (int i = 0; i < 3; ++i) {
        CHECK_MESSAGE(std::abs(double(psf(i)) - ps(i)) <= 1e-4 * (1 + std::abs(ps(i))), "float value row " << i);
        for (int j = 0; j < 5; ++j)
            CHECK_MESSAGE(std::abs(double(gf(i, j)) - g(i, j)) <= 1e-3 * (1 + std::abs(g(i, j))),
                          "float gradient (" << i << ", " << j << ")");
    }
}

/// The same for a cross-sample loss (batch_loss), whose gradient moves every sample's loss: the
/// kernel against the reference (values straight from the formula), dR/dy_pred against central
/// differences of R (reduction sum, and sum_over_batch_size with sample weights), float against
/// double, row- against column-major, batch sizes around the packs.
template <class E> void batch_differential(const E& loss, unsigned seed) {
    INFO("loss: " << lossc::to_string(loss));
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1.5, 1.5);
    const auto k = lossc::compile(loss);

    RowMajor<double> t(3, 5), p(3, 5);
    Eigen::VectorXd ps(3);
    RowMajor<double> g(3, 5);
    against_reference(loss, k, rng, t, p, ps, g);
    const Eigen::VectorXd w = Eigen::VectorXd::LinSpaced(3, 0.5, 2.0);
    // stop_gradient makes the derivative differ from the slope on purpose: no differences then.
    const bool slope_is_derivative = lossc::to_string(loss).find("stop_gradient") == std::string::npos;
    for (const lossc::options& o :
         {lossc::options{.reduction = lossc::reduction::sum},
          lossc::options{.reduction = lossc::reduction::sum_over_batch_size, .sample_weight = w}}) {
        const double r = k.forward_backward(t, p, ps, g, o);
        if (!slope_is_derivative || !std::isfinite(r)) continue;
        for (Eigen::Index i = 0; i < 3; ++i)
            for (Eigen::Index j = 0; j < 5; ++j) {
                const double fd = total_difference(k, t, p, i, j, ps, o);
                CHECK_MESSAGE(
                    std::abs(g(i, j) - fd) <= 1e-5 * (1 + std::abs(g(i, j)) + std::abs(r)),
                    "dR / d y_pred(" << i << ", " << j << "): derived " << g(i, j) << ", finite difference " << fd);
            }
    }
    for (Eigen::Index n : {1, 17, 33}) {
        RowMajor<double> tn(n, 7), pn(n, 7), gn(n, 7);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < 7; ++j) tn(i, j) = u(rng), pn(i, j) = u(rng);
        Eigen::VectorXd psn(n), psc(n);
        const double r = k.forward_backward(tn, pn, psn, gn, {.reduction = lossc::reduction::sum});
        const Eigen::MatrixXd tc = tn, pc = pn;
        Eigen::MatrixXd gc(n, 7);
        const double rc = k.forward_backward(tc, pc, psc, gc, {.reduction = lossc::reduction::sum});
        CHECK_MESSAGE(eps_apart(r, rc) <= differential_bound_eps, "column-major, " << n << " rows");
        CHECK_MESSAGE((RowMajor<double>(gc) - gn).cwiseAbs().maxCoeff() <= 1e-12 * (1 + gn.cwiseAbs().maxCoeff()),
                      "column-major gradient");
        Eigen::VectorXf psf(n);
        RowMajor<float> gf(n, 7);
        const float rf = k.forward_backward(RowMajor<float>(tn.cast<float>()), RowMajor<float>(pn.cast<float>()), psf,
                                            gf, {.reduction = lossc::reduction::sum});
        CHECK_MESSAGE(std::abs(double(rf) - r) <= 1e-3 * (1 + std::abs(r)),
                      "float, " << n << " rows: " << rf << " vs " << r);
    }
}

}  // namespace lossc_test
