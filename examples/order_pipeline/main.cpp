// Order placed -> email, SMS and inventory services each get a copy (fan-out: one consumer group
// per service). Email sending fails for some orders: once (retried, then succeeds) or always
// (dead-lettered after the last retry). A fourth consumer reads the dead-letter topic, and the
// run succeeds only if every order reached every service or the dead-letter topic.
//
// The code is the same for every broker; --url picks one (memory://, kafka://, amqp://, ...).
#include <unimq/unimq.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "args.hpp"
#include "tally.hpp"

namespace op = order_pipeline;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::vector<std::string> kServices = {"email", "sms", "inventory"};
constexpr const char* kOrderIdHeader = "order-id";
// Time allowed after --timeout for stopping consumers and closing the client.
constexpr auto kShutdownGrace = 15s;
constexpr auto kStopDeadline = 2s;

// How the email service treats an order.
enum class Fault { none, once, always };

// Derived from a hash of seed and order id rather than a random draw, so one --seed fails the
// same orders on every run and every broker, whatever order the deliveries arrive in.
Fault email_fault(std::string_view order_id, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;  // FNV-1a
  for (unsigned char c : order_id) h = (h ^ c) * 0x100000001b3ULL;
  h ^= h >> 33;  // finalizer: FNV's low bits are weak and we take h % 100
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  const auto bucket = h % 100;
  if (bucket < 5) return Fault::always;  // ~5%: the address bounces every time
  if (bucket < 15) return Fault::once;   // ~10%: the mail server times out once
  return Fault::none;
}

std::string order_id(std::uint32_t n) {
  return "order-" + std::to_string(n);
}

// Durable brokers keep topics and group positions between runs; a fresh topic per run keeps a
// rerun from reading the previous run's leftovers.
std::string unique_topic_name() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::ostringstream name;
  name << "orders-" << std::hex << ms << '-' << (std::random_device{}() & 0xffff);
  return name.str();
}

std::string order_id_of(const unimq::Delivery& d) {
  auto id = d.message().headers().get(kOrderIdHeader);
  // No retry can add a missing header: dead-letter at once.
  if (!id) throw unimq::PermanentError("message " + d.id() + " has no order-id header");
  return std::string(*id);
}

unimq::Handler service_handler(const std::string& service, std::uint64_t seed, op::Tally& tally) {
  if (service != "email") {
    return [&tally, service](const unimq::Delivery& d) { tally.handled(service, order_id_of(d)); };
  }
  return [&tally, seed](const unimq::Delivery& d) {
    const std::string id = order_id_of(d);
    switch (email_fault(id, seed)) {
      case Fault::always:
        throw std::runtime_error("email: mailbox for " + id + " does not exist");
      case Fault::once:
        if (d.attempt() == 1) throw std::runtime_error("email: mail server timed out for " + id);
        break;
      case Fault::none:
        break;
    }
    tally.handled("email", id);
  };
}

std::string error_text(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds{1});
}

