// lossc demo: the two losses of the classic Keras Q&A, written as lossc expressions, checked by
// the compiler, compiled into kernels and run on a small batch.
//
//   def custom_mse(y_true, y_pred):                      # x2 matters more than x1
//       return K.sum(K.square(y_pred - y_true) * [0.3, 0.7], axis=1)
//   model.compile(loss="categorical_crossentropy")     # softmax outputs, one-hot labels
#include <Eigen/Core>
#include <cstdio>
#include <exception>
#include <lossc/lossc.hpp>

using namespace lossc::dsl;

inline constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
// Cross-entropy from logits; log(softmax(x)) is rewritten to the stable x - logsumexp(x).
inline constexpr auto categorical_crossentropy = -sum<1>(y_true * log(softmax<1>(y_pred)));

// The Keras rules, enforced while compiling.
static_assert(lossc::depends_on_y_pred<decltype(custom_mse)>);
static_assert(lossc::output_rank<decltype(custom_mse)> == 1);
static_assert(lossc::depends_on_y_pred<decltype(categorical_crossentropy)>);
static_assert(lossc::output_rank<decltype(categorical_crossentropy)> == 1);

// Values and gradients checked by the compiler: (3 - 2)^2 * 0.7 and d/dp2 = 2 * 0.7 * (3 - 2).
constexpr auto r = lossc::evaluate(custom_mse, std::array{1.f, 2.f}, std::array{1.f, 3.f});
static_assert(r.per_sample[0] == 0.7f && r.grad[0][0] == 0.f && r.grad[0][1] == 1.4f);

constexpr auto mse_kernel = lossc::compile(custom_mse);
constexpr auto cce_kernel = lossc::compile(categorical_crossentropy);

template <class M> static void print_matrix(const char* name, const M& m) {
    std::printf("%s =\n", name);
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        std::printf("  ");
        for (Eigen::Index j = 0; j < m.cols(); ++j) std::printf("% .6f ", static_cast<double>(m(i, j)));
        std::printf("\n");
    }
}

static int run() {
    std::printf("custom_mse            L = %s\n", lossc::to_string(custom_mse).c_str());
    std::printf("                  dL/dp = %s\n", lossc::to_string(mse_kernel.gradient_expression()).c_str());
    Eigen::MatrixXf yt(4, 2), yp(4, 2), grad(4, 2);
    yt << 1, 2, 0, 1, 3, 3, -1, 0;
    yp << 1, 3, 0.5, 1, 2, 4, -1, -2;
    Eigen::VectorXf per_sample(4);
    const float loss = mse_kernel.forward_backward(yt, yp, per_sample, grad);  // mean over the batch
    print_matrix("y_true", yt);
    print_matrix("y_pred", yp);
    print_matrix("per-sample loss", per_sample);
    print_matrix("dloss/dy_pred (mean over the batch)", grad);
    std::printf("loss (sum_over_batch_size) = %.6f\n\n", static_cast<double>(loss));

    std::printf("categorical_crossentropy  L = %s\n", lossc::to_string(categorical_crossentropy).c_str());
    std::printf("                      dL/dx = %s\n", lossc::to_string(cce_kernel.gradient_expression()).c_str());
    // Row-major storage works the same; any Eigen dense object with direct access does.
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> labels(3, 3), logits(3, 3), g(3, 3);
    labels << 1, 0, 0, 0, 1, 0, 0, 0, 1;
    logits << 2.0f, 1.0f, 0.1f, 0.5f, 2.5f, 0.3f, 1.2f, 0.2f, 0.1f;
    Eigen::VectorXf ce(3);
    const float ce_loss = cce_kernel.forward_backward(labels, logits, ce, g, {.reduction = lossc::reduction::sum});
    print_matrix("per-sample cross-entropy", ce);
    print_matrix("dloss/dlogits = softmax - y_true", g);
    std::printf("loss (sum) = %.6f\n", static_cast<double>(ce_loss));
    return 0;
}

int main() {
    try {
        return run();
    } catch (const std::exception& e) {  // lossc::shape_error on misuse; none is expected here
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
