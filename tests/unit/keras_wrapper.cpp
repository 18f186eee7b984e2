// lossc::keras::loss, the Keras Loss wrapper, against numbers worked out by hand from
// Keras's Loss.__call__ (docs/keras.md, *Keras's rules the wrapper follows*): the five reductions, sample weights of
// each shape (and Keras's surprises: a scalar weight under mean_with_sample_weight sums, an (N, 1) weight against (N,
// T) losses divides by Σ w_i), masks (all masked, all weights 0: 0, never NaN), the gradient of the reduced loss,
// hinge's batch-wide label conversion, integer labels and their checks, rank-3 inputs and axes. The differential test
// (tests/keras/) compares the same against real Keras.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <lossc/lossc.hpp>
#include <numeric>
#include <span>
#include <vector>

namespace k = lossc::keras;
using k::reduction;
using k::tensor_view;

namespace {
/// MSE over rows p_i = (a_i, a_i), t = 0: L_i = a_i², with a = 1, 2, 3, 4 → L = 1, 4, 9, 16.
struct mse_fixture {
    std::vector<double> t = std::vector<double>(8, 0.0);
    std::vector<double> p = {1, 1, 2, 2, 3, 3, 4, 4};
    tensor_view<const double> yt{t.data(), {4, 2}}, yp{p.data(), {4, 2}};
    std::vector<double> values = std::vector<double>(4), grad = std::vector<double>(8);
    double call(reduction r, k::weight_tensor w = {}, tensor_view<const bool> mask = {}) {
        return k::MeanSquaredError(r)(yt, yp, {.sample_weight = w, .mask = mask, .values = values, .grad = grad});
    }
};
}  // namespace

TEST_CASE("reductions without weights") {
    mse_fixture f;
    CHECK(f.call(reduction::sum_over_batch_size) == doctest::Approx(7.5));
    CHECK(f.call(reduction::mean) == doctest::Approx(7.5));
    CHECK(f.call(reduction::mean_with_sample_weight) == doctest::Approx(7.5));  // no weights: like the mean
    CHECK(f.call(reduction::sum) == doctest::Approx(30));
    CHECK(f.call(reduction::none) == doctest::Approx(30));  // the sum of the values, which are L
    CHECK(f.values == std::vector<double>{1, 4, 9, 16});
    // d(Σ L)/dp = 2p/K = p
    CHECK(f.grad == f.p);
    f.call(reduction::sum_over_batch_size);
    for (std::size_t e = 0; e < 8; ++e) CHECK(f.grad[e] == doctest::Approx(f.p[e] / 4));
}

TEST_CASE("sample weights (N,), (N, 1) and a scalar, with Keras's divisors") {
    mse_fixture f;
    std::vector<double> w = {1, 0.5, 0, 2};
    for (auto wt : {tensor_view<const double>{w.data(), {4}}, tensor_view<const double>{w.data(), {4, 1}}}) {
        CHECK(f.call(reduction::sum_over_batch_size, wt) == doctest::Approx(35.0 / 4));
        CHECK(f.call(reduction::sum, wt) == doctest::Approx(35));
        CHECK(f.call(reduction::mean_with_sample_weight, wt) == doctest::Approx(35 / 3.5));
        for (std::size_t e = 0; e < 8; ++e) CHECK(f.grad[e] == doctest::Approx(w[e / 2] * f.p[e] / 3.5));
        CHECK(f.call(reduction::none, wt) == doctest::Approx(35));
        CHECK(f.values == std::vector<double>{1, 2, 0, 32});  // W = L·w
    }
    // A scalar weight s: mean_with_sample_weight divides Σ(L·s) by s itself (docs/keras.md, reductions).
    CHECK(f.call(reduction::mean_with_sample_weight, 0.5) == doctest::Approx(30));
    CHECK(f.call(reduction::sum_over_batch_size, 0.5) == doctest::Approx(3.75));
    // The same number as a 0-d tensor (numpy's np.float64(0.5), a 0-dim torch tensor).
    const double half = 0.5;
    CHECK(f.call(reduction::sum_over_batch_size, tensor_view<const double>{&half, {}}) == doctest::Approx(3.75));
    CHECK(f.call(reduction::mean_with_sample_weight, tensor_view<const double>{&half, {}}) == doctest::Approx(30));
    // All weights 0: 0, not NaN, and no gradient.
    std::vector<double> zeros(4, 0.0);
    CHECK(f.call(reduction::mean_with_sample_weight, tensor_view<const double>{zeros.data(), {4}}) == 0.0);
    for (double g : f.grad) CHECK(g == 0.0);
    // float weights with double losses
    std::vector<float> wf = {1, 0.5f, 0, 2};
    CHECK(f.call(reduction::sum, tensor_view<const float>{wf.data(), {4}}) == doctest::Approx(35));
}

