// Printing messages: UTF-8 check, base64 and the JSON form.
#include "output.hpp"

#include <cstdio>

namespace unimq::cli {

bool valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= bytes.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(bytes[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
        static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

nlohmann::ordered_json message_json(const std::string& topic, const Message& message,
                                    const std::string& id, std::uint32_t attempt) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["topic"] = topic;
  if (valid_utf8(message.key())) {
    out["key"] = message.key();
  } else {
    out["key_base64"] = base64(message.key());
  }
  auto headers = nlohmann::ordered_json::object();
  auto headers_base64 = nlohmann::ordered_json::object();
  for (const auto& [name, value] : message.headers()) {
    if (!valid_utf8(name)) continue;  // header names are checked text; never happens
    if (valid_utf8(value)) {
      headers[name] = value;
    } else {
      headers_base64[name] = base64(value);
    }
  }
  out["headers"] = std::move(headers);
  if (!headers_base64.empty()) out["headers_base64"] = std::move(headers_base64);
  if (valid_utf8(message.payload())) {
    out["payload"] = message.payload();
  } else {
    out["payload_base64"] = base64(message.payload());
  }
  out["id"] = id;
  out["attempt"] = attempt;
  return out;
}

bool print_line(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return false;
  if (std::fputc('\n', stdout) == EOF) return false;
  return std::fflush(stdout) == 0;
}

}  // namespace unimq::cli
