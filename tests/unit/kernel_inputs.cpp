// The kernel on every kind of input it accepts: Eigen Matrix/Array/Map/Ref/Block in both storage
// orders, raw strided buffers through matrix_view, float and double; reductions and weights.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <lossc/lossc.hpp>
#include <random>
#include <vector>

using namespace lossc::dsl;

namespace {
constexpr auto cce = -sum<1>(y_true * log(softmax<1>(y_pred)));
constexpr auto kernel = lossc::compile(cce);

template <class T> using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using MatC = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// Reference result in double, row by row through lossc::evaluate on one-sample arrays.
template <class T> void reference(const MatC<T>& t, const MatC<T>& p, Eigen::VectorXd& ps, Eigen::MatrixXd& g) {
    ps.resize(t.rows());
    g.resize(p.rows(), p.cols());
    for (Eigen::Index i = 0; i < t.rows(); ++i) {
        std::array<double, 5> tr{}, pr{};
        for (Eigen::Index j = 0; j < 5; ++j) tr[j] = t(i, j), pr[j] = p(i, j);
        const auto r = lossc::evaluate(cce, tr, pr);
        ps(i) = r.per_sample[0];
        for (Eigen::Index j = 0; j < 5; ++j) g(i, j) = r.grad[0][j];
    }
}

template <class T> struct fixture {
    Eigen::Index n = 7;
    MatC<T> t, p;
    Eigen::VectorXd ref_ps;
    Eigen::MatrixXd ref_g;
    fixture() {
        std::mt19937 rng(7);
        std::uniform_real_distribution<double> u(-3, 3);
        t = MatC<T>::Zero(n, 5);
        p.resize(n, 5);
        for (Eigen::Index i = 0; i < n; ++i) {
            t(i, i % 5) = 1;
            for (Eigen::Index j = 0; j < 5; ++j) p(i, j) = static_cast<T>(u(rng));
        }
        reference<T>(t, p, ref_ps, ref_g);
    }
    template <class PS, class G> void check(const PS& ps, const G& g, double scale = 1.0 / 7) const {
        const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
        for (Eigen::Index i = 0; i < n; ++i) {
            CHECK(static_cast<double>(ps(i)) == doctest::Approx(ref_ps(i)).epsilon(tol));
            for (Eigen::Index j = 0; j < 5; ++j)
                CHECK(static_cast<double>(g(i, j)) == doctest::Approx(ref_g(i, j) * scale).epsilon(tol).scale(1e-30));
        }
    }
};
}  // namespace

TEST_CASE_TEMPLATE("Eigen matrices of either storage order, float and double", T, float, double) {
    fixture<T> f;
    const T expected_mean = static_cast<T>(f.ref_ps.mean());
    {
        MatC<T> g(f.n, 5);
        Eigen::Matrix<T, Eigen::Dynamic, 1> ps(f.n);
        const T loss = kernel.forward_backward(f.t, f.p, ps, g);
        CHECK(loss == doctest::Approx(expected_mean).epsilon(1e-6));
        f.check(ps, g);
    }
    {
        const MatR<T> t = f.t, p = f.p;
        MatR<T> g(f.n, 5);
        Eigen::Matrix<T, 1, Eigen::Dynamic> ps(f.n);  // a row vector works too
        kernel.forward_backward(t, p, ps, g);
        f.check(ps.transpose(), g);
    }
    {  // mixed storage orders in one call; Arrays
        const MatR<T> t = f.t;
        const Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> p = f.p.array();
        Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> g(f.n, 5);
        Eigen::Array<T, Eigen::Dynamic, 1> ps(f.n);
        kernel.forward_backward(t, p, ps, g);
        f.check(ps, g);
    }
}

