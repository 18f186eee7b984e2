// lossc::keras function forms: every loss against values worked out independently from the
// formulas (Keras's losses.py, written here as plain loops in double), Keras's documented
// numbers in float32 (docstrings and tests, including the float32 clip bounds of §4.1), and the
// shared gradient check (kernel vs reference evaluator vs central differences, in double).
#include <cmath>
#include <functional>
#include <vector>

#include "gradcheck.hpp"

namespace k = lossc::keras;
using lossc_test::check_gradient;
using lossc_test::random_rows;
using lossc_test::rows_t;

namespace {
constexpr double eps = 1e-7;
constexpr std::size_t N = 5, C = 4;

/// Per-sample losses of `loss` (double kernel) for rows t and p.
template <class E, std::size_t Ct>
std::vector<double> per_sample(const E& loss, const rows_t<N, Ct>& t, const rows_t<N, C>& p) {
    const auto kern = lossc::compile(loss);
    const Eigen::MatrixXd yt = lossc_test::to_eigen(t), yp = lossc_test::to_eigen(p);
    Eigen::VectorXd ps(static_cast<Eigen::Index>(N));
    kern.forward(yt, yp, ps);
    return {ps.data(), ps.data() + N};
}

using row_fn = std::function<double(const std::array<double, C>&, const std::array<double, C>&)>;

/// The loss against an independent per-row formula, at every row.
template <class E> void check_against(const E& loss, const rows_t<N, C>& t, const rows_t<N, C>& p,
                                      const row_fn& expected, const char* what, double rel = 1e-12) {
    const auto got = per_sample(loss, t, p);
    for (std::size_t i = 0; i < N; ++i) {
        const double want = expected(t[i], p[i]);
        CHECK_MESSAGE(lossc_test::close(got[i], want, rel, rel * 1e-3),
                      what << " row " << i << ": lossc " << got[i] << " formula " << want);
    }
}

double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
constexpr double one_minus_eps = 1 - 1e-7;

rows_t<N, C> one_hot_rows(std::mt19937_64& rng) {
    rows_t<N, C> r{};
    for (auto& row : r) row[rng() % C] = 1;
    return r;
}
rows_t<N, C> binary_rows(std::mt19937_64& rng) {
    rows_t<N, C> r{};
    for (auto& row : r)
        for (auto& v : row) v = static_cast<double>(rng() % 2);
    return r;
}
/// Probabilities with the extremes: exact 0 and 1, a tiny value, rows that do not sum to 1.
rows_t<N, C> extreme_probabilities(std::mt19937_64& rng) {
    auto r = random_rows<N, C>(rng, 0.05, 1.0);
    r[0][0] = 0, r[1][1] = 1, r[2][2] = 1e-12, r[3] = {0, 0, 0, 1};
    return r;
}
rows_t<N, C> saturated_logits(std::mt19937_64& rng) {
    auto r = random_rows<N, C>(rng, -4, 4);
    r[0] = {100, -100, 0, 3}, r[1] = {-100, -100, -100, -100}, r[2][1] = 40;
    return r;
}
}  // namespace

