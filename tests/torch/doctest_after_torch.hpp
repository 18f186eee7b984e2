// doctest after libtorch: Debian's libtorch logs through glog, whose CHECK, CHECK_EQ, … would
// replace doctest's assertions (and abort on the first failure). Include this after torch's headers.
#pragma once
#undef CHECK
#undef CHECK_EQ
#undef CHECK_NE
#undef CHECK_LT
#undef CHECK_LE
#undef CHECK_GT
#undef CHECK_GE
#include <doctest/doctest.h>
