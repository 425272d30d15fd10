// GDPR delete: a "delete my data" event is broadcast to billing, CRM and analytics (one group
// each) while analytics is down. Billing and CRM process it at once; when analytics comes back,
// its group still holds the event and it processes it too. Succeeds only if all three services
// deleted the user's data.
//
// This needs a backend that keeps messages for a group whose consumer is down (at-least-once
// with consumer groups). On an at-most-once backend (Redis pub/sub, NATS core) a service that is
// down misses the event: the example says so and exits 0 only after printing that.
#include <atomic>
#include <iostream>
#include <string>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

int run(const example::Args& args) {
  const auto deadline = Clock::now() + args.timeout;
  auto client = unimq::Client::connect(args.url);
  const auto& caps = client.capabilities();
  if (caps.guarantee != unimq::DeliveryGuarantee::at_least_once || !caps.consumer_groups) {
    std::cout << "gdpr_delete on " << client.url() << ": cannot promise it here. This backend "
              << "delivers " << unimq::to_string(caps.guarantee)
              << (caps.consumer_groups ? "" : " and has no consumer groups")
              << ": a service that is down when the delete event is published never gets it. "
                 "Use a durable backend (Redis mode=streams, NATS jetstream=true, RabbitMQ, "
                 "Kafka) for events that must not be missed.\n";
    return 0;
  }
  auto requests = client.topic(example::unique_name("gdpr-delete"));
  std::atomic<int> billing{0}, crm{0}, analytics{0};
  auto counting = [](std::atomic<int>& n) { return [&n](const unimq::Delivery&) { ++n; }; };
  auto billing_service = requests.consumer({.group = "billing"});
  auto crm_service = requests.consumer({.group = "crm"});
  billing_service.start(counting(billing));
  crm_service.start(counting(crm));
  {
    // Analytics ran before (its group exists) and is down when the event is published.
    auto analytics_service = requests.consumer({.group = "analytics"});
    analytics_service.start(counting(analytics));
  }  // stopped here

  requests.producer().publish(unimq::Message("user-42").header("reason", "gdpr-art-17")).get();
  const bool others = example::wait_until([&] { return billing == 1 && crm == 1; }, deadline);
  const int analytics_while_down = analytics.load();

  auto analytics_back = requests.consumer({.group = "analytics"});
  analytics_back.start(counting(analytics));
  const bool caught_up = example::wait_until([&] { return analytics == 1; }, deadline);

  std::cout << "gdpr_delete on " << client.url() << ": user-42 deleted by billing " << billing
            << "x, crm " << crm << "x; analytics was down (" << analytics_while_down
            << " while down) and deleted it " << analytics.load() << "x after it came back\n";
  const bool ok = others && caught_up && analytics_while_down == 0 && billing == 1 && crm == 1;
  if (!ok) std::cerr << "gdpr_delete: expected outcome did not happen\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = example::parse_args(
      argc, argv, "gdpr_delete: a delete event reaches a service that was down when sent");
  return example::run([&] { return run(args); });
}
