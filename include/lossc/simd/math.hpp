// lossc — packet versions of the scalar math (math/scalar.hpp), in lossc::simd beside pack<T>:
// an op's rule calls them unqualified (`using math::exp; exp(x)`) and argument-dependent lookup
// finds them for packs, so the expression layer needs no SIMD header. lossc::math re-exports
// them at the end for the lowering's qualified calls on values that may be scalars or packs. Eigen's packet exp/log are
// the core; their special values are fixed here: Eigen clamps the argument of exp to about ±88.4 (float) and ±709.4
// (double), so exp(-inf) would not be 0, exp(+inf) not inf, results near the ends of the range wrong, and a NaN
// argument replaced by a bound; float log flushes subnormals. log1p, expm1 (missing for double in Eigen 3.4), tanh,
// cosh and sinh are built on them with the same formulas as the constexpr versions. pow has no packet rule beyond whole
// constant exponents (pow_const): it runs lane by lane (std::pow).
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "../math/scalar.hpp"
#include "pack.hpp"

namespace lossc::simd {
inline namespace LOSSC_ISA {

namespace ei = Eigen::internal;

template <class T> pack<T> abs(pack<T> x) { return pack<T>(ei::pabs(x.v)); }
/// Halves away from zero, as std::round. Eigen's pround needs SSE4.1; print (halves to even) is
/// everywhere: a result half below |x| moves up.
template <class T> pack<T> round(pack<T> x) {
    const pack<T> a = abs(x);
    pack<T> r(ei::print(a.v));
    r = simd::select(simd::eq(a - r, pack<T>(T(0.5))), r + pack<T>(T(1)), r);
    return simd::select(simd::lt(x, pack<T>(T(0))), -r, r);
}
template <class T> pack<T> isnan(pack<T> x) { return simd::as_value(simd::is_nan(x)); }
/// NaN-propagating, with the scalar rule's tie behaviour: max(a, b) = a > b || isnan(a) ? a : b.
/// Eigen's pmax(b, a) is maxps(a, b) = a > b ? a : b, the rule wherever a is not NaN.
template <class T> pack<T> max(pack<T> a, pack<T> b) {
    return simd::select(simd::is_nan(a), a, pack<T>(ei::pmax(b.v, a.v)));
}
template <class T> pack<T> min(pack<T> a, pack<T> b) {
    return simd::select(simd::is_nan(a), a, pack<T>(ei::pmin(b.v, a.v)));
}
template <class T> pack<T> sign(pack<T> x) {
    const pack<T> zero(T(0));
    return simd::select(simd::lt(zero, x), pack<T>(T(1)), simd::select(simd::lt(x, zero), pack<T>(T(-1)), x));
}

// ---- polynomials ------------------------------------------------------------------------------
/// c[From] + c[From+1]·x + … + c[To−1]·x^(To−1−From) by Horner's rule, in raw packets (Eigen's,
/// or a scalar with the scalar backend).
template <std::size_t From, std::size_t To, class Packet, std::size_t N> Packet horner(Packet x, const double (&c)[N]) {
    static_assert(From < To && To <= N);
    using S = typename ei::unpacket_traits<Packet>::type;
    Packet y = ei::pset1<Packet>(static_cast<S>(c[To - 1]));
    for (std::size_t i = To - 1; i-- > From;) y = ei::pmadd(y, x, ei::pset1<Packet>(static_cast<S>(c[i])));
    return y;
}
// Fitted coefficients (lowest degree first): Chebyshev approximations in 50-digit arithmetic,
// within a small factor of the minimax polynomial of each degree, printed with their errors by
// docs/numerics/fit_polynomials.py.
/// q(r) = (e^r − 1 − r)/r² on [−ln2/32, ln2/32] (double exp after its table step), degree 4:
/// 2.8e-17 relative to e^r, a quarter of an ulp at most (the interval of ln2/2 that a reduction
/// without table leaves needs degree 9 for as little).
inline constexpr double exp_fit_q16[] = {0.5, 0.1666666666530169, 0.04166666666496045, 0.008333449701253456,
                                         0.0013889034348599464};
/// 2^(j/16), j = 0 … 15, correctly rounded: the table of the double exp.
inline constexpr double exp2_sixteenths[] = {1.0,
                                             1.0442737824274138,
                                             1.0905077326652577,
                                             1.1387886347566916,
                                             1.189207115002721,
                                             1.241857812073484,
                                             1.2968395546510096,
                                             1.3542555469368927,
                                             1.4142135623730951,
                                             1.4768261459394993,
                                             1.5422108254079407,
                                             1.6104903319492543,
                                             1.681792830507429,
                                             1.7562521603732995,
                                             1.8340080864093424,
                                             1.9152065613971474};
/// The float exp's: q of degree 1 on the same interval, 4.6e-9 relative to e^r (0.08 float ulp),
/// and the table rounded to float.
inline constexpr double exp_fit_q16_float[] = {0.5000097749180301, 0.16666862164590476};
inline constexpr std::array<float, 16> exp2_sixteenths_float = [] {
    std::array<float, 16> t{};
    for (std::size_t j = 0; j < t.size(); ++j) t[j] = static_cast<float>(exp2_sixteenths[j]);
    return t;
}();
/// G(z) = (atanh(s)/s − 1)/z with z = s² on [0, 1/9] (log1p_unit): degree 9 for double,
/// 4.5e-17 (5e-18 relative to log1p); degree 3 for float, 1.5e-7 (1.6e-8 relative).
inline constexpr double atanh_fit_g_double[] = {
    0.3333333333333333,  0.20000000000007292, 0.1428571428355438,  0.11111111358713932, 0.09090894718066429,
    0.07692785032479312, 0.06657072104827468, 0.06000536404795356, 0.04400369243072337, 0.08082022805971766};
inline constexpr double atanh_fit_g_float[] = {0.33333320168349617, 0.20003780322455603, 0.1411830990265524,
                                               0.13425749011418575};

/// e^x = y·2^k for float lanes: Cody–Waite reduction x = k ln2 + r with |r| ≤ ln2/2 and Cephes'
/// degree-5 polynomial for y = e^r (about 1 ulp). How 2^k is applied is the caller's.
#if !defined(LOSSC_SCALAR_BACKEND)
inline void exp_reduced(pack<float>::packet x, pack<float>::packet& k, pack<float>::packet& y) {
    using P = pack<float>::packet;
    // Without SSE4.1's roundps, Eigen's print is nine instructions and a barrier; k is below 2^22
    // here, where adding and subtracting 1.5·2^23 rounds to nearest, even on ties, as print does.
#ifdef EIGEN_VECTORIZE_SSE4_1
    k = ei::print(ei::pmul(x, ei::pset1<P>(1.44269504088896341f)));
#else
    const P magic = ei::pset1<P>(12582912.0f);
    k = ei::psub(ei::padd(ei::pmul(x, ei::pset1<P>(1.44269504088896341f)), magic), magic);
#endif
    P r = ei::pmadd(k, ei::pset1<P>(-0.693359375f), x);
    r = ei::pmadd(k, ei::pset1<P>(2.12194440e-4f), r);
    y = ei::pset1<P>(1.9875691500e-4f);
    y = ei::pmadd(y, r, ei::pset1<P>(1.3981999507e-3f));
    y = ei::pmadd(y, r, ei::pset1<P>(8.3334519073e-3f));
    y = ei::pmadd(y, r, ei::pset1<P>(4.1665795894e-2f));
    y = ei::pmadd(y, r, ei::pset1<P>(1.6666665459e-1f));
    y = ei::pmadd(y, r, ei::pset1<P>(5.0000001201e-1f));
    y = ei::padd(ei::pmadd(y, ei::pmul(r, r), r), ei::pset1<P>(1.0f));
}
#endif
/// e^x for float lanes with |x| ≤ 80 and no NaN, with 2^k made from exponent bits (k stays in
/// the normal range). Eigen 3.4's generic pexp builds 2^k with its fully general pldexp, several
/// times the instructions (docs/perf-log.md).
// Naming Eigen's integer packet through unpacket_traits<Packet> trips GCC's -Wignored-attributes
// (packet types carry alignment attributes that template arguments drop, harmlessly here).
#if !defined(LOSSC_SCALAR_BACKEND)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
inline pack<float> exp_in_range(pack<float> x) {
    using P = pack<float>::packet;
    using I = typename ei::unpacket_traits<P>::integer_packet;
    P k, y;
    exp_reduced(x.v, k, y);
    const I bits = ei::plogical_shift_left<23>(ei::padd(ei::pcast<P, I>(k), ei::pset1<I>(127)));
    return pack<float>(ei::pmul(y, ei::preinterpret<P>(bits)));
}
#pragma GCC diagnostic pop
#endif

#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
/// AVX-512: e^x = 2^(n/16)·e^r with n = round(16x/ln2), |r| ≤ ln2/32, as the double exp below:
/// 2^(n mod 16 / 16) from a table of 16 in one register (one vpermps indexed by n's low bits, as
/// x/ln2 + 1.5·2^19 holds them), e^r − 1 = r + r²·q(r) with q of degree 1, and 2^floor(n/16) applied
/// by vscalefps, which floors its exponent operand, rounds once and takes overflow to inf and
/// underflow through the subnormals to 0 itself: no special path and no branch. Against the
/// reduction by ln2 with Cephes' degree-5 polynomial (exp_reduced, still the portable path's):
/// three multiply-adds fewer, float bce1 0.705 → 0.653, cce10 0.954 → 0.883, cce1000 0.541 →
/// 0.507 ns per element in L1; 1.016 ulp worst against 1.010 over every 7th float of the range.
/// The argument is clamped to [−104, 89] first, beyond which e^x rounds to 0 or inf anyway; NaN
/// passes both clamps (maxps and minps return their second operand when one is NaN).
inline constexpr bool has_scalef_exp = true;
/// e^x for x ≥ −104 (or NaN) and no more than 89.
inline pack<float> exp_scalef_clamped(__m512 xc) {
    // m = n/16 = x/ln2 rounded to sixteenths by adding 1.5·2^19 (whose ulp is 1/16): n mod 16 is
    // then the low bits of mm, and vscalefps takes 2^floor(m) from m itself.
    const __m512 shift = _mm512_set1_ps(786432.0f);
    const __m512 mm = _mm512_fmadd_ps(xc, _mm512_set1_ps(1.44269504088896341f), shift);
    const __m512 m = _mm512_sub_ps(mm, shift);
    // ln2 in two parts, the first of 9 significant bits: m·hi is exact (|m| < 2^8, 4 fraction bits).
    __m512 r = _mm512_fnmadd_ps(m, _mm512_set1_ps(0.693359375f), xc);
    r = _mm512_fnmadd_ps(m, _mm512_set1_ps(-2.12194440e-4f), r);
    const __m512 t = _mm512_permutexvar_ps(_mm512_castps_si512(mm), _mm512_loadu_ps(exp2_sixteenths_float.data()));
    const __m512 q = _mm512_fmadd_ps(r, _mm512_set1_ps(static_cast<float>(exp_fit_q16_float[1])),
                                     _mm512_set1_ps(static_cast<float>(exp_fit_q16_float[0])));
    const __m512 em1 = _mm512_fmadd_ps(q, _mm512_mul_ps(r, r), r);
    return pack<float>(_mm512_scalef_ps(_mm512_fmadd_ps(t, em1, t), m));
}
inline pack<float> exp_scalef(pack<float> x) {
    return exp_scalef_clamped(_mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x.v)));
}
/// Double: e^x = 2^(n/16)·e^r with n = round(16x/ln2), |r| ≤ ln2/32. 2^(n mod 16 / 16) comes
/// from a table of 16 held in two registers (one vpermt2pd, whose index is n's low bits as
/// x/ln2 + 1.5·2^48 holds them), e^r − 1 from a polynomial of degree 6 (r + r²·q(r)), and
/// 2^floor(n/16) is applied by vscalefpd, which takes floor itself (from n/16: no multiply
/// for it). Against the table-free reduction (|r| ≤ ln2/2, degree 11): five multiply-adds fewer
/// and a shorter chain; Eigen 3.4's double pexp (a rational approximation, a division and a
/// general ldexp) costs about twice as much (docs/perf-log.md).
/// Clamped to [−746, 710] (NaN passes, as in float's).
inline pack<double> exp_scalef_clamped(__m512d xc) {
    // m = n/16 = x/ln2 rounded to sixteenths by adding 1.5·2^48 (whose ulp is 1/16): n mod 16 is
    // then the low bits of mm, and vscalefpd takes 2^floor(m) from m itself.
    const __m512d shift = _mm512_set1_pd(422212465065984.0);
    const __m512d mm = _mm512_fmadd_pd(xc, _mm512_set1_pd(1.4426950408889634), shift);
    const __m512d m = _mm512_sub_pd(mm, shift);
    // ln2 in two parts, the first of 32 significant bits: m·hi is exact (|m| < 2^11, 4 fraction bits).
    __m512d r = _mm512_fnmadd_pd(m, _mm512_set1_pd(0.693147180369123816490), xc);
    r = _mm512_fnmadd_pd(m, _mm512_set1_pd(1.90821492927058770002e-10), r);
    const __m512d t = _mm512_permutex2var_pd(_mm512_loadu_pd(exp2_sixteenths), _mm512_castpd_si512(mm),
                                             _mm512_loadu_pd(exp2_sixteenths + 8));
    const __m512d em1 = _mm512_fmadd_pd(horner<0, 5>(r, exp_fit_q16), _mm512_mul_pd(r, r), r);
    return pack<double>(_mm512_scalef_pd(_mm512_fmadd_pd(t, em1, t), m));
}
inline pack<double> exp_scalef(pack<double> x) {
    return exp_scalef_clamped(_mm512_min_pd(_mm512_set1_pd(710.0), _mm512_max_pd(_mm512_set1_pd(-746.0), x.v)));
}
#else
inline constexpr bool has_scalef_exp = false;
inline pack<float> exp_scalef(pack<float> x) { return x; }
inline pack<double> exp_scalef(pack<double> x) { return x; }
#endif

