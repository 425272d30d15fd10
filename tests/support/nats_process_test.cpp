// NatsProcess, NatsCluster, http_get and NatsConnection against real private nats-servers.
// Skipped when no nats-server binary exists, unless UNIMQ_REQUIRE_BROKERS=1 (then it fails).
#include "nats_process.hpp"
#include "require_broker.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

class NatsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (NatsProcess::available()) return;
    missing_broker(NatsProcess::server_binary() +
                   " not found (set UNIMQ_NATS_SERVER or install nats-server)");
  }
};

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

/// Publishes `payload` on `from` every 50 ms until `to` (subscribed to `subject`) receives it;
/// subscription interest needs a moment to cross the routes of a cluster.
bool relays(NatsConnection& from, NatsConnection& to, const std::string& subject,
            const std::string& payload, std::chrono::milliseconds bound = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    from.publish(subject, payload);
    from.flush();
    if (auto m = to.read(50ms)) {
      if (m->payload == payload) return true;
    }
  }
  return false;
}

TEST(HttpGet, ReportsNoAnswerFromAClosedPort) {
  // A port nobody listens on: the NatsProcess of another test may take it later, but not now.
  const auto r = http_get(1, "/healthz", 500ms);
  EXPECT_EQ(r.status, -1);
  EXPECT_EQ(r.body, "");
}

TEST_F(NatsProcessTest, StartsOnPrivatePortsWithJetStream) {
  NatsProcess nats;
  EXPECT_TRUE(nats.running());
  EXPECT_GT(nats.pid(), 0);
  EXPECT_NE(nats.port(), 0);
  EXPECT_NE(nats.port(), 4222);
  EXPECT_NE(nats.monitor_port(), 0);
  EXPECT_NE(nats.monitor_port(), nats.port());
  EXPECT_EQ(nats.cluster_port(), 0);
  const std::string port = std::to_string(nats.port());
  EXPECT_EQ(nats.host_port(), "127.0.0.1:" + port);
  EXPECT_EQ(nats.url(), "nats://127.0.0.1:" + port);
  EXPECT_EQ(nats.url("jetstream=true"), "nats://127.0.0.1:" + port + "?jetstream=true");
  EXPECT_TRUE(std::filesystem::is_directory(nats.dir()));
  EXPECT_TRUE(std::filesystem::is_directory(nats.dir() / "js"));
  EXPECT_TRUE(nats.healthy());

  NatsConnection c(nats.port());
  EXPECT_NE(c.info().find("\"jetstream\":true"), std::string::npos) << c.info();
  EXPECT_NE(c.info().find("\"server_name\":\"" + nats.server_name() + "\""), std::string::npos)
      << c.info();
  const auto varz = nats.monitor("/varz");
  ASSERT_EQ(varz.status, 200);
  EXPECT_NE(varz.body.find(nats.server_name()), std::string::npos);
  EXPECT_NE(varz.body.find(std::filesystem::path(nats.dir() / "js").string()), std::string::npos)
      << "the JetStream store is not in the server's directory";
  EXPECT_NE(nats.log().find("Starting nats-server"), std::string::npos) << nats.log();
}

TEST_F(NatsProcessTest, TwoServersGetDifferentPortsDirectoriesAndNames) {
  NatsProcess a;
  NatsProcess b;
  EXPECT_NE(a.port(), b.port());
  EXPECT_NE(a.monitor_port(), b.monitor_port());
  EXPECT_NE(a.dir(), b.dir());
  EXPECT_NE(a.server_name(), b.server_name());

  NatsConnection sub_b(b.port());
  sub_b.subscribe("x", "1");
  sub_b.flush();
  NatsConnection pub_a(a.port());
  pub_a.publish("x", "only-on-a");
  pub_a.flush();
  EXPECT_FALSE(sub_b.read(200ms).has_value()) << "two private servers share messages";
}

