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

template <class T>
struct pack {
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
    template <class U> requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
    explicit pack(U s) : v(ei::pset1<packet>(static_cast<T>(s))) {}

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
        if (stride == 1) store(p);
        else ei::pscatter<T, packet>(p, v, static_cast<Eigen::Index>(stride));
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
template <class T>
struct mask {
    typename pack<T>::packet m;
};
template <class T> mask<T> lt(pack<T> a, pack<T> b) { return {ei::pcmp_lt(a.v, b.v)}; }
template <class T> mask<T> le(pack<T> a, pack<T> b) { return {ei::pcmp_le(a.v, b.v)}; }
template <class T> mask<T> eq(pack<T> a, pack<T> b) { return {ei::pcmp_eq(a.v, b.v)}; }
template <class T> mask<T> is_nan(pack<T> a) { return {ei::pandnot(ei::ptrue(a.v), ei::pcmp_eq(a.v, a.v))}; }
template <class T> mask<T> operator|(mask<T> a, mask<T> b) { return {ei::por(a.m, b.m)}; }
template <class T> mask<T> operator&(mask<T> a, mask<T> b) { return {ei::pand(a.m, b.m)}; }
template <class T> mask<T> operator!(mask<T> a) { return {ei::pandnot(ei::ptrue(a.m), a.m)}; }
/// Lanes l ≥ first (the last `width − first` lanes): the tail of a row handled by an
/// overlapping last pack, whose first lanes were already counted.
template <class T> mask<T> lanes_from(int first) { return {lt(pack<T>(static_cast<T>(first) - T(0.5)), pack<T>::iota()).m}; }
/// where m: a, else b.
template <class T> pack<T> select(mask<T> m, pack<T> a, pack<T> b) { return pack<T>(ei::pselect(m.m, a.v, b.v)); }
/// 1 where m, 0 elsewhere: comparisons are values in lossc, as in the scalar rules.
template <class T> pack<T> as_value(mask<T> m) { return pack<T>(ei::pand(m.m, ei::pset1<typename pack<T>::packet>(T(1)))); }

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
template <class T> requires std::is_floating_point_v<T>
mask<T> operator|(mask<T> a, mask<T> b) { return {static_cast<decltype(a.m)>(a.m | b.m)}; }
template <class T> requires std::is_floating_point_v<T>
mask<T> operator&(mask<T> a, mask<T> b) { return {static_cast<decltype(a.m)>(a.m & b.m)}; }
template <class T> requires std::is_floating_point_v<T>
mask<T> operator!(mask<T> a) { return {static_cast<decltype(a.m)>(~a.m)}; }
template <class T> requires std::is_floating_point_v<T>
mask<T> lanes_from(int first) { return {static_cast<decltype(mask<T>{}.m)>(~0u << first)}; }
inline pack<float> select(mask<float> m, pack<float> a, pack<float> b) { return pack<float>(_mm512_mask_blend_ps(m.m, b.v, a.v)); }
inline pack<double> select(mask<double> m, pack<double> a, pack<double> b) { return pack<double>(_mm512_mask_blend_pd(m.m, b.v, a.v)); }
inline pack<float> as_value(mask<float> m) { return pack<float>(_mm512_maskz_mov_ps(m.m, _mm512_set1_ps(1.0f))); }
inline pack<double> as_value(mask<double> m) { return pack<double>(_mm512_maskz_mov_pd(m.m, _mm512_set1_pd(1.0))); }
template <class T> requires std::is_floating_point_v<T>
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
template <class T> pack<T> sqrt(pack<T> x) {
    if constexpr (pack<T>::width == 1) return pack<T>(std::sqrt(x.v));
    else return pack<T>(exact_sqrt(x.v));
}

/// Two-column row-major blocks without gathers: 2·width consecutive values (width rows of two
/// columns) split into the column packs, and joined back. AVX-512 only (two-source permutes);
/// elsewhere `has_deinterleave2` is false and callers gather.
#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
inline constexpr bool has_deinterleave2 = true;
inline void deinterleave2(const float* src, pack<float>& even, pack<float>& odd) {
    const __m512 a = _mm512_loadu_ps(src), b = _mm512_loadu_ps(src + 16);
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    even = pack<float>(_mm512_permutex2var_ps(a, ie, b));
    odd = pack<float>(_mm512_permutex2var_ps(a, io, b));
}
inline void interleave2(float* dst, pack<float> even, pack<float> odd, bool stream = false) {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const pack<float> a(_mm512_permutex2var_ps(even.v, lo, odd.v)), b(_mm512_permutex2var_ps(even.v, hi, odd.v));
    if (stream) a.store_stream(dst), b.store_stream(dst + 16);
    else a.store(dst), b.store(dst + 16);
}
/// Row-major blocks of 16 rows without gathers: each row's columns are read 16 at a time with
/// one masked load and each 16 × 16 tile is transposed in registers (64 shuffles), giving the
/// column packs; and back, with masked stores. Gathers and scatters of 16 lanes cost about 22
/// and 25 cycles each on AVX-512 cores of this class (measured), so for a 10-column block the
/// 20 gathers and 10 scatters cost more than the loss itself.
inline constexpr bool has_tile_transpose = true;
inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);  // per 128-bit lane: a0 b0 a1 b1
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);  // a2 b2 a3 b3
    }
    for (int i = 0; i < 16; i += 4) {  // rows i … i+3: u[i + m] holds column 4k + m in 128-bit lane k
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int m = 0; m < 4; ++m) {  // gather lane k of u[m], u[4 + m], u[8 + m], u[12 + m]
        const __m512 v = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88), w = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
        const __m512 v2 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD), w2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
        r[m] = _mm512_shuffle_f32x4(v, w, 0x88);
        r[8 + m] = _mm512_shuffle_f32x4(v, w, 0xDD);
        r[4 + m] = _mm512_shuffle_f32x4(v2, w2, 0x88);
        r[12 + m] = _mm512_shuffle_f32x4(v2, w2, 0xDD);
    }
}
/// The same for double: 8 × 8 tiles, 24 shuffles.
inline void transpose8(__m512d r[8]) {
    __m512d t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm512_unpacklo_pd(r[i], r[i + 1]);      // per 128-bit lane k: a(2k) b(2k)
        t[i + 1] = _mm512_unpackhi_pd(r[i], r[i + 1]);  // a(2k+1) b(2k+1)
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0x88);          // columns 0, 4
        u[i + 1] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0xDD);      // columns 2, 6
        u[i + 2] = _mm512_shuffle_f64x2(t[i + 1], t[i + 3], 0x88);  // columns 1, 5
        u[i + 3] = _mm512_shuffle_f64x2(t[i + 1], t[i + 3], 0xDD);  // columns 3, 7
    }
    constexpr int first[4] = {0, 2, 1, 3};  // the column whose pair u[m] holds first
    for (int m = 0; m < 4; ++m) {
        r[first[m]] = _mm512_shuffle_f64x2(u[m], u[4 + m], 0x88);
        r[first[m] + 4] = _mm512_shuffle_f64x2(u[m], u[4 + m], 0xDD);
    }
}
/// One register tile per scalar type: 16 × 16 floats or 8 × 8 doubles.
template <class T> struct tile;
template <> struct tile<float> {
    using reg = __m512;
    static constexpr int n = 16;
    static reg load(unsigned lanes, const float* p) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>(lanes), p); }
    static void store(unsigned lanes, float* p, reg v) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>(lanes), v); }
    static void stream(float* p, reg v) { _mm512_stream_ps(p, v); }
    static void transpose(reg r[16]) { transpose16(r); }
};
template <> struct tile<double> {
    using reg = __m512d;
    static constexpr int n = 8;
    static reg load(unsigned lanes, const double* p) { return _mm512_maskz_loadu_pd(static_cast<__mmask8>(lanes), p); }
    static void store(unsigned lanes, double* p, reg v) { _mm512_mask_storeu_pd(p, static_cast<__mmask8>(lanes), v); }
    static void stream(double* p, reg v) { _mm512_stream_pd(p, v); }
    static void transpose(reg r[8]) { transpose8(r); }
};
/// Narrow dense rows: a tile's worth of rows of C contiguous columns (rows back to back) is C
/// whole registers, and column j's n values sit at flat positions j, j + C, …: each column is
/// assembled from the registers by masked permutes, one per (column, register) pair that share a
/// value — C² at most, against 64 (float) or 24 (double) shuffles for a tile transpose of any
/// width, plus its n masked loads; and back for the gradient. Measured, float, 24M elements, ns
/// per element, cce / BCE, before → after: 3 columns (gathers) 3.15 / 3.11 → 1.13 / 1.12, 4
/// columns 1.77 / 1.53 → 1.08 / 1.07, 5 columns 1.52 / 1.44 → 1.16 / 1.14, 6 columns 1.30 /
/// 1.29 → 1.12 / 1.19; in L1 (48K elements) 3 columns 3.2 / 3.0 → 1.19 / 1.05, 4 columns 2.4 /
/// 1.5 → 1.03 / 1.03.
template <class T, int C>
struct narrow_rows {
    using tl = tile<T>;
    static constexpr int n = tl::n;
    struct pick {
        unsigned mask = 0;     // the lanes this step writes
        int idx[16] = {};      // where each of them comes from in the source register
    };
    /// to_columns[j][s]: column j's lanes that come from register s (flat positions 16s…).
    static constexpr auto to_columns = [] {
        std::array<std::array<pick, C>, C> p{};
        for (int j = 0; j < C; ++j)
            for (int l = 0; l < n; ++l) {
                const int q = l * C + j;
                p[j][q / n].mask |= 1u << l;
                p[j][q / n].idx[l] = q % n;
            }
        return p;
    }();
    /// to_rows[s][j]: register s's lanes that come from column j (lane = row).
    static constexpr auto to_rows = [] {
        std::array<std::array<pick, C>, C> p{};
        for (int s = 0; s < C; ++s)
            for (int m = 0; m < n; ++m) {
                const int q = s * n + m;
                p[s][q % C].mask |= 1u << m;
                p[s][q % C].idx[m] = q / C;
            }
        return p;
    }();
    static typename tl::reg permute(typename tl::reg into, const pick& p, typename tl::reg from) {
        if constexpr (std::is_same_v<T, float>)
            return _mm512_mask_permutexvar_ps(into, static_cast<__mmask16>(p.mask), _mm512_loadu_si512(p.idx), from);
        else
            return _mm512_mask_permutexvar_pd(into, static_cast<__mmask8>(p.mask),
                                              _mm512_setr_epi64(p.idx[0], p.idx[1], p.idx[2], p.idx[3], p.idx[4], p.idx[5], p.idx[6], p.idx[7]), from);
    }
    LOSSC_KERNEL_INLINE static void load(const T* src, T* buf) {
        typename tl::reg r[C];
        for (int s = 0; s < C; ++s) r[s] = tl::load(~0u, src + s * n);
        for (int j = 0; j < C; ++j) {
            typename tl::reg col = r[0];
            for (int s = 0; s < C; ++s)
                if (to_columns[j][s].mask != 0) col = permute(col, to_columns[j][s], r[s]);
            tl::store(~0u, buf + j * n, col);
        }
    }
    LOSSC_KERNEL_INLINE static void store(T* dst, const T* buf, bool stream) {
        typename tl::reg c[C];
        for (int j = 0; j < C; ++j) c[j] = tl::load(~0u, buf + j * n);
        const bool aligned = stream && reinterpret_cast<std::uintptr_t>(dst) % 64 == 0;
        for (int s = 0; s < C; ++s) {
            typename tl::reg out = c[0];
            for (int j = 0; j < C; ++j)
                if (to_rows[s][j].mask != 0) out = permute(out, to_rows[s][j], c[j]);
            if (aligned) tl::stream(dst + s * n, out);
            else tl::store(~0u, dst + s * n, out);
        }
    }
};
/// Widest rows assembled by narrow_rows: the permutes grow as C², the tile transpose does not
/// (ns per element at 24M elements, cce / BCE, transposes against permutes: float 7 columns
/// 1.19 / 1.24 against 1.80 / 1.89, 8 columns 1.05 / 1.14 against 2.02 / 2.23; double, whose tile
/// is 24 shuffles, 5 columns 2.45 / 2.86 against 3.29 / 3.46, 6 columns 2.23 / 2.68 against 3.17
/// / 3.60, 3 columns 3.5 / 3.2 against 3.0 / 2.9).
template <class T>
inline constexpr Eigen::Index max_narrow_columns = std::is_same_v<T, float> ? 6 : 4;
/// Calls f(narrow_rows<T, cols>{}) for 3 to max_narrow_columns columns; false for other widths.
template <class T, int C = 3, class F>
LOSSC_KERNEL_INLINE bool with_narrow_rows(Eigen::Index cols, F&& f) {
    if constexpr (C > max_narrow_columns<T>) return false;
    else {
        if (cols == C) return f(narrow_rows<T, C>{}), true;
        return with_narrow_rows<T, C + 1>(cols, f);
    }
}

