// lossc — per-call options of a kernel: how per-sample losses reduce to the returned scalar,
// and optional per-sample weights. A plain aggregate, so `{.reduction = lossc::reduction::sum,
// .sample_weight = w}` can be written inline at the call.
#pragma once
#include <optional>
#include <span>

#include "eigen/views.hpp"
#include "reduction.hpp"

namespace lossc {

/// Per-sample weights of either precision, by reference: a float or double Eigen vector, a span
/// or a vector_view. Empty (the default) means every weight is 1.
struct sample_weights {
    const void* data = nullptr;
    index size = -1;  // -1: no weights given
    index stride = 1;
    bool is_double = false;

    constexpr sample_weights() = default;
    template <class T>
    requires real_scalar<T>
    constexpr sample_weights(vector_view<T> v)
        : data(v.data), size(v.size), stride(v.stride), is_double(std::is_same_v<std::remove_const_t<T>, double>) {}
    template <class T>
    requires real_scalar<T>
    constexpr sample_weights(std::span<T> s) : sample_weights(vector_view<T>(s)) {}
    template <eigen_direct D>
    sample_weights(const D& x)  // NOLINT(google-explicit-constructor): written inline as .sample_weight = w
        : data(x.data()),
          size((x.rows() == 1 || x.cols() == 1) ? static_cast<index>(x.size()) : index(-2)),
          stride(x.innerStride()),
          is_double(std::is_same_v<typename D::Scalar, double>) {
        static_assert(real_scalar<typename D::Scalar>, "lossc: sample weights are float or double");
    }
    // A per-row view beyond a strided vector, so that a caller can pass merged weights without a
    // temporary (the Keras wrapper does, lossc::keras::loss): sample i reads element
    // ((i + offset) / repeat) · stride (a weight shared by `repeat` consecutive rows), is multiplied
    // by `factor` and is 0 where `mask` (indexed by i) is false.
    index offset = 0;
    index repeat = 1;
    const bool* mask = nullptr;
    double factor = 1.0;

    constexpr bool present() const { return size != -1; }
    constexpr index element(index i) const { return (repeat == 1 ? i + offset : (i + offset) / repeat) * stride; }
    template <class T> constexpr T at(index i) const {
        if (mask != nullptr && !mask[i]) return T(0);
        const index k = element(i);
        const double w =
            is_double ? static_cast<const double*>(data)[k] : static_cast<double>(static_cast<const float*>(data)[k]);
        return static_cast<T>(w * factor);  // exact when factor is 1: float → double → T loses nothing
    }
    /// The weights of rows r, r + 1, … (a chunk of the batch); size is left to the caller.
    constexpr sample_weights from_row(index r) const {
        sample_weights w = *this;
        w.offset += r;
        if (mask != nullptr) w.mask += r;
        return w;
    }
};

/// How a kernel walks the batch. `automatic` picks from the layout: packs across rows for
/// column-major inputs (the batch is contiguous), packs along columns for row-major rows at
/// least one pack wide, packs across rows (gathered) for narrower row-major rows, and scalar
/// rows where nothing else applies (a broadcast 1-column operand in a row-major input) or no
/// SIMD is compiled in. The others force one, for tests and benchmarks; `along_columns` falls
/// back to scalar rows where it cannot apply.
enum class schedule { automatic, scalar_rows, along_columns, across_rows };

/// How per_sample and grad are written. `cached`: ordinary stores. `streaming`: non-temporal
/// stores where the output is aligned to the packet (around the caches, without first reading
/// each line: a quarter less memory traffic for custom_mse); an arithmetic loss's rows before
/// the first block that starts a cache line go one by one (the reduced value's order of sums
/// then depends on the outputs' offset).
/// `automatic`: streaming for losses of arithmetic only (no exp, log, pow…: they run at memory
/// speed; with transcendental functions streaming measured slower) whose two outputs together
/// exceed `streaming_threshold` bytes, much more than a last-level cache holds, so that the
/// written gradient would be evicted before the optimiser step reads it anyway; below that,
/// cached stores leave it in cache for that step.
/// Above the same threshold `automatic` also streams the gradient of row-major batches of 32 to
/// 64 contiguous columns walked across rows, whatever the loss: written by tile transposes in
/// one burst per block of rows, it measured faster streamed (docs/perf-log.md).
enum class output_stores { automatic, cached, streaming };

struct options {
    lossc::reduction reduction = lossc::reduction::sum_over_batch_size;
    sample_weights sample_weight{};
    /// Data-parallel training, the batch split over processes (or calls): each call reduces its
    /// shard with the whole batch's divisor, so that the shards' losses and gradients add up
    /// (an allreduce SUM) to those of one call on the whole batch, as Keras under tf.distribute
    /// scales each replica's loss by the global batch size.
    ///   global_batch_size  sum_over_batch_size divides by it instead of this call's rows;
    ///                      0 (the default): this call's rows. At least this call's rows.
    ///   global_weight_sum  mean_with_sample_weight divides by it instead of this call's Σ w_i:
    ///                      every shard's Σ w_i, which the caller sums (an allreduce) first.
    /// `sum` has no divisor and ignores both.
    index global_batch_size = 0;
    std::optional<double> global_weight_sum{};
    lossc::schedule schedule = lossc::schedule::automatic;
    /// Opt-in parallelism: up to this many threads, each on a contiguous block of rows. Calls
    /// with fewer than `parallel_threshold` elements (rows × columns of y_pred) stay on the
    /// calling thread: below it, starting a thread costs more than it saves. The threaded path
    /// starts POSIX threads (std::threads where there are none), which allocate; a thread that
    /// cannot be started leaves its rows to the calling thread. The single-thread path allocates
    /// nothing.
    int threads = 1;
    index parallel_threshold = index(1) << 16;
    output_stores stores = output_stores::automatic;
    index streaming_threshold = index(64) << 20;  // bytes: 64 MiB
};

namespace detail {
/// mean_with_sample_weight's divisor for a call on n rows: options::global_weight_sum where
/// given, else Σ w_i (mask and factor applied), else the batch (global_batch_size, or n) as for
/// sum_over_batch_size. One definition: a discarding call's chunks must divide by exactly this.
inline double weight_sum_of(const options& opt, index n) {
    if (opt.global_weight_sum) return *opt.global_weight_sum;
    if (!opt.sample_weight.present()) return static_cast<double>(opt.global_batch_size > 0 ? opt.global_batch_size : n);
    double sum = 0;
    for (index i = 0; i < n; ++i) sum += opt.sample_weight.at<double>(i);
    return sum;
}
/// The scale s of the reduced loss R = s·Σ w_i L_i of a call on n rows: 1 (sum), 1/N (the whole
/// batch's N where given), or 1/Σ w_i (weight_sum_of; 0 where that is 0).
inline double reduction_scale(const options& opt, index n) {
    if (opt.reduction == reduction::sum) return 1.0;
    if (opt.reduction == reduction::sum_over_batch_size || opt.reduction == reduction::mean)
        return 1.0 / static_cast<double>(opt.global_batch_size > 0 ? opt.global_batch_size : n);
    const double weight_sum = weight_sum_of(opt, n);
    return weight_sum != 0 ? 1.0 / weight_sum : 0.0;
}
}  // namespace detail

}  // namespace lossc
