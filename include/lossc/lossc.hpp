// lossc — umbrella header. `using namespace lossc::dsl;` brings the expression vocabulary.
#pragma once
// The vocabulary and the diagnostics first: a static_assert they fire is then reported with
// the shortest include chain.
#include "expr/vocabulary.hpp"
#include "analysis/diagnose.hpp"
#include "analysis/shapes.hpp"
#include "analysis/traits.hpp"
#include "diff/reverse.hpp"
#include "eigen/views.hpp"
#include "errors.hpp"
#include "eval/batch_reference.hpp"
#include "eval/reference.hpp"
#include "lower/pair_kernel.hpp"
#include "lower/kernel.hpp"
#include "options.hpp"
#include "print/to_string.hpp"

namespace lossc::dsl {
using lossc::clip;
using lossc::equal;
using lossc::log;
using lossc::log1p;
using lossc::maximum;
using lossc::minimum;
using lossc::not_equal;
using lossc::pow;
using lossc::weights;
using lossc::where;
using lossc::y_pred;
using lossc::y_true;
#define LOSSC_DSL_USING(fn, op) using lossc::fn;
LOSSC_UNARY_FUNCTIONS(LOSSC_DSL_USING)
#undef LOSSC_DSL_USING
using lossc::batch_loss;
using lossc::batch_mean;
using lossc::batch_sum;
using lossc::col;
using lossc::cols;
using lossc::cols_from;
using lossc::column_index;
using lossc::l2_normalize;
using lossc::labels;
using lossc::log_softmax;
using lossc::logsumexp;
using lossc::max;
using lossc::mean;
using lossc::min;
using lossc::one_hot;
using lossc::other;
using lossc::pair_logsumexp;
using lossc::pair_max;
using lossc::pair_mean;
using lossc::pair_min;
using lossc::pair_sum;
using lossc::same_sample;
using lossc::softmax;
using lossc::sum;
using lossc::operator+;
using lossc::operator-;
using lossc::operator*;
using lossc::operator/;
using lossc::operator<;
using lossc::operator<=;
using lossc::operator>;
using lossc::operator>=;
}  // namespace lossc::dsl

// The Keras catalog (lossc::keras), last: it is written in the vocabulary above.
#include "keras.hpp"
