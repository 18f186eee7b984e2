// lossc::torch against libtorch's own losses: values and gradients through backward(), float and
// double, random and extreme inputs, reductions, sample weights, strided tensors, values-only
// calls, and the errors a caller can make.
#include <lossc/torch.hpp>  // first: it compiles alone
#include <lossc/keras.hpp>
#include <lossc/keras/by_name.hpp>
#include <torch/torch.h>

#include "doctest_after_torch.hpp"

using namespace lossc::dsl;
namespace F = torch::nn::functional;
using torch::indexing::None;
using torch::indexing::Slice;

namespace {
constexpr double eps = 0.1;  // label smoothing
// torch.nn.functional.cross_entropy(x, ids, label_smoothing=eps) on one-hot targets, written once.
constexpr auto smoothed_ce =
    -(1 - eps) * sum<1>(y_true * log_softmax<1>(y_pred)) - eps * mean<1>(log_softmax<1>(y_pred));
constexpr auto mse = mean<1>(square(y_pred - y_true));
constexpr auto bce_logits = mean<1>(softplus(y_pred) - y_true * y_pred);

template <class T> torch::Dtype dtype() { return std::is_same_v<T, float> ? torch::kFloat : torch::kDouble; }
template <class T> double tol() { return std::is_same_v<T, float> ? 2e-5 : 1e-12; }
/// The value and the gradient of f at x, through autograd.
template <class Fn> std::pair<torch::Tensor, torch::Tensor> value_and_grad(Fn&& f, const torch::Tensor& x) {
    auto v = x.detach().clone().requires_grad_(true);
    auto l = f(v);
    l.backward(torch::ones_like(l));
    return {l.detach(), v.grad()};
}
template <class T> void check_close(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
    INFO(what);
    REQUIRE(a.sizes() == b.sizes());
    const double scale = 1 + b.abs().max().template item<double>();
    CHECK((a - b).abs().max().template item<double>() <= tol<T>() * scale);
}
/// lossc's loss f and torch's g agree at x, value and gradient.
template <class T, class Lossc, class Torch>
void agree(Lossc&& f, Torch&& g, const torch::Tensor& x, const char* what) {
    const auto [lv, lg] = value_and_grad(f, x);
    const auto [tv, tg] = value_and_grad(g, x);
    INFO(what);
    check_close<T>(lv, tv, "value");
    check_close<T>(lg, tg, "gradient");
}
torch::Tensor one_hot(const torch::Tensor& ids, int64_t k, torch::Dtype d) { return F::one_hot(ids, k).to(d); }
}  // namespace

TEST_CASE_TEMPLATE("cross-entropy with label smoothing: a lossc expression and the Keras class form against torch", T,
                   float, double) {
    torch::manual_seed(1);
    const auto d = dtype<T>();
    const int64_t n = 64, k = 10;
    const auto ids = torch::randint(k, {n}, torch::kLong);
    const auto t = one_hot(ids, k, d);
    const auto ref = [&](const torch::Tensor& x) {
        return F::cross_entropy(x, ids, F::CrossEntropyFuncOptions().label_smoothing(eps));
    };
    const auto expr = lossc::torch::loss(smoothed_ce);
    const auto keras = lossc::torch::loss(lossc::keras::CategoricalCrossentropy<true>(eps));
    // random logits, logits far apart (one class at +1e4: float's exp overflows without the
    // max-shift), and all equal
    for (const auto& x : {torch::randn({n, k}, d) * 3, torch::randn({n, k}, d) + 1e4 * t, torch::zeros({n, k}, d)}) {
        agree<T>([&](const torch::Tensor& p) { return expr(t, p); }, ref, x, "lossc expression");
        agree<T>([&](const torch::Tensor& p) { return keras(t, p); }, ref, x,
                 "keras::CategoricalCrossentropy<true>(0.1)");
    }
    // integer class ids: SparseCategoricalCrossentropy with Long and Int labels, as cross_entropy
    const auto sparse = lossc::torch::loss(lossc::keras::SparseCategoricalCrossentropy<true>());
    const auto plain = [&](const torch::Tensor& x) { return F::cross_entropy(x, ids); };
    const auto x = torch::randn({n, k}, d) * 4;
    agree<T>([&](const torch::Tensor& p) { return sparse(ids, p); }, plain, x, "sparse, Long ids");
    agree<T>([&](const torch::Tensor& p) { return sparse(ids.to(torch::kInt), p); }, plain, x, "sparse, Int ids");
    // the same ids through the DSL's one_hot(labels), as y_pred's type
    const auto dsl_sparse = lossc::torch::loss(-sum<1>(one_hot(labels) * log_softmax<1>(y_pred)));
    agree<T>([&](const torch::Tensor& p) { return dsl_sparse(ids.to(d).unsqueeze(1), p); }, plain, x,
             "one_hot(labels)");
}

