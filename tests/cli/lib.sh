# Helpers of the CLI test scripts (bash; sourced). The scripts get the unimq binary as UNIMQ_CLI
# and keep scratch files in $work (removed at exit).
set -euo pipefail

cli=${UNIMQ_CLI:?UNIMQ_CLI must name the unimq binary}
work=$(mktemp -d "${TMPDIR:-/tmp}/unimq-cli-test.XXXXXX")
background_pids=()
cleanup() {
  local pid
  for pid in ${background_pids[@]+"${background_pids[@]}"}; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

step() { printf '== %s\n' "$*"; }

# run CMD...: runs CMD with stdout in $out, stderr in $err and the exit status in $status.
run() {
  status=0
  "$@" >"$work/out" 2>"$work/err" || status=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}

# expect EXIT CMD...: runs CMD and fails unless it exits with EXIT.
expect() {
  local want=$1
  shift
  run "$@"
  [[ $status == "$want" ]] ||
    fail "exit $status, expected $want: $*"$'\n'"stdout: $out"$'\n'"stderr: $err"
}

# expect_error EXIT PATTERN CMD...: CMD exits with EXIT and prints exactly one stderr line,
# matching the extended regex PATTERN.
expect_error() {
  local want=$1 pattern=$2
  shift 2
  expect "$want" "$@"
  [[ $(printf '%s\n' "$err" | wc -l) == 1 ]] || fail "expected one stderr line from $*, got: $err"
  [[ $err =~ $pattern ]] || fail "stderr of $* does not match '$pattern': $err"
}

# contains TEXT NEEDLE WHAT: fails unless TEXT contains NEEDLE.
contains() {
  [[ $1 == *"$2"* ]] || fail "$3: '$2' not found in: $1"
}

# broker_url VAR: prints the harness URL in VAR; without it the test is skipped (exit 77), or
# fails when UNIMQ_REQUIRE_BROKERS=1 (as examples/run_on_backend.sh).
broker_url() {
  local url
  url=$(printenv "$1" || true)
  if [[ -z $url ]]; then
    if [[ ${UNIMQ_REQUIRE_BROKERS:-0} == 1 ]]; then
      echo "$1 is not set, but UNIMQ_REQUIRE_BROKERS=1" >&2
      exit 1
    fi
    echo "$1 is not set: skipped"
    exit 77
  fi
  printf '%s\n' "$url"
}

# with_option URL NAME=VALUE: URL with one more query option.
with_option() {
  if [[ $1 == *"?"* ]]; then printf '%s&%s\n' "$1" "$2"; else printf '%s?%s\n' "$1" "$2"; fi
}

# unique NAME: a topic name no earlier run used (the brokers live for a whole test run).
unique() { printf '%s-%s-%s\n' "$1" "$$" "$RANDOM"; }

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || fail "gave up after waiting for: $*"
    sleep 0.1
  done
}