TEST_CASE("masks: the mean over unmasked samples; fully masked is 0") {
    mse_fixture f;
    const bool m[] = {true, false, true, true};
    const tensor_view<const bool> mask{m, {4}};
    CHECK(f.call(reduction::sum_over_batch_size, {}, mask) == doctest::Approx(26.0 / 3));
    CHECK(f.call(reduction::sum, {}, mask) == doctest::Approx(26));
    CHECK(f.call(reduction::mean_with_sample_weight, {}, mask) == doctest::Approx(26.0 / 3));
    CHECK(f.call(reduction::none, {}, mask) == doctest::Approx(26));
    CHECK(f.values == std::vector<double>{1, 0, 9, 16});
    std::vector<double> w = {1, 0.5, 0, 2};
    const tensor_view<const double> wt{w.data(), {4}};
    CHECK(f.call(reduction::sum_over_batch_size, wt, mask) == doctest::Approx(33.0 / 3));
    CHECK(f.call(reduction::mean_with_sample_weight, wt, mask) == doctest::Approx(33.0 / 3));  // Σ(w·m) = 3
    CHECK(f.grad[2] == 0.0);  // masked sample: no gradient
    const bool none_valid[] = {false, false, false, false};
    CHECK(f.call(reduction::sum_over_batch_size, {}, tensor_view<const bool>{none_valid, {4}}) == 0.0);
    for (double g : f.grad) CHECK(g == 0.0);
}

TEST_CASE("rank 3: (N, T, K) reduces K; sum_over_batch_size divides by N·T; (N, 1) weights divide by Σ w_i") {
    // L(n, t) = a² for p(n, t, :) = (a, a): values 1 … 6.
    std::vector<double> p, t(12, 0.0);
    for (double a : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}) p.push_back(std::sqrt(a)), p.push_back(std::sqrt(a));
    const tensor_view<const double> yt{t.data(), {2, 3, 2}}, yp{p.data(), {2, 3, 2}};
    std::vector<double> values(6), grad(12);
    const auto mse = k::MeanSquaredError(reduction::sum_over_batch_size);
    CHECK(mse(yt, yp, {.values = values}) == doctest::Approx(21.0 / 6));
    std::vector<double> w = {2, 0.5};
    const tensor_view<const double> per_sample{w.data(), {2, 1}};
    CHECK(k::MeanSquaredError(reduction::mean_with_sample_weight)(yt, yp, {.sample_weight = per_sample}) ==
          doctest::Approx((2 * 6 + 0.5 * 15) / 2.5));
    CHECK(k::MeanSquaredError(reduction::sum)(yt, yp, {.sample_weight = per_sample, .values = values, .grad = grad}) ==
          doctest::Approx(2 * 6 + 0.5 * 15));
    const double expected[] = {2, 4, 6, 2, 2.5, 3};
    for (std::size_t e = 0; e < 6; ++e) CHECK(values[e] == doctest::Approx(expected[e]));
    // Keras's pitfall: an (N,) weight against (N, T) losses would align with T; lossc refuses it.
    const tensor_view<const double> flat{w.data(), {2}};
    CHECK_THROWS_AS(mse(yt, yp, {.sample_weight = flat}), lossc::shape_error);
}

TEST_CASE("hinge decides the 0/1 → ±1 conversion over the whole batch") {
    std::vector<double> t = {0, 1, 1, 0}, p = {0.3, -0.2, 0.8, 0.1}, t_half = {0, 1, 0.5, 0};
    const tensor_view<const double> yp{p.data(), {2, 2}};
    const double converted = k::Hinge(reduction::sum)(tensor_view<const double>{t.data(), {2, 2}}, yp);
    // s = 2t − 1 = (−1, 1, 1, −1): max(1 − s·p, 0) = 1.3, 1.2, 0.2, 1.1; per sample means 1.25, 0.65
    CHECK(converted == doctest::Approx(1.25 + 0.65));
    // One 0.5 in the batch: nothing is converted, 0 labels stay 0 (max(1 − 0·p, 0) = 1).
    const double as_given = k::Hinge(reduction::sum)(tensor_view<const double>{t_half.data(), {2, 2}}, yp);
    CHECK(as_given == doctest::Approx((1 + 1.2) / 2 + (1 - 0.5 * 0.8 + 1) / 2));
}