/// Beyond ±this, exp_portable leaves Eigen's fast exp for exp_near_ends.
template <class T> inline constexpr T exp_fast_bound = std::is_same_v<T, float> ? T(80) : T(700);
template <class T> [[gnu::noinline, gnu::cold]] pack<T> exp_near_ends(pack<T> x);
/// e^x without vscalef: Eigen's clamp (or exp_in_range) plus the repairs of exp_near_ends.
template <class T> pack<T> exp_portable(pack<T> x) {
    // Inside Eigen's clamp everything is accurate. The rare packet with a lane near or beyond
    // the ends (or NaN) takes the careful path, out of line: inlined, its constants held 16 ymm
    // registers in the softmax's exp-sum loop, which kept its running sum on the stack.
    const pack<T> hi(exp_fast_bound<T>), lo(-exp_fast_bound<T>);
    if (simd::any(simd::lt(hi, x) | simd::lt(x, lo) | simd::is_nan(x))) [[unlikely]]
        return exp_near_ends(x);
#if !defined(LOSSC_SCALAR_BACKEND)
    if constexpr (std::is_same_v<T, float>) return exp_in_range(x);
#endif
    return pack<T>(ei::pexp(x.v));
}
/// Shift the argument into range and scale back, which keeps results that overflow or are
/// subnormal right.
template <class T> pack<T> exp_near_ends(pack<T> x) {
    using lim = std::numeric_limits<T>;
    constexpr bool f = std::is_same_v<T, float>;
    const pack<T> hi(exp_fast_bound<T>), lo(-exp_fast_bound<T>);
    const auto big = simd::lt(hi, x), small = simd::lt(x, lo);
    const pack<T> shift(f ? T(16) : T(32)), zero(T(0));
    const pack<T> s = simd::select(big, -shift, simd::select(small, shift + shift, zero));
    // In-range lanes go through exactly the fast path's instructions (s = 0 there): a lane's
    // result must not depend on its neighbours, which are other samples across rows.
    pack<T> r;
#if !defined(LOSSC_SCALAR_BACKEND)
    if constexpr (f)
        r = exp_in_range(min(max(x + s, pack<T>(T(-80))), pack<T>(T(80))));
    else
#endif
        r = pack<T>(ei::pexp((x + s).v));
    const pack<T> up(f ? T(8886110.520507872) : T(78962960182680.69)),    // e^16, e^32
        down(f ? T(1.2664165549094176e-14) : T(1.6038108905486378e-28));  // e^-32, e^-64
    r = simd::select(big, r * up, simd::select(small, r * down, r));
    const pack<T> overflow(f ? T(88.72283935546875) : T(709.782712893384)),
        underflow(f ? T(-103.97208) : T(-745.1332191019412));
    r = simd::select(simd::lt(overflow, x), pack<T>(lim::infinity()), r);
    r = simd::select(simd::lt(x, underflow), zero, r);
    return simd::select(simd::is_nan(x), x, r);
}
template <class T> pack<T> exp(pack<T> x) {
    if constexpr (has_scalef_exp)
        return exp_scalef(x);
    else
        return exp_portable(x);
}

