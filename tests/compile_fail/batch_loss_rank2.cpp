// A batch_loss still has one value per sample (or one for the batch): not one per class.
// expect: lossc: rule 2 (one loss value per sample): this batch_loss has a value per class
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
constexpr auto bad = batch_loss(square(y_pred - batch_mean(y_true)));
constexpr auto k = lossc::compile(bad);