TEST_CASE("integer labels: int32 and int64, (N) and (N, 1), range-checked before anything is written") {
    std::vector<float> p = {1, 2, 3, 0, 0, 0, -1, 5, 2};
    const tensor_view<const float> yp{p.data(), {3, 3}};
    std::vector<float> values(3), ref(3), grad(9);
    std::vector<float> float_ids = {2, 0, 1};
    const auto scce = k::SparseCategoricalCrossentropy<true>();
    const float r_ref = scce(tensor_view<const float>{float_ids.data(), {3, 1}}, yp, {.values = ref});
    std::vector<std::int32_t> i32 = {2, 0, 1};
    std::vector<std::int64_t> i64 = {2, 0, 1};
    CHECK(scce(tensor_view<const std::int32_t>{i32.data(), {3}}, yp, {.values = values}) == r_ref);
    CHECK(values == ref);
    CHECK(scce(tensor_view<const std::int64_t>{i64.data(), {3, 1}}, yp, {.values = values, .grad = grad}) == r_ref);
    // −log softmax(1, 2, 3)[2] = log(e + e² + e³) − 3
    CHECK(values[0] == doctest::Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3).epsilon(1e-6));

    std::fill(values.begin(), values.end(), -7.0f);
    std::fill(grad.begin(), grad.end(), -7.0f);
    for (std::int32_t bad : {3, -1}) {
        std::vector<std::int32_t> ids = {0, bad, 1};
        CHECK_THROWS_AS(scce(tensor_view<const std::int32_t>{ids.data(), {3}}, yp, {.values = values, .grad = grad}),
                        lossc::label_error);
    }
    std::vector<float> fractional = {0, 1.5f, 1};
    CHECK_THROWS_AS(scce(tensor_view<const float>{fractional.data(), {3}}, yp, {.values = values}), lossc::label_error);
    for (float v : values) CHECK(v == -7.0f);  // nothing written
    for (float g : grad) CHECK(g == -7.0f);

    // ignore_class: a label equal to it is masked out (even outside [0, classes)), loss and gradient 0.
    std::vector<std::int32_t> with_void = {2, 255, 1};
    const auto masked = k::SparseCategoricalCrossentropy<true>(255);
    const float r =
        masked(tensor_view<const std::int32_t>{with_void.data(), {3}}, yp, {.values = values, .grad = grad});
    CHECK(values[1] == 0.0f);
    CHECK(r == doctest::Approx((ref[0] + ref[2]) / 2));  // the mean over the two valid samples
    for (int j = 3; j < 6; ++j) CHECK(grad[static_cast<std::size_t>(j)] == 0.0f);
}

TEST_CASE("axes: dice over the whole batch, per sample, and channels-first cross-entropy") {
    std::vector<double> t = {1, 0, 1, 1, 0, 0}, p = {0.9, 0.2, 0.6, 0.7, 0.1, 0.3};
    const tensor_view<const double> yt{t.data(), {2, 3}}, yp{p.data(), {2, 3}};
    std::vector<double> grad(6), values(2), one(1);
    // axis=None: 1 − 2·Σtp/(Σt + Σp + ε), one value for the batch, returned as is by every reduction.
    const double inter = 0.9 + 0.6 + 0.7, st = 3, sp = 2.8;
    const double whole = 1 - 2 * inter / (st + sp + 1e-7);
    CHECK(k::Dice()(yt, yp, {.values = one, .grad = grad}) == doctest::Approx(whole));
    CHECK(k::Dice(reduction::sum)(yt, yp) == doctest::Approx(whole));
    // d/dp_i = −(2 t_i S − 2 I)/S²
    for (std::size_t e = 0; e < 6; ++e)
        CHECK(grad[e] == doctest::Approx(-(2 * t[e] * (st + sp + 1e-7) - 2 * inter) / std::pow(st + sp + 1e-7, 2)));
    std::vector<double> w = {1, 2};
    CHECK_THROWS_AS(k::Dice()(yt, yp, {.sample_weight = tensor_view<const double>{w.data(), {2}}}), lossc::shape_error);
    // axis=(1,): per sample
    CHECK(k::Dice(reduction::sum, {1})(yt, yp, {.values = values}) ==
          doctest::Approx((1 - 2 * 1.5 / (2 + 1.7 + 1e-7)) + (1 - 2 * 0.7 / (1 + 1.1 + 1e-7))));

    // Channels first: (N, K, T) with axis=1 equals (N, T, K) with axis=-1, losses in (N, T) order.
    const std::size_t N = 2, K = 3, T = 4;
    std::vector<double> x_last(N * T * K), t_last(N * T * K, 0.0), x_first(N * K * T), t_first(N * K * T);
    for (std::size_t e = 0; e < x_last.size(); ++e) x_last[e] = std::sin(static_cast<double>(e) * 1.7) * 3;
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t s = 0; s < T; ++s) t_last[(n * T + s) * K + (n + s) % K] = 1;
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < K; ++c)
            for (std::size_t s = 0; s < T; ++s) {
                x_first[(n * K + c) * T + s] = x_last[(n * T + s) * K + c];
                t_first[(n * K + c) * T + s] = t_last[(n * T + s) * K + c];
            }
    std::vector<double> v_last(N * T), v_first(N * T), g_last(x_last.size()), g_first(x_first.size());
    const double r_last = k::CategoricalCrossentropy<true>(0.0, -1)(tensor_view<const double>{t_last.data(), {2, 4, 3}},
                                                                    tensor_view<const double>{x_last.data(), {2, 4, 3}},
                                                                    {.values = v_last, .grad = g_last});
    const double r_first = k::CategoricalCrossentropy<true>(0.0, 1)(
        tensor_view<const double>{t_first.data(), {2, 3, 4}}, tensor_view<const double>{x_first.data(), {2, 3, 4}},
        {.values = v_first, .grad = g_first});
    CHECK(r_first == doctest::Approx(r_last));
    for (std::size_t e = 0; e < v_last.size(); ++e) CHECK(v_first[e] == doctest::Approx(v_last[e]));
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < K; ++c)
            for (std::size_t s = 0; s < T; ++s)
                CHECK(g_first[(n * K + c) * T + s] == doctest::Approx(g_last[(n * T + s) * K + c]));
}