#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
/// Float log with AVX-512's exponent and mantissa extraction: x = m·2^k by vgetexpps and
/// vgetmantps (subnormals included, no bit tricks), m brought into [√½, √2), then Cephes'
/// polynomial for log(1 + f) — Eigen's plog's, evaluated in two halves so that the chain is
/// shorter. NaN and negative arguments give NaN by vgetmantps's sign control; ±0 and +inf are
/// set by two blends, subnormals scaled into the normal range first. Shorter and with no branch,
/// against Eigen's plog plus the subnormal repair (cce10's one log per block of rows was a
/// visible share of its time: docs/perf-log.md).
inline pack<float> log_getmant(pack<float> x) {
    // Subnormals scaled by 2^23 first (this core's vgetexpps did not normalise them).
    const __mmask16 sub = _mm512_cmp_ps_mask(x.v, _mm512_set1_ps(std::numeric_limits<float>::min()), _CMP_LT_OQ);
    const __m512 xs = _mm512_mask_mul_ps(x.v, sub, x.v, _mm512_set1_ps(8388608.0f));
    __m512 m = _mm512_getmant_ps(xs, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_nan);
    const __m512 e = _mm512_getexp_ps(xs);
    __m512 k = _mm512_mask_sub_ps(e, sub, e, _mm512_set1_ps(23.0f));
    const __mmask16 big = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356237f), _CMP_GT_OQ);
    m = _mm512_mask_mul_ps(m, big, m, _mm512_set1_ps(0.5f));
    k = _mm512_mask_add_ps(k, big, k, _mm512_set1_ps(1.0f));
    const __m512 f = _mm512_sub_ps(m, _mm512_set1_ps(1.0f)), z = _mm512_mul_ps(f, f);
    auto c = [](float v) { return _mm512_set1_ps(v); };
    // P(f) = p0 + p1 f + … + p8 f^8 as (p0 + p1 f + p2 f² + p3 f³) + f⁴ (p4 + … + p8 f⁴).
    const __m512 lo = _mm512_fmadd_ps(_mm512_fmadd_ps(c(-1.6668057665e-1f), f, c(2.0000714765e-1f)), z,
                                      _mm512_fmadd_ps(c(-2.4999993993e-1f), f, c(3.3333331174e-1f)));
    __m512 hi = _mm512_fmadd_ps(c(7.0376836292e-2f), f, c(-1.1514610310e-1f));
    hi = _mm512_fmadd_ps(hi, f, c(1.1676998740e-1f));
    hi = _mm512_fmadd_ps(hi, f, c(-1.2420140846e-1f));
    hi = _mm512_fmadd_ps(hi, f, c(1.4249322787e-1f));
    const __m512 p = _mm512_fmadd_ps(hi, _mm512_mul_ps(z, z), lo);
    __m512 y = _mm512_mul_ps(_mm512_mul_ps(p, f), z);
    y = _mm512_fmadd_ps(k, c(-2.12194440e-4f), y);
    y = _mm512_fmadd_ps(z, c(-0.5f), y);
    __m512 r = _mm512_fmadd_ps(k, c(0.693359375f), _mm512_add_ps(f, y));
    // ±0 → −inf (−0's sign makes vgetmantps return NaN), +inf → inf (k·ln 2 in two parts is
    // inf − inf there).
    const __mmask16 zero = _mm512_cmp_ps_mask(x.v, _mm512_setzero_ps(), _CMP_EQ_OQ);
    const __mmask16 inf = _mm512_cmp_ps_mask(x.v, _mm512_set1_ps(std::numeric_limits<float>::infinity()), _CMP_EQ_OQ);
    r = _mm512_mask_mov_ps(r, inf, x.v);
    return pack<float>(_mm512_mask_mov_ps(r, zero, _mm512_set1_ps(-std::numeric_limits<float>::infinity())));
}
#endif

