// lossc — a block of row-major rows turned into column packs and back, in registers: how the
// across-rows schedule stages row-major batches (lower/kernel.hpp) without gathers and scatters.
// Per instruction set: two-column (de)interleaves; square tile transposes (AVX-512: 16 × 16
// floats, 8 × 8 doubles; AVX2: 8 × 8 floats, 4 × 4 doubles; SSE2: 4 × 4 floats, 2 × 2 doubles);
// rows of a few columns by permutes (AVX-512, AVX2). Elsewhere (AVX without AVX2, NEON, the scalar
// backend) has_tile_transpose is false and the kernel gathers.
#pragma once
#include <array>
#include <cstdint>
#include <type_traits>

#include "pack.hpp"

namespace lossc::simd {
inline namespace LOSSC_ISA {

/// One step of assembling a register from another by a permute: the lanes it writes (as bits,
/// and as all-ones words for blends), and where each comes from in the source register.
struct lane_pick {
    unsigned mask = 0;
    int idx[16] = {};
    int sel[16] = {};
    constexpr void take(int lane, int from) {
        mask |= 1u << lane;
        idx[lane] = from;
        sel[lane] = -1;
    }
};

/// Two packs to consecutive places (an interleave's halves), non-temporal where asked.
template <class T> inline void store_two(T* dst, pack<T> a, pack<T> b, bool stream) {
    if (stream)
        a.store_stream(dst), b.store_stream(dst + pack<T>::width);
    else
        a.store(dst), b.store(dst + pack<T>::width);
}

#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
/// Two-column row-major blocks: 2·width consecutive values (width rows of two columns) split
/// into the column packs by two-source permutes, and joined back.
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
    store_two(dst, a, b, stream);
}
inline void deinterleave2(const double* src, pack<double>& even, pack<double>& odd) {
    const __m512d a = _mm512_loadu_pd(src), b = _mm512_loadu_pd(src + 8);
    even = pack<double>(_mm512_permutex2var_pd(a, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), b));
    odd = pack<double>(_mm512_permutex2var_pd(a, _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15), b));
}
inline void interleave2(double* dst, pack<double> even, pack<double> odd, bool stream = false) {
    const pack<double> a(_mm512_permutex2var_pd(even.v, _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11), odd.v)),
        b(_mm512_permutex2var_pd(even.v, _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15), odd.v));
    store_two(dst, a, b, stream);
}
/// Row-major blocks of 16 rows without gathers: each row's columns are read 16 at a time with
/// one masked load and each 16 × 16 tile is transposed in registers (64 shuffles), giving the
/// column packs; and back, with masked stores. Gathers and scatters of 16 lanes are slow enough
/// that a 10-column block's 20 gathers and 10 scatters cost more than the loss itself
/// (docs/perf-log.md).
inline constexpr bool has_tile_transpose = true;
inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);      // per 128-bit lane: a0 b0 a1 b1
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);  // a2 b2 a3 b3
    }
    for (int i = 0; i < 16; i += 4) {  // rows i … i+3: u[i + m] holds column 4k + m in 128-bit lane k
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int m = 0; m < 4; ++m) {  // gather lane k of u[m], u[4 + m], u[8 + m], u[12 + m]
        const __m512 v = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88),
                     w = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
        const __m512 v2 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD),
                     w2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
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
/// One register tile per scalar type: n × n values. load/store touch the first `count` lanes.
template <class T> struct tile;
template <> struct tile<float> {
    using reg = __m512;
    static constexpr int n = 16;
    static __mmask16 lanes(int count) { return static_cast<__mmask16>((1u << count) - 1u); }
    static reg load(int count, const float* p) { return _mm512_maskz_loadu_ps(lanes(count), p); }
    static void store(int count, float* p, reg v) { _mm512_mask_storeu_ps(p, lanes(count), v); }
    static void stream(float* p, reg v) { _mm512_stream_ps(p, v); }
    static constexpr bool slow_partial_store = false;
    static void transpose(reg r[16]) { transpose16(r); }
    static reg permute(reg into, const lane_pick& p, reg from) {
        return _mm512_mask_permutexvar_ps(into, static_cast<__mmask16>(p.mask), _mm512_loadu_si512(p.idx), from);
    }
};
template <> struct tile<double> {
    using reg = __m512d;
    static constexpr int n = 8;
    static __mmask8 lanes(int count) { return static_cast<__mmask8>((1u << count) - 1u); }
    static reg load(int count, const double* p) { return _mm512_maskz_loadu_pd(lanes(count), p); }
    static void store(int count, double* p, reg v) { _mm512_mask_storeu_pd(p, lanes(count), v); }
    static void stream(double* p, reg v) { _mm512_stream_pd(p, v); }
    static constexpr bool slow_partial_store = false;
    static void transpose(reg r[8]) { transpose8(r); }
    static reg permute(reg into, const lane_pick& p, reg from) {
        return _mm512_mask_permutexvar_pd(
            into, static_cast<__mmask8>(p.mask),
            _mm512_setr_epi64(p.idx[0], p.idx[1], p.idx[2], p.idx[3], p.idx[4], p.idx[5], p.idx[6], p.idx[7]), from);
    }
};
/// Widest rows assembled by narrow_rows (below): the permutes grow as C², the tile transpose
/// does not; past these widths the tiles measured faster (bench/analysis.md, seventh session).
template <class T> inline constexpr int max_narrow_columns = std::is_same_v<T, float> ? 6 : 4;

