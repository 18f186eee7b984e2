// lossc::keras — regression losses, written as Keras 3 writes them (keras/src/losses/losses.py),
// operation for operation, so that float32 results round as Keras's do. Each reduces the last
// axis of its (rows, classes) view; lossc::keras::loss maps other axes onto it.
#pragma once
#include "common.hpp"

namespace lossc::keras {

/// mean(square(y_true − y_pred), axis=-1)
constexpr auto mean_squared_error() { return mean<-1>(square(y_true - y_pred)); }

/// mean(abs(y_true − y_pred), axis=-1)
constexpr auto mean_absolute_error() { return mean<-1>(abs(y_true - y_pred)); }

/// 100 · mean(abs((y_true − y_pred) / maximum(abs(y_true), ε)), axis=-1)
constexpr auto mean_absolute_percentage_error() {
    return 100.0 * mean<-1>(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)));
}

/// mean(square(log(maximum(y_pred, ε) + 1) − log(maximum(y_true, ε) + 1)), axis=-1): log(x + 1) as
/// Keras writes it (not log1p), so that values agree in float32 near 0.
constexpr auto mean_squared_logarithmic_error() {
    return mean<-1>(square(log(maximum(y_pred, epsilon) + 1.0) - log(maximum(y_true, epsilon) + 1.0)));
}

namespace detail {
/// keras.ops.normalize(x, order=2): x · minimum(rsqrt(Σ x²), 1/ε).
template <expression X> constexpr auto keras_l2_normalize(const X& x) {
    return x * minimum(1.0 / sqrt(sum<-1>(square(x))), 1.0 / epsilon);
}
}  // namespace detail

/// −sum(normalize(y_true) · normalize(y_pred), axis): −1 for equal directions, 0 for a zero vector.
constexpr auto cosine_similarity() {
    return -sum<-1>(detail::keras_l2_normalize(y_true) * detail::keras_l2_normalize(y_pred));
}

/// mean(where(|e| ≤ δ, ½e², δ|e| − ½δ²)) with e = y_pred − y_true; δ is a run-time value.
constexpr auto huber(double delta = 1.0) {
    const scalar d{delta};
    const auto error = y_pred - y_true;
    return mean<-1>(where(abs(error) <= d, 0.5 * square(error), d * abs(error) - 0.5 * square(d)));
}

/// mean(e + softplus(−2e) − log 2) with e = y_pred − y_true: log cosh e, without overflow.
constexpr auto log_cosh() {
    const auto error = y_pred - y_true;
    return mean<-1>(error + softplus(error * -2.0) - 0.69314718055994530942);
}

}  // namespace lossc::keras
