#!/bin/sh
# run_on_backend.sh VAR EXAMPLE [ARGS...]: runs EXAMPLE --url "<value of VAR>" [ARGS...], the
# broker URL the test harness exports (scripts/lib/brokers.sh). Without it the test is skipped
# (exit 77, ctest's SKIP_RETURN_CODE), or fails when UNIMQ_REQUIRE_BROKERS=1.
var=$1
shift
url=$(printenv "$var")
if [ -z "$url" ]; then
  if [ "${UNIMQ_REQUIRE_BROKERS:-0}" = 1 ]; then
    echo "$var is not set, but UNIMQ_REQUIRE_BROKERS=1" >&2
    exit 1
  fi
  echo "$var is not set: skipped"
  exit 77
fi
example=$1
shift
exec "$example" --url "$url" "$@"
