// lossc — lossc::evaluate: the constexpr reference evaluator on std::array rows. Every row
// statistic is recomputed where it is used (lower/row_eval.hpp, no_cache schedule), so it is
// slow, simple and usable inside static_assert. Its gradient is that of the *sum* of the
// per-sample losses (no reduction, no weights).
#pragma once
#include <array>

#include "../analysis/diagnose.hpp"
#include "../diff/reverse.hpp"
#include "../lower/row_eval.hpp"

namespace lossc {

template <class T, std::size_t N, std::size_t C> struct evaluation {
    std::array<T, N> per_sample{};
    std::array<std::array<T, C>, N> grad{};
};

template <expression E, class T, std::size_t N, std::size_t Ct, std::size_t Cp>
constexpr evaluation<T, N, Cp> evaluate(const E& loss, const std::array<std::array<T, Ct>, N>& y_true,
                                        const std::array<std::array<T, Cp>, N>& y_pred) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "lossc: evaluate takes float or double rows");
    diagnose<E>();
    evaluation<T, N, Cp> r{};
    if constexpr (is_valid_loss<node_t<E>>) {
        const input_dims dims{N, Ct, Cp};
        validate(loss, dims);
        const auto g = gradient(loss);
        no_cache nc{};
        for (std::size_t i = 0; i < N; ++i) {
            const array_row<T, Ct, Cp> row{&y_true[i], &y_pred[i], dims};
            r.per_sample[i] = row_value<T>(loss, nc, row, 0);
            for (std::size_t j = 0; j < Cp; ++j) r.grad[i][j] = row_value<T>(g, nc, row, j);
        }
    }
    return r;
}

/// One sample given as a flat row. `std::array{std::array{1.f, 2.f}}` deduces to a flat
/// std::array<float, 2> (class template argument deduction copies), so this is what that
/// spelling reaches: a batch of one.
template <expression E, class T, std::size_t Ct, std::size_t Cp>
requires(std::is_same_v<T, float> || std::is_same_v<T, double>) constexpr evaluation<T, 1, Cp> evaluate(
    const E& loss, const std::array<T, Ct>& y_true, const std::array<T, Cp>& y_pred) {
    diagnose<E>();  // here, so that a broken rule is reported one instantiation level up
    return evaluate(loss, std::array<std::array<T, Ct>, 1>{y_true}, std::array<std::array<T, Cp>, 1>{y_pred});
}

}  // namespace lossc
