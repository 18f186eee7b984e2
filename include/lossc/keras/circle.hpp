// lossc::keras::Circle — keras.losses.Circle (Sun et al., 2020), the metric-learning loss over
// every pair of a batch of L2-normalised embeddings: not a per-row expression, so not a DSL loss
// but a kernel of its own, with Keras's semantics (keras/src/losses/losses.py, `circle`):
//   d_ij = max(1 − p_i·r_j, 0), positives: same label (j ≠ i unless remove_diagonal is false),
//   negatives: different label;
//   a_ij = −γ·max(m + d, 0)·(m − d), b_ij = γ·max(1 + m − d, 0)·(1 − m − d);
//   L_i = softplus(LSE_pos a_i· + LSE_neg b_i·), an empty set's LSE −∞ (L_i = 0);
// and the mask L_i > 0 Keras attaches, so that zero losses leave the mean. The gradient goes
// through α⁺, α⁻ as Keras's does (no stop-gradient). The references r default to the batch.
// Cost: N·M dot products of length D, twice where the gradient is asked for (a row's first
// 1024 similarities are kept for its second pass); no allocation.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>

#include "../simd/pack.hpp"
#include "kernel_loss.hpp"

namespace lossc::keras {

/// Circle's parameters (Keras's defaults).
struct circle_params {
    double gamma = 80.0;
    double margin = 0.4;
    bool remove_diagonal = true;
};

/// The reference set of the function form's ref_labels / ref_embeddings ((M,) and (M, D));
/// empty: the batch itself.
template <class L, class T> struct circle_refs {
    tensor_view<const L> labels{};
    tensor_view<const T> embeddings{};
    bool present() const { return embeddings.data != nullptr || embeddings.rank != 0; }
};

namespace detail {

/// Σ a[k]·b[k] over n elements, packed where both are contiguous.
template <class T> T dot(const T* a, index sa, const T* b, index sb, index n) {
    using P = simd::pack<T>;
    constexpr index w = P::width;
    index k = 0;
    T s = 0;
    if (sa == 1 && sb == 1 && n >= w) {
        P acc0 = P::load(a) * P::load(b), acc1(T(0));
        for (k = w; k + 2 * w <= n; k += 2 * w) {
            acc0 += P::load(a + k) * P::load(b + k);
            acc1 += P::load(a + k + w) * P::load(b + k + w);
        }
        for (; k + w <= n; k += w) acc0 += P::load(a + k) * P::load(b + k);
        s = simd::hsum(acc0 + acc1);
    }
    for (; k < n; ++k) s += a[k * sa] * b[k * sb];
    return s;
}
/// y[k] += c·x[k] over n elements.
template <class T> void axpy(T c, const T* x, index sx, T* y, index sy, index n) {
    using P = simd::pack<T>;
    constexpr index w = P::width;
    index k = 0;
    if (sx == 1 && sy == 1) {
        const P cp(c);
        for (; k + w <= n; k += w) (P::load(y + k) + cp * P::load(x + k)).store(y + k);
    }
    for (; k < n; ++k) y[k * sy] += c * x[k * sx];
}

/// A running log-sum-exp: max and the sum of exp(x − max).
struct running_lse {
    double max = -std::numeric_limits<double>::infinity(), sum = 0;
    void add(double x) {
        if (x > max) {
            sum = sum * std::exp(max - x) + 1.0;
            max = x;
        } else {
            sum += std::exp(x - max);
        }
    }
    double value() const { return sum > 0 ? max + std::log(sum) : -std::numeric_limits<double>::infinity(); }
};

/// One pair's term: its log-sum-exp argument, and that argument's derivative by the similarity.
struct circle_pair {
    double arg, slope;
};
inline circle_pair circle_term(double s, bool positive, const circle_params& q) {
    const double d_raw = 1.0 - s, d = std::max(d_raw, 0.0), m = q.margin, g = q.gamma;
    const double dd_ds = d_raw > 0 ? -1.0 : 0.0;
    if (positive) {
        const double alpha = std::max(m + d, 0.0);
        return {-g * alpha * (m - d), alpha > 0 ? 2.0 * g * d * dd_ds : 0.0};
    }
    const double alpha = std::max(1.0 + m - d, 0.0);
    return {g * alpha * (1.0 - m - d), alpha > 0 ? -2.0 * g * (1.0 - d) * dd_ds : 0.0};
}

template <class T> void require_embeddings(const tensor_view<const T>& e, const char* name) {
    if (e.rank != 2) throw shape_error(cat(name, " has shape ", shape_str(e), "; Circle takes (N, D) embeddings"));
    if (e.data == nullptr && e.size() > 0) throw shape_error(cat(name, " is a null pointer"));
    if (index last = 0; !e.extent(last))
        throw shape_error(cat(name, "'s strides reach more bytes than an index holds"));
}

template <class L> std::int64_t label_id(L v, index i, const char* name) {
    if constexpr (std::is_integral_v<L>) {
        return static_cast<std::int64_t>(v);
    } else {
        const double x = static_cast<double>(v);
        if (!(std::floor(x) == x) || !(std::abs(x) < 9.0e15))
            throw label_error(cat(name, " ", std::to_string(v), " of sample ", num(i), " is not an integer label"));
        return static_cast<std::int64_t>(x);
    }
}

/// The Circle loss L_i of row i of y_pred; with `grad`, c·dL_i/d(y_pred) added into it (y_pred's
/// shape, at gs strides), c = coef(L_i) (the sample's weight, or 0). References r; `self`: r is
/// y_pred, so each pair's similarity feeds both of its rows.
template <class L, class T, class Coef>
double circle_row(index i, const tensor_view<const L>& labels, const tensor_view<const T>& p,
                  const tensor_view<const L>& ref_labels, const tensor_view<const T>& r, bool self,
                  const circle_params& q, T* grad, std::array<index, 2> gs, Coef&& coef) {
    const index m = r.shape[0], dim = p.shape[1];
    const index ps1 = p.stride(1), rs0 = r.stride(0), rs1 = r.stride(1);
    const auto label = [](const tensor_view<const L>& t, index k) {
        return label_id(t.data[k * t.stride(0)], k, "label");
    };
    constexpr index kept = 1024;  // similarities kept for the gradient pass
    T sims[kept];
    const T* pi = p.data + i * p.stride(0);
    const std::int64_t li = label(labels, i);
    running_lse pos, neg;
    for (index j = 0; j < m; ++j) {
        const T s = dot(pi, ps1, r.data + j * rs0, rs1, dim);
        if (j < kept) sims[j] = s;
        const bool same = label(ref_labels, j) == li;
        if (same && q.remove_diagonal && i == j) continue;
        (same ? pos : neg).add(circle_term(static_cast<double>(s), same, q).arg);
    }
    const double lp = pos.value(), ln = neg.value(), z = lp + ln;
    if (std::isinf(z) && z < 0) return 0.0;  // no positives or no negatives
    const auto loss = static_cast<T>(z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)));  // softplus
    const double c = grad == nullptr ? 0.0 : coef(static_cast<double>(loss));
    if (c == 0) return static_cast<double>(loss);
    const double dz = c / (1.0 + std::exp(-z));  // c·σ(z)
    T* gi = grad + i * gs[0];
    for (index j = 0; j < m; ++j) {
        const T* rj = r.data + j * rs0;
        const bool same = label(ref_labels, j) == li;
        if (same && q.remove_diagonal && i == j) continue;
        const T s = j < kept ? sims[j] : dot(pi, ps1, rj, rs1, dim);
        const circle_pair t = circle_term(static_cast<double>(s), same, q);
        const auto g = static_cast<T>(dz * std::exp(t.arg - (same ? lp : ln)) * t.slope);
        if (g == T(0)) continue;
        axpy(g, rj, rs1, gi, gs[1], dim);                          // ∂s_ij/∂p_i = r_j
        if (self) axpy(g, pi, ps1, grad + j * gs[0], gs[1], dim);  // ∂s_ij/∂p_j = p_i
    }
    return static_cast<double>(loss);
}

