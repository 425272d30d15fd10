// The metadata this adapter stores with a committed offset: the offsets past it that were
// already acknowledged (handlers finish out of order under concurrency), so whoever reads the
// partition next skips them instead of processing them again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace unimq::kafka {

/// Brokers refuse commit metadata above offset.metadata.max.bytes (4096 by default).
inline constexpr std::size_t max_commit_metadata = 3800;

/// Encodes the ascending offsets `acked` (all above `commit`) as `unimq1:` and comma-separated
/// distances from `commit`, runs as `a-b`. Offsets that do not fit in `max_bytes` are left out
/// (they are read again: a duplicate, never a loss). Empty when there is nothing to skip.
std::string encode_acked(std::int64_t commit, const std::vector<std::int64_t>& acked,
                         std::size_t max_bytes = max_commit_metadata);

/// The offsets encode_acked() stored with `commit`, ascending; empty for metadata another
/// client wrote or that does not parse (then nothing is skipped).
std::vector<std::int64_t> decode_acked(std::int64_t commit, std::string_view metadata);

}  // namespace unimq::kafka
