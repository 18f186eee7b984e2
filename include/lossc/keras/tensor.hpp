// lossc::keras — tensors as Keras passes them: rank 0 to 8, by pointer, C-contiguous (numpy's
// default) unless strides are given; an Eigen matrix of either storage order, padded or not.
// y_true may hold int32/int64 class ids (sparse losses); sample weights are float or double of
// any rank Keras's broadcasting accepts; masks are bool.
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

/// The highest tensor rank the wrapper takes (segmentation's (N, D, H, W, C) is 5).
inline constexpr int max_rank = 8;
/// A tensor's dimensions (or strides), the unused ones 1.
using dims_array = std::array<index, max_rank>;
namespace detail {
constexpr dims_array ones() {
    dims_array a{};
    a.fill(1);
    return a;
}
}  // namespace detail

/// A tensor of rank 0–8: element (i, j, …) at data[i·stride(0) + j·stride(1) + …], strides in
/// elements: `strides` where `strided` is set (the strided constructor, an Eigen matrix), else
/// C-contiguous (so that data, rank and shape set by hand describe numpy's layout). y_pred and
/// y_true may have any non-negative strides under which the loss's axes can be walked (see
/// loss::operator()); sample weights and masks must be C-contiguous.
template <class T> struct tensor_view {
    T* data = nullptr;
    int rank = 0;
    dims_array shape = detail::ones();
    dims_array strides = detail::ones();
    bool strided = false;

    constexpr tensor_view() = default;
    constexpr tensor_view(T* d, std::initializer_list<index> dims) : data(d) {
        if (dims.size() > static_cast<std::size_t>(max_rank))
            throw shape_error("lossc::keras tensors have rank 8 at most");
        index bytes = static_cast<index>(sizeof(T));
        for (index n : dims) {
            if (n < 0) throw shape_error("a tensor dimension is negative");
            if (__builtin_mul_overflow(bytes, n, &bytes))
                throw shape_error("a tensor's dimensions multiply to more bytes than an index holds");
            shape[static_cast<std::size_t>(rank++)] = n;
        }
    }
    /// Explicit strides in elements (a strided view of a larger buffer, a transposed matrix).
    constexpr tensor_view(T* d, std::initializer_list<index> dims, std::initializer_list<index> element_strides)
        : tensor_view(d, dims) {
        if (element_strides.size() != dims.size()) throw shape_error("a tensor needs one stride per dimension");
        strided = true;
        int a = 0;
        for (index st : element_strides) {
            if (st < 0) throw shape_error("a tensor stride is negative");
            strides[at(a++)] = st;
        }
        if (index last = 0; !extent(last)) throw shape_error("a tensor's strides reach more bytes than an index holds");
    }
    /// An Eigen vector is rank 1; a matrix is rank 2, of either storage order, padded or not.
    template <eigen_direct D>
    tensor_view(D& x)  // NOLINT(google-explicit-constructor): pass an Eigen object where a tensor is expected
        : data(x.data()) {
        if constexpr (D::RowsAtCompileTime == 1 || D::ColsAtCompileTime == 1) {
            rank = 1;
            shape[0] = x.size();
            strides[0] = x.innerStride();
            strided = true;
        } else {
            rank = 2;
            shape[0] = x.rows(), shape[1] = x.cols();
            strides[0] = D::IsRowMajor ? x.outerStride() : x.innerStride();
            strides[1] = D::IsRowMajor ? x.innerStride() : x.outerStride();
            strided = true;
        }
    }
    template <class U>
    requires std::is_same_v<const U, T>
    constexpr tensor_view(const tensor_view<U>& o)
        : data(o.data), rank(o.rank), shape(o.shape), strides(o.strides), strided(o.strided) {}  // NOLINT: T → const T

    constexpr index size() const {
        index n = 1;
        for (int i = 0; i < rank; ++i) n *= shape[at(i)];
        return n;
    }
    constexpr index dim(int i) const { return shape[at(i < 0 ? i + rank : i)]; }
    /// The stride of axis a in elements.
    constexpr index stride(int a) const {
        if (strided) return strides[at(a)];
        index s = 1;
        for (int b = a + 1; b < rank; ++b) s *= shape[at(b)];
        return s;
    }
    /// Does element k of the C-order enumeration sit at data[k] (numpy's default layout)? Axes of
    /// one element have no stride to keep.
    constexpr bool contiguous() const {
        index expect = 1;
        for (int a = rank - 1; a >= 0; --a) {
            if (shape[at(a)] != 1 && stride(a) != expect) return false;
            expect *= shape[at(a)];
        }
        return true;
    }
    /// The offset of element k of the C-order enumeration (k < size()).
    constexpr index offset(index k) const {
        index off = 0;
        for (int a = rank - 1; a >= 0; --a) {
            const index n = shape[at(a)];
            off += (k % n) * stride(a);
            k /= n;
        }
        return off;
    }
    /// One past the last element's offset in `last` (0 for an empty tensor); false on overflow.
    constexpr bool extent(index& last) const {
        last = 0;
        if (size() == 0) return true;
        for (int a = 0; a < rank; ++a)
            if (index step;
                __builtin_mul_overflow(shape[at(a)] - 1, stride(a), &step) || __builtin_add_overflow(last, step, &last))
                return false;
        return !__builtin_add_overflow(last, index(1), &last);
    }

private:
    static constexpr std::size_t at(int a) { return static_cast<std::size_t>(a); }
};

template <class T> tensor_view(T*, std::initializer_list<index>) -> tensor_view<T>;

namespace detail {
inline std::string shape_str(int rank, const dims_array& s) {
    if (rank == 0) return "()";
    std::string out = "(";
    for (int i = 0; i < rank; ++i) out += (i ? ", " : "") + std::to_string(s[static_cast<std::size_t>(i)]);
    return out + (rank == 1 ? ",)" : ")");
}
template <class T> std::string shape_str(const tensor_view<T>& t) { return shape_str(t.rank, t.shape); }
}  // namespace detail

/// A sample weight: a number (rank 0) or a float/double tensor.
struct weight_tensor {
    const void* data = nullptr;
    bool is_double = true;
    int rank = -1;  // -1: none given
    dims_array shape = detail::ones();
    double value = 1.0;  // a number given by value

    constexpr weight_tensor() = default;
    constexpr weight_tensor(double number) : rank(0), value(number) {}  // NOLINT(google-explicit-constructor)
    template <class U>
    requires std::is_same_v < std::remove_const_t<U>,
    float > || std::is_same_v<std::remove_const_t<U>, double> constexpr weight_tensor(
                   tensor_view<U> t)  // NOLINT(google-explicit-constructor)
        : data(t.data),
    is_double(std::is_same_v<std::remove_const_t<U>, double>), rank(t.rank), shape(t.shape) {
        if (!t.contiguous())
            throw shape_error("a sample_weight tensor must be contiguous (numpy's layout): copy it first");
    }
    template <eigen_direct D> weight_tensor(D& x)
        : weight_tensor(tensor_view<std::remove_reference_t<decltype(*x.data())>>(x)) {}  // NOLINT
    constexpr bool present() const { return rank >= 0; }
    constexpr index size() const {
        index n = 1;
        for (int i = 0; i < rank; ++i) n *= shape[static_cast<std::size_t>(i)];
        return n;
    }
    /// Element k of the tensor (the number itself for rank 0).
    constexpr double at(index k) const {
        if (rank == 0 && data == nullptr) return value;
        return is_double ? static_cast<const double*>(data)[k]
                         : static_cast<double>(static_cast<const float*>(data)[k]);
    }
};

}  // namespace lossc::keras
