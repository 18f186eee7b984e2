// lossc — SIMD packets. The only layer that names Eigen::internal: pack<T> wraps the widest
// packet Eigen chose for the compile flags in use (Packet16f with AVX-512, Packet8f with AVX,
// Packet4f with SSE2, …) and gives it the arithmetic, comparison (as 1/0 values, like the scalar
// rules), select, load/store/gather and horizontal operations the lowering needs.
// Define LOSSC_SCALAR_BACKEND to compile the kernels without packets (every schedule then runs
// the scalar row code: the reference the SIMD schedules are tested against).
#pragma once
#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../config.hpp"

namespace lossc::simd {
inline namespace LOSSC_ISA {

namespace ei = Eigen::internal;

template <class T> struct pack {
    using scalar_type = T;
#if defined(LOSSC_SCALAR_BACKEND)
    using packet = T;  // Eigen's generic packet functions work on plain scalars
#else
    using packet = typename ei::packet_traits<T>::type;
#endif
    static constexpr int width = ei::unpacket_traits<packet>::size;

    packet v;

    pack() = default;
    explicit pack(packet p) : v(p) {}
    explicit pack(T s) requires(width != 1) : v(ei::pset1<packet>(s)) {}  // with width 1 the packet is T
    template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>) explicit pack(U s)
        : v(ei::pset1<packet>(static_cast<T>(s))) {}

    static pack load(const T* p) { return pack(ei::ploadu<packet>(p)); }
    /// Lanes p[0], p[stride], …: contiguous when stride is 1, a broadcast when it is 0.
    static pack load_strided(const T* p, index stride) {
        if (stride == 1) return load(p);
        if (stride == 0) return pack(*p);
        return pack(ei::pgather<T, packet>(p, static_cast<Eigen::Index>(stride)));
    }
    void store(T* p) const { ei::pstoreu(p, v); }
    /// A non-temporal store where p is aligned to the packet (written around the caches, without
    /// reading the line first), an ordinary one elsewhere. simd::stream_fence() orders them.
    void store_stream(T* p) const;
    void store_strided(T* p, index stride) const {
        if (stride == 1)
            store(p);
        else
            ei::pscatter<T, packet>(p, v, static_cast<Eigen::Index>(stride));
    }
    /// 0, 1, 2, … in the lanes.
    static pack iota() {
        alignas(64) T lanes[width];
        for (int l = 0; l < width; ++l) lanes[l] = static_cast<T>(l);
        return load(lanes);
    }

    friend pack operator+(pack a, pack b) { return pack(ei::padd(a.v, b.v)); }
    friend pack operator-(pack a, pack b) { return pack(ei::psub(a.v, b.v)); }
    friend pack operator*(pack a, pack b) { return pack(ei::pmul(a.v, b.v)); }
    friend pack operator/(pack a, pack b) { return pack(ei::pdiv(a.v, b.v)); }
    friend pack operator-(pack a) { return pack(ei::pnegate(a.v)); }
    pack& operator+=(pack b) { return *this = *this + b; }
    pack& operator-=(pack b) { return *this = *this - b; }
    pack& operator*=(pack b) { return *this = *this * b; }
};

/// Lane masks (all bits set where true) and what turns them into values.
template <class T> struct mask { typename pack<T>::packet m; };
template <class T> mask<T> lt(pack<T> a, pack<T> b) { return {ei::pcmp_lt(a.v, b.v)}; }
template <class T> mask<T> le(pack<T> a, pack<T> b) { return {ei::pcmp_le(a.v, b.v)}; }
template <class T> mask<T> eq(pack<T> a, pack<T> b) { return {ei::pcmp_eq(a.v, b.v)}; }
template <class T> mask<T> is_nan(pack<T> a) { return {ei::pandnot(ei::ptrue(a.v), ei::pcmp_eq(a.v, a.v))}; }
template <class T> mask<T> operator|(mask<T> a, mask<T> b) { return {ei::por(a.m, b.m)}; }
template <class T> mask<T> operator&(mask<T> a, mask<T> b) { return {ei::pand(a.m, b.m)}; }
template <class T> mask<T> operator!(mask<T> a) { return {ei::pandnot(ei::ptrue(a.m), a.m)}; }
/// Lanes l ≥ first (the last `width − first` lanes): the tail of a row handled by an
/// overlapping last pack, whose first lanes were already counted.
template <class T> mask<T> lanes_from(int first) {
    return {lt(pack<T>(static_cast<T>(first) - T(0.5)), pack<T>::iota()).m};
}
/// where m: a, else b.
template <class T> pack<T> select(mask<T> m, pack<T> a, pack<T> b) { return pack<T>(ei::pselect(m.m, a.v, b.v)); }
/// 1 where m, 0 elsewhere: comparisons are values in lossc, as in the scalar rules.
template <class T> pack<T> as_value(mask<T> m) {
    return pack<T>(ei::pand(m.m, ei::pset1<typename pack<T>::packet>(T(1))));
}

#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
// AVX-512 compares into mask registers and blends from them: masks as packets (the generic
// form above, Eigen's) cost a conversion each way per select (vpmovm2d, vptestnmd), two extra
// instructions on every max, select and NaN check.
template <> struct mask<float> { __mmask16 m; };
template <> struct mask<double> { __mmask8 m; };
inline mask<float> lt(pack<float> a, pack<float> b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ)}; }
inline mask<float> le(pack<float> a, pack<float> b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ)}; }
inline mask<float> eq(pack<float> a, pack<float> b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ)}; }
inline mask<float> is_nan(pack<float> a) { return {_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q)}; }
inline mask<double> lt(pack<double> a, pack<double> b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_LT_OQ)}; }
inline mask<double> le(pack<double> a, pack<double> b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_LE_OQ)}; }
inline mask<double> eq(pack<double> a, pack<double> b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_EQ_OQ)}; }
inline mask<double> is_nan(pack<double> a) { return {_mm512_cmp_pd_mask(a.v, a.v, _CMP_UNORD_Q)}; }
template <class T>
requires std::is_floating_point_v<T> mask<T>
operator|(mask<T> a, mask<T> b) { return {static_cast<decltype(a.m)>(a.m | b.m)}; }
template <class T>
requires std::is_floating_point_v<T> mask<T>
operator&(mask<T> a, mask<T> b) { return {static_cast<decltype(a.m)>(a.m & b.m)}; }
template <class T>
requires std::is_floating_point_v<T> mask<T>
operator!(mask<T> a) { return {static_cast<decltype(a.m)>(~a.m)}; }
template <class T>
requires std::is_floating_point_v<T> mask<T> lanes_from(int first) {
    return {static_cast<decltype(mask<T>{}.m)>(~0u << first)};
}
inline pack<float> select(mask<float> m, pack<float> a, pack<float> b) {
    return pack<float>(_mm512_mask_blend_ps(m.m, b.v, a.v));
}
inline pack<double> select(mask<double> m, pack<double> a, pack<double> b) {
    return pack<double>(_mm512_mask_blend_pd(m.m, b.v, a.v));
}
inline pack<float> as_value(mask<float> m) { return pack<float>(_mm512_maskz_mov_ps(m.m, _mm512_set1_ps(1.0f))); }
inline pack<double> as_value(mask<double> m) { return pack<double>(_mm512_maskz_mov_pd(m.m, _mm512_set1_pd(1.0))); }
template <class T>
requires std::is_floating_point_v<T>
bool any(mask<T> m) { return m.m != 0; }
#endif

