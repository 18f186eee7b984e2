// libFuzzer target: every kernel call either throws lossc::shape_error and leaves every output
// as it was, or agrees with the scalar-rows reference schedule (64 epsilons of the magnitude of
// the terms involved, see agree(); NaN where the reference has NaN) on every row whose inputs
// are finite and below 1e30 in magnitude (rows with extremes may round differently in another
// summation order). The input chooses the loss, the dtype,
// shapes around the pack widths, strides and storage order, values including ±0, ±inf, NaN,
// subnormals and ±max, and deliberately bad arguments: wrong lengths and shapes, null
// pointers, outputs aliasing inputs or each other, sample weights of the wrong length, negative
// extents, strides near 2^62, a gradient whose rows share memory, options outside their enums
// (each of the last five must be rejected: lossc::shape_error or lossc::parameter_error).
//   build: clang++ -fsanitize=fuzzer,address,undefined (tests/CMakeLists.txt, clang builds)
//   run:   tests/fuzz/run.sh SECONDS
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <lossc/lossc.hpp>
#include <vector>

using namespace lossc::dsl;

namespace {
constexpr auto custom_mse = lossc::compile(sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f)));
constexpr auto cce = lossc::compile(-sum<1>(y_true * log(softmax<1>(y_pred))));
constexpr auto bce = lossc::compile(mean<1>(softplus(y_pred) - y_true * y_pred));
constexpr auto nll =
    lossc::compile(0.5 * (col<1>(y_pred) + square(col<0>(y_true) - col<0>(y_pred)) * exp(-col<1>(y_pred))));
constexpr auto mixed = lossc::compile(mean<1>(where(y_true > 0.5, log_cosh(y_pred - y_true), abs(y_pred))) +
                                      max<1>(tanh(y_pred)) - min<1>(y_pred * y_true) + logsumexp<1>(y_pred));
constexpr auto bcast = lossc::compile(sum<1>(square(y_pred - y_true)));  // y_true may have 1 column

template <class T> T pick_value(FuzzedDataProvider& in) {
    using lim = std::numeric_limits<T>;
    const T special[] = {T(0),
                         -T(0),
                         T(1),
                         T(-1),
                         lim::infinity(),
                         -lim::infinity(),
                         lim::quiet_NaN(),
                         lim::denorm_min(),
                         lim::max(),
                         -lim::max(),
                         T(1e4),
                         T(-1e4),
                         lim::min()};
    if (in.ConsumeIntegralInRange<int>(0, 7) == 0) return special[in.ConsumeIntegralInRange<int>(0, 12)];
    return static_cast<T>(in.ConsumeFloatingPointInRange<double>(-6.0, 6.0));
}

[[noreturn]] void fail(const char* what, double a, double b) {
    std::fprintf(stderr, "lossc fuzz: %s: %.17g vs %.17g\n", what, a, b);
    std::abort();
}

/// Agreement to 64 epsilons of the magnitude of the terms that may cancel: the result's, or
/// the products and squares of the row's input magnitudes (mt = max |y_true|, mp = max |y_pred|).
template <class T> bool agree(T a, T b, double mt, double mp) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (a == b) return true;
    if (std::isinf(a) || std::isinf(b)) return false;
    const double scale =
        std::max({std::abs(double(a)), std::abs(double(b)), 1.0, (1 + mt) * (1 + mp), (mt + mp) * (mt + mp)});
    return std::abs(double(a) - double(b)) <= 64 * scale * std::numeric_limits<T>::epsilon();
}

