// lossc — the kernel: compile(loss) checks the Keras rules, derives the gradient expression and
// returns a literal, trivially copyable object whose forward/forward_backward evaluate the loss
// and its gradient in one pass over memory: each row is read, its statistics computed once
// (row_state), its loss and gradient written, before the next row is touched. No allocation,
// no temporary of batch size; every argument is checked before anything is written.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "../analysis/diagnose.hpp"
#include "../analysis/shapes.hpp"
#include "../analysis/traits.hpp"
#include "../diff/reverse.hpp"
#include "../eigen/views.hpp"
#include "../errors.hpp"
#include "../options.hpp"
#include "../simd/tiles.hpp"
#include "reach.hpp"
#include "block.hpp"
#include "checks.hpp"
#include "discard.hpp"
#include "plan.hpp"
#include "row_eval.hpp"
#include "accumulate.hpp"
#include "share.hpp"
#include "threads.hpp"
#include "tuning.hpp"

namespace lossc {

inline namespace LOSSC_ISA {

// The message of the static check of y_pred's static width (kernel::widths_fit).
#define LOSSC_WIDTHS_MESSAGE                                                                                    \
    "lossc: the loss's weights(...) have another count than y_pred's static column count; give one weight per " \
    "column of y_pred, or pass a y_pred with dynamic columns"
template <class E> class kernel {
public:
    using expression_type = E;

    constexpr explicit kernel(const E& e) : expr_(e) {}

    constexpr const expression_type& expression() const { return expr_; }
    /// dL/dy_pred as derived (a tree, gradient_t<E>; the kernels evaluate it with common
    /// subexpressions shared, lowering::shared_gradient_t<E>).
    constexpr gradient_t<E> gradient_expression() const { return gradient(expr_); }

    /// Per-sample losses into `per_sample` (or lossc::discard: not kept); returns the reduced loss.
    template <class YT, class YP, class PS>
    scalar_of<YP> forward(const YT& y_true, const YP& y_pred, PS&& per_sample, const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(
            std::is_same_v<scalar_of<YT>, T>,
            "lossc: y_true and y_pred must have the same scalar type (both float or both double); integer "
            "class ids go to a sparse loss through lossc::keras::loss, or, cast to y_pred's type, to lossc::labels");
        constexpr bool ps_fits = per_sample_fits<PS, T>();
        static_assert(ps_fits, "lossc: per_sample must have the scalar type of y_pred");
        static_assert(widths_fit<YP>, LOSSC_WIDTHS_MESSAGE);
        if constexpr (std::is_same_v<scalar_of<YT>, T> && ps_fits && widths_fit<YP>) {
            if constexpr (discarded<PS>)
                return run_discarding<false, reach_for<YT, YP>>(as_matrix(y_true), as_matrix(y_pred), {}, opt);
            else
                return run<false, reach_for<YT, YP>>(as_matrix(y_true), as_matrix(y_pred), as_out_vector(per_sample),
                                                     matrix_view<T>{}, opt);
        } else {
            return T{};  // after the static_assert: nothing more to report
        }
    }

    /// Per-sample losses into `per_sample` (or lossc::discard: not kept), dR/dy_pred into `grad`
    /// (R the reduced loss, with the reduction and sample weights of `opt`); returns R.
    template <class YT, class YP, class PS, class GR> scalar_of<YP> forward_backward(const YT& y_true, const YP& y_pred,
                                                                                     PS&& per_sample, GR&& grad,
                                                                                     const options& opt = {}) const {
        using T = scalar_of<YP>;
        static_assert(
            std::is_same_v<scalar_of<YT>, T>,
            "lossc: y_true and y_pred must have the same scalar type (both float or both double); integer "
            "class ids go to a sparse loss through lossc::keras::loss, or, cast to y_pred's type, to lossc::labels");
        constexpr bool outs_fit = per_sample_fits<PS, T>() && std::is_same_v<scalar_of<GR>, T>;
        static_assert(outs_fit, "lossc: per_sample and grad must have the scalar type of y_pred");
        static_assert(widths_fit<YP>, LOSSC_WIDTHS_MESSAGE);
        if constexpr (std::is_same_v<scalar_of<YT>, T> && outs_fit && widths_fit<YP>) {
            if constexpr (discarded<PS>)
                return run_discarding<true, reach_for<YT, YP, GR>>(as_matrix(y_true), as_matrix(y_pred),
                                                                   as_out_matrix(grad), opt);
            else
                return run<true, reach_for<YT, YP, GR>>(as_matrix(y_true), as_matrix(y_pred), as_out_vector(per_sample),
                                                        as_out_matrix(grad), opt);
        } else {
            return T{};
        }
    }

private:
    /// A y_pred type with a static column count (Eigen::Matrix<float, Dynamic, 3>) against a loss
    /// whose weights fix another count: known while compiling, so refused then.
    template <class YP>
    static constexpr bool widths_fit = lowering::reach<YP, YP>::cols < 0 || required_pred_columns<E> == 0 ||
                                       lowering::reach<YP, YP>::cols == static_cast<index>(required_pred_columns<E>);

    /// Every run-time check, before anything is written: the loss-independent ones (shared by
    /// every loss of a program: detail::check_shapes, check_memory), the expression's widths,
    /// the outputs against its run-time weights. Returns whether the expression broadcasts a
    /// 1-column operand at these widths.
    template <class T> bool check_arguments(const matrix_view<const T>& t, const matrix_view<const T>& p,
                                            const vector_view<T>& ps, const matrix_view<T>* g,
                                            const options& opt) const {
        detail::check_shapes(t, p, ps, g, opt);
        const bool broadcast =
            validate(expr_, input_dims{static_cast<std::size_t>(p.rows), static_cast<std::size_t>(t.cols),
                                       static_cast<std::size_t>(p.cols)});
        const detail::output_ranges out = detail::check_memory(t, p, ps, g, opt);
        detail::require_outside_weights(expr_, out.per_sample, "per_sample");
        if (g) detail::require_outside_weights(expr_, out.grad, "grad");
        return broadcast;
    }

    /// The layouts a call compiles: those its argument types can reach, or every one where the
    /// loss is precompiled (the one copy compiled elsewhere).
    /// A loss that fixes y_pred's width (weights of N columns) narrows it to that width.
    template <class YT, class YP, class GR = void> using reach_for =
        std::conditional_t<lowering::precompiled<E>, lowering::reach_all,
                           typename lowering::with_columns_of_loss<lowering::reach<YT, YP, GR>,
                                                                   static_cast<index>(required_pred_columns<E>)>::type>;

    /// Reach: the layouts the arguments' types can have (lowering::reach); only those are compiled.
    /// Defined below the class, not inline, so that an explicit instantiation declaration
    /// (lossc/keras/compiled.hpp) keeps a translation unit from compiling it.
    template <bool Backward, class Reach, class T> T run(matrix_view<const T> t, matrix_view<const T> p,
                                                         vector_view<T> ps, matrix_view<T> g, const options& opt) const;
    /// run without per-sample outputs: in chunks, through a buffer (detail::run_discarding).
    template <bool Backward, class Reach, class T> T run_discarding(const matrix_view<const T>& t,
                                                                    const matrix_view<const T>& p,
                                                                    const matrix_view<T>& g, const options& opt) const {
        return detail::run_discarding<Backward>(
            t, p, g, opt,
            [this](const matrix_view<const T>& tc, const matrix_view<const T>& pc, vector_view<T> ps,
                   const matrix_view<T>& gc, const options& o) { return run<Backward, Reach>(tc, pc, ps, gc, o); },
            [&] {
                if (Backward) detail::require_outside_weights(expr_, detail::range_of(g, "grad"), "grad");
            });
    }

    /// One call's rows for lowering::split_rows (threads): the kernel, the call, its schedule.
    template <class T> struct threaded_call {
        const kernel* self;
        const lowering::pass<T>* ctx;
        schedule sched;
    };
    template <bool Backward, class Reach, class T> static double rows_of_call(const void* c, index begin, index end) {
        const auto& call = *static_cast<const threaded_call<T>*>(c);
        return call.self->template rows<Backward, Reach, T>(*call.ctx, call.sched, begin, end);
    }
    /// Rows [begin, end) with one schedule; returns Σ w_i L_i.
    template <bool Backward, class Reach, class T>
    double rows(const auto& ctx, schedule sched, index begin, index end) const {
        double total = rows_with<Backward, Reach, T>(ctx, evaluated_gradient_if<Backward>(), sched, begin, end);
        if (ctx.stream) simd::stream_fence();  // on the thread that wrote, before it joins or returns
        return total;
    }
    /// What a forward call has of the gradient.
    struct no_gradient {};
    /// grad: the gradient as evaluated (evaluated_gradient), built once per call, for the rows
    /// walked one by one (the block loops build their own: see block_loop).
    template <bool Backward, class Reach, class T, class G>
    double rows_with(const auto& ctx, const G& grad, schedule sched, index begin, index end) const {
        double total = 0;
        // Rows along columns where the argument types allow contiguous columns, at least a pack
        // of them; else (a forced schedule on column-major types, or on a loss whose weights fix
        // a narrower row) across rows, which takes any layout.
        constexpr bool along =
            Reach::along_columns && Reach::cols_may_be_in(pack<T>::width, std::numeric_limits<index>::max());
        if (sched == schedule::along_columns && !along) sched = schedule::across_rows;
        switch (sched) {
            case schedule::across_rows: {
                if constexpr (flat_walks<Reach, T>())
                    if (flat_layout<Backward>(ctx, begin, end)) {
                        total = flat_rows<Backward>(ctx, begin, end);
                        break;
                    }
                // One double partial sum per lane, added up once at the end: summing each
                // block's losses lane after lane is a chain of dependent adds that cost more than
                // a narrow row's loss itself.
                constexpr index w = pack<T>::width;
                simd::lane_sums<T> lanes;
                // Streamed outputs of an arithmetic loss (the memory-bound ones): rows one by one
                // until a block starts a cache line. Their rows take the same packet math either
                // way (the compiler's FMA contraction aside: docs/design.md); a softmax's rows can
                // round an ulp apart from a block's, so those losses keep the plain walk.
                index first = begin;
                if constexpr (lowering::memory_bound<E, lowering::accumulated_gradient_t<E>>())
                    first = lowering::first_line_row<Backward>(ctx, begin, end);
                for (index i = begin; i < first; ++i) total += one_row<Backward, lanes::none>(ctx, grad, i);
                const index blocks_end = first + (end - first) / w * w;
                total += blocks_of_rows<Backward, Reach>(ctx, grad, first, blocks_end, lanes);
                total += lanes.total();
                for (index i = blocks_end; i < end; ++i) total += one_row<Backward, lanes::none>(ctx, grad, i);
                break;
            }
            case schedule::along_columns:
                if constexpr (along)
                    for (index i = begin; i < end; ++i) total += one_row<Backward, lanes::columns>(ctx, grad, i);
                break;
            default:
                for (index i = begin; i < end; ++i) total += one_row<Backward, lanes::none>(ctx, grad, i);
        }
        return total;
    }

    template <class T> using pass = lowering::pass<T>;
    template <class T> using next_block_lines = lowering::next_block_lines<T>;

    /// One sample, column by column (Mode none) or with packs along its columns (Mode columns).
    /// With SIMD compiled in, even the column-by-column walk evaluates through broadcast packs
    /// (lanes::single), so that every element of every row, whatever the schedule and wherever the
    /// row sits in the batch (a block's lane or a tail row), comes from the same instructions;
    /// schedules then differ only in the order of sums. The scalar backend uses <cmath>.
    template <bool Backward, lanes Mode, class T, class G>
    LOSSC_FLATTEN double one_row(const pass<T>& c, const G& grad, index i) const {
        constexpr lanes walk = (Mode == lanes::none && pack<T>::width > 1) ? lanes::single : Mode;
        strided_row<T, walk> row{c.t.data + i * c.t.row_stride, c.t_step(), c.p.data + i * c.p.row_stride, c.p_step(),
                                 c.dims};
        // Softmax from the logsumexp pass's exps, kept in this row of the gradient (contiguous
        // along columns; any stride column by column).
        exp_memo<T> memo{};
        if constexpr (Backward && walk != lanes::none &&
                      lowering::memoizable<E, lowering::accumulated_gradient_t<E>>()) {
            if (Mode != lanes::columns || c.g.col_stride == 1) {
                memo.data = c.g.data + i * c.g.row_stride;
                memo.step = c.g.col_stride;
            }
            row.memo = &memo;  // without a place for the exps, the gradient recomputes them
        }
        row_state<E, T> st{};
        prepare(expr_, st, row, no_sharing{});
        T loss;
        if constexpr (walk != lanes::none)
            loss = simd::first_lane(row_value<pack<T>>(expr_, st, row.single(), 0));
        else
            loss = row_value<T>(expr_, st, row, 0);
        c.ps[i] = loss;
        const T w = c.sw.present() ? c.sw.template at<T>(i) : T(1);
        if constexpr (Backward) {
            const T s = static_cast<T>(static_cast<double>(w) * c.scale);
            memo.for_gradient = true;
            row_state<G, T> gs{};
            prepare(grad, gs, row, shared_stats<E, row_state<E, T>>{expr_, st});
            index j = 0;
            if constexpr (Mode == lanes::columns) {
                using P = pack<T>;
                const P sp(s);
                T* out = c.g.data + i * c.g.row_stride;
                // Non-temporal only where the row's lines are not in cache already (the memo
                // wrote its exps there).
                const bool stream = c.stream && c.g.col_stride == 1 && row.memo == nullptr;
                for (; j + P::width <= c.p.cols; j += P::width) {
                    const P gj = row_value<P>(grad, gs, row, static_cast<std::size_t>(j)) * sp;
                    if (stream)
                        gj.store_stream(out + j);
                    else
                        gj.store_strided(out + j * c.g.col_stride, c.g.col_stride);
                }
                // The last pack overlaps: the same values again (not with a memo, whose overlapped
                // entries hold gradient values by then: lone columns instead).
                if (j < c.p.cols && c.p.cols >= P::width && row.memo == nullptr) {
                    j = c.p.cols - P::width;
                    (row_value<P>(grad, gs, row, static_cast<std::size_t>(j)) * sp)
                        .store_strided(out + j * c.g.col_stride, c.g.col_stride);
                    j = c.p.cols;
                }
            }
            for (; j < c.p.cols; ++j) {
                if constexpr (walk != lanes::none)  // lone columns: broadcast packs, the same math
                    c.g(i, j) =
                        simd::first_lane(row_value<pack<T>>(grad, gs, row.single(), static_cast<std::size_t>(j))) * s;
                else
                    c.g(i, j) = row_value<T>(grad, gs, row, static_cast<std::size_t>(j)) * s;
            }
        }
        return static_cast<double>(w) * static_cast<double>(loss);
    }

    /// Rows of a separable loss (lowering::separable) walked as one column: the batch's elements,
    /// back to back, are the rows of a one-column batch for the one-column block (contiguous packs
    /// in and out, no transposes), whose losses go to a stack buffer; each row's loss is then the
    /// sum (or mean) of its elements', a pack of rows per tile transpose of the buffer. Where the
    /// argument types keep rows back to back, rows of 3 to 64 columns have no other block: a
    /// y_true of one column beside wider rows (a broadcast) then runs row by row.
    template <class Reach, class T> static constexpr bool flat_walks() {
        return lowering::separable<E> && tuning::separable_as_one_column<T> && tuning::transposes<T> &&
               Reach::rows_contiguous && Reach::cols_may_be_in(3, tuning::max_staged_columns);
    }
    template <class Reach, class T> static constexpr bool flat_walks_only() {
        return flat_walks<Reach, T>() && Reach::packed_rows;
    }
    /// Does a call take the walk as one column? Every matrix's rows back to back, 3 to 64 columns
    /// in each (two take their fixed-width copy: faster beyond the caches), at least a pack of
    /// elements.
    template <bool Backward, class T> static bool flat_layout(const pass<T>& c, index begin, index end) {
        const index n = c.p.cols;
        const auto packed = [n](const auto& m) { return m.cols == n && m.col_stride == 1 && m.row_stride == n; };
        return n >= 3 && n <= tuning::max_staged_columns && packed(c.t) && packed(c.p) && (!Backward || packed(c.g)) &&
               (end - begin) * n >= pack<T>::width;
    }
    /// Rows [begin, end) as one column, in chunks of whole rows; returns Σ w_i·L_i.
    template <bool Backward, class T> double flat_rows(const pass<T>& c, index begin, index end) const {
        using P = pack<T>;
        using R = typename lowering::row_reduction<E>::type;
        constexpr index w = P::width;
        const index n = c.p.cols;
        const index chunk_rows = std::max<index>(tuning::flat_chunk_elements / n / w, 1) * w;
        alignas(64) T losses[tuning::flat_chunk_elements];
        alignas(64) T columns[lowering::stage_size<T>()];
        const bool weighted = c.sw.present();
        const bool large = c.p.rows * n >= tuning::prefetch_min_elements;
        const sample_weights none{};
        // The block's gradient is the element's, d f / d y_pred: a mean's 1/n joins the scale.
        const double scale = std::is_same_v<R, ops::mean_r> ? c.scale / static_cast<double>(n) : c.scale;
        const auto one_column = [](auto m) {
            m.cols = 1, m.row_stride = 1, m.col_stride = 1;
            return m;
        };
        // Sample weights scale the gradient's rows after the block: its lines must be in cache.
        pass<T> flat{one_column(c.t), one_column(c.p),     vector_view<T>{losses, 0, 1}, one_column(c.g), none,
                     scale,           input_dims{0, 1, 1}, c.stream && !weighted,        false,           true};
        simd::lane_sums<T> sums, unused;
        // The rows past the last pack of rows are added after the packs' sums, as the row walk adds them.
        double total = 0;
        bool totalled = false;
        for (index r0 = begin; r0 < end; r0 += chunk_rows) {
            const index r1 = std::min(end, r0 + chunk_rows);
            // The chunk's elements; fewer than a pack (the range's last rows) start a pack earlier.
            const index e1 = r1 * n, e0 = std::min(r0 * n, e1 - w), len = e1 - e0;
            flat.t.data = c.t.data + e0, flat.p.data = c.p.data + e0;
            if constexpr (Backward) flat.g.data = c.g.data + e0;
            flat.t.rows = flat.p.rows = flat.g.rows = flat.ps.size = len;
            flat.dims.rows = static_cast<std::size_t>(len);
            const index whole = len / w * w;
            block_loop<Backward, block_layout::dense_column, 1>(flat, 0, whole, unused);
            if (whole < len) {  // the last pack overlaps: the same values again
                pass<T> last = flat;
                last.stream = false;
                block_loop<Backward, block_layout::dense_column, 1>(last, len - w, len, unused);
            }
            const T* v = losses + (r0 * n - e0);
            const index m = r1 - r0;
            // Beyond the caches, the next chunk's lines, a few with each pack of rows summed.
            index ahead = r1 < end && large ? r1 * n : end * n;
            constexpr index line = 64 / static_cast<index>(sizeof(T));
            index q = 0;
            for (; q + w <= m; q += w) {
                for (index k = 0; k < tuning::flat_lines_ahead && ahead < end * n; ++k, ahead += line) {
                    simd::prefetch(c.t.data + ahead);
                    simd::prefetch(c.p.data + ahead);
                    if constexpr (Backward) simd::prefetch_for_write(c.g.data + ahead);
                }
                simd::load_columns(v + q * n, n, n, columns);
                const P loss = R::template reduce<P>(static_cast<std::size_t>(n), [&](std::size_t j) {
                    return P::load(columns + static_cast<index>(j) * w);
                });
                loss.store_strided(c.ps.data + (r0 + q) * c.ps.stride, c.ps.stride);
                if (weighted) {
                    alignas(64) T wt[w];
                    for (index l = 0; l < w; ++l) wt[l] = c.sw.template at<T>(r0 + q + l);
                    simd::add_products_to(sums, P::load(wt), loss);
                } else {
                    simd::add_to(sums, loss);
                }
            }
            for (; q < m; ++q) {
                const T loss =
                    R::template reduce<T>(static_cast<std::size_t>(n), [&](std::size_t j) { return v[q * n + j]; });
                c.ps[r0 + q] = loss;
                if (!totalled) total = sums.total(), totalled = true;
                total +=
                    (weighted ? static_cast<double>(c.sw.template at<T>(r0 + q)) : 1.0) * static_cast<double>(loss);
            }
            // Every element the blocks wrote, those of earlier rows a short chunk rewrote too.
            if constexpr (Backward)
                if (weighted)
                    for (index i = e0 / n; i < r1; ++i) {
                        const T wi = c.sw.template at<T>(i);
                        for (T *g = c.g.data + std::max(e0, i * n), *g_end = c.g.data + (i + 1) * n; g < g_end; ++g)
                            *g *= wi;
                    }
        }
        return totalled ? total : sums.total();
    }

    /// The layouts a block of rows is compiled for: dense_column (one column, everything
    /// contiguous), dense_rows (row-major rows of 3 to 64 contiguous columns, staged by
    /// transposes, or 2 back to back, by permutes), both with a contiguous per_sample; general: any.
    enum class block_layout { general, dense_column, dense_rows };
    /// Blocks of pack<T>::width rows from begin to end (a multiple of the width apart). The loop
    /// is compiled with its block inlined: as a call per block, every constant of the loss (the
    /// exp polynomial's, the bounds…) was re-broadcast to the stack per call. The commonest
    /// narrow layouts, one or two columns in y_true and y_pred alike (binary classification,
    /// regression, custom_mse), run a copy of the loop in which the column count is a constant,
    /// so that every per-column loop of the block (reductions, gradient columns, staging)
    /// unrolls and its set-up folds away (a BCE block of 8 rows: a third of the instructions).
    /// Dense two-column rows are dense_rows with the width fixed (two permutes each way, none of
    /// the general copy's per-block layout tests: docs/perf-log.md); the general copy with two
    /// columns is kept for column-major pairs.
    ///
    /// Dense one-column batches (inputs and outputs contiguous, sample weights or not: binary
    /// classification, regression) run a plain copy of the block, in which none of the other
    /// layouts' code exists. In the general block, the gather/scatter index vectors of the
    /// strided paths and the run-time layout tests held registers and spilled a lane sum to the
    /// stack, a store-to-load round trip on the loop's carried chain; and a loss written to
    /// per_sample before y_pred was read again for the gradient made the compiler reload it (the
    /// pointers may alias, as far as it knows). The plain block reads the inputs into stack buffers first, which
    /// nothing else can alias. Dense row-major batches of 3 to 64 columns (y_true as wide as
    /// y_pred: categorical cross-entropy, multi-output regression) likewise run a copy that
    /// stages by transposes only: the general block reloaded its pointers and strides from the
    /// stack around every transpose.
    ///
    /// Row-major argument types on an ISA with tile transposes compile no general block: it was
    /// the largest copy of the loss (docs/perf-log.md), and such calls reach it only through rare
    /// layouts (a strided per_sample, strided or non-adjacent columns, y_true of another width),
    /// which then run row by row (one_row, the copy every call has for its tail rows). Returns
    /// the sum of those rows' w_i·L_i.
    /// The width of the dense_rows copy with a fixed column count: the static width of the
    /// argument types or the loss (weights of N columns), else 2, the commonest narrow rows (each
    /// per-column loop unrolls; the copy of any width is much slower there, docs/perf-log.md); 0
    /// where no dense row of a fixed width can come. With a static width and rows back to back
    /// (Reach::packed_rows) it is the only dense_rows copy: a y_true of one column (labels)
    /// beside it then runs row by row. A static width that the walk as one column takes (3 to 64
    /// columns of a separable loss, flat_walks_only) has none.
    template <class Reach, class T> static constexpr index fixed_dense_width() {
        constexpr bool staged = Reach::cols >= 2 && Reach::cols <= tuning::max_staged_columns;
        if constexpr (!tuning::transposes<T> || !Reach::rows_contiguous)
            return 0;
        else if constexpr (Reach::cols < 0)
            return 2;
        else
            return staged && !(flat_walks_only<Reach, T>() && Reach::cols != 2) ? Reach::cols : 0;
    }
    template <class Reach, class T> static constexpr bool general_block() {
        return !(tuning::transposes<T> && Reach::rows_contiguous && !Reach::batch_contiguous);
    }
    template <bool Backward, class Reach, class T, class G>
    double blocks_of_rows(const pass<T>& c, const G& grad, index begin, index end, simd::lane_sums<T>& sums) const {
        constexpr block_layout general = block_layout::general;
        if constexpr (tuning::groups_of_packs<T> && Reach::batch_contiguous &&
                      Reach::cols_may_be_in(tuning::column_major_group_from, std::numeric_limits<index>::max())) {
            // Column-major with many columns: groups of packs (simd/pack_group.hpp), then packs.
            if (c.t.row_stride == 1 && c.p.row_stride == 1 && c.p.cols >= tuning::column_major_group_from)
                return block_loop<Backward, general, 0, simd::pack_group<T, tuning::column_major_group>>(c, begin, end,
                                                                                                         sums),
                       0.0;
        }
        // Column-major batches of several columns stay in the general block: staged, they were
        // slower.
        const bool dense_column = c.ps.stride == 1 && c.t.row_stride == 1 && c.p.row_stride == 1 &&
                                  (!Backward || c.g.row_stride == 1) && c.t.cols == 1 && c.p.cols == 1;
        const bool dense_rows = lowering::takes_dense_rows<Backward>(c.t, c.p, c.g, c.ps.stride);
        // A softmax or a renormalisation over one column is the constant 1: a loss that normalises
        // rows (or reads the softmax of its logsumexp) meets one column only by mistake, and gets
        // no copy of its own for it (the walk below still answers).
        if constexpr (Reach::cols_may_be(1) && !lowering::normalises_rows<E>() &&
                      !lowering::memoizable<E, lowering::accumulated_gradient_t<E>>())
            if (dense_column) return block_loop<Backward, block_layout::dense_column, 1>(c, begin, end, sums), 0.0;
        constexpr index N = fixed_dense_width<Reach, T>();
        if constexpr (N > 0)
            if (dense_rows && c.p.cols == N && c.t.cols == N && c.t.row_stride == N && c.p.row_stride == N &&
                (!Backward || c.g.row_stride == N))
                return block_loop<Backward, block_layout::dense_rows, N>(c, begin, end, sums), 0.0;
        // Rows of a static width, back to back, all take the fixed copy.
        if constexpr (tuning::transposes<T> && Reach::rows_contiguous &&
                      Reach::cols_may_be_in(2, tuning::max_staged_columns) &&
                      !(N == Reach::cols && Reach::packed_rows) && !flat_walks_only<Reach, T>())
            if (dense_rows) return block_loop<Backward, block_layout::dense_rows, 0>(c, begin, end, sums), 0.0;
        // Column-major pairs of columns (six streams) keep a fixed-width copy of their own: the
        // general copy of any width was much slower (docs/perf-log.md).
        if constexpr (Reach::batch_contiguous && Reach::cols_may_be(2))
            if (c.t.cols == 2 && c.p.cols == 2 && c.t.row_stride == 1 && c.p.row_stride == 1)
                return block_loop<Backward, general, 2>(c, begin, end, sums), 0.0;
        if constexpr (general_block<Reach, T>()) {
            block_loop<Backward, general, 0>(c, begin, end, sums);
            return 0.0;
        } else {
            double total = 0;
            for (index i = begin; i < end; ++i) total += one_row<Backward, lanes::none>(c, grad, i);
            return total;
        }
    }
    /// The block loop of one layout: blocks of First (a pack, or a group of packs) while they fit,
    /// then of single packs. Each layout is a function of its own, flattened on its own: the
    /// optimiser's cost grows faster than the size of the function it works on. Columns: a
    /// fixed column count (1 or 2: every per-column loop of the block unrolls), or 0.
    template <bool Backward, block_layout Layout, index Columns, class First = void, class T>
    [[gnu::noinline]] LOSSC_FLATTEN void block_loop(const pass<T>& c, index begin, index end,
                                                    simd::lane_sums<T>& sums) const {
        // A local of the loop, not a parameter: passed in, its address took a register across
        // the largest blocks (docs/perf-log.md).
        const auto grad = evaluated_gradient_if<Backward>();
        pass<T> fixed = c;
        if constexpr (Columns > 0) {
            fixed.t.cols = fixed.p.cols = fixed.g.cols = Columns;
            fixed.dims.true_cols = fixed.dims.pred_cols = static_cast<std::size_t>(Columns);
        }
        // Dense rows of a fixed width are back to back (takes_dense_rows): only their permutes
        // are compiled, not the tiles'.
        if constexpr (Layout == block_layout::dense_rows && Columns > 0)
            fixed.t.row_stride = fixed.p.row_stride = fixed.g.row_stride = Columns;
        simd::lane_sums<T> acc = sums;  // a local, so that it can live in registers
        index i = begin;
        if constexpr (!std::is_void_v<First>)
            for (; i + First::width <= end; i += First::width)
                block_of_rows<Backward, Layout, T, First>(fixed, grad, i, end, acc);
        for (; i < end; i += pack<T>::width) block_of_rows<Backward, Layout>(fixed, grad, i, end, acc);
        sums = acc;
    }

    /// pack<T>::width consecutive samples, one per lane; adds w_i·L_i to lane i's partial sum.
    /// Unless the batch is contiguous already (column-major), the block's rows are first staged
    /// column by column into stack buffers (one gather per column), so that every pass over the
    /// row reads contiguous L1 instead of gathering again; the gradient is staged likewise and
    /// scattered once per column.
    /// Layout: one of blocks_of_rows's dense layouts, known at compile time, or general.
    /// P: pack<T>, or a group of packs (wide column-major batches, see blocks_of_rows).
    /// end: where this loop's blocks end; a block before it may read and write into the next
    /// block's rows, which the loop rewrites after it (simd::load_columns' room_after).
    template <bool Backward, block_layout Layout, class T, class P = pack<T>, class G>
    LOSSC_KERNEL_INLINE void block_of_rows(const pass<T>& c, const G& grad, index i, index end,
                                           simd::lane_sums<T>& sums) const {
        constexpr index w = P::width;
        const bool room_after = i + w < end;  // the next block's rows are this loop's (simd::load_columns)
        constexpr bool Plain = Layout == block_layout::dense_column, Rows = Layout == block_layout::dense_rows,
                       Dense = Plain || Rows;
        const bool contiguous = Plain || (!Rows && c.t.row_stride == 1 && c.p.row_stride == 1);
        const bool stage =
            Dense || (!contiguous && c.t.cols <= tuning::max_staged_columns && c.p.cols <= tuning::max_staged_columns);
        using logistic_base =
            typename decltype(lowering::logistic_memo_base<E, lowering::accumulated_gradient_t<E>>())::type;
        constexpr bool logistic = Backward && !std::is_void_v<logistic_base>;
        // Staging and memos are for blocks of one pack (a group's columns are contiguous and many).
        constexpr bool one_pack = std::is_same_v<P, pack<T>>;
        alignas(64) T t_buf[one_pack ? lowering::stage_size<T>() : 1], p_buf[one_pack ? lowering::stage_size<T>() : 1];
        alignas(64) T g_buf[Backward && one_pack ? lowering::stage_size<T>() : 1];
        alignas(64) T e_buf[logistic && one_pack ? lowering::stage_size<T>() : 1];
        row_block<T, logistic_base, P> rows{c.t.data + i * c.t.row_stride,
                                            c.t.row_stride,
                                            c.t_step(),
                                            c.p.data + i * c.p.row_stride,
                                            c.p.row_stride,
                                            c.p_step(),
                                            c.dims};
        if (one_pack && stage) {
            if constexpr (Plain) {
                for (index j = 0; j < c.t.cols; ++j) P::load(rows.t + j * c.t.col_stride).store(t_buf + j * w);
                for (index j = 0; j < c.p.cols; ++j) P::load(rows.p + j * c.p.col_stride).store(p_buf + j * w);
            } else if constexpr (Rows) {
                if (c.t.cols == 1)
                    P::load_strided(rows.t, c.t.row_stride).store(t_buf);  // labels
                else
                    simd::load_columns(rows.t, c.t.row_stride, c.t.cols, t_buf, room_after);
                simd::load_columns(rows.p, c.p.row_stride, c.p.cols, p_buf, room_after);
            } else {
                lowering::stage_in(rows.t, c.t, t_buf);
                lowering::stage_in(rows.p, c.p, p_buf);
            }
            rows = row_block<T, logistic_base, P>{t_buf, 1, c.t.cols == 1 ? 0 : w, p_buf, 1, c.p.cols == 1 ? 0 : w,
                                                  c.dims};
        }
        // Column-major: each column of y_true, y_pred and the gradient is a stream of its own
        // (30 for 10 columns), more than the hardware prefetchers follow: the block asks for the
        // lines column_major_ahead blocks ahead. (From 16 columns on, groups of packs read each
        // column in longer runs instead: see column_major_group.)
        if (!Dense && contiguous && !stage && c.p.cols <= tuning::max_staged_columns) {
            const index ahead = tuning::column_major_ahead(c.p.cols) * w;
            if (i + ahead < c.p.rows) {
                for (index j = 0; j < c.t.cols; ++j) simd::prefetch(rows.t + ahead + j * c.t.col_stride);
                for (index j = 0; j < c.p.cols; ++j) simd::prefetch(rows.p + ahead + j * c.p.col_stride);
                if (Backward && c.g.row_stride == 1)
                    for (index j = 0; j < c.g.cols; ++j)
                        simd::prefetch_for_write(c.g.data + i + ahead + j * c.g.col_stride);
            }
        }
        // exp(−|x|) of the loss's softplus/sigmoid, kept per column for the gradient's.
        logistic_memo<T> lmemo{};
        if constexpr (logistic && one_pack)
            if (c.p.cols <= tuning::max_staged_columns) lmemo.data = e_buf, rows.logistic = &lmemo;
        // Softmax from the logsumexp pass's exps, kept where the gradient will be written: the
        // staged gradient block, or (contiguous batch) the output columns themselves.
        exp_memo<T, P> memo{};
        if constexpr (Backward && lowering::memoizable<E, lowering::accumulated_gradient_t<E>>()) {
            if (one_pack && stage) memo.data = g_buf, memo.step = w, rows.memo = &memo;
            // Column-major output: for blocks of one pack only when the block's columns fit in L1
            // (with 1000 columns the early write cost more than the exp it saves); for groups always.
            else if (contiguous && c.g.row_stride == 1 && (!one_pack || c.p.cols <= tuning::max_staged_columns))
                memo.data = c.g.data + i * c.g.row_stride, memo.step = c.g.col_stride, rows.memo = &memo;
            else
                rows.memo = &memo;  // no place for the exps: the gradient recomputes them (exp_memo)
        }
        row_state<E, P> st{};
        prepare(expr_, st, rows, no_sharing{});
        const P loss = row_value<P>(expr_, st, rows, 0);
        if (c.stream && !c.losses_buffered && (Dense || c.ps.stride == 1))
            loss.store_stream(c.ps.data + i);
        else if (Dense)
            loss.store(c.ps.data + i);
        else
            loss.store_strided(c.ps.data + i * c.ps.stride, c.ps.stride);
        // Weights and gradient scales of the block's rows; without sample weights a broadcast.
        alignas(64) T wt[P::width];
        P sp(static_cast<T>(c.scale));
        if (c.sw.present()) {
            alignas(64) T s[P::width];
            for (int l = 0; l < P::width; ++l) {
                wt[l] = c.sw.template at<T>(i + l);
                s[l] = static_cast<T>(static_cast<double>(wt[l]) * c.scale);
            }
            sp = P::load(s);
        }
        if constexpr (Backward) {
            memo.for_gradient = true;
            lmemo.filled = true;
            // Groups of packs evaluate the derived tree: there a shared value is a group of
            // vectors, and a dozen of them cost GCC's RTL PRE minutes on the flattened block
            // (docs/perf-log.md). The tree is built per block: a copy of the loss's numbers.
            const auto& g = [&]() -> decltype(auto) {
                if constexpr (one_pack)
                    return (grad);
                else
                    return lowering::accumulated_gradient(expr_);
            }();
            row_state<std::remove_cvref_t<decltype(g)>, P> gs{};
            prepare(g, gs, rows, shared_stats<E, row_state<E, P>>{expr_, st});
            T* out = c.g.data + i * c.g.row_stride;
            // Dense rows beyond the caches: the next block's lines, spread over the columns (see
            // next_block_lines).
            const next_block_lines<T> next = Rows ? next_block_lines<T>(c, i + w) : next_block_lines<T>{};
            for (index j = 0; j < c.p.cols; ++j) {
                if (Rows && next.t != nullptr) {  // inline: as a function of its own, GCC 12 deleted the prefetches
                    simd::prefetch(next.t + j * w);
                    simd::prefetch(next.p + j * w);
                    if (!next.g_streamed) simd::prefetch_for_write(next.g + j * w);
                }
                const P gj = row_value<P>(g, gs, rows, static_cast<std::size_t>(j)) * sp;
                // Plain: straight to the output (the inputs are staged, nothing else reads it).
                if (Plain) c.stream ? gj.store_stream(out + j * c.g.col_stride) : gj.store(out + j * c.g.col_stride);
                // Staged: kept until every column is done (a column of y_pred may be read for all j).
                else if (one_pack && stage)
                    gj.store(g_buf + j * w);
                else if (c.stream && c.g.row_stride == 1 && rows.memo == nullptr)
                    gj.store_stream(out + j * c.g.col_stride);
                else
                    gj.store_strided(out + j * c.g.col_stride, c.g.row_stride);
            }
            if constexpr (Rows)
                simd::store_columns(out, c.g.row_stride, c.g.cols, g_buf, c.stream, room_after);
            else if (!Plain && one_pack && stage)
                lowering::stage_out(out, c.g, g_buf, c.stream);
        }
        if (c.sw.present())
            simd::add_products_to(sums, P::load(wt), loss);
        else
            simd::add_to(sums, loss);
    }

    /// The gradient as the kernels evaluate it, built where a block loop or a row starts (a
    /// copy of the loss's numbers), not held: a kernel is its loss, so that naming one
    /// (lossc::keras_compiled's users) derives nothing.
    /// Not inlined: one copy of its code per loss, where the derived tree it starts from (all
    /// of it, before the sharing picks) costs the optimiser most.
    [[gnu::noinline]] constexpr auto evaluated_gradient() const {
        return lowering::share<E>(lowering::accumulated_gradient(expr_));
    }
    template <bool Backward> constexpr auto evaluated_gradient_if() const {
        if constexpr (Backward)
            return evaluated_gradient();
        else
            return no_gradient{};
    }

    E expr_;
};

#undef LOSSC_WIDTHS_MESSAGE

template <class E> template <bool Backward, class Reach, class T>
T kernel<E>::run(matrix_view<const T> t, matrix_view<const T> p, vector_view<T> ps, matrix_view<T> g,
                 const options& opt) const {
    const bool broadcast = check_arguments(t, p, ps, Backward ? &g : nullptr, opt);
    const index n = p.rows;
    if (n == 0) return T(0);

    const sample_weights& sw = opt.sample_weight;
    // The divisors: this call's, or the whole batch's where the batch is split (options).
    const double scale = detail::reduction_scale(opt, n);
    const lowering::plan plan = lowering::make_plan(t, p, ps, Backward ? &g : nullptr, opt, broadcast,
                                                    lowering::memory_bound<E, lowering::accumulated_gradient_t<E>>());
    const pass<T> ctx{
        t,
        p,
        ps,
        g,
        sw,
        scale,
        input_dims{static_cast<std::size_t>(n), static_cast<std::size_t>(t.cols), static_cast<std::size_t>(p.cols)},
        plan.stream,
        plan.next_lines};
    const schedule sched = plan.sched;
    const index threads = plan.threads;
    double total = 0;
    if (threads == 1)
        total = rows<Backward, Reach, T>(ctx, sched, 0, n);
    else {
        const threaded_call<T> call{this, &ctx, sched};
        total = lowering::split_rows(&rows_of_call<Backward, Reach, T>, &call, n, threads, pack<T>::width);
    }
    return static_cast<T>(opt.reduction == reduction::sum ? total : total * scale);
}

/// Returned by compile() for a loss that broke a rule, after its static_assert fired: it has
/// no members, so nothing further is instantiated and the diagnostic stays short.
template <class E> struct rejected_loss {};

/// The front door: every static check, then a kernel. constexpr: `constexpr auto k = compile(l);`
template <expression E> constexpr auto compile(const E& loss) {
    diagnose<E>();
    if constexpr (is_valid_loss<node_t<E>>)
        return kernel<node_t<E>>{loss};
    else
        return rejected_loss<node_t<E>>{};
}

}  // namespace LOSSC_ISA
}  // namespace lossc
