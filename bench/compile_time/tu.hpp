// One translation unit of the compile-time benchmark (bench/compile_time.sh) and of the
// compile-budget test: the losses of losses.hpp (or, with LOSSC_CT_KERAS, the Keras function forms
// of keras_forms.hpp) selected by LOSSC_CT_FIRST..LOSSC_CT_LAST (or LOSSC_CT_ONLY), each compiled
// and called once with forward_backward on row-major Eigen matrices, as a user's trainer would.
// Without a selection it is the include-only baseline.
#include <Eigen/Core>
#include <lossc/lossc.hpp>

#include "keras_forms.hpp"
#include "losses.hpp"

#ifdef LOSSC_CT_KERAS
#define LOSSC_CT_LIST LOSSC_CT_KERAS_FORMS
#else
#define LOSSC_CT_LIST LOSSC_CT_LOSSES
#endif
#if !defined(LOSSC_CT_ONLY) && !defined(LOSSC_CT_FIRST)
#define LOSSC_CT_FIRST 1
#define LOSSC_CT_LAST 0
#endif

#ifdef LOSSC_CT_ONLY
#define LOSSC_CT_FIRST LOSSC_CT_ONLY
#define LOSSC_CT_LAST LOSSC_CT_ONLY
#endif

namespace lossc_ct {
using namespace lossc::dsl;
namespace k = lossc::keras;
using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
enum : int {
#define LOSSC_CT_ENUM(name, expr) k_##name,
    LOSSC_CT_LIST(LOSSC_CT_ENUM)
#undef LOSSC_CT_ENUM
};
/// The loss made dependent on the template's argument: the losses not selected are then neither
/// compiled nor even constant-evaluated (a non-dependent initializer would be, at definition).
template <bool Selected, class E> constexpr const E& dependent(const E& e) { return e; }
// A template instantiated explicitly, so that the losses not selected are never instantiated.
#define LOSSC_CT_DEFINE(name, expr)                                                                      \
    template <bool Selected> float run_##name(const Mat& t, const Mat& p, Eigen::VectorXf& ps, Mat& g) { \
        if constexpr (Selected) {                                                                        \
            constexpr auto kernel = lossc::compile(dependent<Selected>(expr));                           \
            return kernel.forward_backward(t, p, ps, g);                                                 \
        } else {                                                                                         \
            return 0.f;                                                                                  \
        }                                                                                                \
    }                                                                                                    \
    template float run_##name<(int(k_##name) >= LOSSC_CT_FIRST && int(k_##name) <= LOSSC_CT_LAST)>(      \
        const Mat&, const Mat&, Eigen::VectorXf&, Mat&);
LOSSC_CT_LIST(LOSSC_CT_DEFINE)
#undef LOSSC_CT_DEFINE
}  // namespace lossc_ct
