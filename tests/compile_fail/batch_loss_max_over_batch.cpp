// A batch_loss reduces the batch with sums and means only (their adjoints are the passes
// lower/batch_kernel.hpp runs); a max over the batch axis is refused.
// expect: lossc: a batch_loss reduces the batch with batch_sum or batch_mean
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = batch_loss(sum<1>(y_pred / max<0>(y_true)));
constexpr auto k = lossc::compile(bad);
