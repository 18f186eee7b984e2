// lossc — configuration shared by every layer: index types and extent sentinels.
#pragma once
#include <cstddef>

namespace lossc {

using index = std::ptrdiff_t;

/// Static column extent of an expression whose width is only known at run time.
inline constexpr std::size_t dynamic_extent = static_cast<std::size_t>(-1);
/// Static column extent of an expression whose operands disagree (static check (d)).
inline constexpr std::size_t conflicting_extent = static_cast<std::size_t>(-2);

}  // namespace lossc
