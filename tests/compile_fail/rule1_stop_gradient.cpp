// A loss that reads y_pred only through stop_gradient and a comparison: no gradient flows.
// expect: lossc: rule 1 (the loss must use y_pred)
// expect: use y_pred in a differentiable op
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = sum<1>(square(stop_gradient(y_pred) - y_true) + (y_pred > 0.5));
constexpr auto k = lossc::compile(bad);
