// A model output whose loss never reads y_pred: the message names the output ('a', 'u', 'x').
// expect: lossc: outputs: the loss of the output named in head_rules
// expect: breaks Keras rule 1
// expect: 'a', 'u', 'x'
#include <lossc/keras/outputs.hpp>
namespace k = lossc::keras;
const auto model = k::outputs(k::output<"digit">(k::get<"categorical_crossentropy">()),
                              k::output<"aux">(lossc::sum<1>(lossc::square(lossc::y_true - 1.0))));
