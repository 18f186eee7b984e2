// lossc::keras — the Keras 3 built-in losses: function forms (lossc expressions, for
// lossc::compile), the Loss wrapper (reductions, sample weights, masks, integer labels, axes)
// and the Keras class forms. Semantics: ../shared/keras-semantics.md; table: docs/keras.md.
#pragma once
#include "keras/circle.hpp"
#include "keras/classes.hpp"
#include "keras/ctc.hpp"
#include "keras/compiled.hpp"
