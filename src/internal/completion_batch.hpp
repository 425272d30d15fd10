// The common layer's side of driver::CompletionBatch: where completions reported inside an open
// batch wait until it closes.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "unimq/driver/driver.hpp"

namespace unimq::detail {

/// A producer's deferred completions: message id (the producer's own numbering) and result.
using DeferredResults = std::vector<std::pair<std::uint64_t, driver::SendResult>>;

/// What settles completions deferred by a driver::CompletionBatch (a producer).
class DeferredCompletions {
 public:
  virtual ~DeferredCompletions() = default;
  /// Settles `results` together, or hands them to the thread that does (leaving `results`
  /// empty, maybe with reusable capacity); called on the thread that closed the batch.
  virtual void settle_deferred(DeferredResults& results) = 0;
  /// Whether settle_deferred() on this thread settles at once (runs callbacks) rather than
  /// handing the results over.
  virtual bool settles_here() const noexcept = 0;
  /// Keeps the receiver alive until the batch closes.
  virtual std::shared_ptr<DeferredCompletions> keep_alive() = 0;
};

/// Whether a driver::CompletionBatch is open on this thread.
bool completion_batch_open() noexcept;
/// Defers one completion for `to` to this thread's open batch (completion_batch_open()).
void defer_completion(DeferredCompletions& to, std::uint64_t id, driver::SendResult&& result);

}  // namespace unimq::detail
