// Request-reply and scatter-gather on every backend: the headers that carry them and the
// responder's handler type. Client::request, Client::scatter and Client::serve use them.
#pragma once

#include <functional>
#include <string_view>

#include "unimq/delivery.hpp"
#include "unimq/message.hpp"

namespace unimq {

/// Header naming the request a reply answers; set by the requester, copied into the reply.
inline constexpr std::string_view correlation_id_header = "unimq-correlation-id";
/// Header naming where the reply goes (the requester's private inbox).
inline constexpr std::string_view reply_to_header = "unimq-reply-to";

/// A responder: returns the reply to the request it is given. Throwing counts as a failed
/// delivery (the consumer's retry and dead-letter policies apply) and sends no reply.
using ReplyHandler = std::function<Message(const Delivery&)>;

}  // namespace unimq
