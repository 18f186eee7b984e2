// lossc — the compile-time facts of a loss, as traits. Each reads the static members every node
// computes when its type is formed (expr/node.hpp): no pass re-walks the type tree, so the cost
// per loss type is constant — except required_pred_columns, which walks it where a call needs it.
#pragma once
#include <type_traits>
#include <utility>

#include "../expr/node.hpp"

namespace lossc {

/// Keras rule: the loss must use y_pred differentiably, or no gradient flows. Reading y_pred
/// only through stop_gradient, comparisons, sign or round does not count.
template <class E> inline constexpr bool depends_on_y_pred = node_t<E>::grad_dep;

/// Rank of the value of an expression over (batch, classes): 0 for a constant, 1 for one value
/// per sample, 2 for one value per sample and class (or per class, like `weights`).
template <class E> inline constexpr int output_rank = node_t<E>::cols ? 2 : (node_t<E>::batch ? 1 : 0);

/// True if the expression reduces over the batch axis somewhere (Keras `axis=0`).
template <class E> inline constexpr bool reduces_batch_axis = node_t<E>::batch_red;

/// Static column count of a rank-2 expression (from weights and cols<>), or dynamic_extent.
template <class E> inline constexpr std::size_t static_columns = node_t<E>::extent;

/// False if two statically known column counts in the expression disagree.
template <class E> inline constexpr bool static_extents_agree = node_t<E>::extent_ok;

namespace detail {
/// Is X as wide as y_pred (its width is y_pred's, not fixed by weights or a slice)?
template <class X> constexpr bool pred_wide() {
    if constexpr (requires { X::pred_cols; })
        return X::cols && X::pred_cols && X::extent == dynamic_extent;
    else
        return false;
}
/// A static count Y imposes on a y_pred-wide sibling: weights of N columns (N > 1), else 0.
template <class Y> constexpr std::size_t fixed_count() {
    if constexpr (requires { Y::extent; }) {
        return Y::cols && Y::extent != dynamic_extent && Y::extent != conflicting_extent && Y::extent > 1 ? Y::extent
                                                                                                          : 0;
    } else
        return 0;
}
template <class E> constexpr std::size_t pred_width_required() {
    if constexpr (!requires { std::declval<const E&>().a; })
        return 0;  // leaves
    else {
        using A = std::remove_cvref_t<decltype(std::declval<const E&>().a)>;
        std::size_t n = 0;
        if constexpr (requires { std::declval<const E&>().b; }) {  // binary and where: operands side by side
            using B = std::remove_cvref_t<decltype(std::declval<const E&>().b)>;
            if constexpr (pred_wide<A>()) n = fixed_count<B>();
            if constexpr (pred_wide<B>()) n = n ? n : fixed_count<A>();
            if (!n) n = pred_width_required<B>();
        }
        if constexpr (requires { std::declval<const E&>().c; })
            if (!n) n = pred_width_required<std::remove_cvref_t<decltype(std::declval<const E&>().c)>>();
        return n ? n : pred_width_required<A>();
    }
}
}  // namespace detail

/// The column count a loss requires of y_pred, seen from its types alone: weights of N columns
/// combined element-wise with something as wide as y_pred (0: no such requirement). A call whose
/// y_pred has a static column count is checked against it at compile time (kernel::forward);
/// this walks the tree, once per loss type, only at such calls.
template <class E> inline constexpr std::size_t required_pred_columns = detail::pred_width_required<node_t<E>>();

}  // namespace lossc
