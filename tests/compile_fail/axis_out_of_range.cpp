// Only the class axis (1 or -1) and the batch axis (0) exist for (batch, classes) inputs.
// expect: lossc: reductions take axis 1 or -1
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = sum<2>(y_pred);
