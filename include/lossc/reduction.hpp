// lossc — how per-sample losses reduce to one number: the one vocabulary of the kernels
// (options.hpp), the Keras wrapper and the torch adapter.
#pragma once

namespace lossc {

/// How the per-sample losses L_i with weights w_i (1 when absent) reduce — Keras's names, one
/// vocabulary for the kernels, the Keras wrapper (lossc::keras::reduction) and the torch adapter
/// (lossc::torch::reduction):
///   sum_over_batch_size, mean  Σ w_i L_i / N   (the Keras default, "mean over the batch")
///   sum                        Σ w_i L_i
///   mean_with_sample_weight    Σ w_i L_i / Σ w_i   (0 when Σ w_i = 0)
///   none                       no reduction: the per-sample values w_i L_i are the result. The
///                              Keras wrapper and the torch adapter return them; a kernel call,
///                              which returns one number, refuses it (parameter_error): call it
///                              with `sum` and read per_sample.
enum class reduction { sum_over_batch_size, sum, mean_with_sample_weight, mean, none };

}  // namespace lossc