TEST_CASE("misuse is a lossc exception naming the shapes, before anything is written") {
    std::vector<double> t(6, 0.0), p(6, 1.0), values(3, -7.0), grad(6, -7.0);
    const tensor_view<const double> yt{t.data(), {3, 2}}, yp{p.data(), {3, 2}};
    const auto mse = k::MeanSquaredError();
    CHECK_THROWS_AS(mse(yt, tensor_view<const double>{p.data(), {6}}), lossc::shape_error);  // rank-1 y_pred
    CHECK_THROWS_AS(mse(tensor_view<const double>{t.data(), {2, 3}}, yp), lossc::shape_error);
    CHECK_THROWS_AS(mse(tensor_view<const double>{t.data(), {3}}, yp), lossc::shape_error);  // (N,) against (N, 2)
    CHECK(mse(tensor_view<const double>{t.data(), {3, 1}}, yp) == doctest::Approx(1.0));     // (N, 1): per row
    std::vector<double> small(2);
    CHECK_THROWS_AS(mse(yt, yp, {.values = small}), lossc::shape_error);
    CHECK_THROWS_AS(k::MeanSquaredError(reduction::sum)(yt, yp, {.grad = small}), lossc::shape_error);
    CHECK_THROWS_AS(k::CategoricalCrossentropy(0.0, 0)(yt, yp), lossc::parameter_error);  // the batch axis alone
    CHECK_THROWS_AS(k::CategoricalCrossentropy(0.0, 2)(yt, yp), lossc::parameter_error);  // no axis 2 in rank 2
    const bool m[] = {true, false};
    CHECK_THROWS_AS(mse(yt, yp, {.mask = tensor_view<const bool>{m, {2}}}), lossc::shape_error);
    std::vector<double> w = {1, 2};
    CHECK_THROWS_AS(
        mse(yt, yp, {.sample_weight = tensor_view<const double>{w.data(), {2}}, .values = values, .grad = grad}),
        lossc::shape_error);
    for (double v : values) CHECK(v == -7.0);
    for (double g : grad) CHECK(g == -7.0);
    // An empty batch: 0.
    CHECK(mse(tensor_view<const double>{t.data(), {0, 2}}, tensor_view<const double>{p.data(), {0, 2}}) == 0.0);
}

TEST_CASE("overlaps are found over whole tensors, before the first chunk is written") {
    // 600 rows: three chunks of the wrapper's loop. The gradient overlapped y_pred's rows of a later
    // chunk and silently overwrote them (loss 0.5 instead of 1); an overlap only the second chunk
    // saw threw after the first chunk's gradient was written.
    constexpr std::size_t n = 600;
    std::vector<double> buf(4 * n, 1.0), t(2 * n, 0.0);
    const tensor_view<const double> yt{t.data(), {static_cast<lossc::index>(n), 2}};
    const tensor_view<const double> yp{buf.data(), {static_cast<lossc::index>(n), 2}};
    const auto mse = k::MeanSquaredError();
    const std::vector<double> copy = buf;
    // The first chunk's gradient rows lie on y_pred's rows 300–555, which later chunks read.
    std::span<double> grad_over_later_rows{buf.data() + n, 2 * n};
    CHECK_THROWS_AS(mse(yt, yp, {.grad = grad_over_later_rows}), lossc::shape_error);
    std::span<double> values_over_pred{buf.data() + n + 1, n};
    CHECK_THROWS_AS(mse(yt, yp, {.values = values_over_pred}), lossc::shape_error);
    CHECK(buf == copy);
}

