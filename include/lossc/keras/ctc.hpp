// lossc::keras::CTC — keras.losses.CTC (connectionist temporal classification): y_true (N, S)
// integer labels, 0 the blank and the padding, each row's label length its count of non-zero
// entries (its first that many entries are used as they are); y_pred (N, T, K) logits; every
// sample's input length T. L_i = −log P(labels | x). Keras's JAX backend (optax's recursion,
// keras/src/backend/jax/nn.py `ctc_loss`) runs over blank states φ_0…φ_L and emit states
// e_0…e_{L−1} in log space, with a log ε = −1e5 for forbidden transitions, so that a label T
// steps cannot hold costs about 1e5, not ∞. Where the label fits, ε moves weigh nothing in double
// and the standard rescaled linear-space recursion gives the same loss and gradient with no
// logarithm per state; where it does not (or a step underflows), that log-space recursion runs,
// with its exact adjoint back through log_softmax. Double precision inside.
//
// Memory: the states of every step ((T + 1)·(2L + 1) doubles per sample) and a softmax of T·K, in
// a per-thread buffer that grows to the largest call seen: a call no larger than an earlier one
// on the same thread allocates nothing.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "../math/scalar.hpp"  // with the packet math (simd/math.hpp)
#include "kernel_loss.hpp"

