// y_true in double against y_pred in float.
// expect: lossc: y_true and y_pred must have the same scalar type
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
void f(const Eigen::MatrixXd& t, const Eigen::MatrixXf& p, Eigen::VectorXf& ps) {
    lossc::compile(sum<1>(y_pred - y_true)).forward(t, p, ps);
}
