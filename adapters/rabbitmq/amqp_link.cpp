// rabbitmq-c in synchronous mode. Every call that waits has a deadline: the handshake and RPC
// timeouts bound login and topology calls, frame waits take the caller's deadline, so a broker
// that stops answering never wedges the owning thread.
#include "amqp_link.hpp"

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

#include <algorithm>

#include "amqp_table.hpp"
#include "internal/log.hpp"

namespace unimq::rabbitmq {
namespace {

constexpr std::chrono::milliseconds first_backoff{100};

timeval to_timeval(std::chrono::microseconds us) {
  us = std::max(us, std::chrono::microseconds{0});
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(us.count() / 1000000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>(us.count() % 1000000);
  return tv;
}

std::string reply_text(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply (missing RPC reply type)";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_connection_close_t*>(r.reply.decoded);
        return "connection closed by the broker: " + std::to_string(m->reply_code) + " " +
               std::string(view_of(m->reply_text));
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_channel_close_t*>(r.reply.decoded);
        return "channel closed by the broker: " + std::to_string(m->reply_code) + " " +
               std::string(view_of(m->reply_text));
      }
      return "broker error (method " + std::to_string(r.reply.id) + ")";
  }
  return "unknown reply";
}

int reply_code_of(const amqp_rpc_reply_t& r) {
  if (r.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION) return 0;
  if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    return static_cast<const amqp_connection_close_t*>(r.reply.decoded)->reply_code;
  }
  if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    return static_cast<const amqp_channel_close_t*>(r.reply.decoded)->reply_code;
  }
  return 0;
}

}  // namespace

std::string close_text(const amqp_frame_t& frame) {
  if (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded);
    return std::to_string(m->reply_code) + " " + std::string(view_of(m->reply_text));
  }
  const auto* m = static_cast<const amqp_channel_close_t*>(frame.payload.method.decoded);
  return std::to_string(m->reply_code) + " " + std::string(view_of(m->reply_text));
}

int close_code(const amqp_frame_t& frame) {
  if (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    return static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded)->reply_code;
  }
  return static_cast<const amqp_channel_close_t*>(frame.payload.method.decoded)->reply_code;
}

Link::Link(const Settings& settings, std::string role)
    : settings_(settings), role_(std::move(role)) {}

Link::~Link() {
  close();
}

void Link::drop(const std::string& reason) {
  if (conn_ == nullptr) return;
  // No close handshake: the socket is broken or the broker already closed the connection.
  amqp_destroy_connection(conn_);
  conn_ = nullptr;
  // The reconnect starts with the next host of the URL (the same one when there is only one).
  ++next_host_;
  detail::log_warn("rabbitmq " + role_ + " connection to " + settings_.display +
                   " lost: " + reason);
}

void Link::close() {
  if (conn_ == nullptr) return;
  // A polite close is bounded by the RPC timeout set at connect.
  amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn_);
  conn_ = nullptr;
  detail::log_debug("rabbitmq " + role_ + " connection to " + settings_.display + " closed");
}

void Link::fail(int code, const std::string& what) {
  drop(what);
  throw AmqpError(code, "rabbitmq " + role_ + " connection to " + settings_.display + ": " + what);
}

void Link::fail_stalled(const char* what, std::chrono::milliseconds timeout) {
  fail(0, std::string(what) + ": the socket took no more bytes for " +
              std::to_string(timeout.count()) + " ms (the broker stopped reading)");
}

bool Link::ensure_connected() {
  if (conn_ != nullptr) return false;
  const auto now = Clock::now();
  if (now < next_attempt_) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
    throw AmqpError(0, "rabbitmq " + role_ + " connection to " + settings_.display +
                           " is down; next reconnect attempt in " + std::to_string(wait.count()) +
                           "ms");
  }
  // One attempt tries every host once, starting with the one after the host that failed last;
  // the backoff applies only when none of them takes the connection.
  std::string errors;
  for (std::size_t tried = 0; conn_ == nullptr && tried < settings_.hosts.size(); ++tried) {
    try {
      connect_now();
    } catch (const AmqpError& e) {
      errors += errors.empty() ? e.what() : std::string("; ") + e.what();
    }
  }
  if (conn_ == nullptr) {
    backoff_ = std::min(std::max(backoff_ * 2, first_backoff), settings_.reconnect_max);
    next_attempt_ = Clock::now() + backoff_;
    throw AmqpError(0, errors);
  }
  backoff_ = std::chrono::milliseconds{0};
  if (ever_connected_) {
    detail::log_info("rabbitmq " + role_ + " connection to " + settings_.display + " restored");
  }
  ever_connected_ = true;
  return true;
}

