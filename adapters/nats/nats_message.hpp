// unimq Message <-> natsMsg, and cnats status codes -> what the common layer needs.
#pragma once

#include <nats/nats.h>

#include <memory>
#include <string>
#include <string_view>

#include "unimq/driver/driver.hpp"
#include "unimq/message.hpp"

namespace unimq::nats {

/// The header that carries a message's key (NATS has no key). Reserved for unimq, so a user
/// header can never clash with it.
inline constexpr const char* key_header = "unimq-key";

/// cnats 3.4 misreads a header with an empty value (it swallows the next header line), so
/// headers with empty values travel as values of this header instead, one per name.
inline constexpr const char* empty_headers = "unimq-empty";

/// Frees a natsMsg.
struct MsgDeleter {
  void operator()(natsMsg* msg) const noexcept;
};
/// An owned natsMsg.
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

/// A natsMsg for `subject` with the payload, headers and key of `message`. Throws
/// PublishError (permanent) when cnats refuses it.
MsgPtr to_nats(const std::string& subject, const Message& message);
/// The payload, headers and key of `msg`.
Message from_nats(natsMsg* msg);

/// cnats' text for status `s` (an int so this header needs no nats.h).
std::string status_text(int s);
/// Whether status `s` is a transient condition worth retrying (timeout, reconnecting, no
/// responders while a server restarts).
driver::ErrorKind classify(int s) noexcept;

}  // namespace unimq::nats