/// e^x for x ≤ 0 or NaN (anything else: an unspecified value, maybe NaN), as logsumexp's
/// x − max(x) of a row with a finite maximum are; rows without one discard their exps. With
/// vscalef, only the lower clamp of exp_scalef is needed: one instruction less per exp.
template <class T> pack<T> exp_nonpositive(pack<T> x) {
#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
    if constexpr (std::is_same_v<T, float>)
        return exp_scalef_clamped(_mm512_max_ps(_mm512_set1_ps(-104.0f), x.v));
    else
        return exp_scalef_clamped(_mm512_max_pd(_mm512_set1_pd(-746.0), x.v));
#endif
    return exp(x);
}

template <class T> pack<T> log(pack<T> x) {
    using lim = std::numeric_limits<T>;
    constexpr bool f = std::is_same_v<T, float>;
#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
    if constexpr (f) return log_getmant(x);
#endif
    // Normal, finite, positive lanes only: Eigen's plog as it is. Otherwise fix the rest.
    const auto normal = simd::le(pack<T>(lim::min()), x) & simd::lt(x, pack<T>(lim::infinity()));
    if (!simd::any(!normal)) return pack<T>(ei::plog(x.v));
    // Subnormal arguments: scale into the normal range, subtract the scale's log.
    const auto sub = simd::lt(x, pack<T>(lim::min())) & simd::lt(pack<T>(T(0)), x);
    const pack<T> scale(f ? T(8388608.0) : T(4503599627370496.0));  // 2^23, 2^52
    const pack<T> scaled = simd::select(sub, x * scale, x);
    pack<T> r(ei::plog(scaled.v));
    const pack<T> ln_scale(f ? T(15.942385152878742) : T(36.04365338911715));  // 23 ln 2, 52 ln 2
    r = simd::select(sub, r - ln_scale, r);
    r = simd::select(simd::eq(x, pack<T>(T(0))), pack<T>(-lim::infinity()), r);
    r = simd::select(simd::eq(x, pack<T>(lim::infinity())), x, r);
    r = simd::select(simd::lt(x, pack<T>(T(0))), pack<T>(lim::quiet_NaN()), r);
    return simd::select(simd::is_nan(x), x, r);
}

