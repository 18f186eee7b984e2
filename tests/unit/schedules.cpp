// Every SIMD schedule against the scalar one: random and special inputs, batch sizes and
// widths around the pack width, both storage orders, float and double. Built once per
// instruction set the suite compiles for (tests/CMakeLists.txt), so the packets of each are
// exercised. The error is measured in units of the working type's epsilon, relative to
// max(|a|, |b|, 1), and reported.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <limits>
#include <lossc/lossc.hpp>
#include <random>
#include <string>

#include "matrices.hpp"

using namespace lossc::dsl;

namespace {

using lossc_test::MatC, lossc_test::MatR, lossc_test::random_matrix;

double worst_seen = 0;

template <class T> double eps_distance(T a, T b) {
    if (std::isnan(a) || std::isnan(b)) return (std::isnan(a) && std::isnan(b)) ? 0.0 : 1e300;
    if (a == b) return 0;  // equal infinities too
    if (std::isinf(a) || std::isinf(b)) return 1e300;
    const double scale = std::max({std::abs(double(a)), std::abs(double(b)), 1.0});
    return std::abs(double(a) - double(b)) / (scale * std::numeric_limits<T>::epsilon());
}

/// Runs `loss` on (t, p) with every schedule and both storage orders; compares with scalar rows.
template <class T, class E>
void agree(const E& loss, const MatR<T>& t, const MatR<T>& p, const std::string& what, double bound) {
    const auto k = lossc::compile(loss);
    const Eigen::Index n = p.rows(), c = p.cols();
    Eigen::Matrix<T, Eigen::Dynamic, 1> ps_ref(n), ps(n);
    MatR<T> g_ref(n, c);
    const T ref = k.forward_backward(t, p, ps_ref, g_ref, {.schedule = lossc::schedule::scalar_rows});
    const MatC<T> tc = t, pc = p;
    for (auto sched : {lossc::schedule::automatic, lossc::schedule::along_columns, lossc::schedule::across_rows}) {
        for (int layout = 0; layout < 2; ++layout) {
            MatR<T> g(n, c);
            T r;
            if (layout == 0)
                r = k.forward_backward(t, p, ps, g, {.schedule = sched});
            else {
                MatC<T> gc(n, c);
                r = k.forward_backward(tc, pc, ps, gc, {.schedule = sched});
                g = gc;
            }
            double worst = eps_distance(r, ref) / std::max<double>(1.0, double(n));
            std::string where_worst = "reduced loss";
            for (Eigen::Index i = 0; i < n; ++i) {
                if (const double d = eps_distance(ps(i), ps_ref(i)); d > worst)
                    worst = d, where_worst = "L_" + std::to_string(i) + " = " + std::to_string(double(ps(i))) + " vs " +
                                             std::to_string(double(ps_ref(i)));
                for (Eigen::Index j = 0; j < c; ++j)
                    if (const double d = eps_distance(g(i, j), g_ref(i, j)); d > worst)
                        worst = d, where_worst = "g(" + std::to_string(i) + ", " + std::to_string(j) +
                                                 ") = " + std::to_string(double(g(i, j))) + " vs " +
                                                 std::to_string(double(g_ref(i, j)));
            }
            worst_seen = std::max(worst_seen, worst);
            std::string label = what;
            label.append(", schedule ").append(std::to_string(int(sched)));
            label.append(layout ? ", column-major" : ", row-major").append(", shape (").append(std::to_string(n));
            label.append(", ").append(std::to_string(c)).append("): ").append(where_worst);
            CHECK_MESSAGE(worst <= bound, label << ": " << worst << " eps");
        }
    }
}

constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr auto bce = mean<1>(softplus(y_pred) - y_true * y_pred);
constexpr auto kitchen_sink = mean<1>(where(y_true > 0.5, log_cosh(y_pred - y_true), abs(y_pred) * sigmoid(y_pred))) +
                              max<1>(tanh(y_pred) * y_true) - min<1>(expm1(clip(y_pred, -2.0, 2.0))) +
                              logsumexp<1>(y_pred) + sum<1>(sqrt(square(y_pred) + 1.0) * log1p(abs(y_true))) +
                              mean<1>(pow(abs(y_pred) + 0.5, 1.5)) +
                              sum<1>(maximum(y_pred, 0.0) / (1.0 + exp(-y_pred)));
constexpr auto split = 0.5 * (col<1>(y_pred) + square(col<0>(y_true) - col<0>(y_pred)) * exp(-col<1>(y_pred))) +
                       sum<1>(square(cols<2, 3>(y_pred)));
constexpr auto cosine = -sum<1>(l2_normalize<1>(y_true) * l2_normalize<1>(y_pred));

template <class T> void run_all() {
    std::mt19937 rng(2024);
    const double bound = 64;  // in epsilons of T, relative to max(|a|, |b|, 1)
    for (Eigen::Index n : {0, 1, 3, 15, 16, 17, 33}) {
        const MatR<T> t2 = random_matrix<T>(rng, n, 2, -2, 2), p2 = random_matrix<T>(rng, n, 2, -2, 2);
        agree<T>(custom_mse, t2, p2, "custom_mse", bound);
        for (Eigen::Index c : {1, 3, 10, 17, 40}) {
            const MatR<T> t = random_matrix<T>(rng, n, c, 0, 1), p = random_matrix<T>(rng, n, c, -5, 5);
            agree<T>(cce, t, p, "cce", bound);
            agree<T>(bce, t, p, "bce", bound);
            agree<T>(kitchen_sink, t, p, "kitchen_sink", bound);
            agree<T>(cosine, t, p, "cosine", bound);
            agree<T>(sum<1>(square(y_pred - col<0>(y_true))), t, p, "per-sample column", bound);
        }
        const MatR<T> t5 = random_matrix<T>(rng, n, 1, -1, 1), p5 = random_matrix<T>(rng, n, 5, -1, 1);
        agree<T>(split, t5, p5, "split y_pred", bound);
        // A 1-column y_true broadcast against y_pred.
        const MatR<T> p9 = random_matrix<T>(rng, n, 9, -1, 1);
        agree<T>(sum<1>(square(y_pred - y_true)), t5, p9, "broadcast y_true", bound);
    }
    // Wide column-major batches run in groups of packs (simd/pack_group.hpp), then single packs,
    // then tail rows: rows enough for two groups of 8 packs and both remainders.
    {
        const Eigen::Index n = 2 * 8 * lossc::simd::pack<T>::width + lossc::simd::pack<T>::width + 7;
        for (Eigen::Index c : {16, 130}) {  // 130: wider than the staged blocks (64) too
            const MatR<T> t = random_matrix<T>(rng, n, c, 0, 1);
            MatR<T> p = random_matrix<T>(rng, n, c, -5, 5);
            p(1, 3) = T(1e4);
            p(2, 5) = std::numeric_limits<T>::infinity();
            p(n - 2, 1) = std::numeric_limits<T>::quiet_NaN();
            p.row(6).setConstant(T(-1e30));  // the softmax memo's case (exp(x − logsumexp) absorbs log Σ)
            agree<T>(cce, t, p, "cce, groups", bound);
            if (c == 16) agree<T>(kitchen_sink, t, p, "kitchen_sink, groups", bound);
        }
    }
    // Special values: saturated and infinite logits, NaN in one row, zeros.
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    MatR<T> t = random_matrix<T>(rng, 20, 17, 0, 1), p = random_matrix<T>(rng, 20, 17, -3, 3);
    p(0, 3) = T(1e4);
    p(1, 0) = T(-1e4);
    p(2, 5) = inf;
    p(3, 7) = -inf;
    p(4, 1) = nan;
    p(5, 2) = T(0);
    p.row(6).setConstant(T(-1e30));
    p(7, 8) = std::numeric_limits<T>::denorm_min();
    agree<T>(cce, t, p, "cce special", bound);
    agree<T>(bce, t, p, "bce special", bound);
    agree<T>(kitchen_sink, t, p, "kitchen_sink special", bound);
}
}  // namespace