TEST_CASE_TEMPLATE("mse_loss, binary_cross_entropy_with_logits, huber_loss and kl_div", T, float, double) {
    torch::manual_seed(2);
    const auto d = dtype<T>();
    const int64_t n = 64, c = 7;
    const auto t = torch::randn({n, c}, d);
    const auto x = torch::randn({n, c}, d) * 2;

    const auto mse_l = lossc::torch::loss(mse);
    const auto mse_k = lossc::torch::loss(lossc::keras::MeanSquaredError());
    const auto mse_ref = [&](const torch::Tensor& p) { return F::mse_loss(p, t); };
    const auto mse_n = lossc::torch::loss(lossc::keras::get<"mse">());  // model.compile(loss="mse")
    agree<T>([&](const torch::Tensor& p) { return mse_n(t, p); }, mse_ref, x, "keras::get<\"mse\">()");
    agree<T>([&](const torch::Tensor& p) { return mse_l(t, p); }, mse_ref, x, "mse expression");
    agree<T>([&](const torch::Tensor& p) { return mse_k(t, p); }, mse_ref, x, "keras::MeanSquaredError");
    agree<T>([&](const torch::Tensor& p) { return mse_l(t, p); }, mse_ref, x * 1e6, "mse, large values");

    const auto y01 = (torch::rand({n, c}, d) > 0.5).to(d);
    const auto bce_ref = [&](const torch::Tensor& p) { return F::binary_cross_entropy_with_logits(p, y01); };
    const auto bce_l = lossc::torch::loss(bce_logits);
    const auto bce_k = lossc::torch::loss(lossc::keras::BinaryCrossentropy<true>());
    for (const auto& z : {x, x * 200, -x * 200}) {  // ±hundreds: exp overflows float without softplus's form
        agree<T>([&](const torch::Tensor& p) { return bce_l(y01, p); }, bce_ref, z, "bce expression");
        agree<T>([&](const torch::Tensor& p) { return bce_k(y01, p); }, bce_ref, z, "keras::BinaryCrossentropy<true>");
    }

    for (const double delta : {1.0, 0.5}) {
        const auto huber_k = lossc::torch::loss(lossc::keras::Huber(delta));
        const auto huber_ref = [&](const torch::Tensor& p) {
            return F::huber_loss(p, t, F::HuberLossFuncOptions().delta(delta));
        };
        agree<T>([&](const torch::Tensor& p) { return huber_k(t, p); }, huber_ref, x, "keras::Huber");
    }

    // kl_div(log q, p, batchmean) = Σ p log(p/q) / N against Keras's KLDivergence (probabilities
    // away from its 1e-7 clip)
    const auto p_true = torch::softmax(torch::randn({n, c}, d), 1);
    const auto kl_k = lossc::torch::loss(lossc::keras::KLDivergence());
    const auto kl_ref = [&](const torch::Tensor& q) {
        return F::kl_div(torch::log(q), p_true, F::KLDivFuncOptions().reduction(torch::kBatchMean));
    };
    agree<T>([&](const torch::Tensor& q) { return kl_k(p_true, q); }, kl_ref, torch::softmax(x, 1),
             "keras::KLDivergence");
}

