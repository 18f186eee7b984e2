// A small trainer that uses lossc for its loss: a two-layer perceptron (Eigen only, Adam) learns
// scikit-learn's handwritten digits (8×8 images, 10 classes; examples/train_mlp/export_digits.py
// writes them to CSV). Two heads, as a Keras model with two outputs: the digit (label-smoothed
// cross-entropy from logits, written below as a lossc expression, or Keras's built-in with
// --keras-loss) and an auxiliary regression of the ink in each half of the image (the README's
// weighted MSE), combined by lossc::keras::outputs with Keras's loss weights.
//
//   train_mlp --data build/digits.csv [--epochs 20] [--keras-loss] [--log build/train_mlp.csv]
//             [--check] (exit status 1 unless the test accuracy reaches 0.95, the loss falls and
//             the gradient agrees with finite differences of the whole network's loss)
//             [--sgd] (SGD with momentum instead of Adam) [--steps K] (stop after K steps)
//             [--dump FILE] (write the parameters) [--compare FILE] (exit status 1 unless the
//             parameters are within 1e-5 of FILE's)
//   mpirun -np 2 train_mlp_mpi ...  data-parallel (built where Open MPI is found): every
//             process takes its shard of each batch, reduces it with the whole batch's divisor
//             (global_batch_size), and the parameter gradients are summed with MPI_Allreduce.
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <lossc/keras/outputs.hpp>
#include <lossc/lossc.hpp>
#include <numeric>
#include <random>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef LOSSC_TRAIN_MPI
#include <mpi.h>
#endif

namespace k = lossc::keras;
using namespace lossc::dsl;

// ---- the losses ---------------------------------------------------------------------------------

inline constexpr int classes = 10;
inline constexpr double smoothing = 0.1;
// Cross-entropy from logits against labels smoothed towards uniform, as Keras's
// CategoricalCrossentropy(from_logits=True, label_smoothing=0.1).
inline constexpr auto smoothed_ce = -sum<1>((y_true * (1 - smoothing) + smoothing / classes) * log_softmax<1>(y_pred));
static_assert(lossc::depends_on_y_pred<decltype(smoothed_ce)>);  // Keras rule 1: a gradient flows
static_assert(lossc::output_rank<decltype(smoothed_ce)> == 1);   // rule 2: one loss per sample
// The auxiliary head: the README's weighted MSE (the right half weighs more).
inline constexpr auto custom_mse = sum<1>(square(y_pred - y_true) * weights(0.3, 0.7));
static_assert(lossc::depends_on_y_pred<decltype(custom_mse)> && lossc::output_rank<decltype(custom_mse)> == 1);

// model.compile(loss={"digit": ..., "aux": custom_mse}, loss_weights={"digit": 1.0, "aux": 0.2})
inline const auto model_loss = k::outputs(k::output<"digit">(smoothed_ce, 1.0), k::output<"aux">(custom_mse, 0.2));
inline const auto model_loss_keras =
    k::outputs(k::output<"digit">(k::CategoricalCrossentropy<true>(smoothing), 1.0), k::output<"aux">(custom_mse, 0.2));

// ---- data ---------------------------------------------------------------------------------------

template <class T> using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct dataset {
    matrix<float> x;       // pixels / 16
    matrix<float> onehot;  // (N, 10)
    matrix<float> ink;     // (N, 2): the ink of the left and right halves, in [0, 1]
    std::vector<int> label;
};

dataset read_digits(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (examples/train_mlp/export_digits.py writes it)");
    std::vector<std::array<float, 64>> rows;
    std::vector<int> labels;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::stringstream s(line);
        std::array<float, 64> px{};
        std::string cell;
        for (float& v : px) {
            std::getline(s, cell, ',');
            v = std::stof(cell) / 16.0f;
        }
        std::getline(s, cell, ',');
        rows.push_back(px);
        labels.push_back(std::stoi(cell));
    }
    const auto n = static_cast<Eigen::Index>(rows.size());
    dataset d{matrix<float>(n, 64), matrix<float>::Zero(n, classes), matrix<float>(n, 2), labels};
    for (Eigen::Index i = 0; i < n; ++i) {
        float left = 0, right = 0;
        for (int j = 0; j < 64; ++j) {
            d.x(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
            (j % 8 < 4 ? left : right) += d.x(i, j);
        }
        d.onehot(i, labels[static_cast<std::size_t>(i)]) = 1;
        d.ink(i, 0) = left / 32, d.ink(i, 1) = right / 32;
    }
    return d;
}

