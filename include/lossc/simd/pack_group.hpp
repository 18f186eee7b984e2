// lossc — a group of K packs used as one wider pack: K·W consecutive samples of a column-major
// batch, one per lane. Every operation applies to the K member packs in turn, so a block of rows
// evaluated with pack_group<T, K> is the pack<T> block's instructions K times over, with each
// column read as K·W contiguous values instead of W.
//
// Why: with hundreds of columns, a column-major block of W rows reads one 64-byte line per
// column, each on a page of its own (the column stride is the batch), and walks them once per
// row statistic. The hardware prefetchers follow none of these streams, every line is a DRAM
// access of its own, and the block waits on them (cce1000 column-major: 5× the row-major time).
// Reading K lines of each column together turns that into runs of K·64 bytes.
#pragma once
#include <type_traits>

#include "math.hpp"

namespace lossc::simd {
inline namespace LOSSC_ISA {

template <class T, int K> struct pack_group {
    using scalar_type = T;
    using member = pack<T>;
    static constexpr int members = K;
    static constexpr int width = K * member::width;

    member p[K];

    pack_group() = default;
    explicit pack_group(T s) {
        for (auto& m : p) m = member(s);
    }
    template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>) explicit pack_group(U s)
        : pack_group(static_cast<T>(s)) {}

    /// Applies f to each member (of this group, and of the others given) and groups the results.
    template <class F, class... G> static pack_group each(F&& f, const G&... g) {
        pack_group r;
        for (int k = 0; k < K; ++k) r.p[k] = f(g.p[k]...);
        return r;
    }

    static pack_group load(const T* a) {
        pack_group r;
        for (int k = 0; k < K; ++k) r.p[k] = member::load(a + k * member::width);
        return r;
    }
    /// Lanes a[0], a[stride], …, K·W of them; contiguous when stride is 1, a broadcast when 0.
    static pack_group load_strided(const T* a, index stride) {
        if (stride == 0) return pack_group(*a);
        pack_group r;
        for (int k = 0; k < K; ++k) r.p[k] = member::load_strided(a + k * member::width * stride, stride);
        return r;
    }
    /// Asks for the lines of K·W contiguous values from a on (simd::prefetch).
    static void prefetch(const T* a) {
        constexpr int line = 64 / static_cast<int>(sizeof(T));
        for (int k = 0; k < width; k += line) simd::prefetch(a + k);
    }
    void store(T* a) const {
        for (int k = 0; k < K; ++k) p[k].store(a + k * member::width);
    }
    void store_stream(T* a) const {
        for (int k = 0; k < K; ++k) p[k].store_stream(a + k * member::width);
    }
    void store_strided(T* a, index stride) const {
        for (int k = 0; k < K; ++k) p[k].store_strided(a + k * member::width * stride, stride);
    }

    friend pack_group operator+(const pack_group& a, const pack_group& b) {
        return each([](member x, member y) { return x + y; }, a, b);
    }
    friend pack_group operator-(const pack_group& a, const pack_group& b) {
        return each([](member x, member y) { return x - y; }, a, b);
    }
    friend pack_group operator*(const pack_group& a, const pack_group& b) {
        return each([](member x, member y) { return x * y; }, a, b);
    }
    friend pack_group operator/(const pack_group& a, const pack_group& b) {
        return each([](member x, member y) { return x / y; }, a, b);
    }
    friend pack_group operator-(const pack_group& a) {
        return each([](member x) { return -x; }, a);
    }
    pack_group& operator+=(const pack_group& b) { return *this = *this + b; }
    pack_group& operator-=(const pack_group& b) { return *this = *this - b; }
    pack_group& operator*=(const pack_group& b) { return *this = *this * b; }
};

template <class T, int K> struct group_mask {
    mask<T> m[K];
    /// Applies f to each member of the groups and masks given and groups the resulting masks.
    template <class F, class... G> static group_mask each(F&& f, const G&... g) {
        group_mask r;
        for (int k = 0; k < K; ++k) r.m[k] = f(member(g, k)...);
        return r;
    }
    static const pack<T>& member(const pack_group<T, K>& g, int k) { return g.p[k]; }
    static const mask<T>& member(const group_mask& g, int k) { return g.m[k]; }
};
// Comparisons and mask logic, member by member.
template <class T, int K> group_mask<T, K> lt(const pack_group<T, K>& a, const pack_group<T, K>& b) {
    return group_mask<T, K>::each([](pack<T> x, pack<T> y) { return lt(x, y); }, a, b);
}
template <class T, int K> group_mask<T, K> le(const pack_group<T, K>& a, const pack_group<T, K>& b) {
    return group_mask<T, K>::each([](pack<T> x, pack<T> y) { return le(x, y); }, a, b);
}
template <class T, int K> group_mask<T, K> eq(const pack_group<T, K>& a, const pack_group<T, K>& b) {
    return group_mask<T, K>::each([](pack<T> x, pack<T> y) { return eq(x, y); }, a, b);
}
template <class T, int K> group_mask<T, K> is_nan(const pack_group<T, K>& a) {
    return group_mask<T, K>::each([](pack<T> x) { return is_nan(x); }, a);
}
template <class T, int K> group_mask<T, K> operator|(const group_mask<T, K>& a, const group_mask<T, K>& b) {
    return group_mask<T, K>::each([](mask<T> x, mask<T> y) { return x | y; }, a, b);
}
template <class T, int K> group_mask<T, K> operator&(const group_mask<T, K>& a, const group_mask<T, K>& b) {
    return group_mask<T, K>::each([](mask<T> x, mask<T> y) { return x & y; }, a, b);
}
template <class T, int K> group_mask<T, K> operator!(const group_mask<T, K>& a) {
    return group_mask<T, K>::each([](mask<T> x) { return !x; }, a);
}
template <class T, int K>
pack_group<T, K> select(const group_mask<T, K>& c, const pack_group<T, K>& a, const pack_group<T, K>& b) {
    pack_group<T, K> r;
    for (int k = 0; k < K; ++k) r.p[k] = select(c.m[k], a.p[k], b.p[k]);
    return r;
}
template <class T, int K> pack_group<T, K> as_value(const group_mask<T, K>& c) {
    pack_group<T, K> r;
    for (int k = 0; k < K; ++k) r.p[k] = as_value(c.m[k]);
    return r;
}
template <class T, int K> bool any(const group_mask<T, K>& c) {
    bool a = false;
    for (int k = 0; k < K; ++k) a = a || any(c.m[k]);
    return a;
}

template <class T, int K> inline constexpr bool is_pack<pack_group<T, K>> = true;

/// A block's per-sample losses added to lane sums of the member pack's width, member after
/// member: lane l of the sums holds the samples ≡ l modulo W.
template <class T> void add_to(lane_sums<T>& sums, const pack<T>& v) { sums.add(v); }
template <class T> void add_products_to(lane_sums<T>& sums, const pack<T>& w, const pack<T>& v) {
    sums.add_products(w, v);
}
template <class T, int K> void add_to(lane_sums<T>& sums, const pack_group<T, K>& v) {
    for (int k = 0; k < K; ++k) sums.add(v.p[k]);
}
template <class T, int K>
void add_products_to(lane_sums<T>& sums, const pack_group<T, K>& w, const pack_group<T, K>& v) {
    for (int k = 0; k < K; ++k) sums.add_products(w.p[k], v.p[k]);
}

}  // namespace LOSSC_ISA
}  // namespace lossc::simd

