// lossc::keras — the Keras 3 built-in losses: function forms (lossc expressions, for
// lossc::compile), the Loss wrapper (reductions, sample weights, masks, integer labels, axes)
// and the Keras class forms. Keras's rules and the table: docs/keras.md.
#pragma once
// classes.hpp first: a static_assert's include chain through it to loss.hpp is the shortest,
// and compile errors are read from the top
#include "keras/classes.hpp"
#include "keras/circle.hpp"
#include "keras/ctc.hpp"
#include "keras/compiled.hpp"
