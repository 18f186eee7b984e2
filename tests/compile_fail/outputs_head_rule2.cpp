// A model output whose loss keeps the class axis: the message names the output.
// expect: breaks Keras rule 2 (one loss value per sample)
// expect: 'a', 'u', 'x'
#include <lossc/keras/outputs.hpp>
namespace k = lossc::keras;
const auto model = k::outputs(k::output<"aux">(lossc::square(lossc::y_pred - lossc::y_true)));
