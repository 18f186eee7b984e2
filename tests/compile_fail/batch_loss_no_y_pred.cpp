// Keras rule 1 holds for cross-sample losses too: y_pred read only through stop_gradient.
// expect: lossc: rule 1 (the loss must use y_pred): this batch_loss does not depend on y_pred
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = batch_loss(sum<1>(y_true - batch_mean(stop_gradient(y_pred))));
constexpr auto k = lossc::compile(bad);
