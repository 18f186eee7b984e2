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
# The reduction r = x - m ln2 with m = n/16 (x/ln2 rounded to sixteenths): ln2 in two parts, the
# first with few enough significant bits that m hi is exact (double: 32 bits, |m| < 2^11 with 4
# fraction bits; float: 9 bits, |m| < 2^8), as Cephes' exp has them.
ln2 = mp.log(2)
hi_d = mp.ldexp(mp.floor(mp.ldexp(ln2, 32)), -32)
hi_f = mp.ldexp(mp.nint(mp.ldexp(ln2, 9)), -9)
print(f"// double: 1/ln2 = {float(1 / ln2)!r}, ln2 = {float(hi_d)!r} + {float(ln2 - hi_d)!r}")
print(f"// float: ln2 = {float(hi_f)!r}f + {float(ln2 - hi_f)!r}f")
print(f"inline constexpr double exp2_sixteenths[] = {{{', '.join(repr(float(mp.power(2, mp.mpf(j) / 16))) for j in range(16))}}};")
# log1p(e) = 2s (1 + z G): G's error times z / (1 + z G) <= 1/9 is the error relative to log1p.
fit("atanh_fit_g_double", atanh_g, 0, mp.mpf(1) / 9, 9, mp.mpf(1) / 9, "relative to log1p")
fit("atanh_fit_g_float", atanh_g, 0, mp.mpf(1) / 9, 3, mp.mpf(1) / 9, "relative to log1p")