/// log(1+x) = log(u)·x/(u−1) with u = 1+x (Goldberg): exact where u == 1.
template <class T> pack<T> log1p(pack<T> x) {
    const pack<T> one(T(1));
    const pack<T> u = one + x;
    const pack<T> r = log(u) * (x / (u - one));
    const auto is_inf = simd::eq(x, pack<T>(std::numeric_limits<T>::infinity()));
    return simd::select(simd::eq(u, one) | is_inf, x, r);
}

/// e^x − 1 by Kahan's correction: (u−1)·x/log(u) with u = e^x.
template <class T> pack<T> expm1(pack<T> x) {
    const pack<T> one(T(1));
    const pack<T> u = exp(x);
    const pack<T> um1 = u - one;
    pack<T> r = um1 * x / log(u);
    // Away from 0 e^x − 1 has no cancellation to correct, and (u − 1)·x overflows before e^x does.
    r = simd::select(simd::lt(one, abs(x)), um1, r);
    r = simd::select(simd::eq(u, one), x, r);
    r = simd::select(simd::eq(um1, -one), -one, r);
    r = simd::select(simd::eq(u, pack<T>(std::numeric_limits<T>::infinity())), u, r);
    return simd::select(simd::is_nan(x), x, r);
}

template <class T> pack<T> tanh(pack<T> x) {
    const pack<T> a = abs(x);
    const pack<T> e = expm1(a + a);
    pack<T> t = e / (e + pack<T>(T(2)));
    t = simd::select(simd::lt(pack<T>(std::is_same_v<T, float> ? T(9) : T(22)), a), pack<T>(T(1)), t);
    return simd::select(simd::lt(x, pack<T>(T(0))), -t, t);
}

