// Fuzzes header-name validation. Header names reach validate_header_name from application code
// and, through received messages, from other processes; besides "no crash" the target checks
// both functions against models written independently of src/header_rules.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "unimq/error.hpp"
#include "unimq/header_rules.hpp"

namespace {

// Prints what disagreed and aborts, so libFuzzer keeps the input as a crash.
[[noreturn]] void mismatch(const char* what) {
  std::fprintf(stderr, "fuzz_header_name: %s\n", what);
  std::abort();
}

bool in(unsigned char c, unsigned lo, unsigned hi) {
  return c >= lo && c <= hi;
}

// Reference UTF-8 check by the Unicode standard's table of well-formed byte sequences (Unicode
// 15, table 3-7), a different method from the decode-then-range-check of is_valid_utf8.
bool reference_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  // Continuation byte k (1-based) of the sequence at i lies in [lo, hi].
  auto cont = [&](std::size_t k, unsigned lo, unsigned hi) {
    return i + k < n && in(s[i + k], lo, hi);
  };
  while (i < n) {
    const unsigned char c = s[i];
    std::size_t len = 0;
    if (c <= 0x7f) {
      len = 1;
    } else if (in(c, 0xc2, 0xdf)) {
      len = cont(1, 0x80, 0xbf) ? 2 : 0;
    } else if (c == 0xe0) {
      len = cont(1, 0xa0, 0xbf) && cont(2, 0x80, 0xbf) ? 3 : 0;
    } else if (in(c, 0xe1, 0xec) || in(c, 0xee, 0xef)) {
      len = cont(1, 0x80, 0xbf) && cont(2, 0x80, 0xbf) ? 3 : 0;
    } else if (c == 0xed) {
      len = cont(1, 0x80, 0x9f) && cont(2, 0x80, 0xbf) ? 3 : 0;
    } else if (c == 0xf0) {
      len = cont(1, 0x90, 0xbf) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf) ? 4 : 0;
    } else if (in(c, 0xf1, 0xf3)) {
      len = cont(1, 0x80, 0xbf) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf) ? 4 : 0;
    } else if (c == 0xf4) {
      len = cont(1, 0x80, 0x8f) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf) ? 4 : 0;
    }
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// Reference of the documented rule in header_rules.hpp: 1..255 bytes of valid UTF-8, no control
// character, space or ':', and no `unimq-` prefix in any case unless reserved names are allowed.
bool reference_valid_name(std::string_view name, bool allow_reserved) {
  if (name.empty() || name.size() > 255 || !reference_utf8(name)) return false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == ' ' || c == ':') return false;
  }
  if (allow_reserved || name.size() < 6) return true;
  std::string prefix(name.substr(0, 6));
  for (char& c : prefix) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return prefix != "unimq-";
}

// Runs validate_header_name; only ConfigError may leave it, and its text must be printable ASCII
// because it names a header that may hold any bytes and ends up in logs.
bool accepts(std::string_view name, bool allow_reserved) {
  try {
    unimq::validate_header_name(name, allow_reserved);
    return true;
  } catch (const unimq::ConfigError& e) {
    for (const char ch : std::string_view(e.what())) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c >= 0x7f) mismatch("error message has a non-printable byte");
    }
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (unimq::is_valid_utf8(input) != reference_utf8(input)) {
    mismatch("is_valid_utf8 disagrees with the reference decoder");
  }
  for (const bool allow_reserved : {false, true}) {
    if (accepts(input, allow_reserved) != reference_valid_name(input, allow_reserved)) {
      mismatch("validate_header_name disagrees with the documented rule");
    }
  }
  return 0;
}
