// lossc::keras — probabilistic regression losses.
#pragma once
#include "common.hpp"

namespace lossc::keras {

/// sum(tc · log(tc / pc), axis=-1) with tc, pc = clip(·, ε, 1): a sum over the classes, not a mean.
constexpr auto kl_divergence() {
    const auto t = clip(y_true, epsilon, 1.0);
    const auto p = clip(y_pred, epsilon, 1.0);
    return sum<-1>(t * log(t / p));
}

/// mean(y_pred − y_true · log(y_pred + ε), axis=-1); y_pred is not clipped (below −ε: NaN).
constexpr auto poisson() { return mean<-1>(y_pred - y_true * log(y_pred + epsilon)); }

}  // namespace lossc::keras
