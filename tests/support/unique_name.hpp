// Names no earlier run used, for topics and groups on a broker that outlives the test.
#pragma once

#include <random>
#include <string>

namespace unimq::test {

/// `prefix` followed by a random number: a topic or group of its own for each test run.
inline std::string unique_name(const std::string& prefix) {
  std::random_device rd;
  return prefix + "-" + std::to_string(rd());
}

}  // namespace unimq::test
