// The packet math (simd/math.hpp) against <cmath> in long double, lane by lane: sweeps over each
// function's range in ulp of the working type, and the special values the kernels rely on
// (exp(-inf) = 0, exp overflow to inf, log(0) = -inf, NaN through everything, subnormal
// arguments and results). Built for the compiler's default packets, for -march=native and for
// the scalar backend (tests/CMakeLists.txt), so that every implementation of a function —
// the AVX-512 exp by vscalefps, the portable one with its careful path — is checked.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <lossc/lossc.hpp>
#include <string>

namespace {

using lossc::simd::pack;

/// Distance from `got` to the exact value `ref` in ulp of T at ref (ulp of the smallest
/// subnormal below it); equal infinities and NaN against NaN are 0, a mismatch is huge.
template <class T> double ulp_error(T got, long double ref) {
    if (std::isnan(ref)) return std::isnan(got) ? 0 : 1e300;
    if (std::isnan(got)) return 1e300;
    const T r = static_cast<T>(ref);
    if (std::isinf(r) || std::isinf(got)) return r == got ? 0 : 1e300;
    const T a = std::abs(r);
    const double ulp = std::max<double>(std::nextafter(a, std::numeric_limits<T>::infinity()) - a,
                                        std::numeric_limits<T>::denorm_min());
    return static_cast<double>(std::abs(static_cast<long double>(got) - ref) / ulp);
}

/// Applies a packet function to n arguments, pack by pack; returns the worst ulp error against
/// the long double reference (so that double's errors are measured, not rounded to whole ulp)
/// and reports where.
template <class T, class F, class R> double worst_ulp(F&& f, R&& ref, const std::vector<T>& xs, std::string& where) {
    constexpr int w = pack<T>::width;
    double worst = 0;
    alignas(64) T in[w], out[w];
    for (std::size_t i = 0; i < xs.size(); i += w) {
        for (int l = 0; l < w; ++l) in[l] = xs[std::min(xs.size() - 1, i + static_cast<std::size_t>(l))];
        f(pack<T>::load(in)).store(out);
        for (int l = 0; l < w; ++l)
            if (const double e = ulp_error(out[l], ref(static_cast<long double>(in[l]))); e > worst)
                worst = e, where = "x = " + std::to_string(static_cast<double>(in[l])) + " gives " +
                                   std::to_string(static_cast<double>(out[l]));
    }
    return worst;
}

/// log cosh x as log1p(2 sinh²(x/2)) in long double (no cancellation near 0), or
/// |x| − log 2 + log1p(e^(−2|x|)) where sinh would overflow.
long double log_cosh_ref(long double x) {
    const long double a = std::abs(x);
    if (a > 20) return a - std::log(2.0L) + std::log1p(std::exp(-2 * a));
    const long double h = std::sinh(a / 2);
    return std::log1p(2 * h * h);
}

template <class T> std::vector<T> sweep(double lo, double hi, int n = 40000) {
    std::vector<T> v;
    for (int i = 0; i <= n; ++i) v.push_back(static_cast<T>(lo + (hi - lo) * i / n));
    return v;
}

template <class T> std::vector<T> specials() {
    using lim = std::numeric_limits<T>;
    return {T(0),
            T(-0.0),
            lim::infinity(),
            -lim::infinity(),
            lim::quiet_NaN(),
            lim::denorm_min(),
            lim::min(),
            -lim::min(),
            lim::max(),
            -lim::max(),
            T(1),
            T(-1),
            T(1e-30),
            T(-1e-30),
            T(88.5),
            T(-88.5),
            T(-100),
            T(700),
            T(-720),
            T(-745),
            T(709.5),
            T(0.5),
            T(2)};
}

}  // namespace