#elif defined(EIGEN_VECTORIZE_AVX2) && !defined(LOSSC_SCALAR_BACKEND)
/// AVX2: the same layer on 256-bit registers. Without it every row-major block of two or more
/// columns was gathered, and scattered by scalar stores (AVX2 has no scatter): docs/perf-log.md.
inline void deinterleave2(const float* src, pack<float>& even, pack<float>& odd) {
    const __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8);
    // Per 128-bit lane: rows 0 1 4 5 | 2 3 6 7 of each column, then the 64-bit pairs in order.
    const __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD);
    even = pack<float>(_mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
    odd = pack<float>(_mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8)));
}
inline void interleave2(float* dst, pack<float> even, pack<float> odd, bool stream = false) {
    const __m256 lo = _mm256_unpacklo_ps(even.v, odd.v), hi = _mm256_unpackhi_ps(even.v, odd.v);
    const pack<float> a(_mm256_permute2f128_ps(lo, hi, 0x20)), b(_mm256_permute2f128_ps(lo, hi, 0x31));
    store_two(dst, a, b, stream);
}
inline void deinterleave2(const double* src, pack<double>& even, pack<double>& odd) {
    const __m256d a = _mm256_loadu_pd(src), b = _mm256_loadu_pd(src + 4);
    even = pack<double>(_mm256_permute4x64_pd(_mm256_unpacklo_pd(a, b), 0xD8));
    odd = pack<double>(_mm256_permute4x64_pd(_mm256_unpackhi_pd(a, b), 0xD8));
}
inline void interleave2(double* dst, pack<double> even, pack<double> odd, bool stream = false) {
    const __m256d lo = _mm256_unpacklo_pd(even.v, odd.v), hi = _mm256_unpackhi_pd(even.v, odd.v);
    const pack<double> a(_mm256_permute2f128_pd(lo, hi, 0x20)), b(_mm256_permute2f128_pd(lo, hi, 0x31));
    store_two(dst, a, b, stream);
}
inline constexpr bool has_tile_transpose = true;
/// 8 × 8 floats: 24 shuffles.
inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);      // per 128-bit lane: a0 b0 a1 b1
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // a2 b2 a3 b3
    }
    for (int i = 0; i < 8; i += 4) {  // u[i + m]: column m | column m + 4 of rows i … i+3
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int m = 0; m < 4; ++m) {
        r[m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x20);
        r[m + 4] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x31);
    }
}
/// 4 × 4 doubles: 8 shuffles.
inline void transpose4(__m256d r[4]) {
    const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]),
                  t1 = _mm256_unpackhi_pd(r[0], r[1]);  // a0 b0 | a2 b2, a1 b1 | a3 b3
    const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}
