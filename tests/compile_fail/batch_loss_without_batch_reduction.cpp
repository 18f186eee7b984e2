// batch_loss marks a loss that combines the samples; one without batch_sum/batch_mean is a
// per-sample loss and needs no marker.
// expect: lossc: batch_loss(...) holds no batch_sum or batch_mean
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = batch_loss(sum<1>(square(y_pred - y_true)));
constexpr auto k = lossc::compile(bad);
