// The kernel's block paths against themselves: memos, output stores and staging change how a
// result is computed or written, never its bits. Built for the compiler's default packets and
// for -march=native (tests/CMakeLists.txt), where AVX-512 takes the tile transposes and
// non-temporal stores; the scalar backend has no blocks, so it is not built there.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <lossc/lossc.hpp>
#include <random>
#include <string>
#include <type_traits>

#include "matrices.hpp"

using namespace lossc::dsl;
using lossc_test::MatC, lossc_test::MatR, lossc_test::random_matrix;

namespace {
constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr auto bce = mean<1>(softplus(y_pred) - y_true * y_pred);
}  // namespace

// The logistic memo (lower/row_eval.hpp): a block's loss keeps exp(−|x|) of its softplus/sigmoid
// and the gradient's sigmoid/softplus of the same x (up to sign) reads it. It must apply where
// it is meant to (a silent fallback would only show as lost speed), not where a column selection
// could make the gradient read another column's slot, and change no value: losses as forward()
// gives them, gradients as the same schedule gives them for an equal loss whose memo is off.
namespace logistic_memo_check {
template <class L> using base_of =
    typename decltype(lossc::lowering::logistic_memo_base<lossc::node_t<L>,
                                                          lossc::gradient_t<lossc::node_t<L>>>())::type;
template <class L> inline constexpr bool applies = !std::is_void_v<base_of<L>>;
static_assert(applies<decltype(bce)>);
static_assert(std::is_same_v<base_of<decltype(bce)>, std::remove_cvref_t<decltype(y_pred)>>);
static_assert(applies<decltype(lossc::keras::binary_crossentropy<true>())>);  // t·softplus(−x) + (1 − t)·softplus(x)
static_assert(applies<decltype(mean<1>(sigmoid(y_pred) * y_true))>);  // sigmoid in the loss, s(1 − s) in the gradient
static_assert(!applies<decltype(cce)>);
static_assert(!applies<decltype(sum<1>(softplus(cols<1, 2>(y_pred))))>);  // read through a column selection
static_assert(!applies<decltype(softplus(col<0>(y_pred)) + sum<1>(softplus(y_pred)))>);
static_assert(!applies<decltype(sum<1>(softplus(y_pred * 2.0)))>);  // a run-time parameter in the operand
}  // namespace logistic_memo_check

TEST_CASE_TEMPLATE("the logistic memo changes no loss and no gradient", T, float, double) {
    std::mt19937 rng(78);
    // Equal losses for which the memo is off: the operand carries a run-time parameter (× 1.0).
    const auto bce_off = mean<1>(softplus(y_pred * 1.0) - y_true * y_pred);
    const auto keras_off = mean<1>(y_true * softplus(-(y_pred * 1.0)) + (1.0 - y_true) * softplus(y_pred * 1.0));
    const auto keras_on = mean<1>(y_true * softplus(-y_pred) + (1.0 - y_true) * softplus(y_pred));
    static_assert(logistic_memo_check::applies<decltype(keras_on)> &&
                  !logistic_memo_check::applies<decltype(keras_off)>);
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
                        CHECK_MESSAGE(same(fwd(i), both(i)), what << ", " << c << " columns, schedule " << int(sched)
                                                                  << ", layout " << layout << ": L_" << i << " "
                                                                  << fwd(i) << " vs " << both(i));
                        CHECK_MESSAGE(same(both(i), ref(i)), what << ", " << c << " columns, schedule " << int(sched)
                                                                  << ", layout " << layout << ": L_" << i << " "
                                                                  << both(i) << " vs " << ref(i));
                        for (Eigen::Index j = 0; j < c; ++j)
                            CHECK_MESSAGE(same(g(i, j), g_ref(i, j)), what << ", " << c << " columns, schedule "
                                                                           << int(sched) << ", layout " << layout
                                                                           << ": g(" << i << ", " << j << ") "
                                                                           << g(i, j) << " vs " << g_ref(i, j));
                    }
                }
        }
    };
    check(bce, bce_off, "bce");
    check(keras_on, keras_off, "keras-form bce");
}

