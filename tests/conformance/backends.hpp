// The backends the conformance suite runs against, from environment variables.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace unimq::test {

/// One backend under test.
struct Backend {
  std::string name;     ///< Test-name suffix, e.g. "redis_streams".
  std::string adapter;  ///< Adapter that serves it, e.g. "redis".
  std::string env;      ///< Variable holding its URL.
  std::string url;      ///< The URL (empty when the variable is unset).
};

/// Prints the backend's name in test output (instead of gtest's byte dump).
inline void PrintTo(const Backend& backend, std::ostream* os) {
  *os << backend.name;
}

/// Every known backend, with `url` filled from the environment (memory defaults to memory://).
std::vector<Backend> all_backends();
/// The backends whose adapter is linked into this binary: these are instantiated.
std::vector<Backend> enabled_backends();
/// In a test's SetUp: fails the test (UNIMQ_REQUIRE_BROKERS=1) or skips it when `backend` has no
/// URL. Callers return when HasFatalFailure() or IsSkipped().
void require_url(const Backend& backend);
/// Whether UNIMQ_REQUIRE_BROKERS=1.
bool brokers_required();

}  // namespace unimq::test
