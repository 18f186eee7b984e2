// lossc::keras_compiled: the kernels of binary focal (from logits) cross-entropy
// (lossc/keras/compiled.hpp), compiled once for the library's instruction set, in a source of its
// own so that a parallel build compiles the focal losses side by side.
#include <lossc/lossc.hpp>

namespace lossc {
inline namespace LOSSC_ISA {
LOSSC_KERAS_COMPILED_FOCAL_2(LOSSC_KERAS_COMPILED_DEFINE)
}  // namespace LOSSC_ISA
}  // namespace lossc