TEST_CASE("Map, Ref and Block views; outputs as blocks of larger matrices") {
    fixture<float> f;
    // Inputs embedded in wider buffers (outer stride larger than the row).
    MatR<float> big_t = MatR<float>::Constant(f.n, 9, 99.f), big_p = MatR<float>::Constant(f.n, 9, 99.f);
    big_t.block(0, 2, f.n, 5) = f.t;
    big_p.block(0, 3, f.n, 5) = f.p;
    MatC<float> big_g = MatC<float>::Constant(f.n + 2, 8, -7.f);
    Eigen::MatrixXf ps_store = Eigen::MatrixXf::Constant(f.n, 3, -7.f);
    const Eigen::Ref<const MatR<float>, 0, Eigen::OuterStride<>> t_ref = big_t.block(0, 2, f.n, 5);
    kernel.forward_backward(t_ref, big_p.block(0, 3, f.n, 5), ps_store.col(1), big_g.block(1, 2, f.n, 5));
    f.check(ps_store.col(1), big_g.block(1, 2, f.n, 5));
    // Nothing outside the output blocks was touched.
    CHECK((ps_store.col(0).array() == -7.f).all());
    CHECK((big_g.row(0).array() == -7.f).all());
    CHECK((big_g.block(1, 0, f.n, 2).array() == -7.f).all());

    Eigen::Map<const MatC<float>> t_map(f.t.data(), f.n, 5), p_map(f.p.data(), f.n, 5);
    Eigen::MatrixXf g(f.n, 5);
    Eigen::VectorXf ps(f.n);
    Eigen::Map<Eigen::VectorXf> ps_map(ps.data(), f.n);
    kernel.forward_backward(t_map, p_map, ps_map, g);
    f.check(ps, g);
}

TEST_CASE("raw buffers through matrix_view, with padded strides") {
    fixture<double> f;
    const lossc::index n = f.n, ld = 8;  // rows padded to 8 doubles
    std::vector<double> t(static_cast<std::size_t>(n * ld), 0.0), p(t.size(), 0.0), g(t.size(), -1.0),
        ps(static_cast<std::size_t>(n));
    for (lossc::index i = 0; i < n; ++i)
        for (lossc::index j = 0; j < 5; ++j) t[i * ld + j] = f.t(i, j), p[i * ld + j] = f.p(i, j);
    const lossc::matrix_view<const double> tv(t.data(), n, 5, ld, 1), pv(p.data(), n, 5, ld, 1);
    const lossc::matrix_view<double> gv(g.data(), n, 5, ld, 1);
    const double loss = kernel.forward_backward(tv, pv, lossc::vector_view<double>(ps.data(), n), gv,
                                                {.reduction = lossc::reduction::sum});
    CHECK(loss == doctest::Approx(f.ref_ps.sum()).epsilon(1e-13));
    f.check(Eigen::Map<Eigen::VectorXd>(ps.data(), n),
            Eigen::Map<MatR<double>, 0, Eigen::OuterStride<>>(g.data(), n, 5, Eigen::OuterStride<>(ld)), 1.0);
    for (lossc::index i = 0; i < n; ++i) CHECK(g[i * ld + 6] == -1.0);  // padding untouched
    // Column-major raw buffer: row stride 1, column stride n. std::span outputs.
    std::vector<double> tc(static_cast<std::size_t>(n * 5)), pc(tc.size()), ps2(static_cast<std::size_t>(n));
    for (lossc::index i = 0; i < n; ++i)
        for (lossc::index j = 0; j < 5; ++j) tc[j * n + i] = f.t(i, j), pc[j * n + i] = f.p(i, j);
    kernel.forward(lossc::matrix_view<const double>(tc.data(), n, 5, 1, n),
                   lossc::matrix_view<double>(pc.data(), n, 5, 1, n), std::span<double>(ps2));
    for (lossc::index i = 0; i < n; ++i)
        CHECK(ps2[static_cast<std::size_t>(i)] == doctest::Approx(f.ref_ps(i)).epsilon(1e-13));
}