TEST_CASE_TEMPLATE("packet math is within a few ulp of <cmath>, special values included", T, float, double) {
    namespace m = lossc::math;
    constexpr bool f = std::is_same_v<T, float>;
    const double top = f ? 89.0 : 710.0, bottom = f ? -104.0 : -746.0;
    const double exp_bound = m::has_scalef_exp ? 2.0 : 2.5;
    struct fn {
        const char* name;
        std::function<pack<T>(pack<T>)> ours;
        std::function<long double(long double)> ref;
        std::vector<T> args;
        double bound;
    };
    auto with_specials = [](std::vector<T> v) {
        for (T s : specials<T>()) v.push_back(s);
        return v;
    };
    const std::vector<fn> fns = {
        // Without vscalef, results beyond e^±700 (double) are scaled back by a rounded e^±32: one
        // rounding more (2.24 ulp at 702, measured against long double).
        {"exp", [](pack<T> x) { return m::exp(x); }, [](long double x) { return std::exp(x); },
         with_specials(sweep<T>(bottom, top)), exp_bound},
        {"exp near 0", [](pack<T> x) { return m::exp(x); }, [](long double x) { return std::exp(x); },
         sweep<T>(-1e-3, 1e-3), 2},
        // softplus and sigmoid's exp (the sign bit set, then only the lower clamp)
        {"exp_neg_abs", [](pack<T> x) { return m::exp_neg_abs(x); },
         [](long double x) { return std::exp(-std::abs(x)); }, with_specials(sweep<T>(bottom, -bottom)), exp_bound},
        {"log", [](pack<T> x) { return m::log(x); }, [](long double x) { return std::log(x); },
         with_specials(sweep<T>(1e-6, 1e6)), 2},
        {"log of subnormals and of the range's ends", [](pack<T> x) { return m::log(x); },
         [](long double x) { return std::log(x); },
         [] {
             std::vector<T> v;
             for (int k = 1; k < 64; ++k) {
                 v.push_back(std::numeric_limits<T>::denorm_min() * static_cast<T>(3 * k));
                 v.push_back(std::numeric_limits<T>::min() * static_cast<T>(1 + k / 64.0));
                 v.push_back(std::numeric_limits<T>::max() / static_cast<T>(k));
             }
             return v;
         }(),
         2},
        {"log1p", [](pack<T> x) { return m::log1p(x); }, [](long double x) { return std::log1p(x); },
         with_specials(sweep<T>(-0.999, 50)), 4},
        {"log1p_unit", [](pack<T> x) { return m::log1p_unit(x); }, [](long double x) { return std::log1p(x); },
         [] {
             auto v = sweep<T>(0, 1);
             for (int k = 1; k < 140; ++k) v.push_back(static_cast<T>(std::ldexp(1.0, -k)));
             v.push_back(std::numeric_limits<T>::quiet_NaN());
             return v;
         }(),
         3},
        {"expm1", [](pack<T> x) { return m::expm1(x); }, [](long double x) { return std::expm1(x); },
         with_specials(sweep<T>(-30, 30)), 8},
        {"tanh", [](pack<T> x) { return m::tanh(x); }, [](long double x) { return std::tanh(x); },
         with_specials(sweep<T>(-12, 12)), 8},
        // cosh and sinh up to where they overflow (e^|x| overflows first: |x| 88.7–89.4 in float);
        // e^(|x|/2) squared doubles exp's error (3.6 ulp measured for cosh, 4.4 for sinh at 2.1)
        {"cosh", [](pack<T> x) { return m::cosh(x); }, [](long double x) { return std::cosh(x); },
         with_specials(sweep<T>(-(top + 0.4), top + 0.4)), 4},
        {"sinh", [](pack<T> x) { return m::sinh(x); }, [](long double x) { return std::sinh(x); },
         with_specials(sweep<T>(-(top + 0.4), top + 0.4)), 5},
        {"sinh near 0", [](pack<T> x) { return m::sinh(x); }, [](long double x) { return std::sinh(x); },
         [] {
             auto v = sweep<T>(-2.5, 2.5);
             for (int k = 1; k < 120; ++k) v.push_back(static_cast<T>(std::ldexp(-1.0, -k)));
             return v;
         }(),
         5},
        {"softplus", [](pack<T> x) { return m::softplus(x); },
         [](long double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); },
         with_specials(sweep<T>(-120, 120)), 4},
        {"sigmoid", [](pack<T> x) { return m::sigmoid(x); },
         [](long double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); },
         with_specials(sweep<T>(-120, 120)), 4},
        {"log_cosh", [](pack<T> x) { return m::log_cosh(x); }, log_cosh_ref, with_specials(sweep<T>(-40, 40)), 6},
        {"log_cosh near 0", [](pack<T> x) { return m::log_cosh(x); }, log_cosh_ref,
         [] {
             auto v = sweep<T>(-1, 1);
             for (int k = 1; k < 120; ++k) v.push_back(static_cast<T>(std::ldexp(1.0, -k)));
             return v;
         }(),
         6},
        // pow with one exponent: whole ones up to 4 by multiplications (x² rounded once), the
        // others lane by lane (<cmath>).
        {"pow_const 0", [](pack<T> x) { return m::pow_const(x, 0.0); }, [](long double x) { return std::pow(x, 0.0L); },
         with_specials(sweep<T>(-10, 10)), 0},
        {"pow_const 1", [](pack<T> x) { return m::pow_const(x, 1.0); }, [](long double x) { return std::pow(x, 1.0L); },
         with_specials(sweep<T>(-10, 10)), 0},
        {"pow_const 2", [](pack<T> x) { return m::pow_const(x, 2.0); }, [](long double x) { return std::pow(x, 2.0L); },
         with_specials(sweep<T>(-1e3, 1e3)), 0.5},
        {"pow_const 3", [](pack<T> x) { return m::pow_const(x, 3.0); }, [](long double x) { return std::pow(x, 3.0L); },
         with_specials(sweep<T>(-100, 100)), 2},
        {"pow_const 4", [](pack<T> x) { return m::pow_const(x, 4.0); }, [](long double x) { return std::pow(x, 4.0L); },
         with_specials(sweep<T>(-30, 30)), 2},
        {"pow_const 5", [](pack<T> x) { return m::pow_const(x, 5.0); }, [](long double x) { return std::pow(x, 5.0L); },
         with_specials(sweep<T>(-10, 10)), 1},
        {"pow_const 2.5", [](pack<T> x) { return m::pow_const(x, 2.5); },
         [](long double x) { return std::pow(x, 2.5L); }, with_specials(sweep<T>(0, 10)), 1},
        {"pow_const 17", [](pack<T> x) { return m::pow_const(x, 17.0); },
         [](long double x) { return std::pow(x, 17.0L); }, with_specials(sweep<T>(0, 2)), 1},
        {"pow_const -1", [](pack<T> x) { return m::pow_const(x, -1.0); },
         [](long double x) { return std::pow(x, -1.0L); }, with_specials(sweep<T>(-10, 10)), 1},
    };
    for (const auto& fn_ : fns) {
        std::string where;
        const double e = worst_ulp<T>(fn_.ours, fn_.ref, fn_.args, where);
        CHECK_MESSAGE(e <= fn_.bound, std::string(fn_.name) << ": " << e << " ulp at " << where);
        MESSAGE(std::string(fn_.name) << ": worst " << e << " ulp (packet width " << pack<T>::width << ")");
    }
}