TEST_CASE_TEMPLATE("Keras's CTC against torch's ctc_loss: per-sequence losses and the logits' gradient", T, float,
                   double) {
    // labels of lengths 0 to S with repeats (a blank needed between them), padded with 0 (Keras's
    // label length: the count of non-zero entries); lossc::keras::CTC called on the tensors' data
    torch::manual_seed(7);
    const std::int64_t n = 12, steps = 30, classes = 9, s = 6;
    auto ids = torch::randint(1, 3, {n, s}, torch::kLong);  // classes 1 and 2 only: many repeats
    std::vector<std::int64_t> lengths(n);
    for (std::int64_t i = 0; i < n; ++i) {
        lengths[static_cast<std::size_t>(i)] = i % (s + 1);
        ids.index_put_({i, Slice(i % (s + 1), None)}, 0);
    }
    ids.index_put_({3, 1}, 5);
    const auto x = torch::randn({n, steps, classes}, dtype<T>()) * 3;
    // the reference in double (a copy): torch's float recursion is the coarser
    auto xt = x.to(torch::kDouble).clone().requires_grad_(true);
    const auto reference = torch::ctc_loss(torch::log_softmax(xt, 2).transpose(0, 1), ids,
                                           std::vector<std::int64_t>(n, steps), lengths, 0, at::Reduction::None, false);
    reference.sum().backward();
    std::vector<T> values(static_cast<std::size_t>(n)), grad(static_cast<std::size_t>(x.numel()));
    lossc::keras::ctc(lossc::keras::tensor_view<const std::int64_t>{ids.data_ptr<std::int64_t>(), {n, s}},
                      lossc::keras::tensor_view<const T>{x.template data_ptr<T>(), {n, steps, classes}},
                      std::span<T>(values), std::span<T>(grad));
    check_close<T>(torch::tensor(std::vector<double>(values.begin(), values.end()), torch::kDouble),
                   reference.detach().to(torch::kDouble), "CTC values");
    check_close<T>(
        torch::tensor(std::vector<double>(grad.begin(), grad.end()), torch::kDouble).reshape({n, steps, classes}),
        xt.grad().to(torch::kDouble), "CTC gradient");
    // through lossc::torch: autograd's node, reduction sum, and none with a non-uniform incoming gradient
    auto xs = x.clone().requires_grad_(true), xn = x.clone().requires_grad_(true),
         xr = x.to(torch::kDouble).clone().requires_grad_(true);
    lossc::torch::loss(lossc::keras::CTC(lossc::keras::reduction::sum))(ids, xs).backward();
    check_close<T>(xs.grad().to(torch::kDouble), xt.grad().to(torch::kDouble), "CTC through lossc::torch");
    const auto incoming = torch::rand({n}, dtype<T>()) + 0.5;
    const auto per_sequence = lossc::torch::loss(lossc::keras::CTC(lossc::keras::reduction::none))(ids, xn);
    CHECK((per_sequence.sizes() == torch::IntArrayRef{n}));
    torch::autograd::backward({per_sequence}, {incoming});
    torch::autograd::backward(
        {torch::ctc_loss(torch::log_softmax(xr, 2).transpose(0, 1), ids, std::vector<std::int64_t>(n, steps), lengths,
                         0, at::Reduction::None, false)},
        {incoming.to(torch::kDouble)});
    check_close<T>(xn.grad().to(torch::kDouble), xr.grad().to(torch::kDouble),
                   "CTC none, incoming gradient per sequence");
}

TEST_CASE(
    "Keras's Circle through lossc::torch: the node's gradient is the Keras form's; none with a gradient is refused") {
    torch::manual_seed(8);
    const auto e = F::normalize(torch::randn({20, 8}, torch::kDouble), F::NormalizeFuncOptions().dim(1));
    const auto ids = torch::randint(4, {20}, torch::kLong);
    auto x = e.clone().requires_grad_(true);
    const auto circle = lossc::keras::Circle();
    lossc::torch::loss(circle)(ids, x).backward();
    std::vector<double> g(160);
    const double expected = circle(lossc::keras::tensor_view<const std::int64_t>{ids.data_ptr<std::int64_t>(), {20}},
                                   lossc::keras::tensor_view<const double>{e.data_ptr<double>(), {20, 8}}, {.grad = g});
    CHECK(lossc::torch::loss(circle)(ids, e).item<double>() == doctest::Approx(expected).epsilon(1e-14));
    check_close<double>(x.grad(), torch::tensor(g, torch::kDouble).reshape({20, 8}), "Circle's gradient");
    const auto none = lossc::torch::loss(lossc::keras::Circle(80.0, 0.4, true, lossc::keras::reduction::none));
    CHECK(none(ids, e).sizes() == torch::IntArrayRef{20});  // values alone are fine
    CHECK_THROWS_AS(none(ids, e.clone().requires_grad_(true)), lossc::parameter_error);
}