dataset rows_of(const dataset& d, std::span<const int> idx) {
    const auto n = static_cast<Eigen::Index>(idx.size());
    dataset out{matrix<float>(n, 64), matrix<float>(n, classes), matrix<float>(n, 2), {}};
    for (Eigen::Index i = 0; i < n; ++i) {
        const int r = idx[static_cast<std::size_t>(i)];
        out.x.row(i) = d.x.row(r), out.onehot.row(i) = d.onehot.row(r), out.ink.row(i) = d.ink.row(r);
        out.label.push_back(d.label[static_cast<std::size_t>(r)]);
    }
    return out;
}

// ---- the network ----------------------------------------------------------------------------------

/// 64 → hidden (ReLU) → 10 logits, and hidden → 2 (the auxiliary regression).
template <class T> struct mlp {
    static constexpr int hidden = 64;
    // W1, b1, W2, b2, W3, b3
    std::array<matrix<T>, 6> p;
    explicit mlp(unsigned seed) {
        std::mt19937 rng(seed);
        const auto he = [&](Eigen::Index rows, Eigen::Index cols) {
            std::normal_distribution<double> n(0.0, std::sqrt(2.0 / static_cast<double>(rows)));
            matrix<T> m(rows, cols);
            for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(n(rng));
            return m;
        };
        p = {he(64, hidden), matrix<T>::Zero(1, hidden), he(hidden, classes), matrix<T>::Zero(1, classes),
             he(hidden, 2),  matrix<T>::Zero(1, 2)};
    }
    template <class U> explicit mlp(const mlp<U>& o) {
        for (std::size_t i = 0; i < p.size(); ++i) p[i] = o.p[i].template cast<T>();
    }
    struct activations {
        matrix<T> h, logits, aux;
    };
    activations forward(const matrix<T>& x) const {
        activations a;
        a.h = ((x * p[0]).rowwise() + p[1].row(0)).cwiseMax(T(0));
        a.logits = (a.h * p[2]).rowwise() + p[3].row(0);
        a.aux = (a.h * p[4]).rowwise() + p[5].row(0);
        return a;
    }
    /// d(loss)/d(parameters) from d(loss)/d(logits) and d(loss)/d(aux), which lossc gives.
    std::array<matrix<T>, 6> backward(const matrix<T>& x, const activations& a, const matrix<T>& dlogits,
                                      const matrix<T>& daux) const {
        std::array<matrix<T>, 6> g;
        g[2] = a.h.transpose() * dlogits;
        g[3] = dlogits.colwise().sum();
        g[4] = a.h.transpose() * daux;
        g[5] = daux.colwise().sum();
        const matrix<T> dh =
            ((dlogits * p[2].transpose() + daux * p[4].transpose()).array() * (a.h.array() > T(0)).template cast<T>())
                .matrix();
        g[0] = x.transpose() * dh;
        g[1] = dh.colwise().sum();
        return g;
    }
};

/// Adam (Kingma & Ba), Keras's defaults but the learning rate.
template <class T> struct adam {
    double lr = 3e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-7;
    std::array<matrix<T>, 6> m, v;
    long step = 0;
    explicit adam(const mlp<T>& net) {
        for (std::size_t i = 0; i < 6; ++i) m[i] = v[i] = matrix<T>::Zero(net.p[i].rows(), net.p[i].cols());
    }
    void update(mlp<T>& net, const std::array<matrix<T>, 6>& g) {
        ++step;
        const double c1 = 1 - std::pow(beta1, static_cast<double>(step)),
                     c2 = 1 - std::pow(beta2, static_cast<double>(step));
        for (std::size_t i = 0; i < 6; ++i) {
            m[i] = T(beta1) * m[i] + T(1 - beta1) * g[i];
            v[i] = T(beta2) * v[i] + T(1 - beta2) * g[i].cwiseProduct(g[i]);
            net.p[i].array() -= T(lr / c1) * m[i].array() / ((v[i].array() / T(c2)).sqrt() + T(eps));
        }
    }
};

