// Checks shared by the tests of losses over the whole batch (batch_loss: tests/unit/batch_loss.cpp,
// tests/unit/pair_loss.cpp): random fills, the reduced loss's gradient against central
// differences, and one call's numbers in float and in every layout.
#pragma once
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <lossc/lossc.hpp>
#include <random>

#include "gradcheck.hpp"
#include "matrices.hpp"

namespace lossc_test {

/// An n × c matrix of uniform values in [lo, hi) from a seed.
template <class M> M filled(Eigen::Index n, Eigen::Index c, unsigned seed, double lo, double hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    M m(n, c);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < c; ++j) m(i, j) = static_cast<typename M::Scalar>(u(rng));
    return m;
}

/// dR/dy_pred against central differences of R (the reduced loss, sample weights and all):
/// moving one y_pred entry moves every sample's loss.
template <class K, class YT, class M>
void check_against_differences(const K& k, const YT& t, M p, const lossc::options& o, double tol = 1e-6) {
    Eigen::VectorXd ps(p.rows());
    M g(p.rows(), p.cols());
    const double r = k.forward_backward(t, p, ps, g, o);
    CHECK(std::isfinite(r));
    for (Eigen::Index i = 0; i < p.rows(); ++i)
        for (Eigen::Index j = 0; j < p.cols(); ++j) {
            const double fd = total_difference(k, t, p, i, j, ps, o);
            CHECK_MESSAGE(std::abs(g(i, j) - fd) <= tol * (1 + std::abs(fd)),
                          "dR/dy_pred(" << i << ", " << j << "): derived " << g(i, j) << ", finite difference " << fd);
        }
}

/// One call on row-major doubles against the same in float, column-major inputs and gradient,
/// strided columns and without per-sample outputs (lossc::discard).
template <class K> void layouts_agree(const K& k, const MatR<double>& t, const MatR<double>& p) {
    const Eigen::Index n = p.rows(), c = p.cols();
    Eigen::VectorXd ps(n);
    MatR<double> g(n, c);
    const double r = k.forward_backward(t, p, ps, g);
    const MatR<float> tf = t.cast<float>(), pf = p.cast<float>();
    Eigen::VectorXf psf(n);
    MatR<float> gf(n, c);
    const float rf = k.forward_backward(tf, pf, psf, gf);
    CHECK(rf == doctest::Approx(r).epsilon(1e-5));
    CHECK((gf.cast<double>() - g).cwiseAbs().maxCoeff() <= 1e-5 * (1 + g.cwiseAbs().maxCoeff()));
    const MatC<double> tc = t, pc = p;
    MatC<double> gc(n, c);
    Eigen::VectorXd psc(n);
    CHECK(k.forward_backward(tc, pc, psc, gc) == doctest::Approx(r).epsilon(1e-13));
    CHECK((MatR<double>(gc) - g).cwiseAbs().maxCoeff() <= 1e-13);
    MatR<double> wide(n, 2 * c);  // every other column of a wider matrix, values only
    for (Eigen::Index j = 0; j < c; ++j) wide.col(2 * j) = p.col(j);
    const lossc::matrix_view<const double> strided{wide.data(), n, c, 2 * c, 2};
    CHECK(k.forward(lossc::as_matrix(t), strided, psc) == doctest::Approx(r).epsilon(1e-13));
    CHECK(k.forward(t, p, lossc::discard) == doctest::Approx(r).epsilon(1e-13));
}

}  // namespace lossc_test
