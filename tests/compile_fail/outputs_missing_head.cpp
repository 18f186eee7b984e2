// A call that gives one head of two.
// expect: lossc: outputs: the call gives no at<name>(y_true, y_pred) for the output
// expect: 'd', 'i', 'g', 'i', 't'
#include <lossc/keras/outputs.hpp>
namespace k = lossc::keras;
float f(const float* t, const float* p) {
    const auto model = k::outputs(k::output<"aux">(k::get<"mse">()), k::output<"digit">(k::get<"mae">()));
    return model(k::at<"aux">(k::tensor_view<const float>{t, {2, 2}}, k::tensor_view<const float>{p, {2, 2}})).total;
}
