// Command line of the order_pipeline example.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace order_pipeline {

struct Args {
  std::string url = "memory://";
  std::uint32_t orders = 200;
  std::uint64_t seed = 42;
  std::chrono::milliseconds timeout{30'000};
  bool verbose = false;
};

/// The usage text for --help and for errors.
std::string usage(const char* program);

/// Parses argv. Returns nullopt after printing usage for --help; throws std::invalid_argument
/// naming the flag and the value for bad input.
std::optional<Args> parse_args(int argc, char** argv);

}  // namespace order_pipeline