/// cosh from h = e^(|x|/2) as (h/2)·h + (1/2)/(h·h), cx::cosh's formula: no cancellation, and
/// finite up to where cosh overflows (e^|x| alone overflows first).
template <class T> pack<T> cosh(pack<T> x) {
    const pack<T> half(T(0.5));
    const pack<T> h = exp(abs(x) * half);
    return (h * half) * h + half / (h * h);
}
/// cx::sinh's formula and series table, without branches (7 terms in float, 11 in double).
template <class T> pack<T> sinh(pack<T> x) {
    const pack<T> half(T(0.5));
    const pack<T> a = abs(x), z = x * x;
    constexpr int terms = std::is_same_v<T, float> ? 7 : 11;
    pack<T> p(static_cast<T>(cx::sinh_series[terms - 1]));
    for (int k = terms - 2; k >= 0; --k)
        p = pack<T>(ei::pmadd(p.v, z.v, pack<T>(static_cast<T>(cx::sinh_series[k])).v));
    const pack<T> near_zero = pack<T>(ei::pmadd((x * z).v, p.v, x.v));
    const pack<T> h = exp(a * half);
    const pack<T> s = (h * half) * h - half / (h * h);
    const pack<T> away = simd::select(simd::lt(x, pack<T>(T(0))), -s, s);
    return simd::select(simd::lt(a, pack<T>(T(cx::sinh_series_below))), near_zero, away);
}

