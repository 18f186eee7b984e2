// lossc — configuration shared by every layer: index types and extent sentinels.
#pragma once
#include <cstddef>

namespace lossc {

using index = std::ptrdiff_t;

/// Static column extent of an expression whose width is only known at run time.
inline constexpr std::size_t dynamic_extent = static_cast<std::size_t>(-1);
/// Static column extent of an expression whose operands disagree (static check (d)).
inline constexpr std::size_t conflicting_extent = static_cast<std::size_t>(-2);

}  // namespace lossc

// The instruction set the kernels are compiled for names an inline namespace around them
// (lossc::simd and lossc's kernels), so translation units built with different -m flags get
// different symbols instead of silently sharing one definition (ODR) with another alignment.
#if defined(LOSSC_SCALAR_BACKEND)
#define LOSSC_ISA isa_scalar
#elif defined(__AVX512F__)
#define LOSSC_ISA isa_avx512
#elif defined(__AVX2__) && defined(__FMA__)
#define LOSSC_ISA isa_avx2_fma
#elif defined(__AVX__)
#define LOSSC_ISA isa_avx
#elif defined(__SSE2__)
#define LOSSC_ISA isa_sse2
#else
#define LOSSC_ISA isa_generic
#endif

/// Inline every call inside a kernel's per-row and per-block functions: the expression's row
/// evaluation is a deep recursion of small templates, which the compilers' inlining limits
/// otherwise leave as calls passing packs through memory.
#if defined(__GNUC__) || defined(__clang__)
#define LOSSC_FLATTEN [[gnu::flatten]]
#else
#define LOSSC_FLATTEN
#endif
/// clang 14's flatten gives up partway down that recursion and leaves calls (a reduction, a whole
/// block, the block loop's lambdas, so that the one- and two-column copies lose their constant
/// column count) with the loss's constants rematerialised in them: under clang, with optimisation
/// on, the kernel's evaluator (row_eval.hpp), the reducers, the block, its loop lambdas and the
/// tile transposes are forced inline instead (LOSSC_KERNEL_INLINE, _LAMBDA for lambdas, where
/// the attribute goes after the parameters), and LOSSC_KERNEL_OUTLINE keeps a call where forcing
/// made clang's registers worse (the figures, and the compile time this costs: docs/perf-log.md).
/// Not the reference evaluator (eval/reference.hpp): it recomputes subtrees, and inlining all of
/// it ran compile times past ten minutes. g++ and unoptimised builds: unchanged.
#if defined(__clang__) && defined(__OPTIMIZE__)
#define LOSSC_KERNEL_INLINE [[gnu::always_inline]]
#define LOSSC_KERNEL_INLINE_LAMBDA __attribute__((always_inline))
#define LOSSC_KERNEL_OUTLINE [[gnu::noinline]]
#else
#define LOSSC_KERNEL_INLINE
#define LOSSC_KERNEL_INLINE_LAMBDA
#define LOSSC_KERNEL_OUTLINE
#endif
