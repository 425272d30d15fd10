// Header-name rules shared by every backend: checked at publish, before a message is queued.
#include "unimq/header_rules.hpp"

#include <cstdint>
#include <string>

#include "internal/display_text.hpp"
#include "unimq/error.hpp"

namespace unimq {
namespace {

// The name as it can appear in an error.
std::string printable(std::string_view name) {
  return detail::display_text(name, 64);
}

bool starts_with_reserved(std::string_view name) {
  if (name.size() < reserved_header_prefix.size()) return false;
  for (std::size_t i = 0; i < reserved_header_prefix.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != reserved_header_prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

void validate_header_name(std::string_view name, bool allow_reserved) {
  auto bad = [&](const std::string& why) {
    throw ConfigError("header name '" + printable(name) + "' " + why);
  };
  if (name.empty()) throw ConfigError("header name is empty");
  if (name.size() > max_header_name) {
    bad("is " + std::to_string(name.size()) + " bytes, longer than " +
        std::to_string(max_header_name));
  }
  if (!is_valid_utf8(name)) bad("is not valid UTF-8");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) bad("contains a control character");
    if (c == ' ') bad("contains a space");
    if (c == ':') bad("contains ':'");
  }
  if (!allow_reserved && starts_with_reserved(name)) {
    bad("uses the prefix 'unimq-', which is reserved for headers unimq sets itself");
  }
}

}  // namespace unimq
