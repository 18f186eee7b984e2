// The layers below the lowering — expr/ (with the op table and the builders), rewrite/,
// analysis/, diff/, print/ — compiled without Eigen on the include path (the ctest
// expression_layer_without_eigen): a loss is formed, checked and differentiated, and the op
// table's rules evaluated, by the compiler alone. Only lower/ and simd/ need SIMD headers.
#include <lossc/analysis/diagnose.hpp>
#include <lossc/diff/reverse.hpp>
#include <lossc/expr/vocabulary.hpp>
#include <lossc/print/to_string.hpp>
#include <type_traits>

#ifdef EIGEN_WORLD_VERSION
#error "lossc: the expression layer included Eigen"
#endif

namespace {
using namespace lossc;

constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
static_assert(depends_on_y_pred<decltype(custom_mse)>);
static_assert(output_rank<decltype(custom_mse)> == 1);

// d/dp of Σ w (p − t)² is 2 w (p − t): a derived type, not the zero gradient.
static_assert(!std::is_same_v<gradient_t<decltype(custom_mse)>, zero_t>);
static_assert(std::is_same_v<gradient_t<decltype(sum<1>(stop_gradient(y_pred) * y_true))>, zero_t>);

// The table's rules run at compile time (lossc::cx inside math/scalar.hpp).
static_assert(ops::exp_op{}(0.0) == 1.0);
static_assert(ops::log10_op{}(1.0) == 0.0);
static_assert(ops::clip_op{-1.0, 1.0}(3.0) == 1.0);
static_assert(ops::unary_ops::size >= 20 && ops::binary_ops::size >= 13);
}  // namespace

int main() { return to_string(custom_mse).empty() ? 1 : 0; }
