// The benchmark's three losses as dispatched losses (include/lossc/dispatch.hpp), compiled once per
// instruction set by lossc_add_dispatched_losses; bench_losses.cpp's baseline build calls them.
#include <lossc/dispatch.hpp>

using namespace lossc::dsl;
LOSSC_DISPATCH_DEFINE(bench_mse, sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f)))
LOSSC_DISPATCH_DEFINE(bench_cce, -sum<1>(y_true* log(softmax<1>(y_pred))))
LOSSC_DISPATCH_DEFINE(bench_bce, mean<1>(softplus(y_pred) - y_true * y_pred))
