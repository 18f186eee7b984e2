// A gradient's common subexpressions, evaluated once (lower/share.hpp), and a loss's repeated
// subexpressions, differentiated once (lower/accumulate.hpp): which subexpressions become slots
// and which get their adjoints summed, that those with run-time parameters never do (two of one
// type may hold different numbers), and that kernels evaluating these forms agree with the
// reference evaluator, which differentiates as a tree, in every schedule, layout and precision.
#include <doctest/doctest.h>

#include "differential.hpp"

#include <lossc/lossc.hpp>

namespace {
using namespace lossc::dsl;

template <class N> inline constexpr bool is_slot = false;
template <std::size_t K, class N> inline constexpr bool is_slot<lossc::slot_t<K, N>> = true;
template <class N> struct slot_type {};
template <std::size_t K, class N> struct slot_type<lossc::slot_t<K, N>> { using type = N; };
template <class N> inline constexpr bool is_let = false;
template <class D, class B> inline constexpr bool is_let<lossc::let_t<D, B>> = true;

/// Finds a slot whose shared subexpression holds a run-time parameter.
struct parametrised_slot {
    bool found = false;
    template <class N> constexpr void operator()() {
        if constexpr (is_slot<N>) found = found || !lossc::param_free<typename slot_type<N>::type>;
    }
};

struct census {
    int slot_reads = 0, lets = 0;
    template <class N> constexpr void operator()() {
        slot_reads += is_slot<N>;
        lets += is_let<N>;
    }
};
/// Slot reads and let scopes in the gradient a kernel evaluates for loss E.
template <class E> constexpr census shared_census(const E&) {
    census c;
    lossc::lowering::visit_node_types<lossc::lowering::shared_gradient_t<lossc::node_t<E>>>(c);
    return c;
}

template <class N> inline constexpr bool is_reduction = false;
template <class R, class A> inline constexpr bool is_reduction<lossc::reduce_t<R, A>> = true;
template <class G, class C, class A> inline constexpr bool is_reduction<lossc::unbroadcast_t<G, C, A>> = true;
/// Row reductions (the loss's statistics and the adjoints' sums over the row) in a gradient G.
struct reductions {
    int count = 0;
    template <class N> constexpr void operator()() { count += is_reduction<N>; }
};
template <class G> constexpr int reductions_in() {
    reductions r;
    lossc::lowering::visit_node_types<G>(r);
    return r.count;
}
/// Row reductions in loss E's gradient as derived (a tree), and as the kernels derive it.
template <class E> constexpr int tree_reductions(const E&) {
    return reductions_in<lossc::gradient_t<lossc::node_t<E>>>();
}
template <class E> constexpr int accumulated_reductions(const E&) {
    return reductions_in<lossc::lowering::accumulated_gradient_t<lossc::node_t<E>>>();
}
template <class E> constexpr bool as_derived(const E&) {
    using N = lossc::node_t<E>;
    return std::is_same_v<lossc::gradient_t<N>, lossc::lowering::accumulated_gradient_t<N>>;
}

constexpr auto focal = -sum<1>(y_true * pow(1.0 - softmax<1>(y_pred), 2.0) * log_softmax<1>(y_pred));
// Both branches hold binary<mul, scalar, binary<sub, …>>, with different numbers.
constexpr auto pinball = mean<1>(maximum(0.8 * (y_true - y_pred), (0.8 - 1.0) * (y_true - y_pred)));
// Softmax renormalised as Keras does: shared inside the sum's operand and at the columns.
constexpr auto renormalised = -sum<1>(y_true * log(softmax<1>(y_pred) / sum<1>(softmax<1>(y_pred))));
// A shared subexpression read at one column and along all of them.
constexpr auto selected = square(col<1>(tanh(y_pred) * y_true) - 0.5) + mean<1>(square(tanh(y_pred) * y_true));
}  // namespace

TEST_CASE("share: a gradient without repeated subexpressions is evaluated as derived") {
    constexpr auto mse = sum<1>(square(y_pred - y_true) * weights(0.3f, 0.7f));
    using E = lossc::node_t<decltype(mse)>;
    static_assert(std::is_same_v<lossc::gradient_t<E>, lossc::lowering::shared_gradient_t<E>>);
}

