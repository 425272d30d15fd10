// Headers: a small ordered map; linear search beats hashing for the handful of headers a
// message carries.
#include "unimq/headers.hpp"

#include <algorithm>

namespace unimq {

Headers::Headers(std::initializer_list<Entry> entries) {
  for (const auto& [name, value] : entries) set(name, value);
}

Headers& Headers::set(std::string name, std::string value) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.first == name; });
  if (it != entries_.end()) {
    it->second = std::move(value);
  } else {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  return *this;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

bool Headers::erase(std::string_view name) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.first == name; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

}  // namespace unimq
