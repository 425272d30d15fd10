// SIGINT and SIGTERM as a request to stop cleanly (finish the current message, flush acks).
#pragma once

namespace unimq::cli {

/// Installs handlers for SIGINT and SIGTERM that only record the request.
void install_stop_signals();
/// Whether SIGINT or SIGTERM arrived since install_stop_signals().
bool stop_requested() noexcept;

}  // namespace unimq::cli
