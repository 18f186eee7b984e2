// The alternatives lossc is measured against, written the way a careful C++ programmer would
// without lossc: one hand-written fused loop per loss (column count at run time, <cmath>, no
// fast-math), and Eigen array expressions (forward, then backward). Each returns the mean
// loss and writes per-sample losses and d(mean)/d y_pred, like lossc's default reduction.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <immintrin.h>
#include <type_traits>
#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace peers {

using Eigen::Index;

// ---- hand-written fused loops (row-major buffers) ---------------------------------------------
template <class T> T hand_mse(const T* t, const T* p, T* ps, T* g, Index n, Index c, const T* w) {
    const T scale = T(1) / static_cast<T>(n);
    double total = 0;
    for (Index i = 0; i < n; ++i) {
        T loss = 0;
        for (Index j = 0; j < c; ++j) {
            const T d = p[i * c + j] - t[i * c + j];
            loss += w[j] * d * d;
            g[i * c + j] = T(2) * w[j] * d * scale;
        }
        ps[i] = loss;
        total += loss;
    }
    return static_cast<T>(total * scale);
}

template <class T> T hand_cce(const T* t, const T* p, T* ps, T* g, Index n, Index c) {
    const T scale = T(1) / static_cast<T>(n);
    double total = 0;
    for (Index i = 0; i < n; ++i) {
        const T* x = p + i * c;
        const T* y = t + i * c;
        T* gr = g + i * c;
        T m = -std::numeric_limits<T>::infinity();
        for (Index j = 0; j < c; ++j) m = std::max(m, x[j]);
        T s = 0, ty = 0, d = 0;
        for (Index j = 0; j < c; ++j) {
            const T e = std::exp(x[j] - m);
            gr[j] = e;
            s += e;
            ty += y[j];
            d += y[j] * x[j];
        }
        const T lse = m + std::log(s);
        const T loss = lse * ty - d;
        const T k = ty / s;
        for (Index j = 0; j < c; ++j) gr[j] = (gr[j] * k - y[j]) * scale;
        ps[i] = loss;
        total += loss;
    }
    return static_cast<T>(total * scale);
}

template <class T> T hand_bce(const T* t, const T* p, T* ps, T* g, Index n, Index c) {
    const T scale = T(1) / static_cast<T>(n * c);
    double total = 0;
    for (Index i = 0; i < n; ++i) {
        T loss = 0;
        for (Index j = 0; j < c; ++j) {
            const T x = p[i * c + j], y = t[i * c + j];
            loss += std::max(x, T(0)) - x * y + std::log1p(std::exp(-std::abs(x)));
            g[i * c + j] = (T(1) / (T(1) + std::exp(-x)) - y) * scale;
        }
        ps[i] = loss / static_cast<T>(c);
        total += ps[i];
    }
    return static_cast<T>(total / static_cast<double>(n));
}

// ---- Eigen array expressions, forward then backward -----------------------------------------
template <class T> using ArrR = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using Col = Eigen::Array<T, Eigen::Dynamic, 1>;
template <class T> using Row = Eigen::Array<T, 1, Eigen::Dynamic>;

template <class T> T eigen_mse(const ArrR<T>& t, const ArrR<T>& p, Col<T>& ps, ArrR<T>& g, const Row<T>& w) {
    const T scale = T(1) / static_cast<T>(p.rows());
    ps = ((p - t).square().rowwise() * w).rowwise().sum();
    g = ((p - t).rowwise() * w) * (T(2) * scale);
    return ps.mean();
}

template <class T> T eigen_cce(const ArrR<T>& t, const ArrR<T>& x, Col<T>& ps, ArrR<T>& g) {
    const T scale = T(1) / static_cast<T>(x.rows());
    const Col<T> m = x.rowwise().maxCoeff();
    g = (x.colwise() - m).exp();  // e, kept in g
    const Col<T> s = g.rowwise().sum();
    const Col<T> ty = t.rowwise().sum();
    ps = (m + s.log()) * ty - (t * x).rowwise().sum();
    g = (g.colwise() * (ty / s) - t) * scale;
    return ps.mean();
}

template <class T> T eigen_bce(const ArrR<T>& t, const ArrR<T>& x, Col<T>& ps, ArrR<T>& g) {
    const T scale = T(1) / static_cast<T>(x.rows() * x.cols());
    ps = (x.max(T(0)) - x * t + (-x.abs()).exp().log1p()).rowwise().mean();
    g = ((T(1) + (-x).exp()).inverse() - t) * scale;
    return ps.mean();
}

/// The bandwidth floor: read two arrays, write one, over the same bytes as a loss call.
template <class T> void stream(const T* a, const T* b, T* out, Index n) {
    for (Index k = 0; k < n; ++k) out[k] = a[k] + b[k];
}

/// The floor on two threads: each streams half of the bytes (a thread started per call, as
/// lossc's options::threads does). What two threads of any kernel over these bytes can reach.
template <class T> void stream_threads2(const T* a, const T* b, T* out, Index n) {
    const Index half = n / 2 / 64 * 64;
    std::thread other([=] { stream(a + half, b + half, out + half, n - half); });
    stream(a, b, out, half);
    other.join();
}

/// The floor for column-major inputs of many columns: every element read and written once, in
/// chunks of `chunk` rows, column by column within a chunk (the order a schedule that keeps a
/// chunk of rows' statistics must read them in). What the column-major target can reach.
template <class T>
void stream_column_chunks(const T* a, const T* b, T* out, Index rows, Index cols, Index chunk = 256) {
    for (Index i = 0; i < rows; i += chunk) {
        const Index len = std::min(chunk, rows - i);
        for (Index j = 0; j < cols; ++j) stream(a + j * rows + i, b + j * rows + i, out + j * rows + i, len);
    }
}

/// The same with non-temporal stores (float, AVX-512 or AVX; ordinary stores elsewhere): what
/// the floor becomes when the written lines are not read first. A reference beside lossc's own
/// streaming stores (options::output_stores), not the floor the targets are measured against.
template <class T> void stream_nt(const T* a, const T* b, T* out, Index n) {
    Index k = 0;
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float>) {
        for (; k < n && (reinterpret_cast<std::uintptr_t>(out + k) & 63) != 0; ++k) out[k] = a[k] + b[k];
        for (; k + 16 <= n; k += 16)
            _mm512_stream_ps(out + k, _mm512_add_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k)));
        _mm_sfence();
    }
#elif defined(__AVX__)
    if constexpr (std::is_same_v<T, float>) {
        for (; k < n && (reinterpret_cast<std::uintptr_t>(out + k) & 31) != 0; ++k) out[k] = a[k] + b[k];
        for (; k + 8 <= n; k += 8)
            _mm256_stream_ps(out + k, _mm256_add_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k)));
        _mm_sfence();
    }
#endif
    for (; k < n; ++k) out[k] = a[k] + b[k];
}

}  // namespace peers
