// driver::CompletionBatch: a thread-local list of producers and their deferred completions.
#include "unimq/driver/completion_batch.hpp"

#include "internal/completion_batch.hpp"

namespace unimq {
namespace {

struct Pending {
  std::shared_ptr<detail::DeferredCompletions> to;
  detail::DeferredResults results;
};

struct OpenBatch {
  unsigned depth = 0;
  std::vector<Pending> pending;  // usually one producer: searched linearly
};

thread_local OpenBatch open_batch;

}  // namespace

namespace driver {

CompletionBatch::CompletionBatch() noexcept {
  ++open_batch.depth;
}

CompletionBatch::~CompletionBatch() {
  if (--open_batch.depth > 0) return;
  // Settling runs callbacks; one that makes a driver complete more on this thread finds no
  // batch open and settles directly, so one pass empties the list.
  auto pending = std::move(open_batch.pending);
  open_batch.pending.clear();
  for (auto& p : pending) p.to->settle_deferred(p.results);
}

}  // namespace driver

namespace detail {

bool completion_batch_open() noexcept {
  return open_batch.depth > 0;
}

void defer_completion(DeferredCompletions& to, std::uint64_t id, driver::SendResult result) {
  for (auto& p : open_batch.pending) {
    if (p.to.get() == &to) {
      p.results.emplace_back(id, std::move(result));
      return;
    }
  }
  auto& p = open_batch.pending.emplace_back(Pending{to.keep_alive(), {}});
  p.results.emplace_back(id, std::move(result));
}

}  // namespace detail
}  // namespace unimq
