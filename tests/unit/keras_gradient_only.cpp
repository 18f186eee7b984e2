// A loss-and-gradient call of a Keras class form (loss::value_and_grad): its object must hold the
// kernel's loops for gradients and none for values only (tests/CMakeLists.txt reads its symbols
// with support/no_kernels.cmake).
#include <lossc/lossc.hpp>
#include <span>

float keras_gradient_only(const float* t, const float* p, lossc::index n, lossc::index k, float* grad);
float keras_gradient_only(const float* t, const float* p, lossc::index n, lossc::index k, float* grad) {
    namespace K = lossc::keras;
    return K::CategoricalCrossentropy<true>(0.1).value_and_grad(
        K::tensor_view<const float>{t, {n, k}}, K::tensor_view<const float>{p, {n, k}},
        {.grad = std::span<float>(grad, static_cast<std::size_t>(n * k))});
}
