// lossc::keras — the catalog's kernels compiled once, in a library, instead of in every
// translation unit that calls them. Optional: header-only use is unchanged.
//
// Link the CMake target lossc::keras_compiled. It compiles the kernel of every loss type below
// for float and double, values and gradients, every row layout (lowering::reach_all), and
// defines LOSSC_KERAS_COMPILED for the code that links it. There, a call of these losses —
// lossc::compile(lossc::keras::huber()).forward_backward(...), lossc::keras::Huber()(...) —
// declares the kernel (an explicit instantiation declaration) and compiles none of its loops:
// docs/compile-time.md measures what that saves.
//
// The library and its users must be compiled for the same instruction set (-march): the
// kernels live in an ISA inline namespace (config.hpp), so a mismatch fails to link instead of
// running code the CPU may not have. The parameters of a loss (Huber's delta, a focal gamma,
// label smoothing…) are run-time values: one compiled type serves every value. Forms outside
// this list (categorical_focal_crossentropy with per-class weights(...), your own expressions)
// compile in the caller as usual.
#pragma once
#include "classes.hpp"

// Every loss type of the catalog, in groups of one library source each. X(expression):
// any call of the function form gives the type; the class forms compile the same types.
#define LOSSC_KERAS_COMPILED_REGRESSION(X)                  \
    X(keras::mean_squared_error())                          \
    X(keras::mean_absolute_error())                         \
    X(keras::mean_absolute_percentage_error())              \
    X(keras::mean_squared_logarithmic_error())              \
    X(keras::cosine_similarity())                           \
    X(keras::huber())                                       \
    X(keras::log_cosh())                                    \
    X(keras::hinge<keras::hinge_labels::signed_>())         \
    X(keras::squared_hinge<keras::hinge_labels::signed_>()) \
    X(keras::categorical_hinge())                           \
    X(keras::kl_divergence())                               \
    X(keras::poisson())                                     \
    X(keras::dice())                                        \
    X(keras::tversky())
#define LOSSC_KERAS_COMPILED_CROSSENTROPY(X)           \
    X(keras::binary_crossentropy<false>())             \
    X(keras::binary_crossentropy<true>())              \
    X(keras::categorical_crossentropy<false>())        \
    X(keras::categorical_crossentropy<true>())         \
    X(keras::sparse_categorical_crossentropy<false>()) \
    X(keras::sparse_categorical_crossentropy<true>())  \
    X(keras::categorical_generalized_cross_entropy())
#define LOSSC_KERAS_COMPILED_FOCAL(X) \
    LOSSC_KERAS_COMPILED_FOCAL_1(X)   \
    LOSSC_KERAS_COMPILED_FOCAL_2(X) LOSSC_KERAS_COMPILED_FOCAL_3(X) LOSSC_KERAS_COMPILED_FOCAL_4(X)
// The focal losses, one source each: each takes minutes and gigabytes at -O2 (docs/compile-time.md).
#define LOSSC_KERAS_COMPILED_FOCAL_1(X) X(keras::binary_focal_crossentropy<false>())
#define LOSSC_KERAS_COMPILED_FOCAL_2(X) X(keras::binary_focal_crossentropy<true>())
#define LOSSC_KERAS_COMPILED_FOCAL_3(X) X(keras::categorical_focal_crossentropy<false>())
#define LOSSC_KERAS_COMPILED_FOCAL_4(X) X(keras::categorical_focal_crossentropy<true>())
#define LOSSC_KERAS_COMPILED_LOSSES(X) \
    LOSSC_KERAS_COMPILED_REGRESSION(X) LOSSC_KERAS_COMPILED_CROSSENTROPY(X) LOSSC_KERAS_COMPILED_FOCAL(X)

#define LOSSC_KERAS_COMPILED_TYPE(expr) ::lossc::node_t<decltype(expr)>
// One kernel entry point: Extern is `extern` (a declaration) or empty (the definition).
#define LOSSC_KERAS_COMPILED_RUN(Extern, expr, Backward, T)                                           \
    Extern template T kernel<LOSSC_KERAS_COMPILED_TYPE(expr)>::run<Backward, lowering::reach_all, T>( \
        matrix_view<const T>, matrix_view<const T>, vector_view<T>, matrix_view<T>, const options&) const;
#define LOSSC_KERAS_COMPILED_KERNELS(Extern, expr)        \
    LOSSC_KERAS_COMPILED_RUN(Extern, expr, false, float)  \
    LOSSC_KERAS_COMPILED_RUN(Extern, expr, true, float)   \
    LOSSC_KERAS_COMPILED_RUN(Extern, expr, false, double) \
    LOSSC_KERAS_COMPILED_RUN(Extern, expr, true, double)
#define LOSSC_KERAS_COMPILED_DECLARE(expr) LOSSC_KERAS_COMPILED_KERNELS(extern, expr)
#define LOSSC_KERAS_COMPILED_DEFINE(expr) LOSSC_KERAS_COMPILED_KERNELS(, expr)
#define LOSSC_KERAS_COMPILED_MARK(expr) \
    template <> inline constexpr bool precompiled<LOSSC_KERAS_COMPILED_TYPE(expr)> = true;

#ifdef LOSSC_KERAS_COMPILED
namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering {
LOSSC_KERAS_COMPILED_LOSSES(LOSSC_KERAS_COMPILED_MARK)
}  // namespace lowering
}  // namespace LOSSC_ISA
}  // namespace lossc
namespace lossc {
inline namespace LOSSC_ISA {
LOSSC_KERAS_COMPILED_LOSSES(LOSSC_KERAS_COMPILED_DECLARE)
}  // namespace LOSSC_ISA
}  // namespace lossc
#endif
