# Brokers for a test run; sourced by scripts/test (bash). Each start_<broker> starts one broker
# natively, on a free loopback port and in its own temporary directory, waits until it answers,
# exports the URLs the tests read (UNIMQ_TEST_<BACKEND>_URL) and records its PID and directory.
# stop_brokers stops every recorded broker by its PID (never by name: other runs and developers
# share the machine), waits for it and removes its directory; call it from an EXIT trap.
# start_<broker> returns non-zero with a message on stderr when its broker does not come up.
#
#   UNIMQ_BROKER_TIMEOUT   seconds a broker may take to answer (default: 20; Kafka: at least 60)

broker_pids=()      # "name:pid" of each started broker
broker_dirs=()      # temporary directories to remove
broker_backends=()  # conformance backends (test-name suffixes) the started brokers serve
rabbitmq_nodes=()   # "node|home|pid_file" of each started RabbitMQ node, stopped with rabbitmqctl

# free_loopback_port: prints a TCP port on 127.0.0.1 nothing listens on, from 20000-32767 (below
# Linux's ephemeral range, so outgoing connections do not take it meanwhile). A port bound but not
# listening passes this check; start_<broker> retries with another port when binding fails.
free_loopback_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 12768))
    # Bash's /dev/tcp connects; a refused connection means nothing listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "brokers: no free loopback port found in 20000-32767" >&2
  return 1
}

# stop_pid NAME PID: SIGTERM, up to 10 s for a clean exit, then SIGKILL; reaps the process.
stop_pid() {
  local name=$1 pid=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0  # already gone
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "brokers: $name (pid $pid) ignored SIGTERM for 10 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  # Its exit status is of no interest (nats-server exits 1 on SIGTERM), and returned from here it
  # would end a caller running under `set -e` (scripts/bench-matrix's EXIT trap) before the
  # brokers recorded after this one are stopped.
  wait "$pid" 2>/dev/null || true
  return 0
}

# stop_brokers: stops every broker started by this shell and removes their directories.
# Idempotent, so it may run from an EXIT trap after an explicit call.
stop_brokers() {
  local entry node home pid_file
  # A RabbitMQ node stops cleanly through rabbitmqctl (with its pid file it waits until the
  # process is gone); stop_pid below then only reaps, or kills one that ignored the request.
  for entry in ${rabbitmq_nodes[@]+"${rabbitmq_nodes[@]}"}; do
    IFS='|' read -r node home pid_file <<<"$entry"
    HOME=$home timeout 60 "$rabbitmq_lib/rabbitmqctl" -q -n "$node" stop "$pid_file" \
      >/dev/null 2>&1 || echo "brokers: rabbitmqctl stop of $node failed; stopping it by PID" >&2
  done
  rabbitmq_nodes=()
  for entry in ${broker_pids[@]+"${broker_pids[@]}"}; do
    stop_pid "${entry%%:*}" "${entry##*:}"
  done
  broker_pids=()
  for entry in ${broker_dirs[@]+"${broker_dirs[@]}"}; do
    rm -rf -- "$entry"
  done
  broker_dirs=()
}

# await_broker NAME PID LOG READY_COMMAND...: runs READY_COMMAND every 0.1 s while PID lives, for
# up to UNIMQ_BROKER_TIMEOUT seconds (default 20). Returns 0 once it succeeds; 2 when the process
# exited because a port was taken between the free-port check and its bind (start again on
# another); 1 otherwise, with the end of LOG on stderr and the process stopped.
await_broker() {
  local name=$1 pid=$2 log=$3
  shift 3
  local timeout=${UNIMQ_BROKER_TIMEOUT:-20}
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    "$@" && return 0
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    stop_pid "$name" "$pid"
    echo "brokers: $name (pid $pid) was not ready within ${timeout} s; the end of its log:" >&2
  else
    wait "$pid" 2>/dev/null
    if grep -qi 'address already in use' "$log" 2>/dev/null; then
      echo "brokers: $name: a port was taken meanwhile; retrying on another" >&2
      return 2
    fi
    echo "brokers: $name exited during startup; the end of its log:" >&2
  fi
  tail -n 20 "$log" >&2 2>/dev/null
  return 1
}

# redis_is_up CLI PORT PID: PONG from this very process (a server someone else started on the
# port meanwhile would answer too, while ours fails to bind).
redis_is_up() {
  [[ "$("$1" -h 127.0.0.1 -p "$2" ping 2>/dev/null)" == PONG ]] &&
    "$1" -h 127.0.0.1 -p "$2" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$3"
}