namespace lossc::simd {
inline namespace LOSSC_ISA {

// The packet functions the lowering calls itself (reductions, memos, where), member by member:
// the same instructions, so the same bits as the pack<T> block gives each of the K·W samples.
// The op table's rules are applied member by member where they are evaluated
// (lowering::apply in lower/row_eval.hpp) and need no line here.
#define LOSSC_GROUP_UNARY(fn)                                                    \
    template <class T, int K> pack_group<T, K> fn(const pack_group<T, K>& x) {   \
        return pack_group<T, K>::each([](pack<T> a) { return simd::fn(a); }, x); \
    }
#define LOSSC_GROUP_BINARY(fn)                                                                            \
    template <class T, int K> pack_group<T, K> fn(const pack_group<T, K>& x, const pack_group<T, K>& y) { \
        return pack_group<T, K>::each([](pack<T> a, pack<T> b) { return simd::fn(a, b); }, x, y);         \
    }
LOSSC_GROUP_UNARY(isnan)
LOSSC_GROUP_UNARY(exp)
LOSSC_GROUP_UNARY(exp_nonpositive)
LOSSC_GROUP_UNARY(log)
LOSSC_GROUP_UNARY(log1p)
LOSSC_GROUP_UNARY(log1p_unit)
LOSSC_GROUP_UNARY(exp_neg_abs)
LOSSC_GROUP_UNARY(isfinite)
LOSSC_GROUP_BINARY(max)
LOSSC_GROUP_BINARY(min)
LOSSC_GROUP_BINARY(softplus_from)
LOSSC_GROUP_BINARY(sigmoid_from)
#undef LOSSC_GROUP_UNARY
#undef LOSSC_GROUP_BINARY
template <class T, int K>
pack_group<T, K> select_nonzero(const pack_group<T, K>& c, const pack_group<T, K>& a, const pack_group<T, K>& b) {
    return pack_group<T, K>::each([](pack<T> x, pack<T> y, pack<T> z) { return simd::select_nonzero(x, y, z); }, c, a,
                                  b);
}

}  // namespace LOSSC_ISA
}  // namespace lossc::simd

namespace lossc::math {
// Re-exported as simd/math.hpp does (its using-declarations name the overloads seen there).
using simd::exp;
using simd::exp_neg_abs;
using simd::exp_nonpositive;
using simd::isfinite;
using simd::isnan;
using simd::log;
using simd::log1p;
using simd::log1p_unit;
using simd::max;
using simd::min;
using simd::select_nonzero;
using simd::sigmoid_from;
using simd::softplus_from;
}  // namespace lossc::math
