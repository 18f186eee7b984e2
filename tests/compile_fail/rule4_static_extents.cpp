// weights of length 3 against the two columns cols<0, 2> selects.
// expect: lossc: rule 4 (static column counts agree)
// expect: make the weights, cols<> and col<> selections agree
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = sum<1>(square(cols<0, 2>(y_pred) - y_true) * weights(0.2, 0.3, 0.5));
constexpr auto k = lossc::compile(bad);
