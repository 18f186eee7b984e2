// Hinge's 0/1 → ±1 conversion is decided over the whole batch: the default form has no single
// formula, so compiling it asks for the wrapper or an explicit label convention.
#include <lossc/lossc.hpp>

// expect: lossc: hinge's 0/1 -> +-1 label conversion is decided over the whole batch
constexpr auto kernel = lossc::compile(lossc::keras::hinge());

int main() {}