TEST_CASE("regression losses match their formulas, at ordinary and extreme inputs") {
    std::mt19937_64 rng(41);
    auto t = random_rows<N, C>(rng, -3, 3), p = random_rows<N, C>(rng, -3, 3);
    t[0] = {0, 0, 0, 0};         // MAPE's ε divisor
    p[1] = {0, 0, 0, 0};         // a zero row (cosine: 0)
    t[2] = {1e4, -1e4, 5, 0.5};  // large values
    auto mean_of = [](auto f) {
        return [f](const std::array<double, C>& a, const std::array<double, C>& b) {
            double s = 0;
            for (std::size_t j = 0; j < C; ++j) s += f(a[j], b[j]);
            return s / C;
        };
    };
    check_against(k::mean_squared_error(), t, p, mean_of([](double a, double b) { return (a - b) * (a - b); }), "mse");
    check_against(k::mean_absolute_error(), t, p, mean_of([](double a, double b) { return std::abs(a - b); }), "mae");
    check_against(k::mean_absolute_percentage_error(), t, p,
                  mean_of([](double a, double b) { return 100 * std::abs(a - b) / std::max(std::abs(a), eps); }),
                  "mape");
    check_against(k::mean_squared_logarithmic_error(), t, p, mean_of([](double a, double b) {
                      const double d = std::log(std::max(b, eps) + 1) - std::log(std::max(a, eps) + 1);
                      return d * d;
                  }),
                  "msle");
    check_against(k::huber(1.5), t, p, mean_of([](double a, double b) {
                      const double e = std::abs(b - a);
                      return e <= 1.5 ? 0.5 * e * e : 1.5 * e - 0.5 * 1.5 * 1.5;
                  }),
                  "huber");
    check_against(k::log_cosh(), t, p, mean_of([](double a, double b) { return std::log(std::cosh(b - a)); }),
                  "log_cosh", 1e-9);
    check_against(
        k::cosine_similarity(), t, p,
        [](const auto& a, const auto& b) {
            double ab = 0, aa = 0, bb = 0;
            for (std::size_t j = 0; j < C; ++j) ab += a[j] * b[j], aa += a[j] * a[j], bb += b[j] * b[j];
            return -ab / std::max(std::sqrt(aa), eps) / std::max(std::sqrt(bb), eps);
        },
        "cosine_similarity");
    auto pp = random_rows<N, C>(rng, 0.01, 4), tp = random_rows<N, C>(rng, 0, 4);
    check_against(k::poisson(), tp, pp, mean_of([](double a, double b) { return b - a * std::log(b + eps); }),
                  "poisson");
    auto pr = extreme_probabilities(rng), tr = extreme_probabilities(rng);
    check_against(
        k::kl_divergence(), tr, pr,
        [](const auto& a, const auto& b) {
            double s = 0;
            for (std::size_t j = 0; j < C; ++j) {
                const double tc = clip(a[j], eps, 1), pc = clip(b[j], eps, 1);
                s += tc * std::log(tc / pc);
            }
            return s;
        },
        "kl_divergence");
}

TEST_CASE("hinge losses: the three label conventions and categorical hinge's max with the target at 0") {
    std::mt19937_64 rng(42);
    const auto t01 = binary_rows(rng);
    const auto p = random_rows<N, C>(rng, -2, 2);
    auto hinge_of = [](bool convert, bool squared) {
        return [=](const std::array<double, C>& a, const std::array<double, C>& b) {
            double s = 0;
            for (std::size_t j = 0; j < C; ++j) {
                const double h = std::max(1 - (convert ? 2 * a[j] - 1 : a[j]) * b[j], 0.0);
                s += squared ? h * h : h;
            }
            return s / C;
        };
    };
    check_against(k::hinge<k::hinge_labels::zero_one>(), t01, p, hinge_of(true, false), "hinge 0/1");
    check_against(k::hinge<k::hinge_labels::signed_>(), t01, p, hinge_of(false, false), "hinge as given");
    check_against(k::squared_hinge<k::hinge_labels::zero_one>(), t01, p, hinge_of(true, true), "squared_hinge 0/1");
    const auto oh = one_hot_rows(rng);
    const auto neg = random_rows<N, C>(rng, -3, -0.1);  // every non-target prediction negative
    for (const auto* pr : {&p, &neg})
        check_against(
            k::categorical_hinge(), oh, *pr,
            [](const auto& a, const auto& b) {
                double pos = 0, ng = -1e300;
                for (std::size_t j = 0; j < C; ++j) pos += a[j] * b[j], ng = std::max(ng, (1 - a[j]) * b[j]);
                return std::max(ng - pos + 1, 0.0);
            },
            "categorical_hinge");
    // Keras's categorical_hinge: with every non-target negative, neg = 0 (the target's (1 − 1)·p).
    const auto v = per_sample(k::categorical_hinge(), oh, neg);
    for (std::size_t i = 0; i < N; ++i) {
        double pos = 0;
        for (std::size_t j = 0; j < C; ++j) pos += oh[i][j] * neg[i][j];
        CHECK(v[i] == doctest::Approx(std::max(0 - pos + 1, 0.0)).epsilon(1e-12));
    }
}

