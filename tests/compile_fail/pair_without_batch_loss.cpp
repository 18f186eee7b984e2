// A pair reduction combines the samples: a per-sample loss holding one is rule 3, whose message
// names batch_loss.
// expect: lossc: rule 3 (no reduction over the batch axis)
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = pair_logsumexp(sum<1>(y_pred * other(y_pred)));
constexpr auto k = lossc::compile(bad);