void Link::connect_now() {
  const Host& host = settings_.hosts[next_host_ % settings_.hosts.size()];
  const std::string where = host.host + ":" + std::to_string(host.port);
  amqp_connection_state_t conn = amqp_new_connection();
  if (conn == nullptr) throw AmqpError(0, "rabbitmq: out of memory creating a connection");
  const auto give_up = [&](const std::string& why) {
    amqp_destroy_connection(conn);
    // The next attempt goes to the next host of the URL.
    ++next_host_;
    throw AmqpError(0, "rabbitmq " + role_ + " connection to " + where + " (" + settings_.display +
                           ") failed: " + why);
  };
  amqp_socket_t* socket = nullptr;
  if (settings_.tls) {
    socket = amqp_ssl_socket_new(conn);
    if (socket != nullptr) {
      amqp_ssl_socket_set_verify_peer(socket, 1);
      amqp_ssl_socket_set_verify_hostname(socket, 1);
      if (amqp_ssl_socket_set_cacert(socket, settings_.cacert.c_str()) != AMQP_STATUS_OK) {
        give_up("cannot read the CA certificates in '" + settings_.cacert + "' (option cacert)");
      }
    }
  } else {
    socket = amqp_tcp_socket_new(conn);
  }
  if (socket == nullptr) give_up("cannot create a socket");
  auto timeout = to_timeval(settings_.connect_timeout);
  amqp_set_handshake_timeout(conn, &timeout);
  amqp_set_rpc_timeout(conn, &timeout);
  if (const int status = amqp_socket_open_noblock(socket, host.host.c_str(), host.port, &timeout);
      status != AMQP_STATUS_OK) {
    give_up(amqp_error_string2(status));
  }
  // Connection name shown by `rabbitmqctl list_connections client_properties`.
  const std::string name = "unimq " + role_;
  amqp_table_entry_t prop{};
  prop.key = amqp_cstring_bytes("connection_name");
  prop.value.kind = AMQP_FIELD_KIND_UTF8;
  prop.value.value.bytes = bytes_of(name);
  amqp_table_t props{1, &prop};
  const auto login = amqp_login_with_properties(
      conn, settings_.vhost.c_str(), 0, static_cast<int>(settings_.frame_max),
      static_cast<int>(settings_.heartbeat.count()), &props, AMQP_SASL_METHOD_PLAIN,
      settings_.user.c_str(), settings_.password.c_str());
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    std::string why = reply_text(login);
    if (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        login.library_error == AMQP_STATUS_SOCKET_CLOSED) {
      // RabbitMQ closes the socket on bad credentials (ACCESS_REFUSED) or an unknown vhost.
      why += " (wrong user, password or vhost '" + settings_.vhost + "'?)";
    }
    give_up("login: " + why);
  }
  amqp_channel_open(conn, channel);
  if (const auto r = amqp_get_rpc_reply(conn); r.reply_type != AMQP_RESPONSE_NORMAL) {
    give_up("channel.open: " + reply_text(r));
  }
  conn_ = conn;
  detail::log_debug("rabbitmq " + role_ + " connected to " + where);
}

void Link::check_rpc(const char* what) {
  check_reply(amqp_get_rpc_reply(conn_), what);
}

void Link::check_reply(const amqp_rpc_reply_t& reply, const char* what) {
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return;
  fail(reply_code_of(reply), std::string(what) + ": " + reply_text(reply));
}

void Link::check_status(int status, const char* what) {
  if (status == AMQP_STATUS_OK) return;
  fail(0, std::string(what) + ": " + amqp_error_string2(status));
}

void Link::declare_exchange(std::string_view name) {
  amqp_exchange_declare(conn_, channel, bytes_of(name), amqp_cstring_bytes("topic"), 0, 1, 0, 0,
                        amqp_empty_table);
  check_rpc(("exchange.declare '" + std::string(name) + "'").c_str());
}

void Link::delete_exchange(std::string_view name) {
  amqp_exchange_delete(conn_, channel, bytes_of(name), 0);
  check_rpc(("exchange.delete '" + std::string(name) + "'").c_str());
}

std::string Link::declare_queue(std::string_view name, const amqp_table_t& args) {
  const bool broadcast = name.empty();
  auto* ok = amqp_queue_declare(conn_, channel, bytes_of(name), 0, broadcast ? 0 : 1,
                                broadcast ? 1 : 0, broadcast ? 1 : 0, args);
  check_rpc(("queue.declare '" + std::string(name) + "'").c_str());
  return std::string(view_of(ok->queue));
}

void Link::bind(std::string_view queue, std::string_view exchange, std::string_view routing_key) {
  amqp_queue_bind(conn_, channel, bytes_of(queue), bytes_of(exchange), bytes_of(routing_key),
                  amqp_empty_table);
  check_rpc(("queue.bind '" + std::string(queue) + "' to '" + std::string(exchange) + "'").c_str());
}

std::optional<amqp_frame_t> Link::wait_frame(Clock::time_point deadline) {
  amqp_frame_t frame{};
  for (;;) {
    auto tv =
        to_timeval(std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()));
    const int status = amqp_simple_wait_frame_noblock(conn_, &frame, &tv);
    if (status == AMQP_STATUS_TIMEOUT) return std::nullopt;
    if (status != AMQP_STATUS_OK) fail(0, std::string("reading: ") + amqp_error_string2(status));
    if (frame.frame_type == AMQP_FRAME_METHOD &&
        frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
      const int code = close_code(frame);
      const std::string text = close_text(frame);
      amqp_connection_close_ok_t ok{};
      amqp_send_method(conn_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      fail(code, "connection closed by the broker: " + text);
    }
    if (frame.frame_type == AMQP_FRAME_HEARTBEAT) continue;
    return frame;
  }
}

AmqpError Link::reopen_channel(const amqp_frame_t& close_frame) {
  const int code = close_code(close_frame);
  AmqpError error(
      code, "rabbitmq " + role_ + " channel closed by the broker: " + close_text(close_frame));
  amqp_channel_close_ok_t ok{};
  check_status(amqp_send_method(conn_, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok),
               "channel.close-ok");
  amqp_maybe_release_buffers(conn_);
  amqp_channel_open(conn_, channel);
  check_rpc("channel.open");
  return error;
}

}  // namespace unimq::rabbitmq
