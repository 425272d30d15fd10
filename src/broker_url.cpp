// Broker URL parsing and typed option access (DESIGN.md §5). Errors name the part, its value and
// what was expected, and never contain the password.
#include "unimq/driver/broker_url.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <string>

#include "internal/display_text.hpp"
#include "unimq/config.hpp"
#include "unimq/error.hpp"
#include "unimq/header_rules.hpp"

namespace unimq::driver {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  return (c >= 'a' ? c - 'a' : c - 'A') + 10;
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string in_quotes(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// Percent-encodes everything but RFC 3986 unreserved characters and those in `keep`.
std::string encode(std::string_view text, std::string_view keep) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xF];
    }
  }
  return out;
}

// Option values that are credentials (native pass-through settings such as
// `kafka.sasl.password`) are masked like the URL password, because redacted() and error messages
// end up in logs.
bool is_secret_option(std::string_view name) {
  const std::string n = to_lower(name);
  for (const char* word : {"pass", "secret", "token", "credential", "jaas", "private"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

// Returns `url` with the password replaced by `***`, for error messages about text that may not
// parse. `mask_end` receives the offset before which URL text may hold password characters.
std::string redact_text(std::string_view url, std::size_t& mask_end) {
  mask_end = 0;
  const std::size_t sep = url.find("://");
  const std::size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  const std::size_t last_at = url.rfind('@');
  if (last_at == std::string_view::npos || last_at < start) return std::string(url);
  const std::size_t auth_end = std::min(url.find_first_of("/?", start), url.size());
  if (last_at < auth_end) {
    const std::size_t colon = url.find(':', start);
    if (colon >= last_at) return std::string(url);  // user name only: it is kept.
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(last_at));
  }
  // An '@' after the authority usually means a password with an unencoded '/' or '?' cut the
  // authority short, even when an '@' of the password itself is left inside the authority;
  // everything up to the last '@' may then be password text.
  mask_end = last_at;
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(last_at));
}

// One parse of one URL; holds the redacted text used in every error message.
// Longer URLs are mistakes (a pasted file, a runaway template), not broker addresses.
constexpr std::size_t max_url_length = 8192;

class UrlParser {
 public:
  explicit UrlParser(std::string_view url) : url_(url), display_(redact_text(url, mask_end_)) {}

  BrokerUrl run() {
    BrokerUrl out;
    if (url_.size() > max_url_length) {
      fail("is " + std::to_string(url_.size()) + " bytes long, longer than " +
           std::to_string(max_url_length));
    }
    if (!is_valid_utf8(url_)) fail("is not valid UTF-8");
    for (std::size_t i = 0; i < url_.size(); ++i) {
      const auto c = static_cast<unsigned char>(url_[i]);
      if (c <= 0x20 || c == 0x7F) {
        fail("contains a space or control character at position " + std::to_string(i) +
             ", expected it percent-encoded (e.g. %20)");
      }
    }
    const std::size_t sep = url_.find("://");
    if (sep == std::string_view::npos) {
      fail("missing scheme, expected scheme://host[:port] such as kafka://localhost:9092");
    }
    const std::string_view scheme = url_.substr(0, sep);
    bool scheme_ok = !scheme.empty() && is_alpha(scheme[0]);
    for (const char c : scheme) {
      scheme_ok = scheme_ok && (is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.');
    }
    if (!scheme_ok) {
      fail("scheme " + show(scheme) +
           " is not valid, expected a letter followed by letters, digits, '+', '-' or '.'");
    }
    out.scheme = to_lower(scheme);

    // RFC 3986: the authority ends at the first '/' or '?'; user info ends at its last '@'.
    const std::size_t start = sep + 3;
    const std::size_t auth_end = std::min(url_.find_first_of("/?", start), url_.size());
    std::string_view host_list = url_.substr(start, auth_end - start);
    if (const std::size_t at = host_list.rfind('@'); at != std::string_view::npos) {
      parse_user_info(host_list.substr(0, at), out);
      host_list = host_list.substr(at + 1);
    }
    parse_hosts(host_list, out);

    const std::size_t query = url_.find('?', auth_end);
    if (auth_end < url_.size() && url_[auth_end] == '/') {
      const std::size_t path_end = std::min(query, url_.size());
      out.path = decode(url_.substr(auth_end + 1, path_end - auth_end - 1), "path", false);
    }
    if (query != std::string_view::npos) parse_query(url_.substr(query + 1), out);
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError("broker URL '" + shown_url() + "': " + what);
  }

  // The redacted URL, cut to a readable length, with bytes outside printable ASCII escaped so a
  // bad URL cannot corrupt the log line that reports it.
  std::string shown_url() const { return detail::display_text(display_, 200); }

  // `raw` quoted for an error message, or `***` when it may contain password text.
  std::string show(std::string_view raw) const { return show(raw, raw); }
  std::string show(std::string_view raw, std::string_view text) const {
    const auto offset = static_cast<std::size_t>(raw.data() - url_.data());
    return offset < mask_end_ ? "'***'" : in_quotes(text);
  }

  [[noreturn]] void bad_escape(std::string_view escape, const std::string& what,
                               bool secret) const {
    fail(what + " has a malformed percent escape" + (secret ? std::string() : " " + show(escape)) +
         ", expected '%' followed by two hex digits");
  }

  std::string decode(std::string_view raw, const std::string& what, bool secret) const {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '%') {
        out += raw[i];
        continue;
      }
      if (i + 2 >= raw.size() || !is_hex(raw[i + 1]) || !is_hex(raw[i + 2]))
        bad_escape(raw.substr(i, 3), what, secret);
      out += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    }
    return out;
  }

  void parse_user_info(std::string_view info, BrokerUrl& out) const {
    const std::size_t colon = info.find(':');
    out.username = decode(info.substr(0, colon), "user name " + show(info.substr(0, colon)), false);
    if (colon != std::string_view::npos) {
      out.password = decode(info.substr(colon + 1), "password", true);
    }
  }

  void parse_hosts(std::string_view list, BrokerUrl& out) const {
    if (list.empty()) {
      // memory://: the in-process broker needs no host; its "host" is an optional broker name.
      // kafka+mock:// starts librdkafka's in-process mock cluster, which names its own brokers.
      if (out.scheme == "memory" || out.scheme == "kafka+mock") return;
      fail("no host given, expected " + out.scheme + "://host[:port]");
    }
    std::size_t begin = 0;
    while (true) {
      const std::size_t comma = list.find(',', begin);
      const std::string_view item = list.substr(begin, comma - begin);
      if (item.empty()) {
        fail("host list " + show(list) +
             " has an empty host, expected host[:port][,host[:port]...]");
      }
      out.hosts.push_back(parse_host(item));
      if (comma == std::string_view::npos) break;
      begin = comma + 1;
    }
  }

  HostPort parse_host(std::string_view item) const {
    HostPort hp;
    if (item[0] == '[') {
      const std::size_t close = item.find(']');
      const std::string_view addr =
          close == std::string_view::npos ? item.substr(1) : item.substr(1, close - 1);
      bool ok = close != std::string_view::npos && addr.find(':') != std::string_view::npos;
      for (const char c : addr) ok = ok && (is_hex(c) || c == ':' || c == '.');
      if (!ok) fail("host " + show(item) + " is not valid, expected [IPv6 address][:port]");
      hp.host = std::string(addr);
      const std::string_view after = item.substr(close + 1);
      if (!after.empty() && after[0] != ':') {
        fail("host " + show(item) + " has " + show(after) + " after ']', expected ':port'");
      }
      if (!after.empty()) hp.port = parse_port(after.substr(1));
      return hp;
    }
    const std::size_t colon = item.find(':');
    if (colon != std::string_view::npos && item.find(':', colon + 1) != std::string_view::npos) {
      fail("host " + show(item) +
           " has more than one ':', expected host[:port] (IPv6 addresses go in brackets, "
           "e.g. [::1]:6379)");
    }
    const std::string_view host = item.substr(0, colon);
    if (host.empty()) fail("host " + show(item) + " has an empty host name, expected host[:port]");
    for (std::size_t i = 0; i < host.size(); ++i) {
      const char c = host[i];
      if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_')) {
        fail("host " + show(host) + " contains " + show(host.substr(i, 1)) +
             ", expected letters, digits, '-', '.' or '_'");
      }
    }
    hp.host = std::string(host);
    if (colon != std::string_view::npos) hp.port = parse_port(item.substr(colon + 1));
    return hp;
  }

  std::uint16_t parse_port(std::string_view text) const {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool digits_only = !text.empty() && is_digit(text[0]);
    if (!digits_only || ec != std::errc() || end != text.data() + text.size() || value < 1 ||
        value > 65535) {
      fail("port " + show(text) + " is not a number in 1..65535");
    }
    return static_cast<std::uint16_t>(value);
  }

  void parse_query(std::string_view query, BrokerUrl& out) const {
    if (query.empty()) return;  // "host?" with nothing after it: no options.
    std::size_t begin = 0;
    while (true) {
      const std::size_t amp = query.find('&', begin);
      const std::string_view item = query.substr(begin, amp - begin);
      const std::size_t eq = item.find('=');
      if (item.empty() || eq == 0) {
        fail("option with an empty name (stray '&' or '='), expected name=value");
      }
      if (eq == std::string_view::npos) {
        fail("option " + show(item) + " has no value, expected name=value");
      }
      const std::string_view raw_name = item.substr(0, eq);
      std::string name = decode(raw_name, "option name " + show(raw_name), false);
      std::string value = decode(item.substr(eq + 1), "value of option " + show(raw_name, name),
                                 is_secret_option(name));
      for (const auto& [existing, unused] : out.options) {
        if (existing == name) {
          fail("option " + show(raw_name, name) + " is given twice, expected it at most once");
        }
      }
      out.options.emplace_back(std::move(name), std::move(value));
      if (amp == std::string_view::npos) break;
      begin = amp + 1;
    }
  }

  std::string_view url_;
  std::size_t mask_end_ = 0;  ///< Parts starting before this offset may hold password text.
  std::string display_;       ///< The URL as shown in errors.
};

