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

// In the instruction set's namespace, as plan.hpp's and block.hpp's lowering: a second
// lossc::lowering beside it would hide one from the other depending on the include order.
namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering {

/// The layout facts of one argument type: can its columns be contiguous (col_stride 1) while it
/// has several rows, can its batch be contiguous (row_stride 1) while it has several columns, and
/// its static column count (-1: dynamic).
template <class X> struct layout_of {
    static constexpr bool row_major = true, column_major = true;
    static constexpr bool one_column = false;   // a static single column (Eigen::VectorXf)
    static constexpr bool packed_rows = false;  // rows back to back: row stride = column count
    static constexpr index cols = -1;
};
/// Eigen types whose rows are back to back when row-major: matrices and arrays that own their
/// data, and maps of them with default strides.
template <class X> inline constexpr bool eigen_packed = std::is_base_of_v<Eigen::PlainObjectBase<X>, X>;
template <class P, int Options> inline constexpr bool eigen_packed<Eigen::Map<P, Options, Eigen::Stride<0, 0>>> =
    std::is_base_of_v<Eigen::PlainObjectBase<P>, P>;
template <eigen_direct D> struct layout_of<D> {
    using X = std::remove_cvref_t<D>;
    // With a unit inner stride, the storage order decides; a strided inner dimension may be anything.
    static constexpr bool unit_inner = X::InnerStrideAtCompileTime == 1;
    static constexpr bool row_major = X::IsRowMajor || !unit_inner;
    static constexpr bool column_major = !X::IsRowMajor || !unit_inner;
    static constexpr bool one_column = X::ColsAtCompileTime == 1;
    static constexpr bool packed_rows = eigen_packed<X> && (X::IsRowMajor || one_column);
    static constexpr index cols = X::ColsAtCompileTime == Eigen::Dynamic ? index(-1) : index(X::ColsAtCompileTime);
};

/// The layouts a call can reach, as facts only: calls whose argument types give the same facts
/// share one instantiation of the kernel (a matrix_view call and reach_all are one type).
template <bool AlongColumns, bool RowsContiguous, bool BatchContiguous, index Cols, bool PackedRows = false>
struct layouts {
    /// Static column count of y_pred (-1: dynamic).
    static constexpr index cols = Cols;
    static constexpr bool cols_may_be_in(index lo, index hi) { return cols < 0 || (cols >= lo && cols <= hi); }
    static constexpr bool cols_may_be(index k) { return cols_may_be_in(k, k); }
    /// Packs along the columns of one row (schedule::along_columns).
    static constexpr bool along_columns = AlongColumns;
    /// Rows with contiguous columns in every argument (the dense_rows block).
    static constexpr bool rows_contiguous = RowsContiguous;
    /// A contiguous batch in both inputs (groups of packs).
    static constexpr bool batch_contiguous = BatchContiguous;
    /// Rows back to back in every argument, wherever they are row-major (a row stride of cols).
    static constexpr bool packed_rows = PackedRows;
};

/// What a call with inputs YT, YP and gradient GR (void: values only) can reach. The widths each
/// layout takes are the kernel's constants: it asks cols_may_be_in with them.
template <class YT, class YP, class GR = void> using reach = layouts<
    layout_of<YP>::row_major,  // void: the primary template, which allows everything
                               // y_true may be one column (labels) beside row-major rows: dense_rows reads it
    (layout_of<YT>::row_major || layout_of<YT>::one_column) && layout_of<YP>::row_major && layout_of<GR>::row_major,
    layout_of<YT>::column_major && layout_of<YP>::column_major, layout_of<YP>::cols,
    layout_of<YT>::packed_rows && layout_of<YP>::packed_rows && (std::is_void_v<GR> || layout_of<GR>::packed_rows)>;

/// Reach R where y_pred's column count is known to be N from the loss itself (N > 0: weights of
/// N columns beside y_pred, analysis/traits.hpp's required_pred_columns; every other width throws
/// before a row is read), unless R's argument types fix it already.
template <class R, index N> struct with_columns_of_loss { using type = R; };
template <bool A, bool RC, bool BC, bool PR, index N>
requires(N > 0) struct with_columns_of_loss<layouts<A, RC, BC, -1, PR>, N> {
    using type = layouts<A, RC, BC, N, PR>;
};

/// Every layout: what matrix_view arguments reach, and what a precompiled loss is compiled for.
using reach_all = layouts<true, true, true, -1>;

/// Whether a kernel for loss type E is compiled elsewhere, once, for reach_all (explicit
/// instantiations: lossc/keras/compiled.hpp). A call then runs that copy whatever its argument
/// types, and its translation unit compiles none of the kernel's loops.
template <class E> inline constexpr bool precompiled = false;

}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
