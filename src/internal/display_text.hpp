// Outside input shown in an error message: cut short and escaped, so a bad value can neither
// flood nor corrupt the log line that reports it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace unimq::detail {

/// The first `limit` bytes of `text` with printable ASCII kept and every other byte as `\xNN`,
/// followed by "..." when `text` was longer.
inline std::string display_text(std::string_view text, std::size_t limit) {
  static constexpr const char* hex = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : text.substr(0, limit)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

}  // namespace unimq::detail
