// Contiguous-ack tracking for brokers that commit a position (Kafka): acks complete out of
// order under concurrency, but the commit may only move past offsets that are all acknowledged.
#include "unimq/driver/ack_watermark.hpp"

#include <algorithm>

namespace unimq::driver {
namespace {

bool before(const auto& entry, std::int64_t offset) {
  return entry.offset < offset;
}

}  // namespace

void AckWatermark::delivered(std::int32_t partition, std::int64_t offset) {
  auto& p = partitions_[partition];
  if (p.outstanding.empty() || p.outstanding.back().offset < offset) {
    p.outstanding.push_back({offset, false});
    ++p.unacked;
    return;
  }
  // Out of order only after a seek or rebalance: keep the deque sorted, and treat a repeated
  // offset as unacknowledged again so the commit never passes a message being reprocessed.
  auto it = std::lower_bound(p.outstanding.begin(), p.outstanding.end(), offset, before<Entry>);
  if (it != p.outstanding.end() && it->offset == offset) {
    if (it->acked) {
      it->acked = false;
      ++p.unacked;
    }
    return;
  }
  p.outstanding.insert(it, {offset, false});
  ++p.unacked;
}

bool AckWatermark::acked(std::int32_t partition, std::int64_t offset) {
  auto found = partitions_.find(partition);
  if (found == partitions_.end()) return false;
  auto& p = found->second;
  auto it = std::lower_bound(p.outstanding.begin(), p.outstanding.end(), offset, before<Entry>);
  if (it == p.outstanding.end() || it->offset != offset || it->acked) return false;
  it->acked = true;
  --p.unacked;
  // Advance over the acknowledged prefix; gaps between delivered offsets are not waited for.
  while (!p.outstanding.empty() && p.outstanding.front().acked) {
    const std::int64_t next = p.outstanding.front().offset + 1;
    if (!p.commit || *p.commit < next) {
      p.commit = next;
      p.dirty = true;
    }
    p.outstanding.pop_front();
  }
  return true;
}

std::optional<std::int64_t> AckWatermark::commit_offset(std::int32_t partition) const {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return std::nullopt;
  return it->second.commit;
}

std::optional<std::int64_t> AckWatermark::resume_offset(std::int32_t partition) const {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return std::nullopt;
  if (it->second.commit) return it->second.commit;
  if (it->second.outstanding.empty()) return std::nullopt;
  return it->second.outstanding.front().offset;
}

std::map<std::int32_t, std::int64_t> AckWatermark::take_commits() {
  std::map<std::int32_t, std::int64_t> out;
  for (auto& [id, p] : partitions_) {
    if (p.dirty && p.commit) out.emplace(id, *p.commit);
    p.dirty = false;
  }
  return out;
}

std::vector<std::int64_t> AckWatermark::acked_beyond(std::int32_t partition) const {
  std::vector<std::int64_t> out;
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return out;
  for (const auto& entry : it->second.outstanding) {
    if (entry.acked) out.push_back(entry.offset);
  }
  return out;
}

std::size_t AckWatermark::pending(std::int32_t partition) const {
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? 0 : it->second.unacked;
}

void AckWatermark::forget(std::int32_t partition) {
  partitions_.erase(partition);
}

}  // namespace unimq::driver
