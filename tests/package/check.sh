#!/usr/bin/env bash
# check.sh BUILD_DIR WORK_DIR: installs BUILD_DIR into WORK_DIR/prefix, then builds the
# application in consumer/ against that prefix twice, with find_package and with pkg-config,
# and runs both on memory:// and on the Redis Streams broker of the test harness
# (UNIMQ_TEST_REDIS_STREAMS_URL; without it that run is skipped, or fails when
# UNIMQ_REQUIRE_BROKERS=1). Also checks that asking for a component the installation lacks
# fails with a message naming it. ctest label `package`.
set -euo pipefail
build=$1
work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=$work/prefix
rm -rf "$work"
mkdir -p "$work"

cmake --install "$build" --prefix "$prefix" >/dev/null

urls=(memory://)
if [[ -n ${UNIMQ_TEST_REDIS_STREAMS_URL:-} ]]; then
  urls+=("$UNIMQ_TEST_REDIS_STREAMS_URL")
elif [[ ${UNIMQ_REQUIRE_BROKERS:-0} == 1 ]]; then
  echo "check.sh: UNIMQ_TEST_REDIS_STREAMS_URL is not set, but UNIMQ_REQUIRE_BROKERS=1" >&2
  exit 1
else
  echo "check.sh: UNIMQ_TEST_REDIS_STREAMS_URL is not set: the broker run is skipped"
fi

run_all() {
  local app=$1 url
  for url in "${urls[@]}"; do
    echo "$app $url"
    "$app" "$url"
  done
}

echo "== find_package(unimq 0.1 CONFIG REQUIRED COMPONENTS redis)"
cmake -S "$here/consumer" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DUNIMQ_COMPONENTS=redis >/dev/null
cmake --build "$work/cmake-build" >/dev/null
run_all "$work/cmake-build/unimq-package-consumer"

echo "== pkg-config unimq-redis"
# The libraries are static (the default build), so pkg-config's private dependencies are needed.
flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs --static unimq-redis)
# shellcheck disable=SC2086
g++ -o "$work/pkg-consumer" "$here/consumer/main.cpp" $flags
run_all "$work/pkg-consumer"

echo "== a component this installation lacks"
if cmake -S "$here/consumer" -B "$work/missing-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DUNIMQ_COMPONENTS=notanadapter >"$work/missing.log" 2>&1; then
  echo "check.sh: find_package accepted a component that does not exist" >&2
  exit 1
fi
grep -q "built without the 'notanadapter' component" "$work/missing.log" || {
  cat "$work/missing.log" >&2
  exit 1
}
echo "refused with: $(grep -o "unimq was built without[^;]*" "$work/missing.log" | head -1)"
