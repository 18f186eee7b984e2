// lossc::keras::CTC (keras/ctc.hpp): against the definition itself — −log of the summed probability
// of every path of K^T whose collapse (repeats merged, blanks removed) is the label — for labels
// with and without repeats, empty, and as long as the steps allow; an alignment that cannot be
// made costs about 1e5 per missing step (Keras's log ε) with a finite gradient; the gradient
// against central differences for every reduction, with weights and masks; strided tensors; the
// errors, with nothing written. tests/keras/ compares against Keras, tests/torch/ against libtorch.
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
std::vector<double> logits(idx n, unsigned seed) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (idx e = 0; e < n; ++e)
        v[static_cast<std::size_t>(e)] = 2.5 * std::sin(0.61 * double(e) + seed) + 0.4 * std::cos(1.3 * double(e));
    return v;
}
/// (f(x + h·e_k) − f(x − h·e_k)) / 2h, x restored.
template <class F> double central_difference(F&& f, std::vector<double>& x, std::size_t k, double h) {
    const double keep = x[k];
    x[k] = keep + h;
    const double up = f();
    x[k] = keep - h;
    const double down = f();
    x[k] = keep;
    return (up - down) / (2 * h);
}
/// −log Σ over every path π of K^T with collapse(π) = label of Π_t softmax(x_t)[π_t].
double brute_force(const std::vector<double>& x, idx steps, idx classes, const std::vector<int>& label) {
    std::vector<double> p(x.size());
    for (idx t = 0; t < steps; ++t) {
        double z = 0;
        for (idx c = 0; c < classes; ++c) z += std::exp(x[static_cast<std::size_t>(t * classes + c)]);
        for (idx c = 0; c < classes; ++c)
            p[static_cast<std::size_t>(t * classes + c)] = std::exp(x[static_cast<std::size_t>(t * classes + c)]) / z;
    }
    double total = 0;
    std::vector<int> path(static_cast<std::size_t>(steps), 0);
    for (;;) {
        std::vector<int> collapsed;
        for (idx t = 0; t < steps; ++t) {
            const int c = path[static_cast<std::size_t>(t)];
            if (c != 0 && (t == 0 || c != path[static_cast<std::size_t>(t - 1)])) collapsed.push_back(c);
        }
        if (collapsed == label) {
            double q = 1;
            for (idx t = 0; t < steps; ++t)
                q *= p[static_cast<std::size_t>(t * classes + path[static_cast<std::size_t>(t)])];
            total += q;
        }
        idx t = 0;  // the next path, as a number in base K
        while (t < steps && ++path[static_cast<std::size_t>(t)] == classes) path[static_cast<std::size_t>(t++)] = 0;
        if (t == steps) break;
    }
    return -std::log(total);
}
}  // namespace

TEST_CASE("CTC against the sum over every alignment") {
    constexpr idx classes = 3;
    const std::vector<std::vector<int>> labels = {{1}, {2, 1}, {1, 1}, {1, 2, 1}, {}, {2, 2, 1}};
    for (const idx steps : {idx(1), idx(3), idx(6)}) {
        const auto x = logits(steps * classes, static_cast<unsigned>(steps));
        for (const auto& label : labels) {
            idx needed = static_cast<idx>(label.size());
            for (std::size_t n = 1; n < label.size(); ++n) needed += label[n] == label[n - 1] ? 1 : 0;
            if (needed > steps) continue;         // infeasible: below
            std::vector<std::int32_t> row(4, 0);  // padded with the blank
            std::copy(label.begin(), label.end(), row.begin());
            std::vector<double> v(1);
            k::ctc(tensor_view<const std::int32_t>{row.data(), {1, 4}},
                   tensor_view<const double>{x.data(), {1, steps, classes}}, std::span<double>(v));
            CHECK_MESSAGE(v[0] == doctest::Approx(brute_force(x, steps, classes, label)).epsilon(1e-12), "T = ", steps,
                          ", ", label.size(), " labels");
        }
    }
}

TEST_CASE("CTC: an alignment that cannot be made costs Keras's log ε per missing step; its gradient (log space)") {
    auto x = logits(6, 9);                            // (1, 2, 3)
    const std::vector<std::int32_t> row = {1, 1, 0};  // two equal labels need three steps; there are two
    const tensor_view<const std::int32_t> y{row.data(), {1, 3}};
    std::vector<double> v(1), g(6);
    k::ctc(y, tensor_view<const double>{x.data(), {1, 2, 3}}, std::span<double>(v), std::span<double>(g));
    CHECK(v[0] > 0.9e5);
    CHECK(v[0] < 1.1e5);
    // the log-space recursion's adjoint against central differences (h large enough for a loss of 1e5)
    const auto at = [&] {
        std::vector<double> w(1);
        k::ctc(y, tensor_view<const double>{x.data(), {1, 2, 3}}, std::span<double>(w));
        return w[0];
    };
    for (std::size_t e = 0; e < x.size(); ++e)
        CHECK_MESSAGE(g[e] == doctest::Approx(central_difference(at, x, e, 1e-4)).epsilon(1e-5).scale(1.0), "entry ",
                      e);
}

