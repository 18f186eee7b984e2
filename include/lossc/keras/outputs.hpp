// lossc::keras::outputs — the loss of a model with several named outputs, as Keras's
// model.compile(loss={"digit": "categorical_crossentropy", "aux": custom_mse},
// loss_weights={"digit": 1.0, "aux": 0.2}): each head runs its own compiled loss over its own
// y_true/y_pred; the call returns the weighted total and each head's loss, and writes each head's
// gradient of the total. Heads and call arguments are Boost.Hana maps keyed by the outputs' names
// (hana::string), so that a name is checked at compile time.
#pragma once
#include <boost/hana/at_key.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/string.hpp>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "by_name.hpp"

namespace lossc::keras {

namespace detail {
template <fixed_string S, std::size_t... I> constexpr auto hana_string(std::index_sequence<I...>) {
    return boost::hana::string_c<S.chars[I]...>;
}
template <class L> inline constexpr bool is_keras_loss = false;
template <class Def> inline constexpr bool is_keras_loss<loss<Def>> = true;
}  // namespace detail

/// A model output's name as a compile-time string (a boost::hana::string): the key of
/// outputs_result::losses, e.g. result.losses[keras::name<"digit">].
template <fixed_string S> inline constexpr auto name = detail::hana_string<S>(std::make_index_sequence<S.size()>{});
template <fixed_string S> using name_t = std::remove_const_t<decltype(name<S>)>;

/// One head: its loss (a keras::loss) and its weight in the total (Keras's loss_weights).
template <class Name, class Loss> struct head {
    using name_type = Name;
    Loss loss;
    double weight = 1.0;
};

namespace detail {
template <class H> inline constexpr bool is_head = false;
template <class N, class L> inline constexpr bool is_head<head<N, L>> = true;

/// Keras's rules for the loss of the output named Name (a hana::string: its characters appear in
/// the message's context).
template <class Name, bool UsesYPred, int Rank> struct head_rules {
    static_assert(UsesYPred,
                  "lossc: outputs: the loss of the output named in head_rules<boost::hana::string<...>, ...> "
                  "breaks Keras rule 1 (the loss must use y_pred, or no gradient flows)");
    static_assert(!UsesYPred || Rank == 1,
                  "lossc: outputs: the loss of the output named in head_rules<boost::hana::string<...>, "
                  "...> breaks Keras rule 2 (one loss value per sample); reduce its class axis, "
                  "e.g. sum<1>(...) or mean<1>(...)");
    static constexpr bool ok = UsesYPred && Rank == 1;
};
}  // namespace detail

/// output<"digit">(loss, weight): a head of the model. `loss` is a Keras loss object
/// (keras::get<"...">(), keras::CategoricalCrossentropy<true>(...)) or a lossc expression, which
/// is wrapped as Keras wraps a loss function (reduction sum_over_batch_size). The expression's
/// Keras rules are checked here, with the output's name in the message.
template <fixed_string Name, class L> constexpr auto output(const L& l, double weight = 1.0) {
    using N = name_t<Name>;
    if constexpr (detail::is_keras_loss<L>) {
        return head<N, L>{l, weight};
    } else {
        static_assert(expression<L>,
                      "lossc: outputs: a head's loss is a Keras loss object (keras::get<\"name\">(), "
                      "keras::CategoricalCrossentropy(...)) or a lossc expression");
        if constexpr (expression<L> && detail::head_rules<N, depends_on_y_pred<L>, output_rank<L>>::ok) {
            return head<N, keras::loss<L>>{keras::loss<L>(l), weight};
        } else {
            return 0;  // after the static_assert: nothing more to report
        }
    }
}

/// One head's arguments in a call: at<"digit">(y_true, y_pred, {.grad = g, ...}).
template <class L, class T> struct head_call {
    tensor_view<const L> y_true;
    tensor_view<const T> y_pred;
    call_args<T> args;
};
template <fixed_string Name, class L, class T>
constexpr auto at(tensor_view<const L> y_true, tensor_view<const T> y_pred, call_args<T> args = {}) {
    return boost::hana::make_pair(name<Name>, head_call<L, T>{y_true, y_pred, args});
}
/// The same from Eigen objects (row-major, contiguous, as every Keras tensor).
template <fixed_string Name, eigen_direct YT, eigen_direct YP>
auto at(const YT& y_true, const YP& y_pred, call_args<typename YP::Scalar> args = {}) {
    using L = typename YT::Scalar;
    using T = typename YP::Scalar;
    return at<Name, L, T>(tensor_view<const L>(y_true), tensor_view<const T>(y_pred), args);
}

namespace detail {
/// Throws shape_error where one head's outputs (values, grad) overlap another head's tensors.
inline void require_heads_apart(std::initializer_list<call_extents> heads) {
    std::size_t i = 0;
    for (const call_extents& a : heads) {
        std::size_t j = 0;
        for (const call_extents& b : heads) {
            if (i != j)
                for (const auto& w : {a.values, a.grad})
                    for (const auto& o : {b.y_true, b.y_pred, b.weight, b.mask, b.values, b.grad})
                        if (w.overlaps(o))
                            throw shape_error(cat("outputs: the values or gradient of the head given ", num(i + 1),
                                                  " overlaps a tensor of the head given ", num(j + 1)));
            ++j;
        }
        ++i;
    }
}
}  // namespace detail

/// What a call returns: the weighted total and each head's own loss (unweighted, as Keras
/// reports per-output losses), a hana::map from the outputs' names.
template <class T, class Losses> struct outputs_result {
    T total;
    Losses losses;
    template <fixed_string Name> T loss() const { return losses[name<Name>]; }
};

namespace detail {
template <class Name> struct not_an_output {
    static_assert(sizeof(Name) == 0,
                  "lossc: outputs: at<name>(...) names an output the model does not have "
                  "(the name is not_an_output<boost::hana::string<...>>'s argument)");
};
template <class Name> struct missing_output {
    static_assert(sizeof(Name) == 0,
                  "lossc: outputs: the call gives no at<name>(y_true, y_pred) for the output "
                  "named in missing_output<boost::hana::string<...>>; give every head once");
};
template <class N, class... All> inline constexpr int count_of = (int{std::is_same_v<N, All>} + ... + 0);
template <class... N> constexpr bool distinct() { return ((count_of<N, N...> == 1) && ...); }
/// The call's names against the model's (the booleans are kept apart from the failing
/// instantiations, so that a compiler reports the name and nothing after it).
template <class N, class... Heads> void report_if_unknown() {
    if constexpr (count_of<N, Heads...> == 0) (void)not_an_output<N>{};
}
template <class N, class... Given> void report_if_not_once() {
    if constexpr (count_of<N, Given...> != 1) (void)missing_output<N>{};
}
template <class P> using call_name = std::remove_cvref_t<decltype(boost::hana::first(std::declval<P>()))>;
template <class P> using call_scalar =
    std::remove_cvref_t<decltype(*boost::hana::second(std::declval<P>()).y_pred.data)>;
}  // namespace detail

/// The model's loss: outputs(output<"a">(...), output<"b">(...), ...). Call it with one
/// at<"name">(y_true, y_pred, args) per head, in any order; it returns outputs_result.
/// A head's args.grad receives weight · d(head loss)/d(y_pred), its part of d(total)/d(y_pred).
/// Errors: parameter_error for a weight that is not finite and shape_error for one head's outputs
/// over another head's tensors, both before any head runs; then each head checks its own
/// arguments before it writes, so that a head's error leaves the heads before it written (in the
/// model's order of heads) and returns no total. No input is ever written.
template <class Heads, class... Names> class multi_output {
public:
    constexpr explicit multi_output(Heads heads) : heads_(heads) {}
    constexpr const Heads& heads() const { return heads_; }

    template <class... Calls> auto operator()(const Calls&... calls) const { return evaluate<false>(calls...); }
    /// As operator(), every head writing its gradient (each args.grad must hold its y_pred's
    /// size): only the gradients' kernels are compiled (keras::loss::value_and_grad).
    template <class... Calls> auto value_and_grad(const Calls&... calls) const { return evaluate<true>(calls...); }

private:
    template <bool GradOnly, class... Calls> auto evaluate(const Calls&... calls) const {
        namespace hana = boost::hana;
        using T = std::common_type_t<detail::call_scalar<Calls>...>;
        static_assert((std::is_same_v<detail::call_scalar<Calls>, T> && ...),
                      "lossc: outputs: every head's y_pred holds the same scalar type (float or double)");
        auto losses = hana::make_map(hana::make_pair(detail::call_name<Calls>{}, T{})...);
        outputs_result<T, decltype(losses)> result{T{}, losses};
        if constexpr (((detail::count_of<detail::call_name<Calls>, Names...> == 0) || ...)) {
            (detail::report_if_unknown<detail::call_name<Calls>, Names...>(), ...);
        } else if constexpr (((detail::count_of<Names, detail::call_name<Calls>...> != 1) || ...)) {
            (detail::report_if_not_once<Names, detail::call_name<Calls>...>(), ...);
        } else {
            run<GradOnly>(result, calls...);
        }
        return result;
    }
    template <bool GradOnly, class Result, class... Calls> void run(Result& result, const Calls&... calls) const {
        namespace hana = boost::hana;
        using T = decltype(result.total);
        const auto args = hana::make_map(calls...);
        // Before any head writes: the weights, and no head's outputs over another head's
        // tensors (each head checks its own arguments before it writes).
        (require_finite(heads_[Names{}].weight), ...);
        detail::require_heads_apart(
            {detail::extents_of(hana::second(calls).y_true, hana::second(calls).y_pred, hana::second(calls).args)...});
        double total = 0;
        const auto one = [&](auto key) {
            const auto& h = heads_[key];
            const auto& c = args[key];
            T value;
            if constexpr (GradOnly)
                value = h.loss.value_and_grad(c.y_true, c.y_pred, c.args);
            else
                value = h.loss(c.y_true, c.y_pred, c.args);
            result.losses[key] = value;
            total += h.weight * static_cast<double>(value);
            if (h.weight != 1.0)
                for (T& g : c.args.grad) g = static_cast<T>(h.weight * static_cast<double>(g));
        };
        (one(Names{}), ...);
        result.total = static_cast<T>(total);
    }
    static void require_finite(double weight) {
        if (!std::isfinite(weight)) throw parameter_error("outputs: a head's weight is not finite");
    }
    Heads heads_;
};

/// The model's loss from its heads (each output<"name">(loss, weight), names distinct).
template <class... H> constexpr auto outputs(const H&... heads) {
    if constexpr ((detail::is_head<H> && ...)) {
        static_assert(detail::distinct<typename H::name_type...>(), "lossc: outputs: two heads have the same name");
        auto map = boost::hana::make_map(boost::hana::make_pair(typename H::name_type{}, heads)...);
        return multi_output<decltype(map), typename H::name_type...>(map);
    } else {
        return 0;  // a head's static_assert has fired
    }
}

}  // namespace lossc::keras
