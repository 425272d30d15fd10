// Numbers as people write them, for error messages ("0.5", "2", not "2.000000").
#pragma once

#include <cstdio>
#include <string>

namespace unimq::detail {

/// `value` with up to 15 significant digits and no trailing zeros.
inline std::string number_text(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  return buf;
}

}  // namespace unimq::detail
