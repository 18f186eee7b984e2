// lossc — a cross-sample loss as per-row expressions (the lowering batch_kernel runs).
//
// Every batch reduction of the loss has a position in post-order (its operand's statistics before
// it, a before b), so a statistic comes after those it reads. lower<Target, K, Stats>(e) replaces
// each batch reduction by a batch_stat_t leaf, which reads the statistic from the call's buffers:
// the loss becomes a per-sample expression of y_true, y_pred and constants, which the row
// evaluator runs like any other. A leaf carries the number of the first equal statistic
// (alias_of), so equal ones are computed once. Target picks what reverse mode differentiates
// against: y_pred (the statistics held constant), statistic k (y_pred held constant), or nothing.
// derivation<E> holds every expression a call evaluates; bind() points a tree's leaves at one
// call's buffers.
#pragma once
#include <algorithm>
#include <cstddef>
#include <tuple>
#include <type_traits>

#include "../config.hpp"
#include "../diff/reverse.hpp"
#include "../expr/batch.hpp"
#include "../expr/pairs.hpp"
#include "../expr/vocabulary.hpp"
#include "row_eval.hpp"

namespace lossc {
/// Differentiated against statistic K, its leaf is where the adjoint arrives.
template <std::size_t K, class R, class A, class G>
constexpr auto backprop(const batch_stat_t<K, R, A, stat_role::target>&, const G& g) {
    return g;
}
/// Differentiated against pair reduction K, likewise.
template <std::size_t K, class R, class A, class G>
constexpr auto backprop(const pair_stat_t<K, R, A, stat_role::target>&, const G& g) {
    return g;
}
}  // namespace lossc