TEST_CASE_TEMPLATE("a cross-sample loss (whole-batch Dice) against the same formula in torch", T, float, double) {
    torch::manual_seed(9);
    constexpr auto dice = batch_loss(1.0 - (2.0 * batch_sum(sum<1>(y_true * y_pred)) + 1.0) /
                                               (batch_sum(sum<1>(y_true)) + batch_sum(sum<1>(y_pred)) + 1.0));
    const auto t = (torch::rand({37, 5}, dtype<T>()) < 0.3).to(dtype<T>());
    const auto x = torch::rand({37, 5}, dtype<T>());
    const auto torch_dice = [&](const torch::Tensor& p) {
        return 1 - (2 * (t * p).sum() + 1) / (t.sum() + p.sum() + 1);
    };
    agree<T>([&](const torch::Tensor& p) { return lossc::torch::loss(dice)(t, p); }, torch_dice, x,
             "mean over the batch");
    // reduction sum: N times the batch's one value; sample weights weigh each sample's copy.
    const auto w = torch::rand({37}, dtype<T>());
    agree<T>(
        [&](const torch::Tensor& p) {
            return lossc::torch::loss(dice, {.reduction = lossc::torch::reduction::sum})(t, p, w);
        },
        [&](const torch::Tensor& p) { return torch_dice(p) * w.sum(); }, x, "sum with sample weights");
    const auto none = lossc::torch::loss(dice, {.reduction = lossc::torch::reduction::none});
    CHECK(none(t, x).sizes() == torch::IntArrayRef{37});  // values alone are fine
    CHECK_THROWS_AS(none(t, x.clone().requires_grad_(true)), lossc::parameter_error);
}

TEST_CASE_TEMPLATE("a loss over pairs of samples (InfoNCE) against the similarity matrix in torch", T, float, double) {
    torch::manual_seed(10);
    constexpr auto info_nce =
        batch_loss(pair_logsumexp(sum<1>(y_pred * other(y_true)) * 5.0) - sum<1>(y_pred * y_true) * 5.0);
    const auto t = torch::randn({29, 6}, dtype<T>()) * 0.3, x = torch::randn({29, 6}, dtype<T>()) * 0.3;
    const auto torch_nce = [&](const torch::Tensor& p) {
        const auto logits = p.mm(t.t()) * 5.0;
        return (torch::logsumexp(logits, 1) - logits.diagonal()).mean();
    };
    agree<T>([&](const torch::Tensor& p) { return lossc::torch::loss(info_nce)(t, p); }, torch_nce, x,
             "mean over the batch");
    const auto none = lossc::torch::loss(info_nce, {.reduction = lossc::torch::reduction::none});
    CHECK(none(t, x).sizes() == torch::IntArrayRef{29});
    CHECK_THROWS_AS(none(t, x.clone().requires_grad_(true)), lossc::parameter_error);
}

