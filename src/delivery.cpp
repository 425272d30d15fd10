// Delivery: the handle a handler gets; settlement goes back to the consumer that received it.
#include "unimq/delivery.hpp"

#include "internal/consumer_core.hpp"
#include "unimq/error.hpp"
#include "unimq/request_reply.hpp"

namespace unimq {

const Message& Delivery::message() const noexcept {
  return state_->inbound.message;
}
const std::string& Delivery::topic() const noexcept {
  return state_->names->topic;
}
const std::string& Delivery::group() const noexcept {
  return state_->names->group;
}
const std::string& Delivery::id() const noexcept {
  return state_->inbound.id;
}
std::string Delivery::reply_to() const {
  if (!state_->inbound.reply_to.empty()) return state_->inbound.reply_to;
  return std::string(state_->inbound.message.headers().get(reply_to_header).value_or(""));
}
std::uint32_t Delivery::attempt() const noexcept {
  return state_->attempt;
}
bool Delivery::settled() const noexcept {
  return state_->settled.load();
}

namespace {

// The consumer a settlement goes to; ClosedError when it was stopped (its receiver closed) or
// destroyed, since the settlement could no longer reach the broker. The broker redelivers the
// message then.
std::shared_ptr<detail::ConsumerCore> settling_consumer(const detail::DeliveryState& state,
                                                        const char* what) {
  auto consumer = state.consumer.lock();
  if (!consumer || !consumer->accepting_settlements()) {
    throw ClosedError(std::string(what) + " of message " + state.inbound.id + " from '" +
                      state.names->topic +
                      "' after its consumer stopped; the broker will redeliver it");
  }
  return consumer;
}

}  // namespace

void Delivery::ack() const {
  if (state_->settled.load()) return;  // settling twice is harmless, also after stop
  settling_consumer(*state_, "ack")->ack(state_);
}

void Delivery::nack(std::chrono::milliseconds delay) const {
  if (state_->settled.load()) return;
  settling_consumer(*state_, "nack")->nack(state_, delay);
}

void Delivery::dead_letter(std::string reason) const {
  if (state_->settled.load()) return;
  settling_consumer(*state_, "dead_letter")->dead_letter(state_, std::move(reason));
}

}  // namespace unimq
