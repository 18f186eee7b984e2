// lossc — the compile-time facts of a loss, as traits. Each reads the static members every node
// computes when its type is formed (expr/node.hpp): no pass re-walks the type tree, so the cost
// per loss type is constant.
#pragma once
#include "../expr/node.hpp"

namespace lossc {

/// Keras rule: the loss must use y_pred differentiably, or no gradient flows. Reading y_pred
/// only through stop_gradient, comparisons, sign or round does not count.
template <class E>
inline constexpr bool depends_on_y_pred = node_t<E>::grad_dep;

/// Rank of the value of an expression over (batch, classes): 0 for a constant, 1 for one value
/// per sample, 2 for one value per sample and class (or per class, like `weights`).
template <class E>
inline constexpr int output_rank = node_t<E>::cols ? 2 : (node_t<E>::batch ? 1 : 0);

/// True if the expression reduces over the batch axis somewhere (Keras `axis=0`).
template <class E>
inline constexpr bool reduces_batch_axis = node_t<E>::batch_red;

/// Static column count of a rank-2 expression (from weights and cols<>), or dynamic_extent.
template <class E>
inline constexpr std::size_t static_columns = node_t<E>::extent;

/// False if two statically known column counts in the expression disagree.
template <class E>
inline constexpr bool static_extents_agree = node_t<E>::extent_ok;

}  // namespace lossc