namespace lossc::keras {

namespace detail {

inline double log_add_exp(double a, double b) {
    const double hi = std::max(a, b), lo = std::min(a, b);
    return hi + std::log1p(std::exp(lo - hi));
}

/// One sample's CTC loss; with `grad`, c·dL/d(logits) written into it (T × K at gt/gk strides),
/// c = coef(L) (the sample's weight, or 0).
/// x(t, k): the logits; y(n): the labels of the row (row_len of them), the first `len` used.
/// Step t maps the states (φ, e) to (φ', e'), with A_0 = φ_0, A_n = φ_n ⊕ (e_{n−1} + ε·rep_{n−1}):
///   e'_n = (A_n ⊕ e_n) + log p(t, y_n),  φ'_0 = A_0 + log p(t, blank),
///   φ'_n = (A_n + log p(t, blank)) ⊕ (e_{n−1} + log p(t, blank) + ε·(1 − rep_{n−1})),
/// ⊕ = log-add-exp; L = −(φ_L ⊕ e_{L−1}) after the last step (−φ_0 for no labels).
template <class T, class X, class Y, class Coef> double ctc_sample_log(X&& x, index steps, index classes, Y&& y,
                                                                       index len, index row_len, Coef&& coef, T* grad,
                                                                       index gt, index gk, std::vector<double>& ws) {
    constexpr double eps = -1e5;  // Keras's log ε
    const index states = 2 * len + 1;
    double* lse = ws.data();                    // log Σ_k exp x(t, k), per step
    double* st = lse + steps;                   // step t: φ_0…φ_L then e_0…e_{L−1}
    double* g_out = st + (steps + 1) * states;  // adjoints of step t's outputs
    double* g_in = g_out + states;              // … and of its inputs
    double* g_a = g_in + states;                // adjoints of A_0…A_L
    double* rep = g_a + len + 1;                // 0 or 1 per label
    double* gle = rep + len;                    // adjoints of log p(t, y_n)
    double* gx = gle + len;                     // one step's logit gradient
    for (index t = 0; t < steps; ++t) {
        double m = -std::numeric_limits<double>::infinity();
        for (index k = 0; k < classes; ++k) m = std::max(m, x(t, k));
        double s = 0;
        for (index k = 0; k < classes; ++k) s += std::exp(x(t, k) - m);
        lse[t] = m + std::log(s);
    }
    for (index n = 0; n < len; ++n) rep[n] = n + 1 < row_len && y(n) == y(n + 1) ? 1.0 : 0.0;
    const auto lp = [&](index t, index k) { return x(t, k) - lse[t]; };
    const auto a_of = [&](const double* phi, const double* emit, index n) {
        return n == 0 ? phi[0] : log_add_exp(phi[n], emit[n - 1] + eps * rep[n - 1]);
    };
    st[0] = 0;
    for (index i = 1; i < states; ++i) st[i] = eps;
    for (index t = 0; t < steps; ++t) {
        const double* phi = st + t * states;
        const double* emit = phi + len + 1;
        double* nphi = st + (t + 1) * states;
        double* nemit = nphi + len + 1;
        const double lb = lp(t, 0);
        nphi[0] = phi[0] + lb;
        for (index n = 0; n < len; ++n) nemit[n] = log_add_exp(a_of(phi, emit, n), emit[n]) + lp(t, y(n));
        for (index n = 1; n <= len; ++n)
            nphi[n] = log_add_exp(a_of(phi, emit, n) + lb, emit[n - 1] + lb + eps * (1.0 - rep[n - 1]));
    }
    const double* fin = st + steps * states;
    const double last = len == 0 ? fin[0] : log_add_exp(fin[len], fin[2 * len]);
    const double c = grad == nullptr ? 0.0 : coef(-last);
    if (c == 0) return -last;

    std::fill(g_out, g_out + states, 0.0);
    if (len == 0) {
        g_out[0] = -c;
    } else {
        g_out[len] = -c * std::exp(fin[len] - last);
        g_out[2 * len] = -c * std::exp(fin[2 * len] - last);
    }
    for (index t = steps - 1; t >= 0; --t) {
        const double* phi = st + t * states;
        const double* emit = phi + len + 1;
        const double* nphi = st + (t + 1) * states;
        const double* nemit = nphi + len + 1;
        const double* gphi_out = g_out;
        const double* gemit_out = g_out + len + 1;
        double* gphi = g_in;
        double* gemit = g_in + len + 1;
        std::fill(g_in, g_in + states, 0.0);
        std::fill(g_a, g_a + len + 1, 0.0);
        const double lb = lp(t, 0);
        double glb = gphi_out[0];
        g_a[0] = gphi_out[0];
        for (index n = 1; n <= len; ++n) {
            const double an = a_of(phi, emit, n), r = nphi[n];
            const double wa = std::exp(an + lb - r), wu = std::exp(emit[n - 1] + lb + eps * (1.0 - rep[n - 1]) - r);
            g_a[n] += gphi_out[n] * wa;
            gemit[n - 1] += gphi_out[n] * wu;
            glb += gphi_out[n] * (wa + wu);
        }
        for (index n = 0; n < len; ++n) {
            const double an = a_of(phi, emit, n), v = nemit[n] - lp(t, y(n));
            gle[n] = gemit_out[n];
            g_a[n] += gemit_out[n] * std::exp(an - v);
            gemit[n] += gemit_out[n] * std::exp(emit[n] - v);
        }
        gphi[0] += g_a[0];
        for (index n = 1; n <= len; ++n) {
            const double an = a_of(phi, emit, n);
            gphi[n] += g_a[n] * std::exp(phi[n] - an);
            gemit[n - 1] += g_a[n] * std::exp(emit[n - 1] + eps * rep[n - 1] - an);
        }
        // back through log_softmax: d/dx_k = g_lp[k] − softmax_k · Σ g_lp
        double total = glb;
        for (index n = 0; n < len; ++n) total += gle[n];
        for (index k = 0; k < classes; ++k) gx[k] = -std::exp(lp(t, k)) * total;
        gx[0] += glb;
        for (index n = 0; n < len; ++n) gx[y(n)] += gle[n];  // a label may be the blank itself
        T* row = grad + t * gt;
        for (index k = 0; k < classes; ++k) row[k * gk] = static_cast<T>(gx[k]);
        std::swap(g_out, g_in);
    }
    return -last;
}

/// The same loss where the label fits in the steps (len + its repeats ≤ T), where Keras's ε moves
/// weigh e^−1e5 against the alignments' probabilities, nothing in double: the standard recursion
/// over the extended label (blank, y_0, blank, y_1, …, blank) in linear space, each step's
/// states rescaled to sum 1 (Graves et al., 2006); α for every step kept, β one step at a time.
/// Returns false where a step's states underflow (extreme logits): the caller then takes the
/// log-space recursion, which writes the whole gradient again.
template <class T, class X, class Y, class Coef>
bool ctc_sample_linear(X&& x, index steps, index classes, Y&& y, index len, Coef&& coef, T* grad, index gt, index gk,
                       std::vector<double>& ws, double& loss) {
    const index states = 2 * len + 1;
    double* prob = ws.data();                // softmax of every step
    double* alpha = prob + steps * classes;  // rescaled α of every step
    double* beta = alpha + steps * states;   // rescaled β of one step
    double* beta_prev = beta + states;
    double* gamma = beta_prev + states;  // one step's posterior, by class
    using P = simd::pack<double>;
    for (index t = 0; t < steps; ++t) {  // softmax rows, the exps a pack at a time
        double* pt = prob + t * classes;
        double m = -std::numeric_limits<double>::infinity();
        for (index k = 0; k < classes; ++k) m = std::max(m, pt[k] = x(t, k));
        index k = 0;
        P zs(0.0);
        for (; k + P::width <= classes; k += P::width) {
            const P e = math::exp(P::load(pt + k) - P(m));
            e.store(pt + k);
            zs += e;
        }
        double z = simd::hsum(zs);
        for (; k < classes; ++k) z += (pt[k] = std::exp(pt[k] - m));
        for (k = 0; k < classes; ++k) pt[k] /= z;
    }
    const auto cls = [&](index s) { return s % 2 == 0 ? index(0) : y((s - 1) / 2); };
    const auto skip = [&](index s) { return s % 2 == 1 && s >= 3 && y((s - 1) / 2) != y((s - 3) / 2); };  // from s − 2
    double log_p = 0;
    for (index t = 0; t < steps; ++t) {
        const double* pt = prob + t * classes;
        double* a = alpha + t * states;
        if (t == 0) {
            for (index s = 0; s < states; ++s) a[s] = s < 2 ? pt[cls(s)] : 0.0;
        } else {
            const double* prev = a - states;
            for (index s = 0; s < states; ++s)
                a[s] = (prev[s] + (s >= 1 ? prev[s - 1] : 0.0) + (skip(s) ? prev[s - 2] : 0.0)) * pt[cls(s)];
        }
        double c = 0;
        for (index s = 0; s < states; ++s) c += a[s];
        if (!(c > 0) || !std::isfinite(c)) return false;
        for (index s = 0; s < states; ++s) a[s] /= c;
        log_p += std::log(c);
    }
    const double* a_last = alpha + (steps - 1) * states;
    const double tail = a_last[states - 1] + (len > 0 ? a_last[states - 2] : 0.0);
    if (!(tail > 0)) return false;
    loss = -(log_p + std::log(tail));
    const double c = grad == nullptr ? 0.0 : coef(loss);
    if (c == 0) return true;
    for (index s = 0; s < states; ++s) beta[s] = s == states - 1 || (len > 0 && s == states - 2) ? 1.0 : 0.0;
    for (index t = steps - 1; t >= 0; --t) {
        const double* a = alpha + t * states;
        const double* pt = prob + t * classes;
        double z = 0;
        for (index s = 0; s < states; ++s) z += a[s] * beta[s];
        if (!(z > 0)) return false;
        std::fill(gamma, gamma + classes, 0.0);
        for (index s = 0; s < states; ++s) gamma[cls(s)] += a[s] * beta[s] / z;
        T* row = grad + t * gt;
        for (index k = 0; k < classes; ++k) row[k * gk] = static_cast<T>(c * (pt[k] - gamma[k]));
        if (t == 0) break;
        double d = 0;  // β of step t − 1, rescaled
        for (index s = 0; s < states; ++s) {
            double v = beta[s] * pt[cls(s)];
            if (s + 1 < states) v += beta[s + 1] * pt[cls(s + 1)];
            if (s + 2 < states && skip(s + 2)) v += beta[s + 2] * pt[cls(s + 2)];
            d += (beta_prev[s] = v);
        }
        if (!(d > 0)) return false;
        for (index s = 0; s < states; ++s) beta_prev[s] /= d;
        std::swap(beta, beta_prev);
    }
    return true;
}

/// One sample's CTC loss (and coef(L)·its gradient): the linear-space recursion where the label
/// fits in the steps and nothing underflows, else Keras's log-space one, ε moves and all.
template <class T, class X, class Y, class Coef> double ctc_sample(X&& x, index steps, index classes, Y&& y, index len,
                                                                   index row_len, Coef&& coef, T* grad, index gt,
                                                                   index gk, std::vector<double>& ws) {
    const index states = 2 * len + 1;  // room for either recursion, so that a fallback never grows it
    ws.resize(std::max(ws.size(), static_cast<std::size_t>(
                                      std::max(steps * classes + steps * states + 2 * states + classes,
                                               steps + (steps + 1) * states + 3 * states + 3 * len + 1 + classes))));
    index needed = len;
    for (index n = 1; n < len; ++n) needed += y(n) == y(n - 1) ? 1 : 0;
    if (steps > 0 && needed <= steps) {
        double loss = 0;
        if (ctc_sample_linear<T>(x, steps, classes, y, len, coef, grad, gt, gk, ws, loss)) return loss;
    }
    return ctc_sample_log<T>(x, steps, classes, y, len, row_len, coef, grad, gt, gk, ws);
}

}  // namespace detail

/// keras.losses.CTC(reduction): called as the other class forms are — loss(y_true, y_pred,
/// {.sample_weight, .mask, .values, .grad}) — with y_true the (N, S) labels (int32/int64, or
/// integral floats; 0 the blank and the padding) and y_pred the (N, T, K) logits, both at any
/// strides. Labels outside [0, K) are a label_error.
class ctc_loss : public kernel_loss<ctc_loss> {
public:
    constexpr explicit ctc_loss(keras::reduction r = keras::reduction::sum_over_batch_size) : kernel_loss(r) {}

