// A reduction needs its axis: mean(x) was a bare template-deduction error without lossc: text.
// expect: lossc: this reduction needs its axis: write f<1>(x)
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = mean(square(y_pred - y_true));
