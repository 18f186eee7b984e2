// lossc::keras::get<"name">, visit_loss and outputs (keras/by_name.hpp, keras/outputs.hpp):
// Keras's names resolve to the class forms Keras's model.compile would use; a model of several
// named heads gives each head's own loss, the weighted total, and each head's part of the total's
// gradient, checked against separate calls and central differences in double.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <lossc/keras/outputs.hpp>
#include <lossc/lossc.hpp>
#include <string>
#include <type_traits>

namespace k = lossc::keras;

namespace {
template <class A, class B> constexpr bool same_type = std::is_same_v<std::remove_cvref_t<A>, std::remove_cvref_t<B>>;
using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

// Keras names give the class forms with Keras's defaults.
constexpr auto by_name_cce = k::get<"categorical_crossentropy">(), by_class_cce = k::get<"CategoricalCrossentropy">();
constexpr auto by_name_mse = k::get<"mse">(), by_alias_mse = k::get<"MSE">();
constexpr auto by_name_kld = k::get<"kld">();
constexpr auto by_name_bce = k::get<"bce">();
constexpr auto by_name_scce = k::get<"sparse_categorical_crossentropy">();
static_assert(same_type<decltype(by_name_cce), decltype(k::CategoricalCrossentropy<false>())>);
static_assert(same_type<decltype(by_class_cce), decltype(k::CategoricalCrossentropy<false>())>);
static_assert(same_type<decltype(by_name_mse), decltype(k::MeanSquaredError())>);
static_assert(same_type<decltype(by_alias_mse), decltype(k::MeanSquaredError())>);
static_assert(same_type<decltype(by_name_kld), decltype(k::KLDivergence())>);
static_assert(same_type<decltype(by_name_bce), decltype(k::BinaryCrossentropy<false>())>);
static_assert(same_type<decltype(by_name_scce), decltype(k::SparseCategoricalCrossentropy<false>())>);
static_assert(k::detail::name_count == 54);  // Keras 3.15.1's ALL_OBJECTS_DICT less Loss, LossFunctionWrapper

TEST_CASE("Keras names give the class forms with Keras's defaults") {
    constexpr auto huber = k::get<"huber">();
    static_assert(huber.configuration().reduction == k::reduction::sum_over_batch_size);
    // the parameters are Keras's defaults: δ = 1 → |e| = 2 gives 1.5
    const double t[2] = {0, 0}, p[2] = {2, 0.5};
    CHECK(huber(k::tensor_view<const double>{t, {1, 2}}, k::tensor_view<const double>{p, {1, 2}}) ==
          doctest::Approx((1.5 + 0.125) / 2));
}

TEST_CASE("nearest names") {  // (at compile time too: compile_fail/keras_get_unknown_name.cpp)
    CHECK(k::detail::name_distance("mse", "mse") == 0);
    CHECK(k::detail::name_distance("mse", "MSE") == 3);  // a change of case costs half
    CHECK(k::detail::name_distance("huber", "hubr") == 2);
    const auto near = k::detail::nearest_names("categorical_crossentropie");
    CHECK(k::detail::name_views[near[0]] == "categorical_crossentropy");
    const auto near2 = k::detail::nearest_names("Mse");
    CHECK((k::detail::name_views[near2[0]] == "mse" || k::detail::name_views[near2[0]] == "MSE"));
}

TEST_CASE("a name known at run time") {
    int visits = 0;
    k::visit_loss("MAE", [&](const auto& loss) {
        CHECK(same_type<decltype(loss), decltype(k::MeanAbsoluteError())>);
        ++visits;
    });
    CHECK(visits == 1);
    const bool is_cce = k::visit_loss("categorical_crossentropy", [](const auto& loss) {
        return same_type<decltype(loss), decltype(k::CategoricalCrossentropy<false>())>;
    });
    CHECK(is_cce);
    CHECK(k::visit_loss("circle", [](const auto& loss) { return same_type<decltype(loss), decltype(k::Circle())>; }));
    CHECK(k::visit_loss("ctc", [](const auto& loss) { return same_type<decltype(loss), decltype(k::CTC())>; }));
    // every in-catalog name resolves; each once
    for (std::string_view name : k::detail::name_views) {
        int n = 0;
        k::visit_loss(name, [&](const auto&) { ++n; });
        CHECK_MESSAGE(n == 1, name);
    }
    const auto message = [](std::string_view name) {
        try {
            k::visit_loss(name, [](const auto&) {});
        } catch (const lossc::parameter_error& e) {
            return std::string(e.what());
        }
        return std::string("no exception");
    };
    CHECK(message("categorical_crossentropie") ==
          "lossc: keras: no Keras loss is named 'categorical_crossentropie'; the nearest names are "
          "categorical_crossentropy, "
          "CategoricalCrossentropy, CategoricalFocalCrossentropy");
    CHECK(message("CTC") == "no exception");  // every Keras loss is in the catalog
    CHECK(message("").find("no Keras loss is named ''") != std::string::npos);
}

namespace {
constexpr auto custom_mse = lossc::sum<1>(lossc::square(lossc::y_pred - lossc::y_true) * lossc::weights(0.3, 0.7));

struct two_heads {
    row_major t1 = row_major(3, 4), p1 = row_major(3, 4), g1 = row_major(3, 4);
    row_major t2 = row_major(3, 2), p2 = row_major(3, 2), g2 = row_major(3, 2);
    Eigen::VectorXd v1 = Eigen::VectorXd(3), v2 = Eigen::VectorXd(3);
    two_heads() {
        t1 << 1, 0, 0, 0, 0, 0, 1, 0, 0.2, 0.3, 0.1, 0.4;
        p1 << 0.5, 0.2, 0.2, 0.1, 0.1, 0.1, 0.7, 0.1, 0.25, 0.25, 0.25, 0.25;
        t2 << 0, 1, 1, 0, -1, 2;
        p2 << 1, 1, 1, 2, 0, 0.5;
    }
};
}  // namespace

TEST_CASE("a model with two named outputs") {
    const auto model =
        k::outputs(k::output<"digit">(k::get<"categorical_crossentropy">(), 1.0), k::output<"aux">(custom_mse, 0.2));
    two_heads d;
    const auto r = model(k::at<"aux">(d.t2, d.p2, {.values = {d.v2.data(), 3}, .grad = {d.g2.data(), 6}}),
                         k::at<"digit">(d.t1, d.p1, {.values = {d.v1.data(), 3}, .grad = {d.g1.data(), 12}}));
    // each head as its own Keras loss
    two_heads e;
    const double digit =
        k::CategoricalCrossentropy<false>()(k::tensor_view<const double>(e.t1), k::tensor_view<const double>(e.p1),
                                            {.values = {e.v1.data(), 3}, .grad = {e.g1.data(), 12}});
    const double aux = k::loss(custom_mse)(k::tensor_view<const double>(e.t2), k::tensor_view<const double>(e.p2),
                                           {.values = {e.v2.data(), 3}, .grad = {e.g2.data(), 6}});
    CHECK(r.loss<"digit">() == digit);
    constexpr auto aux_name = k::name<"aux">;  // the key of result.losses
    CHECK(r.losses[aux_name] == aux);
    CHECK(r.total == doctest::Approx(digit + 0.2 * aux).epsilon(1e-15));
    CHECK(d.v1 == e.v1);
    CHECK(d.v2 == e.v2);
    CHECK(d.g1 == e.g1);
    CHECK((d.g2 - 0.2 * e.g2).cwiseAbs().maxCoeff() < 1e-15);
    // value_and_grad: the same, through the gradients' kernels only
    two_heads f;
    const auto vg =
        model.value_and_grad(k::at<"aux">(f.t2, f.p2, {.values = {f.v2.data(), 3}, .grad = {f.g2.data(), 6}}),
                             k::at<"digit">(f.t1, f.p1, {.values = {f.v1.data(), 3}, .grad = {f.g1.data(), 12}}));
    CHECK(vg.total == r.total);
    CHECK(f.g1 == d.g1);
    CHECK(f.g2 == d.g2);
    CHECK(f.v1 == d.v1);
    CHECK_THROWS_AS(
        model.value_and_grad(k::at<"aux">(f.t2, f.p2, {.grad = {f.g2.data(), 6}}), k::at<"digit">(f.t1, f.p1)),
        lossc::shape_error);
    // the gradient of the total against central differences, head by head
    const auto total = [&](const row_major& p1, const row_major& p2) {
        return model(k::at<"digit">(d.t1, p1), k::at<"aux">(d.t2, p2)).total;
    };
    const double h = 1e-6;
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 4; ++j) {
            row_major a = d.p1, b = d.p1;
            a(i, j) += h, b(i, j) -= h;
            CHECK(d.g1(i, j) == doctest::Approx((total(a, d.p2) - total(b, d.p2)) / (2 * h)).epsilon(1e-6));
        }
        for (int j = 0; j < 2; ++j) {
            row_major a = d.p2, b = d.p2;
            a(i, j) += h, b(i, j) -= h;
            CHECK(d.g2(i, j) == doctest::Approx((total(d.p1, a) - total(d.p1, b)) / (2 * h)).epsilon(1e-6));
        }
    }
}

