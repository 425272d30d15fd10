// Fuzzes the W3C traceparent parser: any input either parses to a context whose traceparent()
// parses back to itself, or is rejected; it never crashes or throws.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "unimq/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto context = unimq::TraceContext::parse(input, input);
  if (context) {
    const auto again = unimq::TraceContext::parse(context->traceparent(), context->tracestate);
    if (!again || !(*again == *context)) std::abort();
  }
  return 0;
}
