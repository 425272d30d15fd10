// Commit metadata: acknowledged offsets beyond the committed one, as distances from it.
#include "commit_metadata.hpp"

#include <charconv>

namespace unimq::kafka {
namespace {

constexpr std::string_view prefix = "unimq1:";

bool parse_number(std::string_view text, std::int64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out > 0;
}

}  // namespace

std::string encode_acked(std::int64_t commit, const std::vector<std::int64_t>& acked,
                         std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < acked.size();) {
    if (acked[i] <= commit) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < acked.size() && acked[j + 1] == acked[j] + 1) ++j;
    std::string item = std::to_string(acked[i] - commit);
    if (j > i) item += "-" + std::to_string(acked[j] - commit);
    const std::size_t grown = (out.empty() ? prefix.size() : out.size() + 1) + item.size();
    if (grown > max_bytes) break;
    out += out.empty() ? std::string(prefix) : std::string(",");
    out += item;
    i = j + 1;
  }
  return out;
}

std::vector<std::int64_t> decode_acked(std::int64_t commit, std::string_view metadata) {
  std::vector<std::int64_t> out;
  if (metadata.substr(0, prefix.size()) != prefix) return out;
  metadata.remove_prefix(prefix.size());
  std::int64_t last = 0;
  while (!metadata.empty()) {
    const std::size_t comma = metadata.find(',');
    const std::string_view item = metadata.substr(0, comma);
    metadata = comma == std::string_view::npos ? std::string_view{} : metadata.substr(comma + 1);
    const std::size_t dash = item.find('-');
    std::int64_t first = 0;
    std::int64_t second = 0;
    if (!parse_number(item.substr(0, dash), first)) return {};
    second = first;
    if (dash != std::string_view::npos && !parse_number(item.substr(dash + 1), second)) return {};
    // Ascending and bounded: a corrupt entry cannot make a reader skip a huge range.
    if (first <= last || second < first || second - first > 1'000'000) return {};
    for (std::int64_t d = first; d <= second; ++d) out.push_back(commit + d);
    last = second;
  }
  return out;
}

}  // namespace unimq::kafka