TEST_CASE("reductions, sample weights, reduction none with a non-uniform incoming gradient") {
    torch::manual_seed(3);
    const int64_t n = 33, c = 3;
    const auto t = torch::randn({n, c}, torch::kDouble), x = torch::randn({n, c}, torch::kDouble);
    const auto w = torch::rand({n}, torch::kDouble);
    const auto per_sample = [&](const torch::Tensor& p) { return (p - t).square().mean(1); };
    using R = lossc::torch::reduction;
    const auto with = [&](R r) { return lossc::torch::loss(mse, {.reduction = r}); };
    agree<double>([&](const torch::Tensor& p) { return with(R::sum)(t, p); },
                  [&](const torch::Tensor& p) { return per_sample(p).sum(); }, x, "sum");
    agree<double>([&](const torch::Tensor& p) { return with(R::sum_over_batch_size)(t, p, w); },
                  [&](const torch::Tensor& p) { return (per_sample(p) * w).sum() / n; }, x, "weighted, over the batch");
    agree<double>([&](const torch::Tensor& p) { return with(R::mean_with_sample_weight)(t, p, w.unsqueeze(1)); },
                  [&](const torch::Tensor& p) { return (per_sample(p) * w).sum() / w.sum(); }, x,
                  "mean_with_sample_weight, (N, 1)");
    // none: (N) values w_i·L_i; backward with a gradient per value
    const auto g = torch::randn({n}, torch::kDouble);
    auto a = x.clone().requires_grad_(true), b = x.clone().requires_grad_(true);
    const auto la = with(R::none)(t, a, w), lb = per_sample(b) * w;
    check_close<double>(la.detach(), lb.detach(), "values");
    torch::autograd::backward({la}, {g});
    torch::autograd::backward({lb}, {g});
    check_close<double>(a.grad(), b.grad(), "gradient");
    // a loss scaled after the call: the chain rule through the node
    auto s = x.clone().requires_grad_(true);
    (3.0 * with(R::sum)(t, s)).backward();
    check_close<double>(s.grad(), 3.0 * 2.0 * (x - t) / c, "3·loss");
    // Keras's reduction none on (N, T, K) logits: (N, T) values, the incoming gradient per value
    const auto k3 =
        lossc::torch::loss(lossc::keras::CategoricalCrossentropy<true>(0.0, -1, lossc::keras::reduction::none));
    const auto t3 = torch::softmax(torch::randn({4, 5, 6}, torch::kDouble), 2),
               x3 = torch::randn({4, 5, 6}, torch::kDouble);
    const auto g3 = torch::randn({4, 5}, torch::kDouble);
    auto p3 = x3.clone().requires_grad_(true), q3 = x3.clone().requires_grad_(true);
    const auto v3 = k3(t3, p3), r3 = -(t3 * torch::log_softmax(q3, 2)).sum(2);
    CHECK((v3.sizes() == torch::IntArrayRef{4, 5}));
    check_close<double>(v3.detach(), r3.detach(), "rank-3 values");
    torch::autograd::backward({v3}, {g3});
    torch::autograd::backward({r3}, {g3});
    check_close<double>(p3.grad(), q3.grad(), "rank-3 gradient");
    // rank 4, channels first (axis 1 of (N, C, H, W)), from a permuted channels-last tensor
    const auto k4 =
        lossc::torch::loss(lossc::keras::CategoricalCrossentropy<true>(0.0, 1, lossc::keras::reduction::none));
    const auto t4 = torch::softmax(torch::randn({2, 3, 4, 5}, torch::kDouble), 1);
    const auto x4 = torch::randn({2, 4, 5, 3}, torch::kDouble).permute({0, 3, 1, 2});
    const auto g4 = torch::randn({2, 4, 5}, torch::kDouble);
    auto p4 = x4.detach().requires_grad_(true), q4 = x4.clone().requires_grad_(true);
    const auto v4 = k4(t4, p4), r4 = -(t4 * torch::log_softmax(q4, 1)).sum(1);
    CHECK((v4.sizes() == torch::IntArrayRef{2, 4, 5}));
    check_close<double>(v4.detach(), r4.detach(), "rank-4 values");
    torch::autograd::backward({v4}, {g4});
    torch::autograd::backward({r4}, {g4});
    check_close<double>(p4.grad(), q4.grad(), "rank-4 gradient");
}

TEST_CASE("strided tensors: transposed, sliced, expanded; the gradient has y_pred's shape") {
    torch::manual_seed(4);
    const auto loss = lossc::torch::loss(smoothed_ce);
    const auto ids = torch::randint(10, {40}, torch::kLong);
    const auto t = one_hot(ids, 10, torch::kFloat);
    const auto big = torch::randn({10, 80});
    const auto x = big.index({Slice(), Slice(None, None, 2)}).t();  // (40, 10), strides (2, 80)
    REQUIRE(!x.is_contiguous());
    const auto [v, g] = value_and_grad([&](const torch::Tensor& p) { return loss(t, p); }, x);
    // value_and_grad clones x (contiguous): through the strided view itself, too
    auto leaf = big.clone().requires_grad_(true);
    const auto strided = leaf.index({Slice(), Slice(None, None, 2)}).t();
    loss(t, strided).backward();
    const auto through_view = leaf.grad().index({Slice(), Slice(None, None, 2)}).t();
    check_close<float>(through_view, g, "gradient through a strided view");
    CHECK(leaf.grad().index({Slice(), Slice(1, None, 2)}).abs().max().item<float>() == 0.0f);
    const auto [v2, g2] =
        value_and_grad([&](const torch::Tensor& p) { return loss(t.t().contiguous().t(), p); }, x.contiguous());
    check_close<float>(v, v2, "column-major y_true");
    // y_true broadcast along the batch (stride 0)
    const auto row = t.index({Slice(0, 1)}).expand({40, 10});
    const auto [v3, g3] = value_and_grad([&](const torch::Tensor& p) { return loss(row, p); }, x);
    const auto [v4, g4] = value_and_grad([&](const torch::Tensor& p) { return loss(row.contiguous(), p); }, x);
    check_close<float>(v3, v4, "expanded y_true");
    check_close<float>(g3, g4, "expanded y_true, gradient");
    // the Keras class form on the same strided views (read in place, its gradient in y_pred's order)
    const auto keras = lossc::torch::loss(lossc::keras::CategoricalCrossentropy<true>(eps));
    auto leaf_k = big.clone().requires_grad_(true);
    keras(t, leaf_k.index({Slice(), Slice(None, None, 2)}).t()).backward();
    check_close<float>(leaf_k.grad().index({Slice(), Slice(None, None, 2)}).t(), g,
                       "Keras form through a strided view");
    const auto [vk, gk] = value_and_grad(
        [&](const torch::Tensor& p) { return keras(t.t().contiguous().t(), p.t().contiguous().t()); }, x);
    check_close<float>(vk, v, "Keras form, column-major y_true and y_pred");
    check_close<float>(gk, g, "Keras form, column-major y_true and y_pred, gradient");
    // rank 1: (N) is (N, 1)
    const auto bce = lossc::torch::loss(bce_logits);
    const auto y = (torch::rand({40}) > 0.5).to(torch::kFloat), z = torch::randn({40});
    agree<float>([&](const torch::Tensor& p) { return bce(y, p); },
                 [&](const torch::Tensor& p) { return F::binary_cross_entropy_with_logits(p, y); }, z, "rank 1");
}

