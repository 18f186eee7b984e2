// lossc::keras_compiled: every loss type of the compiled catalog (lossc/keras/compiled.hpp),
// called from a translation unit that compiles none of their kernels (tests/CMakeLists.txt
// checks this object's symbols), against the reference evaluator compiled here: per-sample values
// and gradients in float and double, row-major, column-major and strided arguments, values only,
// the class forms; and in double the shared gradient check (central differences).
#ifndef LOSSC_KERAS_COMPILED
#error "this test links lossc::keras_compiled, which defines LOSSC_KERAS_COMPILED"
#endif
#include <random>
#include <string>

#include "gradcheck.hpp"
#include "matrices.hpp"

namespace k = lossc::keras;
using lossc::matrix_view;
using lossc_test::MatC;
using lossc_test::MatR;

namespace {
constexpr std::size_t N = 19, K = 6;  // 19 rows: whole blocks of every pack width and a tail

template <class E> constexpr bool takes_class_ids = lossc::keras::loss<lossc::node_t<E>>::uses_labels;

/// y_true for a loss: one class id per row where it reads ids, else one-hot rows; y_pred in
/// (0.05, 0.95), which is every catalog loss's domain (probabilities, logits, positive values).
template <class E, class T, std::size_t Ct = takes_class_ids<E> ? 1 : K>
void inputs(std::mt19937_64& rng, std::array<std::array<T, Ct>, N>& t, std::array<std::array<T, K>, N>& p) {
    std::uniform_real_distribution<double> u(0.05, 0.95);
    std::uniform_int_distribution<int> cls(0, static_cast<int>(K) - 1);
    for (std::size_t i = 0; i < N; ++i) {
        const int c = cls(rng);
        for (std::size_t j = 0; j < Ct; ++j)
            t[i][j] = Ct == 1 ? static_cast<T>(c) : static_cast<T>(static_cast<int>(j) == c);
        for (std::size_t j = 0; j < K; ++j) p[i][j] = static_cast<T>(u(rng));
    }
}

template <class M, class T, std::size_t C> M to_matrix(const std::array<std::array<T, C>, N>& rows) {
    M m(static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(C));
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < C; ++j) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
    return m;
}

template <class T> bool near(T a, T b) {
    const double rel = std::is_same_v<T, float> ? 2e-4 : 1e-10;
    return lossc_test::close(static_cast<double>(a), static_cast<double>(b), rel, rel);
}

/// The compiled kernel against the reference evaluator, one storage order of the arguments.
template <class M, class E, class Ref, class Rows, class PRows>
void check_layout(const E& loss, const Ref& ref, const Rows& t_rows, const PRows& p_rows, const std::string& what) {
    using T = typename M::Scalar;
    const auto kern = lossc::compile(loss);
    const M yt = to_matrix<M>(t_rows), yp = to_matrix<M>(p_rows);
    Eigen::Matrix<T, Eigen::Dynamic, 1> ps(static_cast<Eigen::Index>(N)), values(static_cast<Eigen::Index>(N));
    M g(static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(K));
    const lossc::options sum{.reduction = lossc::reduction::sum};
    const T total = kern.forward_backward(yt, yp, ps, g, sum);
    const T values_total = kern.forward(yt, yp, values, sum);
    double expected = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        expected += static_cast<double>(ref.per_sample[i]);
        INFO(what, " row ", i);
        CHECK(near(ps(r), ref.per_sample[i]));
        CHECK(near(values(r), ref.per_sample[i]));
        for (std::size_t j = 0; j < K; ++j) CHECK(near(g(r, static_cast<Eigen::Index>(j)), ref.grad[i][j]));
    }
    CHECK(near(total, static_cast<T>(expected)));
    CHECK(near(values_total, static_cast<T>(expected)));
}

