// lossc::keras_compiled: the kernels of the catalog's crossentropy losses (lossc/keras/compiled.hpp),
// compiled once for the library's instruction set. One source per group, so that a parallel
// build compiles the groups side by side.
#include <lossc/lossc.hpp>

namespace lossc {
inline namespace LOSSC_ISA {
LOSSC_KERAS_COMPILED_CROSSENTROPY(LOSSC_KERAS_COMPILED_DEFINE)
}  // namespace LOSSC_ISA
}  // namespace lossc
