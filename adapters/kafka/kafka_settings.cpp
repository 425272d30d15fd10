// kafka:// URL parsing: every option, including each kafka.<property>, is checked here, so a
// typo fails at connect, not when the first producer or consumer opens.
#include "kafka_settings.hpp"

#include "kafka_handle.hpp"
#include "unimq/error.hpp"

namespace unimq::kafka {

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> names = {"declare", "operation_timeout", "commit_interval",
                                                 "revoke_timeout", "brokers"};
  return names;
}

Settings parse_settings(const driver::BrokerUrl& url) {
  Settings s;
  s.display = url.redacted();
  s.mock = url.scheme == "kafka+mock";
  if (s.mock) {
    if (!url.hosts.empty()) {
      throw ConfigError("broker URL '" + s.display +
                        "': kafka+mock:// starts its own in-process cluster and takes no host, "
                        "e.g. kafka+mock://?brokers=3");
    }
    // The mock cluster keeps every broker in this process; a handful is enough for any test.
    s.mock_brokers = static_cast<int>(url.option_int("brokers", 1, 1, 16));
  } else {
    if (url.option("brokers")) {
      throw ConfigError("broker URL '" + s.display +
                        "': option 'brokers' applies to kafka+mock:// only; list real brokers "
                        "as kafka://host:port,host:port");
    }
    for (const auto& hp : url.hosts) {
      if (!s.bootstrap.empty()) s.bootstrap += ',';
      const bool ipv6 = hp.host.find(':') != std::string::npos;
      s.bootstrap += ipv6 ? "[" + hp.host + "]" : hp.host;
      s.bootstrap += ':' + std::to_string(hp.port == 0 ? 9092 : hp.port);
    }
  }
  if (!url.username.empty()) {
    throw ConfigError("broker URL '" + s.display +
                      "': credentials in the URL are not used by Kafka; pass them as "
                      "kafka.sasl.username and kafka.sasl.password (with kafka.sasl.mechanism "
                      "and kafka.security.protocol)");
  }
  s.declare = url.option_choice("declare", "auto", {"auto", "none"}) == "auto";
  s.operation_timeout = url.option_positive_duration("operation_timeout", s.operation_timeout);
  s.commit_interval = url.option_positive_duration("commit_interval", s.commit_interval);
  s.revoke_timeout = url.option_duration("revoke_timeout", s.revoke_timeout);
  if (s.revoke_timeout.count() < 0) {
    throw ConfigError("broker URL '" + s.display +
                      "': option 'revoke_timeout' must not be negative");
  }
  s.native = url.options_with_prefix("kafka.");
  // librdkafka judges its own properties: building both configurations reports an unknown
  // property or a bad value with librdkafka's message.
  make_conf(s, Role::producer, nullptr);
  make_conf(s, Role::consumer, nullptr);
  return s;
}

}  // namespace unimq::kafka
