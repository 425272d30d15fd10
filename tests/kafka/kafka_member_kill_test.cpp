// A group member killed with SIGKILL after handling messages but before committing them: the
// group hands its partition to the other member, which gets those messages again. On the harness
// broker (UNIMQ_TEST_KAFKA_URL); the member is a process of its own (unimq-kafka-member).
// Labels `fault;kafka`.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "collector.hpp"
#include "process.hpp"
#include "require_broker.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(KafkaMemberKill, MessagesHandledButNotCommittedGoToTheOtherMember) {
  const std::string url = broker_url("UNIMQ_TEST_KAFKA_URL");
  if (url.empty()) return;
  std::random_device rd;
  const std::string topic_name = "member-kill-" + std::to_string(rd());
  const std::string group = "g-" + std::to_string(rd());
  const auto dir = make_temp_dir("unimq-member-");
  const auto out = dir / "handled.txt";
  auto client = Client::connect(url);
  auto topic = client.topic(topic_name);

  // No periodic commit (commit_interval=1h): what the member handles stays uncommitted until it
  // stops, which it never does. A short session lets the group notice its death in 6 s.
  const std::string sep = url.find('?') == std::string::npos ? "?" : "&";
  const std::string member_url =
      url + sep +
      "commit_interval=1h&kafka.session.timeout.ms=6000&kafka.heartbeat.interval.ms=500";
  ChildProcess member;
  std::string why;
  ASSERT_TRUE(member.spawn({UNIMQ_KAFKA_MEMBER, member_url, topic_name, group, out.string()},
                           (dir / "member.log").string(), true, why))
      << why;
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(out.string() + ".ready"); }, 60s))
      << "the member did not start";

  auto producer = topic.producer();
  std::vector<std::future<Receipt>> receipts;
  for (int i = 0; i < 50; ++i) receipts.push_back(producer.publish(Message(std::to_string(i))));
  for (auto& r : receipts) r.get();
  ASSERT_TRUE(eventually([&] { return lines_of(out).size() == 50u; }, 30s))
      << lines_of(out).size() << " handled by the member";
  member.kill9();
  const auto killed = std::chrono::steady_clock::now();

  Collector got;
  // start=all only matters if the group had no committed offset at all; the member's periodic
  // commits are off, so whatever the other member gets past the start was handled, not committed.
  auto other = topic.consumer({.group = group, .start = StartPosition::earliest});
  other.start([&](const Delivery& d) { got.add(d); });
  ASSERT_TRUE(got.wait_for(50, 60s))
      << got.size() << "\nthe member's log:\n"
      << [&] {
           std::ifstream in(dir / "member.log");
           return std::string(std::istreambuf_iterator<char>(in), {});
         }();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  EXPECT_FALSE(got.wait_for(51, 300ms));
  other.stop(5s);
  std::map<std::string, int> expected;
  for (const auto& line : lines_of(out)) expected[line] = 1;
  EXPECT_EQ(got.counts(), expected);
  std::cout << "[ kafka member kill ] the other member had all 50 again " << took.count()
            << " ms after the SIGKILL" << std::endl;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace unimq::test
