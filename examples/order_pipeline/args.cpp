// Hand-rolled flag parsing: five flags do not justify a CLI dependency in an example.
#include "args.hpp"

#include <charconv>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string_view>

namespace order_pipeline {
namespace {

template <typename T>
T parse_number(std::string_view flag, std::string_view text, T min, T max) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    throw std::invalid_argument(std::string(flag) + ": expected an integer in [" +
                                std::to_string(min) + ", " + std::to_string(max) + "], got '" +
                                std::string(text) + "'");
  }
  return value;
}

// "30", "30s", "500ms" or "2m"; a bare number is seconds because that is what people type.
std::chrono::milliseconds parse_duration(std::string_view flag, std::string_view text) {
  std::int64_t scale = 1000;
  if (text.ends_with("ms")) {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.ends_with('s')) {
    text.remove_suffix(1);
  } else if (text.ends_with('m')) {
    scale = 60'000;
    text.remove_suffix(1);
  }
  const auto count = parse_number<std::int64_t>(flag, text, 1, 24 * 3600);
  return std::chrono::milliseconds{count * scale};
}

}  // namespace

std::string usage(const char* program) {
  return std::string("usage: ") + program +
         " [--url URL] [--orders N] [--seed S] [--timeout T] [--verbose]\n"
         "\n"
         "Publishes N order-placed events; email, SMS and inventory services consume them as\n"
         "three consumer groups. Email fails for a seeded share of orders: some once (retried),\n"
         "some always (dead-lettered). Exits 0 when every order reached every service or the\n"
         "dead-letter topic within the timeout.\n"
         "\n"
         "  --url URL      broker URL (default memory://)\n"
         "  --orders N     orders to publish (default 200)\n"
         "  --seed S       seed of the email failure plan (default 42)\n"
         "  --timeout T    whole-run limit: 30, 30s, 500ms or 2m (default 30s)\n"
         "  --verbose      show unimq's info logs (one line per dead letter)\n"
         "  --help         this text\n";
}

std::optional<Args> parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    std::optional<std::string_view> value;
    // Accept both "--flag value" and "--flag=value".
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    auto take_value = [&]() -> std::string_view {
      if (value) return *value;
      if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + ": missing value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::cout << usage(argv[0]);
      return std::nullopt;
    } else if (flag == "--verbose") {
      args.verbose = true;
    } else if (flag == "--url") {
      args.url = take_value();
    } else if (flag == "--orders") {
      args.orders = parse_number<std::uint32_t>(flag, take_value(), 1, 10'000'000);
    } else if (flag == "--seed") {
      args.seed = parse_number<std::uint64_t>(flag, take_value(), 0,
                                              std::numeric_limits<std::uint64_t>::max());
    } else if (flag == "--timeout") {
      args.timeout = parse_duration(flag, take_value());
    } else {
      throw std::invalid_argument("unknown argument '" + std::string(argv[i]) + "'");
    }
  }
  return args;
}

}  // namespace order_pipeline
