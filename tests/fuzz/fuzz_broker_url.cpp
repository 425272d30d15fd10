// Fuzzes broker URL parsing, the typed option accessors and redaction. URLs come from config
// files and the environment, and their errors and redacted() text end up in logs, so besides
// "only ConfigError" the target checks that redacted() re-parses to the same URL and that the
// password never shows in redacted() or in an error message.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unimq/driver/broker_url.hpp"
#include "unimq/error.hpp"

using unimq::driver::BrokerUrl;

namespace {

[[noreturn]] void mismatch(const char* what) {
  std::fprintf(stderr, "fuzz_broker_url: %s\n", what);
  std::abort();
}

// The parsed URL, or nullopt with the error text in `error`.
std::optional<BrokerUrl> try_parse(std::string_view url, std::string& error) {
  try {
    return BrokerUrl::parse(url);
  } catch (const unimq::ConfigError& e) {
    error = e.what();
    return std::nullopt;
  }
}

// Calls `f`, appending its result or its error text to `report`.
template <class F>
void record(std::string& report, F&& f) {
  try {
    report += f();
  } catch (const unimq::ConfigError& e) {
    report += e.what();
  }
  report += '\n';
}

// Longest input tried as a URL.
constexpr std::size_t kMaxUrl = 1024;

// Options that go through every accessor. Each failing accessor builds redacted(), so all the
// options of a 4 KB URL took seconds per input without reaching any new code.
constexpr std::size_t kCheckedOptions = 8;

// Runs every accessor on the first options (and one absent name) and returns what they said, so
// two URLs that differ only in their password can be compared: any difference is a leak.
std::string accessor_report(const BrokerUrl& url) {
  std::vector<std::string> names{"absent"};
  for (const auto& [name, value] : url.options) {
    if (names.size() > kCheckedOptions) break;
    names.push_back(name);
  }
  std::string report;
  for (const std::string& name : names) {
    record(report, [&] { return url.option_string(name, "fallback"); });
    record(report, [&] { return std::to_string(url.option_bool(name, false)); });
    record(report, [&] { return std::to_string(url.option_int(name, 7, -5, 1000)); });
    record(report, [&] {
      constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
      constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
      return std::to_string(url.option_int(name, 0, kMin, kMax));
    });
    record(report, [&] {
      return std::to_string(url.option_duration(name, std::chrono::milliseconds(5)).count());
    });
    record(report, [&] {
      std::string choice = url.option_choice(name, "fallback", {"pubsub", "streams"});
      if (choice != "fallback" && choice != "pubsub" && choice != "streams") {
        mismatch("option_choice returned a value outside the allowed list");
      }
      return choice;
    });
  }
  for (const auto& [rest, value] : url.options_with_prefix(names.back().substr(0, 3))) {
    report += rest + "=" + value + "\n";
  }
  return report;
}

// redacted() is documented as the URL with its secrets masked, so parsing it must give the same
// URL with the password and the values of secret options replaced by `***`.
void check_redacted_reparses(const BrokerUrl& url) {
  const std::string text = url.redacted();
  std::string error;
  const auto again = try_parse(text, error);
  if (!again) mismatch("redacted() does not parse");
  const bool masked_password =
      url.password.empty() ? again->password.empty() : again->password == "***";
  if (again->scheme != url.scheme || again->username != url.username || !masked_password ||
      again->hosts != url.hosts || again->path != url.path ||
      again->options.size() != url.options.size()) {
    mismatch("redacted() parses to a different URL");
  }
  for (std::size_t i = 0; i < url.options.size(); ++i) {
    const auto& [name, value] = url.options[i];
    const auto& [name2, value2] = again->options[i];
    if (name2 != name || (value2 != value && value2 != "***")) {
      mismatch("redacted() changes an option");
    }
  }
}

// Where the raw password of a URL that parsed lies: between the first ':' of the authority and
// the authority's last '@' (the parser's own rule), or nullopt when it has none.
struct Span {
  std::size_t begin;
  std::size_t end;
};
std::optional<Span> password_span(std::string_view url) {
  const std::size_t start = url.find("://") + 3;
  const std::size_t auth_end = std::min(url.find_first_of("/?", start), url.size());
  const std::size_t at = url.substr(0, auth_end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  const std::size_t colon = url.find(':', start);
  if (colon >= at || colon + 1 == at) return std::nullopt;
  return Span{colon + 1, at};
}

std::string with_password(std::string_view url, Span span, std::string_view password) {
  return std::string(url.substr(0, span.begin)) + std::string(password) +
         std::string(url.substr(span.end));
}

// The error for `url`, which must not parse.
std::string error_of(const std::string& url) {
  std::string error;
  if (try_parse(url, error)) return "<parsed>";
  return error;
}

// Compares `url` with the same URL whose password is all 'x' (same length, so every position
// and delimiter stays put): redacted(), every accessor, and the errors of two broken variants
// must not tell them apart.
void check_password_hidden(const std::string& url, const BrokerUrl& parsed, Span span) {
  const std::string raw(url.substr(span.begin, span.end - span.begin));
  const std::string masked = with_password(url, span, std::string(raw.size(), 'x'));
  std::string error;
  const auto parsed_masked = try_parse(masked, error);
  if (!parsed_masked) mismatch("replacing the password with 'x's broke the URL");
  if (parsed.redacted() != parsed_masked->redacted()) mismatch("redacted() shows the password");
  if (accessor_report(parsed) != accessor_report(*parsed_masked)) {
    mismatch("an option accessor shows the password");
  }

  // A stray '%' in the query fails the parse after the authority was read.
  const bool has_query = url.find('?', span.end) != std::string::npos;
  const std::string tail = has_query ? "&%=1" : "?%=1";
  if (error_of(url + tail) != error_of(masked + tail)) mismatch("a parse error shows the password");

  // An unencoded '/' inside the password cuts the authority short, the case redaction of
  // unparsable text guards against. Its letters and digits become 'Z' (kept as they are after a
  // '%', so escapes stay valid): no error text of its own has a 'Z', so when the rest of the URL
  // has none either, not even encoded as %5A, a 'Z' in the error is password text.
  std::string rest = url.substr(0, span.begin) + url.substr(span.end);
  for (char& c : rest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (raw.size() < 2 || rest.find('Z') != std::string::npos ||
      rest.find("%5A") != std::string::npos) {
    return;
  }
  std::string tagged = raw;
  for (std::size_t i = 0; i < tagged.size(); ++i) {
    const bool escaped = (i >= 1 && raw[i - 1] == '%') || (i >= 2 && raw[i - 2] == '%');
    if (std::isalnum(static_cast<unsigned char>(raw[i])) && !escaped) tagged[i] = 'Z';
  }
  const std::size_t half = raw.size() / 2;
  const std::string cut = tagged.substr(0, half) + "/" + tagged.substr(half);
  const std::string cut_error = error_of(with_password(url, span, cut));
  // A URL that still parses means what it says (RFC 3986: the password ends at the '/').
  if (cut_error != "<parsed>" && cut_error.find('Z') != std::string::npos) {
    mismatch("a parse error shows part of a password");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Longer URLs reach no other code, but the duplicate-option check compares every pair of
  // options, which under libFuzzer's comparison tracing made 4 KB inputs take 80 ms each.
  if (size > kMaxUrl) return 0;
  const std::string url(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto parsed = try_parse(url, error);
  if (!parsed) return 0;
  (void)accessor_report(*parsed);
  check_redacted_reparses(*parsed);
  if (const auto span = password_span(url)) check_password_hidden(url, *parsed, *span);
  return 0;
}
