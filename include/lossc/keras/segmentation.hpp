// lossc::keras — segmentation losses. Keras's default axis=None reduces the whole batch to one
// value; the expressions here reduce one row, and lossc::keras::loss lays the tensor out so that
// a row is what `axis` names (the whole tensor for axis=None, a sample for axis=(1, 2), …).
#pragma once
#include "common.hpp"

namespace lossc::keras {

/// 1 − 2·Σ t·p / (Σ t + Σ p + ε)
constexpr auto dice() {
    const auto intersection = sum<-1>(y_true * y_pred);
    return 1.0 - (2.0 * intersection) / (sum<-1>(y_true) + sum<-1>(y_pred) + epsilon);
}

/// 1 − TP / (TP + α·Σ t(1 − p) + β·Σ p(1 − t) + ε), TP = Σ t·p. As Keras 3 computes it, α weights
/// the missed positives Σ t(1 − p) and β the false alarms Σ p(1 − t) (Keras's code names them
/// fp and fn the other way round).
constexpr auto tversky(double alpha = 0.5, double beta = 0.5) {
    const auto tp = sum<-1>(y_true * y_pred);
    const auto fp = sum<-1>((1.0 - y_pred) * y_true);
    const auto fn = sum<-1>(y_pred * (1.0 - y_true));
    return 1.0 - tp / (tp + fp * alpha + fn * beta + epsilon);
}

}  // namespace lossc::keras