template <class T> T first_lane(pack<T> a) { return ei::pfirst(a.v); }

/// Does any lane of the mask hold true? (One branch per packet buys skipping the rare paths.)
template <class T> bool any(mask<T> m) { return ei::predux_any(m.m); }

template <class T> T hsum(pack<T> a) { return ei::predux(a.v); }
/// Horizontal max/min that propagate NaN (the scalar reductions do).
template <class T> T hmax(pack<T> a) {
    alignas(64) T lanes[pack<T>::width];
    a.store(lanes);
    T m = lanes[0];
    for (int l = 1; l < pack<T>::width && m == m; ++l)  // stops at a NaN, which is the result
        if (lanes[l] > m || lanes[l] != lanes[l]) m = lanes[l];
    return m;
}
template <class T> T hmin(pack<T> a) {
    alignas(64) T lanes[pack<T>::width];
    a.store(lanes);
    T m = lanes[0];
    for (int l = 1; l < pack<T>::width && m == m; ++l)
        if (lanes[l] < m || lanes[l] != lanes[l]) m = lanes[l];
    return m;
}

/// Exact (correctly rounded) square root. Eigen's psqrt is an rsqrt approximation plus one
/// Newton step under EIGEN_FAST_MATH (its default): not correctly rounded, subnormals flushed
/// and sqrt(inf) = NaN. So the instruction itself, per packet type.
#if defined(EIGEN_VECTORIZE_AVX512)
inline __m512 exact_sqrt(__m512 x) { return _mm512_sqrt_ps(x); }
inline __m512d exact_sqrt(__m512d x) { return _mm512_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_AVX)
inline __m256 exact_sqrt(__m256 x) { return _mm256_sqrt_ps(x); }
inline __m256d exact_sqrt(__m256d x) { return _mm256_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_SSE2)
inline __m128 exact_sqrt(__m128 x) { return _mm_sqrt_ps(x); }
inline __m128d exact_sqrt(__m128d x) { return _mm_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_NEON) && defined(__aarch64__)
inline float32x4_t exact_sqrt(float32x4_t x) { return vsqrtq_f32(x); }
inline float64x2_t exact_sqrt(float64x2_t x) { return vsqrtq_f64(x); }
#endif
/// Other packets (32-bit NEON, AltiVec …): lane by lane.
template <class T> pack<T> exact_sqrt_lanes(pack<T> x) {
    alignas(64) T lanes[pack<T>::width];
    x.store(lanes);
    for (T& l : lanes) l = std::sqrt(l);
    return pack<T>::load(lanes);
}
template <class T> pack<T> sqrt(pack<T> x) {
    if constexpr (pack<T>::width == 1)
        return pack<T>(std::sqrt(x.v));
    else if constexpr (requires { exact_sqrt(x.v); })
        return pack<T>(exact_sqrt(x.v));
    else
        return exact_sqrt_lanes(x);
}