// Non-temporal output stores (options::output_stores) change how results are written, never
// what: every schedule and layout, outputs aligned to the packet, one and four elements off, one
// and two threads, against ordinary stores. The reduced value's order of sums may differ: streamed
// arithmetic losses walk the rows before the first line-aligned block one by one.
TEST_CASE_TEMPLATE("streaming stores write the same results as cached stores", T, float, double) {
    std::mt19937 rng(79);
    const auto check = [&](const auto& loss, Eigen::Index c, const char* what) {
        const auto k = lossc::compile(loss);
        const Eigen::Index n = 301;
        const MatR<T> t = random_matrix<T>(rng, n, c, 0, 1), p = random_matrix<T>(rng, n, c, -4, 4);
        const MatC<T> tc = t, pc = p;
        for (auto sched : {lossc::schedule::automatic, lossc::schedule::along_columns, lossc::schedule::across_rows})
            for (int layout = 0; layout < 2; ++layout)
                for (Eigen::Index offset : {0, 1, 4})  // 4: rows before a line go one by one
                    for (int threads : {1, 2}) {
                        // Outputs carved from larger buffers at an offset: aligned, then not.
                        Eigen::Matrix<T, Eigen::Dynamic, 1> ps_buf(n + 4), ref_ps(n), g_buf(n * c + 4);
                        MatR<T> ref_g(n, c);
                        lossc::options cached{.schedule = sched,
                                              .threads = threads,
                                              .parallel_threshold = 0,
                                              .stores = lossc::output_stores::cached};
                        lossc::options streaming = cached;
                        streaming.stores = lossc::output_stores::streaming;
                        Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> ps(ps_buf.data() + offset, n);
                        T r_ref, r;
                        if (layout == 0) {
                            Eigen::Map<MatR<T>> g(g_buf.data() + offset, n, c);
                            r_ref = k.forward_backward(t, p, ref_ps, ref_g, cached);
                            r = k.forward_backward(t, p, ps, g, streaming);
                            CHECK_MESSAGE(g == ref_g,
                                          what << ": gradient, schedule " << int(sched) << ", offset " << offset);
                            // `automatic` above its threshold (0 here): streams arithmetic losses
                            // and wide dense rows (options.hpp), the same bits either way.
                            lossc::options automatic = cached;
                            automatic.stores = lossc::output_stores::automatic;
                            automatic.streaming_threshold = 0;
                            CHECK(k.forward_backward(t, p, ps, g, automatic) ==
                                  doctest::Approx(r_ref).epsilon(4 * std::numeric_limits<T>::epsilon()));
                            CHECK_MESSAGE(g == ref_g, what << ": gradient (automatic stores), schedule " << int(sched)
                                                           << ", offset " << offset);
                        } else {
                            Eigen::Map<MatC<T>> g(g_buf.data() + offset, n, c);
                            MatC<T> ref_gc(n, c);
                            r_ref = k.forward_backward(tc, pc, ref_ps, ref_gc, cached);
                            r = k.forward_backward(tc, pc, ps, g, streaming);
                            CHECK_MESSAGE(g == ref_gc, what << ": gradient (column-major), schedule " << int(sched)
                                                            << ", offset " << offset);
                        }
                        CHECK_MESSAGE(ps == ref_ps, what << ": losses, schedule " << int(sched) << ", layout " << layout
                                                         << ", offset " << offset);
                        CHECK(r == doctest::Approx(r_ref).epsilon(4 * std::numeric_limits<T>::epsilon()));
                    }
    };
    check(custom_mse, 2, "custom_mse");
    check(bce, 1, "bce");
    check(cce, 10, "cce10");
    check(cce, 40, "cce40");
    check(sum<1>(square(y_pred - y_true)), 37, "sse37");
    // Rows of whole lines (16, 32, 48, 64 floats or doubles): the tile transposes' streaming stores.
    check(bce, 16, "bce16");
    check(cce, 32, "cce32");
    check(bce, 48, "bce48");
    check(cce, 64, "cce64");
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
            CHECK_MESSAGE((g_wide.rightCols(5).array() == T(7)).all(),
                          what << ": padding written, " << c << " columns");
        }
    };
    for (Eigen::Index c : {2, 3, 4, 5, 6, 7, 10, 16, 17, 33, 64}) {  // compact rows of 3-6: narrow_rows
        check(cce, c, "cce");
        check(sum<1>(square(y_pred - y_true)), c, "sse");
    }
}

