// Fuzzes the Redis pub/sub envelope codec. decode() reads bytes any publisher on the channel can
// send, so it may only fail with MalformedError; whatever it accepts must survive a re-encode
// unchanged, and every message must survive encode then decode.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "unimq/driver/envelope.hpp"
#include "unimq/error.hpp"
#include "unimq/message.hpp"

namespace env = unimq::driver::envelope;

namespace {

[[noreturn]] void mismatch(const char* what) {
  std::fprintf(stderr, "fuzz_envelope: %s\n", what);
  std::abort();
}

std::optional<unimq::Message> try_decode(std::string_view bytes) {
  try {
    return env::decode(bytes);
  } catch (const unimq::MalformedError&) {
    return std::nullopt;
  }
}

// encode() must produce an envelope that decodes to exactly `message`.
void check_round_trip(const unimq::Message& message) {
  const std::string bytes = env::encode(message);
  if (!env::is_enveloped(bytes)) mismatch("encode() output lacks the magic");
  const auto again = try_decode(bytes);
  if (!again) mismatch("encode() output does not decode");
  if (!(*again == message)) mismatch("encode() then decode() changed the message");
}

// A message built from the input bytes, so the encoder also sees keys, names and payloads that
// no seed envelope contains (NULs, the magic inside a payload, empty names).
unimq::Message message_from(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  unimq::Message message;
  message.key(in.ConsumeRandomLengthString());
  const auto count = in.ConsumeIntegralInRange<unsigned>(0, 16);
  for (unsigned i = 0; i < count; ++i) {
    std::string name = in.ConsumeRandomLengthString();
    message.headers().set(std::move(name), in.ConsumeRandomLengthString());
  }
  message.set_payload(in.ConsumeRemainingBytesAsString());
  return message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto message = try_decode(input);
  if (!env::is_enveloped(input)) {
    // Documented: bytes without the magic are a plain payload.
    if (!message || message->payload() != input || !message->key().empty() ||
        !message->headers().empty()) {
      mismatch("bytes without the magic did not decode as a plain payload");
    }
  }
  if (message) check_round_trip(*message);
  check_round_trip(message_from(data, size));
  return 0;
}
