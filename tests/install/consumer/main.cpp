// Uses an installed lossc: the README's weighted MSE on an Eigen matrix, and Keras's "mse" by
// name (Boost.Hana), checked by hand.
#include <lossc/keras/by_name.hpp>
#include <lossc/lossc.hpp>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>

int main() {
    constexpr auto custom_mse =
        lossc::sum<1>(lossc::square(lossc::y_pred - lossc::y_true) * lossc::weights(0.3f, 0.7f));
    static_assert(lossc::depends_on_y_pred<decltype(custom_mse)>);
    const auto kernel = lossc::compile(custom_mse);
    Eigen::Matrix<float, Eigen::Dynamic, 2, Eigen::RowMajor> y_true(3, 2), y_pred(3, 2), grad(3, 2);
    y_true << 0, 1, 1, 0, 2, 2;
    y_pred << 1, 1, 1, 2, 0, 4;
    Eigen::VectorXf per_sample(3);
    const float total = kernel.forward_backward(y_true, y_pred, per_sample, grad);
    // rows: 0.3·1 = 0.3; 0.7·4 = 2.8; 0.3·4 + 0.7·4 = 4; mean 7.1 / 3
    const bool ok = std::abs(per_sample(0) - 0.3f) < 1e-6f && std::abs(per_sample(1) - 2.8f) < 1e-6f &&
                    std::abs(per_sample(2) - 4.0f) < 1e-6f && std::abs(total - 7.1f / 3) < 1e-6f &&
                    std::abs(grad(1, 1) - 2 * 0.7f * 2 / 3) < 1e-6f;
    // keras.losses.get("mse"): rows 0.5, 2, 4 and their mean
    const float mse = lossc::keras::get<"mse">()(lossc::keras::tensor_view<const float>(y_true),
                                                 lossc::keras::tensor_view<const float>(y_pred));
    const bool ok_mse = std::abs(mse - 6.5f / 3) < 1e-6f;
    std::printf("lossc consumer: loss %g, gradient (1, 1) %g, mse %g: %s\n", total, grad(1, 1), mse,
                ok && ok_mse ? "as expected" : "WRONG");
    return ok && ok_mse ? 0 : 1;
}
