// lossc::keras::kernel_loss — what the catalog's losses that are kernels of their own rather
// than DSL expressions (Circle couples the batch's pairs, CTC is a recursion over time steps)
// share with the class forms of lossc::keras::loss: the call forms (operator(), value_and_grad,
// value) over one `call`, the checks of per-sample weights and masks, and Keras's reductions over
// (N) per-sample losses.
#pragma once
#include <cmath>
#include <span>
#include <type_traits>

#include "loss.hpp"

namespace lossc::keras {

namespace detail {

/// The static checks of a call's scalar types, each with its message; false stops the call
/// before anything else is instantiated.
template <class L, class T> constexpr bool kernel_types_fit() {
    constexpr bool real = std::is_same_v<T, float> || std::is_same_v<T, double>;
    static_assert(real, "lossc: y_pred holds float or double");
    constexpr bool labels = std::is_arithmetic_v<L> && !std::is_same_v<L, bool>;
    static_assert(labels,
                  "lossc: Circle's and CTC's y_true holds integer labels (int32/int64, or integral floats): convert "
                  "bool labels to int");
    return real && labels;
}

/// A sample weight (a number, (N) or (N, 1)) and a mask ((N) or (N, 1), contiguous) for `n`
/// per-sample losses, or a shape_error naming `loss_name`.
inline void require_per_sample_args(const weight_tensor& sw, const tensor_view<const bool>& mask, index n,
                                    const char* loss_name) {
    const auto per_sample = [&](int rank, const dims_array& s) {
        return (rank == 1 && s[0] == n) || (rank == 2 && s[0] == n && s[1] == 1);
    };
    if (sw.present() && sw.rank > 0) {
        if (!per_sample(sw.rank, sw.shape))
            throw shape_error(cat("sample_weight has shape ", shape_str(sw.rank, sw.shape), "; ", loss_name,
                                  "'s losses are (", num(n), ",)"));
        if (sw.data == nullptr) throw shape_error("sample_weight is a null pointer");
    }
    if ((mask.data != nullptr || mask.rank > 0) &&
        !(per_sample(mask.rank, mask.shape) && mask.contiguous() && mask.data != nullptr))
        throw shape_error(
            cat("mask has shape ", shape_str(mask), "; ", loss_name, "'s losses are (", num(n), ",), contiguous"));
}

/// Keras's wrapper around n per-sample losses: sample(i, coef) computes L_i, writes coef(L_i)·dL_i
/// into the gradient and returns L_i; coef gives the sample's weight, or 0 where it is masked (by
/// the given mask, or — `positive_only`, Circle's mask — where L_i ≤ 0). The reduction's divisor
/// is known after the last sample, so it scales the whole gradient at the end. Values: L_i·w, 0
/// where masked (NaN stays).
template <class T, class Sample> double per_sample_reduce(index n, reduction red, const weight_tensor& sw,
                                                          const tensor_view<const bool>& mask, bool positive_only,
                                                          std::span<T> values, std::span<T> grad, Sample&& sample) {
    const bool given_mask = mask.data != nullptr || mask.rank > 0;
    double total = 0, count = 0, weight_sum = 0;
    for (index i = 0; i < n; ++i) {
        const double w = !sw.present() ? 1.0 : sw.at(sw.rank == 0 ? 0 : i);
        const bool given = !(given_mask && !mask.data[i]);
        const auto kept = [&](double l) { return given && (!positive_only || l > 0); };
        const double l = sample(i, [&](double li) { return kept(li) ? w : 0.0; });
        const double wl = kept(l) ? l * w : (std::isnan(l) ? l : 0.0);
        if (!values.empty()) values[static_cast<std::size_t>(i)] = static_cast<T>(wl);
        total += wl;
        count += kept(l) ? 1.0 : 0.0;
        weight_sum += kept(l) ? w : 0.0;
    }
    const bool masked = given_mask || positive_only;
    double divisor = 1;
    if (red == reduction::sum_over_batch_size || red == reduction::mean) {
        divisor = masked ? count : static_cast<double>(n);
    } else if (red == reduction::mean_with_sample_weight) {
        if (masked) {
            divisor = weight_sum;
        } else if (sw.present()) {  // Σ w as given, before broadcasting (a number: itself)
            divisor = 0;
            for (index k = 0, m = sw.rank == 0 ? 1 : sw.size(); k < m; ++k) divisor += sw.at(k);
        } else {
            divisor = static_cast<double>(n);
        }
    }
    const double scale = divisor != 0 ? 1.0 / divisor : 0.0;  // Keras: divide_no_nan
    if (scale != 1.0)
        for (T& g : grad) g = static_cast<T>(static_cast<double>(g) * scale);
    return total * scale;
}

}  // namespace detail

/// The class-form calls of a loss with its own kernel: Derived provides
/// `double call(y_true, y_pred, const call_args<T>&) const` (reachable by this base) and
/// `values_shape(y_pred)`.
template <class Derived> class kernel_loss {
public:
    /// y_true holds labels (integers, or integral floats), not y_pred's values.
    static constexpr bool uses_labels = true;

    constexpr const keras::config& configuration() const { return cfg_; }

    /// The reduced loss; the gradient too where args.grad is not empty.
    template <class L, class T>
    T operator()(tensor_view<const L> y_true, tensor_view<const T> y_pred, const call_args<T>& args = {}) const {
        if constexpr (detail::kernel_types_fit<L, T>())
            return static_cast<T>(self().call(y_true, y_pred, args));
        else
            return T{};
    }
    /// The reduced loss and its gradient into args.grad, which must hold y_pred's size.
    template <class L, class T>
    T value_and_grad(tensor_view<const L> y_true, tensor_view<const T> y_pred, const call_args<T>& args) const {
        if constexpr (detail::kernel_types_fit<L, T>()) {
            if (args.grad.empty() && y_pred.size() > 0)
                throw shape_error("value_and_grad writes the gradient: give args.grad, y_pred's size");
            return static_cast<T>(self().call(y_true, y_pred, args));
        } else {
            return T{};
        }
    }
    /// Values only: the gradient is neither computed nor written.
    template <class L, class T>
    T value(tensor_view<const L> y_true, tensor_view<const T> y_pred, const value_args<T>& args = {}) const {
        if constexpr (detail::kernel_types_fit<L, T>())
            return static_cast<T>(self().call(
                y_true, y_pred,
                call_args<T>{
                    args.sample_weight, args.mask, args.values, {}, args.global_batch_size, args.global_divisor}));
        else
            return T{};
    }

protected:
    constexpr explicit kernel_loss(keras::reduction r) : cfg_{.reduction = r} {}
    keras::config cfg_;

private:
    constexpr const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace lossc::keras
