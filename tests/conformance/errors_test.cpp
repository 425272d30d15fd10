// Errors at the API boundary: bad configuration names what is wrong, missing capabilities are
// refused by name.
#include <fstream>

#include "fixture.hpp"

namespace unimq::test {
namespace {

/// The message of the ConfigError `f` throws; fails the test when it throws nothing or else.
template <typename F>
std::string config_error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ConfigError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected ConfigError, nothing thrown";
  return {};
}

/// The backend's URL with one more query option.
std::string with_option(const std::string& url, const std::string& option) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + option;
}

TEST_P(Conformance, MalformedUrlsAreConfigErrors) {
  EXPECT_NE(config_error_of([] { Client::connect(""); }), "");
  EXPECT_NE(config_error_of([] { Client::connect("no-scheme-here"); }).find("scheme"),
            std::string::npos);
  EXPECT_NE(
      config_error_of([] { Client::connect("carrier-pigeon://coop"); }).find("carrier-pigeon"),
      std::string::npos);
}

TEST_P(Conformance, UnknownUrlOptionIsAConfigErrorNamingIt) {
  const auto msg =
      config_error_of([&] { Client::connect(with_option(GetParam().url, "bogus_option=1")); });
  EXPECT_NE(msg.find("bogus_option"), std::string::npos) << msg;
}

TEST_P(Conformance, WrongYamlTypeIsAConfigErrorNamingTheKey) {
  const std::string yaml = "broker: \"" + GetParam().url +
                           "\"\n"
                           "consumers:\n"
                           "  email-service:\n"
                           "    topic: orders\n"
                           "    concurrency: lots\n";
  const auto msg = config_error_of([&] { Client::from_config(Config::parse(yaml)); });
  EXPECT_NE(msg.find("consumers.email-service.concurrency"), std::string::npos) << msg;
}

TEST_P(Conformance, NamedConsumerAndProducerComeFromTheConfigFile) {
  const auto name = unique("cfg");
  const auto path = std::filesystem::temp_directory_path() / (name + ".yaml");
  {
    std::ofstream out(path);
    out << "broker: \"" << GetParam().url << "\"\n"
        << "producers:\n  order-service: {topic: " << name << "}\n"
        << "consumers:\n"
        << "  email-service:\n"
        << "    topic: " << name << "\n"
        << (group("email").empty() ? "" : "    group: email\n") << "    concurrency: 2\n"
        << "    retry: {max_attempts: 2, initial_backoff: 10ms, jitter: 0}\n";
  }
  ::unsetenv("UNIMQ_URL");
  Client configured = Client::from_config(path);
  std::filesystem::remove(path);
  auto consumer = configured.consumer("email-service");
  EXPECT_EQ(consumer.topic(), name);
  EXPECT_EQ(consumer.options().group, group("email"));
  EXPECT_EQ(consumer.options().concurrency, 2u);
  EXPECT_EQ(consumer.options().retry.max_attempts, 2u);
  Collector got;
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = configured.producer("order-service");
  producer.publish(Message("from config")).get();
  ASSERT_TRUE(got.wait_for(1));
  consumer.stop();
  EXPECT_THROW(configured.consumer("nobody"), ConfigError);
  configured.close();
}

TEST_P(Conformance, CapabilitiesTheBackendLacksAreRefusedByName) {
  auto topic = client().topic(unique("caps"));
  auto expect_refusal_unless = [&](bool declared, const char* capability, ConsumerOptions opts) {
    if (declared) {
      auto consumer = topic.consumer(opts);
      EXPECT_NO_THROW(consumer.start([](const Delivery&) {})) << capability;
      consumer.stop();
      return;
    }
    try {
      topic.consumer(opts).start([](const Delivery&) {});
      ADD_FAILURE() << "no UnsupportedError for missing capability " << capability;
    } catch (const UnsupportedError& e) {
      EXPECT_NE(std::string(e.what()).find(capability), std::string::npos) << e.what();
    }
  };
  expect_refusal_unless(caps().consumer_groups, "consumer_groups", {.group = "g"});
  expect_refusal_unless(caps().replay, "replay",
                        {.group = group("r"), .start = StartPosition::earliest});
}

}  // namespace
}  // namespace unimq::test
