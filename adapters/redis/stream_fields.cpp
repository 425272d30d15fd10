// Stream entry fields <-> Message; the layout is described in stream_fields.hpp.
#include "stream_fields.hpp"

#include <hiredis/hiredis.h>

#include "unimq/error.hpp"

namespace unimq::redis::stream_fields {

void append(Args& args, const Message& message) {
  args.add(payload).add(message.payload());
  if (!message.key().empty()) args.add(key).add(message.key());
  for (const auto& [name, value] : message.headers()) {
    args.own(std::string(header_prefix) + name).add(value);
  }
}

Message decode(const redisReply& fields) {
  if (fields.type != REDIS_REPLY_ARRAY || fields.elements % 2 != 0) {
    throw MalformedError("redis: a stream entry's fields are not a field/value array");
  }
  Message m;
  for (std::size_t i = 0; i + 1 < fields.elements; i += 2) {
    const redisReply* f = fields.element[i];
    const redisReply* v = fields.element[i + 1];
    if (f == nullptr || v == nullptr) {
      throw MalformedError("redis: a stream entry has a missing field or value");
    }
    const std::string_view name = text(*f);
    const std::string_view value = text(*v);
    if (name == payload) {
      m.payload().assign(value);
    } else if (name == key) {
      m.key(std::string(value));
    } else if (name.starts_with(header_prefix)) {
      m.headers().set(std::string(name.substr(header_prefix.size())), std::string(value));
    } else {
      m.headers().set(std::string(name), std::string(value));
    }
  }
  return m;
}

}  // namespace unimq::redis::stream_fields