// Ends the process if it is still running at `limit`: a broker that stops answering (or a hang
// during shutdown) must not keep the example, or the ctest run, waiting forever.
class Watchdog {
 public:
  explicit Watchdog(Clock::time_point limit)
      : thread_([this, limit] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_until(lock, limit, [&] { return done_; })) {
            std::fputs("order_pipeline: FAIL: still running past --timeout plus shutdown grace\n",
                       stderr);
            std::_Exit(3);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

std::string sample(const std::vector<std::string>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) out += (i ? ", " : "") + ids[i];
  return ids.size() > 5 ? out + ", ..." : out;
}

int run(const op::Args& args) {
  const auto started = Clock::now();
  const auto deadline = started + args.timeout;
  const Watchdog watchdog(deadline + kShutdownGrace);
  // The summary says what happened; a log line per dead letter would drown it.
  unimq::set_log_level(args.verbose ? unimq::LogLevel::info : unimq::LogLevel::warn);

  auto client = unimq::Client::connect(args.url);
  const std::string topic_name = unique_topic_name();
  auto orders = client.topic(topic_name);
  // The DeadLetterPolicy default: failed messages go to "<topic>.dlq".
  auto dead_letters = client.topic(topic_name + ".dlq");

  std::set<std::string> ids;
  std::set<std::string> doomed;  // orders the email service can never send
  std::size_t flaky = 0;
  for (std::uint32_t n = 1; n <= args.orders; ++n) {
    ids.insert(order_id(n));
    const Fault f = email_fault(order_id(n), args.seed);
    if (f == Fault::always) doomed.insert(order_id(n));
    if (f == Fault::once) ++flaky;
  }
  op::Tally tally(kServices, ids);

  // Consumers first: a new group starts at the latest message, so anything published before
  // start() returns would never reach it.
  const unimq::RetryPolicy retry{.max_attempts = 3, .initial_backoff = 10ms, .max_backoff = 50ms};
  // One group per service; a backend without groups (Redis pub/sub) gives each service a
  // broadcast subscriber instead, which fans out the same way.
  const bool groups = client.capabilities().consumer_groups;
  std::vector<unimq::Consumer> consumers;  // index-aligned with kServices
  for (const auto& service : kServices) {
    consumers.push_back(
        orders.consumer({.group = groups ? service : "", .concurrency = 4, .retry = retry}));
    consumers.back().start(service_handler(service, args.seed, tally));
  }
  // Its handler never throws, so it needs no retry or dead-letter settings of its own.
  auto dlq_reader = dead_letters.consumer({.group = groups ? "dlq-audit" : ""});
  dlq_reader.start([&tally](const unimq::Delivery& d) {
    const auto& headers = d.message().headers();
    // The failing service: its group, or (broadcast subscribers have none) the "service:"
    // prefix of the handler's error.
    std::string service(headers.get(unimq::dlq_header::group).value_or(""));
    if (service.empty()) {
      const auto error = headers.get(unimq::dlq_header::error).value_or("");
      service = std::string(error.substr(0, error.find(':')));
    }
    tally.dead_lettered(service, std::string(headers.get(kOrderIdHeader).value_or("")));
  });

  auto producer = orders.producer({.publish_timeout = remaining(deadline)});
  for (std::uint32_t n = 1; n <= args.orders; ++n) {
    const std::string id = order_id(n);
    const std::string customer = "customer-" + std::to_string(n % 37);
    auto message = unimq::Message("{\"order_id\":\"" + id + "\",\"customer\":\"" + customer +
                                  "\",\"total_cents\":" + std::to_string(n * 199 % 10'000) + "}")
                       .key(customer)  // per-customer order on brokers that partition by key
                       .header(kOrderIdHeader, id)
                       .header("event-type", "order-placed");
    producer.publish(std::move(message), [&tally, id](const unimq::PublishResult& r) {
      if (!r.ok()) tally.publish_failed(id, error_text(r.error));
    });
  }
  const bool flushed = producer.flush(remaining(deadline));
  const bool complete = flushed && tally.wait_complete(deadline);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  // Stop before reading stats: stop() waits for pending dead-letter confirmations, so the
  // counters are final afterwards.
  bool stopped = true;
  for (auto& c : consumers) stopped = c.stop(kStopDeadline) && stopped;
  stopped = dlq_reader.stop(kStopDeadline) && stopped;
  producer.close(0ms);

  std::cout << "topic " << topic_name << " on " << client.url() << ": " << args.orders
            << " orders; email fault plan (seed " << args.seed << "): " << flaky << " fail once, "
            << doomed.size() << " always fail\n";
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < kServices.size(); ++i) {
    const std::string& service = kServices[i];
    const unimq::ConsumerStats stats = consumers[i].stats();
    const op::Tally::ServiceView v = tally.view(service);
    std::cout << std::left << std::setw(10) << service << "received=" << stats.received
              << " retried=" << stats.retried << " dead-lettered=" << stats.dead_lettered
              << " handled=" << v.handled.size() << " dlq-seen=" << v.dead_lettered.size()
              << " missing=" << v.missing.size() << '\n';
    if (!v.missing.empty()) {
      problems.push_back(service + ": " + std::to_string(v.missing.size()) +
                         " order(s) neither handled nor dead-lettered: " + sample(v.missing));
    }
    // Only the email service's doomed orders may end in the DLQ; anything else there means a
    // retry that should have succeeded did not happen.
    const std::set<std::string> none;
    const auto& may_die = service == "email" ? doomed : none;
    std::vector<std::string> wrongly_dead;
    for (const auto& id : v.dead_lettered) {
      if (!may_die.contains(id)) wrongly_dead.push_back(id);
    }
    if (!wrongly_dead.empty()) {
      problems.push_back(
          service + ": " + std::to_string(wrongly_dead.size()) +
          " order(s) dead-lettered that should have succeeded: " + sample(wrongly_dead));
    }
  }
  std::cout.flush();
  if (!flushed) problems.push_back("publishing did not finish within --timeout");
  if (auto failed = tally.publish_failures(); !failed.empty()) {
    problems.push_back(std::to_string(failed.size()) + " publish(es) failed, first: " + failed[0]);
  }
  if (!complete && problems.empty()) problems.push_back("not complete within --timeout");
  if (!stopped) problems.push_back("a consumer's handlers did not finish within its stop deadline");
  if (auto strays = tally.strays()) {
    std::cerr << "order_pipeline: note: " << strays
              << " delivery(ies) carried no order of this run\n";
  }

  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "order_pipeline: FAIL: " << p << '\n';
    return 1;
  }
  std::cout << "OK: every order reached email, sms and inventory or the DLQ in " << std::fixed
            << std::setprecision(2) << seconds << "s\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<op::Args> args;
  try {
    args = op::parse_args(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "order_pipeline: " << e.what() << "\n\n" << op::usage(argv[0]);
    return 2;
  }
  if (!args) return 0;  // --help
  try {
    return run(*args);
  } catch (const unimq::Error& e) {
    std::cerr << "order_pipeline: FAIL: " << unimq::to_string(e.code()) << " error: " << e.what()
              << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "order_pipeline: FAIL: " << e.what() << '\n';
    return 1;
  }
}
