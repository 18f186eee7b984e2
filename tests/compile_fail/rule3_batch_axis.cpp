// Keras `K.mean(..., axis=0)` inside a per-sample loss mixes the samples.
// expect: lossc: rule 3 (no reduction over the batch axis)
// expect: reduce the class axis with <1>
// expect: wrap it in lossc::batch_loss(...)
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = sum<1>(square(y_pred - mean<0>(y_true)));
constexpr auto k = lossc::compile(bad);
