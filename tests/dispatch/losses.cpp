// The dispatched losses of tests/dispatch/dispatch.cpp: compiled once per instruction set by
// lossc_add_dispatched_losses (the top-level CMakeLists.txt).
#include <lossc/dispatch.hpp>

LOSSC_DISPATCH_DEFINE(dispatched_mse,
                      lossc::sum<1>(lossc::square(lossc::y_pred - lossc::y_true) * lossc::weights(0.3f, 0.7f)))
LOSSC_DISPATCH_DEFINE(dispatched_cce, -lossc::sum<1>(lossc::y_true* lossc::log(lossc::softmax<1>(lossc::y_pred))))
