// lossc::keras at rank 4 and more (segmentation's (N, H, W, C) and (N, C, H, W)): each call against
// the same numbers laid out at rank 2 (the last axis) or transposed by hand (channels first),
// the gradient against central differences, per-sample and per-pixel weights, masks, the axis
// sets lossc cannot map. The differential test (tests/keras/) compares the same against Keras.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <lossc/lossc.hpp>
#include <numeric>
#include <vector>

namespace k = lossc::keras;
using k::reduction;
using k::tensor_view;
using idx = lossc::index;

namespace {
constexpr idx N = 2, H = 3, W = 5, C = 4;  // (N, H, W, C) channels last

std::vector<double> logits(idx n, unsigned seed) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (idx e = 0; e < n; ++e) v[static_cast<std::size_t>(e)] = std::sin(0.37 * double(e) + seed) * 3.0;
    return v;
}
std::vector<double> one_hot(const std::vector<std::int32_t>& ids) {
    std::vector<double> t(ids.size() * C, 0.0);
    for (std::size_t e = 0; e < ids.size(); ++e) t[e * C + static_cast<std::size_t>(ids[e])] = 1.0;
    return t;
}
/// (N, H, W, C) → (N, C, H, W)
std::vector<double> channels_first(const std::vector<double>& x) {
    std::vector<double> y(x.size());
    for (idx n = 0; n < N; ++n)
        for (idx h = 0; h < H; ++h)
            for (idx w = 0; w < W; ++w)
                for (idx c = 0; c < C; ++c)
                    y[static_cast<std::size_t>(((n * C + c) * H + h) * W + w)] =
                        x[static_cast<std::size_t>(((n * H + h) * W + w) * C + c)];
    return y;
}
std::vector<std::int32_t> class_ids() {
    std::vector<std::int32_t> ids(N * H * W);
    for (std::size_t e = 0; e < ids.size(); ++e) ids[e] = static_cast<std::int32_t>((e * 7 + 3) % C);
    return ids;
}
}  // namespace

TEST_CASE("rank 4, channels last: (N, H, W) losses, the same as (N·H·W, C) rows") {
    const auto p = logits(N * H * W * C, 1);
    const auto t = one_hot(class_ids());
    const tensor_view<const double> p4{p.data(), {N, H, W, C}}, t4{t.data(), {N, H, W, C}};
    const tensor_view<const double> p2{p.data(), {N * H * W, C}}, t2{t.data(), {N * H * W, C}};
    for (const reduction r : {reduction::sum_over_batch_size, reduction::sum, reduction::none}) {
        const auto cce = k::CategoricalCrossentropy<true>(0.1, -1, r);
        CHECK(cce.values_shape(p4).rank == 3);
        CHECK(cce.values_shape(p4).dims == std::array<idx, k::max_rank - 1>{N, H, W});
        std::vector<double> v4(N * H * W), g4(p.size()), v2(N * H * W), g2(p.size());
        const double l4 = cce(t4, p4, {.values = v4, .grad = g4});
        const double l2 = cce(t2, p2, {.values = v2, .grad = g2});
        CHECK(l4 == doctest::Approx(l2).epsilon(1e-13));  // sum_over_batch_size divides by N·H·W either way
        CHECK(v4 == v2);
        CHECK(g4 == g2);
    }
    // Sparse labels (N, H, W) and (N, H, W, 1)
    const auto ids = class_ids();
    const auto scce = k::SparseCategoricalCrossentropy<true>();
    const double dense = k::CategoricalCrossentropy<true>()(t4, p4);
    CHECK(scce(tensor_view<const std::int32_t>{ids.data(), {N, H, W}}, p4) == doctest::Approx(dense).epsilon(1e-13));
    CHECK(scce(tensor_view<const std::int32_t>{ids.data(), {N, H, W, 1}}, p4) == doctest::Approx(dense).epsilon(1e-13));
}

