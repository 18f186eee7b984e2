// lossc — what kernels read and write: strided views over raw buffers, and adapters from Eigen
// dense objects with direct access (Matrix, Array, Map, Ref, Block; either storage order).
#pragma once
#include <Eigen/Core>
#include <concepts>
#include <span>
#include <type_traits>

#include "../config.hpp"

namespace lossc {

template <class T>
concept real_scalar = std::is_same_v < std::remove_const_t<T>,
float > || std::is_same_v<std::remove_const_t<T>, double>;

/// A rows × cols matrix at `data` with element (i, j) at data[i*row_stride + j*col_stride].
/// The default strides are row-major and contiguous.
template <class T> struct matrix_view {
    static_assert(real_scalar<T>, "lossc: matrix_view holds float or double");
    T* data = nullptr;
    index rows = 0, cols = 0;
    index row_stride = 0, col_stride = 1;

    constexpr matrix_view() = default;
    constexpr matrix_view(T* d, index r, index c) : data(d), rows(r), cols(c), row_stride(c), col_stride(1) {}
    constexpr matrix_view(T* d, index r, index c, index rs, index cs)
        : data(d), rows(r), cols(c), row_stride(rs), col_stride(cs) {}
    /// A view of mutable data is also a view of const data.
    constexpr operator matrix_view<const T>() const requires(!std::is_const_v<T>) {
        return {data, rows, cols, row_stride, col_stride};
    }
    constexpr T& operator()(index i, index j) const { return data[i * row_stride + j * col_stride]; }
};

/// size elements at data[0], data[stride], ...
template <class T> struct vector_view {
    static_assert(real_scalar<T>, "lossc: vector_view holds float or double");
    T* data = nullptr;
    index size = 0;
    index stride = 1;

    constexpr vector_view() = default;
    constexpr vector_view(T* d, index n, index s = 1) : data(d), size(n), stride(s) {}
    constexpr vector_view(std::span<T> s) : data(s.data()), size(static_cast<index>(s.size())), stride(1) {}
    constexpr operator vector_view<const T>() const requires(!std::is_const_v<T>) { return {data, size, stride}; }
    constexpr T& operator[](index i) const { return data[i * stride]; }
};

template <class D>
concept eigen_direct = std::derived_from<std::remove_cvref_t<D>, Eigen::DenseBase<std::remove_cvref_t<D>>> &&
    ((int(std::remove_cvref_t<D>::Flags) & Eigen::DirectAccessBit) != 0);

template <class X> struct view_scalar;
template <eigen_direct X> struct view_scalar<X> { using type = typename std::remove_cvref_t<X>::Scalar; };
template <class T> struct view_scalar<matrix_view<T>> { using type = std::remove_const_t<T>; };
template <class T> struct view_scalar<vector_view<T>> { using type = std::remove_const_t<T>; };
template <class T> struct view_scalar<std::span<T>> { using type = std::remove_const_t<T>; };
/// The scalar type (float or double) of anything a kernel accepts.
template <class X> using scalar_of = typename view_scalar<std::remove_cvref_t<X>>::type;

/// Passed where per_sample goes, to drop the per-sample losses: the kernel stages them in a
/// buffer on its stack, chunk by chunk, and returns the same reduced loss (lossc/lower/discard.hpp).
struct discard_t {
    explicit constexpr discard_t() = default;
};
inline constexpr discard_t discard{};
template <class X>
concept discarded = std::is_same_v<std::remove_cvref_t<X>, discard_t>;
/// Does a per_sample argument fit a call in T: lossc::discard, or a view or vector of T?
template <class PS, class T> constexpr bool per_sample_fits() {
    if constexpr (discarded<PS>)
        return true;
    else
        return std::is_same_v<typename view_scalar<std::remove_cvref_t<PS>>::type, T>;
}

/// Read-only matrix view of an input.
template <class T> constexpr matrix_view<const T> as_matrix(matrix_view<T> v) { return v; }
template <eigen_direct D> matrix_view<const typename std::remove_cvref_t<D>::Scalar> as_matrix(const D& x) {
    using X = std::remove_cvref_t<D>;
    if constexpr (X::IsRowMajor)
        return {x.data(), x.rows(), x.cols(), x.outerStride(), x.innerStride()};
    else
        return {x.data(), x.rows(), x.cols(), x.innerStride(), x.outerStride()};
}

/// Writable matrix view of an output (an lvalue Eigen object, or a Block/Map temporary).
template <class T> constexpr matrix_view<T> as_out_matrix(matrix_view<T> v) {
    static_assert(!std::is_const_v<T>, "lossc: an output view must not be a view of const data");
    return v;
}
template <eigen_direct D> auto as_out_matrix(D&& x) {
    using X = std::remove_cvref_t<D>;
    static_assert((int(X::Flags) & Eigen::LvalueBit) != 0 && !std::is_const_v<std::remove_reference_t<D>>,
                  "lossc: an output must be writable (not const, not a read-only expression)");
    using S = typename X::Scalar;
    if constexpr (X::IsRowMajor)
        return matrix_view<S>{x.data(), x.rows(), x.cols(), x.outerStride(), x.innerStride()};
    else
        return matrix_view<S>{x.data(), x.rows(), x.cols(), x.innerStride(), x.outerStride()};
}

/// Writable vector view of an output (per-sample losses).
template <class T> constexpr vector_view<T> as_out_vector(vector_view<T> v) {
    static_assert(!std::is_const_v<T>, "lossc: an output view must not be a view of const data");
    return v;
}
template <class T> constexpr vector_view<T> as_out_vector(std::span<T> s) { return as_out_vector(vector_view<T>(s)); }
template <eigen_direct D> auto as_out_vector(D&& x) {
    using X = std::remove_cvref_t<D>;
    static_assert(X::ColsAtCompileTime == 1 || X::RowsAtCompileTime == 1 || X::ColsAtCompileTime == Eigen::Dynamic ||
                      X::RowsAtCompileTime == Eigen::Dynamic,
                  "lossc: per_sample must be a vector");
    static_assert((int(X::Flags) & Eigen::LvalueBit) != 0 && !std::is_const_v<std::remove_reference_t<D>>,
                  "lossc: an output must be writable (not const, not a read-only expression)");
    // A dynamic matrix that is not a vector at run time gets size -1, rejected by the shape check.
    const index n = (x.rows() == 1 || x.cols() == 1) ? static_cast<index>(x.size()) : index(-1);
    return vector_view<typename X::Scalar>{x.data(), n, x.innerStride()};
}

}  // namespace lossc
