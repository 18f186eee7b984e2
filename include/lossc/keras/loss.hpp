// lossc::keras::loss — the Keras Loss wrapper (keras.losses.Loss.__call__) around a compiled
// lossc kernel: y_true/y_pred rank matching, the reduced axes, integer labels, hinge's
// batch-wide label conversion, sample weights with Keras's broadcasting, masks (given, and
// sparse cross-entropy's ignore_class), the five reductions, and the gradient of the reduced
// loss. No allocation: the batch goes through the kernel in chunks of rows, with labels,
// masks and (when not asked for) per-sample values staged on the stack.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>

#include "../lower/kernel.hpp"
#include "common.hpp"
#include "tensor.hpp"

namespace lossc::keras {

/// What a Keras loss object is configured with (besides its formula's own parameters).
struct config {
    keras::reduction reduction = keras::reduction::sum_over_batch_size;
    keras::axes axis = -1;
    /// Sparse cross-entropy's ignore_class: samples with this label are masked out.
    std::optional<std::int64_t> ignore_class = std::nullopt;
};

/// What one call takes besides y_true and y_pred.
/// - sample_weight: a number, or a tensor of shape (N), (N, 1), or for (N, T) losses (N, T),
///   (N, 1) or (N, T, 1), broadcast as Keras does (docs/keras.md, rank matching);
/// - mask: a bool tensor of the per-sample losses' shape (Keras's mask from Masking/Embedding);
/// - values: if not empty, receives the per-sample losses times their weight and mask (Keras's
///   reduction="none" result), size = the number of per-sample losses;
/// - grad: if not empty, receives d(result)/d(y_pred) (for reduction none: of the sum of the
///   values), y_pred's size, in y_pred's storage order without padding (a column-major y_pred's
///   gradient is column-major; a padded one's is compact).
/// - global_batch_size, global_divisor: data-parallel training, the batch split over processes
///   (each call a shard of it): the reduction divides by the whole batch's divisor, so that the
///   shards' losses and gradients add up (an allreduce SUM) to one call's on the whole batch, as
///   Keras under tf.distribute scales each replica's loss by the global batch. global_batch_size:
///   the whole batch's samples (dimension 0), for sum_over_batch_size and mean without masks or
///   ignore_class; global_divisor: the divisor itself, for any reduction — with masks, weights
///   under mean_with_sample_weight or ignore_class, the sum over the shards of each shard's
///   loss.divisor(...) (an allreduce before the call). Neither applies to sum, none, or a loss
///   over every axis (axis=None).
template <class T> struct call_args {
    weight_tensor sample_weight{};
    tensor_view<const bool> mask{};
    std::span<T> values{};
    std::span<T> grad{};
    index global_batch_size = 0;
    std::optional<double> global_divisor{};
};
/// The shape of a call's per-sample losses (loss::values_shape): y_pred's without the reduced
/// axes (rank 0 for a loss over every axis).
struct value_shape {
    int rank = 0;
    std::array<index, max_rank - 1> dims{};
    /// How many values a call writes (args.values' size).
    index size() const {
        index n = 1;
        for (int i = 0; i < rank; ++i) n *= dims[static_cast<std::size_t>(i)];
        return n;
    }
};
/// What a values-only call (loss::value) takes: call_args without the gradient.
template <class T> struct value_args {
    weight_tensor sample_weight{};
    tensor_view<const bool> mask{};
    std::span<T> values{};
    index global_batch_size = 0;
    std::optional<double> global_divisor{};
};

namespace detail {
template <class N, class E> constexpr bool contains() {
    if constexpr (std::is_same_v<E, N>)
        return true;
    else {
        bool found = false;
        if constexpr (requires { std::declval<E>().a; }) found = found || contains<N, decltype(std::declval<E>().a)>();
        if constexpr (requires { std::declval<E>().b; }) found = found || contains<N, decltype(std::declval<E>().b)>();
        if constexpr (requires { std::declval<E>().c; }) found = found || contains<N, decltype(std::declval<E>().c)>();
        return found;
    }
}
/// Is `v` the ignored class? Compared as integers where the labels are (int64 ids beyond 2^53
/// are not doubles).
template <class L> constexpr bool is_ignored_label(L v, std::optional<std::int64_t> ignored) {
    if (!ignored) return false;
    if constexpr (std::is_integral_v<L>)
        return static_cast<std::int64_t>(v) == *ignored;
    else
        return static_cast<double>(v) == static_cast<double>(*ignored);
}
/// Checks n class ids (label_at(e), e < n) against `classes` before anything is written: an id
/// that is not an integer in [0, classes), and not the ignored class, is lossc::label_error. The
/// kernel compares ids with column indices in y_pred's type T, exact up to 2^24 in float and 2^53
/// in double: more classes than that is a shape_error.
template <class T, class L, class At>
void require_class_ids(At&& label_at, index n, index classes, std::optional<std::int64_t> ignored) {
    constexpr index exact = index(1) << std::numeric_limits<T>::digits;
    if (classes > exact)
        throw shape_error(cat("y_pred has ", num(classes), " classes, more than ",
                              std::is_same_v<T, float> ? "float" : "double", " holds exactly (", num(exact),
                              "): class ids would compare wrongly; use double y_pred"));
    for (index e = 0; e < n; ++e) {
        const L v = label_at(e);
        if (is_ignored_label(v, ignored)) continue;
        const bool integral = std::is_integral_v<L> || std::floor(static_cast<double>(v)) == static_cast<double>(v);
        if (!integral || !(static_cast<double>(v) >= 0) || !(static_cast<double>(v) < static_cast<double>(classes)))
            throw label_error(cat("label ", std::to_string(v), " of sample ", num(e), " is not a class id in [0, ",
                                  num(classes), ")", ignored ? " nor the ignored class" : ""));
    }
}
template <class D> struct expression_of { using type = D; };
template <class E> struct expression_of<batch_decided<E>> { using type = E; };

/// How the reduced axes map onto kernel rows. The reduced axes are one run [lo, hi] of adjacent
/// axes (every axis for axis=None): the kernel's columns. The axes before the run are the rows
/// where the run ends the tensor, else the slabs, and the axes after it the rows of each slab
/// (channels first: per sample, a (C, H·W) block read column-wise). Per-sample losses are
/// numbered slab by slab, row by row: the C order of the axes kept.
struct layout {
    index slabs = 1, rows = 0, cols = 0;
    int rank = 0;        // y_pred's
    int lo = 0, hi = 0;  // the reduced run of axes
    int loss_rank = 1;
    dims_array loss_shape = ones();
    index losses() const { return slabs * rows; }
    /// Is each row one vector of `axis` alone (a loss over that axis only)?
    bool reduces_only(int axis) const { return loss_rank != 0 && lo == axis && hi == axis; }
};
/// Where a tensor of y_pred's shape puts the layout's slabs, rows and columns (strides in elements).
struct walk {
    index slab = 0, row = 0, col = 1;
};

/// The reduced run of axes of a rank-`rank` y_pred, and the loss's shape.
inline layout layout_for(const axes& ax, int rank, const dims_array& s) {
    layout l;
    l.rank = rank;
    bool reduce[max_rank] = {};
    if (ax.all)
        for (int a = 0; a < rank; ++a) reduce[a] = true;
    for (int k = 0; k < ax.count; ++k) {
        int a = ax.list[static_cast<std::size_t>(k)];
        if (a < 0) a += rank;
        if (a < 0 || a >= rank)
            throw parameter_error(cat("axis ", num(ax.list[static_cast<std::size_t>(k)]),
                                      " is out of range for y_pred of rank ", num(rank)));
        reduce[a] = true;
    }
    l.lo = 0;
    while (l.lo < rank && !reduce[l.lo]) ++l.lo;
    if (l.lo == rank) throw parameter_error("no axis to reduce");
    l.hi = l.lo;
    while (l.hi + 1 < rank && reduce[l.hi + 1]) ++l.hi;
    for (int a = l.hi + 1; a < rank; ++a)
        if (reduce[a])
            throw parameter_error(cat("the reduced axes of a rank-", num(rank),
                                      " y_pred are not adjacent: lossc reduces one run of "
                                      "adjacent axes (e.g. {1, 2}); transpose y_pred so that they are"));
    const auto count = [&](int from, int to) {  // elements of axes [from, to)
        index n = 1;
        for (int a = from; a < to; ++a) n *= s[static_cast<std::size_t>(a)];
        return n;
    };
    l.cols = count(l.lo, l.hi + 1);
    if (l.lo == 0 && l.hi == rank - 1) {  // everything: one value for the batch
        l.rows = 1, l.loss_rank = 0;
        return l;
    }
    if (l.lo == 0)
        throw parameter_error("a loss may reduce the batch axis 0 only together with every other axis (axis=None)");
    if (l.hi == rank - 1)
        l.rows = count(0, l.lo);
    else
        l.slabs = count(0, l.lo), l.rows = count(l.hi + 1, rank);
    l.loss_rank = 0;
    for (int a = 0; a < rank; ++a)
        if (a < l.lo || a > l.hi)
            l.loss_shape[static_cast<std::size_t>(l.loss_rank++)] = s[static_cast<std::size_t>(a)];
    return l;
}

/// Axes [from, to) of a tensor as one run of `n` elements `step` apart, if its strides allow it
/// (each axis's stride its inner neighbour's times that one's extent; axes of one element fit
/// anywhere): `reversed` runs from the last axis (Fortran order).
inline bool collapse(const dims_array& shape, const dims_array& strides, int from, int to, bool reversed, index& step) {
    index n = 1;
    step = 1;
    for (int k = 0; k < to - from; ++k) {  // innermost first
        const auto a = static_cast<std::size_t>(reversed ? from + k : to - 1 - k);
        if (shape[a] == 1) continue;
        if (n == 1)
            step = strides[a];
        else if (strides[a] != step * n)
            return false;
        n *= shape[a];
    }
    return true;
}
/// How a tensor of y_pred's shape (the first `l.rank` axes of `shape`) with these strides walks
/// the layout; false where its strides do not let a run be walked with one stride.
inline bool walk_of(const layout& l, const dims_array& shape, const dims_array& strides, walk& w,
                    bool reversed = false) {
    const int r = l.rank;
    if (!collapse(shape, strides, l.lo, l.hi + 1, reversed, w.col)) return false;
    if (l.loss_rank == 0) {
        w.row = 0;
        return true;
    }
    if (l.hi == r - 1) return collapse(shape, strides, 0, l.lo, false, w.row);
    return collapse(shape, strides, 0, l.lo, false, w.slab) && collapse(shape, strides, l.hi + 1, r, false, w.row);
}
template <class U> dims_array strides_of(const tensor_view<U>& t) {
    dims_array st = ones();
    for (int a = 0; a < t.rank; ++a) st[static_cast<std::size_t>(a)] = t.stride(a);
    return st;
}

/// A loss reduces y_pred's class axis: y_pred needs a batch axis besides it.
template <class T> void require_class_axis(const tensor_view<const T>& y_pred) {
    if (y_pred.rank < 2)
        throw shape_error(cat("y_pred has shape ", shape_str(y_pred),
                              "; give it a batch axis and a class axis, e.g. (N, 1): "
                              "on a rank-1 y_pred Keras reduces the batch axis itself"));
}

/// The bytes a call reads (y_true, y_pred, a sample-weight tensor, the mask) and writes (values,
/// grad), each tensor whole: what the overlap checks compare before anything is written (a call's
/// own tensors in loss::call, one call's against another's in keras::outputs).
struct call_extents {
    lossc::detail::byte_range y_true, y_pred, weight, mask, values, grad;
};
/// The bytes from a tensor's first element to its last (all of them for a strided one: a
/// conservative span, as the overlap checks need).
template <class U> lossc::detail::byte_range range_of_tensor(const tensor_view<const U>& t, const char* name) {
    index last = 0;
    if (!t.extent(last)) throw shape_error(cat(name, "'s strides reach more bytes than an index holds"));
    return lossc::detail::range_of(t.data, last, 1, 1, 1, name);
}
/// Where a gradient goes for y_pred: y_pred's storage order without its padding (for rank 2,
/// column-major where its rows are closer together than its columns, else row-major), so that
/// a span of y_pred.size() elements holds it.
template <class T> std::array<index, 2> grad_strides(const tensor_view<const T>& y_pred) {
    if (y_pred.rank != 2 || y_pred.contiguous()) return {y_pred.rank == 2 ? y_pred.shape[1] : 0, 1};
    const bool column_major = y_pred.stride(0) < y_pred.stride(1) || (y_pred.shape[1] <= 1 && y_pred.stride(0) == 1);
    return column_major ? std::array<index, 2>{1, y_pred.shape[0]} : std::array<index, 2>{y_pred.shape[1], 1};
}
/// The gradient's strides for every axis: grad_strides for rank 2, C order otherwise.
template <class T> dims_array grad_strides_all(const tensor_view<const T>& y_pred) {
    dims_array st = ones();
    if (y_pred.rank == 2) {
        const auto g = grad_strides(y_pred);
        st[0] = g[0], st[1] = g[1];
    } else {
        for (auto a = static_cast<std::size_t>(std::max(y_pred.rank - 1, 0)); a-- > 0;)
            st[a] = st[a + 1] * y_pred.shape[a + 1];
    }
    return st;
}
template <class L, class T> call_extents extents_of(const tensor_view<const L>& y_true,
                                                    const tensor_view<const T>& y_pred, const call_args<T>& args) {
    using lossc::detail::range_of;
    const weight_tensor& sw = args.sample_weight;
    call_extents x;
    x.y_true = range_of_tensor(y_true, "y_true");
    x.y_pred = range_of_tensor(y_pred, "y_pred");
    if (sw.present() && sw.rank > 0 && sw.data != nullptr)
        x.weight = sw.is_double ? range_of(static_cast<const double*>(sw.data), sw.size(), 1, 1, 1, "sample_weight")
                                : range_of(static_cast<const float*>(sw.data), sw.size(), 1, 1, 1, "sample_weight");
    x.mask = range_of(args.mask.data, args.mask.size(), 1, 1, 1, "mask");  // none: an empty range
    x.values = range_of(args.values.data(), static_cast<index>(args.values.size()), 1, 1, 1, "values");
    x.grad = range_of(args.grad.data(), static_cast<index>(args.grad.size()), 1, 1, 1, "grad");
    return x;
}
/// The outputs (values, grad) apart from every input and from each other, or a shape_error.
inline void require_outputs_apart(const call_extents& x) {
    using lossc::detail::require_disjoint;
    for (const auto& [out, out_name] : {std::pair{x.values, "values"}, std::pair{x.grad, "grad"}}) {
        require_disjoint(out, out_name, x.y_true, "y_true");
        require_disjoint(out, out_name, x.y_pred, "y_pred");
        require_disjoint(out, out_name, x.weight, "sample_weight");
        require_disjoint(out, out_name, x.mask, "mask");
    }
    require_disjoint(x.grad, "grad", x.values, "values");
}
}  // namespace detail

namespace detail {
/// What the steps of a keras::loss call (loss::call) find out about its inputs, in order.
template <class L, class T> struct call_state {
    tensor_view<const L> y_true;
    tensor_view<const T> y_pred;
    const call_args<T>& args;
    std::optional<std::int64_t> ignore_class;
    // rank matching
    int class_axis = 0;
    bool column = false;  // y_true holds one value per row of the class axis (class ids)
    bool t_dense = true;
    layout lay{};
    walk pw{}, tw{}, gw{};  // how y_pred, y_true (where full) and the gradient walk the layout
    index n_loss = 0, classes = 0;
    // weights and masks
    index w_stride = 0, w_repeat = 1;  // weight of loss e: element (e / w_repeat) · w_stride
    bool has_mask_in = false;          // a mask given
    bool has_mask = false;             // a mask given, or ignore_class on class ids

    double weight_of(index e) const {
        const weight_tensor& sw = args.sample_weight;
        return sw.present() ? sw.at(sw.rank == 0 ? 0 : e / w_repeat * w_stride) : 1.0;
    }
    /// Loss e's label (the column layout: one per loss, in y_true's C order).
    L label_at(index e) const { return t_dense ? y_true.data[e] : y_true.data[y_true.offset(e)]; }
    bool ignored(index e) const { return column && is_ignored_label(label_at(e), ignore_class); }
    bool valid(index e) const { return !(has_mask_in && !args.mask.data[e]) && !ignored(e); }
};
}  // namespace detail

/// The Keras Loss object: loss(expression or batch_decided, config), called like
/// keras.losses.X(...)(y_true, y_pred, sample_weight). Returns the reduced loss (reduction none:
/// the sum of the per-sample values, which go to args.values).
template <class Def> class loss {
public:
    using expression_type = typename detail::expression_of<Def>::type;
    static_assert(expression<expression_type>,
                  "lossc: keras::loss wraps a lossc expression or a keras::batch_decided pair");
    /// Does the loss read y_true as class ids (one per sample: the sparse losses)?
    static constexpr bool uses_labels = detail::contains<column_index_t, expression_type>();

    constexpr explicit loss(const Def& def, config cfg = {}) : def_(def), cfg_(cfg) {}
    constexpr const Def& definition() const { return def_; }
    constexpr const keras::config& configuration() const { return cfg_; }

    /// The reduced loss; the gradient too where args.grad is not empty. Compiles the kernel for
    /// values and for gradients (which one runs is known only at run time).
    template <class L, class T>
    T operator()(tensor_view<const L> y_true, tensor_view<const T> y_pred, const call_args<T>& args = {}) const {
        if constexpr (types_fit<L, T>())
            return static_cast<T>(args.grad.empty() ? call<false>(y_true, y_pred, args)
                                                    : call<true>(y_true, y_pred, args));
        else
            return T{};  // after the static_assert: nothing more to report
    }
    /// The reduced loss, and its gradient into args.grad, which must hold y_pred's size: as
    /// operator() with a gradient, but only the gradient's kernel is compiled (operator() compiles
    /// the values-only kernel too, since which one runs is known only at run time).
    template <class L, class T>
    T value_and_grad(tensor_view<const L> y_true, tensor_view<const T> y_pred, const call_args<T>& args) const {
        if constexpr (types_fit<L, T>()) {
            if (args.grad.empty() && y_pred.size() > 0)
                throw shape_error(
                    "value_and_grad writes the gradient: give args.grad, y_pred's size (operator() takes an "
                    "empty one)");
            return static_cast<T>(call<true>(y_true, y_pred, args));
        } else {
            return T{};
        }
    }
    /// Values only (Keras's loss(y_true, y_pred) in evaluation): the same result as operator()
    /// without a gradient, and the gradient's kernel is never compiled.
    template <class L, class T>
    T value(tensor_view<const L> y_true, tensor_view<const T> y_pred, const value_args<T>& args = {}) const {
        if constexpr (types_fit<L, T>())
            return static_cast<T>(call<false>(y_true, y_pred, to_call_args(args)));
        else
            return T{};
    }
    /// The divisor this call's reduction would use on its own (the number of per-sample losses,
    /// of the valid ones with masks or ignore_class, or Σ w under mean_with_sample_weight; 1 for
    /// sum, none and losses over every axis), after the same checks as a call; writes nothing.
    /// Data-parallel: sum it over the shards and pass the total as args.global_divisor.
    template <class L, class T>
    double divisor(tensor_view<const L> y_true, tensor_view<const T> y_pred, const value_args<T>& args = {}) const {
        if constexpr (types_fit<L, T>())
            return call<false, true>(y_true, y_pred, to_call_args(args));
        else
            return 1.0;
    }

    /// The shape of the per-sample losses a call with this y_pred gives (Keras's reduction="none"
    /// result; args.values takes its element count): rank 0 for a loss over the whole batch
    /// (axis=None), else y_pred's shape without the reduced axes ((N), (N, T), (N, H, W), …).
    /// Throws as a call would for a y_pred without a class axis or an axis the loss cannot map.
    template <class T> value_shape values_shape(tensor_view<const T> y_pred) const {
        detail::require_class_axis(y_pred);
        const detail::layout l = detail::layout_for(cfg_.axis, y_pred.rank, y_pred.shape);
        value_shape v{l.loss_rank, {}};
        for (int i = 0; i < l.loss_rank; ++i)
            v.dims[static_cast<std::size_t>(i)] = l.loss_shape[static_cast<std::size_t>(i)];
        return v;
    }

private:
    /// The static checks of a call's scalar types, each with its message.
    template <class L, class T> static constexpr bool types_fit() {
        constexpr bool real = std::is_same_v<T, float> || std::is_same_v<T, double>;
        static_assert(real, "lossc: y_pred holds float or double");
        constexpr bool labels_type = std::is_same_v<L, T> || (std::is_integral_v<L> && !std::is_same_v<L, bool>);
        static_assert(
            labels_type,
            "lossc: y_true holds y_pred's scalar type, or integer class ids (int32/int64) for the sparse losses");
        constexpr bool ids_fit = uses_labels || !std::is_integral_v<L>;
        static_assert(ids_fit,
                      "lossc: integer y_true is for losses over class ids (sparse_categorical_crossentropy, "
                      "categorical_generalized_cross_entropy); convert the labels to y_pred's type for this loss");
        return real && labels_type && ids_fit;
    }
    template <class T> static call_args<T> to_call_args(const value_args<T>& a) {
        return {a.sample_weight, a.mask, a.values, {}, a.global_batch_size, a.global_divisor};
    }
    /// The reduced loss (DivisorOnly: the divisor its reduction uses, nothing computed or written):
    /// the steps below in turn.
    template <bool Backward, bool DivisorOnly = false, class L, class T>
    double call(tensor_view<const L> y_true, tensor_view<const T> y_pred, const call_args<T>& args) const;
    template <class L, class T> void match_ranks(detail::call_state<L, T>& c) const;
    template <class L, class T> void plan_walks(detail::call_state<L, T>& c) const;
    template <class L, class T> void check_outputs(const detail::call_state<L, T>& c) const;
    template <class L, class T> void match_weights(detail::call_state<L, T>& c) const;
    template <class L, class T> void check_labels(detail::call_state<L, T>& c) const;
    template <class L, class T> const expression_type& chosen_expression(const detail::call_state<L, T>& c) const;
    template <class L, class T> bool divides(const detail::call_state<L, T>& c) const;
    template <class L, class T> double local_divisor(const detail::call_state<L, T>& c) const;
    template <class L, class T> double scale_of(const detail::call_state<L, T>& c, double divisor) const;
    template <bool Backward, class K, class L, class T>
    double run_chunks(const K& kern, const detail::call_state<L, T>& c, double scale) const;

    Def def_;
    keras::config cfg_;
};

template <class Def> loss(const Def&, config) -> loss<Def>;
template <class Def> loss(const Def&) -> loss<Def>;

template <class Def> template <bool Backward, bool DivisorOnly, class L, class T>
double loss<Def>::call(tensor_view<const L> y_true, tensor_view<const T> y_pred, const call_args<T>& args) const {
    detail::call_state<L, T> c{y_true, y_pred, args, cfg_.ignore_class};
    match_ranks(c);
    check_outputs(c);
    match_weights(c);
    // Outputs against every input, over whole tensors, before anything is written (the kernel
    // checks each chunk again; an overlap with a later chunk would be found too late).
    detail::require_outputs_apart(detail::extents_of(y_true, y_pred, args));
    check_labels(c);
    const double divisor = local_divisor(c);
    if constexpr (DivisorOnly)
        return divisor;
    else
        return run_chunks<Backward>(lossc::compile(chosen_expression(c)), c, scale_of(c, divisor));
}

/// Rank matching (Keras §1.1): y_pred of rank 2 or more with a class axis; y_true of y_pred's
/// shape ("full") or one value per row of the class axis ("column"); the layout of the per-sample
/// losses; how y_pred, y_true and the gradient walk it.
template <class Def> template <class L, class T> void loss<Def>::match_ranks(detail::call_state<L, T>& c) const {
    using detail::cat, detail::num, detail::shape_str;
    const tensor_view<const L>& y_true = c.y_true;
    const tensor_view<const T>& y_pred = c.y_pred;
    const int rp = y_pred.rank;
    detail::require_class_axis(y_pred);
    auto ts = y_true.shape;
    int rt = y_true.rank;
    if (rt == rp + 1 && ts[static_cast<std::size_t>(rt - 1)] == 1) --rt;  // (N, K, 1) against (N, K)
    // y_true of y_pred's shape ("full"), or one value per row of the last axis ("column"):
    // y_pred's shape with the last axis 1, or without it.
    // Class ids along another axis than the last (SparseCategoricalCrossentropy(axis=1) on (N, K, T)
    // logits, channels first): y_true is y_pred's shape without that axis, or with it 1.
    c.class_axis = [&] {
        if (!uses_labels || cfg_.axis.all || cfg_.axis.count != 1) return rp - 1;
        const int a = cfg_.axis.list[0] < 0 ? cfg_.axis.list[0] + rp : cfg_.axis.list[0];
        return a >= 1 && a < rp ? a : rp - 1;  // others: layout_for's parameter_error below
    }();
    const auto pdim = [&](int i) { return y_pred.shape[static_cast<std::size_t>(i)]; };
    const auto tdim = [&](int i) { return ts[static_cast<std::size_t>(i)]; };
    bool same_lead = true;
    for (int i = 0; i < rp - 1; ++i) same_lead = same_lead && i < rt && tdim(i) == pdim(i);
    bool full = rt == rp && same_lead && tdim(rp - 1) == pdim(rp - 1);
    bool column = !full && same_lead && (rt == rp - 1 || (rt == rp && tdim(rp - 1) == 1));
    const int class_axis = c.class_axis;
    if (class_axis != rp - 1) {
        bool without = rt == rp - 1, with_one = rt == rp && tdim(class_axis) == 1;
        for (int i = 0; i < rp - 1 && without; ++i) without = tdim(i) == pdim(i < class_axis ? i : i + 1);
        for (int i = 0; i < rp && with_one; ++i) with_one = i == class_axis || tdim(i) == pdim(i);
        full = false, column = without || with_one;
    }
    if (!full && !column)
        throw shape_error(cat("y_true has shape ", shape_str(y_true), " but y_pred has shape ", shape_str(y_pred),
                              ": y_true must have y_pred's shape, or one value per sample and step (y_pred's shape "
                              "without the last axis, or with it 1)"));
    if (!uses_labels && column && rt == rp - 1 && y_pred.shape[static_cast<std::size_t>(rp - 1)] != 1)
        throw shape_error(
            cat("y_true has shape ", shape_str(y_true), " but y_pred has shape ", shape_str(y_pred),
                ": Keras would broadcast y_true along y_pred's last axis (an error unless the sizes agree); "
                "give y_true y_pred's shape, or a last axis of 1 to use one value per row"));
    if (uses_labels && !column)
        throw shape_error(cat("class-id labels of shape ", shape_str(y_true), " against y_pred ", shape_str(y_pred),
                              ": give one class id per sample (y_pred's shape without the class axis)"));

    c.column = column;
    c.lay = detail::layout_for(cfg_.axis, rp, y_pred.shape);
    c.t_dense = y_true.contiguous();
    const detail::layout& lay = c.lay;
    // one y_true value per row: the rows must run along the class axis alone (or hold one element)
    const bool last_axis = lay.reduces_only(class_axis) || (lay.cols == 1 && lay.loss_rank == rp - 1);
    if (column && !last_axis)
        throw shape_error(cat("y_true of shape ", shape_str(y_true),
                              " holds one value per row of the last axis, but this "
                              "loss reduces other axes of y_pred ",
                              shape_str(y_pred), "; give y_true y_pred's shape"));
    c.n_loss = lay.losses();
    c.classes = pdim(class_axis);
    plan_walks(c);
    if (y_pred.data == nullptr && y_pred.size() > 0) throw shape_error("y_pred is a null pointer");
    if (y_true.data == nullptr && y_true.size() > 0) throw shape_error("y_true is a null pointer");
}

/// How y_pred, y_true (where it has y_pred's shape) and the gradient walk the layout, each by its
/// own strides: every run of axes must have one stride. A loss over every axis walks all three in
/// one order, C order or (a Fortran-order y_pred) memory order.
template <class Def> template <class L, class T> void loss<Def>::plan_walks(detail::call_state<L, T>& c) const {
    using detail::cat, detail::num;
    const detail::layout& lay = c.lay;
    const int rp = c.y_pred.rank;
    detail::walk &pw = c.pw, &tw = c.tw, &gw = c.gw;
    const dims_array p_st = detail::strides_of(c.y_pred), t_st = detail::strides_of(c.y_true),
                     g_st = detail::grad_strides_all(c.y_pred);
    const auto fails = [&](bool reversed) -> const char* {
        if (!detail::walk_of(lay, c.y_pred.shape, p_st, pw, reversed)) return "y_pred";
        if (!c.column && !detail::walk_of(lay, c.y_true.shape, t_st, tw, reversed)) return "y_true";
        if (!c.args.grad.empty() && !detail::walk_of(lay, c.y_pred.shape, g_st, gw, reversed)) return "grad";
        return nullptr;
    };
    const char* bad = fails(false);
    if (bad != nullptr && lay.loss_rank == 0 && fails(true) == nullptr) bad = nullptr;
    if (bad != nullptr)
        throw shape_error(
            lay.loss_rank == 0
                ? cat("a loss over every axis (axis=None) walks y_true and y_pred in one memory order: give both dense "
                      "and in "
                      "the same storage order (",
                      bad, " is not)")
                : cat(bad, "'s strides do not let the ", lay.loss_rank == rp - 1 ? "reduced axis" : "reduced axes",
                      " or the axes kept be walked with one stride each (a padded or permuted tensor of rank ", num(rp),
                      "): copy it to numpy's layout first"));
    if (lay.loss_rank == 0) pw.row = tw.row = gw.row = lay.cols;  // one row: any stride past it
}

/// The outputs' sizes, and the arguments of a batch split over calls.
template <class Def> template <class L, class T>
void loss<Def>::check_outputs(const detail::call_state<L, T>& c) const {
    using detail::cat, detail::num, detail::shape_str;
    if (!c.args.values.empty() && static_cast<index>(c.args.values.size()) != c.n_loss)
        throw shape_error(cat("values has ", num(c.args.values.size()), " elements but there are ", num(c.n_loss),
                              " per-sample losses, shape ", shape_str(c.lay.loss_rank, c.lay.loss_shape)));
    if (!c.args.grad.empty() && static_cast<index>(c.args.grad.size()) != c.y_pred.size())
        throw shape_error(cat("grad has ", num(c.args.grad.size()), " elements but y_pred has ", num(c.y_pred.size()),
                              ", shape ", shape_str(c.y_pred)));
    // the whole batch's divisor, where the batch is split
    const bool global = c.args.global_batch_size != 0 || c.args.global_divisor.has_value();
    if (global && (c.lay.loss_rank == 0 || cfg_.reduction == reduction::sum || cfg_.reduction == reduction::none))
        throw parameter_error(
            "global_batch_size and global_divisor apply to the reductions that divide "
            "(sum_over_batch_size, mean, mean_with_sample_weight) of per-sample losses");
    if (c.args.global_batch_size != 0 && c.args.global_batch_size < c.lay.loss_shape[0])
        throw parameter_error(cat("global_batch_size is ", num(c.args.global_batch_size), " but this call has ",
                                  num(c.lay.loss_shape[0]), " samples: the whole batch holds at least this shard"));
    if (c.args.global_divisor && !(std::isfinite(*c.args.global_divisor) && *c.args.global_divisor >= 0))
        throw parameter_error("global_divisor is negative or not finite");
}

/// Sample weights and masks against the per-sample losses (Keras §1.1, §1.3): which element of
/// the weight tensor each loss reads.
template <class Def> template <class L, class T> void loss<Def>::match_weights(detail::call_state<L, T>& c) const {
    using detail::cat, detail::shape_str;
    const detail::layout& lay = c.lay;
    const weight_tensor& sw = c.args.sample_weight;
    const tensor_view<const bool>& in_mask = c.args.mask;
    c.has_mask_in = in_mask.data != nullptr || in_mask.rank > 0;
    const bool has_mask_in = c.has_mask_in;
    if (lay.loss_rank == 0 && (sw.present() || has_mask_in))
        throw shape_error(
            "this loss gives one value for the whole batch (axis=None): sample weights and masks apply to "
            "per-sample losses; choose the per-sample axes, e.g. axis={1, 2}");
    // a tensor of the losses' shape, with a trailing axis of 1 or not (Keras's rank matching)
    const auto shaped_as_losses = [&](int rank, const dims_array& s) {
        if (rank == lay.loss_rank + 1 && s[static_cast<std::size_t>(rank - 1)] == 1) --rank;
        if (rank != lay.loss_rank) return false;
        for (int a = 0; a < rank; ++a)
            if (s[static_cast<std::size_t>(a)] != lay.loss_shape[static_cast<std::size_t>(a)]) return false;
        return true;
    };
    if (sw.present() && sw.rank > 0) {
        const index n = lay.loss_shape[0];
        const auto& s = sw.shape;
        // per sample: (N, 1, …, 1) of the losses' rank (or one more), broadcast over each sample's losses
        bool per_sample = lay.loss_rank >= 2 && sw.rank >= lay.loss_rank && sw.rank <= lay.loss_rank + 1 && s[0] == n;
        for (int a = 1; a < sw.rank && per_sample; ++a) per_sample = s[static_cast<std::size_t>(a)] == 1;
        if (shaped_as_losses(sw.rank, s))
            c.w_stride = 1;
        else if (per_sample)
            c.w_stride = 1, c.w_repeat = c.n_loss / std::max<index>(n, 1);
        else
            throw shape_error(cat("sample_weight has shape ", shape_str(sw.rank, sw.shape),
                                  " but the per-sample losses have shape ", shape_str(lay.loss_rank, lay.loss_shape),
                                  lay.loss_rank >= 2
                                      ? "; give (N, 1, …) per sample (Keras "
                                        "would align an (N,) weight with the last axis), or the losses' shape"
                                      : ""));
        if (sw.data == nullptr) throw shape_error("sample_weight is a null pointer");
    }
    if (has_mask_in) {
        if (!in_mask.contiguous()) throw shape_error("a mask must be contiguous (numpy's layout): copy it first");
        if (!shaped_as_losses(in_mask.rank, in_mask.shape) || in_mask.data == nullptr)
            throw shape_error(cat("mask has shape ", shape_str(in_mask), " but the per-sample losses have shape ",
                                  shape_str(lay.loss_rank, lay.loss_shape)));
    }
}

/// Class ids, integer or float, range-checked before anything is written; ignore_class masks.
template <class Def> template <class L, class T> void loss<Def>::check_labels(detail::call_state<L, T>& c) const {
    if constexpr (uses_labels)
        if (c.column)
            detail::require_class_ids<T, L>([&](index e) { return c.label_at(e); }, c.n_loss, c.classes,
                                            cfg_.ignore_class);
    c.has_mask = c.has_mask_in || (cfg_.ignore_class.has_value() && c.column);
}

/// The expression this call runs: hinge's batch-wide decision (0/1 labels → ±1) where the loss
/// has one.
template <class Def> template <class L, class T>
const typename loss<Def>::expression_type& loss<Def>::chosen_expression(const detail::call_state<L, T>& c) const {
    if constexpr (std::is_same_v<Def, expression_type>)
        return def_;
    else {
        bool zero_one = true;
        for (index k = 0, n = c.y_true.size(); k < n && zero_one; ++k) {
            const L v = c.t_dense ? c.y_true.data[k] : c.y_true.data[c.y_true.offset(k)];
            zero_one = v == L(0) || v == L(1);
        }
        return zero_one ? def_.zero_one : def_.as_given;
    }
}

/// Does the reduction divide (sum_over_batch_size, mean, mean_with_sample_weight of per-sample
/// losses)?
template <class Def> template <class L, class T> bool loss<Def>::divides(const detail::call_state<L, T>& c) const {
    return c.lay.loss_rank != 0 && cfg_.reduction != reduction::sum && cfg_.reduction != reduction::none;
}

/// The divisor of this call's own losses: their count, the valid ones' count or weight, Σw as
/// given; 1 where the reduction does not divide.
template <class Def> template <class L, class T>
double loss<Def>::local_divisor(const detail::call_state<L, T>& c) const {
    if (!divides(c)) return 1.0;
    const weight_tensor& sw = c.args.sample_weight;
    const bool weighted = cfg_.reduction == reduction::mean_with_sample_weight;
    double divisor = static_cast<double>(c.n_loss);
    if (c.has_mask) {  // the valid entries, counted or weighted
        divisor = 0;
        for (index e = 0; e < c.n_loss; ++e)
            if (c.valid(e)) divisor += weighted ? c.weight_of(e) : 1.0;
    } else if (weighted && sw.present()) {
        divisor = 0;  // Σw over the weight tensor as given, before broadcasting
        for (index k = 0, n = sw.rank == 0 ? 1 : sw.size(); k < n; ++k) divisor += sw.at(k);
    }
    return divisor;
}

/// The reduction's scale, folded into every weight: 1 / the divisor (the whole batch's where the
/// batch is split), 0 for a divisor of 0 (Keras's divide_no_nan).
template <class Def> template <class L, class T>
double loss<Def>::scale_of(const detail::call_state<L, T>& c, double divisor) const {
    if (!divides(c)) return 1.0;
    const call_args<T>& args = c.args;
    if (args.global_divisor) {
        divisor = *args.global_divisor;
    } else if (args.global_batch_size != 0) {
        if (c.has_mask || (cfg_.reduction == reduction::mean_with_sample_weight && args.sample_weight.present()))
            throw parameter_error(
                "with masks, ignore_class or weights under mean_with_sample_weight the whole batch's "
                "divisor depends on every shard: sum loss.divisor(...) over the shards and pass "
                "it as global_divisor");
        const index per_sample =
            c.n_loss / std::max<index>(c.lay.loss_shape[0], 1);  // T of (N, T) losses, H·W of (N, H, W)
        divisor = static_cast<double>(per_sample) * static_cast<double>(args.global_batch_size);
    }
    return divisor != 0 ? 1.0 / divisor : 0.0;  // Keras: divide_no_nan
}

/// The batch in chunks of 256 rows, staged on the stack where needed (integer or gathered labels,
/// merged weights, values not asked for); returns Σ of the kernel's reduced values.
template <class Def> template <bool Backward, class K, class L, class T>
double loss<Def>::run_chunks(const K& kern, const detail::call_state<L, T>& c, double scale) const {
    const detail::layout& lay = c.lay;
    const detail::walk &pw = c.pw, &tw = c.tw, &gw = c.gw;
    const call_args<T>& args = c.args;
    const weight_tensor& sw = args.sample_weight;
    const bool has_mask = c.has_mask;
    constexpr index chunk = 256;
    alignas(64) T label_buf[chunk];
    alignas(64) T value_buf[chunk];
    bool mask_buf[chunk];
    // Keras's weighting as the kernel's per-sample weights, without a temporary: each loss's
    // element of the weight tensor (broadcast over a sample's losses), times the scale, 0 where
    // masked. Each chunk sets where it starts.
    const double one = 1.0;
    sample_weights w;
    if (sw.present() && sw.rank > 0) {
        w.data = sw.data, w.is_double = sw.is_double, w.stride = c.w_stride, w.repeat = c.w_repeat;
    } else if (sw.present() && sw.data != nullptr) {  // a 0-d tensor: its one element
        w.data = sw.data, w.is_double = sw.is_double, w.stride = 0;
    } else {
        w.data = sw.present() ? &sw.value : &one, w.is_double = true, w.stride = 0;
    }
    w.mask = has_mask ? mask_buf : nullptr;
    w.factor = scale;
    double total = 0;
    const index t_cols = c.column ? 1 : lay.cols;
    for (index s = 0; s < lay.slabs; ++s) {
        for (index r0 = 0; r0 < lay.rows; r0 += chunk) {
            const index rows = std::min(chunk, lay.rows - r0);
            const index e0 = s * lay.rows + r0;  // first per-sample loss of the chunk
            const index p_off = s * pw.slab + r0 * pw.row;
            matrix_view<const T> tv{};
            if (std::is_integral_v<L> || (c.column && !c.t_dense)) {  // staged: converted, or gathered
                for (index i = 0; i < rows; ++i) label_buf[i] = static_cast<T>(c.label_at(e0 + i));
                tv = matrix_view<const T>{label_buf, rows, 1, 1, 1};
            } else if constexpr (!std::is_integral_v<L>) {
                if (c.column)
                    tv = matrix_view<const T>{c.y_true.data + e0, rows, 1, 1, 1};
                else
                    tv = matrix_view<const T>{c.y_true.data + s * tw.slab + r0 * tw.row, rows, t_cols, tw.row, tw.col};
            }
            const matrix_view<const T> pv{c.y_pred.data + p_off, rows, lay.cols, pw.row, pw.col};
            if (has_mask)
                for (index i = 0; i < rows; ++i) mask_buf[i] = c.valid(e0 + i);
            w.offset = e0;  // read by the per-loss weights; the single weight has stride 0
            w.size = rows;
            const options opt{.reduction = lossc::reduction::sum, .sample_weight = w};
            T* values = args.values.empty() ? value_buf : args.values.data() + e0;
            const vector_view<T> vv{values, rows, 1};
            if constexpr (Backward)
                total += static_cast<double>(kern.forward_backward(
                    tv, pv, vv,
                    matrix_view<T>{args.grad.data() + s * gw.slab + r0 * gw.row, rows, lay.cols, gw.row, gw.col}, opt));
            else
                total += static_cast<double>(kern.forward(tv, pv, vv, opt));
            // Keras's reduction="none" values: W = L · weight, 0 where masked.
            if (!args.values.empty() && (sw.present() || has_mask))
                for (index i = 0; i < rows; ++i)
                    values[i] = (has_mask && !mask_buf[i])
                                    ? T(0)
                                    : static_cast<T>(static_cast<double>(values[i]) * c.weight_of(e0 + i));
        }
    }
    return total;
}

}  // namespace lossc::keras
