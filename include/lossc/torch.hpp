// lossc::torch — a compiled loss as a libtorch autograd function: lossc::torch::loss(expr, options)
// returns a callable on torch::Tensor that runs the fused kernel (the loss and its gradient in one
// pass) and hands the gradient to autograd. Optional: include it only where libtorch is (CMake:
// link lossc::torch, built when find_package(Torch) succeeds).
//
//   const auto ce = lossc::torch::loss(-lossc::sum<1>(lossc::y_true * lossc::log_softmax<1>(lossc::y_pred)));
//   torch::Tensor l = ce(targets, model->forward(x));   // a 0-dim tensor, mean over the batch
//   l.backward();
//
// Tensors: CPU, float or double, rank 1 (a column, (N) as (N, 1)) or 2, any strides (no copy);
// the Keras class forms (lossc::keras::CategoricalCrossentropy<true>() …) take Keras's ranks up to
// 8 (rank 3+ and sample weights are copied where they are not C-contiguous), integer class ids
// for the sparse losses; Keras's Circle and CTC as well (Circle with reduction none values-only).
// The gradient flows to y_pred only: y_true and sample weights that require grad are refused.
// Errors are lossc exceptions thrown before anything is computed (errors.hpp).
#pragma once
#include <ATen/EmptyTensor.h>
#include <torch/csrc/autograd/functions/utils.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "keras/circle.hpp"
#include "keras/ctc.hpp"
#include "keras/loss.hpp"
#include "lossc.hpp"

