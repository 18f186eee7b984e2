// A pair reduction reduces one value per pair: its operand must be reduced over the classes.
// expect: lossc: a pair reduction reduces one value per pair of samples
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = batch_loss(pair_logsumexp(y_pred * other(y_pred)));