TEST_CASE_TEMPLATE("every unary op of the table: its rule on packs against the same rule in long double", T, float,
                   double) {
    // Driven by ops::unary_ops, so that a new op's packet rule is checked without a line here:
    // its test domain widened tenfold, and the special values, within the op's packet_ulp.
    lossc::ops::unary_ops::for_each([](auto op_type) {
        using Op = typename decltype(op_type)::type;
        const Op op = lossc::ops::sample_of<Op>();
        std::vector<T> args = sweep<T>(Op::dom.lo < 0 ? 10 * Op::dom.lo : 0.0, 10 * Op::dom.hi, 20000);
        for (T s : specials<T>()) args.push_back(s);
        std::string where;
        const double e =
            worst_ulp<T>([&](pack<T> x) { return op(x); }, [&](long double x) { return op(x); }, args, where);
        CHECK_MESSAGE(e <= Op::packet_ulp, std::string(Op::name) << ": " << e << " ulp at " << where);
        MESSAGE(std::string(Op::name) << ": worst " << e << " ulp over the table's range (packet width "
                                      << pack<T>::width << ")");
    });
}

TEST_CASE_TEMPLATE("every binary op of the table: its rule on packs against the same rule in long double", T, float,
                   double) {
    // Pairs from a grid over [-3, 3] and the special values, both orders; within 0.5 ulp (the
    // arithmetic ops round once, the others are exact) but pow, which runs <cmath> per lane.
    std::vector<T> grid = sweep<T>(-3, 3, 60);
    for (T s : specials<T>()) grid.push_back(s);
    lossc::ops::binary_ops::for_each([&](auto op_type) {
        using Op = typename decltype(op_type)::type;
        constexpr int w = pack<T>::width;
        const Op op{};
        double worst = 0;
        std::string where;
        alignas(64) T a[w], b[w], out[w];
        for (const T x : grid)
            for (std::size_t k = 0; k < grid.size(); k += w) {
                for (int l = 0; l < w; ++l)
                    a[l] = x, b[l] = grid[std::min(grid.size() - 1, k + static_cast<std::size_t>(l))];
                op(pack<T>::load(a), pack<T>::load(b)).store(out);
                for (int l = 0; l < w; ++l)
                    if (const double e =
                            ulp_error(out[l], op(static_cast<long double>(a[l]), static_cast<long double>(b[l])));
                        e > worst)
                        worst = e, where = std::to_string(static_cast<double>(a[l])) + ", " +
                                           std::to_string(static_cast<double>(b[l]));
            }
        CHECK_MESSAGE(worst <= (std::is_same_v<Op, lossc::ops::pow_op> ? 1.0 : 0.5),
                      std::string(Op::name) << ": " << worst << " ulp at " << where);
    });
}