namespace lossc::torch {

/// How the per-sample losses L_i (weighted by w_i, 1 without sample weights) reduce:
/// lossc::reduction; `none` returns the (N) tensor of w_i·L_i (torch's and Keras's
/// reduction="none"; its backward scales each sample's gradient by the incoming one).
using lossc::reduction;

struct options {
    torch::reduction reduction = reduction::sum_over_batch_size;
    /// Passed to the kernel (lossc::options): opt-in threads, and the whole batch's divisor when
    /// the batch is split over processes.
    int threads = 1;
    index global_batch_size = 0;
    std::optional<double> global_weight_sum{};
};

namespace detail {
using lossc::detail::cat;

inline std::string describe(const at::Tensor& x) {
    std::string s = std::string(c10::toString(x.scalar_type())) + " tensor of shape (";
    for (int64_t d = 0; d < x.dim(); ++d) s += (d ? ", " : "") + std::to_string(x.size(d));
    return s + (x.dim() == 1 ? ",)" : ")");
}
inline bool is_real(const at::Tensor& x) { return x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble; }
/// Losses whose per-sample values each read the whole batch (batch_loss, Circle): reduction none
/// cannot carry their gradient, which autograd would apply value by value.
[[noreturn]] inline void refuse_unreduced_gradient(const char* what) {
    throw parameter_error(cat(what,
                              " under reduction none with a gradient: each sample's loss reads the whole batch, so a "
                              "per-value backward would be wrong; take a reduction (sum, sum_over_batch_size, "
                              "mean_with_sample_weight), or call it without a gradient"));
}

/// The checks every call makes, whatever the loss: defined CPU tensors, y_pred real, no
/// gradient asked of what lossc does not differentiate.
inline void check_tensors(const at::Tensor& y_true, const at::Tensor& y_pred, const at::Tensor& w) {
    if (!y_true.defined() || !y_pred.defined())
        throw parameter_error("lossc::torch: y_true and y_pred must be defined tensors");
    for (const auto& [x, name] :
         {std::pair{&y_true, "y_true"}, std::pair{&y_pred, "y_pred"}, std::pair{&w, "sample_weight"}}) {
        if (!x->defined()) continue;
        if (!x->device().is_cpu())
            throw parameter_error(cat("lossc::torch runs on CPU tensors; ", name, " is on ", x->device().str(),
                                      ": move it with .cpu() (and the gradient back with .to(device))"));
        if (x->layout() != at::kStrided || x->is_quantized())
            throw parameter_error(
                cat("lossc::torch reads dense (strided) tensors; ", name, " is not: convert it with .to_dense()"));
    }
    if (!is_real(y_pred))
        throw parameter_error(cat("y_pred is a ", describe(y_pred), "; lossc losses take float or double predictions"));
    if (y_true.requires_grad())
        throw parameter_error(
            "y_true requires grad: lossc differentiates the loss with respect to y_pred only; pass "
            "y_true.detach() (a teacher's output in distillation, say)");
    if (w.defined()) {
        if (!is_real(w))
            throw parameter_error(cat("sample_weight is a ", describe(w), "; give float or double weights"));
        if (w.requires_grad())
            throw parameter_error("sample_weight requires grad: lossc does not differentiate it; pass .detach()");
    }
}

/// A rank-1 or rank-2 tensor of T as a kernel's matrix view ((N) as (N, 1)), any strides.
template <class T> matrix_view<T> as_view(const at::Tensor& x, const char* name) {
    if (x.dim() < 1 || x.dim() > 2)
        throw shape_error(cat(name, " is a ", describe(x),
                              "; lossc expressions take (N, C) tensors, or (N) as (N, 1) "
                              "(the Keras class forms take rank 1 to 8)"));
    T* d = x.data_ptr<std::remove_const_t<T>>();
    if (x.dim() == 1) return {d, x.size(0), 1, x.stride(0), 1};
    return {d, x.size(0), x.size(1), x.stride(0), x.stride(1)};
}

/// An uninitialised CPU tensor: ATen's CPU allocation without the dispatcher (the tensors are
/// checked to be CPU tensors first; at a batch of 64 the dispatch costs as much as a kernel).
inline at::Tensor cpu_empty(at::IntArrayRef sizes, at::ScalarType dtype) { return at::detail::empty_cpu(sizes, dtype); }
/// The gradient's buffer: y_pred's strides where they are dense (a permutation of a contiguous
/// layout), else contiguous — torch's empty_like.
inline at::Tensor gradient_like(const at::Tensor& y_pred) {
    if (y_pred.is_contiguous()) return cpu_empty(y_pred.sizes(), y_pred.scalar_type());
    return at::empty_like(y_pred, y_pred.options().requires_grad(false), at::MemoryFormat::Preserve);
}
/// A 0-dim tensor holding r (a store: scalar_tensor's fill costs a dispatch).
template <class T> at::Tensor scalar(T r) {
    at::Tensor x = cpu_empty({}, c10::CppTypeToScalarType<T>::value);
    *x.data_ptr<T>() = r;
    return x;
}

/// dR/dy_pred scaled by autograd's incoming gradient: a scalar (R reduced), or one per value
/// (reduction none), broadcast over the axes the loss reduced (`kept`: y_pred's shape with those
/// axes 1).
inline at::Tensor chain(const at::Tensor& grad, const at::Tensor& incoming, at::IntArrayRef kept) {
    if (!incoming.defined()) return {};  // autograd's zero (an output nothing used): no gradient
    if (incoming.dim() == 0) {
        // loss.backward() starts from 1: the gradient is already the answer.
        if (incoming.item<double>() == 1.0) return grad;
        return grad.mul(incoming);
    }
    return grad.mul(incoming.reshape(kept));
}

/// The autograd node of a lossc loss: the gradient the fused kernel wrote in the forward call,
/// scaled by autograd's incoming gradient. A plain Node (as libtorch's own operators make), not
/// a torch::autograd::Function, whose bookkeeping costs more than a batch-64 kernel.
struct loss_backward final : ::torch::autograd::Node {
    at::Tensor grad;
    std::vector<int64_t> kept;  // reduction none: the incoming gradient's shape, broadcast over grad
    ::torch::autograd::variable_list apply(::torch::autograd::variable_list&& incoming) override {
        return {chain(grad, incoming[0], kept)};
    }
    std::string name() const override { return "lossc::torch::LossBackward"; }
    void release_variables() override { grad.reset(); }
};

/// Values only, or with a gradient node where y_pred requires grad and grad mode is on.
template <class Owner>
at::Tensor call(const Owner& owner, const at::Tensor& y_true, const at::Tensor& y_pred, const at::Tensor& w) {
    check_tensors(y_true, y_pred, w);
    if (!(y_pred.requires_grad() && at::GradMode::is_enabled())) return owner.run(y_true, y_pred, w, nullptr);
    std::shared_ptr<loss_backward> node(new loss_backward(), ::torch::autograd::deleteNode);
    at::Tensor result = owner.run(y_true, y_pred, w, &node->grad);
    node->kept = owner.kept_shape(y_pred);
    node->set_next_edges(::torch::autograd::collect_next_edges(y_pred));
    ::torch::autograd::set_history(result, node);
    return result;
}
}  // namespace detail

/// A lossc expression compiled for libtorch (lossc::torch::loss(expr, options)).
template <class E> class loss_function {
public:
    constexpr loss_function(const E& e, torch::options o) : kernel_(lossc::compile(e)), opt_(o) {}

    /// The loss of y_pred against y_true, reduced as options say (reduction none: an (N) tensor);
    /// with autograd's gradient where y_pred requires grad. sample_weight: (N) or (N, 1).
    at::Tensor operator()(const at::Tensor& y_true, const at::Tensor& y_pred,
                          const at::Tensor& sample_weight = {}) const {
        return detail::call(*this, y_true, y_pred, sample_weight);
    }
    constexpr const auto& kernel() const { return kernel_; }
    constexpr const torch::options& configuration() const { return opt_; }

    /// The kernel on the tensors; `grad` (when not null) receives dR/dy_pred.
    at::Tensor run(const at::Tensor& y_true, const at::Tensor& y_pred, const at::Tensor& w, at::Tensor* grad) const {
        // A cross-sample loss's per-sample values each read every sample: their gradients do not
        // come from one gradient row by row, as reduction none's node computes them.
        if (batch_loss_expression<E> && grad && opt_.reduction == reduction::none)
            detail::refuse_unreduced_gradient("a cross-sample loss (batch_loss)");
        if (y_true.scalar_type() != y_pred.scalar_type())
            throw parameter_error(
                detail::cat("y_true is a ", detail::describe(y_true), " and y_pred a ", detail::describe(y_pred),
                            ": a lossc expression takes both of one type (class ids too: cast them with "
                            "y_true.to(y_pred.scalar_type()), or use a sparse Keras loss)"));
        if (y_pred.scalar_type() == at::kFloat) return run_typed<float>(y_true, y_pred, w, grad);
        return run_typed<double>(y_true, y_pred, w, grad);
    }
    /// y_pred's shape with the reduced column axis 1 (what the incoming gradient of reduction none
    /// broadcasts to).
    std::vector<int64_t> kept_shape(const at::Tensor& y_pred) const {
        if (opt_.reduction != reduction::none) return {};
        return y_pred.dim() == 1 ? std::vector<int64_t>{y_pred.size(0)} : std::vector<int64_t>{y_pred.size(0), 1};
    }

private:
    template <class T> at::Tensor run_typed(const at::Tensor& y_true, const at::Tensor& y_pred, const at::Tensor& w,
                                            at::Tensor* grad) const {
        const matrix_view<const T> t = detail::as_view<const T>(y_true, "y_true");
        const matrix_view<const T> p = detail::as_view<const T>(y_pred, "y_pred");
        lossc::options o{.global_batch_size = opt_.global_batch_size,
                         .global_weight_sum = opt_.global_weight_sum,
                         .threads = opt_.threads};
        o.reduction = opt_.reduction == reduction::none ? reduction::sum : opt_.reduction;
        if (w.defined()) {
            if (!(w.dim() == 1 || (w.dim() == 2 && w.size(1) == 1)))
                throw shape_error(detail::cat("sample_weight is a ", detail::describe(w),
                                              "; give one weight per sample, (N) or (N, 1)"));
            if (w.scalar_type() == at::kFloat)
                o.sample_weight = vector_view<const float>(w.data_ptr<float>(), w.size(0), w.stride(0));
            else
                o.sample_weight = vector_view<const double>(w.data_ptr<double>(), w.size(0), w.stride(0));
        }
        // the kernel with per-sample outputs or without (lossc::discard); with the gradient if asked
        const auto run_kernel = [&](auto&& per_sample) -> T {
            if (!grad) return kernel_.forward(t, p, per_sample, o);
            *grad = detail::gradient_like(y_pred);
            return kernel_.forward_backward(t, p, per_sample, detail::as_view<T>(*grad, "grad"), o);
        };
        if (opt_.reduction != reduction::none) return detail::scalar(run_kernel(discard));
        at::Tensor ps = detail::cpu_empty({p.rows}, y_pred.scalar_type());
        run_kernel(vector_view<T>(ps.data_ptr<T>(), p.rows));
        // reduction none returns w_i·L_i, as Keras and torch do
        if (w.defined()) ps.mul_(w.reshape({p.rows}).to(ps.scalar_type()));
        return ps;
    }

    decltype(lossc::compile(std::declval<E>())) kernel_;
    torch::options opt_;
};

namespace detail {
/// Circle and CTC: Keras losses that are kernels of their own (keras/kernel_loss.hpp).
template <class K> inline constexpr bool is_kernel_loss = std::is_base_of_v<keras::kernel_loss<K>, K>;
}  // namespace detail

/// A Keras loss object (lossc::keras::loss: the class forms, keras::get<"name">(); Circle, CTC)
/// for libtorch: Keras's shapes, reduction, axis and sample-weight broadcasting; integer (Int,
/// Long) y_true for the sparse losses, Circle and CTC.
template <class KerasLoss> class keras_function {
public:
    using keras_loss = KerasLoss;
    constexpr explicit keras_function(const keras_loss& l) : loss_(l) {}

    at::Tensor operator()(const at::Tensor& y_true, const at::Tensor& y_pred,
                          const at::Tensor& sample_weight = {}) const {
        return detail::call(*this, y_true, y_pred, sample_weight);
    }
    constexpr const keras_loss& keras() const { return loss_; }

    at::Tensor run(const at::Tensor& y_true, const at::Tensor& y_pred, const at::Tensor& w, at::Tensor* grad) const {
        if (y_pred.scalar_type() == at::kFloat) return run_typed<float>(y_true, y_pred, w, grad);
        return run_typed<double>(y_true, y_pred, w, grad);
    }
    /// Reduction none: y_pred's shape with the axes the loss reduces 1.
    std::vector<int64_t> kept_shape(const at::Tensor& y_pred) const {
        const auto& cfg = loss_.configuration();
        if (cfg.reduction != keras::reduction::none) return {};
        std::vector<int64_t> s(y_pred.sizes().begin(), y_pred.sizes().end());
        if constexpr (detail::is_kernel_loss<KerasLoss>) {  // one value per sample
            std::fill(s.begin() + 1, s.end(), 1);
            return s;
        }
        const int rank = static_cast<int>(s.size());
        if (cfg.axis.all) return {};  // one value for the whole batch: a scalar
        for (int k = 0; k < cfg.axis.count; ++k) {
            const int a = cfg.axis.list[static_cast<std::size_t>(k)];
            const int axis = a < 0 ? a + rank : a;
            if (axis > 0 && axis < rank) s[static_cast<std::size_t>(axis)] = 1;
        }
        return s;
    }

private:
    template <class L> static lossc::keras::tensor_view<const L> view(const at::Tensor& x, const char* name) {
        if (x.dim() > lossc::keras::max_rank)
            throw shape_error(
                detail::cat(name, " is a ", detail::describe(x), "; lossc::keras takes tensors of rank 8 at most"));
        lossc::keras::tensor_view<const L> v;
        v.data = x.data_ptr<L>();
        v.rank = static_cast<int>(x.dim());
        v.strided = true;
        for (int a = 0; a < v.rank; ++a)
            v.shape[static_cast<std::size_t>(a)] = x.size(a), v.strides[static_cast<std::size_t>(a)] = x.stride(a);
        return v;
    }
    template <class T> at::Tensor run_typed(const at::Tensor& y_true_in, const at::Tensor& y_pred_in,
                                            const at::Tensor& w_in, at::Tensor* grad) const {
        // The Keras wrapper reads rank 1–2 at any strides; higher ranks, weights and masks are
        // copied where they are not in numpy's layout (the gradient of rank 3+ is in it).
        const auto keep = [](const at::Tensor& x) { return x.defined() && x.dim() <= 2 ? x : x.contiguous(); };
        const at::Tensor y_true = keep(y_true_in), y_pred = keep(y_pred_in);
        const at::Tensor w = w_in.defined() ? w_in.contiguous() : w_in;
        const auto p = view<T>(y_pred, "y_pred");
        keras::call_args<T> args;
        if (w.defined()) {
            if (w.scalar_type() == at::kFloat)
                args.sample_weight = keras::weight_tensor(view<float>(w, "sample_weight"));
            else
                args.sample_weight = keras::weight_tensor(view<double>(w, "sample_weight"));
        }
        const auto& cfg = loss_.configuration();
        if constexpr (std::is_same_v<KerasLoss, keras::circle_loss>)
            if (grad && cfg.reduction == keras::reduction::none) detail::refuse_unreduced_gradient("Circle");
        at::Tensor values;
        if (cfg.reduction == keras::reduction::none) {
            const keras::value_shape vs = loss_.values_shape(p);
            values = detail::cpu_empty(std::vector<int64_t>(vs.dims.begin(), vs.dims.begin() + vs.rank),
                                       y_pred.scalar_type());
            args.values = std::span<T>(values.data_ptr<T>(), static_cast<std::size_t>(vs.size()));
        }
        if (grad) {  // in y_pred's storage order, compact: where the wrapper writes it
            const auto gs = keras::detail::grad_strides(p);
            *grad =
                y_pred.dim() == 2
                    ? at::Tensor(at::detail::empty_strided_cpu(y_pred.sizes(), {gs[0], gs[1]}, y_pred.scalar_type()))
                    : detail::cpu_empty(y_pred.sizes(), y_pred.scalar_type());
            args.grad = std::span<T>(grad->data_ptr<T>(), static_cast<std::size_t>(grad->numel()));
        }
        const T r = with_labels<T>(y_true, [&](const auto& t) {
            if (grad) return loss_.value_and_grad(t, p, args);
            return loss_.value(t, p, keras::value_args<T>{args.sample_weight, args.mask, args.values});
        });
        return values.defined() ? values : detail::scalar(r);
    }
    /// y_true as Keras passes it: y_pred's type, or integer class ids where the loss takes them.
    template <class T, class F> T with_labels(const at::Tensor& y_true, F&& f) const {
        const auto st = y_true.scalar_type();
        if (st == c10::CppTypeToScalarType<T>::value) return f(view<T>(y_true, "y_true"));
        if constexpr (keras_loss::uses_labels) {
            if (st == at::kLong) return f(view<std::int64_t>(y_true, "y_true"));
            if (st == at::kInt) return f(view<std::int32_t>(y_true, "y_true"));
        }
        throw parameter_error(detail::cat(
            "y_true is a ", detail::describe(y_true), " and y_pred a ",
            std::string(c10::toString(c10::CppTypeToScalarType<T>::value)), " tensor: give y_true y_pred's type",
            keras_loss::uses_labels ? ", or Int/Long class ids" : " (class ids are for the sparse losses)"));
    }

    keras_loss loss_;
};

/// The front door: a lossc expression or cross-sample loss (with options), or a Keras loss object.
template <class E>
requires expression<E> || batch_loss_expression<E>
constexpr auto loss(const E& e, options o = {}) { return loss_function<E>(e, o); }
template <class Def> constexpr auto loss(const keras::loss<Def>& l) { return keras_function<keras::loss<Def>>(l); }
template <class K>
requires detail::is_kernel_loss<K>
constexpr auto loss(const K& l) { return keras_function<K>(l); }

}  // namespace lossc::torch