[[noreturn]] void bad_option(const BrokerUrl& url, std::string_view name, std::string_view value,
                             const std::string& expected) {
  const std::string shown = is_secret_option(name) ? "***" : std::string(value);
  throw ConfigError("broker URL '" + url.redacted() + "': option " + in_quotes(name) + " value " +
                    in_quotes(shown) + " is not valid, expected " + expected);
}

}  // namespace

BrokerUrl BrokerUrl::parse(std::string_view url) {
  return UrlParser(url).run();
}

std::optional<std::string_view> BrokerUrl::option(std::string_view name) const {
  for (const auto& [key, value] : options) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string BrokerUrl::option_string(std::string_view name, std::string_view fallback) const {
  return std::string(option(name).value_or(fallback));
}

bool BrokerUrl::option_bool(std::string_view name, bool fallback) const {
  const auto value = option(name);
  if (!value) return fallback;
  for (const char* yes : {"true", "1", "yes", "on"}) {
    if (iequals(*value, yes)) return true;
  }
  for (const char* no : {"false", "0", "no", "off"}) {
    if (iequals(*value, no)) return false;
  }
  bad_option(*this, name, *value, "a boolean (true|false|1|0|yes|no|on|off)");
}

std::int64_t BrokerUrl::option_int(std::string_view name, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) const {
  const auto value = option(name);
  if (!value) return fallback;
  std::int64_t result = 0;
  const char* end = value->data() + value->size();
  const auto [ptr, ec] = std::from_chars(value->data(), end, result);
  if (value->empty() || ec != std::errc() || ptr != end || result < min || result > max) {
    bad_option(*this, name, *value,
               "an integer in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return result;
}

std::chrono::milliseconds BrokerUrl::option_duration(std::string_view name,
                                                     std::chrono::milliseconds fallback) const {
  const auto value = option(name);
  if (!value) return fallback;
  return parse_duration(*value, "broker URL '" + redacted() + "': option " + in_quotes(name));
}

std::chrono::milliseconds BrokerUrl::option_positive_duration(
    std::string_view name, std::chrono::milliseconds fallback) const {
  const auto value = option_duration(name, fallback);
  if (value.count() <= 0) {
    throw ConfigError("broker URL '" + redacted() + "': option " + in_quotes(name) +
                      " must be longer than 0ms");
  }
  return value;
}

std::string BrokerUrl::option_choice(std::string_view name, std::string_view fallback,
                                     const std::vector<std::string_view>& allowed) const {
  const auto value = option(name);
  if (!value) return std::string(fallback);
  std::string list;
  for (const std::string_view choice : allowed) {
    if (iequals(*value, choice)) return std::string(choice);
    list += (list.empty() ? "" : "|") + std::string(choice);
  }
  bad_option(*this, name, *value, "one of " + list);
}

std::vector<std::pair<std::string, std::string>> BrokerUrl::options_with_prefix(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : options) {
    if (key.starts_with(prefix)) out.emplace_back(key.substr(prefix.size()), value);
  }
  return out;
}

std::string BrokerUrl::redacted() const {
  std::string out = scheme + "://";
  if (!username.empty() || !password.empty()) {
    out += encode(username, "");
    if (!password.empty()) out += ":***";
    out += '@';
  }
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) out += ',';
    const bool ipv6 = hosts[i].host.find(':') != std::string::npos;
    out += ipv6 ? "[" + hosts[i].host + "]" : hosts[i].host;
    if (hosts[i].port != 0) out += ":" + std::to_string(hosts[i].port);
  }
  if (!path.empty()) out += "/" + encode(path, "/");
  for (std::size_t i = 0; i < options.size(); ++i) {
    const auto& [name, value] = options[i];
    out += (i == 0 ? "?" : "&") + encode(name, ":/,") + "=";
    out += is_secret_option(name) ? "***" : encode(value, ":/,");
  }
  return out;
}

}  // namespace unimq::driver