TEST_CASE("tensor shapes whose element count overflows") {
    std::vector<float> p(12, 0.f);
    CHECK_THROWS_AS((tensor_view<const float>{p.data(), {3, 6148914691236517206, 4}}), lossc::shape_error);
    CHECK_THROWS_AS((tensor_view<const float>{p.data(), {lossc::index(1) << 62, 4}}), lossc::shape_error);
}

TEST_CASE("label_smoothing outside [0, 1] is a parameter_error") {
    for (double ls : {1.5, -0.1, std::nan("")}) {
        CHECK_THROWS_AS(k::CategoricalCrossentropy(ls), lossc::parameter_error);
        CHECK_THROWS_AS(k::BinaryCrossentropy(ls), lossc::parameter_error);
        CHECK_THROWS_AS(k::categorical_focal_crossentropy(0.25, 2.0, ls), lossc::parameter_error);
        CHECK_THROWS_AS(k::binary_focal_crossentropy(false, 0.25, 2.0, ls), lossc::parameter_error);
    }
    CHECK_NOTHROW(k::CategoricalCrossentropy(1.0));
    CHECK_NOTHROW(k::BinaryCrossentropy(0.0));
}

TEST_CASE("class ids compare exactly: int64 ignore_class, and more classes than the type holds") {
    std::vector<float> p = {1, 2, 3, 0, 0, 0, -1, 5, 2};
    const tensor_view<const float> yp{p.data(), {3, 3}};
    std::vector<float> values(3);
    // ignore_class 2^53 + 1 against a label 2^53: equal as doubles, not as integers — the label is
    // not ignored, and it is out of range.
    constexpr std::int64_t big = (std::int64_t(1) << 53) + 1;
    std::vector<std::int64_t> ids = {0, big - 1, 1};
    CHECK_THROWS_AS(k::SparseCategoricalCrossentropy<true>(big)(tensor_view<const std::int64_t>{ids.data(), {3}}, yp,
                                                                {.values = values}),
                    lossc::label_error);
    ids[1] = big;
    CHECK(k::SparseCategoricalCrossentropy<true>(big)(tensor_view<const std::int64_t>{ids.data(), {3}}, yp,
                                                      {.values = values}) > 0.f);
    CHECK(values[1] == 0.f);
    // 2^24 + 2 classes in float: ids beyond 2^24 are not floats (two columns matched one label).
    const lossc::index classes = (lossc::index(1) << 24) + 2;
    std::vector<float> wide(static_cast<std::size_t>(classes), 0.f);
    std::vector<std::int32_t> one = {static_cast<std::int32_t>(classes - 1)};
    CHECK_THROWS_AS(k::SparseCategoricalCrossentropy<true>()(tensor_view<const std::int32_t>{one.data(), {1}},
                                                             tensor_view<const float>{wide.data(), {1, classes}}),
                    lossc::shape_error);
}

TEST_CASE("value() gives operator()'s result without a gradient") {
    mse_fixture f;
    const std::vector<double> w = {1, 0.5, 2, 0};
    const tensor_view<const double> wt{w.data(), {4}};
    const bool m[4] = {true, false, true, true};
    const tensor_view<const bool> mask{m, {4}};
    for (auto r :
         {reduction::sum_over_batch_size, reduction::sum, reduction::mean_with_sample_weight, reduction::none}) {
        const double full = f.call(r, wt, mask);
        const std::vector<double> full_values = f.values;
        std::vector<double> values(4);
        const double v =
            k::MeanSquaredError(r).value(f.yt, f.yp, {.sample_weight = wt, .mask = mask, .values = values});
        CHECK(v == full);
        CHECK(values == full_values);
    }
    // A loss whose gradient is never compiled in this TU's value() path: still the same numbers.
    const std::vector<double> t = {0, 1, 1, 0}, p = {0.2, 0.7, 0.9, 0.4};
    const tensor_view<const double> yt{t.data(), {4, 1}}, yp{p.data(), {4, 1}};
    CHECK(k::BinaryFocalCrossentropy<false>().value(yt, yp) ==
          doctest::Approx(k::BinaryFocalCrossentropy<false>()(yt, yp)));
}