TEST_CASE("cross-entropies match their formulas: clipping, renormalisation, smoothing, logits") {
    std::mt19937_64 rng(43);
    const auto tb = binary_rows(rng);
    const auto pr = extreme_probabilities(rng);
    const auto x = saturated_logits(rng);
    for (double ls : {0.0, 0.2}) {
        auto smooth_b = [ls](double t) { return t * (1 - ls) + 0.5 * ls; };
        check_against(
            k::binary_crossentropy(ls), tb, pr,
            [&](const auto& a, const auto& b) {
                double s = 0;
                for (std::size_t j = 0; j < C; ++j) {
                    const double t = smooth_b(a[j]), q = clip(b[j], eps, one_minus_eps);
                    s += -(t * std::log(q) + (1 - t) * std::log(1 - q));
                }
                return s / C;
            },
            "bce");
        check_against(
            k::binary_crossentropy<true>(ls), tb, x,
            [&](const auto& a, const auto& b) {
                double s = 0;
                for (std::size_t j = 0; j < C; ++j) {
                    const double t = smooth_b(a[j]);
                    s += std::max(b[j], 0.0) - b[j] * t + std::log1p(std::exp(-std::abs(b[j])));
                }
                return s / C;
            },
            "bce logits", 1e-11);
        for (bool balance : {false, true})
            for (bool logits : {false, true}) {
                auto focal = [&](const auto& a, const auto& b) {
                    double s = 0;
                    for (std::size_t j = 0; j < C; ++j) {
                        const double t = smooth_b(a[j]), pj = logits ? sigmoid(b[j]) : b[j],
                                     q = clip(pj, eps, one_minus_eps);
                        const double bce = -(t * std::log(q) + (1 - t) * std::log(1 - q));
                        const double pt = t * pj + (1 - t) * (1 - pj);
                        const double w = balance ? t * 0.3 + (1 - t) * 0.7 : 1.0;
                        s += w * std::pow(1 - pt, 1.5) * bce;
                    }
                    return s / C;
                };
                if (logits)
                    check_against(k::binary_focal_crossentropy<true>(balance, 0.3, 1.5, ls), tb, x, focal,
                                  "focal logits", 1e-9);
                else
                    check_against(k::binary_focal_crossentropy(balance, 0.3, 1.5, ls), tb, pr, focal, "focal", 1e-9);
            }
        auto smooth_c = [ls](double t) { return t * (1 - ls) + ls / C; };
        const auto oh = one_hot_rows(rng);
        check_against(
            k::categorical_crossentropy(ls), oh, pr,
            [&](const auto& a, const auto& b) {
                double sum = 0, s = 0;
                for (double v : b) sum += v;
                for (std::size_t j = 0; j < C; ++j)
                    s -= smooth_c(a[j]) * std::log(clip(b[j] / sum, eps, one_minus_eps));
                return s;
            },
            "cce");
        check_against(
            k::categorical_crossentropy<true>(ls), oh, x,
            [&](const auto& a, const auto& b) {
                const double m = *std::max_element(b.begin(), b.end());
                double z = 0, s = 0;
                for (double v : b) z += std::exp(v - m);
                for (std::size_t j = 0; j < C; ++j) s -= smooth_c(a[j]) * (b[j] - m - std::log(z));
                return s;
            },
            "cce logits");
        for (bool logits : {false, true}) {
            auto focal = [&](const auto& a, const auto& b) {
                std::array<double, C> pj{};
                double sum = 0, s = 0;
                const double m = *std::max_element(b.begin(), b.end());
                for (std::size_t j = 0; j < C; ++j) sum += pj[j] = logits ? std::exp(b[j] - m) : b[j];
                for (std::size_t j = 0; j < C; ++j) {
                    const double q = clip(pj[j] / sum, eps, one_minus_eps);
                    s += 0.4 * std::pow(1 - q, 2.0) * (-smooth_c(a[j]) * std::log(q));
                }
                return s;
            };
            if (logits)
                check_against(k::categorical_focal_crossentropy<true>(0.4, 2.0, ls), oh, x, focal, "cfce logits",
                              1e-10);
            else
                check_against(k::categorical_focal_crossentropy(0.4, 2.0, ls), oh, pr, focal, "cfce", 1e-10);
        }
    }
}

