// The pipelines' measurements reach an installed MetricsSink with exact counts and the
// OpenTelemetry messaging names and attributes.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "metrics_scenario.hpp"
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
  test::run_metrics_scenario("memory://metrics-exact", "orders");
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

namespace unimq {
namespace {

TEST(MetricsConfig, YamlKeysAreCheckedAndNeedThePrometheusTarget) {
  const auto config =
      Config::parse("broker: memory://\nmetrics:\n  prometheus:\n    listen: 127.0.0.1:9464\n");
  EXPECT_EQ(config.metrics.prometheus_listen, "127.0.0.1:9464");
  // This test program does not link unimq::prometheus.
  try {
    Client::from_config(config);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unimq::prometheus"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Config::parse("broker: memory://\nmetrics: {prometheus: {port: 9464}}\n"),
               ConfigError);
  EXPECT_THROW(Config::parse("broker: memory://\nmetrics: {statsd: {}}\n"), ConfigError);
  EXPECT_THROW(Config::parse("broker: memory://\nmetrics: {prometheus: {listen: '9464'}}\n"),
               ConfigError);
}

}  // namespace
}  // namespace unimq
