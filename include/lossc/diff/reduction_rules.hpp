// lossc — derivative rules of the reductions that need the vocabulary (max, min, logsumexp).
// Declared in expr/reduce.hpp beside their forward rules; defined here, after the vocabulary.
#pragma once
#include "algebra.hpp"

namespace lossc::ops {

template <class X, class G>
constexpr auto max_r::adjoint(const X& x, const G& g) {
    const auto at_max = equal(x, max<1>(x));
    return dwhere(at_max, ddiv(g, sum<1>(at_max)), zero_t{});
}
template <class X, class G>
constexpr auto min_r::adjoint(const X& x, const G& g) {
    const auto at_min = equal(x, min<1>(x));
    return dwhere(at_min, ddiv(g, sum<1>(at_min)), zero_t{});
}
/// d logsumexp(x) / dx = softmax(x): with cross-entropy this yields softmax·Σt − t directly.
template <class X, class G>
constexpr auto logsumexp_r::adjoint(const X& x, const G& g) {
    return dmul(g, softmax<1>(x));
}

}  // namespace lossc::ops
