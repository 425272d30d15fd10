// What driver::Connection does for an adapter that does not override it: refuse native
// request/reply, and keep a reply inbox on an ordinary topic.
#include <cstdio>
#include <random>

#include "unimq/driver/driver.hpp"
#include "unimq/error.hpp"

namespace unimq::driver {

void Connection::throw_no_request_reply() const {
  throw UnsupportedError("backend '" + capabilities().system +
                         "' lacks capability 'request_reply' (native request/reply)");
}

Inbox Connection::open_inbox() {
  // 64 random bits: two clients never share an inbox, whoever else uses the broker.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char name[40];
  std::snprintf(name, sizeof name, "_unimq.inbox.%016llx", static_cast<unsigned long long>(rng()));
  Inbox inbox;
  inbox.address = name;
  TopicSpec topic;
  topic.name = inbox.address;
  ensure_topic(topic);
  ReceiverSpec spec;
  spec.topic = inbox.address;
  inbox.receiver = open_receiver(spec);
  return inbox;
}

}  // namespace unimq::driver
