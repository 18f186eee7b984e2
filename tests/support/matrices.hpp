// Row- and column-major Eigen matrices and uniform random fills, shared by the schedule tests.
#pragma once
#include <Eigen/Core>
#include <random>

namespace lossc_test {

template <class T> using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using MatC = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

template <class T> MatR<T> random_matrix(std::mt19937& rng, Eigen::Index n, Eigen::Index c, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    MatR<T> m(n, c);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < c; ++j) m(i, j) = static_cast<T>(u(rng));
    return m;
}

}  // namespace lossc_test