// Row-major argument types compile no general block where the tile layer stages (kernel.hpp,
// general_block): class ids in one column beside row-major rows take the dense_rows block (one
// strided load of the labels), and the rare layouts run row by row. Both must give the bits of
// the general block, which matrix_view arguments (every layout compiled) take when per_sample is
// strided; the row-major call with a strided per_sample runs row by row (another schedule).
TEST_CASE_TEMPLATE("labels beside row-major rows: dense rows give the general block's bits", T, float, double) {
    std::mt19937 rng(81);
    const auto sparse_cce = -sum<1>(one_hot(labels) * log_softmax<1>(y_pred));
    const auto k = lossc::compile(sparse_cce);
    using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    for (Eigen::Index c : {2, 3, 5, 10, 17, 64}) {
        for (Eigen::Index n : {16, 37}) {
            Vec ids(n);
            for (Eigen::Index i = 0; i < n; ++i) ids(i) = static_cast<T>(rng() % static_cast<unsigned>(c));
            const MatR<T> ids_rows = ids;  // the same labels as an n × 1 row-major matrix
            const MatR<T> p = random_matrix<T>(rng, n, c, -6, 6);
            const lossc::options opt{.schedule = lossc::schedule::across_rows};
            // Dense rows: VectorXf labels, and an n × 1 row-major matrix of them.
            Vec ps_dense(n), ps_dense2(n);
            MatR<T> g_dense(n, c), g_dense2(n, c);
            k.forward_backward(ids, p, ps_dense, g_dense, opt);
            k.forward_backward(ids_rows, p, ps_dense2, g_dense2, opt);
            // The general block: every layout compiled (matrix_view), per_sample every other element.
            Vec ps_general_buf = Vec::Zero(2 * n);
            MatR<T> g_general(n, c);
            const auto m = static_cast<lossc::index>(n), cc = static_cast<lossc::index>(c);
            k.forward_backward(lossc::matrix_view<const T>{ids.data(), m, 1, 1, 1},
                               lossc::matrix_view<const T>{p.data(), m, cc, cc, 1},
                               lossc::vector_view<T>{ps_general_buf.data(), m, 2},
                               lossc::matrix_view<T>{g_general.data(), m, cc, cc, 1}, opt);
            // Row by row: the row-major types with a strided per_sample.
            Vec ps_rows_buf = Vec::Zero(2 * n);
            Eigen::Map<Vec, 0, Eigen::InnerStride<2>> ps_rows(ps_rows_buf.data(), n);
            MatR<T> g_rows(n, c);
            k.forward_backward(ids_rows, p, ps_rows, g_rows, opt);
            const std::string what = std::to_string(c) + " columns, " + std::to_string(n) + " rows";
            // Row by row is another schedule: the same formulas, a few ulp apart (schedules.cpp).
            const auto near = [](T a, T b) {
                return std::abs(a - b) <= 8 * std::numeric_limits<T>::epsilon() * (1 + std::abs(b));
            };
            for (Eigen::Index i = 0; i < n; ++i) {
                CHECK_MESSAGE(ps_dense(i) == ps_general_buf(2 * i), what << ", row " << i);
                CHECK_MESSAGE(ps_dense2(i) == ps_dense(i), what << ", row " << i);
                CHECK_MESSAGE(near(ps_rows(i), ps_dense(i)), what << ", row " << i);
                for (Eigen::Index j = 0; j < c; ++j)
                    CHECK_MESSAGE(near(g_rows(i, j), g_general(i, j)), what << ", row " << i);
            }
            CHECK_MESSAGE(g_dense == g_general, what);
            CHECK_MESSAGE(g_dense2 == g_general, what);
        }
    }
}

