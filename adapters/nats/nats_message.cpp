// Conversions between unimq and cnats messages; headers travel natively (NATS 2.2+).
#include "nats_message.hpp"

#include <nats/nats.h>

#include "unimq/error.hpp"

namespace unimq::nats {

void MsgDeleter::operator()(natsMsg* msg) const noexcept {
  natsMsg_Destroy(msg);
}

std::string status_text(int s) {
  return natsStatus_GetText(static_cast<natsStatus>(s));
}

driver::ErrorKind classify(int s) noexcept {
  switch (static_cast<natsStatus>(s)) {
    case NATS_TIMEOUT:
      return driver::ErrorKind::timeout;
    case NATS_IO_ERROR:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_RESPONDERS:  // the stream's server is restarting or electing a leader
    case NATS_SLOW_CONSUMER:
    case NATS_DRAINING:
    case NATS_INSUFFICIENT_BUFFER:  // the reconnect buffer is full while reconnecting
      return driver::ErrorKind::retryable;
    case NATS_CONNECTION_CLOSED:
      return driver::ErrorKind::closed;
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return driver::ErrorKind::unauthorized;
    case NATS_NOT_FOUND:
      return driver::ErrorKind::not_found;
    default:
      return driver::ErrorKind::permanent;
  }
}

MsgPtr to_nats(const std::string& subject, const Message& message) {
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, subject.c_str(), nullptr, message.payload().data(),
                                static_cast<int>(message.payload().size()));
  MsgPtr msg(raw);
  // Header values are C strings in cnats and lines in the protocol: a NUL would cut a value
  // short and a line break would corrupt the frame, so both are refused.
  auto set = [&](const std::string& name, const std::string& value) {
    if (s != NATS_OK) return;
    if (value.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos) {
      throw PublishError("nats: the value of header '" + name +
                             "' contains a NUL or line break, which NATS headers cannot carry",
                         false);
    }
    s = value.empty() ? natsMsgHeader_Add(msg.get(), empty_headers, name.c_str())
                      : natsMsgHeader_Set(msg.get(), name.c_str(), value.c_str());
  };
  for (const auto& [name, value] : message.headers()) set(name, value);
  if (!message.key().empty()) set(key_header, message.key());
  if (s != NATS_OK) {
    throw PublishError("nats: cannot build a message for '" + subject + "': " + status_text(s),
                       false);
  }
  return msg;
}

Message from_nats(natsMsg* msg) {
  Message m(
      std::string_view(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      if (std::string_view(keys[i]) == empty_headers) {
        const char** names = nullptr;
        int n = 0;
        if (natsMsgHeader_Values(msg, keys[i], &names, &n) == NATS_OK) {
          for (int j = 0; j < n; ++j) m.headers().set(names[j], "");
          free(static_cast<void*>(names));
        }
        continue;
      }
      const char* value = nullptr;
      if (natsMsgHeader_Get(msg, keys[i], &value) != NATS_OK || value == nullptr) continue;
      if (std::string_view(keys[i]) == key_header) {
        m.key(value);
      } else {
        m.headers().set(keys[i], value);
      }
    }
    free(static_cast<void*>(keys));
  }
  return m;
}

}  // namespace unimq::nats