// Non-temporal stores, per packet type; the scalar backend and other packets store normally.
namespace detail {
template <class T, class Packet> void stream(T*, Packet) = delete;  // no such instruction for this packet
#if !defined(LOSSC_SCALAR_BACKEND) && defined(EIGEN_VECTORIZE_AVX512)
inline void stream(float* p, __m512 v) { _mm512_stream_ps(p, v); }
inline void stream(double* p, __m512d v) { _mm512_stream_pd(p, v); }
#endif
#if !defined(LOSSC_SCALAR_BACKEND) && defined(EIGEN_VECTORIZE_AVX)
inline void stream(float* p, __m256 v) { _mm256_stream_ps(p, v); }
inline void stream(double* p, __m256d v) { _mm256_stream_pd(p, v); }
#endif
#if !defined(LOSSC_SCALAR_BACKEND) && defined(EIGEN_VECTORIZE_SSE2)
inline void stream(float* p, __m128 v) { _mm_stream_ps(p, v); }
inline void stream(double* p, __m128d v) { _mm_stream_pd(p, v); }
#endif
}  // namespace detail
template <class T> void pack<T>::store_stream(T* p) const {
    if constexpr (requires(T * q, packet w) { detail::stream(q, w); }) {
        if ((reinterpret_cast<std::uintptr_t>(p) & (sizeof(packet) - 1)) == 0) return detail::stream(p, v);
    }
    store(p);
}
/// Asks for the cache line at p ahead of its use: to be read, or to be written.
inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }
inline void prefetch_for_write(void* p) { __builtin_prefetch(p, 1, 3); }
/// Makes this thread's non-temporal stores visible before what follows (a join, a return).
inline void stream_fence() {
#if !defined(LOSSC_SCALAR_BACKEND) && defined(EIGEN_VECTORIZE_SSE2)
    _mm_sfence();
#endif
}

