// The envelope codec. Decoding reads bytes from outside the process, so every read is bounds
// checked against the remaining input and every failure is a MalformedError naming the field.
#include "unimq/driver/envelope.hpp"

#include <cstdint>

#include "unimq/error.hpp"

namespace unimq::driver::envelope {
namespace {

// Headers::set searches linearly, so decoding n headers costs O(n^2); this bound keeps a hostile
// envelope from turning that into a hang while staying far above any real message.
constexpr std::uint64_t kMaxHeaders = 4096;
// A uint64 needs at most 10 LEB128 bytes; the 10th may carry only the top bit.
constexpr int kMaxVarintBytes = 10;

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::size_t varint_size(std::uint64_t value) {
  std::size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

[[noreturn]] void malformed(const std::string& what) {
  throw MalformedError("malformed envelope: " + what);
}

// Reads fields front to back; `rest` is always the unread suffix of the input.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  std::uint64_t varint(const char* field) {
    std::uint64_t value = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
      if (rest_.empty()) malformed(std::string(field) + " is truncated");
      const auto byte = static_cast<std::uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      if (i == kMaxVarintBytes - 1) {
        if ((byte & 0x80) != 0) malformed(std::string(field) + " is a varint longer than 10 bytes");
        if (byte > 1) malformed(std::string(field) + " overflows 64 bits");
      }
      value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) break;
    }
    return value;
  }

  std::string_view bytes(const char* field) {
    const std::uint64_t length = varint(field);
    if (length > rest_.size()) {
      malformed(std::string(field) + " length " + std::to_string(length) + " exceeds the " +
                std::to_string(rest_.size()) + " bytes left");
    }
    std::string_view out = rest_.substr(0, static_cast<std::size_t>(length));
    rest_.remove_prefix(out.size());
    return out;
  }

  std::string_view rest() const noexcept { return rest_; }
  void skip(std::size_t n) noexcept { rest_.remove_prefix(n); }

 private:
  std::string_view rest_;
};

}  // namespace

std::string encode(const Message& message) {
  std::size_t size = magic.size() + 1 + varint_size(message.key().size()) + message.key().size() +
                     varint_size(message.headers().size()) + message.payload().size();
  for (const auto& [name, value] : message.headers()) {
    size += varint_size(name.size()) + name.size() + varint_size(value.size()) + value.size();
  }
  std::string out;
  out.reserve(size);
  out.append(magic);
  out.push_back(static_cast<char>(version));
  put_bytes(out, message.key());
  put_varint(out, message.headers().size());
  for (const auto& [name, value] : message.headers()) {
    put_bytes(out, name);
    put_bytes(out, value);
  }
  out.append(message.payload());
  return out;
}

bool is_enveloped(std::string_view bytes) noexcept {
  return bytes.starts_with(magic);
}

Message decode(std::string_view bytes) {
  if (!is_enveloped(bytes)) return Message(bytes);
  Reader in(bytes);
  in.skip(magic.size());
  if (in.rest().empty()) malformed("version byte is missing");
  const auto got = static_cast<std::uint8_t>(in.rest().front());
  if (got != version) {
    malformed("unknown version " + std::to_string(got) + " (this build reads version " +
              std::to_string(version) + ")");
  }
  in.skip(1);

  Message message;
  message.key(std::string(in.bytes("key")));
  const std::uint64_t count = in.varint("header count");
  // Each header takes at least two bytes (two empty lengths), which also bounds the loop.
  if (count > in.rest().size() / 2) {
    malformed("header count " + std::to_string(count) + " exceeds the " +
              std::to_string(in.rest().size()) + " bytes left");
  }
  if (count > kMaxHeaders) {
    malformed("header count " + std::to_string(count) + " exceeds the limit of " +
              std::to_string(kMaxHeaders));
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view name = in.bytes("header name");
    std::string_view value = in.bytes("header value");
    const std::size_t before = message.headers().size();
    message.headers().set(std::string(name), std::string(value));
    // Names are unique in a Message, so a repeated name can only come from a corrupt envelope.
    if (message.headers().size() == before) {
      malformed("header " + std::to_string(i) + " repeats an earlier header name");
    }
  }
  message.set_payload(std::string(in.rest()));
  return message;
}

}  // namespace unimq::driver::envelope
