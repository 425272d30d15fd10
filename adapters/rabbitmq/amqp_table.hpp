// Message headers <-> AMQP field tables. Headers go out as long strings (type 'S', binary-safe),
// which every AMQP client reads; tables from other clients may hold numbers, booleans and
// nested tables, which come in as text (nested ones are skipped: they have no header form).
#pragma once

#include <amqp.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "unimq/headers.hpp"

namespace unimq::rabbitmq {

/// Bytes viewing `text` (rabbitmq-c never writes through them when sending).
amqp_bytes_t bytes_of(std::string_view text) noexcept;
/// A view of `bytes`.
std::string_view view_of(amqp_bytes_t bytes) noexcept;

/// An AMQP table viewing a Headers object, which must outlive it and stay unchanged.
class HeaderTable {
 public:
  /// Builds the entries for `headers`.
  explicit HeaderTable(const Headers& headers);
  /// The table, valid while this object and the headers live.
  const amqp_table_t& table() const noexcept { return table_; }

 private:
  std::vector<amqp_table_entry_t> entries_;
  amqp_table_t table_{};
};

/// The headers in `table`: strings as they are, numbers, booleans and decimals as text, byte
/// arrays as bytes; arrays, nested tables and voids are left out.
Headers headers_from_table(const amqp_table_t& table);

/// The integer value of `name` in `table` (any integer field type), or nullopt.
std::optional<std::int64_t> table_integer(const amqp_table_t& table, std::string_view name);

}  // namespace unimq::rabbitmq
