// One batch_loss holds either batch statistics or pair reductions.
// expect: lossc: this batch_loss holds both batch statistics (batch_sum, batch_mean) and pair
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = batch_loss(pair_sum(sum<1>(y_pred * other(y_pred))) / batch_sum(sum<1>(y_pred)));
constexpr auto k = lossc::compile(bad);
