#!/usr/bin/env bash
# The unimq CLI against one harness broker: backend_test.sh BACKEND URL_VARIABLE DLQ_SEED.
# Every subcommand across processes (what one command publishes, another reads), interop in both
# directions with the broker's own tools, and the dlq subcommands on real dead letters (made by
# the library through DLQ_SEED) where the backend keeps them, or their refusal (exit 6) where not.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
backend=$1
url=$(broker_url "$2")
seed=$3
# A JetStream pull still open when a command stops can have fetched messages it never handed
# over; they come back after ack_wait (30 s by default), so the next command could miss them for
# that long. 3 s keeps back-to-back commands exact (each dlq read lasts at least its 2 s idle
# time) while held messages are renewed ("in progress") every second.
[[ $backend == jetstream ]] && url=$(with_option "$url" ack_wait=3s)
export UNIMQ_URL=$url
# host:port of the URL, for the broker's own tools.
hostport=$(printf '%s\n' "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?,]*).*#\2#')
host=${hostport%:*}
port=${hostport##*:}

step "check"
expect 0 "$cli" check --count 3
contains "$out" "round trip          3 on 'unimq.check'" "check"
durable=false
[[ $out == *"durable             yes"* && $out == *"guarantee           at-least-once"* ]] &&
  durable=true
replay=false
[[ $out == *"replay              yes"* ]] && replay=true
echo "durable=$durable replay=$replay"

# start_tail TOPIC FILE [SUB ARGS...]: `unimq sub TOPIC --json` in the background (pid in
# $tail_pid), once it provably receives: "ping" messages are published until one shows up.
start_tail() {
  local topic=$1 file=$2
  shift 2
  "$cli" sub "$topic" --json "$@" >"$file" 2>"$file.err" &
  tail_pid=$!
  background_pids+=("$tail_pid")
  local deadline=$((SECONDS + 30))
  until grep -q '"payload":"ping"' "$file"; do
    ((SECONDS < deadline)) || fail "the subscriber of $topic never received a ping: $(cat "$file.err")"
    "$cli" -q pub "$topic" ping >/dev/null 2>&1 || true
    sleep 0.3
  done
}

# deliver TOPIC FILE CMD...: runs CMD, which publishes to TOPIC, while `unimq sub TOPIC --json`
# reads; FILE gets what that subscriber printed, without pings. Durable backends: a group made
# beforehand (RabbitMQ binds its queue then) reads after CMD; the others: a live subscriber.
deliver() {
  local topic=$1 file=$2
  shift 2
  if $durable; then
    "$cli" -q sub "$topic" -g reader -e --idle 0.3
    "$@"
    "$cli" sub "$topic" -g reader --json -e --idle 3 >"$file"
  else
    start_tail "$topic" "$work/tail" -e --idle 3
    "$@"
    wait "$tail_pid" || fail "unimq sub $topic failed: $(cat "$work/tail.err")"
    grep -v '"payload":"ping"' "$work/tail" >"$file" || true
  fi
}

step "pub | sub --json: payloads in order, key, headers, attempt"
topic=$(unique orders)
deliver "$topic" "$work/got" bash -c "printf 'a\nb\nc\nd\ne\n' | '$cli' -q pub '$topic' -k customer-7 -H x-test=1 -H 'x-note=two words'"
[[ $(jq -r .payload "$work/got" | paste -sd,) == a,b,c,d,e ]] || fail "payloads: $(cat "$work/got")"
[[ $(jq -r '[.topic, .key, .headers["x-test"], .headers["x-note"], .attempt] | join("|")' "$work/got" | sort -u) == \
  "$topic|customer-7|1|two words|1" ]] || fail "fields: $(cat "$work/got")"

step "binary payload: payload_base64"
topic=$(unique blob)
printf '\xff\x00binary' >"$work/blob"
deliver "$topic" "$work/got" "$cli" -q pub "$topic" -f "$work/blob" --whole
[[ $(jq -r .payload_base64 "$work/got") == "/wBiaW5hcnk=" ]] || fail "binary: $(cat "$work/got")"

if $durable; then
  step "sub -n acks only what it printed; the rest stays for the group"
  topic=$(unique count)
  "$cli" -q sub "$topic" -g g -e --idle 0.3
  "$cli" -q pub "$topic" --count 5 one-of-five
  expect 0 "$cli" sub "$topic" -g g -n 2
  [[ $(printf '%s\n' "$out" | wc -l) == 2 ]] || fail "-n 2 printed: $out"
  expect 0 "$cli" sub "$topic" -g g -e --idle 2
  [[ $(printf '%s\n' "$out" | grep -c one-of-five) == 3 ]] || fail "the other 3 did not come: $out"
  expect_error 4 "got 0 of 1 messages" "$cli" sub "$topic" -g g -n 1 -e --idle 0.5
fi

if $replay; then
  step "sub --from all: a new anonymous subscription reads from the start"
  topic=$(unique history)
  "$cli" -q pub "$topic" --count 3 old
  expect 0 "$cli" sub "$topic" --from all -e --idle 2
  [[ $out == $'old\nold\nold' ]] || fail "--from all printed: $out"
fi

step "interop with the broker's own tools"
case $backend in
  redis)
    topic=$(unique chan)
    start_tail "$topic" "$work/tail" -e --idle 2
    redis-cli -h "$host" -p "$port" PUBLISH "$topic" "from redis-cli" >/dev/null
    wait "$tail_pid" || fail "unimq sub failed"
    grep -q '"payload":"from redis-cli","id":' "$work/tail" ||
      fail "redis-cli PUBLISH did not reach unimq sub: $(cat "$work/tail")"
    redis-cli -h "$host" -p "$port" SUBSCRIBE "$topic" >"$work/redis-sub" &
    background_pids+=($!)
    wait_for 10 bash -c "[[ \$(redis-cli -h $host -p $port PUBSUB NUMSUB '$topic' | tail -1) -ge 1 ]]"
    "$cli" -q pub "$topic" "to redis-cli"
    wait_for 10 grep -qx "to redis-cli" "$work/redis-sub"
    ;;
  redis_streams)
    topic=$(unique stream)
    "$cli" -q pub "$topic" "to XRANGE" -k k1 -H h1=v1
    expect 0 redis-cli -h "$host" -p "$port" XRANGE "$topic" - +
    [[ $(printf '%s\n' "$out" | sed -n '2,$p' | paste -sd' ') == "payload to XRANGE key k1 h:h1 v1" ]] ||
      fail "XRANGE shows: $out"
    redis-cli -h "$host" -p "$port" XADD "$topic" '*' payload "from XADD" data x >/dev/null
    expect 0 "$cli" sub "$topic" --from all --json -n 2
    [[ $(printf '%s\n' "$out" | tail -1 | jq -r '.payload + "|" + .headers.data') == "from XADD|x" ]] ||
      fail "XADD entry read as: $out"
    ;;
  rabbitmq)
    topic=$(unique exchange)
    "$cli" -q sub "$topic" -g foreign -e --idle 0.3 # declares queue <topic>.foreign, bound
    "$cli" -q pub "$topic" "to amqp-get" -k k1
    expect 0 amqp-get -u "$url" -q "$topic.foreign"
    [[ $out == "to amqp-get" ]] || fail "amqp-get got: $out"
    "$cli" -q sub "$topic" -g mine -e --idle 0.3
    amqp-publish -u "$url" -e "$topic" -r k2 -p -H "h2: v2" -b "from amqp-publish"
    expect 0 "$cli" sub "$topic" -g mine -n 1 -e --idle 5 --json
    [[ $(jq -r '.payload + "|" + .headers.h2' <<<"$out") == "from amqp-publish|v2" ]] ||
      fail "amqp-publish message read as: $out"
    ;;
  nats | jetstream)
    # The NATS text protocol over bash's /dev/tcp is the foreign client (no nats CLI in Debian).
    topic=$(unique subject)
    if [[ $backend == jetstream ]]; then
      "$cli" -q sub "$topic" -g mine -e --idle 0.3 # creates the stream and the group
    else
      start_tail "$topic" "$work/tail" -e --idle 5  # idle counts from the last ping; slow under ASan
    fi
    exec {nats}<>"/dev/tcp/$host/$port"
    printf 'CONNECT {"verbose":false}\r\nPUB %s 13\r\nfrom raw PUB!\r\nSUB %s 1\r\nPING\r\n' \
      "$topic" "$topic" >&"$nats"
    while IFS= read -r -t 10 line <&"$nats"; do [[ $line == PONG* ]] && break; done
    if [[ $backend == jetstream ]]; then
      expect 0 "$cli" sub "$topic" -g mine -n 1 -e --idle 5
      [[ $out == "from raw PUB!" ]] || fail "raw PUB read as: $out"
    else
      wait "$tail_pid" || fail "unimq sub failed"
      grep -q '"payload":"from raw PUB!"' "$work/tail" || fail "raw PUB not read: $(cat "$work/tail")"
    fi
    "$cli" -q pub "$topic" "to raw SUB"
    got=""
    while IFS= read -r -t 10 line <&"$nats"; do
      line=${line%$'\r'}
      if [[ $line == MSG* || $line == HMSG* ]]; then
        IFS= read -r -t 10 got <&"$nats" || true
        # HMSG carries a header block first: skip to the payload after the blank line.
        if [[ $line == HMSG* ]]; then
          while [[ ${got%$'\r'} != "" ]]; do IFS= read -r -t 10 got <&"$nats"; done
          IFS= read -r -t 10 got <&"$nats" || true
        fi
        got=${got%$'\r'}
        [[ $got == ping ]] && continue
        break
      fi
    done
    exec {nats}>&-
    [[ $got == "to raw SUB" ]] || fail "raw SUB got: '$got'"
    ;;
  kafka)
    # Hook for the Kafka adapter: kcat -C reads what unimq pub wrote, unimq sub reads kcat -P.
    topic=$(unique kafka)
    "$cli" -q pub "$topic" "to kcat" -k k1
    expect 0 kcat -b "$hostport" -C -t "$topic" -o beginning -c 1 -e -f '%k %s\n'
    [[ $out == "k1 to kcat" ]] || fail "kcat -C got: $out"
    printf 'from kcat\n' | kcat -b "$hostport" -P -t "$topic"
    expect 0 "$cli" sub "$topic" --from all -n 2
    [[ $(printf '%s\n' "$out" | tail -1) == "from kcat" ]] || fail "kcat -P read as: $out"
    ;;
  *) fail "no interop case for backend $backend" ;;
