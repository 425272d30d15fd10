// Consumer: the public handle over ConsumerCore.
#include "unimq/consumer.hpp"

#include "internal/consumer_core.hpp"
#include "unimq/error.hpp"

namespace unimq {

Consumer::Consumer(std::shared_ptr<detail::ConsumerCore> core) : core_(std::move(core)) {}

Consumer::~Consumer() {
  if (core_) core_->stop(std::chrono::seconds{30});
}

void Consumer::start(Handler handler) {
  if (!core_) throw ClosedError("consumer was moved from");
  core_->start(std::move(handler));
}

void Consumer::run(Handler handler) {
  if (!core_) throw ClosedError("consumer was moved from");
  core_->run(std::move(handler));
}

bool Consumer::stop(std::chrono::milliseconds deadline) {
  return !core_ || core_->stop(deadline);
}
bool Consumer::running() const noexcept {
  return core_ && core_->running();
}
ConsumerStats Consumer::stats() const noexcept {
  return core_ ? core_->stats() : ConsumerStats{};
}

const std::string& Consumer::topic() const noexcept {
  static const std::string empty;
  return core_ ? core_->topic() : empty;
}

const ConsumerOptions& Consumer::options() const noexcept {
  static const ConsumerOptions defaults;
  return core_ ? core_->options() : defaults;
}

}  // namespace unimq
