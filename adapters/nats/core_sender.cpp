// Core NATS publishing: a SendQueue round publishes every queued message, then one flush (a
// PING/PONG round trip) confirms the server has them all. NATS core keeps nothing, so a failed
// flush fails the round's futures without handing the messages back: they may have arrived,
// and resending would break at-most-once.
#include <nats/nats.h>

#include "nats_connection.hpp"
#include "nats_message.hpp"
#include "unimq/error.hpp"

namespace unimq::nats {
namespace {

void publish_round(Shared& shared, std::vector<driver::SendJob>& jobs) {
  // Messages cnats took; those it refused are completed at once.
  std::vector<std::pair<driver::SendJob*, std::size_t>> sent;
  for (auto& job : jobs) {
    for (std::size_t i = 0; i < job.batch.size(); ++i) {
      natsStatus st = NATS_OK;
      std::string why;
      try {
        const Message& m = job.batch[i];
        if (m.headers().empty() && m.key().empty()) {
          // Nothing for a header block: publish the bytes without building a natsMsg (an
          // allocation and a copy per message).
          st = natsConnection_Publish(shared.nc, job.topic.c_str(), m.payload().data(),
                                      static_cast<int>(m.payload().size()));
        } else {
          auto msg = to_nats(job.topic, m);
          st = natsConnection_PublishMsg(shared.nc, msg.get());
        }
        if (st != NATS_OK) why = "nats: publish to '" + job.topic + "' failed: " + status_text(st);
      } catch (const Error& e) {
        st = NATS_ERR;
        why = e.what();
      }
      if (st == NATS_OK) {
        sent.emplace_back(&job, i);
        continue;
      }
      driver::SendResult r;
      const auto kind =
          why.rfind("nats: publish", 0) == 0 ? classify(st) : driver::ErrorKind::permanent;
      r.error = driver::DriverError{kind, why};
      // Refused before reaching the socket: safe to send again.
      if (kind == driver::ErrorKind::retryable) r.message = std::move(job.batch[i]);
      job.done(i, std::move(r));
    }
  }
  if (sent.empty()) return;
  const natsStatus st = confirmed_flush(shared.nc, shared.settings.api_timeout.count());
  for (auto [job, i] : sent) {
    driver::SendResult r;
    if (st != NATS_OK) {
      r.error = driver::DriverError{
          classify(st) == driver::ErrorKind::closed ? driver::ErrorKind::closed
                                                    : driver::ErrorKind::retryable,
          "nats: the server did not confirm the flush of messages to '" + job->topic +
              "': " + status_text(st) + " (they may or may not have arrived)"};
    }
    job->done(i, std::move(r));
  }
}

}  // namespace

std::unique_ptr<driver::Sender> make_core_sender(const std::shared_ptr<Shared>& shared) {
  auto queue = std::make_shared<driver::SendQueue>(
      [shared](std::vector<driver::SendJob>& jobs) { publish_round(*shared, jobs); });
  {
    std::lock_guard lock(shared->mu);
    std::erase_if(shared->core_senders, [](const auto& w) { return w.expired(); });
    shared->core_senders.push_back(queue);
  }
  return std::make_unique<driver::QueuedSender>(std::move(queue));
}

}  // namespace unimq::nats
