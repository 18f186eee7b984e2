// The constexpr elementary functions against <cmath>: error in ulp over wide ranges, special
// values, and use in constant expressions.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <lossc/math/scalar.hpp>
#include <random>

namespace {
double ulp_distance(double a, double b) {
    if (a == b || (std::isnan(a) && std::isnan(b))) return 0;
    std::int64_t ia, ib;
    std::memcpy(&ia, &a, 8);
    std::memcpy(&ib, &b, 8);
    if (ia < 0) ia = std::numeric_limits<std::int64_t>::min() - ia;
    if (ib < 0) ib = std::numeric_limits<std::int64_t>::min() - ib;
    return std::abs(static_cast<double>(ia - ib));
}

template <class F, class G> double max_ulp(F&& ours, G&& theirs, double lo, double hi, int n = 200000) {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(lo, hi);
    double worst = 0;
    for (int i = 0; i < n; ++i) {
        const double x = u(rng);
        worst = std::max(worst, ulp_distance(ours(x), theirs(x)));
    }
    return worst;
}
constexpr double inf = std::numeric_limits<double>::infinity();
}  // namespace

namespace cx = lossc::cx;

TEST_CASE("constexpr exp/log/log1p/expm1/tanh/sqrt/atan are within a few ulp of <cmath>") {
    CHECK(max_ulp([](double x) { return cx::exp(x); }, [](double x) { return std::exp(x); }, -745, 709) <= 4);
    CHECK(max_ulp([](double x) { return cx::exp(x); }, [](double x) { return std::exp(x); }, -1, 1) <= 4);
    CHECK(max_ulp([](double x) { return cx::log(x); }, [](double x) { return std::log(x); }, 1e-300, 1e300) <= 4);
    CHECK(max_ulp([](double x) { return cx::log(x); }, [](double x) { return std::log(x); }, 0.5, 2) <= 4);
    CHECK(max_ulp([](double x) { return cx::log1p(x); }, [](double x) { return std::log1p(x); }, -0.999, 10) <= 4);
    CHECK(max_ulp([](double x) { return cx::log1p(x); }, [](double x) { return std::log1p(x); }, -1e-9, 1e-9) <= 4);
    CHECK(max_ulp([](double x) { return cx::expm1(x); }, [](double x) { return std::expm1(x); }, -40, 40) <= 8);
    CHECK(max_ulp([](double x) { return cx::expm1(x); }, [](double x) { return std::expm1(x); }, -1e-6, 1e-6) <= 4);
    CHECK(max_ulp([](double x) { return cx::tanh(x); }, [](double x) { return std::tanh(x); }, -25, 25) <= 10);
    CHECK(max_ulp([](double x) { return cx::sqrt(x); }, [](double x) { return std::sqrt(x); }, 0, 1e300) <= 1);
    CHECK(max_ulp([](double x) { return cx::atan(x); }, [](double x) { return std::atan(x); }, -50, 50) <=
          8);  // two reductions round
    CHECK(max_ulp([](double x) { return cx::atan(x); }, [](double x) { return std::atan(x); }, -1e-3, 1e-3) <= 2);
    CHECK(max_ulp([](double x) { return cx::pow(x, 0.37); }, [](double x) { return std::pow(x, 0.37); }, 0, 100) <= 8);
    CHECK(max_ulp([](double x) { return cx::pow(x, 3.0); }, [](double x) { return std::pow(x, 3.0); }, -10, 10) <= 2);
}

TEST_CASE("special values follow C99 Annex F") {
    static_assert(cx::exp(-inf) == 0 && cx::exp(inf) == inf && cx::exp(0.0) == 1);
    static_assert(cx::log(0.0) == -inf && cx::log(inf) == inf && cx::log(1.0) == 0);
    static_assert(cx::isnan(cx::log(-1.0)) && cx::isnan(cx::exp(cx::qnan)) && cx::isnan(cx::log(cx::qnan)));
    static_assert(cx::log1p(-1.0) == -inf && cx::isnan(cx::log1p(-2.0)) && cx::log1p(1e-300) == 1e-300);
    static_assert(cx::expm1(-inf) == -1 && cx::expm1(1e-300) == 1e-300);
    static_assert(cx::tanh(inf) == 1 && cx::tanh(-inf) == -1);
    static_assert(cx::atan(inf) == 1.57079632679489661923 && cx::atan(-inf) == -1.57079632679489661923);
    static_assert(cx::atan(0.0) == 0 && cx::isnan(cx::atan(cx::qnan)));
    static_assert(cx::sqrt(0.0) == 0 && cx::isnan(cx::sqrt(-1.0)) && cx::sqrt(4.0) == 2);
    // Subnormals: results and arguments.
    CHECK(cx::exp(-740.0) == std::exp(-740.0));
    CHECK(ulp_distance(cx::log(5e-324), std::log(5e-324)) <= 4);
    CHECK(cx::sqrt(5e-324) == std::sqrt(5e-324));
}

TEST_CASE("stable compound functions in float and double") {
    using lossc::math::log_cosh, lossc::math::sigmoid, lossc::math::softplus;
    static_assert(softplus(1000.0) == 1000.0 && softplus(-1000.0) == 0.0);
    static_assert(sigmoid(-1000.0) == 0.0 && sigmoid(1000.0) == 1.0 && sigmoid(0.0) == 0.5);
    CHECK(log_cosh(1e4f) == doctest::Approx(1e4f - std::log(2.0f)));
    CHECK(softplus(-50.0f) > 0.0f);  // e^-50 is representable: not flushed to 0 through log(1 + e^x)
    CHECK(softplus(-50.0) == doctest::Approx(std::exp(-50.0)).epsilon(1e-12));
    CHECK(sigmoid(-100.0f) > 0.0f);
    // At run time these use <cmath>; during constant evaluation lossc::cx. They agree closely.
    constexpr float sp = softplus(0.3f);
    CHECK(sp == doctest::Approx(softplus(0.3f)).epsilon(1e-6));
}
