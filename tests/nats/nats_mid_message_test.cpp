// A JetStream consumer's connection reset in the middle of a message, on a private nats-server.
// In an executable of its own because cnats 3.4.1 leaks the buffer of the message it was reading
// when the connection drops (its parser frees that buffer only once the message is complete):
// ctest runs this one with a LeakSanitizer suppression for exactly that allocation
// (lsan_cnats_partial_message.supp), and every other test keeps full leak checking.
// Label `fault;nats`.
#include "mid_message_cut.hpp"
#include "nats_fixture.hpp"
#include "tcp_proxy.hpp"

namespace unimq::test {
namespace {

class NatsMidMessage : public NatsTest {};

// The pull consumer's connection is reset while a 768 KiB message is arriving (after 256 KiB of
// it; nats-server takes at most 1 MiB per message): cnats drops the part it read, and the
// message, delivered but not acked, comes again whole after ack_wait (2 s).
TEST_F(NatsMidMessage, JetStreamMessageCutWhileArrivingIsDeliveredWholeAfterwards) {
  TcpProxy proxy(nats().port());
  auto consuming = Client::connect("nats://127.0.0.1:" + std::to_string(proxy.port()) +
                                   "?jetstream=true&ack_wait=2s&" + std::string(fast_reconnect));
  auto publishing = Client::connect(jetstream_url("ack_wait=2s"));
  Collector got;
  auto consumer = consuming.topic("big").consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = publishing.topic("big").producer();
  run_mid_message_cut(proxy, producer, consumer, got, std::chrono::seconds{20}, 768 << 10,
                      256 << 10);
}

}  // namespace
}  // namespace unimq::test
