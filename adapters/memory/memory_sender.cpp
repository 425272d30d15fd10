// The memory Sender: appends a batch to the topic log under one lock and confirms every
// message before send() returns.
#include <string>

#include "memory_connection.hpp"

namespace unimq::memory {
namespace {

class MemorySender final : public driver::Sender {
 public:
  explicit MemorySender(std::shared_ptr<ConnectionState> state) : state_(std::move(state)) {}
  ~MemorySender() override { close(); }

  void send(const std::string& topic, std::vector<Message> batch,
            driver::SendCompletion on_complete) override {
    if (closed_.load() || state_->closed.load()) {
      fail(batch, on_complete,
           {driver::ErrorKind::closed,
            closed_.load() ? "memory sender is closed" : "memory connection is closed"});
      return;
    }
    if (topic.empty()) {
      fail(batch, on_complete, {driver::ErrorKind::permanent, "topic name is empty"});
      return;
    }
    const std::size_t n = batch.size();
    if (n == 0) return;
    const std::uint64_t first = state_->broker->topic(topic)->append(batch);
    // Completions run after the topic lock is released, so a callback may publish again.
    for (std::size_t i = 0; i < n; ++i) {
      const auto seq = first + i;
      driver::SendResult result;
      result.receipt.message_id = std::to_string(seq);
      result.receipt.offset = static_cast<std::int64_t>(seq);
      on_complete(i, std::move(result));
    }
  }

  void close() override { closed_.store(true); }

 private:
  static void fail(std::vector<Message>& batch, const driver::SendCompletion& on_complete,
                   const driver::DriverError& error) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      // Filled member by member: GCC 12 at -O3 takes `{{}, error, ...}` for a read of the
      // receipt's uninitialised string (-Wmaybe-uninitialized).
      driver::SendResult result;
      result.error = error;
      result.message = std::move(batch[i]);
      on_complete(i, std::move(result));
    }
  }

  const std::shared_ptr<ConnectionState> state_;
  std::atomic<bool> closed_{false};
};

}  // namespace

std::unique_ptr<driver::Sender> make_sender(std::shared_ptr<ConnectionState> state) {
  return std::make_unique<MemorySender>(std::move(state));
}

}  // namespace unimq::memory