TEST_CASE("values_shape: the per-sample losses' shape for reduction none") {
    std::vector<float> p(24, 0.25f), values;  // (2, 3, 4)
    const tensor_view<const float> p3{p.data(), {2, 3, 4}}, p2{p.data(), {6, 4}};
    const auto cce = k::CategoricalCrossentropy<false>(0.0, -1, reduction::none);
    CHECK(cce.values_shape(p3).rank == 2);
    CHECK(cce.values_shape(p3).dims == std::array<lossc::index, k::max_rank - 1>{2, 3});
    CHECK(cce.values_shape(p2).rank == 1);
    CHECK(cce.values_shape(p2).size() == 6);
    CHECK(k::Dice().values_shape(p2).rank == 0);  // axis=None: one value for the batch
    CHECK(k::Dice().values_shape(p2).size() == 1);
    // Channels first: ids along axis 1 of (N, K, T) logits give (N, T) losses.
    const auto scce = k::SparseCategoricalCrossentropy<true>(std::nullopt, reduction::none, 1);
    CHECK(scce.values_shape(p3).dims == std::array<lossc::index, k::max_rank - 1>{2, 4});
    // The size a call then fills: every one of the (2, 3) losses, each −log(1/4) (one-hot rows).
    std::vector<float> t(p.size(), 0.0f);
    for (std::size_t row = 0; row < 6; ++row) t[row * 4 + row % 4] = 1.0f;
    values.assign(static_cast<std::size_t>(cce.values_shape(p3).size()), std::numeric_limits<float>::quiet_NaN());
    cce(tensor_view<const float>{t.data(), {2, 3, 4}}, p3, {.values = values});
    REQUIRE(values.size() == 6);
    for (const float v : values) CHECK(v == doctest::Approx(std::log(4.0)).epsilon(1e-6));
    CHECK_THROWS_AS(cce.values_shape(tensor_view<const float>{p.data(), {24}}), lossc::shape_error);
    CHECK_THROWS_AS(k::CategoricalCrossentropy<false>(0.0, 3).values_shape(p3), lossc::parameter_error);
}

TEST_CASE("a batch split in shards: global_batch_size and global_divisor add up to one call") {
    // (N, T, K) = (5, 3, 2): MSE gives (N, T) losses; shards of 2 and 3 samples
    std::vector<double> t(30), p(30), g(30), g_a(12), g_b(18);
    for (std::size_t i = 0; i < 30; ++i)
        t[i] = 0.1 * static_cast<double>(i % 7), p[i] = 0.3 * static_cast<double>(i % 5) - 0.4;
    const tensor_view<const double> yt{t.data(), {5, 3, 2}}, yp{p.data(), {5, 3, 2}};
    const tensor_view<const double> yt_a{t.data(), {2, 3, 2}}, yp_a{p.data(), {2, 3, 2}};
    const tensor_view<const double> yt_b{t.data() + 12, {3, 3, 2}}, yp_b{p.data() + 12, {3, 3, 2}};
    const auto same_gradient = [&] {
        for (std::size_t i = 0; i < 12; ++i) CHECK(g_a[i] == doctest::Approx(g[i]).epsilon(1e-14));
        for (std::size_t i = 0; i < 18; ++i) CHECK(g_b[i] == doctest::Approx(g[12 + i]).epsilon(1e-14));
    };
    for (reduction r : {reduction::sum_over_batch_size, reduction::mean}) {
        const auto mse = k::MeanSquaredError(r);
        const double whole = mse(yt, yp, {.grad = g});
        const double a = mse(yt_a, yp_a, {.grad = g_a, .global_batch_size = 5});
        const double b = mse(yt_b, yp_b, {.grad = g_b, .global_batch_size = 5});
        CHECK(a + b == doctest::Approx(whole).epsilon(1e-14));
        same_gradient();
    }
    // masked (N, T) losses: the divisor counts the valid ones of every shard
    bool mask[15];
    for (int i = 0; i < 15; ++i) mask[i] = i % 4 != 1;
    const tensor_view<const bool> m{mask, {5, 3}}, m_a{mask, {2, 3}}, m_b{mask + 6, {3, 3}};
    const auto mse = k::MeanSquaredError();
    const double whole = mse(yt, yp, {.mask = m, .grad = g});
    const double d_a = mse.divisor(yt_a, yp_a, {.mask = m_a}), d_b = mse.divisor(yt_b, yp_b, {.mask = m_b});
    CHECK(d_a + d_b == 11);  // 15 losses, 4 masked
    CHECK(mse.divisor(yt, yp) == 15);
    CHECK(k::MeanSquaredError(reduction::sum).divisor(yt, yp) == 1);
    const double a = mse(yt_a, yp_a, {.mask = m_a, .grad = g_a, .global_divisor = d_a + d_b});
    const double b = mse(yt_b, yp_b, {.mask = m_b, .grad = g_b, .global_divisor = d_a + d_b});
    CHECK(a + b == doctest::Approx(whole).epsilon(1e-14));
    same_gradient();
    // misuse: the shard's divisor needs every shard's masks; sum has no divisor; a whole batch
    // smaller than the shard; nothing is written
    std::fill(g_a.begin(), g_a.end(), -7.0);
    CHECK_THROWS_WITH_AS(mse(yt_a, yp_a, {.mask = m_a, .grad = g_a, .global_batch_size = 5}),
                         doctest::Contains("pass it as global_divisor"), lossc::parameter_error);
    CHECK_THROWS_AS(k::MeanSquaredError(reduction::sum)(yt_a, yp_a, {.grad = g_a, .global_batch_size = 5}),
                    lossc::parameter_error);
    CHECK_THROWS_AS(mse(yt_a, yp_a, {.grad = g_a, .global_batch_size = 1}), lossc::parameter_error);
    CHECK_THROWS_AS(mse(yt_a, yp_a, {.grad = g_a, .global_divisor = -1.0}), lossc::parameter_error);
    CHECK(std::all_of(g_a.begin(), g_a.end(), [](double v) { return v == -7.0; }));
    // a process whose shard is empty adds nothing
    CHECK(mse(tensor_view<const double>{t.data(), {0, 3, 2}}, tensor_view<const double>{p.data(), {0, 3, 2}},
              {.global_batch_size = 5}) == 0.0);
}

