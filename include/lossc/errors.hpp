// lossc — run-time errors. Misuse the type system can see is a static_assert instead.
#pragma once
#include <stdexcept>
#include <string>

namespace lossc {

/// Thrown before any output is written when the shapes, pointers or memory layout of the
/// arguments of a kernel call do not fit the expression (wrong rows or columns, null data with
/// a non-zero size, an output that overlaps an input). The message names the argument and the
/// shapes involved.
class shape_error : public std::invalid_argument {
public:
    explicit shape_error(const std::string& what) : std::invalid_argument("lossc: " + what) {}
};

}  // namespace lossc
