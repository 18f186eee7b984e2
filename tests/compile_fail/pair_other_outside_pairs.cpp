// other(...) names sample j of a pair: outside a pair reduction there is no pair.
// expect: lossc: other(...) and same_sample stand for the other sample of a pair
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = sum<1>(y_pred * other(y_pred));
constexpr auto k = lossc::compile(bad);
