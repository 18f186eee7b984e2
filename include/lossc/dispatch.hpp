// lossc — one loss compiled for several instruction sets, the widest the CPU runs chosen at run
// time. For programs built without -march (Debian packages, Python wheels), whose own code is
// SSE2: the loss's kernels still run with AVX2 or AVX-512 where the CPU has them.
//
// Usage. In a source file of its own (compiled once per instruction set by the CMake function
// lossc_add_dispatched_losses, which defines LOSSC_DISPATCH_ISA):
//
//     #include <lossc/dispatch.hpp>
//     LOSSC_DISPATCH_DEFINE(custom_mse, lossc::sum<1>(lossc::square(lossc::y_pred - lossc::y_true)))
//
// and wherever the loss is called (any flags):
//
//     LOSSC_DISPATCH_DECLARE(custom_mse)
//     float r = custom_mse.forward_backward(y_true, y_pred, per_sample, grad);
//
// Each instruction set's part is a shared library of its own, built with hidden visibility: the
// inline functions it compiles (lossc's, Eigen's, the standard library's) are its own copies, so the
// linker can never hand an AVX2-compiled copy to code that runs on a CPU without AVX2, as it may
// when objects built with different -march flags share an inline function. The parts take
// lossc::matrix_view arguments, so each compiles every row layout (docs/dsl.md: compile time).
// LOSSC_DISPATCH=baseline|avx2|avx512 in the environment caps the choice (baseline: the SSE2 part).
#pragma once
#include <cstdlib>
#include <cstring>
#include <string>

#include "lossc.hpp"

#define LOSSC_DISPATCH_STR2(x) #x
#define LOSSC_DISPATCH_STR(x) LOSSC_DISPATCH_STR2(x)
#define LOSSC_DISPATCH_CAT2(a, b) a##b
#define LOSSC_DISPATCH_CAT(a, b) LOSSC_DISPATCH_CAT2(a, b)