/// SGD with momentum (for the data-parallel equality test: Adam's first steps divide each
/// gradient by its own size, which makes a parameter whose gradient is nearly 0 follow the sign
/// of its rounding error).
template <class T> struct sgd_momentum {
    double lr = 0.05, momentum = 0.9;
    std::array<matrix<T>, 6> velocity;
    explicit sgd_momentum(const mlp<T>& net) {
        for (std::size_t i = 0; i < 6; ++i) velocity[i] = matrix<T>::Zero(net.p[i].rows(), net.p[i].cols());
    }
    void update(mlp<T>& net, const std::array<matrix<T>, 6>& g) {
        for (std::size_t i = 0; i < 6; ++i) {
            velocity[i] = T(momentum) * velocity[i] - T(lr) * g[i];
            net.p[i] += velocity[i];
        }
    }
};

// ---- processes (data parallel) --------------------------------------------------------------------

/// This process's place among the data-parallel processes: one process without MPI.
struct processes {
    int rank = 0, size = 1;
    /// Sums each gradient array over the processes, in place.
    void sum(std::array<matrix<float>, 6>& g) const {
#ifdef LOSSC_TRAIN_MPI
        for (auto& m : g)
            MPI_Allreduce(MPI_IN_PLACE, m.data(), static_cast<int>(m.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
#else
        (void)g;
#endif
    }
    double sum(double v) const {
#ifdef LOSSC_TRAIN_MPI
        MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#endif
        return v;
    }
};

// ---- one loss evaluation through lossc ------------------------------------------------------------

template <class T> struct loss_grad {
    T total;
    matrix<T> dlogits, daux;
};
/// The model's loss on a batch, and its gradient with respect to both heads' outputs. A shard of
/// a batch split over processes passes the whole batch's size: each head then divides by it, and
/// the shards' losses and gradients add up to the whole batch's.
template <class Model, class T> loss_grad<T> model_loss_of(const Model& model, const typename mlp<T>::activations& a,
                                                           const matrix<T>& onehot, const matrix<T>& ink,
                                                           Eigen::Index whole_batch = 0) {
    loss_grad<T> r{T(0), matrix<T>(a.logits.rows(), a.logits.cols()), matrix<T>(a.aux.rows(), a.aux.cols())};
    r.total =
        model
            .value_and_grad(k::at<"digit">(onehot, a.logits,
                                           {.grad = {r.dlogits.data(), static_cast<std::size_t>(r.dlogits.size())},
                                            .global_batch_size = whole_batch}),
                            k::at<"aux">(ink, a.aux,
                                         {.grad = {r.daux.data(), static_cast<std::size_t>(r.daux.size())},
                                          .global_batch_size = whole_batch}))
            .total;
    return r;
}

double accuracy(const mlp<float>& net, const dataset& d) {
    const matrix<float> logits = net.forward(d.x).logits;
    int right = 0;
    for (Eigen::Index i = 0; i < logits.rows(); ++i) {
        Eigen::Index arg = 0;
        logits.row(i).maxCoeff(&arg);
        right += arg == d.label[static_cast<std::size_t>(i)];
    }
    return static_cast<double>(right) / static_cast<double>(logits.rows());
}

/// The whole network's gradient (lossc's head gradients, then backpropagation) against central
/// differences of the network's loss, in double, on one batch: the largest relative error over
/// a sample of parameters of every layer.
template <class Model> double gradient_check(const Model& model, const mlp<float>& trained, const dataset& batch) {
    const mlp<double> net(trained);
    const matrix<double> x = batch.x.cast<double>(), y = batch.onehot.cast<double>(), ink = batch.ink.cast<double>();
    const auto a = net.forward(x);
    const auto lg = model_loss_of<Model, double>(model, a, y, ink);
    const auto g = net.backward(x, a, lg.dlogits, lg.daux);
    std::mt19937 rng(5);
    double worst = 0;
    for (std::size_t layer = 0; layer < 6; ++layer) {
        for (int probe = 0; probe < 8; ++probe) {
            const auto idx = static_cast<Eigen::Index>(rng() % static_cast<unsigned>(net.p[layer].size()));
            const double h = 1e-6;
            mlp<double> plus = net, minus = net;
            plus.p[layer].data()[idx] += h;
            minus.p[layer].data()[idx] -= h;
            const double fp = model_loss_of<Model, double>(model, plus.forward(x), y, ink).total;
            const double fm = model_loss_of<Model, double>(model, minus.forward(x), y, ink).total;
            const double fd = (fp - fm) / (2 * h), an = g[layer].data()[idx];
            worst = std::max(worst, std::abs(fd - an) / std::max(1e-3, std::abs(fd) + std::abs(an)));
        }
    }
    return worst;
}

/// What a run does besides training (the command line).
struct run_options {
    std::string data = "build/digits.csv", log = "build/train_mlp.csv", dump, compare;
    int epochs = 20;
    long steps = -1;  // stop after this many steps (-1: run every epoch)
    bool keras_loss = false, check = false, sgd = false;
};

void write_parameters(const mlp<float>& net, const std::string& path) {
    std::ofstream out(path);
    out.precision(9);
    for (const auto& m : net.p)
        for (Eigen::Index i = 0; i < m.size(); ++i) out << m.data()[i] << '\n';
}
/// The largest difference between the parameters and those written to `path`.
double parameter_difference(const mlp<float>& net, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    double worst = 0, v = 0;
    for (const auto& m : net.p)
        for (Eigen::Index i = 0; i < m.size(); ++i) {
            if (!(in >> v)) throw std::runtime_error(path + " holds fewer parameters than the network");
            worst = std::max(worst, std::abs(v - static_cast<double>(m.data()[i])));
        }
    return worst;
}

template <class Model, class Optimizer>
int train(const Model& model, const dataset& all, const run_options& o, const processes& procs) {
    const bool talk = procs.rank == 0;
    // 80 % to train, 20 % held back, shuffled with a fixed seed (the same on every process)
    std::vector<int> order(static_cast<std::size_t>(all.x.rows()));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    const std::size_t n_train = order.size() * 4 / 5;
    const dataset train_set = rows_of(all, std::span(order).first(n_train));
    const dataset test_set = rows_of(all, std::span(order).subspan(n_train));
    if (talk)
        std::printf(
            "digits: %td samples, %zu to train, %zu held back; two heads: digit (1.0), aux (0.2); %s; %d process%s\n",
            all.x.rows(), n_train, order.size() - n_train, o.sgd ? "SGD with momentum" : "Adam", procs.size,
            procs.size == 1 ? "" : "es, each a shard of every batch");

    mlp<float> net(7);
    Optimizer opt(net);
    std::ofstream log;
    if (talk) {
        log.open(o.log);
        log << "epoch,loss,train_accuracy,test_accuracy\n";
    }
    constexpr std::size_t batch = 32;
    // This process's rows of every batch.
    const std::size_t shard_begin = batch * static_cast<std::size_t>(procs.rank) / static_cast<std::size_t>(procs.size);
    const std::size_t shard_end =
        batch * static_cast<std::size_t>(procs.rank + 1) / static_cast<std::size_t>(procs.size);
    std::vector<int> idx(n_train);
    std::iota(idx.begin(), idx.end(), 0);
    std::mt19937 rng(11);
    double first_loss = 0, last_loss = 0, test_acc = 0;
    long step = 0;
    for (int epoch = 1; epoch <= o.epochs && step != o.steps; ++epoch) {
        std::shuffle(idx.begin(), idx.end(), rng);
        double loss_sum = 0, loss_seconds = 0;
        int steps = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t s = 0; s + batch <= n_train && step != o.steps; s += batch, ++step) {
            const dataset b = rows_of(train_set, std::span(idx).subspan(s + shard_begin, shard_end - shard_begin));
            const auto a = net.forward(b.x);
            const auto l0 = std::chrono::steady_clock::now();
            const auto lg = model_loss_of<Model, float>(model, a, b.onehot, b.ink, static_cast<Eigen::Index>(batch));
            loss_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - l0).count();
            auto g = net.backward(b.x, a, lg.dlogits, lg.daux);
            procs.sum(g);  // the whole batch's gradient: the shards' add up
            opt.update(net, g);
            loss_sum += procs.sum(static_cast<double>(lg.total));
            ++steps;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double mean_loss = loss_sum / std::max(steps, 1);
        if (epoch == 1) first_loss = mean_loss;
        last_loss = mean_loss;
        if (talk) {  // the other processes hold the same parameters: one evaluation is enough
            const double train_acc = accuracy(net, train_set);
            test_acc = accuracy(net, test_set);
            std::printf("epoch %2d  loss %.4f  train %.4f  test %.4f  %.1f ms (loss %.0f%% of the steps)\n", epoch,
                        mean_loss, train_acc, test_acc, 1e3 * seconds, 100 * loss_seconds / seconds);
            log << epoch << ',' << mean_loss << ',' << train_acc << ',' << test_acc << '\n';
        }
    }
    int status = 0;
    if (talk && !o.dump.empty()) write_parameters(net, o.dump);
    if (talk && !o.compare.empty()) {
        const double diff = parameter_difference(net, o.compare);
        const bool ok = diff <= 1e-5;
        std::printf("compare: after %ld steps the parameters differ from %s's by at most %.2e (<= 1e-5: %s)\n", step,
                    o.compare.c_str(), diff, ok ? "yes" : "NO");
        status |= ok ? 0 : 1;
    }
    if (talk && o.check) {
        const double worst = gradient_check(model, net, rows_of(test_set, std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
        const bool ok_acc = test_acc >= 0.95, ok_loss = last_loss < 0.5 * first_loss, ok_grad = worst < 1e-5;
        std::printf(
            "check: test accuracy %.4f (>= 0.95: %s), loss %.4f -> %.4f (halved: %s), gradient against central "
            "differences of the network's loss: worst relative error %.2e (< 1e-5: %s)\n",
            test_acc, ok_acc ? "yes" : "NO", first_loss, last_loss, ok_loss ? "yes" : "NO", worst,
            ok_grad ? "yes" : "NO");
        status |= ok_acc && ok_loss && ok_grad ? 0 : 1;
    }
    return status;
}

template <class Model> int train(const Model& model, const dataset& all, const run_options& o, const processes& procs) {
    return o.sgd ? train<Model, sgd_momentum<float>>(model, all, o, procs)
                 : train<Model, adam<float>>(model, all, o, procs);
}

int run(int argc, char** argv, const processes& procs) {
    run_options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool more = i + 1 < argc;
        if (a == "--data" && more)
            o.data = argv[++i];
        else if (a == "--log" && more)
            o.log = argv[++i];
        else if (a == "--epochs" && more)
            o.epochs = std::atoi(argv[++i]);
        else if (a == "--steps" && more)
            o.steps = std::atol(argv[++i]);
        else if (a == "--dump" && more)
            o.dump = argv[++i];
        else if (a == "--compare" && more)
            o.compare = argv[++i];
        else if (a == "--keras-loss")
            o.keras_loss = true;
        else if (a == "--check")
            o.check = true;
        else if (a == "--sgd")
            o.sgd = true;
        else {
            std::fprintf(stderr,
                         "usage: train_mlp [--data CSV] [--epochs N] [--keras-loss] [--log CSV] [--check] [--sgd] "
                         "[--steps K] [--dump FILE] [--compare FILE]\n");
            return 2;
        }
    }
    try {
        const dataset d = read_digits(o.data);
        if (procs.rank == 0)
            std::printf("loss: %s\n", o.keras_loss ? "keras::CategoricalCrossentropy<true>(0.1)"
                                                   : "the lossc expression smoothed_ce");
        return o.keras_loss ? train(model_loss_keras, d, o, procs) : train(model_loss, d, o, procs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "train_mlp: %s\n", e.what());
        return 2;
    }
}

int main(int argc, char** argv) {
#ifdef LOSSC_TRAIN_MPI
    MPI_Init(&argc, &argv);
    processes procs;
    MPI_Comm_rank(MPI_COMM_WORLD, &procs.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &procs.size);
    int status = procs.size > 32 ? 2 : run(argc, argv, procs);
    if (procs.size > 32 && procs.rank == 0) std::fprintf(stderr, "train_mlp: at most 32 processes (one sample each)\n");
    MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
#else
    return run(argc, argv, processes{});
#endif
}