TEST_CASE("rank 4, channels first: axis 1 of (N, C, H, W) read in place, gradient in its layout") {
    const auto p = logits(N * H * W * C, 2);
    const auto ids = class_ids();
    const auto t = one_hot(ids);
    const auto pf = channels_first(p), tf = channels_first(t);
    std::vector<double> g_last(p.size()), g_first(p.size()), v_last(N * H * W), v_first(N * H * W);
    const double last = k::CategoricalCrossentropy<true>(0.0, -1)(tensor_view<const double>{t.data(), {N, H, W, C}},
                                                                  tensor_view<const double>{p.data(), {N, H, W, C}},
                                                                  {.values = v_last, .grad = g_last});
    const auto cf = k::CategoricalCrossentropy<true>(0.0, 1);
    CHECK(cf.values_shape(tensor_view<const double>{pf.data(), {N, C, H, W}}).dims ==
          std::array<idx, k::max_rank - 1>{N, H, W});
    const double first = cf(tensor_view<const double>{tf.data(), {N, C, H, W}},
                            tensor_view<const double>{pf.data(), {N, C, H, W}}, {.values = v_first, .grad = g_first});
    CHECK(first == doctest::Approx(last).epsilon(1e-13));
    CHECK(v_first == v_last);  // the losses in (N, H, W) order either way
    CHECK(g_first == channels_first(g_last));
    // class ids along axis 1: (N, H, W) against (N, C, H, W)
    const auto scf = k::SparseCategoricalCrossentropy<true>(std::nullopt, reduction::sum_over_batch_size, 1);
    CHECK(scf(tensor_view<const std::int32_t>{ids.data(), {N, H, W}},
              tensor_view<const double>{pf.data(), {N, C, H, W}}) == doctest::Approx(last).epsilon(1e-13));
}

TEST_CASE("rank 4: the gradient against central differences, per-sample and per-pixel weights, masks") {
    auto p = logits(N * H * W * C, 3);
    const auto t = one_hot(class_ids());
    std::vector<double> w_sample = {0.5, 2.0}, w_pixel(N * H * W);
    std::iota(w_pixel.begin(), w_pixel.end(), 1.0);
    std::vector<std::uint8_t> mask_bytes(N * H * W);
    for (std::size_t e = 0; e < mask_bytes.size(); ++e) mask_bytes[e] = e % 3 != 1;
    const tensor_view<const bool> mask{reinterpret_cast<const bool*>(mask_bytes.data()), {N, H, W}};
    const tensor_view<const double> ws{w_sample.data(), {N, 1, 1}}, ws4{w_sample.data(), {N, 1, 1, 1}},
        wp{w_pixel.data(), {N, H, W}};
    for (const reduction r : {reduction::sum_over_batch_size, reduction::mean_with_sample_weight}) {
        const auto cce = k::CategoricalCrossentropy<true>(0.05, -1, r);
        const auto at = [&](const std::vector<double>& x, k::weight_tensor w, tensor_view<const bool> m,
                            std::span<double> g = {}) {
            return cce(tensor_view<const double>{t.data(), {N, H, W, C}},
                       tensor_view<const double>{x.data(), {N, H, W, C}}, {.sample_weight = w, .mask = m, .grad = g});
        };
        // a per-sample weight (N, 1, 1) is each sample's weight on its H·W losses; (N, 1, 1, 1) the
        // same. Under mean_with_sample_weight Keras divides by Σ w as given: Σ_i w_i, not H·W·Σ_i w_i.
        std::vector<double> per_loss(N * H * W);
        for (std::size_t e = 0; e < per_loss.size(); ++e) per_loss[e] = w_sample[e / (H * W)];
        const tensor_view<const double> wl{per_loss.data(), {N, H, W}};
        const double spread = r == reduction::mean_with_sample_weight ? double(H * W) : 1.0;
        CHECK(at(p, ws, {}) == doctest::Approx(at(p, wl, {}) * spread).epsilon(1e-13));
        CHECK(at(p, ws4, {}) == doctest::Approx(at(p, wl, {}) * spread).epsilon(1e-13));
        for (const bool masked : {false, true}) {
            std::vector<double> g(p.size());
            const tensor_view<const bool> m = masked ? mask : tensor_view<const bool>{};
            at(p, wp, m, g);
            for (const std::size_t e : {std::size_t(0), std::size_t(17), std::size_t(59), p.size() - 1}) {
                const double h = 1e-6, keep = p[e];
                p[e] = keep + h;
                const double up = at(p, wp, m);
                p[e] = keep - h;
                const double down = at(p, wp, m);
                p[e] = keep;
                CHECK(g[e] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-6));
            }
        }
    }
}

