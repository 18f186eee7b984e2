// lossc::keras — the cross-entropy family. `FromLogits` changes the expression's structure, so it
// is a template argument; every numeric parameter is a run-time value held in the expression.
// Formulas follow Keras 3 on its JAX/TF/torch backends (keras/src/backend/jax/nn.py):
// probabilities are clipped to [ε, 1 − ε] (categorical ones renormalised first); logits go
// through log-sigmoid / log-softmax exactly, with no clipping.
#pragma once
#include <cstdint>
#include <optional>

#include "common.hpp"

namespace lossc::keras {

namespace detail {
/// The clip range of probabilities: (ε, 1 − ε) in double, rounded to the working type; in the
/// op's type, so that the kernels share the clipped probabilities (ops::clip_to).
struct probability_bounds {
    static constexpr double lo = epsilon, hi = 1.0 - epsilon;
};
template <expression P> constexpr auto clip_probability(const P& p) {
    return lossc::detail::make_unary(p, ops::clip_to<probability_bounds>{});
}
/// 1 as a type: 1 − q then has no run-time number in it, and is shared like q (Keras's 1 is
/// exact in every working type, so the value is the same).
inline constexpr integer_t<1> one{};

/// A label smoothing mixes the labels with a uniform distribution: a weight outside [0, 1] (or
/// NaN) makes no distribution, so it is lossc::parameter_error.
constexpr double checked_smoothing(double ls) {
    if (!(ls >= 0.0 && ls <= 1.0)) throw parameter_error("label_smoothing must lie in [0, 1]");
    return ls;
}
/// Binary label smoothing: t(1 − ls) + ls/2 (labels squeezed towards ½).
constexpr auto smoothed_binary_labels(double ls) { return y_true * (1.0 - checked_smoothing(ls)) + 0.5 * ls; }
/// Categorical label smoothing: t(1 − ls) + ls/K, K the number of classes (y_pred's columns).
constexpr auto smoothed_categorical_labels(double ls) {
    return y_true * (1.0 - checked_smoothing(ls)) + scalar{ls} / count_t<y_pred_t>{};
}

/// Element-wise binary cross-entropy of labels t and probabilities p (clipped), as Keras's backend.
template <expression Tl, expression P> constexpr auto binary_crossentropy_of_probabilities(const Tl& t, const P& p) {
    const auto q = clip_probability(p);
    return -(t * log(q) + (one - t) * log(one - q));
}
/// ... and of logits x: −t·log σ(x) − (1 − t)·log σ(−x) = t·softplus(−x) + (1 − t)·softplus(x).
template <expression Tl, expression X> constexpr auto binary_crossentropy_of_logits(const Tl& t, const X& x) {
    return t * softplus(-x) + (1.0 - t) * softplus(x);
}

/// log_softmax as jax.nn.log_softmax computes it: s = x − stop_gradient(max x), s − log Σ exp(s).
/// Written s − logsumexp(s): the maximum of s is exactly 0, so logsumexp(s) = 0 + log Σ exp(s − 0)
/// is Keras's log S to the bit, and s − log S is rounded once, as in Keras (x − (m + log S) would
/// lose log S's low bits for saturated logits). The logsumexp node lets the kernel keep exp(s)
/// for the gradient's softmax (the softmax memo of lower/row_eval.hpp).
template <expression X> constexpr auto keras_log_softmax(const X& x) {
    const auto shifted = x - stop_gradient(max<-1>(x));
    return shifted - logsumexp<-1>(shifted);
}
/// softmax as jax.nn.softmax: e = exp(x − stop_gradient(max x)), e / Σ e.
template <expression X> constexpr auto keras_softmax(const X& x) {
    const auto e = exp(x - stop_gradient(max<-1>(x)));
    return e / sum<-1>(e);
}
/// Renormalised, clipped probabilities: clip(p / Σ p, ε, 1 − ε).
template <expression P> constexpr auto renormalised(const P& p) { return clip_probability(p / sum<-1>(p)); }
/// The same of a softmax: Σ softmax(x) = 1, so the renormalisation's Jacobian term (−Σ_k g_k q_k
/// / S, constant along the row) vanishes under the softmax's Jacobian, whose rows sum to 0. The
/// value is Keras's to the bit; stop_gradient drops a row reduction and the copy of the whole
/// adjoint it holds from the gradient (docs/perf-log.md: compile time, 2026-12-07).
template <expression X> constexpr auto renormalised_softmax(const X& x) {
    const auto p = keras_softmax(x);
    return clip_probability(p / stop_gradient(sum<-1>(p)));
}

/// −Σ t · log q over the classes, from probabilities p (renormalised) or logits.
template <bool FromLogits, expression Tl, expression P = y_pred_t>
constexpr auto categorical_crossentropy_of(const Tl& t, const P& p = {}) {
    if constexpr (FromLogits)
        return -sum<-1>(t * keras_log_softmax(p));
    else
        return -sum<-1>(t * log(renormalised(p)));
}

template <class A> constexpr auto as_alpha(const A& alpha) {
    if constexpr (std::is_arithmetic_v<A>)
        return scalar{static_cast<double>(alpha)};
    else
        return alpha;
}
}  // namespace detail

/// mean over the last axis of the element-wise binary cross-entropy, labels smoothed towards ½.
template <bool FromLogits = false> constexpr auto binary_crossentropy(double label_smoothing = 0.0) {
    const auto t = detail::smoothed_binary_labels(label_smoothing);
    if constexpr (FromLogits)
        return mean<-1>(detail::binary_crossentropy_of_logits(t, y_pred));
    else
        return mean<-1>(detail::binary_crossentropy_of_probabilities(t, y_pred));
}

/// Focal BCE: mean((1 − p_t)^γ · bce), p_t = t·p + (1 − t)(1 − p), bce the clipped-probability
/// BCE even from logits (p = σ(x)), as Keras 3; with class balancing each element is weighted
/// by α for t = 1 and 1 − α for t = 0 (α unused without it).
template <bool FromLogits = false> constexpr auto binary_focal_crossentropy(bool apply_class_balancing = false,
                                                                            double alpha = 0.25, double gamma = 2.0,
                                                                            double label_smoothing = 0.0) {
    const auto t = detail::smoothed_binary_labels(label_smoothing);
    const auto p = [] {
        if constexpr (FromLogits)
            return sigmoid(y_pred);
        else
            return y_pred;
    }();
    const auto bce = detail::binary_crossentropy_of_probabilities(t, p);
    const auto p_t = t * p + (detail::one - t) * (detail::one - p);
    const auto focal_bce = pow(detail::one - p_t, gamma) * bce;
    const auto weight = t * alpha + (1.0 - t) * (1.0 - alpha);
    // The run-time flag picks the weight, not the product: 1·x is x exactly, and the focal term,
    // its gradient most of all, is then compiled and evaluated once instead of in both branches.
    return mean<-1>(where(scalar{apply_class_balancing ? 1.0 : 0.0}, weight, 1.0) * focal_bce);
}

/// −Σ t'·log q over the classes; t' = t(1 − ls) + ls/K; q = clip(p/Σp, ε, 1 − ε) or log_softmax(x).
template <bool FromLogits = false> constexpr auto categorical_crossentropy(double label_smoothing = 0.0) {
    return detail::categorical_crossentropy_of<FromLogits>(detail::smoothed_categorical_labels(label_smoothing));
}

/// Categorical cross-entropy of one_hot(labels): y_true holds class ids, one per sample (lossc::labels,
/// a 1-column y_true; lossc::keras::loss also takes int32/int64 labels and range-checks them). A sample whose
/// label is ignore_class has loss 0 (and lossc::keras::loss leaves it out of the mean).
template <bool FromLogits = false>
constexpr auto sparse_categorical_crossentropy(std::optional<std::int64_t> ignore_class = std::nullopt) {
    // Without ignore_class, −1 stands in: a label of −1 has an all-zero one_hot row, so its loss
    // is 0 either way, and the wrapper rejects it as out of range.
    const scalar ignored{static_cast<double>(ignore_class.value_or(-1))};
    // As Keras 3.15: the ignored rows' y_pred is zeroed before the cross-entropy (ops.where), so
    // that a NaN or infinity there reaches neither the loss nor the gradient.
    const auto valid = not_equal(labels, ignored);
    return where(valid, detail::categorical_crossentropy_of<FromLogits>(one_hot(labels), where(valid, y_pred, 0.0)),
                 0.0);
}

/// Focal CCE: Σ α·(1 − q)^γ · (−t'·log q), q = clip(p/Σp, ε, 1 − ε) (p = softmax(x) from logits);
/// the focal factor is per class. alpha: a number, or per-class weights (weights(…)).
template <bool FromLogits = false, class Alpha = double>
constexpr auto categorical_focal_crossentropy(Alpha alpha = 0.25, double gamma = 2.0, double label_smoothing = 0.0) {
    const auto t = detail::smoothed_categorical_labels(label_smoothing);
    const auto q = [] {
        if constexpr (FromLogits)
            return detail::renormalised_softmax(y_pred);
        else
            return detail::renormalised(y_pred);
    }();
    const auto cce = -t * log(q);
    return sum<-1>(pow(detail::one - q, gamma) * detail::as_alpha(alpha) * cce);
}

/// Generalized cross-entropy (Zhang & Sabuncu): (1 − p_t^q)/q, p_t the probability of the labelled
/// class (y_true holds class ids); q in (0, 1), else lossc::parameter_error as Keras's ValueError.
constexpr auto categorical_generalized_cross_entropy(double q = 0.5) {
    if (!(q > 0.0 && q < 1.0)) throw parameter_error("categorical_generalized_cross_entropy needs q in (0, 1)");
    const auto p_t = sum<-1>(y_pred * one_hot(labels));
    return (1.0 - pow(p_t, q)) / q;
}

/// keras.ops' cross-entropies (K.binary_crossentropy, K.categorical_crossentropy, …): the same
/// formulas on any two expressions, for losses that apply them to transformed tensors.
namespace ops {
/// Element-wise binary cross-entropy of targets t and probabilities (clipped) or logits.
template <bool FromLogits = false, expression Tl, expression P>
constexpr auto binary_crossentropy(const Tl& t, const P& p) {
    if constexpr (FromLogits)
        return detail::binary_crossentropy_of_logits(t, p);
    else
        return detail::binary_crossentropy_of_probabilities(t, p);
}
/// −Σ t·log q over the last axis (q renormalised and clipped, or log_softmax of logits).
template <bool FromLogits = false, expression Tl, expression P>
constexpr auto categorical_crossentropy(const Tl& t, const P& p) {
    return detail::categorical_crossentropy_of<FromLogits>(t, p);
}
/// The same with one class id per sample (ids: lossc::labels or another per-sample value).
template <bool FromLogits = false, expression Ids, expression P>
constexpr auto sparse_categorical_crossentropy(const Ids& ids, const P& p) {
    return detail::categorical_crossentropy_of<FromLogits>(one_hot(ids), p);
}
}  // namespace ops

}  // namespace lossc::keras