// Column-major batches of many columns run in blocks of several packs (simd/pack_group.hpp):
// the same instructions per lane as blocks of one pack, so the same bits. The reference is the
// same batch with y_true row-major, which takes blocks of one pack (gathers for y_true, or
// staging up to 64 columns). Both keep the softmax memo up to 64 columns; beyond, only groups
// do, so the wide cases are losses without one (schedules.cpp checks cce1000's groups against
// scalar rows). Row counts leave a remainder of single packs and of tail rows; special values
// sit in some lanes; sample weights, a strided per_sample and two threads go through the
// group's other paths. Groups are compiled where packs are 256 bits or wider (the native build
// here); in 128-bit builds both sides take single packs.
TEST_CASE_TEMPLATE("groups of packs give the bits of single packs (wide column-major)", T, float, double) {
    std::mt19937 rng(81);
    using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    const auto check = [&](const auto& loss, Eigen::Index c, const std::string& what) {
        const auto k = lossc::compile(loss);
        constexpr Eigen::Index w = lossc::simd::pack<T>::width;   // groups are of 8 packs (4 would do as well)
        for (Eigen::Index n : {8 * w, 17 * w + 7, 12 * w + 5}) {  // whole groups; then single packs and tail rows
            const MatR<T> t = random_matrix<T>(rng, n, c, 0, 1);
            MatC<T> p = random_matrix<T>(rng, n, c, -30, 30);
            p(3, 0) = std::numeric_limits<T>::infinity();
            p(5, c - 1) = std::numeric_limits<T>::quiet_NaN();
            p(n - 1, 2) = -std::numeric_limits<T>::infinity();
            const MatC<T> tc = t;
            const Vec w = random_matrix<T>(rng, n, 1, 0, 2);
            for (int variant = 0; variant < 3; ++variant) {
                lossc::options opt{.threads = variant == 2 ? 2 : 1, .parallel_threshold = 0};
                if (variant == 1) opt.reduction = lossc::reduction::mean_with_sample_weight, opt.sample_weight = w;
                MatR<T> ps2(n, 2), ps2_ref(n, 2);  // per_sample as a strided column
                auto ps = ps2.col(1);
                auto ps_ref = ps2_ref.col(1);
                MatC<T> g(n, c), g_ref(n, c);
                const T r = k.forward_backward(tc, p, ps, g, opt);
                const T r_ref = k.forward_backward(t, p, ps_ref, g_ref, opt);
                const auto same = [](T a, T b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
                CHECK_MESSAGE(same(r, r_ref),
                              what << ", " << n << " rows, variant " << variant << ": " << r << " vs " << r_ref);
                bool all = true;
                for (Eigen::Index i = 0; i < n; ++i) {
                    all = all && same(ps(i), ps_ref(i));
                    for (Eigen::Index j = 0; j < c; ++j) all = all && same(g(i, j), g_ref(i, j));
                }
                CHECK_MESSAGE(all, what << ", " << n << " rows, " << c << " columns, variant " << variant);
            }
        }
    };
    check(log(sum<1>(exp(y_pred))) - sum<1>(y_true * y_pred), 200, "logsumexp written out, 200 columns");
    check(cce, 16, "cce16");
    check(cce, 64, "cce64");
    check(bce, 64, "bce64");
    check(max<1>(abs(y_pred - y_true)) + sum<1>(where(y_true < 0.5, square(y_pred), y_pred * 0.25)), 97, "max + where");
    check(lossc::keras::kl_divergence(), 70, "kl_divergence");
}

// A width known while compiling — the argument types' static column count, or a loss's weights
// of N columns — runs a dense_rows copy with that width fixed (kernel.hpp, fixed_dense_width),
// the only dense_rows copy where the types also keep rows back to back. It must give the bits of
// the copy of any width, which matrix_view arguments take; y_true of one column beside such a
// loss and rows with padding (a map with an outer stride) take the other paths.
TEST_CASE_TEMPLATE("a width fixed by the types or the loss gives the bits of any width", T, float, double) {
    std::mt19937 rng(82);
    using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    const auto same = [](T a, T b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
    const auto near = [](T a, T b) {
        return std::abs(a - b) <= 8 * std::numeric_limits<T>::epsilon() * (1 + std::abs(b));
    };
    // Row-major t, p (any types) against matrix_view arguments over the same memory.
    const auto check = [&](const auto& k, const auto& t, const auto& p, auto& g, const std::string& what, bool exact) {
        const Eigen::Index n = p.rows(), c = p.cols();
        const MatR<T> t_copy = t, p_copy = p;
        const auto m = static_cast<lossc::index>(n), cc = static_cast<lossc::index>(c),
                   tc = static_cast<lossc::index>(t_copy.cols());
        const lossc::options opt{.schedule = lossc::schedule::across_rows};
        Vec ps(n), ps_ref(n);
        MatR<T> g_ref(n, c);
        k.forward_backward(t, p, ps, g, opt);
        k.forward_backward(lossc::matrix_view<const T>{t_copy.data(), m, tc, tc, 1},
                           lossc::matrix_view<const T>{p_copy.data(), m, cc, cc, 1},
                           lossc::vector_view<T>{ps_ref.data(), m, 1},
                           lossc::matrix_view<T>{g_ref.data(), m, cc, cc, 1}, opt);
        bool all = true;
        for (Eigen::Index i = 0; i < n; ++i) {
            all = all && (exact ? same(ps(i), ps_ref(i)) : near(ps(i), ps_ref(i)));
            for (Eigen::Index j = 0; j < c; ++j)
                all = all && (exact ? same(g(i, j), g_ref(i, j)) : near(g(i, j), g_ref(i, j)));
        }
        CHECK_MESSAGE(all, what << ", " << n << " rows, " << c << " columns");
    };
    const auto k_cce = lossc::compile(cce);
    const auto by_types = [&](auto width) {
        constexpr int N = decltype(width)::value;
        using Fixed = Eigen::Matrix<T, Eigen::Dynamic, N, Eigen::RowMajor>;
        for (Eigen::Index n : {16, 37}) {
            const Fixed t = random_matrix<T>(rng, n, N, 0, 1);
            Fixed p = random_matrix<T>(rng, n, N, -30, 30);
            p(3, 0) = std::numeric_limits<T>::infinity();
            p(5, N - 1) = std::numeric_limits<T>::quiet_NaN();
            Fixed g(n, N);
            check(k_cce, t, p, g, "cce, static columns", true);
        }
    };
    by_types(std::integral_constant<int, 2>{});
    by_types(std::integral_constant<int, 3>{});
    by_types(std::integral_constant<int, 5>{});
    by_types(std::integral_constant<int, 10>{});
    by_types(std::integral_constant<int, 17>{});
    // Widths fixed by the loss's weights, dynamic types.
    const auto weighted3 = sum<1>(square(y_pred - y_true) * weights(0.2f, 0.3f, 0.5f));
    const auto weighted10 =
        -sum<1>(y_true * log_softmax<1>(y_pred) * weights(1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f, 10.f));
    static_assert(lossc::required_pred_columns<decltype(weighted3)> == 3 &&
                  lossc::required_pred_columns<decltype(weighted10)> == 10);
    const auto by_loss = [&](const auto& loss, Eigen::Index c, const std::string& what) {
        const auto k = lossc::compile(loss);
        for (Eigen::Index n : {16, 37}) {
            const MatR<T> t = random_matrix<T>(rng, n, c, 0, 1), p = random_matrix<T>(rng, n, c, -6, 6);
            MatR<T> g(n, c);
            check(k, t, p, g, what, true);
            // Rows with padding: a map with an outer stride (the copy of any width).
            MatR<T> t_pad = MatR<T>::Zero(n, c + 3), p_pad = MatR<T>::Zero(n, c + 3), g_pad(n, c + 3);
            t_pad.leftCols(c) = t, p_pad.leftCols(c) = p;
            using Strided = Eigen::Map<MatR<T>, 0, Eigen::OuterStride<>>;
            const Strided ts(t_pad.data(), n, c, Eigen::OuterStride<>(c + 3)),
                ps_(p_pad.data(), n, c, Eigen::OuterStride<>(c + 3));
            Strided gs(g_pad.data(), n, c, Eigen::OuterStride<>(c + 3));
            check(k, ts, ps_, gs, what + ", padded rows", true);
            // y_true of one column beside rows of the fixed width: row by row (another schedule).
            const MatR<T> t1 = t.col(0);
            MatR<T> g1(n, c);
            check(k, t1, p, g1, what + ", one-column y_true", false);
        }
    };
    by_loss(custom_mse, 2, "custom_mse");
    by_loss(weighted3, 3, "weighted squares, 3 columns");
    by_loss(weighted10, 10, "weighted cross-entropy, 10 columns");
}

// A loss that normalises y_pred's rows (a softmax, p / Σ p) is a constant in y_pred over one
// column: its kernel compiles no one-column copy of the block (lower/row_eval.hpp,
// normalises_rows), and a one-column batch, which only a mistake gives it, runs row by row. It
// must still give the reference's values and gradient there.
namespace normalisation_check {
using lossc::lowering::normalises_rows;
static_assert(normalises_rows<lossc::node_t<decltype(cce)>>());
static_assert(normalises_rows<lossc::node_t<decltype(lossc::keras::categorical_crossentropy())>>());
static_assert(normalises_rows<lossc::node_t<decltype(lossc::keras::categorical_focal_crossentropy<true>())>>());
static_assert(normalises_rows<lossc::node_t<decltype(-sum<1>(y_true * log(y_pred / sum<1>(y_pred))))>>());
static_assert(!normalises_rows<lossc::node_t<decltype(bce)>>());
static_assert(!normalises_rows<lossc::node_t<decltype(custom_mse)>>());
static_assert(!normalises_rows<lossc::node_t<decltype(lossc::keras::binary_focal_crossentropy<true>())>>());
static_assert(!normalises_rows<lossc::node_t<decltype(sum<1>(y_true / sum<1>(y_true) * y_pred))>>());  // y_true's
}  // namespace normalisation_check

TEST_CASE_TEMPLATE("a row-normalising loss over one column gives the reference's results", T, float, double) {
    constexpr std::size_t n = 37;
    std::array<std::array<T, 1>, n> t{}, p{};
    MatR<T> te(n, 1), pe(n, 1), g(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
        t[i][0] = T(i % 3 == 0), p[i][0] = T(0.05) + T(0.9) * T(i) / T(n);
        te(Eigen::Index(i), 0) = t[i][0], pe(Eigen::Index(i), 0) = p[i][0];
    }
    Eigen::Matrix<T, Eigen::Dynamic, 1> ps(n);
    const auto check = [&](const auto& loss, const char* what) {
        const auto ref = lossc::evaluate(loss, t, p);
        lossc::compile(loss).forward_backward(te, pe, ps, g, {.reduction = lossc::reduction::sum});
        const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-12;
        bool all = true;
        for (std::size_t i = 0; i < n; ++i)
            all = all && ps(Eigen::Index(i)) == doctest::Approx(ref.per_sample[i]).epsilon(eps) &&
                  g(Eigen::Index(i), 0) == doctest::Approx(ref.grad[i][0]).epsilon(eps);
        CHECK_MESSAGE(all, what);
    };
    check(cce, "cce");
    check(lossc::keras::categorical_crossentropy(0.1), "keras categorical_crossentropy");
    check(lossc::keras::categorical_focal_crossentropy<true>(0.25, 2.0), "keras categorical_focal_crossentropy");
    check(lossc::keras::categorical_focal_crossentropy(0.25, 2.0),
          "keras categorical_focal_crossentropy, probabilities");
}

// A separable loss (lower/row_eval.hpp: the sum or mean over the columns of an element-wise
// function) on rows of 3 to 64 columns back to back is walked as one column where packs hold 16
// lanes (AVX-512 floats; kernel.hpp, flat_rows): the elements through the one-column block, the
// rows' losses summed afterwards from a stack buffer, in chunks of whole rows; elsewhere this
// compares the staged rows with the row walk. It must give the row walk's results
// (the order of each row's sum is the same; a mean's 1/n joins the gradient's scale, an ulp
// apart) for every width, chunk boundaries and a last chunk shorter than a pack, sample weights,
// values only, threads and streamed outputs; and a y_true of one column beside it (a broadcast,
// which then runs row by row) the results of the other layouts.
namespace separable_check {
using lossc::lowering::separable;
static_assert(separable<lossc::node_t<decltype(sum<1>(square(y_pred - y_true)))>>);
static_assert(separable<lossc::node_t<decltype(bce)>>);
static_assert(separable<lossc::node_t<decltype(lossc::keras::mean_squared_error())>>);
static_assert(separable<lossc::node_t<decltype(lossc::keras::binary_focal_crossentropy<true>())>>);
static_assert(separable<lossc::node_t<decltype(lossc::keras::huber())>>);
static_assert(!separable<lossc::node_t<decltype(custom_mse)>>);  // weights: a value per column
static_assert(!separable<lossc::node_t<decltype(cce)>>);
static_assert(!separable<lossc::node_t<decltype(sum<1>(square(y_pred - col<0>(y_true))))>>);
static_assert(!separable<lossc::node_t<decltype(sqrt(sum<1>(square(y_pred - y_true))))>>);
static_assert(!separable<lossc::node_t<decltype(max<1>(abs(y_pred - y_true)))>>);
}  // namespace separable_check

TEST_CASE_TEMPLATE("a separable loss's rows walked as one column give the row walk's results", T, float, double) {
    std::mt19937 rng(83);
    using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    const auto near = [](T a, T b) {
        return (std::isnan(a) && std::isnan(b)) || a == b ||
               std::abs(a - b) <= 8 * std::numeric_limits<T>::epsilon() * (1 + std::abs(b));
    };
    const auto all_near = [&](const auto& a, const auto& b) {
        bool all = a.rows() == b.rows() && a.cols() == b.cols();
        for (Eigen::Index i = 0; all && i < a.rows(); ++i)
            for (Eigen::Index j = 0; j < a.cols(); ++j) all = all && near(a(i, j), b(i, j));
        return all;
    };
    const auto check = [&](const auto& loss, const char* what) {
        const auto k = lossc::compile(loss);
        constexpr lossc::index w = lossc::simd::pack<T>::width;
        for (Eigen::Index c : {3, 5, 10, 17, 64}) {
            // Chunks of tuning::flat_chunk_elements: two and a part, and one row past whole chunks.
            const Eigen::Index chunk = std::max<lossc::index>(lossc::tuning::flat_chunk_elements / c / w, 1) * w;
            for (Eigen::Index n : {Eigen::Index(1), Eigen::Index(7), Eigen::Index(37), 2 * chunk + 5, chunk + 1}) {
                if (n * c < w) continue;
                MatR<T> t = random_matrix<T>(rng, n, c, 0, 1), p = random_matrix<T>(rng, n, c, -6, 6);
                p(n / 2, 0) = std::numeric_limits<T>::infinity();
                p(n - 1, c - 1) = std::numeric_limits<T>::quiet_NaN();
                const Vec sw = random_matrix<T>(rng, n, 1, 0, 2);
                for (int variant = 0; variant < 4; ++variant) {
                    INFO(std::string(what) << ", " << c << " columns, " << n << " rows, variant " << variant);
                    lossc::options opt{};
                    if (variant == 1) opt.sample_weight = sw;
                    if (variant == 2) opt.threads = 2, opt.parallel_threshold = 0;
                    if (variant == 3) opt.stores = lossc::output_stores::streaming;
                    lossc::options by_rows = opt;
                    by_rows.schedule = lossc::schedule::scalar_rows;
                    Vec ps(n), ps_ref(n);
                    MatR<T> g(n, c), g_ref(n, c);
                    const T r = k.forward_backward(t, p, ps, g, opt);
                    const T r_ref = k.forward_backward(t, p, ps_ref, g_ref, by_rows);
                    CHECK(near(r, r_ref));
                    CHECK(all_near(ps, ps_ref));
                    CHECK(all_near(g, g_ref));
                    Vec ps_fwd(n);
                    CHECK(near(k.forward(t, p, ps_fwd, opt), r_ref));
                    CHECK(all_near(ps_fwd, ps_ref));
                }
            }
        }
        // y_true of one column beside 10: row by row for these types, dense rows for matrix_view.
        const Eigen::Index n = 37, c = 10;
        const MatR<T> t1 = random_matrix<T>(rng, n, 1, 0, 1), p = random_matrix<T>(rng, n, c, -6, 6);
        Vec ps(n), ps_ref(n);
        MatR<T> g(n, c), g_ref(n, c);
        const T r = k.forward_backward(t1, p, ps, g);
        const auto m = static_cast<lossc::index>(n), cc = static_cast<lossc::index>(c);
        const T r_ref = k.forward_backward(
            lossc::matrix_view<const T>{t1.data(), m, 1, 1, 1}, lossc::matrix_view<const T>{p.data(), m, cc, cc, 1},
            lossc::vector_view<T>{ps_ref.data(), m, 1}, lossc::matrix_view<T>{g_ref.data(), m, cc, cc, 1});
        CHECK_MESSAGE(near(r, r_ref), what << ", one-column y_true");
        CHECK_MESSAGE(all_near(ps, ps_ref), what << ", one-column y_true");
        CHECK_MESSAGE(all_near(g, g_ref), what << ", one-column y_true");
    };
    check(sum<1>(square(y_pred - y_true)), "sse");
    check(bce, "bce");
    check(lossc::keras::mean_squared_error(), "keras mean_squared_error");
    check(lossc::keras::binary_focal_crossentropy<true>(false, 0.25, 2.0), "keras binary_focal_crossentropy");
    check(lossc::keras::huber(0.7), "keras huber");
}
