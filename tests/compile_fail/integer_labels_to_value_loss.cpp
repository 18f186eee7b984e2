// Integer class ids passed to a kernel: the message points to the sparse forms and lossc::labels.
// expect: lossc::labels
#include <Eigen/Core>
#include <lossc/lossc.hpp>
using namespace lossc::dsl;
void f(const Eigen::VectorXi& ids, const Eigen::MatrixXf& logits, Eigen::VectorXf& ps) {
    constexpr auto k = lossc::compile(-sum<1>(one_hot(labels) * log_softmax<1>(y_pred)));
    k.forward(ids, logits, ps);
}
