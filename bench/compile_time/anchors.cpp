// Anchors of the compile-time benchmark: the same losses written without lossc, as a hand-written
// fused loop (ANCHOR_HAND) or Eigen array expressions (ANCHOR_EIGEN), from bench/peers.hpp:
// custom_mse, cross-entropy from logits and BCE from logits, each instantiated for float.
#include "../peers.hpp"

#if defined(ANCHOR_HAND)
template float peers::hand_mse<float>(const float*, const float*, float*, float*, Index, Index, const float*);
template float peers::hand_cce<float>(const float*, const float*, float*, float*, Index, Index);
template float peers::hand_bce<float>(const float*, const float*, float*, float*, Index, Index);
#elif defined(ANCHOR_EIGEN)
float eigen_all(const peers::ArrR<float>& t, const peers::ArrR<float>& p, peers::Col<float>& ps, peers::ArrR<float>& g,
                const peers::Row<float>& w) {
    return peers::eigen_mse(t, p, ps, g, w) + peers::eigen_cce(t, p, ps, g) + peers::eigen_bce(t, p, ps, g);
}
#endif
