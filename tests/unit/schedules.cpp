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

using namespace lossc::dsl;

namespace {

template <class T>
using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatC = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

double worst_seen = 0;

template <class T>
double eps_distance(T a, T b) {
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
            if (layout == 0) r = k.forward_backward(t, p, ps, g, {.schedule = sched});
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
                        worst = d, where_worst = "g(" + std::to_string(i) + ", " + std::to_string(j) + ") = " +
                                                 std::to_string(double(g(i, j))) + " vs " + std::to_string(double(g_ref(i, j)));
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

template <class T>
MatR<T> random_matrix(std::mt19937& rng, Eigen::Index n, Eigen::Index c, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    MatR<T> m(n, c);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < c; ++j) m(i, j) = static_cast<T>(u(rng));
    return m;
}

constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr auto bce = mean<1>(softplus(y_pred) - y_true * y_pred);
constexpr auto kitchen_sink = mean<1>(where(y_true > 0.5, log_cosh(y_pred - y_true), abs(y_pred) * sigmoid(y_pred))) +
                              max<1>(tanh(y_pred) * y_true) - min<1>(expm1(clip(y_pred, -2.0, 2.0))) +
                              logsumexp<1>(y_pred) + sum<1>(sqrt(square(y_pred) + 1.0) * log1p(abs(y_true))) +
                              mean<1>(pow(abs(y_pred) + 0.5, 1.5)) + sum<1>(maximum(y_pred, 0.0) / (1.0 + exp(-y_pred)));
constexpr auto split = 0.5 * (col<1>(y_pred) + square(col<0>(y_true) - col<0>(y_pred)) * exp(-col<1>(y_pred))) +
                       sum<1>(square(cols<2, 3>(y_pred)));
constexpr auto cosine = -sum<1>(l2_normalize<1>(y_true) * l2_normalize<1>(y_pred));

template <class T>
void run_all() {
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
TEST_CASE_TEMPLATE("forward and forward_backward give identical losses where the softmax memo applies", T, float, double) {
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
                        CHECK_MESSAGE(same, what << ", " << c << " columns, schedule " << int(sched) << ", layout " << layout
                                                 << ": L_" << i << " forward " << fwd(i) << " forward_backward " << both(i));
                    }
                }
        }
    };
    check(cce, "cce");
    check(focal, "focal (softmax in the loss)");
    check(lossc::keras::categorical_crossentropy<true>(0.1), "keras cce");
    check(lossc::keras::sparse_categorical_crossentropy<true>(), "keras scce (ids in column 0)");
}

// The logistic memo (lower/row_eval.hpp): a block's loss keeps exp(−|x|) of its softplus/sigmoid
// and the gradient's sigmoid/softplus of the same x (up to sign) reads it. It must apply where
// it is meant to (a silent fallback would only show as lost speed), not where a column selection
// could make the gradient read another column's slot, and change no value: losses as forward()
// gives them, gradients as the same schedule gives them for an equal loss whose memo is off.
namespace logistic_memo_check {
template <class L>
using base_of = typename decltype(lossc::lowering::logistic_memo_base<lossc::node_t<L>, lossc::gradient_t<lossc::node_t<L>>>())::type;
template <class L>
inline constexpr bool applies = !std::is_void_v<base_of<L>>;
static_assert(applies<decltype(bce)>);
static_assert(std::is_same_v<base_of<decltype(bce)>, std::remove_cvref_t<decltype(y_pred)>>);
static_assert(applies<decltype(lossc::keras::binary_crossentropy<true>())>);  // t·softplus(−x) + (1 − t)·softplus(x)
static_assert(applies<decltype(mean<1>(sigmoid(y_pred) * y_true))>);        // sigmoid in the loss, s(1 − s) in the gradient
static_assert(!applies<decltype(cce)>);
static_assert(!applies<decltype(sum<1>(softplus(cols<1, 2>(y_pred))))>);   // read through a column selection
static_assert(!applies<decltype(softplus(col<0>(y_pred)) + sum<1>(softplus(y_pred)))>);
static_assert(!applies<decltype(sum<1>(softplus(y_pred * 2.0)))>);          // a run-time parameter in the operand
}  // namespace logistic_memo_check

