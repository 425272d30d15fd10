// nats:// URL parsing: every option is checked here, so a typo fails at connect, not later.
#include "nats_settings.hpp"

#include <algorithm>

#include "unimq/error.hpp"

namespace unimq::nats {

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> names = {"jetstream", "declare",    "storage",
                                                 "retention", "max_age",    "replicas",
                                                 "ack_wait",  "api_timeout"};
  return names;
}

const std::vector<std::string>& passthrough_names() {
  static const std::vector<std::string> names = {"timeout", "reconnect_wait", "max_reconnect",
                                                 "ping_interval"};
  return names;
}

Settings parse_settings(const driver::BrokerUrl& url) {
  Settings s;
  s.display = url.redacted();
  if (!url.path.empty()) {
    throw ConfigError("broker URL '" + s.display + "': nats:// takes no path, got '" + url.path +
                      "'");
  }
  for (const auto& hp : url.hosts) {
    const bool v6 = hp.host.find(':') != std::string::npos;
    s.servers.push_back("nats://" + (v6 ? "[" + hp.host + "]" : hp.host) + ":" +
                        std::to_string(hp.port == 0 ? 4222 : hp.port));
  }
  if (s.servers.empty()) s.servers.push_back("nats://127.0.0.1:4222");
  s.user = url.username;
  s.password = url.password;
  s.jetstream = url.option_bool("jetstream", false);
  s.declare = url.option_choice("declare", "auto", {"auto", "none"}) == "auto";
  s.memory_storage = url.option_choice("storage", "file", {"file", "memory"}) == "memory";
  const std::string retention =
      url.option_choice("retention", "limits", {"limits", "interest", "workqueue"});
  s.retention = retention == "limits" ? 0 : retention == "interest" ? 1 : 2;
  s.max_age = url.option_duration("max_age", s.max_age);
  s.replicas = url.option_int("replicas", 1, 1, 5);
  s.ack_wait = url.option_positive_duration("ack_wait", s.ack_wait);
  s.api_timeout = url.option_positive_duration("api_timeout", s.api_timeout);
  if (!s.jetstream) {
    for (const char* js_only :
         {"declare", "storage", "retention", "max_age", "replicas", "ack_wait"}) {
      if (url.option(js_only)) {
        throw ConfigError("broker URL '" + s.display + "': option '" + js_only +
                          "' applies to jetstream=true only");
      }
    }
  }
  const auto& known = passthrough_names();
  std::string unknown;
  for (const auto& [name, value] : url.options_with_prefix("nats.")) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      unknown = name;
      break;
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& k : known) {
      list += list.empty() ? "nats." : ", nats.";
      list += k;
    }
    throw ConfigError("broker URL '" + s.display + "': unknown option 'nats." + unknown +
                      "' (known: " + list + ")");
  }
  s.connect_timeout = url.option_positive_duration("nats.timeout", s.connect_timeout);
  s.reconnect_wait = url.option_positive_duration("nats.reconnect_wait", s.reconnect_wait);
  s.max_reconnect = static_cast<int>(url.option_int("nats.max_reconnect", -1, -1, 1000000));
  s.ping_interval = url.option_positive_duration("nats.ping_interval", s.ping_interval);
  return s;
}

}  // namespace unimq::nats
