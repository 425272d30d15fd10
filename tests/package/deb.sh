#!/usr/bin/env bash
# deb.sh BUILD_DIR [CMAKE ARGS...]: the Debian packages, end to end (scripts/test, build stage;
# needs root for apt-get). Configures BUILD_DIR as a shared-library build for /usr (tests,
# examples and bench off; the CMake args name the adapters), builds it, runs `cpack -G DEB`,
# checks each package's file list (dpkg-deb -c) and Depends, installs the three packages with
# apt-get (which proves their Depends resolve), builds the out-of-tree consumer (consumer/)
# against /usr with find_package and with pkg-config, runs it and the installed `unimq` on
# memory:// and on the harness Redis Streams broker (UNIMQ_TEST_REDIS_STREAMS_URL; skipped
# without it, a failure with UNIMQ_REQUIRE_BROKERS=1), and purges the packages again on exit,
# also when a step failed, so no later build picks up installed headers.
set -euo pipefail
build=$1
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
packages=(libunimq libunimq-dev unimq-tools)
apt=(apt-get -o DPkg::Lock::Timeout=120 -y -qq)
export DEBIAN_FRONTEND=noninteractive

if ((EUID != 0)); then
  echo "deb.sh: installing packages needs root" >&2
  exit 1
fi
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
purge() {
  local p present=()
  for p in "${packages[@]}"; do installed "$p" && present+=("$p"); done
  ((${#present[@]} == 0)) && return 0
  echo "== purging ${present[*]}"
  "${apt[@]}" purge "${present[@]}" >/dev/null
}
# Left over from an interrupted run: remove first, so the checks below see only this build.
purge
trap purge EXIT

start=$SECONDS
echo "== shared build for /usr in $build"
# -O2, not Release's -O3: g++ 12 reports a false -Wrestrict in std::string at -O3 (GCC bug 105329).
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DBUILD_SHARED_LIBS=ON \
  -DCMAKE_INSTALL_PREFIX=/usr -DUNIMQ_WERROR=ON -DUNIMQ_BUILD_TESTS=OFF \
  -DUNIMQ_BUILD_EXAMPLES=OFF -DUNIMQ_BUILD_BENCH=OFF -DUNIMQ_BUILD_CLI=ON "$@" >/dev/null
cmake --build "$build"
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >/dev/null)
echo "built in $((SECONDS - start)) s"

libdir=usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb_of() { ls "$build/$1"_*.deb; }
# expect_files PACKAGE PATTERN...: the package holds a path matching each extended regex.
expect_files() {
  local deb=$1 pattern
  shift
  for pattern in "$@"; do
    grep -qE "$pattern" "$work/$deb.files" || {
      echo "deb.sh: $deb has no file matching $pattern:" >&2
      cat "$work/$deb.files" >&2
      exit 1
    }
  done
}
# refuse_files PACKAGE PATTERN: no path of the package matches PATTERN.
refuse_files() {
  if grep -E "$2" "$work/$1.files"; then
    echo "deb.sh: $1 must not hold the files above" >&2
    exit 1
  fi
}
work=$build/deb-check
rm -rf "$work"
mkdir -p "$work"
for p in "${packages[@]}"; do
  deb=$(deb_of "$p")
  dpkg-deb -c "$deb" | awk '{print $6 ($7 ? " " $7 " " $8 : "")}' | sed 's#^\./##' >"$work/$p.files"
  printf '== %s (%s KiB): %s files; Depends: %s\n' "$(basename "$deb")" \
    "$(($(stat -c %s "$deb") / 1024))" "$(grep -cv '/$' "$work/$p.files")" \
    "$(dpkg-deb -f "$deb" Depends)"
done
expect_files libunimq "^$libdir/libunimq\.so\.0\.1\.0$" "^$libdir/libunimq_memory\.so\.0\.1\.0$" \
  "^$libdir/libunimq\.so\.0\.1 -> libunimq\.so\.0\.1\.0$"
refuse_files libunimq '^usr/include/|\.so -> |\.pc$|\.cmake$|^usr/bin/'
expect_files libunimq-dev '^usr/include/unimq/unimq\.hpp$' '^usr/include/unimq/driver/driver\.hpp$' \
  "^$libdir/cmake/unimq/unimq-config\.cmake$" "^$libdir/cmake/unimq/unimq-config-version\.cmake$" \
  "^$libdir/pkgconfig/unimq\.pc$" "^$libdir/libunimq\.so -> libunimq\.so\.0\.1$"
refuse_files libunimq-dev '^[^ ]*\.so\.[0-9.]+( |$)|^usr/bin/'
expect_files unimq-tools '^usr/bin/unimq$'
refuse_files unimq-tools '^usr/lib|^usr/include'
for component in redis nats rabbitmq kafka prometheus; do
  if [[ -f "$build/pkgconfig/unimq-$component.pc" ]]; then
    expect_files libunimq "^$libdir/libunimq_$component\.so\.0\.1\.0$"
    expect_files libunimq-dev "^$libdir/pkgconfig/unimq-$component\.pc$" \
      "^$libdir/cmake/unimq/unimq-$component-targets\.cmake$"
  fi
done
depends=$(dpkg-deb -f "$(deb_of libunimq)" Depends)
for dependency in libspdlog1 libyaml-cpp0 libstdc++6; do
  [[ $depends == *"$dependency"* ]] || {
    echo "deb.sh: libunimq does not depend on $dependency: $depends" >&2
    exit 1
  }
done

echo "== apt-get install ./*.deb"
"${apt[@]}" install "$(deb_of libunimq)" "$(deb_of libunimq-dev)" "$(deb_of unimq-tools)" \
  >/dev/null
for p in "${packages[@]}"; do installed "$p" || { echo "deb.sh: $p is not installed" >&2; exit 1; }; done

urls=(memory://)
if [[ -n ${UNIMQ_TEST_REDIS_STREAMS_URL:-} ]]; then
  urls+=("$UNIMQ_TEST_REDIS_STREAMS_URL")
elif [[ ${UNIMQ_REQUIRE_BROKERS:-0} == 1 ]]; then
  echo "deb.sh: UNIMQ_TEST_REDIS_STREAMS_URL is not set, but UNIMQ_REQUIRE_BROKERS=1" >&2
  exit 1
fi
run_all() {
  local url
  for url in "${urls[@]}"; do
    echo "$* $url"
    "$@" "$url"
  done
}

echo "== find_package(unimq) from /usr"
cmake -S "$here/consumer" -B "$work/cmake-build" -G Ninja -DUNIMQ_COMPONENTS=redis >/dev/null
cmake --build "$work/cmake-build" >/dev/null
run_all "$work/cmake-build/unimq-package-consumer"
echo "== pkg-config unimq-redis from /usr"
# shellcheck disable=SC2046
g++ -o "$work/pkg-consumer" "$here/consumer/main.cpp" $(pkg-config --cflags --libs unimq-redis)
run_all "$work/pkg-consumer"
echo "== /usr/bin/unimq"
/usr/bin/unimq --help | grep -q "Exit codes:"
run_all /usr/bin/unimq check --count 1 --url

purge
trap - EXIT
[[ ! -e /usr/include/unimq && ! -e /usr/bin/unimq ]] || {
  echo "deb.sh: the purge left files behind" >&2
  exit 1
}
echo "deb.sh: packages built, checked, installed, used and purged in $((SECONDS - start)) s"