# start_redis: one redis-server for both Redis backends (pub/sub and Streams), persistent (AOF,
# fsync on every write) as the at-least-once tests expect. Exports UNIMQ_TEST_REDIS_URL,
# UNIMQ_TEST_REDIS_STREAMS_URL and UNIMQ_REDIS_SERVER (the binary, for fault tests that start
# servers of their own).
start_redis() {
  local server cli
  if ! server=$(command -v redis-server) || ! cli=$(command -v redis-cli); then
    echo "brokers: redis-server or redis-cli not found; install the Debian packages" \
      "redis-server and redis-tools (scripts/install-deps does)" >&2
    return 1
  fi
  local dir port pid attempt status
  dir=$(mktemp -d "${TMPDIR:-/tmp}/unimq-redis.XXXXXX") || return 1
  broker_dirs+=("$dir")
  for attempt in 1 2 3; do
    port=$(free_loopback_port) || return 1
    # Not detached (no setsid): if the whole run is killed by its process group, so is redis.
    "$server" --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes \
      --appendfsync always --save '' --daemonize no </dev/null >"$dir/redis.log" 2>&1 &
    pid=$!
    await_broker redis-server "$pid" "$dir/redis.log" redis_is_up "$cli" "$port" "$pid"
    status=$?
    ((status == 2)) && continue
    ((status == 0)) || return 1
    broker_pids+=("redis:$pid")
    broker_backends+=(redis redis_streams)
    export UNIMQ_TEST_REDIS_URL="redis://127.0.0.1:$port?mode=pubsub"
    export UNIMQ_TEST_REDIS_STREAMS_URL="redis://127.0.0.1:$port?mode=streams"
    export UNIMQ_REDIS_SERVER=$server
    echo "brokers: $("$server" --version | cut -d' ' -f1-3) on 127.0.0.1:$port" \
      "(pid $pid, dir $dir)"
    return 0
  done
  echo "brokers: redis-server found no free port in 3 attempts" >&2
  return 1
}

# nats_healthz PORT: whether the monitoring endpoint http://127.0.0.1:PORT/healthz answers
# 200 OK (which nats-server 2.9 sends once JetStream is ready). Plain bash /dev/tcp, no curl.
nats_healthz() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 5 status <&3 || exit 1
    [[ "$status" == "HTTP/1."?" 200 "* ]]
  ) 2>/dev/null
}

# nats_is_up PORTS_FILE MONITOR_PORT: our process wrote its ports file and reports healthy.
nats_is_up() {
  [[ -f "$1" ]] && nats_healthz "$2"
}

# start_nats: one nats-server with JetStream for both NATS backends (core and JetStream), its
# file store in its own temporary directory, a monitoring port for the readiness check. Exports
# UNIMQ_TEST_NATS_URL, UNIMQ_TEST_JETSTREAM_URL and UNIMQ_NATS_SERVER (the binary, for fault
# tests that start servers of their own).
start_nats() {
  local server
  if ! server=$(command -v nats-server); then
    echo "brokers: nats-server not found; install the Debian package nats-server" \
      "(scripts/install-deps does)" >&2
    return 1
  fi
  local dir port mport pid attempt status
  dir=$(mktemp -d "${TMPDIR:-/tmp}/unimq-nats.XXXXXX") || return 1
  broker_dirs+=("$dir")
  for attempt in 1 2 3; do
    port=$(free_loopback_port) || return 1
    mport=$(free_loopback_port) || return 1
    [[ "$mport" != "$port" ]] || continue
    # Not detached (no setsid): if the whole run is killed by its process group, so is nats.
    # --ports_file_dir: the server writes nats-server_<pid>.ports there once it listens on both
    # ports, so a server someone else started on the port meanwhile cannot pass for ours.
    "$server" -js -a 127.0.0.1 -p "$port" -m "$mport" -sd "$dir/js" --ports_file_dir "$dir" \
      </dev/null >"$dir/nats.log" 2>&1 &
    pid=$!
    await_broker nats-server "$pid" "$dir/nats.log" nats_is_up "$dir/nats-server_$pid.ports" "$mport"
    status=$?
    ((status == 2)) && continue
    ((status == 0)) || return 1
    broker_pids+=("nats:$pid")
    broker_backends+=(nats jetstream)
    export UNIMQ_TEST_NATS_URL="nats://127.0.0.1:$port?jetstream=false"
    export UNIMQ_TEST_JETSTREAM_URL="nats://127.0.0.1:$port?jetstream=true"
    export UNIMQ_NATS_SERVER=$server
    echo "brokers: nats-server $("$server" --version | sed 's/^nats-server: //') with JetStream" \
      "on 127.0.0.1:$port, monitoring :$mport (pid $pid, dir $dir)"
    return 0
  done
  echo "brokers: nats-server found no free ports in 3 attempts" >&2
  return 1
}