TEST_CASE("share: the focal loss's softmax is one slot, read wherever the gradient needs it") {
    constexpr census c = shared_census(focal);
    static_assert(c.lets >= 1 && c.slot_reads >= 3);
    lossc_test::differential(focal, 11);
}

TEST_CASE("share: subexpressions with run-time numbers are never slots") {
    using E = lossc::node_t<decltype(pinball)>;
    static_assert(!std::is_same_v<lossc::gradient_t<E>, lossc::lowering::shared_gradient_t<E>>,
                  "y_true − y_pred is shared");
    constexpr bool unsound = [] {
        parametrised_slot s;
        lossc::lowering::visit_node_types<lossc::lowering::shared_gradient_t<E>>(s);
        return s.found;
    }();
    static_assert(!unsound, "every slot's type is free of run-time parameters");
    lossc_test::differential(pinball, 12);
}

TEST_CASE("share: slots inside a reduction's operand and a column selection are their own") {
    static_assert(shared_census(renormalised).lets >= 2);
    static_assert(shared_census(selected).slot_reads >= 1);
    lossc_test::differential(renormalised, 13);
    lossc_test::differential(selected, 14);
}

TEST_CASE("share: the Keras focal cross-entropy from logits matches the reference") {
    const auto loss = lossc::keras::categorical_focal_crossentropy<true>(0.25, 2.0);
    static_assert(shared_census(lossc::keras::categorical_focal_crossentropy<true>(0.25, 2.0)).lets >= 2);
    lossc_test::differential(loss, 15);
}

TEST_CASE("share: the constants derivative rules write are types, so what holds them is shared") {
    // Keras's binary focal cross-entropy from logits: sigmoid's derivative s·(1 − s) writes a 1;
    // as a scalar it would hold every subexpression above it out of the slots.
    const auto loss = lossc::keras::binary_focal_crossentropy<true>(true, 0.25, 1.5, 0.1);
    static_assert(shared_census(lossc::keras::binary_focal_crossentropy<true>(true, 0.25, 1.5, 0.1)).slot_reads >= 4);
    lossc_test::differential(loss, 16);
}

TEST_CASE("accumulate: a repeated subexpression's adjoints are summed, then differentiated once") {
    // log_softmax = y_pred − logsumexp(y_pred) is read by the softmax and by the log: its two
    // adjoints cross logsumexp's row sum once instead of twice.
    static_assert(accumulated_reductions(focal) < tree_reductions(focal));
    // Keras's clipped probabilities q in (1 − q)^γ·log q: one row sum through the softmax, not two.
    static_assert(accumulated_reductions(lossc::keras::categorical_focal_crossentropy<true>(0.25, 2.0)) <
                  tree_reductions(lossc::keras::categorical_focal_crossentropy<true>(0.25, 2.0)));
    // Two repeated subexpressions, one of them read at a column and along the row.
    constexpr auto two = sum<1>(y_true * log_softmax<1>(y_pred)) + mean<1>(exp(log_softmax<1>(y_pred))) +
                         col<0>(tanh(y_pred) / sum<1>(square(tanh(y_pred)))) +
                         sum<1>(y_true * (tanh(y_pred) / sum<1>(square(tanh(y_pred)))));
    static_assert(accumulated_reductions(two) < tree_reductions(two));
    lossc_test::differential(two, 17);
}

TEST_CASE("accumulate: subexpressions with run-time numbers, or no row reduction, stay as derived") {
    // Each repeated subexpression with a reduction holds the 0.5, which another of its type need not.
    constexpr auto scaled = sum<1>(y_true * (0.5 * y_pred - logsumexp<1>(0.5 * y_pred))) +
                            sum<1>(exp(0.5 * y_pred - logsumexp<1>(0.5 * y_pred)));
    static_assert(as_derived(scaled));
    // tanh(y_pred) repeats, elementwise: share.hpp's slots compute it once already.
    static_assert(as_derived(sum<1>(tanh(y_pred) * y_true + square(tanh(y_pred)))));
    static_assert(as_derived(lossc::keras::binary_focal_crossentropy<true>(true, 0.25, 1.5, 0.1)));
}
