// Run-time dispatch (include/lossc/dispatch.hpp): every part this CPU runs gives the results of
// the kernel compiled here, the widest is chosen, LOSSC_DISPATCH caps it, and errors thrown inside
// a part (a shared library of hidden visibility) are caught by their lossc type.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cstdlib>
#include <lossc/dispatch.hpp>
#include <random>
#include <string>

LOSSC_DISPATCH_DECLARE(dispatched_mse)
LOSSC_DISPATCH_DECLARE(dispatched_cce)
LOSSC_DISPATCH_DECLARE(dispatched_batch_dice)
LOSSC_DISPATCH_DECLARE(dispatched_info_nce)

namespace {
using lossc::dispatch::isa;
template <class T> using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

constexpr auto mse_here =
    lossc::compile(lossc::sum<1>(lossc::square(lossc::y_pred - lossc::y_true) * lossc::weights(0.3f, 0.7f)));
constexpr auto cce_here = lossc::compile(-lossc::sum<1>(lossc::y_true * lossc::log(lossc::softmax<1>(lossc::y_pred))));
constexpr auto batch_dice_here = lossc::compile(
    lossc::batch_loss(1.0 - (2.0 * lossc::batch_sum(lossc::sum<1>(lossc::y_true * lossc::y_pred)) + 1.0) /
                                (lossc::batch_sum(lossc::sum<1>(lossc::y_true + lossc::y_pred)) + 1.0)));
constexpr auto info_nce_here = lossc::compile(
    lossc::batch_loss(lossc::pair_logsumexp(lossc::sum<1>(lossc::y_pred * lossc::other(lossc::y_true)) * 10.0) -
                      lossc::sum<1>(lossc::y_pred * lossc::y_true) * 10.0));

/// The parts this process may run: those up to the host's widest that were built.
std::vector<isa> runnable() {
    std::vector<isa> out;
    for (isa i : {isa::baseline, isa::avx2, isa::avx512}) {
        try {
            (void)dispatched_mse.only(i);
            out.push_back(i);
        } catch (const lossc::dispatch_error&) {}
    }
    return out;
}

template <class T, class Dispatched, class Here>
void agree(const Dispatched& d, const Here& here, Eigen::Index cols, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(-3, 3);
    for (Eigen::Index n : {1, 7, 64, 203}) {
        MatR<T> t(n, cols), p(n, cols);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < cols; ++j)
                t(i, j) = static_cast<T>(std::abs(u(rng)) / 3), p(i, j) = static_cast<T>(u(rng));
        MatR<T> g(n, cols), g_ref(n, cols);
        Vec<T> ps(n), ps_ref(n);
        const T r_ref = here.forward_backward(t, p, ps_ref, g_ref);
        const T tol = std::is_same_v<T, float> ? T(2e-5) : T(1e-12);
        for (isa i : runnable()) {
            const auto one = d.only(i);
            CHECK(one.chosen() == i);
            const T r = one.forward_backward(t, p, ps, g);
            CHECK_MESSAGE(std::abs(r - r_ref) <= tol * (1 + std::abs(r_ref)), lossc::dispatch::name(i)
                                                                                  << ", " << n << " rows");
            CHECK_MESSAGE(((ps - ps_ref).array().abs() <= tol * (1 + ps_ref.array().abs())).all(),
                          lossc::dispatch::name(i));
            CHECK_MESSAGE(((g - g_ref).array().abs() <= tol * (1 + g_ref.array().abs())).all(),
                          lossc::dispatch::name(i));
            Vec<T> ps_fwd(n);
            CHECK(std::abs(one.forward(t, p, ps_fwd) - r_ref) <= tol * (1 + std::abs(r_ref)));
        }
    }
}
}  // namespace

TEST_CASE_TEMPLATE("every part a dispatched loss runs on this CPU gives the kernel's results", T, float, double) {
    std::mt19937 rng(90);
    REQUIRE(!runnable().empty());
    agree<T>(dispatched_mse, mse_here, 2, rng);
    agree<T>(dispatched_cce, cce_here, 10, rng);
    agree<T>(dispatched_cce, cce_here, 37, rng);
}

// Cross-sample losses take the same path: the parts compile batch and pair kernels alike.
TEST_CASE_TEMPLATE("cross-sample losses dispatch too", T, float, double) {
    std::mt19937 rng(91);
    agree<T>(dispatched_batch_dice, batch_dice_here, 5, rng);
    agree<T>(dispatched_info_nce, info_nce_here, 16, rng);
    agree<T>(dispatched_info_nce, info_nce_here, 37, rng);
}

TEST_CASE("the widest part the CPU runs is chosen, and names its kernels") {
    const auto parts = runnable();
    REQUIRE(!parts.empty());
    CHECK(dispatched_mse.chosen() == parts.back());
    const std::string k = dispatched_mse.kernels();
    switch (parts.back()) {
        case isa::avx512: CHECK(k == "isa_avx512"); break;
        case isa::avx2: CHECK(k == "isa_avx2_fma"); break;
        default: CHECK(k == "isa_sse2");
    }
}

TEST_CASE("LOSSC_DISPATCH caps the parts, and an unknown value is an error") {
    ::setenv("LOSSC_DISPATCH", "baseline", 1);
    CHECK_NOTHROW((void)dispatched_mse.only(isa::baseline));
    CHECK_THROWS_AS((void)dispatched_mse.only(isa::avx2), lossc::dispatch_error);
    ::setenv("LOSSC_DISPATCH", "sse9", 1);
    CHECK_THROWS_WITH_AS((void)lossc::dispatch::host_isa(), doctest::Contains("LOSSC_DISPATCH=sse9"),
                         lossc::dispatch_error);
    ::unsetenv("LOSSC_DISPATCH");
}

TEST_CASE("an error thrown inside a part is caught by its lossc type") {
    MatR<float> t(4, 2), p(5, 2), g(5, 2);
    t.setZero(), p.setZero();
    Vec<float> ps(5);
    for (isa i : runnable())
        CHECK_THROWS_WITH_AS(dispatched_mse.only(i).forward_backward(t, p, ps, g), doctest::Contains("dimension 0"),
                             lossc::shape_error);
}
