// Broker faults against a private RabbitMQ node: kill -9 mid-stream and restart on the same data
// directory, with classic and quorum group queues. Label `fault;rabbitmq`.
#include <iostream>
#include <optional>

#include "kill_restart_scenario.hpp"
#include "rabbitmq_process.hpp"
#include "require_broker.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

class RabbitFault : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RabbitmqProcess::available()) {
      missing_broker(RabbitmqProcess::server_binary() +
                     " not found (install the Debian package rabbitmq-server)");
      return;
    }
    rabbit_.emplace();
    std::cout << "[ rabbitmq ] node " << rabbit_->node() << " booted in "
              << rabbit_->last_start().count() << " ms" << std::endl;
  }

  RabbitmqProcess& rabbit() { return *rabbit_; }

  // The scenario with the node's boot time in mind (4 s on an idle machine, over 10 s on a busy
  // one): publishes 30 ms apart (30 s in all) so publishing goes on after the restart, a retry
  // budget of about 30 s, and a reconnect backoff capped at 500 ms so clients notice the node
  // is back within half a second.
  void run(const std::string& query, const std::string& name) {
    run_kill_restart_scenario({.url = rabbit().url(query),
                               .name = name,
                               .kill9 = [&] { rabbit().kill9(); },
                               .restart =
                                   [&] {
                                     rabbit().restart();
                                     std::cout << "[ " << name << " ] node back after "
                                               << rabbit().last_start().count() << " ms"
                                               << std::endl;
                                   },
                               .publish_interval = 30ms,
                               .max_attempts = 60});
  }

 private:
  std::optional<RabbitmqProcess> rabbit_;
};

// Classic durable queue, persistent messages, publisher confirms: every publish the broker
// confirmed is on disk, so it reaches the group after a kill -9 and a restart on the same data
// directory; the consumer that was running reconnects, declares and consumes again by itself.
// Messages delivered but not acked when the node died come again: duplicates are counted.
TEST_F(RabbitFault, ClassicQueueLosesNoConfirmedMessageAcrossKill9AndRestart) {
  run("reconnect_max=500ms", "rabbitmq classic kill -9");
}

// The same with a quorum queue (Raft log on disk, confirms after the fsync).
TEST_F(RabbitFault, QuorumQueueLosesNoConfirmedMessageAcrossKill9AndRestart) {
  run("reconnect_max=500ms&queue_type=quorum", "rabbitmq quorum kill -9");
}

}  // namespace
}  // namespace unimq::test
