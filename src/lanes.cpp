// Key-to-lane routing.
#include "internal/lanes.hpp"

#include <cstdint>

namespace unimq::detail {

std::size_t lane_for_key(std::string_view key, std::size_t lanes) noexcept {
  if (lanes <= 1) return 0;
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a offset basis
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ULL;  // FNV prime
  }
  return static_cast<std::size_t>(hash % lanes);
}

}  // namespace unimq::detail