esac

step "dlq"
topic=$(unique dlq)
# Every dlq read below ends after this long without a new dead letter (default 2 s); JetStream
# hands over what a pull got only when the pull expires, so it gets longer under load.
idle=1
[[ $backend == jetstream ]] && idle=2
if ! $durable; then
  expect_error 6 "dlq: cannot read dead letters here: .* does not keep messages" \
    "$cli" dlq list --idle "$idle" "$topic"
  echo "all $backend cases passed"
  exit 0
fi
expect 0 "$cli" dlq list "$topic" --idle 0.5 # declares the group unimq-dlq (RabbitMQ: binds)
contains "$out" "0 dead-lettered messages in '$topic.dlq' (group 'unimq-dlq')" "empty dlq list"
"$seed" "$url" "$topic" 20 >/dev/null
"$cli" -q sub "$topic" -g verify -e --idle 0.3 # receives what is replayed from now on

expect 0 "$cli" dlq list --idle "$idle" "$topic"
contains "$out" "20 dead-lettered messages in '$topic.dlq'" "dlq list"
[[ $(printf '%s\n' "$out" | grep -c "seeded failure of m-") == 20 ]] || fail "table: $out"
expect 0 "$cli" dlq list --idle "$idle" "$topic" --json
listed=$out
[[ $(wc -l <<<"$listed") == 20 ]] || fail "dlq list --json: $listed"
id=$(jq -r 'select(.payload == "m-3") | .id' <<<"$listed")
original=$(jq -r 'select(.payload == "m-3") | .headers["unimq-dlq-message-id"]' <<<"$listed")
expect 0 "$cli" dlq show --idle "$idle" "$topic" "$id"
contains "$out" "unimq-dlq-topic: $topic" "dlq show"
contains "$out" $'payload (3 bytes):\nm-3' "dlq show"
# By the original message id, unless that is also a dead letter's id (JetStream: both are
# stream sequences), which wins.
if [[ $(jq -s --arg id "$original" 'any(.[]; .id == $id)' <<<"$listed") == false ]]; then
  expect 0 "$cli" dlq show --idle "$idle" "$topic" "$original" --json
  [[ $(jq -r .payload <<<"$out") == m-3 ]] || fail "show by original id: $out"
