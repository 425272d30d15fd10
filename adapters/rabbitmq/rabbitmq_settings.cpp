// amqp:// URL parsing: every option is checked here, so a typo fails at connect, not later.
#include "rabbitmq_settings.hpp"

#include "unimq/error.hpp"

namespace unimq::rabbitmq {

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> names = {
      "heartbeat",       "frame_max",       "queue_type",    "declare",
      "connect_timeout", "confirm_timeout", "reconnect_max", "cacert"};
  return names;
}

Settings parse_settings(const driver::BrokerUrl& url) {
  Settings s;
  s.display = url.redacted();
  s.tls = url.scheme == "amqps";
  const std::uint16_t default_port = s.tls ? 5671 : 5672;
  for (const auto& hp : url.hosts) {
    s.hosts.push_back(
        {hp.host.empty() ? "127.0.0.1" : hp.host, hp.port == 0 ? default_port : hp.port});
  }
  if (s.hosts.empty()) s.hosts.push_back({"127.0.0.1", default_port});
  if (!url.username.empty()) {
    s.user = url.username;
    s.password = url.password;
  }
  // The AMQP URI spec: the path is the vhost, percent-decoded ("%2F" is "/"); none means "/".
  if (!url.path.empty()) s.vhost = url.path;
  // A bare number is seconds, as in the AMQP URI spec (heartbeat=30); a duration (30s) also works.
  // The protocol carries whole seconds in 16 bits.
  const auto hb_text = url.option("heartbeat");
  if (hb_text && !hb_text->empty() &&
      hb_text->find_first_not_of("0123456789") == std::string_view::npos) {
    s.heartbeat = std::chrono::seconds(url.option_int("heartbeat", 30, 0, 65535));
  } else {
    const auto heartbeat = url.option_duration("heartbeat", s.heartbeat);
    if (heartbeat.count() < 0 || heartbeat.count() % 1000 != 0 ||
        heartbeat > std::chrono::seconds(65535)) {
      throw ConfigError("broker URL '" + s.display +
                        "': option 'heartbeat' must be whole seconds from 0 (off) to 65535, got '" +
                        std::string(*hb_text) + "'");
    }
    s.heartbeat = std::chrono::duration_cast<std::chrono::seconds>(heartbeat);
  }
  // 4096 is AMQP's frame_min_size; the broker caps what it accepts at its own frame_max.
  s.frame_max = url.option_int("frame_max", s.frame_max, 4096, 0x7fffffff);
  s.queue_type = url.option_choice("queue_type", "classic", {"classic", "quorum"}) == "quorum"
                     ? QueueType::quorum
                     : QueueType::classic;
  s.declare = url.option_choice("declare", "auto", {"auto", "none"}) == "auto";
  s.connect_timeout = url.option_positive_duration("connect_timeout", s.connect_timeout);
  s.confirm_timeout = url.option_positive_duration("confirm_timeout", s.confirm_timeout);
  s.reconnect_max = url.option_positive_duration("reconnect_max", s.reconnect_max);
  if (auto cacert = url.option("cacert")) {
    if (!s.tls) {
      throw ConfigError("broker URL '" + s.display + "': option 'cacert' applies to amqps:// only");
    }
    if (cacert->empty()) {
      throw ConfigError("broker URL '" + s.display + "': option 'cacert' needs a file path");
    }
    s.cacert = std::string(*cacert);
  }
  return s;
}

}  // namespace unimq::rabbitmq