TEST_CASE("reductions and sample weights, on the value and on the gradient") {
    fixture<double> f;
    Eigen::VectorXd ps(f.n), w(f.n);
    Eigen::MatrixXd g(f.n, 5);
    for (Eigen::Index i = 0; i < f.n; ++i) w(i) = 0.25 * static_cast<double>(i);
    const double weighted = (f.ref_ps.array() * w.array()).sum();

    CHECK(kernel.forward_backward(f.t, f.p, ps, g, {.reduction = lossc::reduction::sum}) ==
          doctest::Approx(f.ref_ps.sum()));
    f.check(ps, g, 1.0);
    CHECK(kernel.forward_backward(f.t, f.p, ps, g, {.reduction = lossc::reduction::sum, .sample_weight = w}) ==
          doctest::Approx(weighted));
    for (Eigen::Index i = 0; i < f.n; ++i)
        for (Eigen::Index j = 0; j < 5; ++j) CHECK(g(i, j) == doctest::Approx(f.ref_g(i, j) * w(i)).scale(1e-30));
    CHECK(kernel.forward_backward(f.t, f.p, ps, g, {.sample_weight = w}) == doctest::Approx(weighted / 7));
    CHECK(g(3, 2) == doctest::Approx(f.ref_g(3, 2) * w(3) / 7));
    CHECK(kernel.forward_backward(f.t, f.p, ps, g,
                                  {.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w}) ==
          doctest::Approx(weighted / w.sum()));
    CHECK(g(3, 2) == doctest::Approx(f.ref_g(3, 2) * w(3) / w.sum()));
    // Float weights with double inputs; all-zero weights give 0, not NaN.
    const Eigen::VectorXf wf = w.cast<float>();
    CHECK(kernel.forward(f.t, f.p, ps, {.reduction = lossc::reduction::sum, .sample_weight = wf}) ==
          doctest::Approx(weighted));
    const Eigen::VectorXd zero = Eigen::VectorXd::Zero(f.n);
    CHECK(kernel.forward_backward(
              f.t, f.p, ps, g, {.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = zero}) == 0.0);
    CHECK((g.array() == 0.0).all());
    // forward only: values, reduced loss.
    CHECK(kernel.forward(f.t, f.p, ps) == doctest::Approx(f.ref_ps.mean()));
}

TEST_CASE("a batch split in shards: each reduced with the whole batch's divisor adds up to one call") {
    fixture<double> f;  // 7 rows: shards of 3 and 4, as two processes of a data-parallel step
    Eigen::VectorXd ps(f.n), w(f.n);
    Eigen::MatrixXd g(f.n, 5);
    for (Eigen::Index i = 0; i < f.n; ++i) w(i) = 0.5 + 0.25 * static_cast<double>(i);
    MatC<double> g_a(3, 5), g_b(4, 5);
    Eigen::VectorXd ps_a(3), ps_b(4);
    const auto shards = [&](lossc::options o, lossc::options oa, lossc::options ob) {
        const double whole = kernel.forward_backward(f.t, f.p, ps, g, o);
        const double a = kernel.forward_backward(f.t.topRows(3), f.p.topRows(3), ps_a, g_a, oa);
        const double b = kernel.forward_backward(f.t.bottomRows(4), f.p.bottomRows(4), ps_b, g_b, ob);
        CHECK(a + b == doctest::Approx(whole).epsilon(1e-14));
        CHECK((g_a - g.topRows(3)).cwiseAbs().maxCoeff() < 1e-15);
        CHECK((g_b - g.bottomRows(4)).cwiseAbs().maxCoeff() < 1e-15);
    };
    const Eigen::VectorXd w_a = w.head(3), w_b = w.tail(4);
    shards({}, {.global_batch_size = 7}, {.global_batch_size = 7});
    shards({.sample_weight = w}, {.sample_weight = w_a, .global_batch_size = 7},
           {.sample_weight = w_b, .global_batch_size = 7});
    // mean_with_sample_weight: Σ w over every shard, as an allreduce would give it
    const double sum_w = w_a.sum() + w_b.sum();
    shards({.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w},
           {.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w_a, .global_weight_sum = sum_w},
           {.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w_b, .global_weight_sum = sum_w});
    // sum has no divisor: the options change nothing
    shards({.reduction = lossc::reduction::sum}, {.reduction = lossc::reduction::sum, .global_batch_size = 7},
           {.reduction = lossc::reduction::sum, .global_batch_size = 7});
    // a whole batch smaller than the shard, or a weight sum that is not finite: errors, nothing written
    ps_a.setConstant(-5);
    CHECK_THROWS_AS(kernel.forward(f.t.topRows(3), f.p.topRows(3), ps_a, {.global_batch_size = 2}),
                    lossc::parameter_error);
    CHECK_THROWS_AS(kernel.forward(f.t.topRows(3), f.p.topRows(3), ps_a, {.global_batch_size = -1}),
                    lossc::parameter_error);
    CHECK_THROWS_AS(
        kernel.forward(f.t.topRows(3), f.p.topRows(3), ps_a,
                       {.reduction = lossc::reduction::mean_with_sample_weight, .global_weight_sum = std::nan("")}),
        lossc::parameter_error);
    CHECK((ps_a.array() == -5).all());
}

