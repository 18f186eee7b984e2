// The shared gradient-check harness (after Stan Math's): for a loss and inputs it compares
//   * the kernel's per-sample values and gradient with the reference evaluator's, and
//   * the kernel's gradient with central finite differences of the kernel's own per-sample
//     values, in double, including that moving y_pred[i, j] changes no other sample's loss.
#pragma once
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <lossc/lossc.hpp>
#include <random>
#include <string>

namespace lossc_test {

template <std::size_t N, std::size_t C>
using rows_t = std::array<std::array<double, C>, N>;

template <std::size_t N, std::size_t C>
rows_t<N, C> random_rows(std::mt19937_64& rng, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    rows_t<N, C> r{};
    for (auto& row : r)
        for (auto& v : row) v = u(rng);
    return r;
}

template <std::size_t N, std::size_t C>
Eigen::MatrixXd to_eigen(const rows_t<N, C>& r) {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(C));
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < C; ++j) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = r[i][j];
    return m;
}

inline bool close(double a, double b, double rel, double abs_floor) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)) + abs_floor;
}

/// Central finite differences of a kernel's per-sample losses in y_pred(i, j), in double:
/// fills plus/minus with the per-sample losses at y_pred(i, j) ± h and returns the slope of L_i.
/// y_pred is restored before returning.
template <class K, class YT, class YP>
double central_difference(const K& k, const YT& yt, YP& yp, Eigen::Index i, Eigen::Index j, Eigen::VectorXd& plus,
                          Eigen::VectorXd& minus) {
    const double p0 = yp(i, j), h = 1e-6 * std::max(1.0, std::abs(p0));
    yp(i, j) = p0 + h;
    k.forward(yt, yp, plus);
    yp(i, j) = p0 - h;
    k.forward(yt, yp, minus);
    yp(i, j) = p0;
    return (plus(i) - minus(i)) / (2 * h);
}

/// Central difference of the reduced loss R (options o) in y_pred(i, j), in double: for
/// cross-sample losses, where moving one entry moves every sample's loss. y_pred is restored.
template <class K, class YT, class YP>
double total_difference(const K& k, const YT& yt, YP& yp, Eigen::Index i, Eigen::Index j, Eigen::VectorXd& ps,
                        const lossc::options& o) {
    const double p0 = yp(i, j), h = 1e-6 * std::max(1.0, std::abs(p0));
    yp(i, j) = p0 + h;
    const double up = k.forward(yt, yp, ps, o);
    yp(i, j) = p0 - h;
    const double down = k.forward(yt, yp, ps, o);
    yp(i, j) = p0;
    return (up - down) / (2 * h);
}

/// Checks one loss at one input; `what` names the case in failure messages.
template <class E, std::size_t N, std::size_t Ct, std::size_t Cp>
void check_gradient(const E& loss, const rows_t<N, Ct>& yt_rows, const rows_t<N, Cp>& yp_rows, const std::string& what,
                    double fd_tol = 1e-6) {
    INFO(what << ": " << lossc::to_string(loss) << "  grad: " << lossc::to_string(lossc::gradient(loss)));
    const auto k = lossc::compile(loss);
    const Eigen::MatrixXd yt = to_eigen(yt_rows);
    Eigen::MatrixXd yp = to_eigen(yp_rows);
    const auto n = static_cast<Eigen::Index>(N), cp = static_cast<Eigen::Index>(Cp);
    Eigen::VectorXd ps(n), ps_plus(n), ps_minus(n);
    Eigen::MatrixXd g(n, cp);
    k.forward_backward(yt, yp, ps, g, {.reduction = lossc::reduction::sum});

    // The kernel runs SIMD packets, the reference <cmath>: they agree to a few ulp, so terms that
    // cancel to 0 in one may leave 1e-16 in the other; hence an absolute floor at the row's scale.
    const auto ref = lossc::evaluate(loss, yt_rows, yp_rows);
    for (std::size_t i = 0; i < N; ++i) {
        const auto ii = static_cast<Eigen::Index>(i);
        const double floor = 1e-13 * (1 + std::abs(ref.per_sample[i]));
        CHECK_MESSAGE(close(ps(ii), ref.per_sample[i], 1e-12, floor), "value row " << i << ": kernel " << ps(ii)
                                                                              << " reference " << ref.per_sample[i]);
        for (std::size_t j = 0; j < Cp; ++j)
            CHECK_MESSAGE(close(g(ii, static_cast<Eigen::Index>(j)), ref.grad[i][j], 1e-12, floor),
                          "grad (" << i << ", " << j << "): kernel " << g(ii, static_cast<Eigen::Index>(j))
                                   << " reference " << ref.grad[i][j]);
    }

    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < cp; ++j) {
            const double fd = central_difference(k, yt, yp, i, j, ps_plus, ps_minus);
            CHECK_MESSAGE(close(g(i, j), fd, fd_tol, fd_tol * (1 + std::abs(ps(i)))),
                          "d L_" << i << " / d y_pred(" << i << ", " << j << "): derived " << g(i, j)
                                 << ", finite difference " << fd);
            for (Eigen::Index other = 0; other < n; ++other)
                if (other != i) {
                    CHECK_MESSAGE(ps_plus(other) == ps(other), "moving y_pred(" << i << ", " << j << ") changed L_" << other);
                }
        }
}

}  // namespace lossc_test
