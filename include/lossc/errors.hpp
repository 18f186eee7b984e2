// lossc — run-time errors. Misuse the type system can see is a static_assert instead.
#pragma once
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

// Default visibility whatever -fvisibility says: a dispatched loss's parts (dispatch.hpp) are
// shared libraries built with hidden visibility, and an exception they throw must still match its
// type in the caller's catch.
#if defined(__GNUC__) || defined(__clang__)
#define LOSSC_EXPORTED [[gnu::visibility("default")]]
#else
#define LOSSC_EXPORTED
#endif

namespace lossc {

/// Thrown before any output is written when the shapes, pointers or memory layout of the
/// arguments of a kernel call do not fit the expression (wrong rows or columns, a negative
/// extent, null data with a non-zero size, extents and strides beyond the address space, an
/// output that overlaps an input, a weights(span) or another output, an output whose strides
/// write an element twice). The message names the argument and the shapes involved.
class LOSSC_EXPORTED shape_error : public std::invalid_argument {
public:
    explicit shape_error(const std::string& what) : std::invalid_argument(std::string("lossc: ").append(what)) {}
};

/// Thrown before any output is written when an integer class label lies outside [0, classes)
/// (and is not the ignored class): the message names the sample, the label and the class count.
class LOSSC_EXPORTED label_error : public std::out_of_range {
public:
    explicit label_error(const std::string& what) : std::out_of_range(std::string("lossc: ").append(what)) {}
};

/// Thrown when a loss parameter lies outside the range its formula allows (Keras raises
/// ValueError for the same values): a generalized cross-entropy q outside (0, 1), a label
/// smoothing outside [0, 1], an axis the loss cannot reduce; and an options enum (reduction,
/// schedule, stores) holding a value outside its enumerators.
class LOSSC_EXPORTED parameter_error : public std::invalid_argument {
public:
    explicit parameter_error(const std::string& what) : std::invalid_argument(std::string("lossc: ").append(what)) {}
};

/// Thrown by a dispatched loss (dispatch.hpp) asked for an instruction set it was not compiled
/// for or that the CPU cannot run, and for an unknown LOSSC_DISPATCH value.
class LOSSC_EXPORTED dispatch_error : public std::runtime_error {
public:
    explicit dispatch_error(const std::string& what) : std::runtime_error(std::string("lossc: ").append(what)) {}
};

namespace detail {
/// Concatenation for messages by appending: GCC 12 warns falsely (-Wrestrict, bug 105329) on
/// chains of std::string operator+ at -O2 and above.
/// One out-of-line function does the appending: every message of a program shares it, where an
/// appending template per argument list was compiled again for each (string code at -O2).
[[gnu::noinline]] inline std::string cat_views(std::initializer_list<std::string_view> parts) {
    std::string s;
    for (const std::string_view p : parts) s.append(p);
    return s;
}
template <class... Parts> std::string cat(const Parts&... parts) { return cat_views({std::string_view(parts)...}); }
template <class I>
requires std::is_integral_v<I> std::string num(I v) { return std::to_string(v); }
template <class I>
requires std::is_integral_v<I> std::string shape(I rows, I cols) { return cat("(", num(rows), ", ", num(cols), ")"); }
}  // namespace detail

}  // namespace lossc