/// Columns [0, cols) of a tile's worth of rows (row k at src + k·row_stride, contiguous
/// columns) into buf + j·n for column j, n columns at a time.
template <class T>
LOSSC_KERNEL_INLINE void load_columns(const T* src, Eigen::Index row_stride, Eigen::Index cols, T* buf) {
    using tl = tile<T>;
    constexpr int n = tl::n;
    if (row_stride == cols && with_narrow_rows<T>(cols, [&](auto nr) LOSSC_KERNEL_INLINE_LAMBDA { nr.load(src, buf); })) return;
    for (Eigen::Index q = 0; q < cols; q += n) {
        const int w = cols - q < n ? static_cast<int>(cols - q) : n;
        const unsigned lanes = (1u << w) - 1u;
        typename tl::reg r[n];
        for (int k = 0; k < n; ++k) r[k] = tl::load(lanes, src + k * row_stride + q);
        tl::transpose(r);
        for (int j = 0; j < w; ++j) tl::store(~0u, buf + (q + j) * n, r[j]);
    }
}
/// The inverse: column packs buf + j·n into columns [0, cols) of the tile's rows at dst.
/// stream: non-temporal stores for the tiles whose rows are whole aligned lines; where only the
/// block is (rows back to back from an aligned start: n rows of any width are `cols` whole
/// lines), the tiles go to a local copy of the block first and the block streams from there
/// (float, 24M elements, ns per element, before → after: cce 40 columns 1.48 → 1.13–1.23, 56
/// columns 1.70 → 1.37–1.40; BCE 40 columns 1.55 → 1.23–1.27, 56 columns 1.68 → 1.35–1.37).
template <class T>
LOSSC_KERNEL_INLINE void store_columns(T* dst, Eigen::Index row_stride, Eigen::Index cols, const T* buf, bool stream = false) {
    using tl = tile<T>;
    constexpr int n = tl::n;
    if (row_stride == cols && with_narrow_rows<T>(cols, [&](auto nr) LOSSC_KERNEL_INLINE_LAMBDA { nr.store(dst, buf, stream); })) return;
    const bool aligned_rows = stream && (reinterpret_cast<std::uintptr_t>(dst) | static_cast<std::uintptr_t>(row_stride) * sizeof(T)) % 64 == 0;
    constexpr Eigen::Index staged_stream_columns = 64;
    if (stream && !aligned_rows && row_stride == cols && cols <= staged_stream_columns &&
        reinterpret_cast<std::uintptr_t>(dst) % 64 == 0) {
        alignas(64) T block[n * staged_stream_columns];
        store_columns(block, row_stride, cols, buf, false);
        for (Eigen::Index l = 0; l < cols; ++l) tl::stream(dst + l * n, tl::load(~0u, block + l * n));
        return;
    }
    for (Eigen::Index q = 0; q < cols; q += n) {
        const int w = cols - q < n ? static_cast<int>(cols - q) : n;
        const unsigned lanes = (1u << w) - 1u;
        typename tl::reg r[n];
        for (int j = 0; j < n; ++j) r[j] = tl::load(j < w ? ~0u : 0u, buf + (q + j) * n);
        tl::transpose(r);
        if (aligned_rows && w == n)
            for (int k = 0; k < n; ++k) tl::stream(dst + k * row_stride + q, r[k]);
        else
            for (int k = 0; k < n; ++k) tl::store(lanes, dst + k * row_stride + q, r[k]);
    }
}
inline void deinterleave2(const double* src, pack<double>& even, pack<double>& odd) {
    const __m512d a = _mm512_loadu_pd(src), b = _mm512_loadu_pd(src + 8);
    even = pack<double>(_mm512_permutex2var_pd(a, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), b));
    odd = pack<double>(_mm512_permutex2var_pd(a, _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15), b));
}
inline void interleave2(double* dst, pack<double> even, pack<double> odd, bool stream = false) {
    const pack<double> a(_mm512_permutex2var_pd(even.v, _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11), odd.v)),
        b(_mm512_permutex2var_pd(even.v, _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15), odd.v));
    if (stream) a.store_stream(dst), b.store_stream(dst + 8);
    else a.store(dst), b.store(dst + 8);
}
#else
inline constexpr bool has_tile_transpose = false;
template <class T> void load_columns(const T*, Eigen::Index, Eigen::Index, T*) {}
template <class T> void store_columns(T*, Eigen::Index, Eigen::Index, const T*, bool = false) {}
inline constexpr bool has_deinterleave2 = false;
template <class T> void deinterleave2(const T*, pack<T>&, pack<T>&) {}
template <class T> void interleave2(T*, pack<T>, pack<T>, bool = false) {}
#endif

// Non-temporal stores, per packet type; the scalar backend and other packets store normally.
namespace detail {
template <class T, class Packet>
void stream(T*, Packet) = delete;  // no such instruction for this packet
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
template <class T>
void pack<T>::store_stream(T* p) const {
    if constexpr (requires(T* q, packet w) { detail::stream(q, w); }) {
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
template <class T>
struct lane_sums {
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
template <class Packet>
void widen(Packet, pack<double>*) = delete;  // no two-way split for this packet: through memory
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
template <class T>
void lane_sums<T>::widen(pack<T> v, pack<double>* out) {
    if constexpr (std::is_same_v<T, double>) out[0] = v;
    else if constexpr (requires(pack<double>* o) { detail::widen(v.v, o); }) detail::widen(v.v, out);
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
