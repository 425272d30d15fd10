// Tracks acknowledgements that complete out of order and yields, per partition, the offset up to
// which every delivered message has been acknowledged (what Kafka may commit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace unimq::driver {

/// Per-partition watermark of contiguous acknowledgements. Offsets of one partition must be
/// delivered in increasing order; gaps between offsets (compaction, transaction markers) are
/// fine. Not thread-safe.
class AckWatermark {
 public:
  /// Records that `offset` of `partition` was handed to the application.
  void delivered(std::int32_t partition, std::int64_t offset);
  /// Records that `offset` was acknowledged; unknown offsets are ignored (returns false).
  bool acked(std::int32_t partition, std::int64_t offset);
  /// The next offset to consume after the highest contiguously acknowledged one, i.e. the
  /// Kafka commit offset; nullopt when nothing of `partition` has been acknowledged yet.
  std::optional<std::int64_t> commit_offset(std::int32_t partition) const;
  /// Where the next owner of `partition` should resume: commit_offset(), or, while nothing is
  /// contiguously acknowledged yet, the first offset still unacknowledged (so offsets acked
  /// beyond it can be committed with it); nullopt when nothing was delivered.
  std::optional<std::int64_t> resume_offset(std::int32_t partition) const;
  /// Commit offsets that advanced since the previous call, by partition.
  std::map<std::int32_t, std::int64_t> take_commits();
  /// Offsets of `partition` acknowledged beyond the commit offset (behind an unacknowledged
  /// one), ascending: what a restart from the commit offset would deliver again although it was
  /// processed. Kafka stores them with the commit so the next reader can skip them.
  std::vector<std::int64_t> acked_beyond(std::int32_t partition) const;
  /// Messages of `partition` delivered but not yet acknowledged.
  std::size_t pending(std::int32_t partition) const;
  /// Forgets a partition (after it was revoked).
  void forget(std::int32_t partition);

 private:
  struct Entry {
    std::int64_t offset;
    bool acked;
  };
  struct Partition {
    // Delivered offsets not yet below the commit point, sorted; a deque instead of a map avoids
    // a node allocation per message on the hot path.
    std::deque<Entry> outstanding;
    std::size_t unacked = 0;             // entries of `outstanding` with acked == false
    std::optional<std::int64_t> commit;  // next offset after the contiguous acked prefix
    bool dirty = false;                  // commit advanced since take_commits()
  };
  std::map<std::int32_t, Partition> partitions_;
};

}  // namespace unimq::driver
