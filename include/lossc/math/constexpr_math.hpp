// lossc — constexpr elementary functions.
//
// clang 14 has no constexpr <cmath>, so constant evaluation (lossc::evaluate inside a
// static_assert) needs its own exp/log/... These work in double (float arguments are widened and
// the result rounded once) and stay within a few ulp of a correctly rounded result; the tests
// measure the error against <cmath> over wide ranges. Special values follow IEEE/C99 Annex F:
// exp(-inf) = 0, exp(+inf) = inf, log(0) = -inf, log(x < 0) = NaN, NaN propagates.
#pragma once
#include <bit>
#include <cstdint>
#include <limits>

namespace lossc::cx {

inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double qnan = std::numeric_limits<double>::quiet_NaN();

constexpr bool isnan(double x) { return x != x; }
constexpr double fabs(double x) { return x < 0 ? -x : (x == 0 ? 0.0 : x); }

/// 2^k for any k in the double range, subnormal results included.
constexpr double ldexp_pow2(int k) {
    if (k > 1023) return inf;
    if (k >= -1022) return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
    if (k >= -1074) return std::bit_cast<double>(std::uint64_t{1} << (k + 1074));
    return 0.0;
}

constexpr double exp(double x) {
    if (isnan(x)) return x;
    if (x > 709.782712893384) return inf;
    if (x < -745.1332191019412) return 0.0;
    // x = k ln2 + r, |r| <= ln2/2, with ln2 split so that k*ln2_hi is exact.
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    constexpr double inv_ln2 = 1.44269504088896338700e+00;
    const double kf = x * inv_ln2;
    const int k = static_cast<int>(kf < 0 ? kf - 0.5 : kf + 0.5);
    const double r = (x - k * ln2_hi) - k * ln2_lo;
    // Taylor series of e^r to degree 16: |r|^17/17! < 1e-22 for |r| <= 0.347.
    double term = 1.0, sum = 1.0;
    for (int n = 1; n <= 16; ++n) {
        term *= r / n;
        sum += term;
    }
    // Scale in two steps so that results near the subnormal range keep their bits.
    if (k < -1000) return sum * ldexp_pow2(k + 200) * ldexp_pow2(-200);
    if (k > 1000) return sum * ldexp_pow2(k - 100) * ldexp_pow2(100);
    return sum * ldexp_pow2(k);
}

constexpr double log(double x) {
    if (isnan(x) || x < 0) return qnan;
    if (x == 0) return -inf;
    if (x == inf) return inf;
    int e = 0;
    if (x < 2.2250738585072014e-308) {  // subnormal: scale into the normal range first
        x *= 18014398509481984.0;       // 2^54
        e = -54;
    }
    const auto bits = std::bit_cast<std::uint64_t>(x);
    e += static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    if (m > 1.4142135623730951) {  // m in [sqrt(1/2), sqrt(2))
        m *= 0.5;
        ++e;
    }
    // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716: series to s^31.
    const double s = (m - 1.0) / (m + 1.0);
    const double s2 = s * s;
    double term = s, sum = 0.0;
    for (int n = 1; n <= 31; n += 2) {
        sum += term / n;
        term *= s2;
    }
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    return e * ln2_hi + (2.0 * sum + e * ln2_lo);
}

/// log(1+x) without the cancellation of log(1+x) for small x (Goldberg's correction).
constexpr double log1p(double x) {
    if (isnan(x)) return x;
    if (x == inf) return inf;
    const double u = 1.0 + x;
    if (u == 1.0) return x;
    if (u <= 0.0) return u == 0.0 ? -inf : qnan;
    return log(u) * (x / (u - 1.0));
}

constexpr double expm1(double x) {
    if (isnan(x)) return x;
    if (fabs(x) < 0.5) {  // Taylor series: 0.5^20/20! < 1e-24
        double term = x, sum = x;
        for (int n = 2; n <= 20; ++n) {
            term *= x / n;
            sum += term;
        }
        return sum;
    }
    return exp(x) - 1.0;
}

/// cosh x = (h/2)·h + (1/2)/(h·h) with h = e^(|x|/2): both terms positive (no cancellation), and
/// finite up to where cosh itself overflows (e^|x| alone overflows first).
constexpr double cosh(double x) {
    const double h = exp(0.5 * fabs(x));
    return (0.5 * h) * h + 0.5 / (h * h);
}

/// sinh x: below |x| = 2 its Taylor series x + x·z·P(z), z = x², P's coefficients 1/3!, 1/5!, …
/// (to x^23/23! in double, x^15/15! in float: the next term is under a tenth of an ulp; −0 stays
/// −0); above, the cosh formula with the second term subtracted (it cancels at most 1.04× there).
/// The packet version (simd/math.hpp) uses the same table.
inline constexpr double sinh_series[11] = {1.0 / 6.0,
                                           1.0 / 120.0,
                                           1.0 / 5040.0,
                                           1.0 / 362880.0,
                                           1.0 / 39916800.0,
                                           1.0 / 6227020800.0,
                                           1.0 / 1307674368000.0,
                                           1.0 / 355687428096000.0,
                                           1.0 / 121645100408832000.0,
                                           1.0 / 51090942171709440000.0,
                                           1.0 / 25852016738884976640000.0};
inline constexpr double sinh_series_below = 2.0;
constexpr double sinh(double x) {
    if (isnan(x)) return x;
    if (fabs(x) < sinh_series_below) {
        const double z = x * x;
        double p = sinh_series[10];
        for (int k = 9; k >= 0; --k) p = p * z + sinh_series[k];
        return x + x * z * p;
    }
    const double h = exp(0.5 * fabs(x));
    const double s = (0.5 * h) * h - 0.5 / (h * h);
    return x < 0 ? -s : s;
}

/// atan by reduction to |y| ≤ tan(π/8) (atan x = π/2 − atan(1/x) above 1, π/4 + atan((x − 1)/(x + 1))
/// above tan(π/8)), then its Taylor series: 0.4142^(2k) is below 2^−53 long before its 24th term.
constexpr double atan(double x) {
    if (isnan(x)) return x;
    if (x < 0) return -atan(-x);
    if (x > 1) return 1.57079632679489661923 - atan(1 / x);  // +inf: π/2
    if (x > 0.41421356237309504880) return 0.78539816339744830962 + atan((x - 1) / (x + 1));
    const double z = x * x;
    double term = x, sum = x;
    for (int k = 1; k < 24; ++k) {
        term *= -z;
        sum += term / (2 * k + 1);
    }
    return sum;
}

constexpr double tanh(double x) {
    if (isnan(x)) return x;
    const double a = fabs(x);
    if (a > 22.0) return x < 0 ? -1.0 : 1.0;
    const double e = expm1(2.0 * a);  // tanh a = (e^{2a}-1)/(e^{2a}+1), no cancellation
    const double t = e / (e + 2.0);
    return x < 0 ? -t : t;
}

constexpr double sqrt(double x) {
    if (isnan(x) || x < 0) return x == 0 ? x : qnan;
    if (x == 0 || x == inf) return x;
    // Newton from an exponent-halved guess; converges quadratically, then one rounding fix.
    int e = 0;
    if (x < 2.2250738585072014e-308) {
        x *= 18014398509481984.0;  // 2^54
        e = -54;
    }
    const auto bits = std::bit_cast<std::uint64_t>(x);
    const int ex = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    double y = ldexp_pow2(ex / 2);
    for (int i = 0; i < 8; ++i) y = 0.5 * (y + x / y);
    return e ? y * ldexp_pow2(e / 2) : y;
}

/// x^p. Integral exponents up to 64 in magnitude use exact repeated multiplication (and work for
/// negative x); others use exp(p log x), which is NaN for x < 0 as in C.
constexpr double pow(double x, double p) {
    if (p == 0) return 1.0;
    if (isnan(x) || isnan(p)) return qnan;
    const double ap = fabs(p);
    if (ap <= 64 && static_cast<double>(static_cast<int>(ap)) == ap) {
        int n = static_cast<int>(ap);
        double base = x, r = 1.0;
        while (n) {
            if (n & 1) r *= base;
            base *= base;
            n >>= 1;
        }
        return p < 0 ? 1.0 / r : r;
    }
    if (x < 0) return qnan;
    if (x == 0) return p > 0 ? 0.0 : inf;
    return exp(p * log(x));
}

}  // namespace lossc::cx
