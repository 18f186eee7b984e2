// A loss that never reads y_pred.
// expect: lossc: rule 1 (the loss must use y_pred)
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = sum<1>(square(y_true - 1.0));
constexpr auto k = lossc::compile(bad);
