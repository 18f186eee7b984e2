// The size of each derived gradient of the compile-time benchmark's losses: nodes of the loss
// and of its gradient as trees, the distinct node types of the gradient (what a shared DAG of its
// subexpressions would hold at most), and the nodes of the gradient the row kernels evaluate
// (repeated subexpressions differentiated once, lower/accumulate.hpp; common ones read from slots,
// lower/share.hpp). Prints one line per loss: name loss_nodes gradient_nodes gradient_distinct
// evaluated_nodes.
#include <cstdio>
#include <set>
#include <string_view>

#include <lossc/lossc.hpp>

#include "keras_forms.hpp"
#include "losses.hpp"

namespace {
using namespace lossc::dsl;
namespace k = lossc::keras;

template <class N> constexpr std::string_view type_name() { return __PRETTY_FUNCTION__; }

struct census {
    int nodes = 0;
    std::set<std::string_view> distinct;
    template <class N> void operator()() { ++nodes, distinct.insert(type_name<N>()); }
};

template <class E> void report(const char* name, const E& loss) {
    census l, g, e;
    if constexpr (lossc::batch_loss_expression<E>) {
        if constexpr (lossc::has_pair_reductions<typename E::expression_type>) {
            // A loss over pairs: its direct gradient and each pair reduction's two sides
            // (lower/pair_lowering.hpp).
            using D = lossc::lowering::pair::derivation<typename E::expression_type>;
            lossc::lowering::visit_node_types<typename E::expression_type>(l);
            lossc::lowering::visit_node_types<typename D::direct_type>(g);
            lossc::lowering::pair::static_for<D::K>([&](auto k) {
                lossc::lowering::visit_node_types<lossc::lowering::pair::item_t<k, typename D::this_grad_type>>(g);
                lossc::lowering::visit_node_types<lossc::lowering::pair::item_t<k, typename D::other_grad_type>>(g);
            });
        } else {
            // A cross-sample loss: its expression, and the gradient its passes evaluate (the direct
            // term and the statistics' chain terms, lower/batch_lowering.hpp).
            using D = lossc::lowering::batch::derivation<typename E::expression_type>;
            lossc::lowering::visit_node_types<typename E::expression_type>(l);
            lossc::lowering::visit_node_types<typename D::direct_type>(g);
            lossc::lowering::visit_node_types<typename D::indirect_type>(g);
        }
    } else {
        lossc::lowering::visit_node_types<lossc::node_t<E>>(l);
        lossc::lowering::visit_node_types<lossc::gradient_t<lossc::node_t<E>>>(g);
        lossc::lowering::visit_node_types<lossc::lowering::shared_gradient_t<lossc::node_t<E>>>(e);
    }
    // Cross-sample and pair losses: their kernels evaluate the derived trees.
    std::printf("%s %d %d %zu %d\n", name, l.nodes, g.nodes, g.distinct.size(), e.nodes ? e.nodes : g.nodes);
    (void)loss;
}
}  // namespace

int main() {
#define LOSSC_CT_REPORT(name, expr) report(#name, expr);
#ifdef LOSSC_CT_KERAS
    LOSSC_CT_KERAS_FORMS(LOSSC_CT_REPORT)
#else
    LOSSC_CT_LOSSES(LOSSC_CT_REPORT)
#endif
}
