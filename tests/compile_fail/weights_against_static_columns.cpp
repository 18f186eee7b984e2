// Two weights against an Eigen matrix of 3 static columns: known while compiling (it compiled and
// threw at run time).
// expect: lossc: the loss's weights(...) have another count than y_pred's static column count
#include <Eigen/Core>
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
using M3 = Eigen::Matrix<float, Eigen::Dynamic, 3, Eigen::RowMajor>;
float f(const M3& t, const M3& p, Eigen::VectorXf& ps, M3& g) {
    constexpr auto k = lossc::compile(sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f)));
    return k.forward_backward(t, p, ps, g);
}
