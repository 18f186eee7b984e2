// A values-only call of a Keras class form (loss::value): its object must hold the kernel's loops
// for values and none for gradients (tests/CMakeLists.txt reads its symbols with
// support/no_kernels.cmake).
#include <lossc/lossc.hpp>
#include <span>

float keras_values_only(const float* t, const float* p, lossc::index n, lossc::index k, float* values);
float keras_values_only(const float* t, const float* p, lossc::index n, lossc::index k, float* values) {
    namespace K = lossc::keras;
    return K::CategoricalFocalCrossentropy<true>().value(
        K::tensor_view<const float>{t, {n, k}}, K::tensor_view<const float>{p, {n, k}},
        {.values = std::span<float>(values, static_cast<std::size_t>(n))});
}