TEST_CASE("rank 4, per sample and axis None: Dice over (H, W, C) as over rows of H·W·C") {
    std::vector<double> p(N * H * W * C), t(p.size());
    for (std::size_t e = 0; e < p.size(); ++e)
        p[e] = 0.1 + 0.8 * std::abs(std::sin(double(e))), t[e] = double(e % 3 == 0);
    std::vector<double> g4(p.size()), g2(p.size()), v(N);
    const auto dice = k::Dice(reduction::none, {1, 2, 3});
    CHECK(dice.values_shape(tensor_view<const double>{p.data(), {N, H, W, C}}).rank == 1);
    dice(tensor_view<const double>{t.data(), {N, H, W, C}}, tensor_view<const double>{p.data(), {N, H, W, C}},
         {.values = v, .grad = g4});
    std::vector<double> v2(N);
    k::Dice(reduction::none, {1})(tensor_view<const double>{t.data(), {N, H * W * C}},
                                  tensor_view<const double>{p.data(), {N, H * W * C}}, {.values = v2, .grad = g2});
    CHECK(v == v2);
    CHECK(g4 == g2);
    const double whole =
        k::Dice()(tensor_view<const double>{t.data(), {N, H, W, C}}, tensor_view<const double>{p.data(), {N, H, W, C}});
    CHECK(whole == doctest::Approx(k::Dice()(tensor_view<const double>{t.data(), {N * H * W * C, 1}},
                                             tensor_view<const double>{p.data(), {N * H * W * C, 1}}))
                       .epsilon(1e-13));
}

TEST_CASE("rank 4+: what lossc cannot map is a clear error, before anything is written") {
    const auto p = logits(N * H * W * C, 4);
    std::vector<double> g(p.size(), -7.0);
    const tensor_view<const double> p4{p.data(), {N, H, W, C}};
    // reduced axes that are not adjacent
    CHECK_THROWS_WITH_AS(k::Dice(reduction::sum_over_batch_size, {1, 3})(p4, p4, {.grad = g}),
                         doctest::Contains("not adjacent"), lossc::parameter_error);
    CHECK(g[0] == -7.0);
    // a per-sample weight (N,) against (N, H, W) losses: Keras would align it with W
    std::vector<double> w(N, 1.0);
    CHECK_THROWS_WITH_AS(k::MeanSquaredError()(p4, p4, {.sample_weight = tensor_view<const double>{w.data(), {N}}}),
                         doctest::Contains("(N, 1, …) per sample"), lossc::shape_error);
    // a mask of the losses' size in another shape
    std::vector<std::uint8_t> m(N * H * W, 1);
    CHECK_THROWS_AS(k::MeanSquaredError()(
                        p4, p4, {.mask = tensor_view<const bool>{reinterpret_cast<const bool*>(m.data()), {N, W, H}}}),
                    lossc::shape_error);
    // rank 9
    CHECK_THROWS_WITH_AS((tensor_view<const double>{p.data(), {1, 1, 1, 1, 1, 1, 1, 1, 2}}),
                         doctest::Contains("rank 8 at most"), lossc::shape_error);
    // rank 8 works: (1, …, 1, N·H·W, C)
    const tensor_view<const double> p8{p.data(), {1, 1, 1, 1, 1, 1, N * H * W, C}};
    CHECK(k::MeanSquaredError()(p8, p8) == 0.0);
    CHECK(k::MeanSquaredError(reduction::none).values_shape(p8).rank == 7);
}
