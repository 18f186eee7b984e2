// The dispatched losses of tests/dispatch/dispatch.cpp: compiled once per instruction set by
// lossc_add_dispatched_losses (the top-level CMakeLists.txt).
#include <lossc/dispatch.hpp>

LOSSC_DISPATCH_DEFINE(dispatched_mse,
                      lossc::sum<1>(lossc::square(lossc::y_pred - lossc::y_true) * lossc::weights(0.3f, 0.7f)))
LOSSC_DISPATCH_DEFINE(dispatched_cce, -lossc::sum<1>(lossc::y_true* lossc::log(lossc::softmax<1>(lossc::y_pred))))
// Cross-sample losses (batch_loss): a batch statistic, and a reduction over pairs of samples.
LOSSC_DISPATCH_DEFINE(dispatched_batch_dice,
                      lossc::batch_loss(1.0 -
                                        (2.0 * lossc::batch_sum(lossc::sum<1>(lossc::y_true * lossc::y_pred)) + 1.0) /
                                            (lossc::batch_sum(lossc::sum<1>(lossc::y_true + lossc::y_pred)) + 1.0)))
LOSSC_DISPATCH_DEFINE(
    dispatched_info_nce,
    lossc::batch_loss(lossc::pair_logsumexp(lossc::sum<1>(lossc::y_pred* lossc::other(lossc::y_true)) * 10.0) -
                      lossc::sum<1>(lossc::y_pred * lossc::y_true) * 10.0))