TEST_F(NatsProcessTest, JetStreamDataSurvivesKill9AndRestartOnTheSamePort) {
  NatsProcess nats;
  const auto port = nats.port();
  const auto dir = nats.dir();
  const auto old_pid = nats.pid();
  {
    NatsConnection c(port);
    const auto created =
        c.request("$JS.API.STREAM.CREATE.S", R"({"name":"S","subjects":["s.>"],"storage":"file"})");
    ASSERT_EQ(created.payload.find("\"error\""), std::string::npos) << created.payload;
    const auto ack = c.request("s.1", "kept");
    EXPECT_NE(ack.payload.find("\"seq\":1"), std::string::npos) << ack.payload;

    nats.kill9();
    EXPECT_THROW(c.read(5s), std::runtime_error);  // the server closed the connection
  }
  EXPECT_FALSE(nats.running());
  EXPECT_EQ(nats.pid(), -1);
  EXPECT_FALSE(nats.healthy());
  EXPECT_THROW(NatsConnection{port}, std::runtime_error);
  EXPECT_NE(::kill(old_pid, 0), 0);  // reaped, not a zombie

  nats.restart();
  EXPECT_TRUE(nats.running());
  EXPECT_NE(nats.pid(), old_pid);
  EXPECT_EQ(nats.port(), port);
  EXPECT_EQ(nats.dir(), dir);
  EXPECT_TRUE(nats.healthy());
  NatsConnection c(port);
  const auto info = c.request("$JS.API.STREAM.INFO.S", "");
  EXPECT_NE(info.payload.find("\"messages\":1"), std::string::npos) << info.payload;
  const auto got = c.request("$JS.API.STREAM.MSG.GET.S", R"({"seq":1})");
  EXPECT_NE(got.payload.find("\"data\":\"a2VwdA==\""), std::string::npos)  // base64("kept")
      << got.payload;
  EXPECT_EQ(count_of(nats.log(), "Starting nats-server"), 2u);
}

TEST_F(NatsProcessTest, RestartWhileRunningKillsTheOldServerFirst) {
  NatsProcess nats;
  const auto old_pid = nats.pid();
  nats.restart();
  EXPECT_NE(nats.pid(), old_pid);
  EXPECT_NE(::kill(old_pid, 0), 0);
  EXPECT_TRUE(nats.healthy());
}

TEST_F(NatsProcessTest, StopIsOrderlyAndIdempotent) {
  NatsProcess nats;
  const auto pid = nats.pid();
  nats.stop();
  EXPECT_FALSE(nats.running());
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_THROW(NatsConnection{nats.port()}, std::runtime_error);
  nats.stop();
  nats.kill9();
  EXPECT_FALSE(nats.running());
}

TEST_F(NatsProcessTest, DestructorStopsTheServerAndRemovesItsDirectory) {
  std::filesystem::path dir;
  pid_t pid = -1;
  std::uint16_t port = 0;
  {
    NatsProcess nats;
    dir = nats.dir();
    pid = nats.pid();
    port = nats.port();
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_THROW(NatsConnection{port}, std::runtime_error);
}

// A test that crashes must not leave servers behind: the server gets SIGKILL when the thread
// that started it ends (here a helper thread; in a crash, the whole process).
TEST_F(NatsProcessTest, AServerDiesWithTheThreadThatStartedIt) {
  std::optional<NatsProcess> nats;
  std::thread([&] { nats.emplace(); }).join();
  ASSERT_TRUE(nats.has_value());
  const auto port = nats->port();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    try {
      NatsConnection probe(port, 500ms);
      std::this_thread::sleep_for(20ms);
    } catch (const std::runtime_error&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "the server outlived the thread that started it";
  EXPECT_FALSE(nats->healthy());
}

// The server holds no descriptor of the test: a pipe's write end the test closes is closed
// everywhere, so its read end sees EOF (an inherited copy in the server would keep it open).
TEST_F(NatsProcessTest, TheServerInheritsNoDescriptorOfTheTest) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // deliberately without O_CLOEXEC
  NatsProcess nats;
  ::close(fds[1]);
  pollfd p{.fd = fds[0], .events = POLLIN, .revents = 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1) << "the pipe's write end is still open in the server";
  char c = 0;
  EXPECT_EQ(::read(fds[0], &c, 1), 0);
  ::close(fds[0]);
  EXPECT_TRUE(nats.healthy());
}

TEST_F(NatsProcessTest, ExtraArgumentsReachTheServer) {
  NatsProcess nats({"--auth", "s3cret"});
  EXPECT_TRUE(nats.healthy());
  try {
    NatsConnection c(nats.port());
    ADD_FAILURE() << "a connection without the token was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Authorization Violation"), std::string::npos) << e.what();
  }
}

