// lossc — the scalar math every evaluator uses: <cmath> at run time, lossc::cx while the
// compiler evaluates constants. Compound functions (softplus, sigmoid, log_cosh) are written
// once here in their stable forms, for float and double.
#pragma once
#include <cmath>
#include <limits>
#include <type_traits>

#include "constexpr_math.hpp"

namespace lossc::math {

/// float and double; long double too, so that the tests can evaluate a rule in it as a reference.
template <class T>
concept real = std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, long double>;

#define LOSSC_SCALAR_FN(name)                                                                               \
    template <real T> constexpr T name(T x) {                                                               \
        if (std::is_constant_evaluated()) return static_cast<T>(::lossc::cx::name(static_cast<double>(x))); \
        return std::name(x);                                                                                \
    }
LOSSC_SCALAR_FN(exp)
LOSSC_SCALAR_FN(log)
LOSSC_SCALAR_FN(log1p)
LOSSC_SCALAR_FN(expm1)
LOSSC_SCALAR_FN(tanh)
LOSSC_SCALAR_FN(cosh)
LOSSC_SCALAR_FN(sinh)
LOSSC_SCALAR_FN(atan)
LOSSC_SCALAR_FN(sqrt)
#undef LOSSC_SCALAR_FN

template <real T> constexpr T pow(T x, T p) {
    if (std::is_constant_evaluated()) return static_cast<T>(cx::pow(static_cast<double>(x), static_cast<double>(p)));
    return std::pow(x, p);
}

/// pow with one exponent for a whole expression (ops::pow_c); packs have a rule of their own.
template <real T> constexpr T pow_const(T x, double p) { return pow(x, static_cast<T>(p)); }

template <real T> constexpr bool isnan(T x) { return x != x; }
template <real T> constexpr T abs(T x) { return x < 0 ? -x : (x == 0 ? T(0) : x); }
template <real T> constexpr T sign(T x) { return x > 0 ? T(1) : (x < 0 ? T(-1) : (x == 0 ? T(0) : x)); }
template <real T> constexpr T round(T x) {  // half away from zero, as std::round
    if (isnan(x) || abs(x) >= T(1) / std::numeric_limits<T>::epsilon()) return x;
    const auto i = static_cast<long long>(abs(x) + T(0.5));
    const T r = static_cast<T>(i);
    return x < 0 ? -r : r;
}
/// NaN-propagating max/min (std::fmax would drop the NaN and hide a broken input).
template <real T> constexpr T max(T a, T b) { return (a > b || isnan(a)) ? a : b; }
template <real T> constexpr T min(T a, T b) { return (a < b || isnan(a)) ? a : b; }

/// log(1 + e^x) without overflow: x + log1p(e^-x) for x > 0.
template <real T> constexpr T softplus(T x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
/// 1/(1+e^-x) computed from e^-|x| so that neither branch overflows.
template <real T> constexpr T sigmoid(T x) {
    const T e = exp(-abs(x));
    return x >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
}
/// log cosh x = Σ_n c_n x^(2n), c_n = 2^(2n)(2^(2n) − 1) B_(2n) / (2n (2n)!) (tanh's series,
/// integrated), used below |x| = 3/4 where |x| + log1p(e^(−2|x|)) − log 2 cancels: that formula
/// loses up to 17 bits near 0 in float (x = 0.002: 3% off) and 3 bits at 1/2. Each term is at most
/// a quarter of the last there: 11 terms reach float's precision and 24 double's.
inline constexpr double log_cosh_series[24] = {0.5,
                                               -0.08333333333333333,
                                               0.022222222222222223,
                                               -0.006746031746031746,
                                               0.0021869488536155205,
                                               -0.0007386029608251831,
                                               0.0002565805740408915,
                                               -9.09896491907074e-05,
                                               3.277930227475478e-05,
                                               -1.1956455712177625e-05,
                                               4.405244525877023e-06,
                                               -1.6365968284715348e-06,
                                               6.122655795895756e-07,
                                               -2.3041747198769394e-07,
                                               8.715903837635848e-08,
                                               -3.3116463500327045e-08,
                                               1.2632091406687664e-08,
                                               -4.835171934325458e-09,
                                               1.8564834069476232e-09,
                                               -7.147841655763135e-10,
                                               2.758962960190203e-10,
                                               -1.0673398632342959e-10,
                                               4.137688769415817e-11,
                                               -1.6070695073664715e-11};
template <class T> inline constexpr int log_cosh_terms = std::is_same_v<T, float> ? 11 : 24;
inline constexpr double log_cosh_series_below = 0.75;
/// log(cosh x): the series near 0, else |x| + log1p(e^{-2|x|}) - log 2, finite for every finite x.
template <real T> constexpr T log_cosh(T x) {
    const T a = abs(x);
    if (a < T(log_cosh_series_below)) {
        const T z = a * a;
        T y = static_cast<T>(log_cosh_series[log_cosh_terms<T> - 1]);
        for (int k = log_cosh_terms<T> - 2; k >= 0; --k) y = y * z + static_cast<T>(log_cosh_series[k]);
        return y * z;
    }
    return a + log1p(exp(T(-2) * a)) - T(0.693147180559945309417232121458176568);
}

// Comparisons as 1/0 values and select on a value: the spellings the op table uses, so that the
// same rule serves scalars and packs (simd/math.hpp).
template <real T> constexpr T less(T a, T b) { return a < b ? T(1) : T(0); }
template <real T> constexpr T less_equal(T a, T b) { return a <= b ? T(1) : T(0); }
template <real T> constexpr T equal(T a, T b) { return a == b ? T(1) : T(0); }
template <real T> constexpr T not_equal(T a, T b) { return a != b ? T(1) : T(0); }
/// c ≠ 0 ? a : b
template <real T> constexpr T select_nonzero(T c, T a, T b) { return c != 0 ? a : b; }
/// e^x where only x ≤ 0 (or NaN) matters: logsumexp's shifted terms. Packs skip exp's upper
/// clamp; for scalars it is exp.
template <real T> constexpr T exp_nonpositive(T x) { return exp(x); }
template <real T> constexpr T isfinite(T x) {
    return (x > -std::numeric_limits<T>::infinity() && x < std::numeric_limits<T>::infinity()) ? T(1) : T(0);
}

}  // namespace lossc::math
