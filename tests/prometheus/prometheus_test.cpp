// The Prometheus exporter on real HTTP: exact counts of publishes, handler outcomes, retries and
// dead letters through memory:// and Redis Streams, scraped from /metrics; the YAML config
// starts it. Label `metrics`.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "metrics_scenario.hpp"
#include "nats_process.hpp"  // http_get()
#include "process.hpp"       // free_loopback_port()
#include "require_broker.hpp"
#include "unimq/prometheus.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

/// The value of the sample `name{labels}` in a /metrics text, or -1 when absent. Labels are
/// matched as the exporter writes them: sorted by name.
double sample(const std::string& text, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  std::string key = name + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    key += (first ? "" : ",") + k + "=\"" + v + "\"";
    first = false;
  }
  key += "} ";
  const auto at = text.find("\n" + key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + 1 + key.size()));
}

void expect_exact_counts(const std::string& metrics, const std::string& system,
                         const std::string& topic) {
  const std::map<std::string, std::string> consumed{{"messaging_consumer_group_name", "billing"},
                                                    {"messaging_destination_name", topic},
                                                    {"messaging_operation_name", "process"},
                                                    {"messaging_system", system}};
  auto with_error = [&](const char* type) {
    auto l = consumed;
    l["error_type"] = type;
    return l;
  };
  const std::map<std::string, std::string> sent{{"messaging_destination_name", topic},
                                                {"messaging_operation_name", "publish"},
                                                {"messaging_system", system}};
  EXPECT_EQ(sample(metrics, "messaging_client_sent_messages_total", sent), 10);
  EXPECT_EQ(sample(metrics, "messaging_client_operation_duration_seconds_count", sent), 10);
  EXPECT_EQ(sample(metrics, "unimq_publish_buffered", sent), 0);
  EXPECT_EQ(sample(metrics, "messaging_client_consumed_messages_total", consumed), 9);
  EXPECT_EQ(sample(metrics, "messaging_client_consumed_messages_total", with_error("exception")),
            1);
  EXPECT_EQ(
      sample(metrics, "messaging_client_consumed_messages_total", with_error("PermanentError")), 1);
  EXPECT_EQ(sample(metrics, "messaging_process_duration_seconds_count", consumed), 9);
  EXPECT_EQ(sample(metrics, "unimq_retries_total", consumed), 1);
  EXPECT_EQ(sample(metrics, "unimq_dead_lettered_total", consumed), 1);
  EXPECT_EQ(sample(metrics, "unimq_redelivered_total", consumed), 0);
  EXPECT_EQ(sample(metrics, "unimq_in_flight", consumed), 0);
  auto dlq = sent;
  dlq["messaging_destination_name"] = topic + ".dlq";
  EXPECT_EQ(sample(metrics, "messaging_client_sent_messages_total", dlq), 1);
}

class PrometheusExporter : public ::testing::Test {
 protected:
  void SetUp() override {
    exporter_ = std::make_shared<prometheus::Exporter>("127.0.0.1:0");
    set_metrics_sink(exporter_);
  }
  void TearDown() override { set_metrics_sink(nullptr); }
  std::string scrape() {
    const auto reply = http_get(exporter_->port(), "/metrics");
    EXPECT_EQ(reply.status, 200);
    return "\n" + reply.body;
  }
  std::shared_ptr<prometheus::Exporter> exporter_;
};

TEST_F(PrometheusExporter, ScrapeShowsExactCountsThroughMemory) {
  run_metrics_scenario("memory://prometheus", "prom-orders");
  expect_exact_counts(scrape(), "memory", "prom-orders");
}

TEST_F(PrometheusExporter, ScrapeShowsExactCountsThroughRedisStreams) {
  const std::string url = broker_url("UNIMQ_TEST_REDIS_STREAMS_URL");
  if (url.empty()) return;  // broker_url() skipped or failed the test
  const std::string topic =
      "prom-orders-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  run_metrics_scenario(url, topic);
  expect_exact_counts(scrape(), "redis", topic);
}

// The pipelines hand the exporter batches of durations (add_each); the batch must land in the
// buckets, count and sum that one Observe per value gives, bucket bounds included.
TEST_F(PrometheusExporter, ABatchOfDurationsScrapesAsTheSameValuesOneByOne) {
  const std::vector<double> values{0, 0.001, 0.005, 0.0050001, 0.25, 0.3, 10, 11, 11};
  MetricAttributes one_by_one{"memory", "one-by-one", "", "process", ""};
  MetricAttributes batched = one_by_one;
  batched.destination = "batched";
  auto single = exporter_->recorder(Instrument::process_duration, one_by_one);
  for (const double v : values) single->add(v);
  exporter_->recorder(Instrument::process_duration, batched)->add_each(values);

  std::istringstream lines(scrape());
  std::vector<std::string> expected, got;
  for (std::string line; std::getline(lines, line);) {
    if (auto at = line.find("\"one-by-one\""); at != std::string::npos) {
      expected.push_back(line.replace(at, 12, "\"batched\""));
    } else if (line.find("\"batched\"") != std::string::npos) {
      got.push_back(line);
    }
  }
  ASSERT_EQ(expected.size(), 17u);  // 15 buckets (+Inf included), _count, _sum
  EXPECT_EQ(got, expected);
}

TEST(PrometheusConfig, YamlMetricsListenServesTheEndpoint) {
  const auto port = free_loopback_port();
  const auto config = Config::parse(
      "broker: memory://prom-yaml\nmetrics:\n  prometheus:\n"
      "    listen: 127.0.0.1:" +
      std::to_string(port) + "\n");
  auto client = Client::from_config(config);
  client.topic("yaml-orders").producer().publish(Message("x")).get();
  const auto reply = http_get(port, "/metrics");
  set_metrics_sink(nullptr);
  ASSERT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find("messaging_client_sent_messages_total{messaging_destination_name="
                            "\"yaml-orders\",messaging_operation_name=\"publish\","
                            "messaging_system=\"memory\"} 1"),
            std::string::npos)
      << reply.body;
}

TEST(PrometheusConfig, AMalformedListenAddressIsAConfigError) {
  EXPECT_THROW(prometheus::Exporter("9464"), ConfigError);
}

}  // namespace
}  // namespace unimq::test