/// The first `count` of 8 (float) or 4 (double) lanes, as the sign bits masked moves read.
inline __m256i leading_lanes32(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline __m256i leading_lanes64(int count) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
}
template <class T> struct tile;
template <> struct tile<float> {
    using reg = __m256;
    static constexpr int n = 8;
    static reg load(int count, const float* p) {
        if (count == n) return _mm256_loadu_ps(p);
        return count == 0 ? _mm256_setzero_ps() : _mm256_maskload_ps(p, leading_lanes32(count));
    }
    static void store(int count, float* p, reg v) {
        if (count == n)
            _mm256_storeu_ps(p, v);
        else
            _mm256_maskstore_ps(p, leading_lanes32(count), v);
    }
    static void stream(float* p, reg v) { _mm256_stream_ps(p, v); }
    static constexpr bool slow_partial_store = true;  // vmaskmovps (see load_columns, store_columns)
    static void transpose(reg r[8]) { transpose8(r); }
    static reg permute(reg into, const lane_pick& p, reg from) {
        const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.idx));
        const __m256 sel = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.sel)));
        return _mm256_blendv_ps(into, _mm256_permutevar8x32_ps(from, idx), sel);
    }
};
template <> struct tile<double> {
    using reg = __m256d;
    static constexpr int n = 4;
    static reg load(int count, const double* p) {
        if (count == n) return _mm256_loadu_pd(p);
        return count == 0 ? _mm256_setzero_pd() : _mm256_maskload_pd(p, leading_lanes64(count));
    }
    static void store(int count, double* p, reg v) {
        if (count == n)
            _mm256_storeu_pd(p, v);
        else
            _mm256_maskstore_pd(p, leading_lanes64(count), v);
    }
    static void stream(double* p, reg v) { _mm256_stream_pd(p, v); }
    static constexpr bool slow_partial_store = true;
    static void transpose(reg r[4]) { transpose4(r); }
    static reg permute(reg, const lane_pick&, reg from) { return from; }  // unused: no narrow double rows
};
/// Rows assembled by permutes (narrow_rows) on AVX2: float up to 4 columns, where they cost
/// what the tiles do; beyond, each permute needs a blend too and the pairs grow as C² (measured:
/// docs/perf-log.md). Double none: its 4 × 4 tile is 8 shuffles.
template <class T> inline constexpr int max_narrow_columns = std::is_same_v<T, float> ? 4 : 0;
#elif defined(EIGEN_VECTORIZE_SSE2) && !defined(EIGEN_VECTORIZE_AVX) && !defined(LOSSC_SCALAR_BACKEND)
/// SSE2, the x86-64 baseline (a build without -march): the same layer on 128-bit registers.
/// Without it every row-major block was gathered lane by lane and scattered by scalar stores, and
/// custom_mse ran at a third of a plain loop's speed (docs/perf-log.md).
inline void deinterleave2(const float* src, pack<float>& even, pack<float>& odd) {
    const __m128 a = _mm_loadu_ps(src), b = _mm_loadu_ps(src + 4);
    even = pack<float>(_mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
    odd = pack<float>(_mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}
inline void interleave2(float* dst, pack<float> even, pack<float> odd, bool stream = false) {
    const pack<float> a(_mm_unpacklo_ps(even.v, odd.v)), b(_mm_unpackhi_ps(even.v, odd.v));
    store_two(dst, a, b, stream);
}
inline void deinterleave2(const double* src, pack<double>& even, pack<double>& odd) {
    const __m128d a = _mm_loadu_pd(src), b = _mm_loadu_pd(src + 2);
    even = pack<double>(_mm_unpacklo_pd(a, b));
    odd = pack<double>(_mm_unpackhi_pd(a, b));
}
inline void interleave2(double* dst, pack<double> even, pack<double> odd, bool stream = false) {
    const pack<double> a(_mm_unpacklo_pd(even.v, odd.v)), b(_mm_unpackhi_pd(even.v, odd.v));
    store_two(dst, a, b, stream);
}
inline constexpr bool has_tile_transpose = true;
template <class T> struct tile;
/// SSE2 has no masked moves: a partial row goes through a local register's worth of lanes.
template <class T> struct sse2_tile {
    using reg = typename pack<T>::packet;  // __m128, __m128d
    static constexpr int n = static_cast<int>(16 / sizeof(T));
    static reg load(int count, const T* p) {
        if (count == n) return pack<T>::load(p).v;
        alignas(16) T lanes[n] = {};
        for (int l = 0; l < count; ++l) lanes[l] = p[l];
        return pack<T>::load(lanes).v;
    }
    static void store(int count, T* p, reg v) {
        if (count == n) return pack<T>(v).store(p);
        alignas(16) T lanes[n];
        pack<T>(v).store(lanes);
        for (int l = 0; l < count; ++l) p[l] = lanes[l];
    }
    static void stream(T* p, reg v) { pack<T>(v).store_stream(p); }
    static constexpr bool slow_partial_store = true;
    static reg permute(reg, const lane_pick&, reg from) { return from; }  // unused: no narrow rows
};
template <> struct tile<float> : sse2_tile<float> {
    static void transpose(reg r[4]) { _MM_TRANSPOSE4_PS(r[0], r[1], r[2], r[3]); }
};
template <> struct tile<double> : sse2_tile<double> {
    static void transpose(reg r[2]) {
        const __m128d a = _mm_unpacklo_pd(r[0], r[1]), b = _mm_unpackhi_pd(r[0], r[1]);
        r[0] = a, r[1] = b;
    }
};
/// No rows by permutes: SSE2 has no variable permute (a 4 × 4 tile is 8 shuffles).
template <class T> inline constexpr int max_narrow_columns = 0;
#else
inline constexpr bool has_tile_transpose = false;
template <class T> void load_columns(const T*, Eigen::Index, Eigen::Index, T*, bool = false) {}
template <class T> void store_columns(T*, Eigen::Index, Eigen::Index, const T*, bool = false, bool = false) {}
#endif

#if !defined(LOSSC_SCALAR_BACKEND) && (defined(EIGEN_VECTORIZE_AVX512) || defined(EIGEN_VECTORIZE_AVX2) || \
                                       (defined(EIGEN_VECTORIZE_SSE2) && !defined(EIGEN_VECTORIZE_AVX)))
/// Rows of the tile's height: n consecutive samples, the lanes of a pack.
template <class T> inline constexpr int tile_rows = tile<T>::n;

/// Narrow dense rows: a tile's worth of rows of C contiguous columns (rows back to back) is C
/// whole registers, and column j's n values sit at flat positions j, j + C, …: each column is
/// assembled from the registers by masked permutes, one per (column, register) pair that share a
/// value — C² at most, against the shuffles of a tile transpose of any width, plus its n
/// masked loads; and back for the gradient (against gathers: bench/analysis.md, seventh session).
template <class T, int C> struct narrow_rows {
    using tl = tile<T>;
    static constexpr int n = tl::n;
    /// to_columns[j][s]: column j's lanes that come from register s (flat positions n·s…).
    static constexpr auto to_columns = [] {
        std::array<std::array<lane_pick, C>, C> p{};
        for (int j = 0; j < C; ++j)
            for (int l = 0; l < n; ++l) {
                const int q = l * C + j;
                p[j][q / n].take(l, q % n);
            }
        return p;
    }();
    /// to_rows[s][j]: register s's lanes that come from column j (lane = row).
    static constexpr auto to_rows = [] {
        std::array<std::array<lane_pick, C>, C> p{};
        for (int s = 0; s < C; ++s)
            for (int m = 0; m < n; ++m) {
                const int q = s * n + m;
                p[s][q % C].take(m, q / C);
            }
        return p;
    }();
    LOSSC_KERNEL_INLINE static void load(const T* src, T* buf) {
        typename tl::reg r[C];
        for (int s = 0; s < C; ++s) r[s] = tl::load(n, src + s * n);
        for (int j = 0; j < C; ++j) {
            typename tl::reg col = r[0];
            for (int s = 0; s < C; ++s)
                if (to_columns[j][s].mask != 0) col = tl::permute(col, to_columns[j][s], r[s]);
            tl::store(n, buf + j * n, col);
        }
    }
    LOSSC_KERNEL_INLINE static void store(T* dst, const T* buf, bool stream) {
        typename tl::reg c[C];
        for (int j = 0; j < C; ++j) c[j] = tl::load(n, buf + j * n);
        const bool aligned = stream && reinterpret_cast<std::uintptr_t>(dst) % sizeof(typename tl::reg) == 0;
        for (int s = 0; s < C; ++s) {
            typename tl::reg out = c[0];
            for (int j = 0; j < C; ++j)
                if (to_rows[s][j].mask != 0) out = tl::permute(out, to_rows[s][j], c[j]);
            if (aligned)
                tl::stream(dst + s * n, out);
            else
                tl::store(n, dst + s * n, out);
        }
    }
};
/// Calls f(narrow_rows<T, cols>{}) for 3 to max_narrow_columns columns; false for other widths.
template <class T, int C = 3, class F> LOSSC_KERNEL_INLINE bool with_narrow_rows(Eigen::Index cols, F&& f) {
    if constexpr (C > max_narrow_columns<T>)
        return false;
    else {
        if (cols == C) return f(narrow_rows<T, C>{}), true;
        return with_narrow_rows<T, C + 1>(cols, f);
    }
}

/// Columns [0, cols) of a tile's worth of rows (row k at src + k·row_stride, contiguous
/// columns) into buf + j·n for column j, n columns at a time. buf holds cols rounded up to
/// whole tiles; what lands in the columns past cols is unspecified.
/// room_after: the rows after the block exist and belong to the caller, who writes them later
/// (the next block of the same loop). Where masked moves are slow (AVX2: vmaskmovps on AMD
/// cores crawls where the line is not in cache), rows that are not whole tiles are then read
/// whole, the lanes past cols reading on into the next row, and stored whole (below). A local
/// copy of the block instead was slower: store-to-load forwarding fails (docs/perf-log.md).
template <class T> LOSSC_KERNEL_INLINE void load_columns(const T* src, Eigen::Index row_stride, Eigen::Index cols,
                                                         T* buf, bool room_after = false) {
    using tl = tile<T>;
    constexpr int n = tl::n;
    if (row_stride == cols && cols == 2) {  // two permutes
        pack<T> even, odd;
        deinterleave2(src, even, odd);
        return even.store(buf), odd.store(buf + n);
    }
    if (row_stride == cols && with_narrow_rows<T>(cols, [&](auto nr) LOSSC_KERNEL_INLINE_LAMBDA { nr.load(src, buf); }))
        return;
    const bool whole = tl::slow_partial_store && room_after;
    for (Eigen::Index q = 0; q < cols; q += n) {
        const int w = whole || cols - q >= n ? n : static_cast<int>(cols - q);
        typename tl::reg r[n];
        for (int k = 0; k < n; ++k) r[k] = tl::load(w, src + k * row_stride + q);
        tl::transpose(r);
        // All n columns, those past `cols` too: a loop to w became a memcpy call (GCC 12, AVX2),
        // the registers spilled to the stack for it.
        for (int j = 0; j < n; ++j) tl::store(n, buf + (q + j) * n, r[j]);
    }
}
/// The inverse: column packs buf + j·n into columns [0, cols) of the tile's rows at dst.
/// stream: non-temporal stores for the tiles whose rows are whole aligned lines; where only the
/// block is (rows back to back from an aligned start: n rows of any width are whole lines), the
/// tiles go to a local copy of the block first and the block streams from there (faster:
/// bench/analysis.md, seventh session).
/// room_after (see load_columns), compact rows, slow masked moves: every tile row is stored
/// whole, the last tile first, so that its lanes past cols, which land on the next row's first
/// columns, are overwritten by the tiles after it (the next block's, for the block's last row).
template <class T> LOSSC_KERNEL_INLINE void store_columns(T* dst, Eigen::Index row_stride, Eigen::Index cols,
                                                          const T* buf, bool stream = false, bool room_after = false) {
    using tl = tile<T>;
    constexpr int n = tl::n;
    if (row_stride == cols && cols == 2) return interleave2(dst, pack<T>::load(buf), pack<T>::load(buf + n), stream);
    if (row_stride == cols &&
        with_narrow_rows<T>(cols, [&](auto nr) LOSSC_KERNEL_INLINE_LAMBDA { nr.store(dst, buf, stream); }))
        return;
    const auto tile_at = [&](Eigen::Index q, typename tl::reg r[n]) LOSSC_KERNEL_INLINE_LAMBDA {
        const int w = cols - q < n ? static_cast<int>(cols - q) : n;
        for (int j = 0; j < n; ++j) r[j] = tl::load(j < w ? n : 0, buf + (q + j) * n);
        tl::transpose(r);
        return w;
    };
    if (tl::slow_partial_store && room_after && row_stride == cols && cols % n != 0) {
        for (Eigen::Index q = (cols - 1) / n * n; q >= 0; q -= n) {
            typename tl::reg r[n];
            tile_at(q, r);
            for (int k = 0; k < n; ++k) tl::store(n, dst + k * row_stride + q, r[k]);
        }
        return;
    }
    const bool aligned_rows =
        stream &&
        (reinterpret_cast<std::uintptr_t>(dst) | static_cast<std::uintptr_t>(row_stride) * sizeof(T)) % 64 == 0;
    constexpr Eigen::Index staged_stream_columns = 64;
    if (stream && !aligned_rows && row_stride == cols && cols <= staged_stream_columns &&
        reinterpret_cast<std::uintptr_t>(dst) % 64 == 0) {
        alignas(64) T block[n * staged_stream_columns];
        store_columns(block, row_stride, cols, buf, false);
        for (Eigen::Index l = 0; l < cols; ++l) tl::stream(dst + l * n, tl::load(n, block + l * n));
        return;
    }
    for (Eigen::Index q = 0; q < cols; q += n) {
        typename tl::reg r[n];
        const int w = tile_at(q, r);
        if (aligned_rows && w == n)
            for (int k = 0; k < n; ++k) tl::stream(dst + k * row_stride + q, r[k]);
        else
            for (int k = 0; k < n; ++k) tl::store(w, dst + k * row_stride + q, r[k]);
    }
}
#else
template <class T> inline constexpr int tile_rows = 0;
template <class T> inline constexpr int max_narrow_columns = 0;
#endif

}  // namespace LOSSC_ISA
}  // namespace lossc::simd