namespace lossc {
inline namespace LOSSC_ISA {
namespace lowering::batch {

inline constexpr std::size_t target_none = static_cast<std::size_t>(-1);
inline constexpr std::size_t target_pred = static_cast<std::size_t>(-2);

template <class E> struct is_batch_reduce : std::false_type {};
template <class R, class A> struct is_batch_reduce<batch_reduce_t<R, A>> : std::true_type {};
/// A pair reduction is lowered the same way: a statistic, one value per sample (pair_lowering.hpp).
template <class R, class A> struct is_batch_reduce<pair_reduce_t<R, A>> : std::true_type {};

/// The number of batch reductions in a tree.
template <class E> constexpr std::size_t count_stats() {
    std::size_t n = is_batch_reduce<E>::value ? 1 : 0;
    if constexpr (requires { typename E::lossc_node; } && E::batch_red)
        for_each_child_type<E>([&n]<class C>() { n += count_stats<C>(); });
    return n;
}
/// How deep batch reductions nest: 0 without any, 1 for a statistic of per-sample values, 2 for
/// a statistic of values that read another statistic (Pearson's Σ (x − mean x)²) …
template <class E> constexpr std::size_t stat_depth() {
    std::size_t d = 0;
    if constexpr (requires { typename E::lossc_node; } && E::batch_red)
        for_each_child_type<E>([&d]<class C>() { d = std::max(d, stat_depth<C>()); });
    return is_batch_reduce<E>::value ? d + 1 : d;
}

/// A batch_stat_t leaf's number and role.
template <class E> struct stat_leaf : std::false_type {};
template <std::size_t K, class R, class A, stat_role Role> struct stat_leaf<batch_stat_t<K, R, A, Role>>
    : std::true_type {
    static constexpr std::size_t number = K;
    static constexpr stat_role role = Role;
};
template <std::size_t K, class R, class A, stat_role Role> struct stat_leaf<pair_stat_t<K, R, A, Role>>
    : std::true_type {
    static constexpr std::size_t number = K;
    static constexpr stat_role role = Role;
};
/// The batch reductions of a tree in post-order, as a tuple of the nodes.
template <class E> constexpr auto collect(const E& e) {
    if constexpr (!E::batch_red)
        return std::tuple<>{};
    else if constexpr (is_batch_reduce<E>::value)
        return std::tuple_cat(collect(e.a), std::tuple<E>{e});
    else {
        auto from = [](const auto& x) {
            if constexpr (requires { typename std::remove_cvref_t<decltype(x)>::lossc_node; })
                return collect(x);
            else
                return std::tuple<>{};
        };
        if constexpr (requires { e.c; })
            return std::tuple_cat(from(e.c), from(e.a), from(e.b));
        else if constexpr (requires { e.b; })
            return std::tuple_cat(from(e.a), from(e.b));
        else
            return from(e.a);
    }
}

/// The statistic at position k is computed once for all positions that hold the same one: the
/// first statistic of the loss of the same type, where that type fixes its value (no run-time
/// parameter below it, as Pearson's batch_mean(y_pred) written twice).
template <class Stats, std::size_t k> constexpr std::size_t alias_of() {
    using N = std::tuple_element_t<k, Stats>;
    if constexpr (!param_free<decltype(std::declval<const N&>().a)>)
        return k;
    else
        return [&]<std::size_t... j>(std::index_sequence<j...>) {
            std::size_t first = k;
            ((first = first == k && std::is_same_v<std::tuple_element_t<j, Stats>, N> ? j : first), ...);
            return first;
        }
    (std::make_index_sequence<k>{});
}

template <std::size_t Target, std::size_t K, class Stats, class E> constexpr auto lower(const E& e);

// The nodes a batch reduction can sit under, rebuilt with lowered children.
template <std::size_t Target, std::size_t K, class Stats, class Op, class A>
constexpr auto lower_node(const unary<Op, A>& e) {
    auto a = lower<Target, K, Stats>(e.a);
    return unary<Op, decltype(a)>{a, e.op};
}
template <std::size_t Target, std::size_t K, class Stats, class Op, class A, class B>
constexpr auto lower_node(const binary<Op, A, B>& e) {
    auto a = lower<Target, K, Stats>(e.a);
    auto b = lower<Target, K + count_stats<A>(), Stats>(e.b);
    return binary<Op, decltype(a), decltype(b)>{a, b, e.op};
}
template <std::size_t Target, std::size_t K, class Stats, class C, class A, class B>
constexpr auto lower_node(const where_t<C, A, B>& e) {
    auto c = lower<Target, K, Stats>(e.c);
    auto a = lower<Target, K + count_stats<C>(), Stats>(e.a);
    auto b = lower<Target, K + count_stats<C>() + count_stats<A>(), Stats>(e.b);
    return where_t<decltype(c), decltype(a), decltype(b)>{c, a, b};
}
template <std::size_t Target, std::size_t K, class Stats, class R, class A>
constexpr auto lower_node(const reduce_t<R, A>& e) {
    auto a = lower<Target, K, Stats>(e.a);
    return reduce_t<R, decltype(a)>{a};
}
template <std::size_t Target, std::size_t K, class Stats, std::size_t J, class A>
constexpr auto lower_node(const col_t<J, A>& e) {
    auto a = lower<Target, K, Stats>(e.a);
    return col_t<J, decltype(a)>{a};
}
template <std::size_t Target, std::size_t K, class Stats, std::size_t F, std::size_t N, class A>
constexpr auto lower_node(const cols_t<F, N, A>& e) {
    auto a = lower<Target, K, Stats>(e.a);
    return cols_t<F, N, decltype(a)>{a};
}
/// A batch reduction becomes a leaf: its position follows its operand's statistics, and its
/// number is that of the first statistic of the loss that is the same (alias_of).
template <std::size_t Target, std::size_t K, class Stats, class R, class A>
constexpr auto lower_node(const batch_reduce_t<R, A>& e) {
    constexpr std::size_t k = alias_of<Stats, K + count_stats<A>()>();
    return batch_stat_t < k, R, A, k == Target ? stat_role::target : stat_role::value > {nullptr, e.a};
}

/// A pair reduction becomes a leaf that reads the value of the sample being evaluated.
template <std::size_t Target, std::size_t K, class Stats, class R, class A>
constexpr auto lower_node(const pair_reduce_t<R, A>& e) {
    constexpr std::size_t k = alias_of<Stats, K>();
    return pair_stat_t < k, R, A, k == Target ? stat_role::target : stat_role::value > {nullptr, e.a};
}

/// The lowered tree: batch reductions → batch_stat_t leaves, positions numbered from K in the
/// loss whose statistics are Stats. Differentiated
/// against a statistic (Target = its number), every part without a batch reduction is held
/// constant (stop_gradient): y_pred is not what the derivative is taken against.
template <std::size_t Target, std::size_t K, class Stats, class E> constexpr auto lower(const E& e) {
    if constexpr (E::batch_red)
        return lower_node<Target, K, Stats>(e);
    else if constexpr (Target == target_pred || Target == target_none || !E::grad_dep)
        return e;
    else
        return unary<ops::stop_gradient_op, E>{e, {}};
}
template <std::size_t Target, std::size_t K, class Stats, class E> using lowered_t =
    decltype(lower<Target, K, Stats>(std::declval<const E&>()));

/// The adjoint leaf of statistic K: what flows back into its operand A (already divided by the
/// batch size for a mean).
template <std::size_t K, class R, class A> using adjoint_leaf = batch_stat_t<K, R, A, stat_role::adjoint>;

/// Points every batch_stat_t leaf of a lowered tree (and of the derivative trees made from it) at
/// one call's buffers: values[k] (value, target) or adjoints[k] (adjoint).
template <class E> constexpr void bind(E& e, const double* const* values, const double* const* adjoints) {
    if constexpr (stat_leaf<E>::value) {
        e.values = (stat_leaf<E>::role == stat_role::adjoint ? adjoints : values)[stat_leaf<E>::number];
    } else {
#define LOSSC_BIND(member)                                     \
    if constexpr (requires {                                   \
                      e.member;                                \
                      requires expression<decltype(e.member)>; \
                  })                                           \
        bind(e.member, values, adjoints);
        LOSSC_BIND(a)
        LOSSC_BIND(b)
        LOSSC_BIND(c)
        LOSSC_BIND(g)
        LOSSC_BIND(ctx)
        LOSSC_BIND(child)
        LOSSC_BIND(of)
#undef LOSSC_BIND
    }
}

/// A tuple that is trivially copyable, as kernels are (std::tuple and std::pair are not):
/// item<k>(l) is its k-th element.
template <class... Ts> struct list {};
template <class T, class... Ts> struct list<T, Ts...> {
    T head;
    list<Ts...> tail;
};
template <std::size_t k, class L> constexpr auto& item(L& l) {
    if constexpr (k == 0)
        return l.head;
    else
        return item<k - 1>(l.tail);
}
template <std::size_t k, class L> using item_t = std::remove_cvref_t<decltype(item<k>(std::declval<const L&>()))>;
constexpr list<> make_list() { return {}; }
template <class T, class... Ts> constexpr list<T, Ts...> make_list(const T& x, const Ts&... xs) {
    return {x, make_list(xs...)};
}
/// The two terms of a statistic's adjoint (derivation::adjoints).
template <class A, class B> struct adjoint_terms {
    using first_type = A;
    using second_type = B;
    A first;
    B second;
};
template <class A, class B> constexpr adjoint_terms<A, B> make_terms(const A& a, const B& b) { return {a, b}; }

/// Σ of derivative terms, zeros dropped.
constexpr zero_t dsum() { return {}; }
template <class X, class... Xs> constexpr auto dsum(const X& x, const Xs&... xs) { return dadd(x, dsum(xs...)); }
/// f(integral_constant<i>) for i = 0 … N−1.
template <std::size_t N, class F> constexpr void static_for(F&& f) {
    [&]<std::size_t... i>(std::index_sequence<i...>) { (f(std::integral_constant<std::size_t, i>{}), ...); }
    (std::make_index_sequence<N>{});
}

/// Everything a call of batch_loss(E) evaluates, derived at compile time from E:
///   value                  the loss, statistics as leaves;
///   operands[k]            statistic k's operand (its inner statistics as leaves);
///   direct                 ∂L_i/∂y_pred[i], the statistics held constant;
///   indirect               Σ_k Ŝ_k·c_k ∂A_k(i)/∂y_pred[i] (Ŝ_k·c_k: the adjoint leaves);
///   adjoints[k].first      ∂L_i/∂S_k;
///   adjoints[k].second     Σ_{m} Ŝ_m·c_m ∂A_m(i)/∂S_k over the statistics m that read S_k.
template <class E> struct derivation {
    static constexpr std::size_t K = count_stats<E>();
    using stats_tuple = decltype(collect(std::declval<const E&>()));
    template <std::size_t k> using stat_node = std::tuple_element_t<k, stats_tuple>;
    template <std::size_t k> using operand_t = std::remove_cvref_t<decltype(std::declval<const stat_node<k>&>().a)>;
    template <std::size_t k> using reduction_t = typename stat_node<k>::reduction;
    template <std::size_t k> static constexpr bool is_mean = std::is_same_v<reduction_t<k>, ops::mean_r>;
    /// The number of the first statistic inside operand k (they precede it).
    template <std::size_t k> static constexpr std::size_t first_inner = k - count_stats<operand_t<k>>();
    /// Statistic k's depth: 0 when its operand holds no statistic; passes run depth by depth.
    template <std::size_t k> static constexpr std::size_t level = stat_depth<operand_t<k>>();
    static constexpr std::size_t top = [] {
        std::size_t t = 0;
        static_for<K>([&](auto k) { t = std::max(t, level<k>); });
        return t;
    }();
    /// Is position k the statistic its leaves read (the first of the equal ones, alias_of)? The
    /// passes compute only those.
    template <std::size_t k> static constexpr bool computed = alias_of<stats_tuple, k>() == k;
    /// Does statistic k carry a gradient (its operand reads y_pred differentiably)?
    template <std::size_t k> static constexpr bool needs_adjoint = computed<k>&& operand_t<k>::grad_dep;

private:
    template <std::size_t k> static constexpr auto adjoint_of(const stats_tuple& s) {
        return adjoint_leaf<k, reduction_t<k>, operand_t<k>>{nullptr, std::get<k>(s).a};
    }
    static constexpr auto operands_of(const stats_tuple& s) {
        return [&]<std::size_t... k>(std::index_sequence<k...>) {
            return make_list(lower<target_none, first_inner<k>, stats_tuple>(std::get<k>(s).a)...);
        }
        (std::make_index_sequence<K>{});
    }
    template <std::size_t k> static constexpr auto indirect_term(const stats_tuple& s) {
        if constexpr (!needs_adjoint<k>)
            return zero_t{};
        else
            return backprop(lower<target_pred, first_inner<k>, stats_tuple>(std::get<k>(s).a), adjoint_of<k>(s));
    }
    static constexpr auto indirect_of(const stats_tuple& s) {
        return [&]<std::size_t... k>(std::index_sequence<k...>) { return dsum(indirect_term<k>(s)...); }
        (std::make_index_sequence<K>{});
    }
    template <std::size_t k, std::size_t m> static constexpr auto from_operand(const stats_tuple& s) {
        if constexpr (m <= k || !needs_adjoint<k> || !needs_adjoint<m>)
            return zero_t{};
        else
            return backprop(lower<k, first_inner<m>, stats_tuple>(std::get<m>(s).a), adjoint_of<m>(s));
    }
    template <std::size_t k> static constexpr auto from_operands_of(const stats_tuple& s) {
        return [&]<std::size_t... m>(std::index_sequence<m...>) { return dsum(from_operand<k, m>(s)...); }
        (std::make_index_sequence<K>{});
    }
    template <std::size_t k> static constexpr auto from_loss_of(const E& loss) {
        if constexpr (!needs_adjoint<k>)
            return zero_t{};
        else
            return gradient(lower<k, 0, stats_tuple>(loss));
    }
    static constexpr auto adjoints_of(const E& loss, const stats_tuple& s) {
        return [&]<std::size_t... k>(std::index_sequence<k...>) {
            return make_list(make_terms(from_loss_of<k>(loss), from_operands_of<k>(s))...);
        }
        (std::make_index_sequence<K>{});
    }

public:
    using value_type = lowered_t<target_none, 0, stats_tuple, E>;
    using direct_type = decltype(gradient(std::declval<const lowered_t<target_pred, 0, stats_tuple, E>&>()));
    using operands_type = decltype(operands_of(std::declval<const stats_tuple&>()));
    using indirect_type = decltype(indirect_of(std::declval<const stats_tuple&>()));
    using adjoints_type = decltype(adjoints_of(std::declval<const E&>(), std::declval<const stats_tuple&>()));

    constexpr explicit derivation(const E& loss)
        : value(lower<target_none, 0, stats_tuple>(loss)),
          direct(gradient(lower<target_pred, 0, stats_tuple>(loss))),
          operands(operands_of(collect(loss))),
          indirect(indirect_of(collect(loss))),
          adjoints(adjoints_of(loss, collect(loss))) {}

    /// A copy whose statistic leaves read values[k] and adjoints[k].
    constexpr derivation bound(const double* const* values, const double* const* adjoint_values) const {
        derivation d = *this;
        const auto b = [&](auto& x) { bind(x, values, adjoint_values); };
        b(d.value);
        b(d.direct);
        b(d.indirect);
        static_for<K>([&](auto k) {
            b(item<k>(d.operands));
            b(item<k>(d.adjoints).first);
            b(item<k>(d.adjoints).second);
        });
        return d;
    }

    value_type value;
    direct_type direct;
    operands_type operands;
    indirect_type indirect;
    adjoints_type adjoints;
};

}  // namespace lowering::batch
}  // namespace LOSSC_ISA
}  // namespace lossc
