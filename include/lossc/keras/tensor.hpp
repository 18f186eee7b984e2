// lossc::keras — tensors as Keras passes them: C-contiguous (numpy's row-major default), rank 0
// to 3, by pointer. y_true may hold int32/int64 class ids (sparse losses); sample weights are
// float or double of any rank Keras's broadcasting accepts; masks are bool.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "../errors.hpp"
#include "../eigen/views.hpp"

namespace lossc::keras {

namespace detail {
using lossc::detail::cat;
using lossc::detail::num;
using lossc::detail::shape;
}  // namespace detail

/// A C-contiguous tensor of rank 0–3: element (i, j, k) at data[(i·d1 + j)·d2 + k].
template <class T>
struct tensor_view {
    T* data = nullptr;
    int rank = 0;
    std::array<index, 3> shape{1, 1, 1};

    constexpr tensor_view() = default;
    constexpr tensor_view(T* d, std::initializer_list<index> dims) : data(d) {
        if (dims.size() > 3) throw shape_error("lossc::keras tensors have rank 3 at most (batch, steps, classes)");
        index bytes = static_cast<index>(sizeof(T));
        for (index n : dims) {
            if (n < 0) throw shape_error("a tensor dimension is negative");
            if (__builtin_mul_overflow(bytes, n, &bytes))
                throw shape_error("a tensor's dimensions multiply to more bytes than an index holds");
            shape[static_cast<std::size_t>(rank++)] = n;
        }
    }
    /// An Eigen vector is rank 1; a matrix is rank 2 and must be row-major and contiguous, as a
    /// numpy array is (the Keras wrapper follows numpy's layout; lossc::compile's kernels take
    /// any layout).
    template <eigen_direct D>
    tensor_view(D& x)  // NOLINT(google-explicit-constructor): pass an Eigen object where a tensor is expected
        : data(x.data()) {
        if constexpr (D::RowsAtCompileTime == 1 || D::ColsAtCompileTime == 1) {
            rank = 1;
            shape[0] = x.size();
            if (x.innerStride() != 1 && x.size() > 1) throw shape_error("an Eigen vector passed as a tensor must be contiguous");
        } else {
            rank = 2;
            shape[0] = x.rows();
            shape[1] = x.cols();
            const bool dense = D::IsRowMajor ? (x.innerStride() == 1 && (x.outerStride() == x.cols() || x.rows() <= 1))
                                             : (x.cols() <= 1 && x.innerStride() == 1);
            if (!dense)
                throw shape_error(detail::cat("an Eigen matrix passed as a tensor must be row-major and contiguous (numpy's "
                                              "layout); this one is ", detail::shape(x.rows(), x.cols()),
                                              D::IsRowMajor ? " with padded rows" : " column-major"));
        }
    }
    template <class U> requires std::is_same_v<const U, T>
    constexpr tensor_view(const tensor_view<U>& o) : data(o.data), rank(o.rank), shape(o.shape) {}  // NOLINT: T → const T

    constexpr index size() const {
        index n = 1;
        for (int i = 0; i < rank; ++i) n *= shape[static_cast<std::size_t>(i)];
        return n;
    }
    constexpr index dim(int i) const { return shape[static_cast<std::size_t>(i < 0 ? i + rank : i)]; }
};

template <class T>
tensor_view(T*, std::initializer_list<index>) -> tensor_view<T>;

namespace detail {
inline std::string shape_str(int rank, const std::array<index, 3>& s) {
    if (rank == 0) return "()";
    std::string out = "(";
    for (int i = 0; i < rank; ++i) out += (i ? ", " : "") + std::to_string(s[static_cast<std::size_t>(i)]);
    return out + (rank == 1 ? ",)" : ")");
}
template <class T>
std::string shape_str(const tensor_view<T>& t) { return shape_str(t.rank, t.shape); }
}  // namespace detail

/// A sample weight: a number (rank 0) or a float/double tensor.
struct weight_tensor {
    const void* data = nullptr;
    bool is_double = true;
    int rank = -1;  // -1: none given
    std::array<index, 3> shape{1, 1, 1};
    double value = 1.0;  // a number given by value

    constexpr weight_tensor() = default;
    constexpr weight_tensor(double number) : rank(0), value(number) {}  // NOLINT(google-explicit-constructor)
    template <class U> requires std::is_same_v<std::remove_const_t<U>, float> || std::is_same_v<std::remove_const_t<U>, double>
    constexpr weight_tensor(tensor_view<U> t)  // NOLINT(google-explicit-constructor)
        : data(t.data), is_double(std::is_same_v<std::remove_const_t<U>, double>), rank(t.rank), shape(t.shape) {}
    template <eigen_direct D>
    weight_tensor(D& x) : weight_tensor(tensor_view<std::remove_reference_t<decltype(*x.data())>>(x)) {}  // NOLINT
    constexpr bool present() const { return rank >= 0; }
    constexpr index size() const {
        index n = 1;
        for (int i = 0; i < rank; ++i) n *= shape[static_cast<std::size_t>(i)];
        return n;
    }
    /// Element k of the tensor (the number itself for rank 0).
    constexpr double at(index k) const {
        if (rank == 0 && data == nullptr) return value;
        return is_double ? static_cast<const double*>(data)[k] : static_cast<double>(static_cast<const float*>(data)[k]);
    }
};

}  // namespace lossc::keras
