// lossc — the scalar math every evaluator uses: <cmath> at run time, lossc::cx while the
// compiler evaluates constants. Compound functions (softplus, sigmoid, log_cosh) are written
// once here in their stable forms, for float and double.
#pragma once
#include <cmath>
#include <limits>
#include <type_traits>

#include "constexpr_math.hpp"

namespace lossc::math {

template <class T>
concept real = std::is_same_v<T, float> || std::is_same_v<T, double>;

#define LOSSC_SCALAR_FN(name)                                           \
    template <real T>                                                   \
    constexpr T name(T x) {                                             \
        if (std::is_constant_evaluated())                               \
            return static_cast<T>(::lossc::cx::name(static_cast<double>(x))); \
        return std::name(x);                                            \
    }
LOSSC_SCALAR_FN(exp)
LOSSC_SCALAR_FN(log)
LOSSC_SCALAR_FN(log1p)
LOSSC_SCALAR_FN(expm1)
LOSSC_SCALAR_FN(tanh)
LOSSC_SCALAR_FN(sqrt)
#undef LOSSC_SCALAR_FN

template <real T>
constexpr T pow(T x, T p) {
    if (std::is_constant_evaluated())
        return static_cast<T>(cx::pow(static_cast<double>(x), static_cast<double>(p)));
    return std::pow(x, p);
}

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
template <real T> constexpr T softplus(T x) {
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}
/// 1/(1+e^-x) computed from e^-|x| so that neither branch overflows.
template <real T> constexpr T sigmoid(T x) {
    const T e = exp(-abs(x));
    return x >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
}
/// log(cosh x) = |x| + log1p(e^{-2|x|}) - log 2, finite for every finite x.
template <real T> constexpr T log_cosh(T x) {
    const T a = abs(x);
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
template <real T> constexpr T isfinite(T x) {
    return (x > -std::numeric_limits<T>::infinity() && x < std::numeric_limits<T>::infinity()) ? T(1) : T(0);
}

}  // namespace lossc::math

// Packet overloads, declared here so that the op table's qualified calls (math::exp(x)) see
// them: a qualified name is looked up where the template is defined.
#include "../simd/math.hpp"