TEST_F(NatsProcessTest, RawConnectionSpeaksHeadersQueueGroupsAndRequests) {
  NatsProcess nats;
  NatsConnection sub(nats.port());
  sub.subscribe("t.*", "1");
  sub.subscribe("q", "2", "workers");
  sub.subscribe("q", "3", "workers");
  sub.flush();
  EXPECT_FALSE(sub.read(100ms).has_value());  // nothing yet: read times out

  NatsConnection pub(nats.port());
  pub.publish("t.plain", "hello");
  pub.publish("t.hdr", std::string("bin\0ary\r\n", 9), {{"A-Name", "v 1"}, {"a-name", "v2"}});
  pub.flush();
  auto plain = sub.read(5s);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->subject, "t.plain");
  EXPECT_EQ(plain->sid, "1");
  EXPECT_FALSE(plain->has_headers);
  EXPECT_EQ(plain->payload, "hello");
  auto hdr = sub.read(5s);
  ASSERT_TRUE(hdr.has_value());
  EXPECT_TRUE(hdr->has_headers);
  EXPECT_EQ(hdr->payload, std::string("bin\0ary\r\n", 9));
  ASSERT_EQ(hdr->headers.size(), 2u);
  EXPECT_EQ(hdr->header("A-Name").value_or("<absent>"), "v 1");
  EXPECT_EQ(hdr->header("a-name").value_or("<absent>"), "v2");
  EXPECT_FALSE(hdr->header("missing").has_value());

  // A queue group: each message goes to one of its two members.
  for (int i = 0; i < 20; ++i) pub.publish("q", std::to_string(i));
  pub.flush();
  std::map<std::string, int> per_sid;
  for (int i = 0; i < 20; ++i) {
    auto m = sub.read(5s);
    ASSERT_TRUE(m.has_value()) << "message " << i << " of 20 missing";
    ++per_sid[m->sid];
  }
  EXPECT_EQ(per_sid["2"] + per_sid["3"], 20);
  EXPECT_FALSE(sub.read(100ms).has_value()) << "a queue group got a message twice";

  // A request nobody serves: the server answers 503 (no responders).
  const auto none = pub.request("nobody.home", "?");
  EXPECT_TRUE(none.has_headers);
  EXPECT_EQ(none.status, "503");
  // A request somebody serves, while another subscription's message waits in the buffer.
  NatsConnection server(nats.port());
  server.subscribe("svc", "1");
  server.flush();
  pub.subscribe("t.*", "9");
  pub.flush();
  pub.publish("t.aside", "kept for read()");
  std::thread responder([&] {
    auto req = server.read(5s);
    if (req) server.publish(req->reply, "re: " + req->payload);
    server.flush();
  });
  const auto answer = pub.request("svc", "ping");
  responder.join();
  EXPECT_EQ(answer.payload, "re: ping");
  auto aside = pub.read(5s);
  ASSERT_TRUE(aside.has_value());
  EXPECT_EQ(aside->payload, "kept for read()");
}

TEST_F(NatsProcessTest, ClusterRoutesEveryMemberAndSurvivesAMemberRestart) {
  NatsCluster cluster;
  ASSERT_EQ(cluster.size(), 3u);
  const auto urls = cluster.client_urls();
  ASSERT_EQ(urls.size(), 3u);
  std::string expected_url = "nats://";
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& n = cluster.node(i);
    EXPECT_TRUE(n.healthy()) << "member " << i;
    EXPECT_NE(n.cluster_port(), 0);
    EXPECT_EQ(urls[i], n.url());
    expected_url += (i > 0 ? "," : "") + n.host_port();
    const auto routez = n.monitor("/routez");
    ASSERT_EQ(routez.status, 200);
    EXPECT_NE(routez.body.find("\"num_routes\": 2"), std::string::npos)
        << "member " << i << ": " << routez.body;
  }
  EXPECT_NE(cluster.node(0).server_name(), cluster.node(1).server_name());
  EXPECT_NE(cluster.node(0).dir(), cluster.node(1).dir());
  EXPECT_EQ(cluster.url(), expected_url);
  EXPECT_EQ(cluster.url("jetstream=true", {2, 0}), "nats://" + cluster.node(2).host_port() + "," +
                                                       cluster.node(0).host_port() +
                                                       "?jetstream=true");

  // JetStream runs clustered: a stream with three replicas can be created.
  {
    NatsConnection c(cluster.node(0).port());
    const auto created = c.request("$JS.API.STREAM.CREATE.R3",
                                   R"({"name":"R3","subjects":["r3"],"num_replicas":3})", 10s);
    EXPECT_EQ(created.payload.find("\"error\""), std::string::npos) << created.payload;
    EXPECT_NE(created.payload.find("\"replicas\""), std::string::npos) << created.payload;
  }

  NatsConnection on0(cluster.node(0).port());
  NatsConnection on2(cluster.node(2).port());
  on2.subscribe("across", "1");
  on2.flush();
  EXPECT_TRUE(relays(on0, on2, "across", "before"));
  EXPECT_EQ(cluster.nodes_with_client("name", "unimq-test-raw"), (std::vector<std::size_t>{0, 2}));

  cluster.node(1).kill9();
  EXPECT_FALSE(cluster.node(1).running());
  EXPECT_TRUE(relays(on0, on2, "across", "during"));
  EXPECT_TRUE(cluster.nodes_with_client("lang", "C").empty());  // no cnats client connected
  EXPECT_EQ(cluster.nodes_with_client("name", "unimq-test-raw"), (std::vector<std::size_t>{0, 2}));

  cluster.node(1).restart();
  EXPECT_TRUE(cluster.node(1).healthy());
  NatsConnection on1(cluster.node(1).port());
  EXPECT_TRUE(relays(on1, on2, "across", "after")) << "the restarted member did not rejoin";
}

}  // namespace
}  // namespace unimq::test
