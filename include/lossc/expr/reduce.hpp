// lossc — reductions over the class axis (per-sample results) and the batch-axis reduction
// node, which exists only so that compile() can reject it with a Keras-rule message.
//
// A reduction op is one table entry: `reduce(n, at)` computes the result from the n values
// at(0..n-1) (every evaluator calls it the same way, with scalars or packs of rows: math is
// called unqualified, so packs find theirs by argument-dependent lookup) and `adjoint(x, g)`
// gives the operand's adjoint from the per-sample adjoint g, built with the vocabulary and the
// builders of algebra.hpp (found by argument-dependent lookup, as ops.hpp's rules are). The walk
// along a row's columns in packs is the lowering's (lower/reduce_packed.hpp).
#pragma once
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../math/scalar.hpp"
#include "node.hpp"

namespace lossc::ops {

template <class T> struct scalar_of_s { using type = T; };
template <class T>
requires requires { typename T::scalar_type; }
struct scalar_of_s<T> {  // packs, and groups of them
    using type = typename T::scalar_type;
};
/// float for float, pack<float> and groups of them: what numeric_limits is asked about.
template <class T> using scalar_of_t = typename scalar_of_s<T>::type;

/// x / n for a count n. A power of two divides as a multiply by its reciprocal, which is
/// exact, so both round the same real number: the same result without a division per packet
/// (a mean over one column, BCE's, divides by 1 in its loss and its gradient). The reciprocal
/// 2^−k is made from its exponent bits, not by a division: evaluated per column of a block, where
/// the compiler cannot always hoist it, the scalar division had cost the gradient of a mean a
/// measurable share (docs/perf-log.md).
template <class V> constexpr V divide_by_count(V x, std::size_t n) {
    using S = scalar_of_t<V>;
    if (n != 0 && (n & (n - 1)) == 0) {
        const int k = std::countr_zero(n);  // n = 2^k, 1/n = 2^−k: a normal number for k ≤ 63
        if constexpr (std::is_same_v<S, float>)
            return x * V(std::bit_cast<float>(static_cast<std::uint32_t>(127 - k) << 23));
        else if constexpr (std::is_same_v<S, double>)
            return x * V(std::bit_cast<double>(static_cast<std::uint64_t>(1023 - k) << 52));
        else
            return x * V(S(1) / static_cast<S>(n));
    }
    return x / V(static_cast<S>(n));
}

/// Sums are blocked: terms go into a running sum of at most `sum_block` of them, which is then
/// added to the total. Rounding error then grows with n/sum_block + sum_block instead of n —
/// for a row of a million floats about 2e-6 instead of 2e-5 relative (tests/unit/edge_cases.cpp).
inline constexpr std::size_t sum_block = 256;

struct sum_r {
    static constexpr const char* name = "sum";
    /// Each running sum starts from its first term, not from 0 + it: the same value except that
    /// a sum of negative zeros is −0 (as numpy's), and a one-column mean (BCE) is its term
    /// without two additions of zero, which the compiler may not drop.
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce(std::size_t n, F&& at) {
        if (n == 0) return T(0);
        T total = block(0, n < sum_block ? n : sum_block, at);
        for (std::size_t b = sum_block; b < n; b += sum_block)
            total += block(b, b + sum_block < n ? b + sum_block : n, at);
        return total;
    }
    /// The same sum, bit for bit, with the term compiled once (reduce has it four times): each
    /// running sum starts from −0, which adds exactly (x + −0 is x, −0 and NaN included). For
    /// the walks where compile time matters more than a cycle per row: the one-row walk's.
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce_compact(std::size_t n, F&& at) {
        if (n == 0) return T(0);
        T total{};
        std::size_t b = 0;
        do {
            const std::size_t end = b + sum_block < n ? b + sum_block : n;
            T s(-0.0);
            for (std::size_t j = b; j < end; ++j) s += at(j);
            if (b == 0)
                total = s;
            else
                total += s;
            b = end;
        } while (b < n);
        return total;
    }
    template <class F> LOSSC_KERNEL_INLINE static constexpr auto block(std::size_t b, std::size_t end, F& at) {
        auto s = at(b);
        for (std::size_t j = b + 1; j < end; ++j) s += at(j);
        return s;
    }
    template <class X, class G> static constexpr auto adjoint(const X&, const G& g) { return g; }
};
struct mean_r {
    static constexpr const char* name = "mean";
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce(std::size_t n, F&& at) {
        return divide_by_count(sum_r::reduce<T>(n, at), n);
    }
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce_compact(std::size_t n, F&& at) {
        return divide_by_count(sum_r::reduce_compact<T>(n, at), n);
    }
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g) { return ddiv(g, count_t<X>{x}); }
};
/// max/min propagate NaN; at ties the gradient is shared equally among the tied entries (as
/// TensorFlow and JAX do), so it sums to the adjoint.
struct max_r {
    static constexpr const char* name = "max";
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce(std::size_t n, F&& at) {
        using math::max;
        T m(-std::numeric_limits<scalar_of_t<T>>::infinity());
        for (std::size_t j = 0; j < n; ++j) m = max(at(j), m);  // keeps a NaN once seen
        return m;
    }
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g) {
        const auto at_max = equal(x, max<1>(x));
        return dwhere(at_max, ddiv(g, sum<1>(at_max)), zero_t{});
    }
};
struct min_r {
    static constexpr const char* name = "min";
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce(std::size_t n, F&& at) {
        using math::min;
        T m(std::numeric_limits<scalar_of_t<T>>::infinity());
        for (std::size_t j = 0; j < n; ++j) m = min(at(j), m);
        return m;
    }
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g) {
        const auto at_min = equal(x, min<1>(x));
        return dwhere(at_min, ddiv(g, sum<1>(at_min)), zero_t{});
    }
};
/// log Σ exp, shifted by the row maximum so that no exp overflows.
struct logsumexp_r {
    static constexpr const char* name = "logsumexp";
    /// The result with what softmax is computed from: 1 where the row's maximum is finite, the
    /// shift (that maximum, or 0), Σ exp(x_j − shift) and its log. keep(j, e_j) sees every exp
    /// as it is summed.
    template <class T> struct parts { T value, finite, sum, shift, log_sum; };
    struct no_keep {
        template <class... A> constexpr void operator()(A&&...) const {}
    };
    /// Compact: the sum as sum_r::reduce_compact (the same bits).
    template <class T, class F, class Keep = no_keep, bool Compact = false>
    LOSSC_KERNEL_INLINE static constexpr parts<T> reduce_parts(std::size_t n, F&& at, Keep&& keep = {}) {
        using math::isfinite, math::select_nonzero, math::exp_nonpositive, math::log;
        const T m = max_r::reduce<T>(n, at);
        // A row whose max is not finite (empty or all -inf: -inf; any +inf; NaN) returns it;
        // branch-free, so that packs of rows take the same path.
        const T finite = isfinite(m);
        const T shift = select_nonzero(finite, m, T(0));
        const auto term = [&](std::size_t j) {
            const T e = exp_nonpositive(at(j) - shift);
            keep(j, e);
            return e;
        };
        T s;
        if constexpr (Compact)
            s = sum_r::reduce_compact<T>(n, term);
        else
            s = sum_r::reduce<T>(n, term);
        const T log_s = log(s);
        return {select_nonzero(finite, shift + log_s, m), finite, s, shift, log_s};
    }
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce(std::size_t n, F&& at) {
        return reduce_parts<T>(n, at).value;
    }
    template <class T, class F> LOSSC_KERNEL_INLINE static constexpr T reduce_compact(std::size_t n, F&& at) {
        return reduce_parts<T, F&, no_keep, true>(n, at).value;
    }
    /// d logsumexp(x) / dx = softmax(x): with cross-entropy this yields softmax·Σt − t directly.
    template <class X, class G> static constexpr auto adjoint(const X& x, const G& g) { return dmul(g, softmax<1>(x)); }
};

}  // namespace lossc::ops

namespace lossc {

/// R over the class axis: one value per sample.
template <class R, class A> struct reduce_t {
    using lossc_node = void;
    static constexpr bool batch = A::batch, cols = false;
    static constexpr bool pred_dep = A::pred_dep, grad_dep = A::grad_dep;
    static constexpr bool batch_red = A::batch_red;
    static constexpr std::size_t extent = 1;
    static constexpr bool extent_ok = A::extent_ok, pred_cols = false;
    A a;
};

/// R over the batch axis (Keras `axis=0`): rejected in a per-sample loss (static check (c)); a
/// statistic of the whole batch inside batch_loss(...) (expr/batch.hpp).
template <class R, class A> struct batch_reduce_t {
    using lossc_node = void;
    using reduction = R;
    static constexpr bool batch = false, cols = A::cols;
    static constexpr bool pred_dep = A::pred_dep, grad_dep = A::grad_dep;
    static constexpr bool batch_red = true;
    static constexpr std::size_t extent = A::extent;
    static constexpr bool extent_ok = A::extent_ok, pred_cols = A::pred_cols;
    A a;
};

}  // namespace lossc