fi
expect_error 5 "no dead letter with id 'nope'" "$cli" dlq show "$topic" nope --idle 0.5

expect 0 "$cli" dlq replay --idle "$idle" "$topic" --dry-run
[[ $(printf '%s\n' "$out" | grep -c "^would replay .* to '$topic'$") == 20 ]] || fail "dry run: $out"
contains "$err" "replay: 20 messages would be replayed" "dry run"
expect 0 "$cli" dlq replay --idle "$idle" "$topic" --filter-header 'x-seq=^1[0-9]$'
contains "$err" "replay: 10 messages replayed from '$topic.dlq', 10 left by the filters" "filter"
expect 0 "$cli" dlq replay --idle "$idle" "$topic" --older-than 1h
contains "$err" "replay: 0 messages replayed from '$topic.dlq', 10 left by the filters" "older"
expect 0 "$cli" dlq replay --idle "$idle" "$topic" --filter-error 'm-[0-9]$' --max 3
contains "$err" "replay: 3 messages replayed" "--max"
expect 0 "$cli" dlq list --idle "$idle" "$topic"
contains "$out" "7 dead-lettered messages" "after replays"
expect 0 "$cli" dlq purge --idle "$idle" "$topic"
contains "$err" "purge: 7 messages purged from '$topic.dlq'" "purge"
expect 0 "$cli" dlq list --idle "$idle" "$topic"
contains "$out" "0 dead-lettered messages" "after purge"

"$cli" sub "$topic" -g verify --json -e --idle 3 >"$work/replayed"
[[ $(wc -l <"$work/replayed") == 13 ]] || fail "replayed: $(cat "$work/replayed")"
jq -e -s 'all(.[]; .attempt == 1 and .key == ("k" + ((.headers["x-seq"] | tonumber) % 7 | tostring))
  and .payload == ("m-" + .headers["x-seq"])
  and ([.headers | keys[] | select(startswith("unimq-"))] | length) == 0)' "$work/replayed" \
  >/dev/null || fail "replayed messages are not the originals: $(cat "$work/replayed")"
[[ $(jq -r .payload "$work/replayed" | grep -cE '^m-1[0-9]$') == 10 ]] ||
  fail "m-10..m-19 not all replayed: $(cat "$work/replayed")"

echo "all $backend cases passed"
