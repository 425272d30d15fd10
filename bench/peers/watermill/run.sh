#!/usr/bin/env bash
# Builds watermill-bench into a directory (once: when the binary is missing or older than its
# sources) and runs it with the remaining arguments passed through; JSON lines on stdout.
#
#   bench/peers/watermill/run.sh BIN_DIR --backend B --url U --workload W [...]
#
# Modules come through the Go module proxy into the default cache (GOPATH); go.sum pins them
# (GOFLAGS=-mod=readonly: a build that would change go.mod fails). GO overrides the go binary.
set -euo pipefail

if (($# < 1)) || [[ "$1" == -* ]]; then
  echo "usage: $0 BIN_DIR --backend B --url U --workload W [--size S --messages N --rounds R" \
    "--rate R --duration-s D]" >&2
  exit 2
fi
bin_dir=$1
shift
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$bin_dir/watermill-bench

go=${GO:-}
if [[ -z "$go" ]]; then
  if command -v go >/dev/null; then
    go=go
  elif [[ -x /usr/local/go/bin/go ]]; then
    go=/usr/local/go/bin/go
  else
    echo "run.sh: no go binary (set GO or put go on PATH)" >&2
    exit 1
  fi
fi

stale=0
if [[ ! -x "$bin" ]]; then
  stale=1
elif [[ -n "$(find "$src" -maxdepth 1 \( -name '*.go' -o -name go.mod -o -name go.sum \) \
  -newer "$bin" -print -quit)" ]]; then
  stale=1
fi
if ((stale)); then
  mkdir -p "$bin_dir"
  echo "run.sh: building $bin" >&2
  (cd "$src" && GOFLAGS=-mod=readonly nice "$go" build -trimpath -o "$bin" .) >&2
fi
exec "$bin" "$@"
