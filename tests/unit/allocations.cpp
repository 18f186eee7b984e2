// No heap allocation per call: the global operator new is replaced by a counting one, and
// kernels of several losses run on Eigen and raw inputs while it counts.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <atomic>
#include <cstdlib>
#include <lossc/lossc.hpp>
#include <new>

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace lossc::dsl;

TEST_CASE("forward and forward_backward allocate nothing") {
    constexpr auto mse = lossc::compile(sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f)));
    constexpr auto cce = lossc::compile(-sum<1>(y_true * log(softmax<1>(y_pred))));
    constexpr auto nll =
        lossc::compile(0.5 * (col<1>(y_pred) + square(col<0>(y_true) - col<0>(y_pred)) * exp(-col<1>(y_pred))));
    const Eigen::MatrixXf t2 = Eigen::MatrixXf::Random(256, 2), p2 = Eigen::MatrixXf::Random(256, 2);
    const Eigen::MatrixXf t10 = Eigen::MatrixXf::Random(256, 10).cwiseAbs(), p10 = Eigen::MatrixXf::Random(256, 10);
    const Eigen::VectorXf t1 = Eigen::VectorXf::Random(256), w = Eigen::VectorXf::Random(256);
    Eigen::MatrixXf g2(256, 2), g10(256, 10);
    Eigen::VectorXf ps(256);
    float sink = 0;

    const long before = allocations.load();
    for (int rep = 0; rep < 10; ++rep) {
        sink += mse.forward_backward(t2, p2, ps, g2);
        sink += mse.forward_backward(t2, p2, ps, g2, {.reduction = lossc::reduction::sum, .sample_weight = w});
        sink += cce.forward_backward(t10, p10, ps, g10);
        sink += cce.forward(t10, p10, ps);
        sink += cce.forward_backward(t10, p10, lossc::discard, g10);  // per-sample losses staged on the stack
        sink += cce.forward(t10, p10, lossc::discard,
                            {.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w});
        sink += nll.forward_backward(t1, p2, ps, g2);
        sink += mse.forward_backward(lossc::matrix_view<const float>(t2.data(), 256, 2, 1, 256),
                                     lossc::matrix_view<const float>(p2.data(), 256, 2, 1, 256),
                                     lossc::vector_view<float>(ps.data(), 256),
                                     lossc::matrix_view<float>(g2.data(), 256, 2, 1, 256));
    }
    const long during = allocations.load() - before;
    CHECK(during == 0);
    CHECK(sink == sink);  // keep the results alive
    // The counter works: an allocation is seen.
    auto* probe = new int(1);
    CHECK(allocations.load() - before == during + 1);
    delete probe;
}

TEST_CASE("the Keras wrapper allocates nothing either: weights, masks, integer labels, rank 3, axes") {
    namespace k = lossc::keras;
    const Eigen::MatrixXf t = Eigen::MatrixXf::Random(600, 6).cwiseAbs(),
                          p = Eigen::MatrixXf::Random(600, 6).cwiseAbs();
    Eigen::VectorXf w = Eigen::VectorXf::Random(600).cwiseAbs();
    Eigen::MatrixXf g(600, 6);
    Eigen::VectorXf v(600);
    std::array<bool, 600> mask{};
    std::array<std::int32_t, 600> ids{};
    for (std::size_t i = 0; i < 600; ++i) mask[i] = i % 3 != 0, ids[i] = static_cast<std::int32_t>(i % 6);
    const k::tensor_view<const float> yt{t.data(), {600, 6}}, yp{p.data(), {600, 6}}, y3{p.data(), {100, 6, 6}};
    const k::tensor_view<const float> wt{w.data(), {600}};
    const auto mse = k::MeanSquaredError(k::reduction::mean_with_sample_weight);
    const auto scce = k::SparseCategoricalCrossentropy<true>(3);
    const auto hinge = k::Hinge();
    const auto cce_first = k::CategoricalCrossentropy<true>(0.1, 1);
    const auto dice = k::Dice();
    float sink = 0;
    const long before = allocations.load();
    for (int rep = 0; rep < 3; ++rep) {
        sink += mse(
            yt, yp,
            {.sample_weight = wt, .mask = {mask.data(), {600}}, .values = {v.data(), 600}, .grad = {g.data(), 3600}});
        sink += scce(k::tensor_view<const std::int32_t>{ids.data(), {600}}, yp, {.grad = {g.data(), 3600}});
        sink += hinge(yt, yp, {.sample_weight = 0.5, .grad = {g.data(), 3600}});
        sink += cce_first(y3, y3, {.values = {v.data(), 600}, .grad = {g.data(), 3600}});
        sink += dice(yt, yp, {.grad = {g.data(), 3600}});
        // rank 4 (N, H, W, C), channels first
        sink += cce_first(k::tensor_view<const float>{p.data(), {10, 6, 6, 10}},
                          k::tensor_view<const float>{p.data(), {10, 6, 6, 10}},
                          {.values = {v.data(), 600}, .grad = {g.data(), 3600}});
        // Circle: the pairs of 600 embeddings
        sink += k::Circle()(k::tensor_view<const std::int32_t>{ids.data(), {600}}, yp,
                            {.sample_weight = wt, .grad = {g.data(), 3600}});
    }
    CHECK(allocations.load() - before == 0);
    CHECK(sink == sink);
}

TEST_CASE("CTC allocates only to grow its per-thread buffer: a call no larger than an earlier one allocates nothing") {
    namespace k = lossc::keras;
    const Eigen::MatrixXf x = Eigen::MatrixXf::Random(8 * 20, 7);  // (N, T, K) = (8, 20, 7), C order
    std::array<std::int32_t, 8 * 5> labels{};
    for (std::size_t e = 0; e < labels.size(); ++e)
        labels[e] = static_cast<std::int32_t>(e % 5 < e / 5 % 5 ? 1 + e % 6 : 0);
    Eigen::VectorXf g(8 * 20 * 7);
    const auto ctc = k::CTC();
    const k::tensor_view<const std::int32_t> y{labels.data(), {8, 5}};
    const k::tensor_view<const float> logits{x.data(), {8, 20, 7}}, shorter{x.data(), {8, 12, 7}};
    float sink = ctc(y, logits, {.grad = {g.data(), 8 * 20 * 7}});  // grows the buffer
    const long before = allocations.load();
    for (int rep = 0; rep < 3; ++rep) {
        sink += ctc(y, logits, {.grad = {g.data(), 8 * 20 * 7}});
        sink += ctc(y, shorter, {.grad = {g.data(), 8 * 12 * 7}});
        sink += ctc(y, logits);
    }
    CHECK(allocations.load() - before == 0);
    CHECK(sink == sink);
}