/// Every row's loss through Keras's wrapper (per_sample_reduce); the gradient is zeroed first,
/// since each pair adds to two rows.
template <class L, class T> double circle_call(const tensor_view<const L>& labels, const tensor_view<const T>& p,
                                               const tensor_view<const L>& ref_labels, const tensor_view<const T>& r,
                                               bool self, const circle_params& q, reduction red,
                                               const weight_tensor& sw, const tensor_view<const bool>& mask,
                                               bool positive_only, std::span<T> values, std::span<T> grad) {
    const std::array<index, 2> gs = grad_strides(p);
    T* g = grad.empty() ? nullptr : grad.data();
    if (g != nullptr)
        for (index i = 0; i < p.shape[0]; ++i)
            for (index k = 0; k < p.shape[1]; ++k) g[i * gs[0] + k * gs[1]] = T(0);
    return per_sample_reduce<T>(p.shape[0], red, sw, mask, positive_only, values, grad, [&](index i, auto&& coef) {
        return circle_row(i, labels, p, ref_labels, r, self, q, g, gs, coef);
    });
}

}  // namespace detail

/// keras.losses.Circle(gamma, margin, remove_diagonal, reduction): called as the other class
/// forms are — loss(y_true, y_pred, {.sample_weight, .mask, .values, .grad}) — with y_true the
/// (N,) or (N, 1) integer labels (int32/int64, or integral floats) and y_pred the (N, D)
/// embeddings. Keras's mask L_i > 0 joins a given mask: sum_over_batch_size divides by the
/// samples with a positive loss, mean_with_sample_weight by their Σ w.
class circle_loss : public kernel_loss<circle_loss> {
public:
    constexpr explicit circle_loss(circle_params q = {}, keras::reduction r = keras::reduction::sum_over_batch_size)
        : kernel_loss(r), q_(q) {}
    constexpr const circle_params& parameters() const { return q_; }

