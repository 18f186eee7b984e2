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

template <std::size_t N, std::size_t C> using rows_t = std::array<std::array<double, C>, N>;

template <std::size_t N, std::size_t C> rows_t<N, C> random_rows(std::mt19937_64& rng, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    rows_t<N, C> r{};
    for (auto& row : r)
        for (auto& v : row) v = u(rng);
    return r;
}

template <std::size_t N, std::size_t C> Eigen::MatrixXd to_eigen(const rows_t<N, C>& r) {
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
template <class K, class YT, class YP> double central_difference(const K& k, const YT& yt, YP& yp, Eigen::Index i,
                                                                 Eigen::Index j, Eigen::VectorXd& plus,
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
template <class K, class YT, class YP> double total_difference(const K& k, const YT& yt, YP& yp, Eigen::Index i,
                                                               Eigen::Index j, Eigen::VectorXd& ps,
                                                               const lossc::options& o) {
    const double p0 = yp(i, j), h = 1e-6 * std::max(1.0, std::abs(p0));
    yp(i, j) = p0 + h;
    const double up = k.forward(yt, yp, ps, o);
    yp(i, j) = p0 - h;
    const double down = k.forward(yt, yp, ps, o);
    yp(i, j) = p0;
    return (up - down) / (2 * h);
}

/// What check_gradient measured of one loss at one input, for the checks below.
struct gradient_measures {
    std::string context;     // the case, the loss and its gradient
    Eigen::VectorXd ps;      // the kernel's per-sample losses
    Eigen::MatrixXd g;       // and gradient of their sum
    Eigen::VectorXd ref_ps;  // the reference evaluator's
    Eigen::MatrixXd ref_g;
    Eigen::MatrixXd fd;     // central differences of L_i in y_pred(i, j)
    Eigen::MatrixXi moved;  // the first other row whose loss y_pred(i, j) moved, or -1
    double fd_tol;
};

/// The checks of check_gradient, in one function for every loss: doctest's assertions and
/// captured messages in a template were a large part of the test's compile time.
inline void check_gradient_measures(const gradient_measures& m) {
    INFO(m.context);
    const Eigen::Index n = m.g.rows(), cp = m.g.cols();
    for (Eigen::Index i = 0; i < n; ++i) {
        const double floor = 1e-13 * (1 + std::abs(m.ref_ps(i)));
        CHECK_MESSAGE(close(m.ps(i), m.ref_ps(i), 1e-12, floor),
                      "value row " << i << ": kernel " << m.ps(i) << " reference " << m.ref_ps(i));
        for (Eigen::Index j = 0; j < cp; ++j)
            CHECK_MESSAGE(close(m.g(i, j), m.ref_g(i, j), 1e-12, floor),
                          "grad (" << i << ", " << j << "): kernel " << m.g(i, j) << " reference " << m.ref_g(i, j));
    }
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < cp; ++j) {
            CHECK_MESSAGE(close(m.g(i, j), m.fd(i, j), m.fd_tol, m.fd_tol * (1 + std::abs(m.ps(i)))),
                          "d L_" << i << " / d y_pred(" << i << ", " << j << "): derived " << m.g(i, j)
                                 << ", finite difference " << m.fd(i, j));
            CHECK_MESSAGE(m.moved(i, j) < 0, "moving y_pred(" << i << ", " << j << ") changed L_" << m.moved(i, j));
        }
}

/// Checks one loss at one input; `what` names the case in failure messages.
template <class E, std::size_t N, std::size_t Ct, std::size_t Cp>
void check_gradient(const E& loss, const rows_t<N, Ct>& yt_rows, const rows_t<N, Cp>& yp_rows, const std::string& what,
                    double fd_tol = 1e-6) {
    const auto k = lossc::compile(loss);
    const Eigen::MatrixXd yt = to_eigen(yt_rows);
    Eigen::MatrixXd yp = to_eigen(yp_rows);
    const auto n = static_cast<Eigen::Index>(N), cp = static_cast<Eigen::Index>(Cp);
    gradient_measures m{what + ": " + lossc::to_string(loss) + "  grad: " + lossc::to_string(lossc::gradient(loss)),
                        Eigen::VectorXd(n),
                        Eigen::MatrixXd(n, cp),
                        Eigen::VectorXd(n),
                        Eigen::MatrixXd(n, cp),
                        Eigen::MatrixXd(n, cp),
                        Eigen::MatrixXi::Constant(n, cp, -1),
                        fd_tol};
    k.forward_backward(yt, yp, m.ps, m.g, {.reduction = lossc::reduction::sum});

    // The kernel runs SIMD packets, the reference <cmath>: they agree to a few ulp, so terms that
    // cancel to 0 in one may leave 1e-16 in the other; hence an absolute floor at the row's scale.
    const auto ref = lossc::evaluate(loss, yt_rows, yp_rows);
    for (Eigen::Index i = 0; i < n; ++i) {
        m.ref_ps(i) = ref.per_sample[static_cast<std::size_t>(i)];
        for (Eigen::Index j = 0; j < cp; ++j)
            m.ref_g(i, j) = ref.grad[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
    }
    Eigen::VectorXd ps_plus(n), ps_minus(n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < cp; ++j) {
            m.fd(i, j) = central_difference(k, yt, yp, i, j, ps_plus, ps_minus);
            for (Eigen::Index other = 0; other < n && m.moved(i, j) < 0; ++other)
                if (other != i && ps_plus(other) != m.ps(other)) m.moved(i, j) = static_cast<int>(other);
        }
    check_gradient_measures(m);
}

}  // namespace lossc_test
