// lossc — reductions over the class axis (per-sample results) and the batch-axis reduction
// node, which exists only so that compile() can reject it with a Keras-rule message.
//
// A reduction op is one table entry: `reduce(n, at)` computes the result from the n values
// at(0..n-1) (every evaluator calls it the same way) and `adjoint(x, g)` gives the operand's
// adjoint from the per-sample adjoint g.
#pragma once
#include <limits>

#include "../math/scalar.hpp"
#include "node.hpp"

namespace lossc::ops {

struct sum_r {
    static constexpr const char* name = "sum";
    template <class T, class F> static constexpr T reduce(std::size_t n, F&& at) {
        T s = 0;
        for (std::size_t j = 0; j < n; ++j) s += at(j);
        return s;
    }
    template <class X, class G> static constexpr auto adjoint(const X&, const G& g) { return g; }
};
struct mean_r {
    static constexpr const char* name = "mean";
    template <class T, class F> static constexpr T reduce(std::size_t n, F&& at) {
        return sum_r::reduce<T>(n, at) / static_cast<T>(n);
    }
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g) {
        return ddiv(g, count_t<X>{x});
    }
};
/// max/min propagate NaN; at ties the gradient is shared equally among the tied entries (as
/// TensorFlow and JAX do), so it sums to the adjoint.
struct max_r {
    static constexpr const char* name = "max";
    template <class T, class F> static constexpr T reduce(std::size_t n, F&& at) {
        T m = -std::numeric_limits<T>::infinity();
        for (std::size_t j = 0; j < n; ++j) {
            const T v = at(j);
            if (v > m || math::isnan(v)) m = v;
        }
        return m;
    }
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g);
};
struct min_r {
    static constexpr const char* name = "min";
    template <class T, class F> static constexpr T reduce(std::size_t n, F&& at) {
        T m = std::numeric_limits<T>::infinity();
        for (std::size_t j = 0; j < n; ++j) {
            const T v = at(j);
            if (v < m || math::isnan(v)) m = v;
        }
        return m;
    }
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g);
};
/// log Σ exp, shifted by the row maximum so that no exp overflows.
struct logsumexp_r {
    static constexpr const char* name = "logsumexp";
    template <class T, class F> static constexpr T reduce(std::size_t n, F&& at) {
        const T m = max_r::reduce<T>(n, at);
        if (!(m > -std::numeric_limits<T>::infinity() && m < std::numeric_limits<T>::infinity()))
            return m;  // empty row or all -inf: -inf; any +inf: +inf; NaN: NaN
        T s = 0;
        for (std::size_t j = 0; j < n; ++j) s += math::exp(at(j) - m);
        return m + math::log(s);
    }
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g);
};

}  // namespace lossc::ops

namespace lossc {

/// R over the class axis: one value per sample.
template <class R, class A>
struct reduce_t {
    using lossc_node = void;
    static constexpr bool batch = A::batch, cols = false;
    static constexpr bool pred_dep = A::pred_dep, grad_dep = A::grad_dep;
    static constexpr bool batch_red = A::batch_red;
    static constexpr std::size_t extent = 1;
    static constexpr bool extent_ok = A::extent_ok, pred_cols = false;
    A a;
};

/// R over the batch axis (Keras `axis=0`): representable, never compiled (static check (c)).
template <class R, class A>
struct batch_reduce_t {
    using lossc_node = void;
    static constexpr bool batch = false, cols = A::cols;
    static constexpr bool pred_dep = A::pred_dep, grad_dep = A::grad_dep;
    static constexpr bool batch_red = true;
    static constexpr std::size_t extent = A::extent;
    static constexpr bool extent_ok = A::extent_ok, pred_cols = A::pred_cols;
    A a;
};

}  // namespace lossc
