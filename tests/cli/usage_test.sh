#!/usr/bin/env bash
# Bad input to the unimq CLI: each case exits with its documented code and one stderr line.
# usage_test.sh REFUSED_URL (a URL of a built adapter where nothing listens)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
refused_url=$1
unset UNIMQ_URL

step "--help documents every exit code"
expect 0 "$cli" --help
for line in "0  ok" "1  usage" "2  config" "3  connection" "4  timeout" "5  partial failure" \
  "6  unsupported" "7  internal"; do
  contains "$out" "$line" "unimq --help"
done
expect 0 "$cli" dlq replay --help
contains "$out" "--dry-run" "unimq dlq replay --help"

step "usage errors exit 1"
expect_error 1 "subcommand is required" "$cli"
expect_error 1 "unknown subcommand 'frobnicate'" "$cli" frobnicate
expect_error 1 "unknown subcommand 'frobnicate'" "$cli" --url memory:// frobnicate now
expect_error 1 "topic is required" "$cli" --url memory:// pub
expect_error 1 "topic is required" "$cli" --url memory:// sub
expect_error 1 "topic is required" "$cli" --url memory:// dlq list
expect_error 1 "id is required" "$cli" --url memory:// dlq show orders
expect_error 1 "A subcommand is required" "$cli" --url memory:// dlq
expect_error 1 "--bogus" "$cli" --url memory:// pub orders --bogus
expect_error 1 "-H 'novalue': expected name=value" "$cli" --url memory:// pub orders x -H novalue
expect_error 1 "--from" "$cli" --url memory:// sub orders --from yesterday
expect_error 1 "--timeout" "$cli" --url memory:// pub orders x --timeout soon
expect_error 1 "not a regular expression" "$cli" --url memory:// dlq replay orders \
  --filter-error '('

step "config errors exit 2"
expect_error 2 "no broker: give --url URL, set UNIMQ_URL" "$cli" check
expect_error 2 "broker URL 'bogus': missing scheme" "$cli" --url bogus check
expect_error 2 "scheme 'mqtt' has no adapter in this build" "$cli" --url mqtt://h:1 pub t x
expect_error 2 "unknown option 'colour' for memory" "$cli" --url 'memory://?colour=blue' check
expect_error 2 "cannot be read|cannot open|No such file" "$cli" --config "$work/none.yaml" check
# The password never shows in an error.
expect_error 2 "user:\*\*\*@" "$cli" --url 'mqtt://user:hunter2@h:1' check
[[ $err != *hunter2* ]] || fail "the password leaked: $err"
UNIMQ_URL=memory:// expect 0 "$cli" check --count 1

step "connection errors exit 3"
expect_error 3 "." "$cli" --url "$refused_url" check
expect_error 3 "." "$cli" --url "$refused_url" pub orders x

echo "all usage cases passed"
