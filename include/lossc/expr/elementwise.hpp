// lossc — elementwise nodes: f(a), a op b, where(c, a, b). The op (from ops.hpp) is stored in
// the node, so run-time parameters (a pow exponent, clip bounds) travel with the expression.
#pragma once
#include "node.hpp"
#include "ops.hpp"

namespace lossc {

template <class Op, class A> struct unary {
    using lossc_node = void;
    static constexpr bool batch = A::batch, cols = A::cols;
    static constexpr bool pred_dep = A::pred_dep;
    static constexpr bool grad_dep = Op::differentiable && A::grad_dep;
    static constexpr bool batch_red = A::batch_red;
    static constexpr std::size_t extent = A::extent;
    static constexpr bool extent_ok = A::extent_ok;
    static constexpr bool pred_cols = Op::differentiable && A::pred_cols;
    A a;
    Op op;
};

template <class Op, class A, class B> struct binary {
    using lossc_node = void;
    static constexpr bool batch = A::batch || B::batch, cols = A::cols || B::cols;
    static constexpr bool pred_dep = A::pred_dep || B::pred_dep;
    static constexpr bool grad_dep = Op::differentiable && (A::grad_dep || B::grad_dep);
    static constexpr bool batch_red = A::batch_red || B::batch_red;
    static constexpr std::size_t extent = combine_extent(A::cols, A::extent, B::cols, B::extent);
    static constexpr bool extent_ok = A::extent_ok && B::extent_ok && extent != conflicting_extent;
    static constexpr bool pred_cols = Op::differentiable && (A::pred_cols || B::pred_cols);
    A a;
    B b;
    Op op;
};

/// where(c, a, b): a where c is non-zero, else b. The condition carries no gradient.
template <class C, class A, class B> struct where_t {
    using lossc_node = void;
    static constexpr bool batch = C::batch || A::batch || B::batch;
    static constexpr bool cols = C::cols || A::cols || B::cols;
    static constexpr bool pred_dep = C::pred_dep || A::pred_dep || B::pred_dep;
    static constexpr bool grad_dep = A::grad_dep || B::grad_dep;
    static constexpr bool batch_red = C::batch_red || A::batch_red || B::batch_red;
    static constexpr std::size_t ab_extent = combine_extent(A::cols, A::extent, B::cols, B::extent);
    static constexpr std::size_t extent = combine_extent(C::cols, C::extent, A::cols || B::cols, ab_extent);
    static constexpr bool extent_ok =
        C::extent_ok && A::extent_ok && B::extent_ok && ab_extent != conflicting_extent && extent != conflicting_extent;
    static constexpr bool pred_cols = A::pred_cols || B::pred_cols;
    C c;
    A a;
    B b;
};

}  // namespace lossc