    /// (N): one loss per sequence.
    template <class T> value_shape values_shape(tensor_view<const T> y_pred) const {
        if (y_pred.rank != 3)
            throw shape_error(
                detail::cat("y_pred has shape ", detail::shape_str(y_pred), "; CTC takes (N, T, K) logits"));
        value_shape v{1, {}};
        v.dims[0] = y_pred.shape[0];
        return v;
    }

private:
    friend class kernel_loss<ctc_loss>;
    template <class L, class T>
    double call(const tensor_view<const L>& y_true, const tensor_view<const T>& y_pred, const call_args<T>& args) const;
};

/// keras.losses.CTC(reduction=…).
constexpr ctc_loss CTC(reduction r = reduction::sum_over_batch_size) { return ctc_loss(r); }

/// keras.losses.ctc(y_true, y_pred), the function form: each sequence's loss into `values` ((N)),
/// and with `grad` d(Σ_i L_i)/d(y_pred).
template <class L, class T>
void ctc(tensor_view<const L> y_true, tensor_view<const T> y_pred, std::span<T> values, std::span<T> grad = {}) {
    const auto loss = CTC(reduction::none);
    loss(y_true, y_pred, call_args<T>{.values = values, .grad = grad});
}

template <class L, class T> double ctc_loss::call(const tensor_view<const L>& y_true,
                                                  const tensor_view<const T>& y_pred, const call_args<T>& args) const {
    using detail::cat, detail::num, detail::shape_str;
    if (y_pred.rank != 3)
        throw shape_error(cat("y_pred has shape ", shape_str(y_pred), "; CTC takes (N, T, K) logits"));
    const index n = y_pred.shape[0], steps = y_pred.shape[1], classes = y_pred.shape[2];
    if (y_true.rank != 2 || y_true.shape[0] != n)
        throw shape_error(cat("y_true has shape ", shape_str(y_true), " but y_pred ", shape_str(y_pred),
                              "; CTC takes (N, S) labels, 0 the blank and the padding"));
    if (classes < 1) throw shape_error("y_pred has no classes: CTC needs at least the blank");
    if (y_pred.data == nullptr && y_pred.size() > 0) throw shape_error("y_pred is a null pointer");
    if (y_true.data == nullptr && y_true.size() > 0) throw shape_error("y_true is a null pointer");
    if (index last = 0; !y_pred.extent(last) || !y_true.extent(last))
        throw shape_error("a tensor's strides reach more bytes than an index holds");
    if (!args.values.empty() && static_cast<index>(args.values.size()) != n)
        throw shape_error(
            cat("values has ", num(args.values.size()), " elements but there are ", num(n), " sequences"));
    if (!args.grad.empty() && static_cast<index>(args.grad.size()) != y_pred.size())
        throw shape_error(cat("grad has ", num(args.grad.size()), " elements but y_pred has ", num(y_pred.size())));
    if (args.global_batch_size != 0 || args.global_divisor)
        throw parameter_error(
            "CTC takes no global_batch_size or global_divisor yet: scale its sum_over_batch_size loss by the "
            "shard's share of the batch");
    detail::require_per_sample_args(args.sample_weight, args.mask, n, "CTC");
    detail::require_outputs_apart(detail::extents_of(y_true, y_pred, args));
    // labels: integers in [0, K), checked before anything is written
    const index width = y_true.shape[1], ts0 = y_true.stride(0), ts1 = y_true.stride(1);
    for (index i = 0; i < n; ++i)
        for (index s = 0; s < width; ++s) {
            const L v = y_true.data[i * ts0 + s * ts1];
            const double d = static_cast<double>(v);
            if (!(std::floor(d) == d) || !(d >= 0) || !(d < static_cast<double>(classes)))
                throw label_error(cat("label ", std::to_string(v), " at (", num(i), ", ", num(s),
                                      ") is not a class id in [0, ", num(classes), "), 0 the blank"));
        }
    const index p0 = y_pred.stride(0), p1 = y_pred.stride(1), p2 = y_pred.stride(2);
    const std::array<index, 3> gs{steps * classes, classes, 1};  // the gradient in C order
    thread_local std::vector<double> ws;
    return detail::per_sample_reduce<T>(
        n, cfg_.reduction, args.sample_weight, args.mask, false, args.values, args.grad, [&](index i, auto&& coef) {
            const T* xi = y_pred.data + i * p0;
            const L* yi = y_true.data + i * ts0;
            const auto x = [&](index t, index k) { return static_cast<double>(xi[t * p1 + k * p2]); };
            const auto y = [&](index s) { return static_cast<index>(yi[s * ts1]); };
            index len = 0;
            for (index s = 0; s < width; ++s) len += y(s) != 0 ? 1 : 0;
            T* g = args.grad.empty() ? nullptr : args.grad.data() + i * gs[0];
            return detail::ctc_sample<T>(x, steps, classes, y, len, width, coef, g, gs[1], gs[2], ws);
        });
}

}  // namespace lossc::keras
