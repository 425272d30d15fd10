// The memory Receiver: a thin handle on a group membership; the topic does the work.
#include "memory_connection.hpp"
#include "unimq/error.hpp"

namespace unimq::memory {
namespace {

class MemoryReceiver final : public driver::Receiver {
 public:
  MemoryReceiver(std::shared_ptr<ConnectionState> state, std::shared_ptr<Topic> topic,
                 std::shared_ptr<Subscription> sub)
      : state_(std::move(state)), topic_(std::move(topic)), sub_(std::move(sub)) {}
  ~MemoryReceiver() override { close(); }

  std::vector<driver::Inbound> receive(std::size_t max,
                                       std::chrono::steady_clock::time_point deadline) override {
    try {
      return topic_->receive(*sub_, max, deadline);
    } catch (const ClosedError&) {
      // The connection closes receivers from another thread; say which close it was.
      if (state_->closed.load()) throw ClosedError("memory connection is closed");
      throw;
    }
  }

  void ack(std::span<const driver::AckToken> tokens) override { topic_->ack(*sub_, tokens); }

  void nack(std::span<const driver::AckToken> tokens, std::chrono::milliseconds delay) override {
    topic_->nack(*sub_, tokens, delay);
  }

  void close() override { topic_->unsubscribe(*sub_); }

 private:
  const std::shared_ptr<ConnectionState> state_;
  const std::shared_ptr<Topic> topic_;
  const std::shared_ptr<Subscription> sub_;
};

}  // namespace

std::unique_ptr<driver::Receiver> make_receiver(std::shared_ptr<ConnectionState> state,
                                                const driver::ReceiverSpec& spec) {
  auto topic = state->broker->topic(spec.topic);
  auto sub = topic->subscribe(spec.group, spec.start, spec.max_in_flight);
  // Drop registrations of receivers that are gone, so the list tracks only open ones.
  std::erase_if(state->receivers, [](const auto& r) { return r.sub.expired(); });
  state->receivers.push_back({sub, topic});
  return std::make_unique<MemoryReceiver>(std::move(state), std::move(topic), std::move(sub));
}

}  // namespace unimq::memory