TEST_CASE("values-only calls build no graph and compute no gradient") {
    const auto loss = lossc::torch::loss(mse);
    const auto t = torch::randn({8, 3}), x = torch::randn({8, 3}, torch::requires_grad());
    const auto with_grad = loss(t, x);
    CHECK(with_grad.requires_grad());
    CHECK(with_grad.grad_fn() != nullptr);
    CHECK(with_grad.grad_fn()->name() == "lossc::torch::LossBackward");
    {
        torch::NoGradGuard no_grad;
        const auto v = loss(t, x);
        CHECK(!v.requires_grad());
        CHECK(v.grad_fn() == nullptr);
        CHECK(v.item<float>() == doctest::Approx(with_grad.item<float>()));
    }
    const auto v = loss(t, x.detach());
    CHECK(v.grad_fn() == nullptr);
    CHECK(v.dim() == 0);
    // Keras form under torch::NoGradGuard: value() (no gradient kernel at all)
    torch::NoGradGuard no_grad;
    const auto k = lossc::torch::loss(lossc::keras::MeanSquaredError());
    CHECK(k(t, x).item<float>() == doctest::Approx(with_grad.item<float>()));
}

TEST_CASE("errors: device, dtypes, shapes, gradients lossc does not compute") {
    const auto loss = lossc::torch::loss(mse);
    const auto t = torch::randn({8, 3}), x = torch::randn({8, 3});
    // a tensor off the CPU (a meta tensor here: a CUDA one takes the same path)
    const auto meta = torch::empty({8, 3}, torch::TensorOptions().device(torch::kMeta));
    CHECK_THROWS_WITH_AS(loss(t, meta), doctest::Contains("CPU tensors"), lossc::parameter_error);
    CHECK_THROWS_WITH_AS(loss(t, x.to(torch::kInt)), doctest::Contains("float or double"), lossc::parameter_error);
    CHECK_THROWS_WITH_AS(loss(t.to(torch::kDouble), x), doctest::Contains("both of one type"), lossc::parameter_error);
    CHECK_THROWS_AS(loss(torch::randn({7, 3}), x), lossc::shape_error);
    CHECK_THROWS_WITH_AS(loss(t, torch::randn({2, 4, 3})), doctest::Contains("(N, C)"), lossc::shape_error);
    CHECK_THROWS_WITH_AS(loss(t.requires_grad_(true), x), doctest::Contains("y_true.detach()"), lossc::parameter_error);
    t.requires_grad_(false);
    CHECK_THROWS_AS(loss(t, x, torch::ones({7})), lossc::shape_error);
    CHECK_THROWS_WITH_AS(loss(t, x, torch::ones({8}, torch::kLong)), doctest::Contains("float or double weights"),
                         lossc::parameter_error);
    // integer y_true where the Keras loss does not take class ids; out-of-range ids
    const auto cce = lossc::torch::loss(lossc::keras::CategoricalCrossentropy<true>());
    CHECK_THROWS_WITH_AS(cce(torch::zeros({8, 3}, torch::kLong), x), doctest::Contains("sparse losses"),
                         lossc::parameter_error);
    const auto sparse = lossc::torch::loss(lossc::keras::SparseCategoricalCrossentropy<true>());
    auto p = x.clone().requires_grad_(true);
    CHECK_THROWS_AS(sparse(torch::full({8}, 3, torch::kLong), p), lossc::label_error);
    CHECK(!p.grad().defined());
}