/// Running sums of a pack's lanes in double, one per lane (a block's per-sample losses, batch
/// after batch), added up once at the end in lane order. Kept as double packets so that a block
/// costs two conversions and two adds: summed through an array, GCC split the 16 conversions
/// into 8 + 4 + 2 + 1 + 1 and went through memory (30 instructions per block of 16 rows).
template <class T> struct lane_sums {
    static constexpr int width = pack<T>::width;
    static constexpr int parts = (width + pack<double>::width - 1) / pack<double>::width;
    pack<double> part[parts];

    lane_sums() {
        for (auto& p : part) p = pack<double>(0.0);
    }
    void add(pack<T> v) {
        pack<double> vd[parts];
        widen(v, vd);
        for (int k = 0; k < parts; ++k) part[k] += vd[k];
    }
    /// Adds w·v, the product taken in double.
    void add_products(pack<T> w, pack<T> v) {
        pack<double> wd[parts], vd[parts];
        widen(w, wd);
        widen(v, vd);
        for (int k = 0; k < parts; ++k) part[k] += wd[k] * vd[k];
    }
    /// Σ over the lanes, lane 0 first.
    double total() const {
        alignas(64) double lanes[parts * pack<double>::width];
        for (int k = 0; k < parts; ++k) part[k].store(lanes + k * pack<double>::width);
        double t = 0;
        for (int l = 0; l < width; ++l) t += lanes[l];
        return t;
    }

private:
    static void widen(pack<T> v, pack<double>* out);
};
namespace detail {
template <class Packet> void widen(Packet, pack<double>*) = delete;  // no two-way split for this packet: through memory
#if !defined(LOSSC_SCALAR_BACKEND) && defined(EIGEN_VECTORIZE_AVX512)
inline void widen(__m512 v, pack<double>* out) {
    out[0] = pack<double>(_mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    out[1] = pack<double>(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}
#elif !defined(LOSSC_SCALAR_BACKEND) && defined(EIGEN_VECTORIZE_AVX)
inline void widen(__m256 v, pack<double>* out) {
    out[0] = pack<double>(_mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    out[1] = pack<double>(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}
#elif !defined(LOSSC_SCALAR_BACKEND) && defined(EIGEN_VECTORIZE_SSE2)
inline void widen(__m128 v, pack<double>* out) {
    out[0] = pack<double>(_mm_cvtps_pd(v));
    out[1] = pack<double>(_mm_cvtps_pd(_mm_movehl_ps(v, v)));
}
#endif
}  // namespace detail
template <class T> void lane_sums<T>::widen(pack<T> v, pack<double>* out) {
    if constexpr (std::is_same_v<T, double>)
        out[0] = v;
    else if constexpr (requires(pack<double> * o) { detail::widen(v.v, o); })
        detail::widen(v.v, out);
    else {  // any other packet: through memory
        alignas(64) T in[width];
        alignas(64) double wide[parts * pack<double>::width] = {};
        v.store(in);
        for (int l = 0; l < width; ++l) wide[l] = static_cast<double>(in[l]);
        for (int k = 0; k < parts; ++k) out[k] = pack<double>::load(wide + k * pack<double>::width);
    }
}

template <class V> inline constexpr bool is_pack = false;
template <class T> inline constexpr bool is_pack<pack<T>> = true;

}  // namespace LOSSC_ISA
}  // namespace lossc::simd
