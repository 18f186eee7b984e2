// evaluate() applies the same static checks as compile().
// expect: lossc: rule 2 (one loss value per sample)
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto r = lossc::evaluate(y_pred - y_true, std::array{1.0}, std::array{2.0});