    /// (N): one loss per sample.
    template <class T> value_shape values_shape(tensor_view<const T> y_pred) const {
        detail::require_embeddings(y_pred, "y_pred");
        value_shape v{1, {}};
        v.dims[0] = y_pred.shape[0];
        return v;
    }

private:
    friend class kernel_loss<circle_loss>;
    template <class L, class T>
    double call(const tensor_view<const L>& y_true, const tensor_view<const T>& y_pred, const call_args<T>& args) const;

    circle_params q_;
};

/// keras.losses.Circle(gamma=80, margin=0.4, remove_diagonal=True, reduction=…).
constexpr circle_loss Circle(double gamma = 80.0, double margin = 0.4, bool remove_diagonal = true,
                             reduction r = reduction::sum_over_batch_size) {
    return circle_loss({gamma, margin, remove_diagonal}, r);
}

/// keras.losses.circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma,
/// margin), the function form: the per-sample losses L_i into `values` ((N), unweighted, unmasked),
/// and with `grad` d(Σ_i L_i)/d(y_pred). `refs`: another set of labelled embeddings ((M,), (M, D))
/// to compare against instead of the batch (their gradient is not computed).
template <class L, class T> void circle(tensor_view<const L> y_true, tensor_view<const T> y_pred, std::span<T> values,
                                        const circle_params& q = {}, circle_refs<L, T> refs = {},
                                        std::span<T> grad = {});