TEST_CASE("CTC: the gradient against central differences, every reduction, weights and masks; strided tensors") {
    constexpr idx n = 4, steps = 9, classes = 5, width = 4;
    auto x = logits(n * steps * classes, 2);
    const std::vector<std::int64_t> labels = {1, 2, 2, 0, 3, 0, 0, 0, 4, 1, 4, 1, 0, 0, 0, 0};
    const std::vector<double> w = {0.5, 1.5, 2.0, 0.25};
    std::vector<std::uint8_t> m = {1, 0, 1, 1};
    const tensor_view<const bool> mask{reinterpret_cast<const bool*>(m.data()), {n}};
    const tensor_view<const std::int64_t> y{labels.data(), {n, width}};
    for (const reduction r :
         {reduction::sum_over_batch_size, reduction::sum, reduction::mean_with_sample_weight, reduction::none}) {
        for (const bool weighted : {false, true}) {
            const auto loss = k::CTC(r);
            const k::weight_tensor wt =
                weighted ? k::weight_tensor(tensor_view<const double>{w.data(), {n}}) : k::weight_tensor{};
            const tensor_view<const bool> mk = weighted ? mask : tensor_view<const bool>{};
            const auto at = [&](std::span<double> g = {}) {
                return loss(y, tensor_view<const double>{x.data(), {n, steps, classes}},
                            {.sample_weight = wt, .mask = mk, .grad = g});
            };
            std::vector<double> g(x.size());
            at(g);
            for (const std::size_t e : {std::size_t(0), std::size_t(47), std::size_t(93), std::size_t(179)})
                CHECK(g[e] ==
                      doctest::Approx(central_difference([&] { return at(); }, x, e, 1e-6)).epsilon(1e-6).scale(1.0));
        }
    }
    // y_pred inside a wider buffer (every class of a step, then 3 more), labels column-major
    std::vector<double> wide(static_cast<std::size_t>(n * steps * (classes + 3)), 99.0);
    for (idx e = 0; e < n * steps; ++e)
        for (idx c = 0; c < classes; ++c)
            wide[static_cast<std::size_t>(e * (classes + 3) + c)] = x[static_cast<std::size_t>(e * classes + c)];
    std::vector<std::int64_t> by_column(labels.size());
    for (idx i = 0; i < n; ++i)
        for (idx s = 0; s < width; ++s)
            by_column[static_cast<std::size_t>(s * n + i)] = labels[static_cast<std::size_t>(i * width + s)];
    std::vector<double> g_packed(x.size()), g_strided(x.size());
    const double packed = k::CTC()(y, tensor_view<const double>{x.data(), {n, steps, classes}}, {.grad = g_packed});
    const double strided =
        k::CTC()(tensor_view<const std::int64_t>{by_column.data(), {n, width}, {1, n}},
                 tensor_view<const double>{wide.data(), {n, steps, classes}, {steps * (classes + 3), classes + 3, 1}},
                 {.grad = g_strided});
    CHECK(strided == packed);
    CHECK(g_strided == g_packed);  // the gradient in C order either way
}

TEST_CASE("CTC: bad input is an error before anything is written") {
    const auto x = logits(24, 1);  // (2, 4, 3)
    std::vector<double> g(x.size(), -7.0), v(2, -7.0);
    const tensor_view<const double> p{x.data(), {2, 4, 3}};
    const auto loss = k::CTC(reduction::none);
    const std::vector<std::int32_t> out_of_range = {1, 2, 0, 1, 3, 0}, negative = {1, -1, 0, 0, 0, 0};
    CHECK_THROWS_WITH_AS(
        loss(tensor_view<const std::int32_t>{out_of_range.data(), {2, 3}}, p, {.values = v, .grad = g}),
        doctest::Contains("not a class id in [0, 3)"), lossc::label_error);
    CHECK_THROWS_AS(loss(tensor_view<const std::int32_t>{negative.data(), {2, 3}}, p, {.values = v, .grad = g}),
                    lossc::label_error);
    const std::vector<float> fractional = {1, 0.5f, 0, 0, 0, 0};
    CHECK_THROWS_AS(
        k::CTC()(tensor_view<const float>{fractional.data(), {2, 3}}, tensor_view<const float>{nullptr, {2, 0, 3}}),
        lossc::label_error);
    const std::vector<std::int32_t> ok = {1, 2, 0, 1, 0, 0};
    CHECK_THROWS_WITH_AS(
        loss(tensor_view<const std::int32_t>{ok.data(), {2, 3}}, tensor_view<const double>{x.data(), {8, 3}}),
        doctest::Contains("(N, T, K) logits"), lossc::shape_error);
    CHECK_THROWS_AS(loss(tensor_view<const std::int32_t>{ok.data(), {3, 2}}, p), lossc::shape_error);
    CHECK_THROWS_AS(
        loss(tensor_view<const std::int32_t>{ok.data(), {2, 3}}, p, {.values = std::span<double>(v).first(1)}),
        lossc::shape_error);
    CHECK(std::all_of(g.begin(), g.end(), [](double d) { return d == -7.0; }));
    CHECK(std::all_of(v.begin(), v.end(), [](double d) { return d == -7.0; }));
}
