// lossc::keras::get<"name">() — a Keras loss by the name Keras's model.compile(loss="...") and
// keras.losses.get take, resolved at compile time; visit_loss(name, f) resolves a name held at
// run time. Every name Keras accepts (function names, class names, aliases) gives the class form
// with Keras's defaults, as model.compile wraps a name. An unknown name is a static_assert that
// lists the nearest valid names.
#pragma once
#include <algorithm>
#include <array>
#include <boost/hana/at.hpp>
#include <boost/hana/find_if.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/optional.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <utility>

#include "../errors.hpp"
#include "circle.hpp"
#include "classes.hpp"
#include "ctc.hpp"

namespace lossc {

/// A string literal as a template argument: keras::get<"mse">(), keras::output<"digit">(…).
template <std::size_t N> struct fixed_string {
    char chars[N]{};
    constexpr fixed_string(const char (&s)[N]) {
        std::copy_n(s, N, chars);
    }  // NOLINT(google-explicit-constructor): "…" as an argument is the point
    static constexpr std::size_t size() { return N - 1; }
    constexpr std::string_view view() const { return {chars, N - 1}; }
};

}  // namespace lossc

namespace lossc::keras {

/// One type per name keras.losses.get accepts (Keras 3.15.1's ALL_OBJECTS_DICT without the
/// abstract Loss and LossFunctionWrapper). Each type is called by its Keras name, so that a
/// compile error listing them reads as the names. make<>() gives the loss object.
namespace names {
// NOLINTBEGIN(readability-identifier-naming,bugprone-macro-parentheses): Keras's names; a macro writes the table
#define LOSSC_KERAS_NAME(id, ...)                                                               \
    struct id {                                                                                 \
        static constexpr std::string_view name = #id;                                           \
        template <int = 0> static constexpr auto make() { return ::lossc::keras::__VA_ARGS__; } \
    };
LOSSC_KERAS_NAME(mean_squared_error, MeanSquaredError())
LOSSC_KERAS_NAME(mse, MeanSquaredError())
LOSSC_KERAS_NAME(MSE, MeanSquaredError())
LOSSC_KERAS_NAME(MeanSquaredError, MeanSquaredError())
LOSSC_KERAS_NAME(mean_absolute_error, MeanAbsoluteError())
LOSSC_KERAS_NAME(mae, MeanAbsoluteError())
LOSSC_KERAS_NAME(MAE, MeanAbsoluteError())
LOSSC_KERAS_NAME(MeanAbsoluteError, MeanAbsoluteError())
LOSSC_KERAS_NAME(mean_absolute_percentage_error, MeanAbsolutePercentageError())
LOSSC_KERAS_NAME(mape, MeanAbsolutePercentageError())
LOSSC_KERAS_NAME(MAPE, MeanAbsolutePercentageError())
LOSSC_KERAS_NAME(MeanAbsolutePercentageError, MeanAbsolutePercentageError())
LOSSC_KERAS_NAME(mean_squared_logarithmic_error, MeanSquaredLogarithmicError())
LOSSC_KERAS_NAME(msle, MeanSquaredLogarithmicError())
LOSSC_KERAS_NAME(MSLE, MeanSquaredLogarithmicError())
LOSSC_KERAS_NAME(MeanSquaredLogarithmicError, MeanSquaredLogarithmicError())
LOSSC_KERAS_NAME(cosine_similarity, CosineSimilarity())
LOSSC_KERAS_NAME(CosineSimilarity, CosineSimilarity())
LOSSC_KERAS_NAME(huber, Huber())
LOSSC_KERAS_NAME(Huber, Huber())
LOSSC_KERAS_NAME(log_cosh, LogCosh())
LOSSC_KERAS_NAME(LogCosh, LogCosh())
LOSSC_KERAS_NAME(hinge, Hinge())
LOSSC_KERAS_NAME(Hinge, Hinge())
LOSSC_KERAS_NAME(squared_hinge, SquaredHinge())
LOSSC_KERAS_NAME(SquaredHinge, SquaredHinge())
LOSSC_KERAS_NAME(categorical_hinge, CategoricalHinge())
LOSSC_KERAS_NAME(CategoricalHinge, CategoricalHinge())
LOSSC_KERAS_NAME(kl_divergence, KLDivergence())
LOSSC_KERAS_NAME(kld, KLDivergence())
LOSSC_KERAS_NAME(KLD, KLDivergence())
LOSSC_KERAS_NAME(KLDivergence, KLDivergence())
LOSSC_KERAS_NAME(poisson, Poisson())
LOSSC_KERAS_NAME(Poisson, Poisson())
LOSSC_KERAS_NAME(binary_crossentropy, BinaryCrossentropy())
LOSSC_KERAS_NAME(bce, BinaryCrossentropy())
LOSSC_KERAS_NAME(BCE, BinaryCrossentropy())
LOSSC_KERAS_NAME(BinaryCrossentropy, BinaryCrossentropy())
LOSSC_KERAS_NAME(binary_focal_crossentropy, BinaryFocalCrossentropy())
LOSSC_KERAS_NAME(BinaryFocalCrossentropy, BinaryFocalCrossentropy())
LOSSC_KERAS_NAME(categorical_crossentropy, CategoricalCrossentropy())
LOSSC_KERAS_NAME(CategoricalCrossentropy, CategoricalCrossentropy())
LOSSC_KERAS_NAME(sparse_categorical_crossentropy, SparseCategoricalCrossentropy())
LOSSC_KERAS_NAME(SparseCategoricalCrossentropy, SparseCategoricalCrossentropy())
LOSSC_KERAS_NAME(categorical_focal_crossentropy, CategoricalFocalCrossentropy())
LOSSC_KERAS_NAME(CategoricalFocalCrossentropy, CategoricalFocalCrossentropy())
LOSSC_KERAS_NAME(dice, Dice())
LOSSC_KERAS_NAME(Dice, Dice())
LOSSC_KERAS_NAME(tversky, Tversky())
LOSSC_KERAS_NAME(Tversky, Tversky())
LOSSC_KERAS_NAME(ctc, CTC())
LOSSC_KERAS_NAME(CTC, CTC())
LOSSC_KERAS_NAME(circle, Circle())
LOSSC_KERAS_NAME(Circle, Circle())
#undef LOSSC_KERAS_NAME
// NOLINTEND(readability-identifier-naming,bugprone-macro-parentheses)
}  // namespace names

/// Every name, in a Hana tuple of types (each entry a different loss type).
inline constexpr auto all_names = boost::hana::tuple_t<
    names::mean_squared_error, names::mse, names::MSE, names::MeanSquaredError, names::mean_absolute_error, names::mae,
    names::MAE, names::MeanAbsoluteError, names::mean_absolute_percentage_error, names::mape, names::MAPE,
    names::MeanAbsolutePercentageError, names::mean_squared_logarithmic_error, names::msle, names::MSLE,
    names::MeanSquaredLogarithmicError, names::cosine_similarity, names::CosineSimilarity, names::huber, names::Huber,
    names::log_cosh, names::LogCosh, names::hinge, names::Hinge, names::squared_hinge, names::SquaredHinge,
    names::categorical_hinge, names::CategoricalHinge, names::kl_divergence, names::kld, names::KLD,
    names::KLDivergence, names::poisson, names::Poisson, names::binary_crossentropy, names::bce, names::BCE,
    names::BinaryCrossentropy, names::binary_focal_crossentropy, names::BinaryFocalCrossentropy,
    names::categorical_crossentropy, names::CategoricalCrossentropy, names::sparse_categorical_crossentropy,
    names::SparseCategoricalCrossentropy, names::categorical_focal_crossentropy, names::CategoricalFocalCrossentropy,
    names::dice, names::Dice, names::tversky, names::Tversky, names::ctc, names::CTC, names::circle, names::Circle>;

namespace detail {

/// Edit distance (insert, delete, substitute; a change of case costs half), for the names an
/// unknown one is nearest to.
constexpr int name_distance(std::string_view a, std::string_view b) {
    // Plain loops: clang evaluates this for every name within its constexpr step limit.
    constexpr std::size_t max = 64;
    if (a.size() >= max || b.size() >= max) return 1000;
    int row[max]{};
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(2 * j);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = static_cast<int>(2 * i);
        const char x = a[i - 1], lx = x >= 'A' && x <= 'Z' ? static_cast<char>(x + 32) : x;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const char y = b[j - 1], ly = y >= 'A' && y <= 'Z' ? static_cast<char>(y + 32) : y;
            const int sub = diagonal + (x == y ? 0 : lx == ly ? 1 : 2);
            const int del = row[j] + 2, ins = row[j - 1] + 2;
            diagonal = row[j];
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    }
    return row[b.size()];
}

inline constexpr std::size_t name_count = decltype(boost::hana::length(all_names))::value;

template <std::size_t... I> constexpr std::array<std::string_view, name_count> name_list(std::index_sequence<I...>) {
    return {decltype(+boost::hana::at_c<I>(all_names))::type::name...};
}
inline constexpr auto name_views = name_list(std::make_index_sequence<name_count>{});

/// The indices of the three names nearest to `asked`, nearest first (ties: table order).
constexpr std::array<std::size_t, 3> nearest_names(std::string_view asked) {
    std::array<std::size_t, 3> best{};
    std::array<int, 3> dist{1 << 20, 1 << 20, 1 << 20};
    for (std::size_t i = 0; i < name_count; ++i) {
        const int d = name_distance(asked, name_views[i]);
        for (std::size_t k = 0; k < 3; ++k)
            if (d < dist[k]) {
                for (std::size_t m = 2; m > k; --m) dist[m] = dist[m - 1], best[m] = best[m - 1];
                dist[k] = d, best[k] = i;
                break;
            }
    }
    return best;
}
template <std::size_t I> using name_at = typename decltype(+boost::hana::at_c<I>(all_names))::type;

/// Instantiated for a name Keras does not have: its arguments are the nearest valid names.
template <class... Nearest> struct unknown_loss_name {
    static_assert(sizeof...(Nearest) == 0,
                  "lossc: keras::get: no Keras loss has this name; the nearest names Keras takes are the "
                  "arguments of unknown_loss_name<...> (lossc::keras::names::...)");
    static constexpr int make() { return 0; }
};

}  // namespace detail

