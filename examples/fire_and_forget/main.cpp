// Fire-and-forget: a registration service publishes "user registered" and returns at once; a
// mail service sends the welcome mail slowly (20 ms each) and sometimes fails: a mail server
// times out once (retried) or an address bounces (dead-lettered). The registration calls stay
// fast however slow the mail service is, and every bounce lands in the dead-letter topic.
// Succeeds only if all three hold.
//
// The code is the same for every broker; --url picks one.
#include <algorithm>
#include <atomic>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kUsers = 100;
constexpr auto kMailTime = 20ms;

bool bounces(int user) {
  return user % 10 == 3;  // 10 of 100 addresses do not exist
}
bool times_out_once(int user) {
  return user % 7 == 0 && !bounces(user);
}

int run(const example::Args& args) {
  const auto deadline = Clock::now() + args.timeout;
  auto client = unimq::Client::connect(args.url);
  auto registrations = client.topic(example::unique_name("user-registered"));

  // The mail service: two workers, three tries, bounces go straight to <topic>.dlq.
  std::atomic<int> mailed{0};
  auto mailer = registrations.consumer(
      {.group = example::group_or_broadcast(client, "mailer"),
       .concurrency = 2,
       .retry = {.max_attempts = 3, .initial_backoff = 10ms, .max_backoff = 50ms}});
  auto dead_letters = client.topic(registrations.name() + ".dlq");
  std::atomic<int> bounced{0};
  auto audit = dead_letters.consumer({.group = example::group_or_broadcast(client, "audit")});
  audit.start([&](const unimq::Delivery&) { bounced.fetch_add(1); });
  mailer.start([&](const unimq::Delivery& d) {
    const int user = std::stoi(d.message().payload());
    std::this_thread::sleep_for(kMailTime);
    if (bounces(user)) throw unimq::PermanentError("mailbox of user " + d.message().payload());
    if (times_out_once(user) && d.attempt() == 1) throw std::runtime_error("smtp timeout");
    mailed.fetch_add(1);
  });

  // The registration service: publish and return; the callback only counts failures.
  auto producer = registrations.producer();
  std::atomic<int> publish_failures{0};
  std::vector<double> call_ms;
  const auto first = Clock::now();
  for (int user = 0; user < kUsers; ++user) {
    const auto t = Clock::now();
    producer.publish(unimq::Message(std::to_string(user)), [&](const unimq::PublishResult& r) {
      if (!r.ok()) publish_failures.fetch_add(1);
    });
    call_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  const auto all_calls = std::chrono::duration<double, std::milli>(Clock::now() - first).count();
  std::sort(call_ms.begin(), call_ms.end());

  const int expected_bounces = kUsers / 10;
  const bool drained =
      example::wait_until([&] { return mailed.load() + bounced.load() >= kUsers; }, deadline);
  const auto stats = mailer.stats();
  // Mailing all users takes kUsers * 20 ms / 2 workers = 1 s; registering them must not.
  const double mailing_ms =
      kUsers * std::chrono::duration<double, std::milli>(kMailTime).count() / 2;
  std::cout << "fire_and_forget on " << client.url() << ": " << kUsers
            << " registrations returned in " << all_calls << " ms in total (median call "
            << call_ms[kUsers / 2] << " ms, slowest " << call_ms.back()
            << " ms) while mailing takes ~" << mailing_ms << " ms; mails sent " << mailed.load()
            << ", retried " << stats.retried << ", bounced to the DLQ " << bounced.load() << "/"
            << expected_bounces << ", publish failures " << publish_failures.load() << "\n";
  const bool ok = drained && mailed.load() == kUsers - expected_bounces &&
                  bounced.load() == expected_bounces && publish_failures.load() == 0 &&
                  all_calls < mailing_ms / 5;
  if (!ok) std::cerr << "fire_and_forget: expected outcome did not happen\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = example::parse_args(
      argc, argv, "fire_and_forget: registrations return at once while a slow mailer works");
  return example::run([&] { return run(args); });
}