template <class T, class K> void run(FuzzedDataProvider& in, const K& k) {
    const auto sizes = {0, 1, 2, 7, 15, 16, 17, 31, 32, 33};
    const lossc::index n = in.ConsumeBool() ? *(sizes.begin() + in.ConsumeIntegralInRange<int>(0, 9))
                                            : in.ConsumeIntegralInRange<lossc::index>(0, 70);
    const lossc::index ct = in.ConsumeIntegralInRange<lossc::index>(1, 20);
    const lossc::index cp = in.ConsumeBool() ? ct : in.ConsumeIntegralInRange<lossc::index>(1, 20);
    const bool col_major = in.ConsumeBool();
    const lossc::index pad = in.ConsumeIntegralInRange<lossc::index>(0, 3);
    auto make = [&](lossc::index rows, lossc::index cols, std::vector<T>& store) {
        const lossc::index ld = (col_major ? rows : cols) + pad;
        store.assign(static_cast<std::size_t>(std::max<lossc::index>(1, ld * (col_major ? cols : rows))), T(0));
        for (auto& v : store) v = pick_value<T>(in);
        return col_major ? lossc::matrix_view<T>(store.data(), rows, cols, 1, ld)
                         : lossc::matrix_view<T>(store.data(), rows, cols, ld, 1);
    };
    std::vector<T> ts, ps_store, gs, ps2(static_cast<std::size_t>(n) + 3), gs2;
    auto t = make(n, ct, ts);
    auto p = make(n, cp, ps_store);
    // Outputs, possibly of the wrong shape, possibly aliasing an input.
    const int misuse = in.ConsumeIntegralInRange<int>(0, 9);
    const lossc::index ps_len = misuse == 1 ? n + 1 : n;
    const lossc::index g_rows = misuse == 2 ? n + 1 : n, g_cols = misuse == 3 ? cp + 1 : cp;
    std::vector<T> out_ps(static_cast<std::size_t>(ps_len) + 1, T(-7)),
        out_g(static_cast<std::size_t>(g_rows * g_cols) + 1, T(-7));
    lossc::vector_view<T> per_sample(out_ps.data(), ps_len);
    lossc::matrix_view<T> grad(out_g.data(), g_rows, g_cols);
    if (misuse == 4 && n > 0)
        grad = lossc::matrix_view<T>(ps_store.data(), p.rows, p.cols, p.row_stride, p.col_stride);  // aliasing
    if (misuse == 5 && n > 0) t.data = nullptr;
    std::vector<T> weights(static_cast<std::size_t>(n) + 2);
    for (auto& w : weights) w = in.ConsumeBool() ? T(1) : pick_value<T>(in);
    lossc::options opt{};
    opt.reduction = static_cast<lossc::reduction>(in.ConsumeIntegralInRange<int>(0, 2));
    opt.schedule = static_cast<lossc::schedule>(in.ConsumeIntegralInRange<int>(0, 3));
    if (misuse == 6)
        opt.sample_weight = lossc::vector_view<const T>(weights.data(), n + 1);
    else if (in.ConsumeBool())
        opt.sample_weight = lossc::vector_view<const T>(weights.data(), n);
    if (in.ConsumeIntegralInRange<int>(0, 15) == 0) opt.threads = 2, opt.parallel_threshold = 1;
    // Hostile arguments, drawn last so that the corpus's earlier inputs decode as before (an
    // input that ends here draws 0: none).
    const int hostile = misuse == 0 || misuse >= 7 ? in.ConsumeIntegralInRange<int>(0, 7) : 0;
    if (hostile == 1) (in.ConsumeBool() ? t.cols : grad.cols) = -1 - in.ConsumeIntegralInRange<lossc::index>(0, 3);
    if (hostile == 2) p.row_stride = (lossc::index(1) << 62) * (in.ConsumeBool() ? 1 : -1);
    if (hostile == 3) grad.row_stride = 0;
    if (hostile == 4) per_sample = lossc::vector_view<T>(out_g.data(), ps_len);  // inside grad (n ≤ n·cp + 1 elements)
    if (hostile == 5)
        opt.reduction = static_cast<lossc::reduction>(4 + in.ConsumeIntegralInRange<int>(0, 100));  // none, or no value
    const bool must_reject = hostile == 1 || (hostile == 2 && n > 1) || (hostile == 3 && n > 1 && cp > 0) ||
                             (hostile == 4 && n > 0 && cp > 0) || hostile == 5;

    if (std::getenv("LOSSC_FUZZ_DEBUG"))  // prints the chosen case, for reproducing a crash
        std::fprintf(stderr,
                     "n %ld ct %ld cp %ld col_major %d pad %ld misuse %d hostile %d reduction %d schedule %d weights "
                     "%d threads %d\n",
                     long(n), long(ct), long(cp), int(col_major), long(pad), misuse, hostile, int(opt.reduction),
                     int(opt.schedule), int(opt.sample_weight.present()), opt.threads);
    const std::vector<T> before_ps = out_ps, before_g = out_g, before_p = ps_store;
    T result;
    try {
        result =
            k.forward_backward(lossc::matrix_view<const T>(t), lossc::matrix_view<const T>(p), per_sample, grad, opt);
    } catch (const std::invalid_argument&) {  // lossc::shape_error, lossc::parameter_error
        // Byte comparisons: the buffers may hold NaN, which compares unequal to itself.
        auto same = [](const std::vector<T>& a, const std::vector<T>& b) {
            return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
        };
        if (!same(out_ps, before_ps) || !same(ps_store, before_p)) fail("shape_error after writing an output", 0, 0);
        if (misuse != 4 && !same(out_g, before_g)) fail("shape_error after writing grad", 0, 0);
        return;
    }
    if (must_reject) fail("a hostile argument was accepted (class)", hostile, 0);
    // Accepted: compare with the scalar-rows reference.
    std::vector<T> ref_ps(static_cast<std::size_t>(std::max<lossc::index>(n, 1))),
        ref_g(static_cast<std::size_t>(std::max<lossc::index>(n * cp, 1)));
    lossc::options ref_opt = opt;
    ref_opt.schedule = lossc::schedule::scalar_rows;
    ref_opt.threads = 1;
    const T ref = k.forward_backward(lossc::matrix_view<const T>(t), lossc::matrix_view<const T>(p),
                                     lossc::vector_view<T>(ref_ps.data(), n),
                                     lossc::matrix_view<T>(ref_g.data(), n, cp), ref_opt);
    // A row holding a non-finite value or a magnitude near overflow may legitimately differ between
    // schedules: SIMD reductions add in another order, and (max + max) − max is inf in one order
    // and max in the other. Every other row must agree — which also checks that such a row never
    // leaks into its neighbours.
    auto extreme_row = [&](lossc::index i) {
        auto bad = [](T v) { return !std::isfinite(v) || std::abs(v) >= T(1e30); };
        for (lossc::index j = 0; j < t.cols; ++j)
            if (bad(t(i, j))) return true;
        for (lossc::index j = 0; j < p.cols; ++j)
            if (bad(p(i, j))) return true;
        return false;
    };
    for (lossc::index i = 0; i < n; ++i) {
        if (extreme_row(i)) continue;
        double mt = 0, mp = 0;
        for (lossc::index j = 0; j < t.cols; ++j) mt = std::max(mt, std::abs(double(t(i, j))));
        for (lossc::index j = 0; j < p.cols; ++j) mp = std::max(mp, std::abs(double(p(i, j))));
        if (!agree(per_sample[i], ref_ps[static_cast<std::size_t>(i)], mt, mp))
            fail("per-sample loss differs", per_sample[i], ref_ps[static_cast<std::size_t>(i)]);
        for (lossc::index j = 0; j < cp; ++j)
            if (!agree(grad(i, j), ref_g[static_cast<std::size_t>(i * cp + j)], mt, mp)) {
                if (std::getenv("LOSSC_FUZZ_DEBUG")) {
                    for (lossc::index r = 0; r < n; ++r) {
                        std::fprintf(stderr, "  {");
                        for (lossc::index k = 0; k < t.cols; ++k) std::fprintf(stderr, "%.9g, ", double(t(r, k)));
                        for (lossc::index k = 0; k < p.cols; ++k) std::fprintf(stderr, "%.9g, ", double(p(r, k)));
                        std::fprintf(stderr, "},\n");
                    }
                    std::fprintf(stderr, "row %ld column %ld; y_true:", long(i), long(j));
                    for (lossc::index k = 0; k < t.cols; ++k) std::fprintf(stderr, " %.9g", double(t(i, k)));
                    std::fprintf(stderr, "; y_pred:");
                    for (lossc::index k = 0; k < p.cols; ++k) std::fprintf(stderr, " %.9g", double(p(i, k)));
                    std::fprintf(stderr, "\n");
                }
                fail("gradient differs", grad(i, j), ref_g[static_cast<std::size_t>(i * cp + j)]);
            }
    }
    (void)result;
    (void)ref;  // the reduced loss mixes all rows, extreme ones included: not compared
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const bool dbl = in.ConsumeBool();
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
        case 0: dbl ? run<double>(in, custom_mse) : run<float>(in, custom_mse); break;
        case 1: dbl ? run<double>(in, cce) : run<float>(in, cce); break;
        case 2: dbl ? run<double>(in, bce) : run<float>(in, bce); break;
        case 3: dbl ? run<double>(in, nll) : run<float>(in, nll); break;
        case 4: dbl ? run<double>(in, mixed) : run<float>(in, mixed); break;
        default: dbl ? run<double>(in, bcast) : run<float>(in, bcast);
    }
    return 0;
}