# RabbitMQ's own scripts: the /usr/sbin wrappers switch to the rabbitmq user (and its HOME, so
# another Erlang cookie), which fails as root and would not find our node's cookie.
rabbitmq_lib=/usr/lib/rabbitmq/bin

# rabbitmq_is_up HOME NODE: the node NODE (whose Erlang cookie is in HOME) has finished booting.
rabbitmq_is_up() {
  HOME=$1 timeout 20 "$rabbitmq_lib/rabbitmqctl" -q -n "$2" await_startup --timeout 5 \
    >/dev/null 2>&1
}

# start_rabbitmq: one rabbitmq-server node for both RabbitMQ backends (classic and quorum group
# queues), everything (Erlang cookie, data, logs, pid file) in its own temporary directory and a
# unique node name, so it never meets another run's node. -detached forks, so the node's own
# PID comes from its pid file. Exports UNIMQ_TEST_AMQP_URL and UNIMQ_RABBITMQ_SERVER (the
# server script, for fault tests that start nodes of their own).
start_rabbitmq() {
  if [[ ! -x "$rabbitmq_lib/rabbitmq-server" ]]; then
    echo "brokers: $rabbitmq_lib/rabbitmq-server not found; install the Debian package" \
      "rabbitmq-server (scripts/install-deps does)" >&2
    return 1
  fi
  local dir port dport node pid attempt status i start=$SECONDS
  dir=$(mktemp -d "${TMPDIR:-/tmp}/unimq-rabbitmq.XXXXXX") || return 1
  broker_dirs+=("$dir")
  echo '[].' >"$dir/enabled_plugins"
  for attempt in 1 2 3; do
    port=$(free_loopback_port) || return 1
    dport=$(free_loopback_port) || return 1
    [[ "$dport" != "$port" ]] || continue
    node="unimq-$$-$RANDOM@localhost"
    rm -f "$dir/rabbitmq.pid"
    HOME=$dir RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_NODE_PORT=$port RABBITMQ_DIST_PORT=$dport RABBITMQ_MNESIA_BASE=$dir/mnesia \
      RABBITMQ_LOG_BASE=$dir/log RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins \
      RABBITMQ_PID_FILE=$dir/rabbitmq.pid \
      "$rabbitmq_lib/rabbitmq-server" -detached </dev/null >"$dir/start.log" 2>&1 || {
      cat "$dir/start.log" >&2
      return 1
    }
    # The node writes its pid file early in its boot.
    for ((i = 0; i < 100; i++)); do
      [[ -s "$dir/rabbitmq.pid" ]] && break
      sleep 0.1
    done
    pid=$(cat "$dir/rabbitmq.pid" 2>/dev/null)
    if [[ -z "$pid" ]]; then
      echo "brokers: rabbitmq-server wrote no pid file within 10 s" >&2
      cat "$dir/start.log" >&2
      return 1
    fi
    await_broker rabbitmq-server "$pid" "$dir/log/$node.log" rabbitmq_is_up "$dir" "$node"
    status=$?
    if ((status == 1)) && grep -qi 'eaddrinuse' "$dir/log/$node.log" 2>/dev/null; then
      status=2
    fi
    ((status == 2)) && continue
    ((status == 0)) || return 1
    broker_pids+=("rabbitmq:$pid")
    rabbitmq_nodes+=("$node|$dir|$dir/rabbitmq.pid")
    broker_backends+=(rabbitmq rabbitmq_quorum)
    export UNIMQ_TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:$port"
    export UNIMQ_RABBITMQ_SERVER=$rabbitmq_lib/rabbitmq-server
    echo "brokers: rabbitmq-server $(HOME=$dir "$rabbitmq_lib/rabbitmqctl" -q -n "$node" version \
      2>/dev/null) node $node on 127.0.0.1:$port (pid $pid, dir $dir," \
      "up in $((SECONDS - start)) s)"
    return 0
  done
  echo "brokers: rabbitmq-server found no free ports in 3 attempts" >&2
  return 1
}

# kafka_jars: fetches the Apache Kafka broker's runtime jars pinned by tools/kafka-broker/pom.xml
# into tools/kafka-broker/target/dependency (Maven downloads them once into ~/.m2; later runs copy
# from there, offline) and prints the java class path of them.
kafka_jars() {
  local pom_dir
  pom_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/kafka-broker" && pwd) || return 1
  if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    echo "brokers: mvn or java not found; install the Debian packages maven and" \
      "default-jre-headless (scripts/install-deps does)" >&2
    return 1
  fi
  local out
  # Quiet Maven still prints colour resets; its output is shown only when it fails.
  if ! out=$(cd "$pom_dir" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies 2>&1); then
    echo "$out" >&2
    echo "brokers: mvn could not fetch the Kafka broker jars (tools/kafka-broker/pom.xml)" >&2
    return 1
  fi
  echo "$pom_dir/target/dependency/*"
}

