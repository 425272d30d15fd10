// Filters of the dlq subcommands and the failed-at timestamp they compare against.
#include <charconv>

#include "dlq.hpp"
#include "unimq/config.hpp"
#include "unimq/dead_letter_policy.hpp"
#include "unimq/error.hpp"

namespace unimq::cli {
namespace {

std::regex compile(const std::string& pattern, const std::string& flag) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw Failure(Exit::usage,
                  flag + " '" + pattern + "': not a regular expression (" + e.what() + ")");
  }
}

bool number(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* first = text.data() + pos;
  const auto [end, ec] = std::from_chars(first, first + len, out);
  return ec == std::errc{} && end == first + len;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':' ||
      !number(text, 0, 4, year) || !number(text, 5, 2, month) || !number(text, 8, 2, day) ||
      !number(text, 11, 2, hour) || !number(text, 14, 2, minute) || !number(text, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::chrono::milliseconds fraction{0};
  if (text[pos] == '.') {
    int scale = 100;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      fraction += std::chrono::milliseconds{(text[pos] - '0') * scale};
      scale /= 10;
    }
  }
  if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second} + fraction;
}

DlqFilter::DlqFilter(const DlqOptions& options) {
  if (!options.filter_error.empty()) error_ = compile(options.filter_error, "--filter-error");
  if (!options.older_than.empty()) {
    try {
      older_than_ = parse_duration(options.older_than, "--older-than");
    } catch (const ConfigError& e) {
      throw Failure(Exit::usage, e.what());
    }
  }
  for (const auto& item : options.filter_headers) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Failure(Exit::usage, "--filter-header '" + item + "': expected NAME=REGEX");
    }
    headers_.emplace_back(item.substr(0, eq), compile(item.substr(eq + 1), "--filter-header"));
  }
}

bool DlqFilter::matches(const Message& message, std::chrono::system_clock::time_point now) const {
  const Headers& h = message.headers();
  if (error_) {
    const std::string error(h.get(dlq_header::error).value_or(""));
    if (!std::regex_search(error, *error_)) return false;
  }
  if (older_than_) {
    // A message without a readable time is never "older than": it is left alone.
    const auto failed_at = parse_utc_time(h.get(dlq_header::failed_at).value_or(""));
    if (!failed_at || now - *failed_at < *older_than_) return false;
  }
  for (const auto& [name, pattern] : headers_) {
    const auto value = h.get(name);
    if (!value || !std::regex_search(std::string(*value), pattern)) return false;
  }
  return true;
}

}  // namespace unimq::cli
