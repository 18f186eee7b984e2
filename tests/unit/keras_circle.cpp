// lossc::keras::Circle (keras/circle.hpp): the gradient against central differences in double for
// every reduction, with weights and masks, across the 256-row chunks and past the 1024 similarities
// a row keeps; the function form with reference embeddings; a permuted batch; the errors. The
// differential test (tests/keras/) compares values and gradients against real Keras.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <lossc/lossc.hpp>
#include <numeric>
#include <span>
#include <vector>

namespace k = lossc::keras;
using k::reduction;
using k::tensor_view;
using idx = lossc::index;

namespace {
struct batch {
    idx n, d;
    std::vector<double> p;
    std::vector<std::int32_t> labels;
    batch(idx rows, idx dims, int classes, unsigned seed)
        : n(rows), d(dims), p(static_cast<std::size_t>(rows * dims)), labels(static_cast<std::size_t>(rows)) {
        for (idx i = 0; i < n; ++i) {
            double norm = 0;
            for (idx k = 0; k < d; ++k) {
                const double v = std::sin(1.7 * double(i * d + k) + seed) + 0.3 * std::cos(0.9 * double(i) + k);
                p[static_cast<std::size_t>(i * d + k)] = v, norm += v * v;
            }
            for (idx k = 0; k < d; ++k) p[static_cast<std::size_t>(i * d + k)] /= std::sqrt(norm);
            labels[static_cast<std::size_t>(i)] =
                static_cast<std::int32_t>((i * 5 + seed) % static_cast<unsigned>(classes));
        }
    }
    tensor_view<const std::int32_t> y_true() const { return {labels.data(), {n}}; }
    tensor_view<const double> y_pred() const { return {p.data(), {n, d}}; }
};

void check_gradient(const k::circle_loss& loss, batch& b, k::weight_tensor w, tensor_view<const bool> mask,
                    std::initializer_list<idx> probes) {
    std::vector<double> g(b.p.size());
    loss(b.y_true(), b.y_pred(), {.sample_weight = w, .mask = mask, .grad = g});
    for (const idx e : probes) {
        auto& x = b.p[static_cast<std::size_t>(e)];
        const double keep = x, h = 1e-6;
        x = keep + h;
        const double up = loss(b.y_true(), b.y_pred(), {.sample_weight = w, .mask = mask});
        x = keep - h;
        const double down = loss(b.y_true(), b.y_pred(), {.sample_weight = w, .mask = mask});
        x = keep;
        CHECK_MESSAGE(g[static_cast<std::size_t>(e)] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-6).scale(1.0),
                      "entry ", e);
    }
}
}  // namespace

TEST_CASE("Circle: the gradient against central differences, every reduction, weights and masks") {
    batch b(12, 5, 4, 1);
    std::vector<double> w(12);
    std::iota(w.begin(), w.end(), 0.5);
    std::vector<std::uint8_t> m(12, 1);
    m[3] = m[7] = 0;
    const tensor_view<const bool> mask{reinterpret_cast<const bool*>(m.data()), {12}};
    for (const reduction r :
         {reduction::sum_over_batch_size, reduction::sum, reduction::mean_with_sample_weight, reduction::none}) {
        for (const bool diagonal : {true, false}) {
            const auto loss = k::Circle(80.0, 0.4, diagonal, r);
            check_gradient(loss, b, {}, {}, {0, 7, 33, 59});
            check_gradient(loss, b, tensor_view<const double>{w.data(), {12}}, mask, {1, 16, 38, 55});
        }
        check_gradient(k::Circle(8.0, 0.1, true, r), b, 0.5, {}, {2, 21, 44});
    }
}

TEST_CASE("Circle: the mask L > 0 leaves the mean; a sample without positives has loss 0") {
    // labels 0, 0, 1: sample 2 has no positive, so no loss, and the mean is over samples 0 and 1
    const std::vector<double> p = {1, 0, 0.6, 0.8, 0, 1};
    const std::vector<std::int64_t> y = {0, 0, 1};
    std::vector<double> v(3), g(6);
    const tensor_view<const std::int64_t> yt{y.data(), {3, 1}};
    const tensor_view<const double> yp{p.data(), {3, 2}};
    const double sum = k::Circle(80.0, 0.4, true, reduction::none)(yt, yp, {.values = v});
    CHECK(v[2] == 0.0);
    CHECK(v[0] > 0.0);
    CHECK(v[1] > 0.0);
    CHECK(sum == doctest::Approx(v[0] + v[1]));
    CHECK(k::Circle()(yt, yp) == doctest::Approx((v[0] + v[1]) / 2));
    // every sample alone in its class: every loss 0, the mean 0 (not 0/0), the gradient 0
    const std::vector<std::int64_t> alone = {0, 1, 2};
    CHECK(k::Circle()(tensor_view<const std::int64_t>{alone.data(), {3}}, yp, {.grad = g}) == 0.0);
    CHECK(std::all_of(g.begin(), g.end(), [](double x) { return x == 0.0; }));
}

