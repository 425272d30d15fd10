// `dlq list TOPIC` and `dlq show TOPIC ID`: read the dead letters without settling them, so
// they go back to the broker when the command ends.
#include <iostream>

#include "dlq.hpp"
#include "output.hpp"
#include "unimq/dead_letter_policy.hpp"

namespace unimq::cli {
namespace {

std::string header(const Message& m, const char* name) {
  return std::string(m.headers().get(name).value_or(""));
}

// One table cell: control characters (an error text with a line break) become spaces.
std::string cell(std::string text, std::size_t max_width = 0) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (max_width > 3 && text.size() > max_width) text = text.substr(0, max_width - 3) + "...";
  return text;
}

// Every dead letter that passes the filters, in one read of up to the reader's window.
std::vector<Delivery> read_matching(DlqReader& reader, const DlqOptions& o) {
  const DlqFilter filter(o);
  const auto now = std::chrono::system_clock::now();
  std::vector<Delivery> out;
  for (auto& d : reader.next_round()) {
    if (filter.matches(d.message(), now)) out.push_back(std::move(d));
    if (o.max > 0 && out.size() >= o.max) break;
  }
  return out;
}

}  // namespace

Exit dlq_list(const DlqOptions& o, const Globals& globals) {
  (void)DlqFilter(o);  // usage errors before connecting
  Client client = connect(globals);
  DlqReader reader(client, o);
  const auto items = read_matching(reader, o);
  reader.stop();
  if (o.json) {
    for (const auto& d : items) {
      if (!print_line(message_json(d.topic(), d.message(), d.id(), d.attempt()).dump())) break;
    }
    return Exit::ok;
  }
  std::cout << items.size() << " dead-lettered message" << (items.size() == 1 ? "" : "s") << " in '"
            << o.dead_letter_topic() << "' (group '" << o.group << "')";
  if (items.size() >= DlqReader::window)
    std::cout << "; more may follow, listed in windows of " << DlqReader::window;
  std::cout << "\n";
  if (items.empty()) return Exit::ok;
  std::size_t id_width = 2;
  for (const auto& d : items) id_width = std::max(id_width, d.id().size());
  const auto row = [&](const std::string& id, const std::string& attempts,
                       const std::string& failed_at, const std::string& error) {
    std::string line = id + std::string(id_width + 2 - std::min(id_width, id.size()), ' ');
    line += attempts + std::string(10 - std::min<std::size_t>(8, attempts.size()), ' ');
    line += failed_at + std::string(26 - std::min<std::size_t>(24, failed_at.size()), ' ');
    line += error;
    std::cout << line << "\n";
  };
  row("ID", "ATTEMPTS", "FAILED-AT", "ERROR");
  for (const auto& d : items) {
    const Message& m = d.message();
    row(cell(d.id()), cell(header(m, dlq_header::attempts)), cell(header(m, dlq_header::failed_at)),
        cell(header(m, dlq_header::error), 100));
  }
  return Exit::ok;
}

Exit dlq_show(const DlqOptions& o, const Globals& globals) {
  Client client = connect(globals);
  DlqReader reader(client, o);
  // The dead letter's own id wins over an original message id, which may look the same (stream
  // sequences of two JetStream streams).
  std::optional<Delivery> found;
  std::optional<Delivery> by_original_id;
  std::size_t read = 0;
  for (auto round = reader.next_round(); !round.empty() && !found; round = reader.next_round()) {
    read += round.size();
    for (auto& d : round) {
      if (d.id() == o.id) {
        found = d;
        break;
      }
      if (!by_original_id && header(d.message(), dlq_header::message_id) == o.id) {
        by_original_id = d;
      }
    }
  }
  if (!found) found = by_original_id;
  reader.stop();
  if (!found) {
    throw Failure(Exit::partial, "no dead letter with id '" + o.id + "' in '" +
                                     o.dead_letter_topic() + "' (" + std::to_string(read) +
                                     " read as group '" + o.group + "')");
  }
  const Message& m = found->message();
  if (o.json) {
    print_line(message_json(found->topic(), m, found->id(), found->attempt()).dump());
    return Exit::ok;
  }
  std::cout << "id:       " << found->id() << "\n"
            << "topic:    " << found->topic() << "\n"
            << "key:      " << cell(m.key()) << "\n"
            << "headers:\n";
  for (const auto& [name, value] : m.headers()) {
    std::cout << "  " << name << ": "
              << (valid_utf8(value) ? cell(value) : "base64:" + base64(value)) << "\n";
  }
  std::cout << "payload (" << m.payload().size() << " bytes"
            << (valid_utf8(m.payload()) ? "" : ", base64") << "):\n"
            << (valid_utf8(m.payload()) ? m.payload() : base64(m.payload())) << "\n";
  return Exit::ok;
}

}  // namespace unimq::cli
