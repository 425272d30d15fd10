// Where the pipelines call trace propagation: on publish and around each handler call.
#pragma once

#include <memory>

#include "unimq/trace.hpp"

namespace unimq::detail {

/// Stamps `headers` with the caller's current context unless they carry a `traceparent`.
void inject_trace(Headers& headers) noexcept;
/// Makes the context in `headers` current until the result is destroyed; a missing or
/// malformed `traceparent` activates nothing.
std::unique_ptr<TracePropagator::Activation> activate_trace(const Headers& headers) noexcept;

}  // namespace unimq::detail