TEST_CASE_TEMPLATE("Eigen matrices of either storage order, padded blocks and strided views give the row-major results",
                   T, float, double) {
    using RowM = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using ColM = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    const Eigen::Index n = 300, c = 6;  // more rows than one chunk of the wrapper
    RowM t = RowM::Random(n, c).cwiseAbs(), p = RowM::Random(n, c);
    t.array().colwise() /= t.rowwise().sum().array();
    const ColM tc = t, pc = p;
    // padded: the top-left block of wider column-major matrices
    ColM t_wide = ColM::Zero(n + 3, c + 2), p_wide = ColM::Zero(n + 3, c + 2);
    t_wide.topLeftCorner(n, c) = t;
    p_wide.topLeftCorner(n, c) = p;
    const auto tb = t_wide.topLeftCorner(n, c);
    const auto pb = p_wide.topLeftCorner(n, c);
    Eigen::Matrix<T, Eigen::Dynamic, 1> w = Eigen::Matrix<T, Eigen::Dynamic, 1>::Random(n).cwiseAbs();
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;

    const auto check = [&](const auto& loss, const char* what) {
        INFO(what);
        RowM g_ref(n, c);
        const T ref = loss(tensor_view<const T>(t), tensor_view<const T>(p),
                           {.sample_weight = w, .grad = std::span<T>(g_ref.data(), n * c)});
        ColM g_col(n, c);  // column-major y_pred: the gradient is column-major
        CHECK(loss(tensor_view<const T>(tc), tensor_view<const T>(pc),
                   {.sample_weight = w, .grad = std::span<T>(g_col.data(), n * c)}) ==
              doctest::Approx(ref).epsilon(tol));
        CHECK((g_col - ColM(g_ref)).cwiseAbs().maxCoeff() <= tol * (1 + g_ref.cwiseAbs().maxCoeff()));
        ColM g_blk(n, c);  // padded: compact, in the block's order
        CHECK(loss(tensor_view<const T>(tb), tensor_view<const T>(pb),
                   {.sample_weight = w, .grad = std::span<T>(g_blk.data(), n * c)}) ==
              doctest::Approx(ref).epsilon(tol));
        CHECK((g_blk - ColM(g_ref)).cwiseAbs().maxCoeff() <= tol * (1 + g_ref.cwiseAbs().maxCoeff()));
        // mixed: row-major y_true against column-major y_pred
        CHECK(loss(tensor_view<const T>(t), tensor_view<const T>(pc), {.sample_weight = w}) ==
              doctest::Approx(ref).epsilon(tol));
    };
    check(k::CategoricalCrossentropy<true>(0.1), "CategoricalCrossentropy<true>(0.1)");
    {  // value_and_grad: operator()'s result and gradient; it needs a gradient to write
        const auto cce = k::CategoricalCrossentropy<true>(0.1);
        RowM g1(n, c), g2(n, c);
        const T a = cce(tensor_view<const T>(t), tensor_view<const T>(pc), {.grad = std::span<T>(g1.data(), n * c)});
        const T b = cce.value_and_grad(tensor_view<const T>(t), tensor_view<const T>(pc),
                                       {.grad = std::span<T>(g2.data(), n * c)});
        CHECK(a == b);
        CHECK(g1 == g2);
        CHECK_THROWS_WITH_AS(cce.value_and_grad(tensor_view<const T>(t), tensor_view<const T>(p), {}),
                             doctest::Contains("args.grad"), lossc::shape_error);
    }
    check(k::MeanSquaredError(), "MeanSquaredError");
    check(k::Hinge(), "Hinge (its batch-wide label scan)");
    check(k::CosineSimilarity(), "CosineSimilarity");

    // class ids in a strided column (every other element of a buffer), against contiguous ones
    std::vector<std::int64_t> ids(2 * n), packed(n);
    for (Eigen::Index i = 0; i < n; ++i) ids[2 * i] = packed[i] = i % c, ids[2 * i + 1] = -99;
    const auto sparse = k::SparseCategoricalCrossentropy<true>();
    RowM g1(n, c);
    ColM g2(n, c);
    const T a = sparse(tensor_view<const std::int64_t>{packed.data(), {n}}, tensor_view<const T>(p),
                       {.grad = std::span<T>(g1.data(), n * c)});
    const T b = sparse(tensor_view<const std::int64_t>{ids.data(), {n}, {2}}, tensor_view<const T>(pc),
                       {.grad = std::span<T>(g2.data(), n * c)});
    CHECK(b == doctest::Approx(a).epsilon(tol));
    CHECK((g2 - ColM(g1)).cwiseAbs().maxCoeff() <= tol);
    // float labels in a strided (N, 1) column
    RowM lab(n, 2);
    for (Eigen::Index i = 0; i < n; ++i) lab(i, 0) = static_cast<T>(i % c), lab(i, 1) = -5;
    const auto col0 = lab.col(0);
    std::vector<T> lab_packed(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) lab_packed[static_cast<std::size_t>(i)] = static_cast<T>(i % c);
    CHECK(sparse(tensor_view<const T>(col0), tensor_view<const T>(p)) ==
          doctest::Approx(sparse(tensor_view<const T>{lab_packed.data(), {n}}, tensor_view<const T>(p))).epsilon(tol));

    // axis=None: both dense in one storage order; mixed orders are refused before anything is written
    const auto dice = k::Dice();
    CHECK(dice(tensor_view<const T>(tc), tensor_view<const T>(pc)) ==
          doctest::Approx(dice(tensor_view<const T>(t), tensor_view<const T>(p))).epsilon(tol));
    CHECK_THROWS_WITH_AS(dice(tensor_view<const T>(t), tensor_view<const T>(pc)), doctest::Contains("one memory order"),
                         lossc::shape_error);
    CHECK_THROWS_AS(dice(tensor_view<const T>(tb), tensor_view<const T>(pb)), lossc::shape_error);
    // rank 3 at strides under which each run of axes has one stride: read in place (every other
    // element here); a permuted one, whose kept axes have no one stride, is refused
    std::vector<T> buf(2 * 3 * 4 * 2), packed3(2 * 3 * 4), ones(2 * 3 * 4, T(1) / 4);
    for (std::size_t e = 0; e < buf.size(); ++e) buf[e] = T(0.05) * T(e % 7) + T(0.1);
    for (std::size_t e = 0; e < packed3.size(); ++e) packed3[e] = buf[2 * e];
    const auto cce3 = k::CategoricalCrossentropy();
    CHECK(cce3(tensor_view<const T>{ones.data(), {2, 3, 4}}, tensor_view<const T>{buf.data(), {2, 3, 4}, {24, 8, 2}}) ==
          doctest::Approx(
              cce3(tensor_view<const T>{ones.data(), {2, 3, 4}}, tensor_view<const T>{packed3.data(), {2, 3, 4}}))
              .epsilon(tol));
    CHECK_THROWS_WITH_AS(
        cce3(tensor_view<const T>{buf.data(), {2, 3, 4}}, tensor_view<const T>{buf.data(), {2, 3, 4}, {4, 8, 1}}),
        doctest::Contains("copy it to numpy's layout"), lossc::shape_error);
    // strided sample weights are refused (Keras's broadcasting reads them flat)
    const Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>, 0, Eigen::InnerStride<2>> w2(w.data(), n / 2);
    CHECK_THROWS_AS(k::MeanSquaredError()(tensor_view<const T>(t), tensor_view<const T>(p),
                                          {.sample_weight = k::weight_tensor(w2)}),
                    lossc::shape_error);
}
