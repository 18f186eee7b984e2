// No pair or batch reduction inside a pair reduction's operand.
// expect: lossc: a pair reduction's operand may not reduce over the batch itself
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto inner = pair_sum(sum<1>(y_pred * other(y_pred)));
constexpr auto bad = batch_loss(pair_max(inner * sum<1>(other(y_pred))));