template <class T, class E> void check_loss(const E& loss, const std::string& name, std::mt19937_64& rng) {
    constexpr std::size_t Ct = takes_class_ids<E> ? 1 : K;
    std::array<std::array<T, Ct>, N> t{};
    std::array<std::array<T, K>, N> p{};
    inputs<E, T>(rng, t, p);
    const auto ref = lossc::evaluate(loss, t, p);
    const std::string what = name + (std::is_same_v<T, float> ? " float" : " double");
    check_layout<MatR<T>>(loss, ref, t, p, what + " row-major");
    check_layout<MatC<T>>(loss, ref, t, p, what + " column-major");

    // A strided view: y_pred and the gradient as every other row of a taller buffer.
    const auto kern = lossc::compile(loss);
    const MatR<T> yt = to_matrix<MatR<T>>(t);
    MatR<T> tall = MatR<T>::Zero(2 * static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(K)), gtall = tall;
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < K; ++j)
            tall(2 * static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = p[i][j];
    const auto n = static_cast<lossc::index>(N), c = static_cast<lossc::index>(K);
    Eigen::Matrix<T, Eigen::Dynamic, 1> ps(n);
    kern.forward_backward(yt, matrix_view<const T>{tall.data(), n, c, 2 * c, 1}, ps,
                          matrix_view<T>{gtall.data(), n, c, 2 * c, 1}, {.reduction = lossc::reduction::sum});
    for (std::size_t i = 0; i < N; ++i) {
        INFO(what, " strided, row ", i);
        CHECK(near(ps(static_cast<Eigen::Index>(i)), ref.per_sample[i]));
        for (std::size_t j = 0; j < K; ++j)
            CHECK(near(gtall(2 * static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), ref.grad[i][j]));
    }
    if constexpr (std::is_same_v<T, double>) {
        lossc_test::rows_t<N, Ct> td{};
        lossc_test::rows_t<N, K> pd{};
        for (std::size_t i = 0; i < N; ++i) {
            for (std::size_t j = 0; j < Ct; ++j) td[i][j] = t[i][j];
            for (std::size_t j = 0; j < K; ++j) pd[i][j] = p[i][j];
        }
        lossc_test::check_gradient(loss, td, pd, name, 1e-5);
    }
}
}  // namespace

TEST_CASE("every compiled catalog loss against the reference evaluator") {
    std::mt19937_64 rng(20261205);
    using namespace lossc;  // the list names keras::…
#define LOSSC_CHECK_COMPILED(expr)                                \
    static_assert(lowering::precompiled<node_t<decltype(expr)>>); \
    check_loss<float>(expr, #expr, rng);                          \
    check_loss<double>(expr, #expr, rng);
    LOSSC_KERAS_COMPILED_LOSSES(LOSSC_CHECK_COMPILED)
#undef LOSSC_CHECK_COMPILED
}

TEST_CASE("parameters are run-time values of the one compiled type") {
    std::mt19937_64 rng(7);
    check_loss<float>(k::huber(0.3), "huber(0.3)", rng);
    check_loss<double>(k::categorical_focal_crossentropy<true>(0.4, 1.5, 0.1), "focal(0.4, 1.5, 0.1)", rng);
    check_loss<double>(k::binary_focal_crossentropy<true>(true, 0.3, 3.0, 0.05), "binary focal balanced", rng);
    check_loss<float>(k::tversky(0.3, 0.7), "tversky(0.3, 0.7)", rng);
}

TEST_CASE("class forms run the compiled kernels") {
    // CategoricalCrossentropy(from_logits=True): mean over the batch of the per-sample values.
    std::mt19937_64 rng(11);
    std::array<std::array<float, K>, N> t{}, p{};
    inputs<decltype(k::categorical_crossentropy<true>()), float>(rng, t, p);
    const auto ref = lossc::evaluate(k::categorical_crossentropy<true>(), t, p);
    std::vector<float> values(N), grad(N * K);
    const k::tensor_view<const float> yt{t.data()->data(),
                                         {static_cast<lossc::index>(N), static_cast<lossc::index>(K)}};
    const k::tensor_view<const float> yp{p.data()->data(),
                                         {static_cast<lossc::index>(N), static_cast<lossc::index>(K)}};
    const float mean = k::CategoricalCrossentropy<true>()(yt, yp, {.values = values, .grad = grad});
    double expected = 0;
    for (std::size_t i = 0; i < N; ++i) {
        expected += ref.per_sample[i] / static_cast<double>(N);
        CHECK(near(values[i], ref.per_sample[i]));
        for (std::size_t j = 0; j < K; ++j) CHECK(near(grad[i * K + j], ref.grad[i][j] / static_cast<float>(N)));
    }
    CHECK(near(mean, static_cast<float>(expected)));
    // SparseCategoricalCrossentropy with int32 ids and ignore_class.
    std::vector<std::int32_t> ids(N);
    for (std::size_t i = 0; i < N; ++i) ids[i] = static_cast<std::int32_t>(i % K);
    const k::tensor_view<const std::int32_t> yid{ids.data(), {static_cast<lossc::index>(N)}};
    const float sparse = k::SparseCategoricalCrossentropy<true>(2, k::reduction::sum)(yid, yp, {.values = values});
    double want = 0;
    for (std::size_t i = 0; i < N; ++i) {
        if (ids[i] == 2) continue;
        double m = p[i][0], s = 0;
        for (std::size_t j = 0; j < K; ++j) m = std::max(m, static_cast<double>(p[i][j]));
        for (std::size_t j = 0; j < K; ++j) s += std::exp(static_cast<double>(p[i][j]) - m);
        want += -(static_cast<double>(p[i][static_cast<std::size_t>(ids[i])]) - m - std::log(s));
    }
    CHECK(near(sparse, static_cast<float>(want)));
}