/// Lane by lane, out of line: a call clobbers the vector registers anyway, and the loop is one
/// copy per type instead of one per use in every block.
template <class T> [[gnu::noinline]] pack<T> pow(pack<T> x, pack<T> p) {
    alignas(64) T xs[pack<T>::width], ps[pack<T>::width];
    x.store(xs);
    p.store(ps);
    for (int l = 0; l < pack<T>::width; ++l) xs[l] = std::pow(xs[l], ps[l]);
    return pack<T>::load(xs);
}
/// atan lane by lane (<cmath>): losses take it a few times per sample (box aspect ratios, angles),
/// where a packet polynomial would not pay for its code.
template <class T> [[gnu::noinline]] pack<T> atan(pack<T> x) {
    alignas(64) T xs[pack<T>::width];
    x.store(xs);
    for (int l = 0; l < pack<T>::width; ++l) xs[l] = std::atan(xs[l]);
    return pack<T>::load(xs);
}
/// x^p with one exponent for every lane (pow(x, constant)): a whole exponent from 0 to
/// max_multiplied_exponent by multiplications (x² is x·x, rounded once as std::pow rounds it;
/// x³ within 1.3 ulp, x⁴ within 1.9: each squaring doubles the error before it, so that x^16
/// was 11 ulp off), which keeps the focal losses' (1 − p)^γ off the lane-by-lane std::pow; any
/// other exponent lane by lane. The branch is the same for every element of a call. Out of
/// line: inlined into every block it cost the focal forms up to a second of compile time, as
/// a call about a tenth of its run-time gain (docs/perf-log.md).
inline constexpr double max_multiplied_exponent = 4;
template <class T> [[gnu::noinline]] pack<T> pow_const(pack<T> x, double p) {
    if (p >= 0 && p <= max_multiplied_exponent && p == static_cast<double>(static_cast<int>(p))) {
        auto n = static_cast<unsigned>(p);
        pack<T> r(T(1)), b = x;  // 1·b is b exactly (−0, inf and NaN included)
        for (;;) {
            if (n & 1u) r = r * b;
            n >>= 1u;
            if (n == 0) return r;
            b = b * b;
        }
    }
    return pow(x, pack<T>(static_cast<T>(p)));
}

/// log(1 + e) for e in [0, 1] (or NaN), as softplus needs it for e = exp(−|x|): 2·atanh(s) with
/// s = e/(2 + e) in [0, 1/3], that is 2s + 2s·z·G(z) with z = s² ≤ 1/9 and G the fitted
/// polynomial above (degree 3 in float, 9 in double, against 5 and 14 for the Taylor series
/// 1/3 + z/5 + z²/7 + … to the same accuracy). One division and a short chain, against a
/// general log (exponent split, wider polynomial, special values) and a second division for
/// log1p's correction: within 2 ulp of log1p, exact at 0, and no cancellation anywhere.
template <class T> pack<T> log1p_unit(pack<T> e) {
    const pack<T> s = e / (pack<T>(T(2)) + e), z = s * s;
    pack<T> g;
    if constexpr (std::is_same_v<T, float>)
        g = pack<T>(horner<0, 4>(z.v, atanh_fit_g_float));
    else
        g = pack<T>(horner<0, 10>(z.v, atanh_fit_g_double));
    const pack<T> s2 = s + s;
    return pack<T>(ei::pmadd((s2 * z).v, g.v, s2.v));
}

