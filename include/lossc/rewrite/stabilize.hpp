// lossc — stabilising rewrites, applied when a node is built, so that every later layer (the
// analyses, differentiation, the kernels) only ever sees the stable form:
//   log(exp(x))        → x                 (so log(softmax(x)) → x − logsumexp(x): log_softmax)
//   log(sum(exp(x)))   → logsumexp(x)
//   log(sigmoid(x))    → −softplus(−x)
//   log1p(exp(x))      → softplus(x)
//   log(cosh(x))       → log_cosh(x)       (finite where cosh overflows: |x| > 89 in float)
// Patterns whose recognition needs a constant's value (log(1 + exp(x))) are not rewritten:
// scalars are run-time values, and a rewrite must not depend on them.
#pragma once
#include "../expr/elementwise.hpp"
#include "../expr/reduce.hpp"

namespace lossc::rewrite {

template <class E> constexpr auto log_of(const E& e) {
    if constexpr (requires { requires std::is_same_v<E, unary<ops::exp_op, decltype(e.a)>>; })
        return e.a;
    else if constexpr (requires {
                           requires std::is_same_v<E, reduce_t<ops::sum_r, decltype(e.a)>>;
                           requires std::is_same_v<decltype(e.a), unary<ops::exp_op, decltype(e.a.a)>>;
                       })
        return reduce_t<ops::logsumexp_r, decltype(e.a.a)>{e.a.a};
    else if constexpr (requires { requires std::is_same_v<E, unary<ops::sigmoid_op, decltype(e.a)>>; }) {
        using X = decltype(e.a);
        using neg_x = unary<ops::neg, X>;
        return unary<ops::neg, unary<ops::softplus_op, neg_x>>{{neg_x{e.a, {}}, {}}, {}};
    } else if constexpr (requires { requires std::is_same_v<E, unary<ops::cosh_op, decltype(e.a)>>; })
        return unary<ops::log_cosh_op, decltype(e.a)>{e.a, {}};
    else
        return unary<ops::log_op, E>{e, {}};
}

template <class E> constexpr auto log1p_of(const E& e) {
    if constexpr (requires { requires std::is_same_v<E, unary<ops::exp_op, decltype(e.a)>>; })
        return unary<ops::softplus_op, decltype(e.a)>{e.a, {}};
    else
        return unary<ops::log1p_op, E>{e, {}};
}

}  // namespace lossc::rewrite
