// Settling publish completions in batches: a driver that completes many messages in one loop
// opens a CompletionBatch around it, and each producer then settles the loop's completions with
// one lock and one wake-up instead of one per message.
#pragma once

namespace unimq::driver {

/// While one is alive on a thread, the publish completions that thread reports (SendJob::done,
/// the completion of Sender::send) are collected, and handed to their producers when the
/// outermost one ends; each producer settles them and runs the publish callbacks on its own
/// sender thread (at once, when this is that thread), not on this one; a batch that grows
/// large reaches a producer on another thread in parts of 1 024 before it ends. Open one around a
/// loop that completes many messages: a round's replies, a poll of delivery reports. SendQueue
/// opens one around every round. Nesting is allowed. Not movable: it is a scope.
class CompletionBatch {
 public:
  /// Opens (or nests in) this thread's batch.
  CompletionBatch() noexcept;
  /// Closes it; the outermost settles everything collected.
  ~CompletionBatch();
  CompletionBatch(const CompletionBatch&) = delete;
  CompletionBatch& operator=(const CompletionBatch&) = delete;
};

}  // namespace unimq::driver
