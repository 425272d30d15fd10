// driver::CompletionBatch: a thread-local list of producers and their deferred completions.
#include "unimq/driver/completion_batch.hpp"

#include "internal/completion_batch.hpp"

#include <utility>

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

// A round of thousands of completions grew a fresh vector of results each time (and freed it,
// so the pages were faulted in again): the last one's storage is kept for the next batch on this
// thread, up to a bound. Taken with exchange, so a batch opened while one settles gets its own.
constexpr std::size_t kSpareCapacity = 8192;
thread_local detail::DeferredResults spare_results;

detail::DeferredResults take_spare() {
  return std::exchange(spare_results, {});
}

void offer_spare(detail::DeferredResults& results) {
  if (results.capacity() > kSpareCapacity || results.capacity() <= spare_results.capacity()) {
    return;
  }
  results.clear();
  spare_results = std::move(results);
}

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
  for (auto& p : pending) {
    p.to->settle_deferred(p.results);
    offer_spare(p.results);
  }
}

}  // namespace driver

namespace detail {

bool completion_batch_open() noexcept {
  return open_batch.depth > 0;
}

void defer_completion(DeferredCompletions& to, std::uint64_t id, driver::SendResult&& result) {
  Pending* p = nullptr;
  for (auto& candidate : open_batch.pending) {
    if (candidate.to.get() == &to) {
      p = &candidate;
      break;
    }
  }
  if (p == nullptr) p = &open_batch.pending.emplace_back(Pending{to.keep_alive(), take_spare()});
  p->results.emplace_back(id, std::move(result));
  // One Kafka poll serves thousands of delivery reports: a vector of them all outgrew the
  // storage kept for reuse, so every poll faulted fresh pages in (a third of the page faults of
  // Kafka publishing). Handed over in parts instead, the storage comes back and is reused.
  // Where the batch settles on this thread (running callbacks), it waits for the batch's end.
  constexpr std::size_t kHandOverEvery = 1024;
  if (p->results.size() >= kHandOverEvery && !p->to->settles_here()) {
    p->to->settle_deferred(p->results);
  }
}

}  // namespace detail
}  // namespace unimq