TEST_CASE_TEMPLATE("the logistic memo changes no loss and no gradient", T, float, double) {
    std::mt19937 rng(78);
    // Equal losses for which the memo is off: the operand carries a run-time parameter (× 1.0).
    const auto bce_off = mean<1>(softplus(y_pred * 1.0) - y_true * y_pred);
    const auto keras_off = mean<1>(y_true * softplus(-(y_pred * 1.0)) + (1.0 - y_true) * softplus(y_pred * 1.0));
    const auto keras_on = mean<1>(y_true * softplus(-y_pred) + (1.0 - y_true) * softplus(y_pred));
    static_assert(logistic_memo_check::applies<decltype(keras_on)> && !logistic_memo_check::applies<decltype(keras_off)>);
    const auto check = [&](const auto& on, const auto& off, const char* what) {
        const auto k_on = lossc::compile(on);
        const auto k_off = lossc::compile(off);
        for (Eigen::Index c : {1, 2, 3, 16, 17, 70}) {
            MatR<T> t = random_matrix<T>(rng, 37, c, 0, 1), p = random_matrix<T>(rng, 37, c, -30, 30);
            p(3, 0) = std::numeric_limits<T>::infinity();
            p(4, c - 1) = -std::numeric_limits<T>::infinity();
            p(5, c - 1) = std::numeric_limits<T>::quiet_NaN();
            p(6, 0) = T(0);
            p(7, 0) = T(-200);
            const MatC<T> tc = t, pc = p;
            for (auto sched : {lossc::schedule::automatic, lossc::schedule::across_rows})
                for (int layout = 0; layout < 2; ++layout) {
                    Eigen::Matrix<T, Eigen::Dynamic, 1> fwd(37), both(37), ref(37);
                    MatR<T> g(37, c), g_ref(37, c);
                    if (layout == 0) {
                        k_on.forward(t, p, fwd, {.schedule = sched});
                        k_on.forward_backward(t, p, both, g, {.schedule = sched});
                        k_off.forward_backward(t, p, ref, g_ref, {.schedule = sched});
                    } else {
                        MatC<T> gc(37, c), gc_ref(37, c);
                        k_on.forward(tc, pc, fwd, {.schedule = sched});
                        k_on.forward_backward(tc, pc, both, gc, {.schedule = sched});
                        k_off.forward_backward(tc, pc, ref, gc_ref, {.schedule = sched});
                        g = gc, g_ref = gc_ref;
                    }
                    const auto same = [](T a, T b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
                    for (Eigen::Index i = 0; i < 37; ++i) {
                        CHECK_MESSAGE(same(fwd(i), both(i)), what << ", " << c << " columns, schedule " << int(sched) << ", layout "
                                                                  << layout << ": L_" << i << " " << fwd(i) << " vs " << both(i));
                        CHECK_MESSAGE(same(both(i), ref(i)), what << ", " << c << " columns, schedule " << int(sched) << ", layout "
                                                                  << layout << ": L_" << i << " " << both(i) << " vs " << ref(i));
                        for (Eigen::Index j = 0; j < c; ++j)
                            CHECK_MESSAGE(same(g(i, j), g_ref(i, j)), what << ", " << c << " columns, schedule " << int(sched)
                                                                          << ", layout " << layout << ": g(" << i << ", " << j
                                                                          << ") " << g(i, j) << " vs " << g_ref(i, j));
                    }
                }
        }
    };
    check(bce, bce_off, "bce");
    check(keras_on, keras_off, "keras-form bce");
}

// Non-temporal output stores (options::output_stores) change how results are written, never
// what: every schedule and layout, outputs aligned to the packet and one element off, one and
// two threads, against ordinary stores.
TEST_CASE_TEMPLATE("streaming stores write the same results as cached stores", T, float, double) {
    std::mt19937 rng(79);
    const auto check = [&](const auto& loss, Eigen::Index c, const char* what) {
        const auto k = lossc::compile(loss);
        const Eigen::Index n = 301;
        const MatR<T> t = random_matrix<T>(rng, n, c, 0, 1), p = random_matrix<T>(rng, n, c, -4, 4);
        const MatC<T> tc = t, pc = p;
        for (auto sched : {lossc::schedule::automatic, lossc::schedule::along_columns, lossc::schedule::across_rows})
            for (int layout = 0; layout < 2; ++layout)
                for (Eigen::Index offset : {0, 1})
                    for (int threads : {1, 2}) {
                        // Outputs carved from larger buffers at an offset: aligned, then not.
                        Eigen::Matrix<T, Eigen::Dynamic, 1> ps_buf(n + 1), ref_ps(n), g_buf(n * c + 1);
                        MatR<T> ref_g(n, c);
                        lossc::options cached{.schedule = sched, .threads = threads, .parallel_threshold = 0,
                                              .stores = lossc::output_stores::cached};
                        lossc::options streaming = cached;
                        streaming.stores = lossc::output_stores::streaming;
                        Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> ps(ps_buf.data() + offset, n);
                        T r_ref, r;
                        if (layout == 0) {
                            Eigen::Map<MatR<T>> g(g_buf.data() + offset, n, c);
                            r_ref = k.forward_backward(t, p, ref_ps, ref_g, cached);
                            r = k.forward_backward(t, p, ps, g, streaming);
                            CHECK_MESSAGE(g == ref_g, what << ": gradient, schedule " << int(sched) << ", offset " << offset);
                        } else {
                            Eigen::Map<MatC<T>> g(g_buf.data() + offset, n, c);
                            MatC<T> ref_gc(n, c);
                            r_ref = k.forward_backward(tc, pc, ref_ps, ref_gc, cached);
                            r = k.forward_backward(tc, pc, ps, g, streaming);
                            CHECK_MESSAGE(g == ref_gc, what << ": gradient (column-major), schedule " << int(sched) << ", offset " << offset);
                        }
                        CHECK_MESSAGE(ps == ref_ps, what << ": losses, schedule " << int(sched) << ", layout " << layout << ", offset " << offset);
                        CHECK(r == r_ref);
                    }
    };
    check(custom_mse, 2, "custom_mse");
    check(bce, 1, "bce");
    check(cce, 10, "cce10");
    check(cce, 40, "cce40");
    check(sum<1>(square(y_pred - y_true)), 37, "sse37");
}

// Staging a block of rows (gathers, two-column permutes, in-register transposes by 16 columns)
// reads and writes exactly the block: padded rows (a view of wider rows) give the results of
// compact ones and leave the padding alone, for every width the across-rows schedule stages.
TEST_CASE_TEMPLATE("padded rows are staged like compact ones", T, float, double) {
    std::mt19937 rng(80);
    const auto check = [&](const auto& loss, Eigen::Index c, const char* what) {
        const auto k = lossc::compile(loss);
        for (Eigen::Index n : {16, 37, 64}) {
            const MatR<T> t = random_matrix<T>(rng, n, c, 0, 1), p = random_matrix<T>(rng, n, c, -4, 4);
            MatR<T> t_wide = random_matrix<T>(rng, n, c + 5, 0, 1), p_wide = random_matrix<T>(rng, n, c + 5, -4, 4);
            t_wide.leftCols(c) = t;
            p_wide.leftCols(c) = p;
            MatR<T> g_wide = MatR<T>::Constant(n, c + 5, T(7)), g(n, c);
            Eigen::Matrix<T, Eigen::Dynamic, 1> ps(n), ps_wide(n);
            const lossc::options opt{.schedule = lossc::schedule::across_rows};
            const T r = k.forward_backward(t, p, ps, g, opt);
            auto gw = g_wide.leftCols(c);
            const T r_wide = k.forward_backward(t_wide.leftCols(c), p_wide.leftCols(c), ps_wide, gw, opt);
            CHECK_MESSAGE(r == r_wide, what << ", " << c << " columns, " << n << " rows");
            CHECK_MESSAGE(ps == ps_wide, what << ", " << c << " columns, " << n << " rows");
            CHECK_MESSAGE(g == MatR<T>(g_wide.leftCols(c)), what << ", " << c << " columns, " << n << " rows");
            CHECK_MESSAGE((g_wide.rightCols(5).array() == T(7)).all(), what << ": padding written, " << c << " columns");
        }
    };
    for (Eigen::Index c : {2, 3, 4, 10, 16, 17, 33, 64}) {
        check(cce, c, "cce");
        check(sum<1>(square(y_pred - y_true)), c, "sse");
    }
}
