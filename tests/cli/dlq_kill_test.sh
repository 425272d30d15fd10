#!/usr/bin/env bash
# dlq replay survives SIGKILL: dlq_kill_test.sh BACKEND URL_VARIABLE DLQ_SEED. 1 000 real dead
# letters; `unimq dlq replay --rate 200` is killed with SIGKILL about halfway, then run again.
# Afterwards every message is back on its topic at least once (duplicates are counted, not
# failed: the killed run published some whose dead-letter copy it never acknowledged) and the
# dead-letter topic is empty for the group.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
backend=$1
url=$(broker_url "$2")
seed=$3
count=1000
# What a killed consumer held comes back after the backend's redelivery delay: RabbitMQ requeues
# at once, Redis Streams claims after claim_after, JetStream redelivers after ack_wait.
case $backend in
  redis_streams) url=$(with_option "$url" claim_after=2s) ;;
  jetstream) url=$(with_option "$url" ack_wait=2s) ;;
esac
export UNIMQ_URL=$url
topic=$(unique replay)

step "$count dead letters"
"$cli" -q dlq list "$topic" --idle 0.5 >/dev/null # the reading group exists first (RabbitMQ)
"$seed" "$url" "$topic" "$count"
for group in verify progress; do "$cli" -q sub "$topic" -g "$group" -e --idle 0.3; done
expect 0 "$cli" dlq list "$topic" --idle 1
contains "$out" "$count dead-lettered messages" "dlq list"

step "replay, killed with SIGKILL halfway"
"$cli" -q dlq replay "$topic" --rate 200 --idle 1 &
replay_pid=$!
background_pids+=("$replay_pid")
sleep 3.5 # about 2.5 s of replaying at 200/s after connecting and a 1 s read
kill -KILL "$replay_pid"
status=0
wait "$replay_pid" || status=$?
[[ $status == 137 ]] || fail "the replay ended with $status before it was killed"
"$cli" sub "$topic" -g progress -e --idle 1 >"$work/first-run"
first=$(wc -l <"$work/first-run")
echo "the killed run had republished $first messages"
((first > 0 && first < count)) || fail "not killed halfway: $first of $count republished"

step "replay again, to the end"
expect 0 "$cli" dlq replay "$topic" --idle 5
echo "$err"
expect 0 "$cli" dlq list "$topic" --idle 3
contains "$out" "0 dead-lettered messages" "dlq list after the replays"

step "every message is back on its topic"
"$cli" sub "$topic" -g verify -e --idle 3 >"$work/back"
total=$(wc -l <"$work/back")
distinct=$(sort -u "$work/back" | wc -l)
missing=$(comm -23 <(seq 0 $((count - 1)) | sed 's/^/m-/' | sort) <(sort -u "$work/back") | wc -l)
echo "$total messages back on '$topic', $distinct distinct, $((total - distinct)) duplicates"
((missing == 0)) || fail "$missing messages never came back"
((distinct == count)) || fail "$distinct distinct messages, expected $count"
echo "dlq replay survived SIGKILL on $backend"