TEST_CASE_TEMPLATE("lossc::discard in per_sample's place: the same result and gradient, per-sample losses dropped", T,
                   float, double) {
    // 1203 rows: three chunks of the discarding path (the last one partial), and 5 rows: one call.
    for (const Eigen::Index n : {Eigen::Index(1203), Eigen::Index(5)}) {
        std::mt19937 rng(11);
        std::uniform_real_distribution<T> u(0, 1);
        MatR<T> t(n, 7), p(n, 7), g(n, 7), g_d(n, 7);
        Eigen::Matrix<T, Eigen::Dynamic, 1> ps(n), w(n);
        for (Eigen::Index i = 0; i < n; ++i) {
            w(i) = i % 5 == 0 ? T(0) : u(rng);
            for (Eigen::Index j = 0; j < 7; ++j) t(i, j) = u(rng), p(i, j) = 4 * u(rng) - 2;
        }
        // Weights every other element of a longer buffer (a stride the chunks must follow).
        Eigen::Matrix<T, Eigen::Dynamic, 1> w2(2 * n);
        for (Eigen::Index i = 0; i < n; ++i) w2(2 * i) = i % 3 != 0 ? w(i) / 2 : T(0), w2(2 * i + 1) = T(-1);
        const lossc::sample_weights strided(lossc::vector_view<const T>{w2.data(), n, 2});
        // And a masked, scaled view (what the Keras wrapper passes): chunks move its mask too.
        bool mask[1203];
        for (Eigen::Index i = 0; i < n; ++i) mask[i] = i % 3 != 0;
        lossc::sample_weights masked(w);
        masked.mask = mask;
        masked.factor = 0.5;
        const auto tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
        for (const lossc::options& o :
             {lossc::options{}, lossc::options{.reduction = lossc::reduction::sum}, lossc::options{.sample_weight = w},
              lossc::options{.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = w},
              lossc::options{.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = strided},
              lossc::options{.reduction = lossc::reduction::mean_with_sample_weight, .sample_weight = masked},
              lossc::options{.sample_weight = w, .global_batch_size = 5000},
              lossc::options{.reduction = lossc::reduction::mean_with_sample_weight, .global_batch_size = 5000}}) {
            const T r = kernel.forward_backward(t, p, ps, g, o);
            CHECK(kernel.forward_backward(t, p, lossc::discard, g_d, o) == doctest::Approx(r).epsilon(tol));
            CHECK(kernel.forward(t, p, lossc::discard, o) == doctest::Approx(r).epsilon(tol));
            CHECK((g_d - g).cwiseAbs().maxCoeff() <= tol * (1 + g.cwiseAbs().maxCoeff()));
        }
    }
    // Checks span the whole batch before the first chunk writes: a short weight vector, a grad
    // overlapping y_pred in a later chunk.
    MatR<double> t = MatR<double>::Ones(1100, 5), p = MatR<double>::Ones(1100, 5),
                 g = MatR<double>::Constant(1100, 5, -7);
    const Eigen::VectorXd short_w = Eigen::VectorXd::Ones(1099);
    CHECK_THROWS_AS(kernel.forward_backward(t, p, lossc::discard, g, {.sample_weight = short_w}), lossc::shape_error);
    CHECK((g.array() == -7).all());
    // grad 1024 rows before y_pred in one buffer: its last rows are y_pred's first, which no
    // chunk sees (chunk k's grad never meets chunk k's y_pred); the whole-batch check does.
    constexpr std::size_t lead = std::size_t(1024) * 5;
    std::vector<double> buf(lead + std::size_t(1100) * 5, 1.0);
    const lossc::matrix_view<const double> p_late(buf.data() + lead, 1100, 5);
    const lossc::matrix_view<double> g_early(buf.data(), 1100, 5);
    CHECK_THROWS_AS(
        kernel.forward_backward(lossc::matrix_view<const double>(t.data(), 1100, 5), p_late, lossc::discard, g_early),
        lossc::shape_error);
    CHECK(std::all_of(buf.begin(), buf.end(), [](double v) { return v == 1.0; }));
}