TEST_CASE("a model's bad calls throw before any head writes") {
    two_heads d;
    d.g1.setConstant(-7);
    d.g2.setConstant(-7);
    const auto nan_weight = k::outputs(k::output<"digit">(k::get<"categorical_crossentropy">(), 1.0),
                                       k::output<"aux">(custom_mse, std::nan("")));
    CHECK_THROWS_AS(nan_weight(k::at<"digit">(d.t1, d.p1, {.grad = {d.g1.data(), 12}}),
                               k::at<"aux">(d.t2, d.p2, {.grad = {d.g2.data(), 6}})),
                    lossc::parameter_error);
    const auto model =
        k::outputs(k::output<"digit">(k::get<"categorical_crossentropy">()), k::output<"aux">(custom_mse));
    // the digit head's gradient over the aux head's y_pred
    CHECK_THROWS_WITH_AS(
        model(k::at<"digit">(d.t1, d.p1, {.grad = {d.p2.data(), 6}}),
              k::at<"aux">(d.t2, d.p2, {.grad = {d.g2.data(), 6}})),
        "lossc: outputs: the values or gradient of the head given 1 overlaps a tensor of the head given 2",
        lossc::shape_error);
    // two heads writing one buffer
    CHECK_THROWS_AS(model(k::at<"digit">(d.t1, d.p1, {.grad = {d.g1.data(), 12}}),
                          k::at<"aux">(d.t2, d.p2, {.values = {d.g1.data(), 3}})),
                    lossc::shape_error);
    CHECK((d.g1.array() == -7).all());
    CHECK((d.g2.array() == -7).all());
    CHECK(d.p2(0, 0) == 1);
    // a head's own error: that head's shape_error
    CHECK_THROWS_AS(model(k::at<"digit">(d.t1, d.p1), k::at<"aux">(d.t1, d.p2)), lossc::shape_error);
}
