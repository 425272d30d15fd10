// The pipelines' measurements reach an installed MetricsSink with exact counts and the
// OpenTelemetry messaging names and attributes.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;

/// Sums (and counts) every value per metric name and attribute set.
class RecordingSink final : public MetricsSink {
 public:
  struct Totals {
    double sum = 0;
    int events = 0;
  };
  class Slot final : public Recorder {
   public:
    Slot(RecordingSink& sink, std::string key) : sink_(sink), key_(std::move(key)) {}
    void add(double value) noexcept override {
      std::lock_guard lock(sink_.mutex);
      auto& t = sink_.totals[key_];
      t.sum += value;
      ++t.events;
    }

   private:
    RecordingSink& sink_;
    std::string key_;
  };
  std::shared_ptr<Recorder> recorder(Instrument which, const MetricAttributes& a) override {
    std::string key = std::string(metric_name(which)) + "{" + a.system + "," + a.destination + "," +
                      a.group + "," + a.operation + "," + a.error_type + "}";
    return std::make_shared<Slot>(*this, std::move(key));
  }
  Totals at(const std::string& key) {
    std::lock_guard lock(mutex);
    return totals.count(key) ? totals[key] : Totals{};
  }
  std::mutex mutex;
  std::map<std::string, Totals> totals;
};

TEST(Metrics, NamesAndKindsFollowTheConventions) {
  EXPECT_STREQ(metric_name(Instrument::sent_messages), "messaging.client.sent.messages");
  EXPECT_STREQ(metric_name(Instrument::process_duration), "messaging.process.duration");
  EXPECT_STREQ(metric_name(Instrument::publish_buffered), "unimq.publish.buffered");
  EXPECT_EQ(kind_of(Instrument::operation_duration), InstrumentKind::histogram);
  EXPECT_EQ(kind_of(Instrument::in_flight), InstrumentKind::up_down_counter);
  EXPECT_EQ(kind_of(Instrument::retries), InstrumentKind::counter);
}

TEST(Metrics, PipelinesReportExactCountsToTheInstalledSink) {
  auto sink = std::make_shared<RecordingSink>();
  set_metrics_sink(sink);
  auto client = Client::connect("memory://metrics-exact");
  auto topic = client.topic("orders");
  std::atomic<int> done{0};
  auto consumer =
      topic.consumer({.group = "billing",
                      .retry = {.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 1ms}});
  consumer.start([&](const Delivery& d) {
    const auto& p = d.message().payload();
    if (p == "3" && d.attempt() == 1) throw std::runtime_error("flaky");
    if (p == "7") {
      ++done;
      throw PermanentError("bad order");
    }
    ++done;
  });
  auto producer = topic.producer();
  for (int i = 0; i < 10; ++i) producer.publish(Message(std::to_string(i))).get();
  for (int i = 0; i < 500 && (done.load() < 10 || consumer.stats().dead_lettered < 1); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(consumer.stop());
  producer.flush(5s);
  set_metrics_sink(nullptr);

  const std::string c = "{memory,orders,billing,process,";
  EXPECT_EQ(sink->at("messaging.client.consumed.messages" + c + "}").sum, 9);
  EXPECT_EQ(sink->at("messaging.client.consumed.messages" + c + "exception}").sum, 1);
  EXPECT_EQ(sink->at("messaging.client.consumed.messages" + c + "PermanentError}").sum, 1);
  EXPECT_EQ(sink->at("messaging.process.duration" + c + "}").events, 9);
  EXPECT_EQ(sink->at("unimq.retries" + c + "}").sum, 1);
  EXPECT_EQ(sink->at("unimq.dead_lettered" + c + "}").sum, 1);
  EXPECT_EQ(sink->at("unimq.redelivered" + c + "}").sum, 0);  // memory retried in process
  EXPECT_EQ(sink->at("unimq.in_flight" + c + "}").sum, 0);
  const std::string p = "{memory,orders,,publish,";
  EXPECT_EQ(sink->at("messaging.client.sent.messages" + p + "}").sum, 10);
  EXPECT_EQ(sink->at("messaging.client.operation.duration" + p + "}").events, 10);
  EXPECT_EQ(sink->at("unimq.publish.buffered" + p + "}").sum, 0);
  EXPECT_EQ(sink->at("messaging.client.sent.messages{memory,orders.dlq,,publish,}").sum, 1);
}

TEST(Metrics, WithoutASinkNothingIsRecorded) {
  set_metrics_sink(nullptr);
  EXPECT_EQ(metrics_sink(), nullptr);
  auto client = Client::connect("memory://metrics-none");
  client.topic("t").producer().publish(Message("x")).get();  // must simply work
}

}  // namespace
}  // namespace unimq
