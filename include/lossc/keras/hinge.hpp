// lossc::keras — hinge losses. hinge and squared_hinge take labels in {−1, 1}; Keras converts
// {0, 1} labels (s = 2t − 1) when every element of the batch's y_true is 0 or 1. The labels
// argument says which convention the kernel applies; the default, from_batch, returns both
// forms and lets lossc::keras::loss decide per call over the whole batch, as Keras does.
#pragma once
#include "common.hpp"

namespace lossc::keras {

namespace detail {
/// s = a·t + b: 2t − 1 (converted) or t (as given); the same type either way, so both forms of a
/// batch-decided loss share one kernel type.
constexpr auto hinge_signs(bool convert) { return y_true * scalar{convert ? 2.0 : 1.0} + scalar{convert ? -1.0 : 0.0}; }
template <hinge_labels Labels, class Make> constexpr auto with_labels(Make make) {
    if constexpr (Labels == hinge_labels::from_batch)
        return batch_decided<decltype(make(true))>{make(true), make(false)};
    else
        return make(Labels == hinge_labels::zero_one);
}
}  // namespace detail

/// mean(maximum(1 − s·y_pred, 0), axis=-1)
template <hinge_labels Labels = hinge_labels::from_batch> constexpr auto hinge() {
    return detail::with_labels<Labels>(
        [](bool convert) { return mean<-1>(maximum(1.0 - detail::hinge_signs(convert) * y_pred, 0.0)); });
}

/// mean(square(maximum(1 − s·y_pred, 0)), axis=-1)
template <hinge_labels Labels = hinge_labels::from_batch> constexpr auto squared_hinge() {
    return detail::with_labels<Labels>(
        [](bool convert) { return mean<-1>(square(maximum(1.0 - detail::hinge_signs(convert) * y_pred, 0.0))); });
}

/// maximum(max((1 − t)·p) − sum(t·p) + 1, 0): the target class takes part in the max with 0.
constexpr auto categorical_hinge() {
    const auto pos = sum<-1>(y_true * y_pred);
    const auto neg = max<-1>((1.0 - y_true) * y_pred);
    return maximum(neg - pos + 1.0, 0.0);
}

}  // namespace lossc::keras

namespace lossc {
/// A batch-decided hinge has no single formula to compile: say which labels, or use the wrapper.
template <class E> constexpr auto compile(const keras::batch_decided<E>&) {
    static_assert(sizeof(E) == 0,
                  "lossc: hinge's 0/1 -> +-1 label conversion is decided over the whole batch; call it through "
                  "lossc::keras::loss (or keras::Hinge()), or compile keras::hinge<keras::hinge_labels::zero_one>() or "
                  "<keras::hinge_labels::signed_>()");
    return 0;
}
}  // namespace lossc
