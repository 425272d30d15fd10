#!/usr/bin/env bash
# stop_brokers (scripts/lib/brokers.sh) from a shell with `set -e`, as scripts/bench-matrix runs
# it from its EXIT trap: every recorded process is stopped and every directory removed, even when
# a process exits non-zero on SIGTERM (nats-server exits 1). Before, `wait` handed that status
# back, set -e ended the trap there, and the brokers recorded after it kept running (the matrix
# left its Kafka broker behind). Usage: stop_brokers_test.sh SOURCE_DIR
set -euo pipefail
# shellcheck source=../../scripts/lib/brokers.sh
source "$1/scripts/lib/brokers.sh"

# Two stand-ins for brokers: the first exits 1 on SIGTERM, the second 0.
bash -c 'trap "exit 1" TERM; while :; do sleep 0.05; done' &
first=$!
bash -c 'trap "exit 0" TERM; while :; do sleep 0.05; done' &
second=$!
dir=$(mktemp -d)
# Whatever happens below, nothing this test started outlives it.
trap 'kill -KILL "$first" "$second" 2>/dev/null || true; rm -rf -- "$dir"' EXIT
broker_pids+=("first:$first" "second:$second")
broker_dirs+=("$dir")
sleep 0.2  # both have installed their TERM traps

stop_brokers

failed=0
if kill -0 "$first" 2>/dev/null; then echo "FAIL: the first process still runs"; failed=1; fi
if kill -0 "$second" 2>/dev/null; then echo "FAIL: the second process still runs"; failed=1; fi
if [[ -d $dir ]]; then echo "FAIL: $dir was not removed"; failed=1; fi
((${#broker_pids[@]} == 0)) || { echo "FAIL: broker_pids not emptied"; failed=1; }
((failed == 0)) && echo "ok: both stopped, directory removed"
exit "$failed"