namespace detail {
template <class L> void require_labels(const tensor_view<const L>& t, index n, const char* name) {
    const bool fits = (t.rank == 1 && t.shape[0] == n) || (t.rank == 2 && t.shape[0] == n && t.shape[1] == 1);
    if (!fits)
        throw shape_error(detail::cat(name, " has shape ", shape_str(t), "; Circle takes one label per embedding, (",
                                      detail::num(n), ",)"));
    if (t.data == nullptr && n > 0) throw shape_error(detail::cat(name, " is a null pointer"));
    for (index i = 0; i < n; ++i) label_id(t.data[i * t.stride(0)], i, name);
}
}  // namespace detail

template <class L, class T> double circle_loss::call(const tensor_view<const L>& y_true,
                                                     const tensor_view<const T>& y_pred,
                                                     const call_args<T>& args) const {
    detail::require_embeddings(y_pred, "y_pred");
    const index n = y_pred.shape[0];
    detail::require_labels(y_true, n, "y_true");
    if (!args.values.empty() && static_cast<index>(args.values.size()) != n)
        throw shape_error(detail::cat("values has ", detail::num(args.values.size()), " elements but there are ",
                                      detail::num(n), " per-sample losses"));
    if (!args.grad.empty() && static_cast<index>(args.grad.size()) != y_pred.size())
        throw shape_error(detail::cat("grad has ", detail::num(args.grad.size()), " elements but y_pred has ",
                                      detail::num(y_pred.size())));
    if (args.global_batch_size != 0 || args.global_divisor)
        throw parameter_error(
            "Circle couples every pair of the batch: a shard's loss is not a part of the whole batch's, so "
            "global_batch_size and global_divisor do not apply");
    if (!(std::isfinite(q_.gamma) && std::isfinite(q_.margin)))
        throw parameter_error("Circle's gamma and margin must be finite");
    detail::require_per_sample_args(args.sample_weight, args.mask, n, "Circle");
    detail::require_outputs_apart(detail::extents_of(y_true, y_pred, args));
    return detail::circle_call(y_true, y_pred, y_true, y_pred, true, q_, cfg_.reduction, args.sample_weight, args.mask,
                               true, args.values, args.grad);
}

template <class L, class T> void circle(tensor_view<const L> y_true, tensor_view<const T> y_pred, std::span<T> values,
                                        const circle_params& q, circle_refs<L, T> refs, std::span<T> grad) {
    if constexpr (!detail::kernel_types_fit<L, T>()) return;
    detail::require_embeddings(y_pred, "y_pred");
    const index n = y_pred.shape[0];
    detail::require_labels(y_true, n, "y_true");
    const bool self = !refs.present();
    const tensor_view<const T> r = self ? y_pred : refs.embeddings;
    const tensor_view<const L> rl = self ? y_true : refs.labels;
    if (!self) {
        detail::require_embeddings(r, "ref_embeddings");
        if (r.shape[1] != y_pred.shape[1])
            throw shape_error(detail::cat("ref_embeddings has shape ", detail::shape_str(r), " but y_pred ",
                                          detail::shape_str(y_pred), ": both need the same embedding size"));
        detail::require_labels(rl, r.shape[0], "ref_labels");
    }
    if (static_cast<index>(values.size()) != n)
        throw shape_error(detail::cat("values has ", detail::num(values.size()), " elements but there are ",
                                      detail::num(n), " samples"));
    if (!grad.empty() && static_cast<index>(grad.size()) != y_pred.size())
        throw shape_error(detail::cat("grad has ", detail::num(grad.size()), " elements but y_pred has ",
                                      detail::num(y_pred.size())));
    const call_args<T> outputs{.values = values, .grad = grad};
    const detail::call_extents x = detail::extents_of(y_true, y_pred, outputs);
    detail::require_outputs_apart(x);
    if (!self)  // the references too: (ref_labels, ref_embeddings) as (y_true, y_pred)
        detail::require_outputs_apart(detail::extents_of(rl, r, outputs));
    detail::circle_call(y_true, y_pred, rl, r, self, q, reduction::sum, {}, {}, false, values, grad);
}

}  // namespace lossc::keras