TEST_CASE("an empty batch returns 0 and writes nothing") {
    Eigen::MatrixXf t(0, 5), p(0, 5), g(0, 5);
    Eigen::VectorXf ps(0);
    CHECK(kernel.forward_backward(t, p, ps, g) == 0.0f);
    CHECK(kernel.forward(t, p, ps) == 0.0f);
}

TEST_CASE("fixed-size Eigen types and a constexpr kernel of a runtime-weighted loss") {
    static constexpr std::array<float, 3> w{1.f, 2.f, 3.f};
    constexpr auto k = lossc::compile(sum<1>(square(y_pred - y_true) * weights(std::span<const float>(w))));
    Eigen::Matrix<float, 2, 3, Eigen::RowMajor> t, p, g;
    t << 0, 0, 0, 1, 1, 1;
    p << 1, 1, 1, 1, 2, 3;
    Eigen::Vector2f ps;
    CHECK(k.forward_backward(t, p, ps, g, {.reduction = lossc::reduction::sum}) == doctest::Approx(6 + 2 + 12));
    CHECK(ps(0) == 6.f);
    CHECK(g(1, 2) == 2 * 3 * 2.f);
}

TEST_CASE("opt-in threads give the single-thread results") {
    constexpr auto k = lossc::compile(-sum<1>(y_true * log(softmax<1>(y_pred))));
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0, 1);
    MatR<float> t(1003, 7), p(1003, 7), g1(1003, 7), g2(1003, 7);
    for (Eigen::Index i = 0; i < t.rows(); ++i)
        for (Eigen::Index j = 0; j < 7; ++j) t(i, j) = u(rng), p(i, j) = 4 * u(rng);
    Eigen::VectorXf ps1(1003), ps2(1003);
    const float one = k.forward_backward(t, p, ps1, g1);
    for (int threads : {2, 3, 8}) {
        const float many = k.forward_backward(t, p, ps2, g2, {.threads = threads, .parallel_threshold = 1});
        CHECK(many == doctest::Approx(one).epsilon(1e-6));  // the partial sums are added in another order
        CHECK(ps1 == ps2);
        CHECK(g1 == g2);
    }
    // Batch sizes that do not split evenly into pack-aligned blocks (found by the fuzzer: the
    // last rows were left out when the rounded blocks ended before the batch did).
    for (Eigen::Index n : {2, 17, 41, 65}) {
        const MatR<float> tn = t.topRows(n), pn = p.topRows(n);
        MatR<float> ga(n, 7), gb(n, 7);
        Eigen::VectorXf pa(n), pb(n);
        k.forward_backward(tn, pn, pa, ga);
        k.forward_backward(tn, pn, pb, gb, {.threads = 2, .parallel_threshold = 1});
        CHECK(pa == pb);
        CHECK(ga == gb);
    }
    // Below the threshold no thread is started (and the result is the same anyway).
    CHECK(k.forward_backward(t, p, ps2, g2, {.threads = 2}) == one);
}
