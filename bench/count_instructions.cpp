// Instructions per element of each lossc workload, counted by callgrind (repeatable where
// timings are not). Built for AVX2+FMA (valgrind cannot run AVX-512); run by
// bench/count_instructions.sh, which prints a table for docs/benchmarks.md.
#include <Eigen/Core>
#include <cstdio>
#include <cstring>
#include <lossc/lossc.hpp>
#include <valgrind/callgrind.h>

using namespace lossc::dsl;
using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class K> void count(const K& k, const char* name, Eigen::Index n, Eigen::Index c) {
    M t = M::Random(n, c).cwiseAbs(), p = M::Random(n, c), g(n, c);
    Eigen::VectorXf ps(n);
    k.forward_backward(t, p, ps, g);  // warm
    CALLGRIND_ZERO_STATS;
    CALLGRIND_TOGGLE_COLLECT;
    for (int r = 0; r < 10; ++r) k.forward_backward(t, p, ps, g);
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_DUMP_STATS_AT(name);
    std::printf("%s %ld\n", name, static_cast<long>(10 * n * c));
}

int main() {
    constexpr auto mse = lossc::compile(sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f)));
    constexpr auto cce = lossc::compile(-sum<1>(y_true * log(softmax<1>(y_pred))));
    constexpr auto bce = lossc::compile(mean<1>(softplus(y_pred) - y_true * y_pred));
    count(mse, "mse2", 4096, 2);
    count(cce, "cce10", 1024, 10);
    count(cce, "cce1000", 16, 1000);
    count(bce, "bce1", 8192, 1);
}
