#!/usr/bin/env bash
# `unimq config validate|print`: the library's parser, environment expansion, UNIMQ_URL override,
# secrets redacted, and a resolved form that parses back to itself. No broker needed.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
unset UNIMQ_URL

cat >"$work/service.yaml" <<'YAML'
broker: amqp://shop:${SHOP_PASSWORD}@rabbit.internal/prod?colour=${COLOUR:-blue}
topics:
  orders: {partitions: 3}
producers:
  orders-out: {topic: orders, publish_timeout: 5s}
consumers:
  email-service:
    topic: orders
    group: email
    concurrency: 4
    retry: {max_attempts: 5, initial_backoff: 200ms, max_backoff: 10s, jitter: 0.2}
    dead_letter: {topic: orders.failed}
YAML

step "validate: the scheme is checked against this build's adapters"
UNIMQ_URL=memory:// expect 0 "$cli" config validate "$work/service.yaml"
contains "$out" "valid (broker memory://, 1 topics, 1 producers, 1 consumers)" "validate"
expect_error 2 "SHOP_PASSWORD" "$cli" config validate "$work/service.yaml"
SHOP_PASSWORD=s3cret expect_error 2 "unknown option 'colour'|scheme 'amqp'" \
  "$cli" config validate "$work/service.yaml"
[[ $err != *s3cret* ]] || fail "the password leaked: $err"

step "validate: key errors name the key"
printf 'broker: memory://\nconsumers:\n  c: {topic: t, concurency: 2}\n' >"$work/typo.yaml"
expect_error 2 "consumers.c.concurency" "$cli" config validate "$work/typo.yaml"
printf 'broker: memory://?max_mesages=3\n' >"$work/option.yaml"
expect_error 2 "unknown option 'max_mesages' for memory" "$cli" config validate "$work/option.yaml"

step "print: the file as written, passwords masked"
printf 'broker: amqp://shop:hunter2@rabbit/prod?amqp.token=abc123&heartbeat=5s\n' >"$work/raw.yaml"
expect 0 "$cli" config print "$work/raw.yaml"
contains "$out" "amqp://shop:***@rabbit/prod?amqp.token=***&heartbeat=5s" "config print"
[[ $out != *hunter2* && $out != *abc123* ]] || fail "a secret leaked: $out"

step "print --resolved: environment expanded, defaults filled in, password redacted"
SHOP_PASSWORD=s3cret expect 0 "$cli" config print "$work/service.yaml" --resolved
[[ $out != *s3cret* ]] || fail "the password leaked: $out"
for line in 'broker: "amqp://shop:***@rabbit.internal/prod?colour=blue"' \
  '"orders": {partitions: 3, replication: 1}' 'publish_timeout: 5s' 'group: "email"' \
  'concurrency: 4' 'max_in_flight: 256' 'ack: auto' 'start: new' \
  'retry: {max_attempts: 5, initial_backoff: 200ms, multiplier: 2, max_backoff: 10s, jitter: 0.2' \
  'dead_letter: {enabled: true, topic: "orders.failed"}' 'poll_timeout: 100ms'; do
  contains "$out" "$line" "config print --resolved"
done
UNIMQ_URL=memory://override expect 0 "$cli" config print "$work/service.yaml" --resolved
contains "$out" 'broker: "memory://override"' "UNIMQ_URL override"

step "print --resolved parses back to the same configuration"
UNIMQ_URL=memory:// "$cli" config print "$work/service.yaml" --resolved >"$work/resolved.yaml"
expect 0 "$cli" config validate "$work/resolved.yaml"
expect 0 "$cli" config print "$work/resolved.yaml" --resolved
diff <(printf '%s\n' "$out") "$work/resolved.yaml" || fail "the resolved form changed on a reparse"

step "--config picks the broker, --url and UNIMQ_URL override it"
printf 'broker: memory://from-file\n' >"$work/memory.yaml"
expect 0 "$cli" --config "$work/memory.yaml" check --count 1
contains "$out" "broker              memory://from-file" "--config"
UNIMQ_URL=memory://from-env expect 0 "$cli" --config "$work/memory.yaml" check --count 0
contains "$out" "broker              memory://from-env" "UNIMQ_URL over --config"
UNIMQ_URL=memory://from-env expect 0 "$cli" --url memory://from-flag --config "$work/memory.yaml" check --count 0
contains "$out" "broker              memory://from-flag" "--url over UNIMQ_URL"

echo "all config cases passed"
