// Delivery: the handle a handler gets; settlement goes back to the consumer that received it.
#include "unimq/delivery.hpp"

#include "internal/consumer_core.hpp"

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
std::uint32_t Delivery::attempt() const noexcept {
  return state_->attempt;
}
bool Delivery::settled() const noexcept {
  return state_->settled.load();
}

// A delivery that outlives its consumer settles nothing: the broker redelivers the message.
void Delivery::ack() const {
  if (auto consumer = state_->consumer.lock()) consumer->ack(state_);
}

void Delivery::nack(std::chrono::milliseconds delay) const {
  if (auto consumer = state_->consumer.lock()) consumer->nack(state_, delay);
}

void Delivery::dead_letter(std::string reason) const {
  if (auto consumer = state_->consumer.lock()) consumer->dead_letter(state_, std::move(reason));
}

}  // namespace unimq
