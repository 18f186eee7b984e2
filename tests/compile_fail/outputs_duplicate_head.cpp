// Two heads with one name.
// expect: lossc: outputs: two heads have the same name
#include <lossc/keras/outputs.hpp>
namespace k = lossc::keras;
const auto model = k::outputs(k::output<"aux">(k::get<"mse">()), k::output<"aux">(k::get<"mae">()));