// Stable compound functions: the same formulas as the scalar versions, without branches.
// softplus and sigmoid are both made from e = exp(−|x|); the *_from forms take e given, so that
// a kernel computing both for the same x (BCE from logits: softplus in the loss, sigmoid in its
// gradient) makes one exp and gets exactly the values of the plain forms.
template <class T> pack<T> exp_neg_abs(pack<T> x) {
#if defined(EIGEN_VECTORIZE_AVX512) && !defined(LOSSC_SCALAR_BACKEND)
    // −|x| is x with its sign bit set: one instruction (an integer `or`: AVX-512F has no
    // floating-point one without DQ).
    if constexpr (std::is_same_v<T, float>)
        return exp_nonpositive(
            pack<T>(_mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x.v), _mm512_set1_epi32(INT32_MIN)))));
    else
        return exp_nonpositive(
            pack<T>(_mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(x.v), _mm512_set1_epi64(INT64_MIN)))));
#endif
    return exp_nonpositive(-abs(x));
}
/// max(x, 0) in one instruction (Eigen's pmax returns its first operand when either is NaN):
/// differs from max's rule only at x = −0, where softplus adds log 2 to either zero.
template <class T> pack<T> softplus_from(pack<T> x, pack<T> e) {
    return pack<T>(ei::pmax(x.v, pack<T>(T(0)).v)) + log1p_unit(e);
}
/// One division: 1/(1 + e), times e for negative x.
template <class T> pack<T> sigmoid_from(pack<T> x, pack<T> e) {
    const pack<T> r = pack<T>(T(1)) / (pack<T>(T(1)) + e);
    return simd::select(simd::le(pack<T>(T(0)), x), r, e * r);
}
template <class T> pack<T> softplus(pack<T> x) { return softplus_from(x, exp_neg_abs(x)); }
template <class T> pack<T> sigmoid(pack<T> x) { return sigmoid_from(x, exp_neg_abs(x)); }
/// As the scalar log_cosh: the series below 3/4 (math/scalar.hpp), the formula above.
template <class T> pack<T> log_cosh(pack<T> x) {
    const pack<T> a = abs(x), z = a * a;
    pack<T> y(static_cast<T>(math::log_cosh_series[math::log_cosh_terms<T> - 1]));
    for (int k = math::log_cosh_terms<T> - 2; k >= 0; --k)
        y = pack<T>(ei::pmadd(y.v, z.v, pack<T>(static_cast<T>(math::log_cosh_series[k])).v));
    const pack<T> far = a + log1p_unit(exp(pack<T>(T(-2)) * a)) - pack<T>(T(0.693147180559945309417232121458176568));
    return simd::select(simd::lt(a, pack<T>(T(math::log_cosh_series_below))), y * z, far);
}

// Comparisons as 1/0 values, and select on a value, for packs.
template <class T> pack<T> less(pack<T> a, pack<T> b) { return simd::as_value(simd::lt(a, b)); }
template <class T> pack<T> less_equal(pack<T> a, pack<T> b) { return simd::as_value(simd::le(a, b)); }
template <class T> pack<T> equal(pack<T> a, pack<T> b) { return simd::as_value(simd::eq(a, b)); }
template <class T> pack<T> not_equal(pack<T> a, pack<T> b) { return simd::as_value(!simd::eq(a, b)); }
/// c ≠ 0 ? a : b
template <class T> pack<T> select_nonzero(pack<T> c, pack<T> a, pack<T> b) {
    return simd::select(simd::eq(c, pack<T>(T(0))), b, a);
}
template <class T> pack<T> isfinite(pack<T> x) {
    const pack<T> a = abs(x);
    return simd::as_value(simd::lt(a, pack<T>(std::numeric_limits<T>::infinity())));
}

}  // namespace LOSSC_ISA
}  // namespace lossc::simd

namespace lossc::math {
// The packet overloads under their scalar names, for qualified calls (math::exp(v)) in code that
// includes this header and evaluates scalars or packs alike.
using simd::abs;
using simd::atan;
using simd::cosh;
using simd::equal;
using simd::exp;
using simd::exp_neg_abs;
using simd::exp_nonpositive;
using simd::expm1;
using simd::has_scalef_exp;
using simd::isfinite;
using simd::isnan;
using simd::less;
using simd::less_equal;
using simd::log;
using simd::log1p;
using simd::log1p_unit;
using simd::log_cosh;
using simd::max;
using simd::min;
using simd::not_equal;
using simd::pow;
using simd::pow_const;
using simd::round;
using simd::select_nonzero;
using simd::sigmoid;
using simd::sigmoid_from;
using simd::sign;
using simd::sinh;
using simd::softplus;
using simd::softplus_from;
using simd::sqrt;
using simd::tanh;
}  // namespace lossc::math