TEST_CASE("losses over class ids: sparse cross-entropy (ignore_class) and generalized cross-entropy") {
    std::mt19937_64 rng(44);
    rows_t<N, 1> ids{};
    for (auto& r : ids) r[0] = static_cast<double>(rng() % C);
    const auto pr = extreme_probabilities(rng);
    const auto x = saturated_logits(rng);
    const auto v = per_sample(k::sparse_categorical_crossentropy(), ids, pr);
    const auto vl = per_sample(k::sparse_categorical_crossentropy<true>(), ids, x);
    const auto vi = per_sample(k::sparse_categorical_crossentropy<true>(static_cast<std::int64_t>(ids[0][0])), ids, x);
    const auto g = per_sample(k::categorical_generalized_cross_entropy(0.7), ids, pr);
    for (std::size_t i = 0; i < N; ++i) {
        const auto c = static_cast<std::size_t>(ids[i][0]);
        double sum = 0, z = 0;
        const double m = *std::max_element(x[i].begin(), x[i].end());
        for (std::size_t j = 0; j < C; ++j) sum += pr[i][j], z += std::exp(x[i][j] - m);
        CHECK(v[i] == doctest::Approx(-std::log(clip(pr[i][c] / sum, eps, one_minus_eps))).epsilon(1e-12));
        CHECK(vl[i] == doctest::Approx(-(x[i][c] - m - std::log(z))).epsilon(1e-12));
        CHECK(vi[i] == (ids[i][0] == ids[0][0] ? 0.0 : vl[i]));
        CHECK(g[i] == doctest::Approx((1 - std::pow(pr[i][c], 0.7)) / 0.7).epsilon(1e-12));
    }
    CHECK_THROWS_AS(k::categorical_generalized_cross_entropy(1.0), lossc::parameter_error);
    CHECK_THROWS_AS(k::categorical_generalized_cross_entropy(0.0), lossc::parameter_error);
}

TEST_CASE("dice and tversky per row match their formulas") {
    std::mt19937_64 rng(45);
    const auto t = binary_rows(rng);
    auto p = random_rows<N, C>(rng, 0, 1);
    p[0] = {0, 0, 0, 0};
    check_against(
        k::dice(), t, p,
        [](const auto& a, const auto& b) {
            double i = 0, st = 0, sp = 0;
            for (std::size_t j = 0; j < C; ++j) i += a[j] * b[j], st += a[j], sp += b[j];
            return 1 - 2 * i / (st + sp + eps);
        },
        "dice");
    check_against(
        k::tversky(0.3, 0.8), t, p,
        [](const auto& a, const auto& b) {
            double tp = 0, missed = 0, alarms = 0;
            for (std::size_t j = 0; j < C; ++j)
                tp += a[j] * b[j], missed += a[j] * (1 - b[j]), alarms += b[j] * (1 - a[j]);
            return 1 - tp / (tp + 0.3 * missed + 0.8 * alarms + eps);
        },
        "tversky");
}

