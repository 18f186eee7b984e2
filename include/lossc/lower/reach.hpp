// lossc — which layouts a call can reach, from its argument types alone.
//
// A kernel's row loops are compiled once per layout they may meet (rows with contiguous columns,
// a contiguous batch, one or two fixed columns…), each a full copy of the loss and its gradient.
// Most of what decides the layout is a compile-time fact of the arguments' types: an Eigen
// matrix's storage order, inner stride and fixed column count. A call instantiates only the
// copies its types can reach; every other run-time layout still has a correct (general) copy.
// matrix_view's strides are run-time values: it reaches every layout.
#pragma once
#include <Eigen/Core>
#include <type_traits>

#include "../config.hpp"
#include "../eigen/views.hpp"

namespace lossc::lowering {

/// The layout facts of one argument type: can its columns be contiguous (col_stride 1) while it
/// has several rows, can its batch be contiguous (row_stride 1) while it has several columns, and
/// its static column count (-1: dynamic).
template <class X>
struct layout_of {
    static constexpr bool row_major = true, column_major = true;
    static constexpr index cols = -1;
};
template <eigen_direct D>
struct layout_of<D> {
    using X = std::remove_cvref_t<D>;
    // With a unit inner stride, the storage order decides; a strided inner dimension may be anything.
    static constexpr bool unit_inner = X::InnerStrideAtCompileTime == 1;
    static constexpr bool row_major = X::IsRowMajor || !unit_inner;
    static constexpr bool column_major = !X::IsRowMajor || !unit_inner;
    static constexpr index cols = X::ColsAtCompileTime == Eigen::Dynamic ? index(-1) : index(X::ColsAtCompileTime);
};

/// What a call with inputs YT, YP and gradient GR (void: values only) can reach.
template <class YT, class YP, class GR = void>
struct reach {
    using t = layout_of<YT>;
    using p = layout_of<YP>;
    using g = std::conditional_t<std::is_void_v<GR>, layout_of<void>, layout_of<GR>>;
    /// Static column count of y_pred (-1: dynamic).
    static constexpr index cols = p::cols;
    static constexpr bool cols_may_be(index k) { return cols < 0 || cols == k; }
    /// Packs along the columns of one row (schedule::along_columns).
    static constexpr bool along_columns = p::row_major;
    /// Row-major rows of 3 to 64 contiguous columns, staged by transposes (dense_rows).
    static constexpr bool dense_rows = t::row_major && p::row_major && g::row_major && (cols < 0 || (cols >= 3 && cols <= 64));
    /// A wide contiguous batch in groups of packs (column-major, 16 columns or more).
    static constexpr bool groups = t::column_major && p::column_major && (cols < 0 || cols >= 16);
    /// The fixed one- and two-column copies; one contiguous column (either storage order) is dense_column.
    static constexpr bool one_column = cols_may_be(1);
    static constexpr bool two_columns = cols_may_be(2);
};

/// Every layout (matrix_view arguments, the Keras wrapper).
using reach_all = reach<void, void, void>;

}  // namespace lossc::lowering