TEST_CASE_TEMPLATE("SIMD schedules agree with scalar rows", T, float, double) {
    run_all<T>();
    MESSAGE("packet width " << lossc::simd::pack<T>::width << ", worst disagreement " << worst_seen << " eps");
}

// The softmax memo (lower/row_eval.hpp) serves only the gradient: forward() and forward_backward()
// must give the same per-sample losses bit for bit, in every schedule and layout, for losses that
// have a logsumexp whose softmax the gradient reads — the DSL's, the Keras catalog's, one that
// reads softmax in the loss itself — on ordinary rows and rows whose maximum is not finite.
TEST_CASE_TEMPLATE("forward and forward_backward give identical losses where the softmax memo applies", T, float,
                   double) {
    std::mt19937 rng(77);
    const auto focal = -sum<1>(y_true * pow(1.0 - softmax<1>(y_pred), 2.0) * log_softmax<1>(y_pred));
    const auto check = [&](const auto& loss, const char* what) {
        const auto k = lossc::compile(loss);
        for (Eigen::Index c : {1, 5, 16, 17, 70}) {
            MatR<T> t = random_matrix<T>(rng, 37, c, 0, 1), p = random_matrix<T>(rng, 37, c, -6, 6);
            p(3, 0) = std::numeric_limits<T>::infinity();
            p(5, c - 1) = std::numeric_limits<T>::quiet_NaN();
            p.row(7).setConstant(T(-1e30));
            const MatC<T> tc = t, pc = p;
            for (auto sched : {lossc::schedule::automatic, lossc::schedule::along_columns, lossc::schedule::across_rows,
                               lossc::schedule::scalar_rows})
                for (int layout = 0; layout < 2; ++layout) {
                    Eigen::Matrix<T, Eigen::Dynamic, 1> fwd(37), both(37);
                    MatR<T> g(37, c);
                    MatC<T> gc(37, c);
                    if (layout == 0) {
                        k.forward(t, p, fwd, {.schedule = sched});
                        k.forward_backward(t, p, both, g, {.schedule = sched});
                    } else {
                        k.forward(tc, pc, fwd, {.schedule = sched});
                        k.forward_backward(tc, pc, both, gc, {.schedule = sched});
                    }
                    for (Eigen::Index i = 0; i < 37; ++i) {
                        const bool same = (std::isnan(fwd(i)) && std::isnan(both(i))) || fwd(i) == both(i);
                        CHECK_MESSAGE(same, what << ", " << c << " columns, schedule " << int(sched) << ", layout "
                                                 << layout << ": L_" << i << " forward " << fwd(i)
                                                 << " forward_backward " << both(i));
                    }
                }
        }
    };
    check(cce, "cce");
    check(focal, "focal (softmax in the loss)");
    check(lossc::keras::categorical_crossentropy<true>(0.1), "keras cce");
    check(lossc::keras::sparse_categorical_crossentropy<true>(), "keras scce (ids in column 0)");
}
