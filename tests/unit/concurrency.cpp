// Kernels are immutable and re-entrant: one compiled kernel called from several threads at
// once (each with its own outputs), and its own threaded path, under ThreadSanitizer.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <lossc/lossc.hpp>
#include <thread>
#include <vector>

using namespace lossc::dsl;

namespace {
constexpr auto kernel = lossc::compile(-sum<1>(y_true * log(softmax<1>(y_pred))));
using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

TEST_CASE("one kernel, many threads at once") {
    const M t = M::Random(301, 12).cwiseAbs(), p = M::Random(301, 12);
    M g_ref(301, 12);
    Eigen::VectorXf ps_ref(301);
    const float ref = kernel.forward_backward(t, p, ps_ref, g_ref);
    constexpr int n_threads = 4;
    std::vector<M> grads(n_threads, M(301, 12));
    std::vector<Eigen::VectorXf> per_sample(n_threads, Eigen::VectorXf(301));
    std::vector<float> results(n_threads);
    std::vector<std::thread> threads;
    threads.reserve(n_threads);
    for (int k = 0; k < n_threads; ++k)
        threads.emplace_back([&, k] {
            for (int rep = 0; rep < 20; ++rep) results[k] = kernel.forward_backward(t, p, per_sample[k], grads[k]);
        });
    for (auto& th : threads) th.join();
    for (int k = 0; k < n_threads; ++k) {
        CHECK(results[k] == ref);
        CHECK(per_sample[k] == ps_ref);
        CHECK(grads[k] == g_ref);
    }
    // The kernel's own threads, from several callers at once.
    std::vector<std::thread> callers;
    callers.reserve(2);
    for (int k = 0; k < 2; ++k)
        callers.emplace_back([&, k] {
            results[k] =
                kernel.forward_backward(t, p, per_sample[k], grads[k], {.threads = 3, .parallel_threshold = 1});
        });
    for (auto& th : callers) th.join();
    for (int k = 0; k < 2; ++k) {
        CHECK(per_sample[k] == ps_ref);
        CHECK(grads[k] == g_ref);
    }
}
