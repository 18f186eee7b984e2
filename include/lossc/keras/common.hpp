// lossc::keras — what every Keras loss shares: Keras's ε, the reduced-axis specification and the
// label conventions that Keras decides from data (hinge's 0/1 → ±1 conversion).
#pragma once
#include <array>
#include <initializer_list>

#include "../errors.hpp"
#include "../reduction.hpp"
#include "../expr/vocabulary.hpp"

namespace lossc::keras {

/// keras.config.epsilon(): 1e-7, held as a double and rounded to the working type (float32 in
/// Keras) where a formula uses it, as Keras rounds it. Clip bounds are (ε, 1 − ε) formed in double
/// and rounded: in float 1 − ε is 0.99999988 = 1 − 2⁻²³, the asymmetric bound Keras has.
inline constexpr double epsilon = 1e-7;

/// Hinge losses take labels in {−1, 1}; Keras converts {0, 1} labels with s = 2t − 1, deciding
/// over the whole batch (every element 0 or 1 → convert all, else convert none). A kernel sees
/// one sample at a time, so the function form asks which; lossc::keras::loss decides per call
/// over the batch, as Keras does (`from_batch`).
enum class hinge_labels { from_batch, zero_one, signed_ };

/// A loss whose label convention Keras decides over the whole batch: both candidate expressions;
/// lossc::keras::loss scans y_true and runs the matching one.
template <class E> struct batch_decided {
    E zero_one;  // labels are all 0 or 1: converted to ±1
    E as_given;  // otherwise
};

/// The axes a loss reduces, as Keras's `axis` argument: one axis (negative counts from the end),
/// several, or none given (`keras::all_axes`: Dice's and Tversky's `axis=None`, the whole batch to
/// one value). The wrapper maps them onto rows of the kernel; lossc::keras::loss throws
/// parameter_error for a set it cannot map (the supported sets are listed in docs/keras.md).
struct axes {
    std::array<int, 8> list{};
    int count = 0;
    bool all = false;                             // axis=None
    constexpr axes(int a) : list{a}, count(1) {}  // NOLINT(google-explicit-constructor): Keras's axis=-1
    constexpr axes(std::initializer_list<int> l) {
        for (int a : l)
            if (count < 8)
                list[static_cast<std::size_t>(count++)] = a;
            else
                throw parameter_error("at most 8 axes (tensors have rank 8 at most)");
    }
    struct all_tag {};
    constexpr explicit axes(all_tag) : all(true) {}
};
/// axis=None: every axis, batch included (one value for the whole batch).
inline constexpr axes all_axes{axes::all_tag{}};

/// Keras's reductions (keras.losses.Loss(reduction=…)): lossc::reduction, one vocabulary with the
/// kernels' (options.hpp); `mean` is the same as sum_over_batch_size.
using lossc::reduction;

}  // namespace lossc::keras
