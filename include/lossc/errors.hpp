// lossc — run-time errors. Misuse the type system can see is a static_assert instead.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace lossc {

/// Thrown before any output is written when the shapes, pointers or memory layout of the
/// arguments of a kernel call do not fit the expression (wrong rows or columns, null data with
/// a non-zero size, an output that overlaps an input). The message names the argument and the
/// shapes involved.
class shape_error : public std::invalid_argument {
public:
    explicit shape_error(const std::string& what) : std::invalid_argument(std::string("lossc: ").append(what)) {}
};

namespace detail {
/// Concatenation for messages by appending: GCC 12 warns falsely (-Wrestrict, bug 105329) on
/// chains of std::string operator+ at -O2 and above.
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string s;
    (s.append(std::string_view(parts)), ...);
    return s;
}
inline std::string num(std::size_t v) { return std::to_string(v); }
inline std::string num(std::ptrdiff_t v) { return std::to_string(v); }
inline std::string shape(std::size_t r, std::size_t c) { return cat("(", num(r), ", ", num(c), ")"); }
inline std::string shape(std::ptrdiff_t r, std::ptrdiff_t c) { return cat("(", num(r), ", ", num(c), ")"); }
}  // namespace detail

}  // namespace lossc