TEST_CASE("Circle: past a chunk of rows and the similarities a row keeps, a permuted batch") {
    batch b(1030, 2, 7, 3);  // 1030 rows: five chunks of 256, and 6 similarities per row recomputed
    check_gradient(k::Circle(16.0, 0.4), b, {}, {}, {0, 2059});
    // permuting the batch permutes the losses
    std::vector<double> v(1030), vp(1030);
    k::Circle(16.0, 0.4, true, reduction::none)(b.y_true(), b.y_pred(), {.values = v});
    batch r = b;
    for (idx i = 0; i < b.n; ++i) {
        const idx from = b.n - 1 - i;
        r.labels[static_cast<std::size_t>(i)] = b.labels[static_cast<std::size_t>(from)];
        for (idx k = 0; k < b.d; ++k)
            r.p[static_cast<std::size_t>(i * b.d + k)] = b.p[static_cast<std::size_t>(from * b.d + k)];
    }
    k::Circle(16.0, 0.4, true, reduction::none)(r.y_true(), r.y_pred(), {.values = vp});
    for (idx i = 0; i < b.n; i += 97)
        CHECK(vp[static_cast<std::size_t>(i)] ==
              doctest::Approx(v[static_cast<std::size_t>(b.n - 1 - i)]).epsilon(1e-12));
}

TEST_CASE("circle, the function form: the batch as references, or another set") {
    batch b(10, 4, 3, 5);
    std::vector<double> v(10), vc(10), g(40);
    k::Circle(80.0, 0.4, true, reduction::none)(b.y_true(), b.y_pred(), {.values = vc});
    k::circle(b.y_true(), b.y_pred(), std::span<double>(v));
    CHECK(v == vc);
    // references: a copy of the batch gives the same losses; the gradient is y_pred's alone
    const std::vector<double> ref = b.p;
    const std::vector<std::int32_t> ref_labels = b.labels;
    const k::circle_refs<std::int32_t, double> refs{{ref_labels.data(), {10}}, {ref.data(), {10, 4}}};
    k::circle(b.y_true(), b.y_pred(), std::span<double>(v), {}, refs, std::span<double>(g));
    for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(vc[i]).epsilon(1e-13));
    for (const std::size_t e : {std::size_t(3), std::size_t(22)}) {
        const auto total = [&] {
            std::vector<double> tmp(10);
            k::circle(b.y_true(), b.y_pred(), std::span<double>(tmp), {}, refs);
            return std::accumulate(tmp.begin(), tmp.end(), 0.0);
        };
        const double keep = b.p[e], h = 1e-6;
        b.p[e] = keep + h;
        const double up = total();
        b.p[e] = keep - h;
        const double down = total();
        b.p[e] = keep;
        CHECK(g[e] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-6).scale(1.0));
    }
}

TEST_CASE("Circle: bad input is an error before anything is written") {
    batch b(6, 3, 2, 7);
    std::vector<double> g(18, -7.0), v(6, -7.0);
    const auto loss = k::Circle();
    CHECK_THROWS_WITH_AS(loss(b.y_true(), tensor_view<const double>{b.p.data(), {2, 3, 3}}),
                         doctest::Contains("(N, D) embeddings"), lossc::shape_error);
    CHECK_THROWS_AS(loss(tensor_view<const std::int32_t>{b.labels.data(), {5}}, b.y_pred()), lossc::shape_error);
    const std::vector<double> fractional = {0, 1, 0.5, 1, 0, 1};
    CHECK_THROWS_AS(loss(tensor_view<const double>{fractional.data(), {6}}, b.y_pred(), {.values = v, .grad = g}),
                    lossc::label_error);
    CHECK_THROWS_AS(loss(b.y_true(), b.y_pred(), {.values = std::span<double>(v).first(5)}), lossc::shape_error);
    CHECK_THROWS_AS(loss(b.y_true(), b.y_pred(), {.grad = std::span<double>(b.p.data(), 18)}),
                    lossc::shape_error);  // grad over y_pred
    CHECK_THROWS_AS(loss(b.y_true(), b.y_pred(), {.values = v, .global_batch_size = 12}), lossc::parameter_error);
    std::vector<double> w(4, 1.0);
    CHECK_THROWS_AS(loss(b.y_true(), b.y_pred(), {.sample_weight = tensor_view<const double>{w.data(), {4}}}),
                    lossc::shape_error);
    CHECK(std::all_of(g.begin(), g.end(), [](double x) { return x == -7.0; }));
    CHECK(std::all_of(v.begin(), v.end(), [](double x) { return x == -7.0; }));
}
