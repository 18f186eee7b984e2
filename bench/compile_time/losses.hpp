// The typical losses of the compile-time benchmark (bench/compile_time.sh), one X-macro line each:
// LOSSC_CT_LOSS(name, expression). A translation unit defines LOSSC_CT_ONLY to the index of the
// one it compiles (0-based), or LOSSC_CT_FIRST/LOSSC_CT_LAST for a range, then includes tu.hpp.
#define LOSSC_CT_LOSSES(X)                                                                                           \
    X(custom_mse, sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f)))                                             \
    X(mae, mean<1>(abs(y_pred - y_true)))                                                                            \
    X(cce_logits, -sum<1>(y_true * log_softmax<1>(y_pred)))                                                          \
    X(cce_smoothed, -(0.9 * sum<1>(y_true * log_softmax<1>(y_pred)) + 0.1 * mean<1>(log_softmax<1>(y_pred))))        \
    X(bce_logits, mean<1>(softplus(y_pred) - y_true * y_pred))                                                       \
    X(focal, -sum<1>(y_true * pow(1.0 - softmax<1>(y_pred), 2.0) * log_softmax<1>(y_pred)))                          \
    X(huber, mean<1>(where(abs(y_pred - y_true) <= 1.0, 0.5 * square(y_pred - y_true), abs(y_pred - y_true) - 0.5))) \
    X(dice, 1.0 - (2.0 * sum<1>(y_true * y_pred) + 1.0) / (sum<1>(y_true) + sum<1>(y_pred) + 1.0))                   \
    X(log_cosh, mean<1>(log_cosh(y_pred - y_true)))                                                                  \
    X(pinball, mean<1>(maximum(0.8 * (y_true - y_pred), (0.8 - 1.0) * (y_true - y_pred))))                           \
    X(kl_clipped, sum<1>(clip(y_true, 1e-7, 1.0) * log(clip(y_true, 1e-7, 1.0) / clip(y_pred, 1e-7, 1.0))))          \
    X(batch_dice, batch_loss(1.0 - (2.0 * batch_sum(sum<1>(y_true * y_pred)) + 1.0) /                                \
                                       (batch_sum(sum<1>(y_true)) + batch_sum(sum<1>(y_pred)) + 1.0)))               \
    X(pearson, batch_loss(1.0 - mean<1>(batch_sum((y_pred - batch_mean(y_pred)) * (y_true - batch_mean(y_true))) /   \
                                        sqrt(batch_sum(square(y_pred - batch_mean(y_pred))) *                        \
                                                 batch_sum(square(y_true - batch_mean(y_true))) +                    \
                                             1e-12))))                                                               \
    X(info_nce, batch_loss(pair_logsumexp(sum<1>(y_pred * other(y_true)) * 10.0) - sum<1>(y_pred * y_true) * 10.0))  \
    X(batch_hard_triplet,                                                                                            \
      batch_loss(maximum(pair_max(where(equal(col<0>(y_true), other(col<0>(y_true))),                                \
                                        sqrt(sum<1>(square(y_pred - other(y_pred))) + 1e-12), 0.0)) -                \
                             pair_min(where(equal(col<0>(y_true), other(col<0>(y_true))), 1e30,                      \
                                            sqrt(sum<1>(square(y_pred - other(y_pred))) + 1e-12))) +                 \
                             0.2,                                                                                    \
                         0.0)))
