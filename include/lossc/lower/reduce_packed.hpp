// lossc — the reductions along a row's columns in packs (the along-columns walk, lanes::columns):
// packs of columns, then the columns left over one at a time, then one horizontal reduction.
// The reduction ops themselves (expr/reduce.hpp) know nothing of packs of columns.
#pragma once
#include <cstddef>
#include <limits>

#include "../config.hpp"
#include "../expr/reduce.hpp"
#include "../simd/math.hpp"

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering {

template <class R> struct packed;

template <> struct packed<ops::sum_r> {
    /// Blocked as sum_r::reduce is (ops::sum_block packs per running sum); the tail is the last
    /// pack, overlapping, with the lanes already counted masked out.
    template <class T, class FP, class FS> LOSSC_KERNEL_INLINE static T reduce(std::size_t n, FP&& at_pack, FS&& at) {
        using P = simd::pack<T>;
        P acc(T(0)), total(T(0));
        std::size_t j = 0, in_block = 0;
        for (; j + P::width <= n; j += P::width) {
            acc += at_pack(j);
            if (++in_block == ops::sum_block) total += acc, acc = P(T(0)), in_block = 0;
        }
        acc += total;
        if (j < n && n >= P::width) {
            acc +=
                simd::select(simd::lanes_from<T>(static_cast<int>(j + P::width - n)), at_pack(n - P::width), P(T(0)));
            j = n;
        }
        T s = simd::hsum(acc);
        for (; j < n; ++j) s += at(j);
        return s;
    }
};

template <> struct packed<ops::mean_r> {
    template <class T, class FP, class FS> LOSSC_KERNEL_INLINE static T reduce(std::size_t n, FP&& at_pack, FS&& at) {
        return ops::divide_by_count(packed<ops::sum_r>::reduce<T>(n, at_pack, at), n);
    }
};

/// max (Max) and min: the last pack overlaps the previous ones, which re-reading counted lanes
/// cannot change.
template <bool Max> struct packed_extremum {
    template <class V> LOSSC_KERNEL_INLINE static V pick(V a, V b) {
        if constexpr (Max)
            return math::max(a, b);
        else
            return math::min(a, b);
    }
    template <class T, class FP, class FS> LOSSC_KERNEL_INLINE static T reduce(std::size_t n, FP&& at_pack, FS&& at) {
        using P = simd::pack<T>;
        P acc(Max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity());
        std::size_t j = 0;
        for (; j + P::width <= n; j += P::width) acc = pick(at_pack(j), acc);
        if (j < n && n >= P::width) {
            acc = pick(at_pack(n - P::width), acc);
            j = n;
        }
        T m;
        if constexpr (Max)
            m = simd::hmax(acc);
        else
            m = simd::hmin(acc);
        for (; j < n; ++j) m = pick(at(j), m);
        return m;
    }
};
template <> struct packed<ops::max_r> : packed_extremum<true> {};
template <> struct packed<ops::min_r> : packed_extremum<false> {};

template <> struct packed<ops::logsumexp_r> {
    /// logsumexp_r::reduce_parts' parts over packs of columns and lone scalar columns;
    /// keep_pack(j, pack) and keep(j, scalar) see every exp as it is summed.
    template <class T, class FP, class FS, class KeepPack = ops::logsumexp_r::no_keep,
              class Keep = ops::logsumexp_r::no_keep>
    LOSSC_KERNEL_INLINE static ops::logsumexp_r::parts<T> reduce_parts(std::size_t n, FP&& at_pack, FS&& at,
                                                                       KeepPack&& keep_pack = {}, Keep&& keep = {}) {
        using P = simd::pack<T>;
        const T m = packed<ops::max_r>::reduce<T>(n, at_pack, at);
        const T finite = math::isfinite(m);
        const T shift = math::select_nonzero(finite, m, T(0));
        const P shift_p(shift);
        const T s = packed<ops::sum_r>::reduce<T>(
            n,
            [&](std::size_t j) {
                const P e = math::exp_nonpositive(at_pack(j) - shift_p);
                keep_pack(j, e);
                return e;
            },
            [&](std::size_t j) {
                const T e = math::exp_nonpositive(at(j) - shift);
                keep(j, e);
                return e;
            });
        const T log_s = math::log(s);
        return {math::select_nonzero(finite, shift + log_s, m), finite, s, shift, log_s};
    }
    template <class T, class FP, class FS> LOSSC_KERNEL_INLINE static T reduce(std::size_t n, FP&& at_pack, FS&& at) {
        return reduce_parts<T>(n, at_pack, at).value;
    }
};

}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
