// A call that names an output the model does not have.
// expect: lossc: outputs: at<name>(...) names an output the model does not have
// expect: 'a', 'x', 'u'
#include <lossc/keras/outputs.hpp>
namespace k = lossc::keras;
float f(const float* t, const float* p) {
    const auto model = k::outputs(k::output<"aux">(k::get<"mse">()));
    return model(k::at<"axu">(k::tensor_view<const float>{t, {2, 2}}, k::tensor_view<const float>{p, {2, 2}})).total;
}
