// Forgot to reduce the class axis: one value per sample and class.
// expect: lossc: rule 2 (one loss value per sample)
// expect: reduce the class axis, e.g. sum<1>(...)
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = square(y_pred - y_true) * weights(0.3f, 0.7f);
constexpr auto k = lossc::compile(bad);
