// Integer y_true is for the losses over class ids; mean squared error wants y_pred's type.
// expect: lossc: integer y_true is for losses over class ids
#include <lossc/lossc.hpp>

int main() {
    int ids[2] = {0, 1};
    float p[4] = {};
    lossc::keras::tensor_view<const int> yt{ids, {2}};
    lossc::keras::tensor_view<const float> yp{p, {2, 2}};
    return static_cast<int>(lossc::keras::MeanSquaredError()(yt, yp));
}