/// The loss Keras's model.compile(loss="<Name>") uses: the class form with Keras's defaults
/// (from_logits=False, reduction sum_over_batch_size). get<"categorical_crossentropy">() is
/// CategoricalCrossentropy<false>().
template <fixed_string Name> constexpr auto get() {
    constexpr auto found = boost::hana::find_if(
        all_names, [](auto t) { return boost::hana::bool_c<decltype(t)::type::name == Name.view()>; });
    if constexpr (decltype(boost::hana::is_nothing(found))::value) {
        constexpr auto nearest = detail::nearest_names(Name.view());
        return detail::unknown_loss_name<detail::name_at<nearest[0]>, detail::name_at<nearest[1]>,
                                         detail::name_at<nearest[2]>>::make();
    } else {
        return decltype(+*found)::type::template make<>();
    }
}

namespace detail {
/// Calls f(loss) for the loss of the catalog called `name`; false when there is none.
template <class F> bool call_by_name(std::string_view name, F& f) {
    bool found = false;
    boost::hana::for_each(all_names, [&](auto t) {
        using N = typename decltype(t)::type;
        if (!found && N::name == name) {
            found = true;
            f(N::make());
        }
    });
    return found;
}
[[noreturn]] inline void unknown_name_error(std::string_view name) {
    const auto nearest = nearest_names(name);
    throw parameter_error(cat("keras: no Keras loss is named '", name, "'; the nearest names are ",
                              name_views[nearest[0]], ", ", name_views[nearest[1]], ", ", name_views[nearest[2]]));
}
}  // namespace detail

/// A name known only at run time (a configuration file, a command line): calls f(loss) with the
/// loss get<name>() gives and returns f's result (void, or one type for every loss). Compiles f
/// for every loss of the catalog, each a kernel of its own: keep it to one translation unit.
/// Throws lossc::parameter_error for a name Keras does not have (naming the nearest names).
template <class F> auto visit_loss(std::string_view name, F&& f) -> decltype(f(names::mse::make())) {
    using result = decltype(f(names::mse::make()));
    if constexpr (std::is_void_v<result>) {
        if (!detail::call_by_name(name, f)) detail::unknown_name_error(name);
    } else {
        std::optional<result> out;
        auto keep = [&](const auto& loss) { out.emplace(f(loss)); };
        if (!detail::call_by_name(name, keep)) detail::unknown_name_error(name);
        return *std::move(out);
    }
}

}  // namespace lossc::keras