# kafka_write_config DIR PORT CONTROLLER_PORT: server.properties and log4j.properties of a
# single combined KRaft broker+controller whose data lives in DIR. Test settings: replication
# factor 1 for the internal topics, no initial rebalance delay (a new consumer group is
# assigned at once instead of after 3 s) and one partition for __consumer_offsets (made on the
# first group join; 50 partitions would take seconds on a loaded machine).
kafka_write_config() {
  local dir=$1 port=$2 cport=$3
  cat >"$dir/server.properties" <<CONF
node.id=1
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.quorum.voters=1@127.0.0.1:$cport
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
CONF
  cat >"$dir/log4j.properties" <<CONF
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
log4j.logger.state.change.logger=WARN
CONF
}

# kafka_is_up PORT LOG: our broker logged that it started and answers a metadata request.
kafka_is_up() {
  grep -q 'Kafka Server started' "$2" 2>/dev/null &&
    kcat -b "127.0.0.1:$1" -L -m 5 >/dev/null 2>&1
}

# start_kafka: one Apache Kafka broker (KRaft, one process that is both broker and controller)
# from the jars of tools/kafka-broker/pom.xml, data in its own temporary directory, 512 MiB heap.
# Exports UNIMQ_TEST_KAFKA_URL and UNIMQ_KAFKA_CLASSPATH (the broker's class path, for fault
# tests that start brokers of their own).
start_kafka() {
  local classpath
  classpath=$(kafka_jars) || return 1
  if ! command -v kcat >/dev/null; then
    echo "brokers: kcat not found; install the Debian package kcat (scripts/install-deps does)" >&2
    return 1
  fi
  local dir port cport pid attempt status cluster start=$SECONDS
  dir=$(mktemp -d "${TMPDIR:-/tmp}/unimq-kafka.XXXXXX") || return 1
  broker_dirs+=("$dir")
  # A cluster id is 16 random bytes in URL-safe base64 (what StorageTool random-uuid prints),
  # made here to save a JVM start. One starting with '-' would be read as an option by
  # StorageTool ("expected one argument"; 1 start in 64 failed so): drawn again.
  cluster=-
  while [[ $cluster == -* ]]; do
    cluster=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  done
  for attempt in 1 2 3; do
    port=$(free_loopback_port) || return 1
    cport=$(free_loopback_port) || return 1
    [[ "$cport" != "$port" ]] || continue
    rm -rf "$dir/data"
    kafka_write_config "$dir" "$port" "$cport"
    java -cp "$classpath" -Dlog4j.configuration="file:$dir/log4j.properties" \
      kafka.tools.StorageTool format -t "$cluster" -c "$dir/server.properties" \
      >"$dir/format.log" 2>&1 || {
      echo "brokers: formatting the Kafka log directory failed:" >&2
      cat "$dir/format.log" >&2
      return 1
    }
    # Not detached (no setsid): if the whole run is killed by its process group, so is the JVM.
    java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$dir/log4j.properties" -Dkafka.logs.dir="$dir/logs" \
      -cp "$classpath" kafka.Kafka "$dir/server.properties" </dev/null >"$dir/kafka.log" 2>&1 &
    pid=$!
    UNIMQ_BROKER_TIMEOUT=$((${UNIMQ_BROKER_TIMEOUT:-20} > 60 ? ${UNIMQ_BROKER_TIMEOUT:-20} : 60)) \
      await_broker kafka "$pid" "$dir/kafka.log" kafka_is_up "$port" "$dir/kafka.log"
    status=$?
    ((status == 2)) && continue
    ((status == 0)) || return 1
    broker_pids+=("kafka:$pid")
    broker_backends+=(kafka)
    export UNIMQ_TEST_KAFKA_URL="kafka://127.0.0.1:$port"
    export UNIMQ_KAFKA_CLASSPATH=$classpath
    echo "brokers: Apache Kafka $(sed -n 's/.*kafka\.version>\([^<]*\)<.*/\1/p' \
      "${classpath%/target/dependency/*}/pom.xml") (KRaft) on 127.0.0.1:$port, controller" \
      ":$cport (pid $pid, dir $dir, up in $((SECONDS - start)) s)"
    return 0
  done
  echo "brokers: kafka found no free ports in 3 attempts" >&2
  return 1
}
