// Message headers: an ordered list of name/value string pairs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace unimq {

/// Ordered name/value pairs carried with a message. Names are case-sensitive and unique:
/// `set` replaces an existing value. Values are arbitrary bytes in a std::string.
/// Not thread-safe: one Headers object is used by one thread at a time.
class Headers {
 public:
  /// One header.
  using Entry = std::pair<std::string, std::string>;

  Headers() = default;
  /// Builds headers from a list, e.g. `Headers{{"a", "1"}, {"b", "2"}}`; later duplicates win.
  Headers(std::initializer_list<Entry> entries);

  /// Sets `name` to `value`, replacing any existing value; keeps the original position.
  Headers& set(std::string name, std::string value);
  /// The value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  /// Whether `name` is present.
  bool contains(std::string_view name) const { return get(name).has_value(); }
  /// Removes `name`; returns whether it was present.
  bool erase(std::string_view name);

  /// Number of headers.
  std::size_t size() const noexcept { return entries_.size(); }
  /// Whether there are no headers.
  bool empty() const noexcept { return entries_.empty(); }
  /// Iteration in insertion order.
  std::vector<Entry>::const_iterator begin() const noexcept { return entries_.begin(); }
  /// End of iteration.
  std::vector<Entry>::const_iterator end() const noexcept { return entries_.end(); }

  /// Equal when both hold the same pairs in the same order.
  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  std::vector<Entry> entries_;
};

}  // namespace unimq