TEST_CASE("Keras's documented float32 numbers") {
    using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    auto run = [](const auto& loss, const M& t, const M& p) {
        Eigen::VectorXf ps(t.rows());
        lossc::compile(loss).forward(t, p, ps);
        return ps;
    };
    M t(2, 2), p(2, 2);
    t << 0, 1, 0, 0;
    p << 0.6f, 0.4f, 0.4f, 0.6f;
    auto bce = run(k::binary_crossentropy(), t, p);  // keras.losses.binary_crossentropy docstring
    CHECK(bce(0) == doctest::Approx(0.916291).epsilon(1e-6));
    CHECK(bce(1) == doctest::Approx(0.713558).epsilon(1e-6));
    auto focal = run(k::binary_focal_crossentropy(false, 0.25, 2.0), t, p);  // its docstring
    CHECK(focal(0) == doctest::Approx(0.330).epsilon(2e-3));
    CHECK(focal(1) == doctest::Approx(0.206).epsilon(2e-3));
    auto huber = run(k::huber(), t, p);  // huber's docstring: [0.18, 0.13], mean 0.155
    CHECK(huber(0) == doctest::Approx(0.18).epsilon(1e-6));
    CHECK(huber(1) == doctest::Approx(0.13).epsilon(1e-6));
    M pc(2, 2);
    pc << 1, 1, 0, 0;
    auto lc = run(k::log_cosh(), t, pc);  // log_cosh's docstring: batch mean 0.108
    CHECK((lc(0) + lc(1)) / 2 == doctest::Approx(0.108).epsilon(2e-3));

    M t3(2, 3), p3(2, 3);
    t3 << 0, 1, 0, 0, 0, 1;
    p3 << 0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f;
    auto cce = run(k::categorical_crossentropy(), t3, p3);  // [0.0513, 2.303]
    CHECK(cce(0) == doctest::Approx(0.0513).epsilon(1e-3));
    CHECK(cce(1) == doctest::Approx(2.303).epsilon(1e-3));
    M ids(2, 1);
    ids << 1, 2;
    auto scce = run(k::sparse_categorical_crossentropy(), ids, p3);
    CHECK(scce(0) == cce(0));
    CHECK(scce(1) == cce(1));
    M p3f(2, 3);
    p3f << 0.05f, 0.9f, 0.05f, 0.1f, 0.85f, 0.05f;
    auto cf = run(k::categorical_focal_crossentropy(), t3, p3f);  // [2.63401289e-04, 6.75912094e-01]
    CHECK(cf(0) == doctest::Approx(2.63401289e-04).epsilon(1e-5));
    CHECK(cf(1) == doctest::Approx(6.75912094e-01).epsilon(1e-5));
    M tc(3, 2), pcs(3, 2);
    tc << 0, 1, 1, 1, 1, 1;
    pcs << 1, 0, 1, 1, -1, -1;
    auto cs = run(k::cosine_similarity(), tc, pcs);  // [-0., -0.99999994, 0.99999994]
    CHECK(cs(0) == 0.0f);
    CHECK(cs(1) == doctest::Approx(-0.99999994).epsilon(1e-7));
    CHECK(cs(2) == doctest::Approx(0.99999994).epsilon(1e-7));
}

TEST_CASE("float32 clip bounds: 1 − ε rounds to 1 − 2⁻²³, so BCE's largest terms are asymmetric") {
    using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    M t(1, 4), p(1, 4);
    t << 0, 1, 1, 0;
    p << 1, 0, 1, 0;
    const auto kern = lossc::compile(k::binary_crossentropy());
    Eigen::VectorXf ps(1);
    // Each element alone: a 1-column loss per element.
    for (int j = 0; j < 4; ++j) {
        M tj = t.col(j), pj = p.col(j);
        kern.forward(tj, pj, ps);
        const float expected[] = {15.942385f, 16.118095f, 1.1920929e-07f, 1.1920929e-07f};
        CHECK(ps(0) == doctest::Approx(expected[j]).epsilon(2e-7));
    }
    // Keras's BinaryCrossentropyTest.test_unweighted-style mean: 3.98559 (4.0295 in float64).
    // One saturated term (t = 0, p = 1) and three perfect ones of −log(1 − 2⁻²³) each.
    kern.forward(t, (M(1, 4) << 1, 1, 1, 0).finished(), ps);
    CHECK(ps(0) == doctest::Approx((15.942385 + 3 * 1.1920929e-7) / 4).epsilon(1e-6));
    CHECK(ps(0) == doctest::Approx(3.98559).epsilon(2e-6));  // the test's 6 figures
    // The gradient vanishes where p is clipped (exactly 0 or 1) and flows inside the range.
    M g(1, 4), t2(1, 4), p2(1, 4);
    t2 << 1, 0, 1, 0;
    p2 << 0, 1, 0.5f, 1e-8f;
    kern.forward_backward(t2, p2, ps, g);
    CHECK(g(0, 0) == 0.0f);
    CHECK(g(0, 1) == 0.0f);
    CHECK(g(0, 2) == doctest::Approx((0.5 - 1) / (0.5 * 0.5) / 4).epsilon(1e-6));  // (q − t)/(q(1 − q))/K; N = 1
    CHECK(g(0, 3) == 0.0f);
}

