// The C++ side of the differential test against real Keras (tests/keras/differential.py): reads
// cases from stdin (one Keras loss class, its parameters, reduction, axis, inputs, sample weight
// and mask per case), runs each through lossc::keras, and prints the reduced loss, the
// reduction="none" values and the gradient, or the lossc exception the case raised. A case
// whose class is "get:<name>" runs the loss lossc::keras::visit_loss finds by that Keras name;
// `keras_diff --names` prints the names the catalog resolves.
#include <lossc/keras/by_name.hpp>
#include <lossc/lossc.hpp>

#include <cstdint>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace k = lossc::keras;
using idx = lossc::index;

namespace {

/// bool tensors are stored as bytes (std::vector<bool> has no data()).
struct mask_byte {
    bool b = false;
};
template <class T> using storage_of = std::conditional_t<std::is_same_v<T, bool>, mask_byte, T>;
static_assert(sizeof(mask_byte) == sizeof(bool));

template <class T> struct tensor_data {
    std::vector<storage_of<T>> values;
    std::vector<idx> dims;
    k::tensor_view<const T> view() const {
        k::tensor_view<const T> v;
        v.data = reinterpret_cast<const T*>(values.data());
        v.rank = static_cast<int>(dims.size());
        for (std::size_t i = 0; i < dims.size(); ++i) v.shape[i] = dims[i];
        return v;
    }
};

template <class T> tensor_data<T> read_tensor(std::istream& in) {
    tensor_data<T> t;
    int rank = 0;
    in >> rank;
    t.dims.resize(static_cast<std::size_t>(rank));
    idx n = 1;
    for (auto& d : t.dims) {
        in >> d;
        n *= d;
    }
    t.values.resize(static_cast<std::size_t>(n));
    for (auto& v : t.values) {
        if constexpr (std::is_same_v<T, bool>) {
            int b = 0;
            in >> b;
            v.b = b != 0;
        } else if constexpr (std::is_floating_point_v<T>) {
            std::string word;  // "nan" and "inf" too, which operator>> does not read
            in >> word;
            v = static_cast<T>(std::strtod(word.c_str(), nullptr));
        } else
            in >> v;
    }
    return t;
}

struct test_case {
    std::string id, cls;
    bool from_logits = false;
    std::vector<double> params;
    k::reduction red = k::reduction::sum_over_batch_size;
    k::axes axis = -1;
    std::optional<std::int64_t> ignore;
    char label_kind = 'f';  // f: float32, i: int32, l: int64
    tensor_data<float> y_true_f, y_pred, weight;
    tensor_data<std::int32_t> y_true_i;
    tensor_data<std::int64_t> y_true_l;
    bool has_weight = false, scalar_weight = false;
    double weight_value = 1;
    tensor_data<bool> mask;
    bool has_mask = false;
    idx values = 0;  // the number of per-sample losses
};

bool read_case(std::istream& in, test_case& c) {
    if (!(in >> c.id >> c.cls)) return false;
    int fl = 0, np = 0;
    in >> fl >> np;
    c.from_logits = fl != 0;
    c.params.resize(static_cast<std::size_t>(np));
    for (auto& p : c.params) in >> p;
    std::string red, axis, ignore;
    in >> red;
    c.red = red == "sum"                       ? k::reduction::sum
            : red == "none"                    ? k::reduction::none
            : red == "mean_with_sample_weight" ? k::reduction::mean_with_sample_weight
            : red == "mean"                    ? k::reduction::mean
                                               : k::reduction::sum_over_batch_size;
    in >> axis;
    if (axis == "all")
        c.axis = k::all_axes;
    else {
        const int count = std::stoi(axis);
        k::axes a = -1;
        a.count = count;
        for (int i = 0; i < count; ++i) in >> a.list[static_cast<std::size_t>(i)];
        c.axis = a;
    }
    in >> ignore;
    if (ignore != "none") c.ignore = std::stoll(ignore);
    in >> c.label_kind;
    if (c.label_kind == 'i')
        c.y_true_i = read_tensor<std::int32_t>(in);
    else if (c.label_kind == 'l')
        c.y_true_l = read_tensor<std::int64_t>(in);
    else
        c.y_true_f = read_tensor<float>(in);
    c.y_pred = read_tensor<float>(in);
    std::string w;
    in >> w;
    if (w == "scalar")
        c.has_weight = c.scalar_weight = true, in >> c.weight_value;
    else if (w == "tensor")
        c.has_weight = true, c.weight = read_tensor<float>(in);
    std::string m;
    in >> m;
    if (m == "tensor") c.has_mask = true, c.mask = read_tensor<bool>(in);
    in >> c.values;
    return true;
}

template <class Loss> void run(const test_case& c, const Loss& loss) {
    std::vector<float> grad(c.y_pred.values.size()), values(static_cast<std::size_t>(c.values));
    k::call_args<float> args;
    if (c.scalar_weight)
        args.sample_weight = c.weight_value;
    else if (c.has_weight)
        args.sample_weight = c.weight.view();
    if (c.has_mask) args.mask = c.mask.view();
    args.grad = grad;
    args.values = values;
    constexpr bool ids = Loss::uses_labels;
    float r = 0;
    if constexpr (ids) {  // integer labels only for the losses over class ids
        if (c.label_kind == 'i')
            r = loss(c.y_true_i.view(), c.y_pred.view(), args);
        else if (c.label_kind == 'l')
            r = loss(c.y_true_l.view(), c.y_pred.view(), args);
        else
            r = loss(c.y_true_f.view(), c.y_pred.view(), args);
    } else
        r = loss(c.y_true_f.view(), c.y_pred.view(), args);
    std::cout << c.id << " ok " << std::setprecision(9) << r << ' ' << values.size();
    for (float v : values) std::cout << ' ' << v;
    std::cout << ' ' << grad.size();
    for (float g : grad) std::cout << ' ' << g;
    std::cout << '\n';
}

template <class F> void with_loss(const test_case& c, F&& f) {
    const auto& q = c.params;
    const auto r = c.red;
    const auto& cls = c.cls;
    const bool fl = c.from_logits;
    if (cls.starts_with("get:")) return k::visit_loss(std::string_view(cls).substr(4), f);
    if (cls == "MeanSquaredError") return f(k::MeanSquaredError(r));
    if (cls == "MeanAbsoluteError") return f(k::MeanAbsoluteError(r));
    if (cls == "MeanAbsolutePercentageError") return f(k::MeanAbsolutePercentageError(r));
    if (cls == "MeanSquaredLogarithmicError") return f(k::MeanSquaredLogarithmicError(r));
    if (cls == "CosineSimilarity") return f(k::CosineSimilarity(c.axis, r));
    if (cls == "Huber") return f(k::Huber(q.at(0), r));
    if (cls == "LogCosh") return f(k::LogCosh(r));
    if (cls == "Hinge") return f(k::Hinge(r));
    if (cls == "SquaredHinge") return f(k::SquaredHinge(r));
    if (cls == "CategoricalHinge") return f(k::CategoricalHinge(r));
    if (cls == "KLDivergence") return f(k::KLDivergence(r));
    if (cls == "Poisson") return f(k::Poisson(r));
    if (cls == "BinaryCrossentropy")
        return fl ? f(k::BinaryCrossentropy<true>(q.at(0), c.axis, r))
                  : f(k::BinaryCrossentropy<false>(q.at(0), c.axis, r));
    if (cls == "BinaryFocalCrossentropy")
        return fl ? f(k::BinaryFocalCrossentropy<true>(q.at(0) != 0, q.at(1), q.at(2), q.at(3), c.axis, r))
                  : f(k::BinaryFocalCrossentropy<false>(q.at(0) != 0, q.at(1), q.at(2), q.at(3), c.axis, r));
    if (cls == "CategoricalCrossentropy")
        return fl ? f(k::CategoricalCrossentropy<true>(q.at(0), c.axis, r))
                  : f(k::CategoricalCrossentropy<false>(q.at(0), c.axis, r));
    if (cls == "SparseCategoricalCrossentropy")
        return fl ? f(k::SparseCategoricalCrossentropy<true>(c.ignore, r, c.axis))
                  : f(k::SparseCategoricalCrossentropy<false>(c.ignore, r, c.axis));
    if (cls == "CategoricalFocalCrossentropy")
        return fl ? f(k::CategoricalFocalCrossentropy<true>(q.at(0), q.at(1), q.at(2), c.axis, r))
                  : f(k::CategoricalFocalCrossentropy<false>(q.at(0), q.at(1), q.at(2), c.axis, r));
    if (cls == "CategoricalGeneralizedCrossEntropy") return f(k::CategoricalGeneralizedCrossEntropy(q.at(0), r));
    if (cls == "Dice") return f(k::Dice(r, c.axis));
    if (cls == "Tversky") return f(k::Tversky(q.at(0), q.at(1), r, c.axis));
    if (cls == "Circle") return f(k::Circle(q.at(0), q.at(1), q.at(2) != 0, r));
    if (cls == "CTC") return f(k::CTC(r));
    throw std::runtime_error("unknown loss class " + cls);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "--names") {
        for (std::string_view name : k::detail::name_views) {
            bool resolves = true;
            try {
                k::visit_loss(name, [](const auto&) {});
            } catch (const lossc::parameter_error&) {
                resolves = false;
            }
            std::cout << name << (resolves ? "" : " missing") << '\n';
        }
        return 0;
    }
    test_case c;
    while (read_case(std::cin, c)) {
        try {
            with_loss(c, [&](const auto& loss) { run(c, loss); });
        } catch (const lossc::label_error& e) {
            std::cout << c.id << " error label_error\n";
        } catch (const lossc::parameter_error& e) {
            std::cout << c.id << " error parameter_error\n";
        } catch (const lossc::shape_error& e) {
            std::cout << c.id << " error shape_error\n";
        }
        c = test_case{};
    }
}
