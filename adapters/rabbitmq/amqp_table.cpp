// Message headers <-> AMQP field tables.
#include "amqp_table.hpp"

#include <cstdio>
#include <string>

namespace unimq::rabbitmq {

amqp_bytes_t bytes_of(std::string_view text) noexcept {
  amqp_bytes_t b;
  b.len = text.size();
  // rabbitmq-c's amqp_bytes_t has a non-const pointer; outgoing data is only read.
  b.bytes = const_cast<char*>(text.data());
  return b;
}

std::string_view view_of(amqp_bytes_t bytes) noexcept {
  if (bytes.len == 0) return {};
  return {static_cast<const char*>(bytes.bytes), bytes.len};
}

HeaderTable::HeaderTable(const Headers& headers) {
  entries_.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    amqp_table_entry_t e{};
    e.key = bytes_of(name);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = bytes_of(value);
    entries_.push_back(e);
  }
  table_.num_entries = static_cast<int>(entries_.size());
  table_.entries = entries_.empty() ? nullptr : entries_.data();
}

namespace {

std::optional<std::int64_t> integer_of(const amqp_field_value_t& v) {
  switch (v.kind) {
    case AMQP_FIELD_KIND_I8:
      return v.value.i8;
    case AMQP_FIELD_KIND_U8:
      return v.value.u8;
    case AMQP_FIELD_KIND_I16:
      return v.value.i16;
    case AMQP_FIELD_KIND_U16:
      return v.value.u16;
    case AMQP_FIELD_KIND_I32:
      return v.value.i32;
    case AMQP_FIELD_KIND_U32:
      return v.value.u32;
    case AMQP_FIELD_KIND_I64:
    case AMQP_FIELD_KIND_TIMESTAMP:
      return v.value.i64;
    case AMQP_FIELD_KIND_U64:
      return static_cast<std::int64_t>(v.value.u64);
    default:
      return std::nullopt;
  }
}

std::optional<std::string> text_of(const amqp_field_value_t& v) {
  if (auto i = integer_of(v)) {
    return v.kind == AMQP_FIELD_KIND_U64 ? std::to_string(v.value.u64) : std::to_string(*i);
  }
  switch (v.kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
      return std::string(view_of(v.value.bytes));
    case AMQP_FIELD_KIND_BOOLEAN:
      return v.value.boolean ? "true" : "false";
    case AMQP_FIELD_KIND_F32:
      return std::to_string(v.value.f32);
    case AMQP_FIELD_KIND_F64:
      return std::to_string(v.value.f64);
    case AMQP_FIELD_KIND_DECIMAL: {
      // value * 10^-decimals, printed exactly.
      std::string digits = std::to_string(v.value.decimal.value);
      const std::size_t places = v.value.decimal.decimals;
      if (places == 0) return digits;
      if (digits.size() <= places) digits = std::string(places - digits.size() + 1, '0') + digits;
      // Built by concatenation: GCC 12 warns (-Wrestrict, falsely) about string::insert here.
      const std::size_t point = digits.size() - places;
      return digits.substr(0, point) + "." + digits.substr(point);
    }
    default:  // arrays, tables, void: no single header value
      return std::nullopt;
  }
}

}  // namespace

Headers headers_from_table(const amqp_table_t& table) {
  Headers h;
  for (int i = 0; i < table.num_entries; ++i) {
    const auto& e = table.entries[i];
    if (auto text = text_of(e.value)) h.set(std::string(view_of(e.key)), std::move(*text));
  }
  return h;
}

std::optional<std::int64_t> table_integer(const amqp_table_t& table, std::string_view name) {
  for (int i = 0; i < table.num_entries; ++i) {
    if (view_of(table.entries[i].key) == name) return integer_of(table.entries[i].value);
  }
  return std::nullopt;
}

}  // namespace unimq::rabbitmq