TEST_CASE("gradients of every function form, in double, against the reference and finite differences") {
    std::mt19937_64 rng(46);
    const auto t = random_rows<N, C>(rng, -2, 2), p = random_rows<N, C>(rng, -2, 2);
    const auto tp = random_rows<N, C>(rng, 0.05, 0.95), pp = random_rows<N, C>(rng, 0.05, 0.95);
    const auto tb = binary_rows(rng), oh = one_hot_rows(rng);
    const auto x = random_rows<N, C>(rng, -4, 4);
    rows_t<N, 1> ids{};
    for (auto& r : ids) r[0] = static_cast<double>(rng() % C);
    check_gradient(k::mean_squared_error(), t, p, "mse");
    check_gradient(k::mean_absolute_error(), t, p, "mae");
    check_gradient(k::mean_absolute_percentage_error(), t, p, "mape");
    check_gradient(k::mean_squared_logarithmic_error(), tp, pp, "msle");
    check_gradient(k::cosine_similarity(), t, p, "cosine_similarity");
    check_gradient(k::huber(0.7), t, p, "huber");
    check_gradient(k::log_cosh(), t, p, "log_cosh");
    check_gradient(k::hinge<k::hinge_labels::zero_one>(), tb, p, "hinge");
    check_gradient(k::squared_hinge<k::hinge_labels::signed_>(), t, p, "squared_hinge");
    check_gradient(k::categorical_hinge(), oh, p, "categorical_hinge");
    check_gradient(k::kl_divergence(), tp, pp, "kl_divergence");
    check_gradient(k::poisson(), tp, pp, "poisson");
    check_gradient(k::binary_crossentropy(0.1), tb, pp, "bce", 1e-5);
    check_gradient(k::binary_crossentropy<true>(0.1), tb, x, "bce logits");
    check_gradient(k::binary_focal_crossentropy(true, 0.3, 2.0, 0.1), tb, pp, "binary focal", 1e-5);
    check_gradient(k::binary_focal_crossentropy<true>(false, 0.25, 1.5), tb, x, "binary focal logits", 1e-5);
    check_gradient(k::categorical_crossentropy(0.1), oh, pp, "cce", 1e-5);
    check_gradient(k::categorical_crossentropy<true>(0.1), tp, x, "cce logits");
    check_gradient(k::sparse_categorical_crossentropy(), ids, pp, "scce", 1e-5);
    check_gradient(k::sparse_categorical_crossentropy<true>(2), ids, x, "scce logits, ignore 2");
    check_gradient(k::categorical_focal_crossentropy(0.25, 2.0, 0.1), oh, pp, "cfce", 1e-5);
    check_gradient(k::categorical_focal_crossentropy<true>(0.25, 2.0), oh, x, "cfce logits", 1e-5);
    check_gradient(k::categorical_generalized_cross_entropy(0.6), ids, pp, "gce");
    check_gradient(k::dice(), tb, pp, "dice");
    check_gradient(k::tversky(0.3, 0.7), tb, pp, "tversky");
}
