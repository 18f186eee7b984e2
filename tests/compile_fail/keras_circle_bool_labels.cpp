// Circle and CTC read y_true as integer labels: bool labels are refused, with the fix.
// expect: lossc: Circle's and CTC's y_true holds integer labels
#include <lossc/lossc.hpp>

int main() {
    bool same[2] = {true, false};
    float p[4] = {};
    lossc::keras::tensor_view<const bool> yt{same, {2}};
    lossc::keras::tensor_view<const float> yp{p, {2, 2}};
    return static_cast<int>(lossc::keras::Circle()(yt, yp));
}
