#!/usr/bin/env python3
"""Coefficients of lossc's fitted polynomials (include/lossc/simd/math.hpp).

Each is a Chebyshev approximation (mpmath.chebyfit, 50 digits), which is within a small factor of
the minimax polynomial of its degree, converted to monomial coefficients and rounded to double.
Run with any Python that has mpmath (the bench venv has it: build/bench-venv/bin/python):

    python docs/numerics/fit_polynomials.py

It prints each fit's error and the C++ array, lowest degree first, as math.hpp holds it.
"""
import mpmath as mp

mp.mp.dps = 50


def exp_q(r):
    """(e^r - 1 - r) / r^2, the part of e^r the polynomial supplies."""
    if abs(r) < mp.mpf("1e-20"):
        return mp.mpf(1) / 2 + r / 6
    return (mp.exp(r) - 1 - r) / r**2


def atanh_g(z):
    """(atanh(s)/s - 1) / z with z = s^2: log1p(e) = 2s + 2s z G(z), s = e/(2 + e)."""
    if z < mp.mpf("1e-30"):
        return mp.mpf(1) / 3 + z / 5
    s = mp.sqrt(z)
    return (mp.atanh(s) / s - 1) / z


def fit(name, f, lo, hi, degree, scale, scale_note):
    coeffs, err = mp.chebyfit(f, [lo, hi], degree + 1, error=True)
    low_first = [float(c) for c in reversed(coeffs)]
    print(f"// {name}: degree {degree} on [{mp.nstr(lo, 6)}, {mp.nstr(hi, 6)}], "
          f"error {mp.nstr(err, 3)} ({mp.nstr(err * scale, 3)} {scale_note})")
    print(f"inline constexpr double {name}[] = {{{', '.join(repr(c) for c in low_first)}}};")


h = mp.log(2) / 32
# Double exp after its table step (|r| <= ln2/32): e^r = 1 + r + r^2 q(r); q's error times
# r^2 / e^r is the error relative to e^r.
fit("exp_fit_q16", exp_q, -h, h, 4, h**2 / mp.exp(-h), "relative to e^r")
fit("exp_fit_q16_float", exp_q, -h, h, 1, h**2 / mp.exp(-h), "relative to e^r")
# ln2/16 in two parts for the reduction r = x - n ln2/16, the first with 20 trailing zero bits
# (n hi exact for |n| < 2^20), and 16/ln2.
ln2_16 = mp.log(2) / 16
ln2_16_hi = float(mp.ldexp(mp.floor(mp.ldexp(ln2_16, 37)), -37))  # 33 significant bits: 2^-5 ... 2^-37
print(f"// 16/ln2 = {float(16 / mp.log(2))!r}, ln2/16 = {ln2_16_hi!r} + {float(ln2_16 - ln2_16_hi)!r}")
# Float: the first part of 12 significant bits (|n| < 2^12); the values as float32 rounds them.
ln2_16_hi_f = float(mp.ldexp(mp.floor(mp.ldexp(ln2_16, 16)), -16))
print(f"// float: 16/ln2 = {float(16 / mp.log(2))!r}f, ln2/16 = {ln2_16_hi_f!r}f + {float(ln2_16 - ln2_16_hi_f)!r}f")
print(f"inline constexpr double exp2_sixteenths[] = {{{', '.join(repr(float(mp.power(2, mp.mpf(j) / 16))) for j in range(16))}}};")
# log1p(e) = 2s (1 + z G): G's error times z / (1 + z G) <= 1/9 is the error relative to log1p.
fit("atanh_fit_g_double", atanh_g, 0, mp.mpf(1) / 9, 9, mp.mpf(1) / 9, "relative to log1p")
fit("atanh_fit_g_float", atanh_g, 0, mp.mpf(1) / 9, 3, mp.mpf(1) / 9, "relative to log1p")
