// Producer: the public handle over ProducerCore.
#include "unimq/producer.hpp"

#include "internal/producer_core.hpp"
#include "unimq/error.hpp"

namespace unimq {

Producer::Producer(std::shared_ptr<detail::ProducerCore> core) : core_(std::move(core)) {}

Producer::~Producer() {
  if (core_) core_->close(std::chrono::seconds{10});
}

std::future<Receipt> Producer::publish(Message message) {
  if (!core_) throw ClosedError("producer was moved from");
  auto promise = std::make_shared<std::promise<Receipt>>();
  auto future = promise->get_future();
  core_->publish(std::move(message), [promise](const PublishResult& result) {
    if (result.ok()) {
      promise->set_value(result.receipt);
    } else {
      promise->set_exception(result.error);
    }
  });
  return future;
}

void Producer::publish(Message message, PublishCallback done) {
  if (!core_) throw ClosedError("producer was moved from");
  core_->publish(std::move(message), std::move(done));
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  return !core_ || core_->flush(timeout);
}

void Producer::close(std::chrono::milliseconds timeout) {
  if (core_) core_->close(timeout);
}

const std::string& Producer::topic() const noexcept {
  static const std::string empty;
  return core_ ? core_->topic() : empty;
}

std::size_t Producer::pending() const noexcept {
  return core_ ? core_->pending() : 0;
}

}  // namespace unimq