namespace lossc::dispatch {

/// The instruction sets a dispatched loss is compiled for: x86-64 (SSE2), x86-64-v3 (AVX2 + FMA),
/// x86-64-v4 (AVX-512 F/BW/DQ/VL).
enum class isa : int { baseline = 0, avx2 = 1, avx512 = 2 };
inline const char* name(isa i) {
    switch (i) {
        case isa::avx2: return "avx2";
        case isa::avx512: return "avx512";
        default: return "baseline";
    }
}

/// The widest of the three this CPU runs, capped by LOSSC_DISPATCH if set (an unknown value throws
/// lossc::dispatch_error).
inline isa host_isa() {
    isa best = isa::baseline;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = isa::avx2;
    if (best == isa::avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        best = isa::avx512;
#endif
    if (const char* cap = std::getenv("LOSSC_DISPATCH"); cap != nullptr && *cap != '\0') {
        isa limit;
        if (std::strcmp(cap, "baseline") == 0 || std::strcmp(cap, "off") == 0)
            limit = isa::baseline;
        else if (std::strcmp(cap, "avx2") == 0)
            limit = isa::avx2;
        else if (std::strcmp(cap, "avx512") == 0)
            limit = isa::avx512;
        else
            throw dispatch_error(
                detail::cat("LOSSC_DISPATCH=", std::string(cap), ": expected baseline, off, avx2 or avx512"));
        if (static_cast<int>(limit) < static_cast<int>(best)) best = limit;
    }
    return best;
}

/// One instruction set's compiled loss, for float and double.
template <class T> struct entry_points {
    T (*forward)(matrix_view<const T>, matrix_view<const T>, vector_view<T>, const options&);
    T (*forward_backward)(matrix_view<const T>, matrix_view<const T>, vector_view<T>, matrix_view<T>, const options&);
};
struct loss_parts {
    entry_points<float> f;
    entry_points<double> d;
    const char* kernels;  // the part's lossc inline namespace (isa_sse2, isa_avx2_fma, isa_avx512)
};

/// The entry points of the loss `make()` returns, compiled in this translation unit.
template <class Make> struct part_of {
    static constexpr auto kernel = lossc::compile(Make{}());
    template <class T>
    static T forward(matrix_view<const T> t, matrix_view<const T> p, vector_view<T> ps, const options& opt) {
        return kernel.forward(t, p, ps, opt);
    }
    template <class T> static T forward_backward(matrix_view<const T> t, matrix_view<const T> p, vector_view<T> ps,
                                                 matrix_view<T> g, const options& opt) {
        return kernel.forward_backward(t, p, ps, g, opt);
    }
    static constexpr loss_parts parts{{&forward<float>, &forward_backward<float>},
                                      {&forward<double>, &forward_backward<double>},
                                      LOSSC_DISPATCH_STR(LOSSC_ISA)};
};

/// A loss compiled for several instruction sets; calls go to one of them.
class dispatched_loss {
public:
    constexpr dispatched_loss(const loss_parts* baseline, const loss_parts* avx2, const loss_parts* avx512)
        : parts_{baseline, avx2, avx512} {}

    /// The part this process runs: the widest compiled that host_isa() allows (chosen once).
    isa chosen() const {
        if (only_ >= 0) return static_cast<isa>(only_);
        static const isa host = host_isa();
        for (int i = static_cast<int>(host); i > 0; --i)
            if (parts_[i] != nullptr) return static_cast<isa>(i);
        return isa::baseline;
    }
    /// The part of one instruction set, whatever the CPU (tests, benchmarks); throws
    /// where it was not compiled or this CPU cannot run it. (lossc::dispatch_error)
    dispatched_loss only(isa i) const {
        if (parts_[static_cast<int>(i)] == nullptr)
            throw dispatch_error(detail::cat("this loss was not compiled for ", std::string(name(i))));
        if (static_cast<int>(i) > static_cast<int>(host_isa()))
            throw dispatch_error(detail::cat("this CPU (or LOSSC_DISPATCH) does not allow ", std::string(name(i))));
        dispatched_loss one(parts_[static_cast<int>(i)], nullptr, nullptr);
        one.only_ = static_cast<int>(i);
        return one;
    }
    /// The chosen part's lossc inline namespace (isa_avx512, isa_avx2_fma, isa_sse2).
    const char* kernels() const { return parts().kernels; }

    /// As kernel::forward and kernel::forward_backward, for Eigen objects or lossc views.
    template <class YT, class YP, class PS>
    scalar_of<YP> forward(const YT& y_true, const YP& y_pred, PS&& per_sample, const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(std::is_same_v<scalar_of<YT>, T> && per_sample_fits<PS, T>(),
                      "lossc: y_true, y_pred and per_sample must have one scalar type (float or double)");
        const auto& e = entries<T>();
        if constexpr (discarded<PS>)
            return detail::run_discarding<false>(
                as_matrix(y_true), as_matrix(y_pred), matrix_view<T>{}, opt,
                [&e](const matrix_view<const T>& t, const matrix_view<const T>& p, vector_view<T> ps,
                     const matrix_view<T>&, const options& o) { return e.forward(t, p, ps, o); },
                [] {});
        else
            return e.forward(as_matrix(y_true), as_matrix(y_pred), as_out_vector(per_sample), opt);
    }
    template <class YT, class YP, class PS, class GR> scalar_of<YP> forward_backward(const YT& y_true, const YP& y_pred,
                                                                                     PS&& per_sample, GR&& grad,
                                                                                     const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(std::is_same_v<scalar_of<YT>, T> && per_sample_fits<PS, T>() && std::is_same_v<scalar_of<GR>, T>,
                      "lossc: y_true, y_pred, per_sample and grad must have one scalar type (float or double)");
        const auto& e = entries<T>();
        if constexpr (discarded<PS>)
            return detail::run_discarding<true>(
                as_matrix(y_true), as_matrix(y_pred), as_out_matrix(grad), opt,
                [&e](const matrix_view<const T>& t, const matrix_view<const T>& p, vector_view<T> ps,
                     const matrix_view<T>& g, const options& o) { return e.forward_backward(t, p, ps, g, o); },
                [] {});
        else
            return e.forward_backward(as_matrix(y_true), as_matrix(y_pred), as_out_vector(per_sample),
                                      as_out_matrix(grad), opt);
    }

private:
    const loss_parts& parts() const {
        const loss_parts* p = only_ >= 0 ? parts_[0] : parts_[static_cast<int>(chosen())];
        if (p == nullptr)
            throw dispatch_error("a dispatched loss without its baseline part (lossc_add_dispatched_losses builds it)");
        return *p;
    }
    template <class T> const entry_points<T>& entries() const {
        if constexpr (std::is_same_v<T, float>)
            return parts().f;
        else
            return parts().d;
    }
    const loss_parts* parts_[3];
    int only_ = -1;  // made by only(): the ISA of its one part, kept in parts_[0]
};

}  // namespace lossc::dispatch

/// Defines the parts of a dispatched loss for this translation unit's instruction set (in a file
/// that lossc_add_dispatched_losses compiles once per instruction set).
#define LOSSC_DISPATCH_DEFINE(name, ...)                                                                              \
    namespace lossc_dispatch_parts {                                                                                  \
    struct make_##name {                                                                                              \
        constexpr auto operator()() const { return __VA_ARGS__; }                                                     \
    };                                                                                                                \
    [[gnu::visibility("default")]] extern const ::lossc::dispatch::loss_parts LOSSC_DISPATCH_CAT(name##_,             \
                                                                                                 LOSSC_DISPATCH_ISA); \
    const ::lossc::dispatch::loss_parts LOSSC_DISPATCH_CAT(name##_, LOSSC_DISPATCH_ISA) =                             \
        ::lossc::dispatch::part_of<make_##name>::parts;                                                               \
    }

/// Declares a dispatched loss `name` (a lossc::dispatch::dispatched_loss) where it is called. The
/// parts it refers to are those lossc_add_dispatched_losses built (LOSSC_DISPATCH_BUILT_AVX2,
/// _AVX512: a compiler without -march=x86-64-v4 builds no AVX-512 part).
#if defined(LOSSC_DISPATCH_BUILT_AVX2)
#define LOSSC_DISPATCH_PART_AVX2(name) &lossc_dispatch_parts::name##_avx2
#define LOSSC_DISPATCH_DECL_AVX2(name) extern const ::lossc::dispatch::loss_parts name##_avx2;
#else
#define LOSSC_DISPATCH_PART_AVX2(name) nullptr
#define LOSSC_DISPATCH_DECL_AVX2(name)
#endif
#if defined(LOSSC_DISPATCH_BUILT_AVX512)
#define LOSSC_DISPATCH_PART_AVX512(name) &lossc_dispatch_parts::name##_avx512
#define LOSSC_DISPATCH_DECL_AVX512(name) extern const ::lossc::dispatch::loss_parts name##_avx512;
#else
#define LOSSC_DISPATCH_PART_AVX512(name) nullptr
#define LOSSC_DISPATCH_DECL_AVX512(name)
#endif
#define LOSSC_DISPATCH_DECLARE(name)                            \
    namespace lossc_dispatch_parts {                            \
    extern const ::lossc::dispatch::loss_parts name##_baseline; \
    LOSSC_DISPATCH_DECL_AVX2(name)                              \
    LOSSC_DISPATCH_DECL_AVX512(name)                            \
    }                                                           \
    inline const ::lossc::dispatch::dispatched_loss name{       \
        &lossc_dispatch_parts::name##_baseline, LOSSC_DISPATCH_PART_AVX2(name), LOSSC_DISPATCH_PART_AVX512(name)};
