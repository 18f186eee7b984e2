// lossc::keras — the Keras loss classes (keras.losses.MeanSquaredError(...) and so on): each is
// the function form of the same name wrapped in lossc::keras::loss with Keras's defaults,
// parameters in Keras's order (from_logits, which changes the formula, is a template argument).
#pragma once
#include "crossentropy.hpp"
#include "hinge.hpp"
#include "loss.hpp"
#include "probabilistic.hpp"
#include "regression.hpp"
#include "segmentation.hpp"

namespace lossc::keras {
// NOLINTBEGIN(readability-identifier-naming): the names are Keras's class names

constexpr auto MeanSquaredError(reduction r = reduction::sum_over_batch_size) {
    return loss(mean_squared_error(), {.reduction = r});
}
constexpr auto MeanAbsoluteError(reduction r = reduction::sum_over_batch_size) {
    return loss(mean_absolute_error(), {.reduction = r});
}
constexpr auto MeanAbsolutePercentageError(reduction r = reduction::sum_over_batch_size) {
    return loss(mean_absolute_percentage_error(), {.reduction = r});
}
constexpr auto MeanSquaredLogarithmicError(reduction r = reduction::sum_over_batch_size) {
    return loss(mean_squared_logarithmic_error(), {.reduction = r});
}
constexpr auto CosineSimilarity(axes axis = -1, reduction r = reduction::sum_over_batch_size) {
    return loss(cosine_similarity(), {.reduction = r, .axis = axis});
}
constexpr auto Huber(double delta = 1.0, reduction r = reduction::sum_over_batch_size) {
    return loss(huber(delta), {.reduction = r});
}
constexpr auto LogCosh(reduction r = reduction::sum_over_batch_size) { return loss(log_cosh(), {.reduction = r}); }
constexpr auto Hinge(reduction r = reduction::sum_over_batch_size) { return loss(hinge(), {.reduction = r}); }
constexpr auto SquaredHinge(reduction r = reduction::sum_over_batch_size) {
    return loss(squared_hinge(), {.reduction = r});
}
constexpr auto CategoricalHinge(reduction r = reduction::sum_over_batch_size) {
    return loss(categorical_hinge(), {.reduction = r});
}
constexpr auto KLDivergence(reduction r = reduction::sum_over_batch_size) {
    return loss(kl_divergence(), {.reduction = r});
}
constexpr auto Poisson(reduction r = reduction::sum_over_batch_size) { return loss(poisson(), {.reduction = r}); }

template <bool FromLogits = false> constexpr auto BinaryCrossentropy(double label_smoothing = 0.0, axes axis = -1,
                                                                     reduction r = reduction::sum_over_batch_size) {
    return loss(binary_crossentropy<FromLogits>(label_smoothing), {.reduction = r, .axis = axis});
}
template <bool FromLogits = false>
constexpr auto BinaryFocalCrossentropy(bool apply_class_balancing = false, double alpha = 0.25, double gamma = 2.0,
                                       double label_smoothing = 0.0, axes axis = -1,
                                       reduction r = reduction::sum_over_batch_size) {
    return loss(binary_focal_crossentropy<FromLogits>(apply_class_balancing, alpha, gamma, label_smoothing),
                {.reduction = r, .axis = axis});
}
template <bool FromLogits = false>
constexpr auto CategoricalCrossentropy(double label_smoothing = 0.0, axes axis = -1,
                                       reduction r = reduction::sum_over_batch_size) {
    return loss(categorical_crossentropy<FromLogits>(label_smoothing), {.reduction = r, .axis = axis});
}
/// axis: the class axis (Keras 3.15): -1, or 1 for channels-first (N, K, T) logits with (N, T) ids.
template <bool FromLogits = false>
constexpr auto SparseCategoricalCrossentropy(std::optional<std::int64_t> ignore_class = std::nullopt,
                                             reduction r = reduction::sum_over_batch_size, axes axis = -1) {
    return loss(sparse_categorical_crossentropy<FromLogits>(ignore_class),
                {.reduction = r, .axis = axis, .ignore_class = ignore_class});
}
template <bool FromLogits = false, class Alpha = double>
constexpr auto CategoricalFocalCrossentropy(Alpha alpha = 0.25, double gamma = 2.0, double label_smoothing = 0.0,
                                            axes axis = -1, reduction r = reduction::sum_over_batch_size) {
    return loss(categorical_focal_crossentropy<FromLogits>(alpha, gamma, label_smoothing),
                {.reduction = r, .axis = axis});
}
constexpr auto CategoricalGeneralizedCrossEntropy(double q = 0.5, reduction r = reduction::sum_over_batch_size) {
    return loss(categorical_generalized_cross_entropy(q), {.reduction = r});
}
constexpr auto Dice(reduction r = reduction::sum_over_batch_size, axes axis = all_axes) {
    return loss(dice(), {.reduction = r, .axis = axis});
}
constexpr auto Tversky(double alpha = 0.5, double beta = 0.5, reduction r = reduction::sum_over_batch_size,
                       axes axis = all_axes) {
    return loss(tversky(alpha, beta), {.reduction = r, .axis = axis});
}

// NOLINTEND(readability-identifier-naming)
}  // namespace lossc::keras
