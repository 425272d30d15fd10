#!/usr/bin/env bash
# The unimq CLI on memory://. The memory broker lives inside one process, so what one command
# publishes no other command sees: this checks what one invocation can prove (confirmed
# publishes from every input form, the round trip of `check`, sub's idle exit and its timeout
# code) and that dlq refuses with exit 6 and says why.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export UNIMQ_URL=memory://

step "check: capabilities and a round trip inside the process"
expect 0 "$cli" check --count 5
contains "$out" "system              memory" "check"
contains "$out" "durable             no" "check"
[[ $out =~ round\ trip\ +5\ on\ \'unimq.check\':\ min\ [0-9.]+\ ms ]] || fail "no round trip: $out"

step "pub: argument, stdin, file, --count, --rate; each publish confirmed"
expect 0 "$cli" pub orders "order 1" -k customer-7 -H type=placed -H source=test
contains "$err" "pub: 1 message confirmed on 'orders'" "pub PAYLOAD"
expect 0 bash -c "printf 'a\nb\nc\n' | '$cli' pub orders"
contains "$err" "pub: 3 messages confirmed" "pub from stdin"
printf 'x\ny\n' >"$work/lines.txt"
expect 0 "$cli" pub orders -f "$work/lines.txt" --count 3
contains "$err" "pub: 6 messages confirmed" "pub -f --count"
printf '\xff\x00binary' >"$work/blob"
expect 0 "$cli" pub orders -f "$work/blob" --whole
contains "$err" "pub: 1 message confirmed" "pub --whole"
start=$SECONDS
expect 0 "$cli" --quiet pub orders tick --count 20 --rate 10
((SECONDS - start >= 1)) || fail "--rate 10 sent 20 messages in under a second"
[[ -z $err ]] || fail "--quiet printed: $err"

step "pub -f: a progress bar with rate and ETA only when stderr is a terminal, none with --quiet"
seq 1 2000 >"$work/many.txt"
expect 0 "$cli" pub orders -f "$work/many.txt"
[[ $err == "pub: 2000 messages confirmed on 'orders'" ]] || fail "a progress bar on a pipe: $err"
# script(1) (util-linux) runs the command on a pseudo-terminal.
script -qec "'$cli' pub orders -f '$work/many.txt' --rate 2000" /dev/null >"$work/tty" 2>&1 ||
  fail "pub on a terminal failed: $(cat "$work/tty")"
grep -qE $'\r.*pub orders \\[#+\\.*\\] [0-9]+/2000 [0-9]+/s ETA [0-9]+s' "$work/tty" ||
  fail "no progress bar on a terminal: $(cat -v "$work/tty")"
script -qec "'$cli' --quiet pub orders -f '$work/many.txt'" /dev/null >"$work/tty" 2>&1 ||
  fail "pub --quiet on a terminal failed: $(cat "$work/tty")"
[[ ! -s "$work/tty" ]] || fail "--quiet printed on a terminal: $(cat -v "$work/tty")"

step "sub: -e ends after --idle; -n not reached is a timeout (4)"
expect 0 "$cli" sub orders -e --idle 0.3
[[ -z $out ]] || fail "a fresh in-process broker delivered: $out"
expect_error 4 "got 0 of 2 messages from 'orders' before 0.3 s without a message" \
  "$cli" sub orders -g g --from all -n 2 -e --idle 0.3

step "dlq: refused with exit 6, saying why"
for sub in "list orders" "show orders 1" "replay orders" "purge orders"; do
  # shellcheck disable=SC2086
  expect_error 6 "dlq: cannot read dead letters here: memory:// keeps messages inside the process" \
    "$cli" dlq $sub
done

echo "all memory cases passed"
