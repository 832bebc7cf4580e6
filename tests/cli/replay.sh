#!/bin/sh
# CLI test: `callbot replay`.
#
# The sample replay files pass; a replay file with wrong expectations
# fails and shows the difference; malformed replay files give a located
# error; every line kind works, `interrupt:` and `hangup_early` included
# (on a small script written here, so the assertions don't depend on the
# sample scripts' wording).
#
# usage: sh tests/cli/replay.sh PATH/TO/callbot SRCDIR
set -eu

NAME=replay
. "$(dirname "$0")/lib.sh"

# lineof FILE TEXT: the number of the first line of FILE holding TEXT.
lineof() {
	grep -nF -- "$2" "$1" | head -1 | cut -d: -f1
}

# ---- the sample replay files ---------------------------------------------------

for lang in en zh; do
	tc="sample replay loan-$lang"
	run "$CALLBOT" replay "$SRCDIR/scripts/loan-$lang.yaml" \
		"$SRCDIR/tests/replay/loan-$lang.yaml"
	expect_rc 0
	expect_line out "== $SRCDIR/tests/replay/loan-$lang.yaml"
	expect_no out "FAIL"
	nasserts=$((nasserts + 1))
	tail -1 "$T/out" | grep -Eqx '[1-9][0-9]* passed, 0 failed' ||
		fail "summary" "expected: N passed, 0 failed" \
			"got:      $(tail -1 "$T/out")" \
			"failed:   $(grep '^FAIL' "$T/out")"
done

# ---- a small script -------------------------------------------------------------

cat >mini.yaml <<'YAML'
meta:
  name: replay-mini
  language: en
  company: Demo Bank
vars:
  name: there
limits:
  max_seconds: 60
  close: bye
  refusal_close: bye
prompts:
  hello: Hello {name}, this is an automated assistant calling for {company}.
  ask: Do you want a loan? Press 1 for yes.
  ask_amount: How much would you like?
  robot: Yes, I am an automated assistant.
  sorry: Sorry for the bother. Goodbye.
  goodbye: Thank you. Goodbye.
intents:
  affirm: [yes, sure]
  deny: [no, nope]
  opt_out: ["don't call me"]
  complaint: [complaint]
  ask_robot: ["are you a robot"]
global:
  opt_out: { say: sorry, action: opt_out, end: true }
  complaint: { say: sorry, action: opt_out, end: true }
  ask_robot: { say: robot }
slots:
  amount: amount
flow:
  start: opening
  nodes:
    opening:
      say: hello
      interruptible: false
      next: need
    need:
      say: ask
      branches:
        affirm: { goto: amount, tags: [has_demand] }
        dtmf:1: { goto: amount, tags: [has_demand, used_dtmf] }
        deny: bye
    amount:
      say: ask_amount
      capture: [amount]
      branches:
        captured: bye
        deny: bye
    bye:
      say: goodbye
      end: true
grading:
  - grade: F
    when: outcome != answered
    reason: not reached ({outcome})
  - grade: D
    when: opted_out
    reason: opted out
  - grade: E
    when: early_hangup
    reason: hung up during the disclosure
  - grade: E
    when: hung_up and turns == 0
    reason: hung up without a word
  - grade: A
    when: has_demand and slot.amount >= 10000
    reason: wants {amount}
  - grade: B
    when: has_demand
    reason: has demand
  - grade: C
    reason: other ({node})
YAML

tc="the small script is valid"
run "$CALLBOT" check mini.yaml
expect_rc 0
expect_stdout "mini.yaml: ok (0 warning(s))"

cat >good.yaml <<'YAML'
# every case here must pass
- name: yes, an amount
  vars: { name: Li }
  lines:
    - robot: hello
    - robot: ask
    - callee: yes
    - robot: ask_amount
    - callee: about twenty thousand
    - robot: goodbye
  expect:
    grade: A
    reason: wants 20000
    tags: [has_demand]
    no_tags: [used_dtmf]
    slots: { amount: 20000 }
    actions: [hangup]
    no_actions: [opt_out, transfer]
    end: robot
    node: bye

- name: dtmf
  lines:
    - dtmf: "1"
    - robot: ask_amount
  expect: { grade: B, tags: [has_demand, used_dtmf], end: open, node: amount }

- name: silence goes to the close node
  lines:
    - silence
    - robot: goodbye
  expect: { grade: C, reason: other (bye), end: robot }

- name: wait past max_seconds
  lines:
    - robot: ask
    - wait: 61
    - robot: goodbye
  expect: { node: bye, end: robot }

- name: interrupt during the disclosure, an opt-out still counts
  lines:
    - interrupt: don't call me
    - robot: sorry
  expect: { grade: D, actions: [opt_out], end: robot, node: opening }

- name: interrupt during the disclosure, other words are not acted on
  lines:
    - interrupt: yes
    - robot: ask
  expect: { no_tags: [has_demand], end: open, node: need }

- name: interrupt an interruptible prompt (barge-in)
  lines:
    - robot: ask
    - interrupt: yes
    - robot: ask_amount
    - callee: fifty thousand
  expect: { grade: A, reason: wants 50000, end: robot }

- name: hangup_early during the disclosure
  lines:
    - hangup_early
  expect:
    grade: E
    reason: hung up during the disclosure
    end: callee
    no_actions: [hangup, opt_out]
    node: opening

- name: hangup after the disclosure is not early
  lines:
    - hangup
  expect: { grade: E, reason: hung up without a word, end: callee, node: need }

- name: hangup_early during a later prompt is not early
  lines:
    - callee: yes
    - hangup_early
  expect: { grade: B, end: callee, node: amount }

- name: not answered
  outcome: busy
  expect: { grade: F, reason: not reached (busy), end: open, no_actions: [hangup] }
YAML
ngood=$(grep -c '^- name:' good.yaml)

tc="passing cases"
run "$CALLBOT" replay mini.yaml good.yaml
expect_rc 0
expect_line out "== good.yaml"
sed -n 's/^- name: //p' good.yaml >names.txt
while IFS= read -r n; do
	expect_line out "ok   $n"
done <names.txt
expect_no out "FAIL"
expect_no out "  robot ["
nasserts=$((nasserts + 1))
[ "$(tail -1 "$T/out")" = "$ngood passed, 0 failed" ] ||
	fail "summary" "expected: $ngood passed, 0 failed" \
		"got:      $(tail -1 "$T/out")" "$(grep -A12 '^FAIL' "$T/out")"

tc="-v prints every conversation"
run "$CALLBOT" replay -v mini.yaml good.yaml
expect_rc 0
expect_line out "  robot [hello]: Hello Li, this is an automated assistant calling for Demo Bank."
expect_line out "  robot [hello]: Hello there, this is an automated assistant calling for Demo Bank."
expect_line out "  callee: about twenty thousand"
expect_line out "  callee: (silence)"
expect_line out "  callee hangs up"
expect_line out "    heard: affirm (1.00)"
nasserts=$((nasserts + 1))
[ "$(tail -1 "$T/out")" = "$ngood passed, 0 failed" ] ||
	fail "summary with -v" "got: $(tail -1 "$T/out")"

# An opt-out during the disclosure closes the call before the next prompt.
tc="interrupt: the robot does not go on after an opt-out"
sed -n '/^- name: interrupt during the disclosure, an opt-out/,/^$/p' \
	good.yaml >optout.yaml
run "$CALLBOT" replay --verbose mini.yaml optout.yaml
expect_rc 0
expect_line out "  robot [sorry]: Sorry for the bother. Goodbye."
expect_no out "  robot [ask]:"
expect_line out "1 passed, 0 failed"

# ---- wrong expectations ----------------------------------------------------------

cat >wrong.yaml <<'YAML'
- name: wrong on purpose
  lines:
    - callee: yes
    - robot: goodbye
    - callee: five thousand
  expect:
    grade: A
    reason: wants a lot
    tags: [has_demand, followup_agreed]
    no_tags: [has_demand]
    slots: { amount: 6000 }
    actions: [opt_out]
    no_actions: [hangup]
    end: callee
    node: amount

- name: a line after the call ended
  lines:
    - callee: no
    - callee: hello?
  expect: { grade: C }
YAML

tc="wrong expectations fail and show the difference"
run "$CALLBOT" replay mini.yaml wrong.yaml
expect_rc 1
expect_line out "FAIL wrong on purpose"
expect_line out "  callee: five thousand"
expect_line out "    wrong.yaml:$(lineof wrong.yaml '    - robot: goodbye'): robot: expected prompt 'goodbye'; said: ask_amount"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'grade: A'): grade: expected A, got B (has demand)"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'reason: wants a lot'): reason: expected \"wants a lot\" in \"has demand\""
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'followup_agreed'): tag 'followup_agreed' expected, not set"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'no_tags:'): tag 'has_demand' set, expected not"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'amount: 6000'): slot amount: expected 6000, got 5000"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'actions: [opt_out]'): action 'opt_out' expected, did not happen"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'no_actions:'): action 'hangup' happened, expected not"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'end: callee'): end: expected callee, got robot"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'node: amount'): node: expected amount, got bye"
expect_line out "FAIL a line after the call ended"
expect_line out "    wrong.yaml:$(lineof wrong.yaml 'hello?'): the call already ended before this line"
expect_no out "ok   "
nasserts=$((nasserts + 1))
[ "$(tail -1 "$T/out")" = "0 passed, 2 failed" ] ||
	fail "summary" "expected: 0 passed, 2 failed" "got:      $(tail -1 "$T/out")"

tc="good and wrong files together"
run "$CALLBOT" replay mini.yaml good.yaml wrong.yaml
expect_rc 1
expect_line out "== good.yaml"
expect_line out "== wrong.yaml"
nasserts=$((nasserts + 1))
[ "$(tail -1 "$T/out")" = "$ngood passed, 2 failed" ] ||
	fail "summary" "expected: $ngood passed, 2 failed" \
		"got:      $(tail -1 "$T/out")"

# ---- malformed replay files -------------------------------------------------------

tc="YAML syntax error"
printf -- '- name: x\n  lines:\n    - callee: yes: no\n  expect: { grade: A }\n' \
	>syntax.yaml
run "$CALLBOT" replay mini.yaml syntax.yaml
expect_rc 1
expect_line err "syntax.yaml:3:18: error: YAML: mapping values are not allowed in this context"
expect_line out "0 passed, 1 failed"

tc="not a list"
printf 'name: x\nlines: []\nexpect: { grade: A }\n' >map.yaml
run "$CALLBOT" replay mini.yaml map.yaml
expect_rc 1
expect_line err "map.yaml:1:1: error: a replay file is a list of cases (- name: ...)"
expect_line out "0 passed, 1 failed"

tc="empty file"
: >empty.yaml
run "$CALLBOT" replay mini.yaml empty.yaml
expect_rc 1
expect_line err "empty.yaml:1:1: error: the file is empty"

tc="binary garbage"
printf '\177ELF\002\001\001\000\377\376\n' >garbage.yaml
run "$CALLBOT" replay mini.yaml garbage.yaml
expect_rc 1
expect_line err "garbage.yaml:1:1: error: YAML: control characters are not allowed"

tc="missing file"
run "$CALLBOT" replay mini.yaml nosuch.yaml
expect_rc 1
expect_line err "nosuch.yaml: No such file or directory"
expect_line out "0 passed, 1 failed"

cat >bad.yaml <<'YAML'
- just a string
- name: bad lines
  lines:
    - shout: hi
    - { callee: yes, dtmf: "1" }
    - callee: [a, list]
  expect: { grade: B, colour: red }
  extra: 1
- name: no expect
  lines: [silence]
YAML

tc="bad cases"
run "$CALLBOT" replay mini.yaml bad.yaml
expect_rc 1
expect_line out "FAIL case 1 (line 1): a case must be a map with name, lines and expect"
expect_line out "FAIL bad lines"
expect_line out "    bad.yaml:$(lineof bad.yaml 'shout'): unknown line 'shout'"
expect_line out "    bad.yaml:$(lineof bad.yaml '{ callee'): a line is 'silence', 'hangup', 'hangup_early' or one of callee:, interrupt:, robot:, dtmf:, wait:"
expect_line out "    bad.yaml:$(lineof bad.yaml '[a, list]'): 'callee' needs a plain value"
expect_line out "    bad.yaml:$(lineof bad.yaml 'colour'): unknown expectation 'colour'"
expect_line out "    bad.yaml:$(lineof bad.yaml 'extra'): unknown key 'extra' in a case"
expect_line out "FAIL no expect"
expect_line out "    bad.yaml:$(lineof bad.yaml 'name: no expect'): case has no 'expect:' map"
expect_line out "0 passed, 3 failed"

# ---- arguments -------------------------------------------------------------------

tc="no replay file"
run "$CALLBOT" replay mini.yaml
expect_rc 2
expect_line err "usage: callbot replay SCRIPT FILE..."

tc="no arguments"
run "$CALLBOT" replay
expect_rc 2
expect_line err "usage: callbot replay SCRIPT FILE..."

tc="a broken script"
sed '/^      interruptible: false/s/interruptible/interuptible/' mini.yaml \
	>broken.yaml
run "$CALLBOT" replay broken.yaml good.yaml
expect_rc 1
expect_line err "broken.yaml:$(lineof broken.yaml interuptible):7: error: unknown key 'interuptible' in a node (did you mean 'interruptible'?)"
expect_line err "broken.yaml: 1 error(s); run 'callbot check broken.yaml'"
expect_stdout

tc="a missing script"
run "$CALLBOT" replay nosuch.yaml good.yaml
expect_rc 1
expect_line err "nosuch.yaml: cannot load: No such file or directory"

# ---- result ---------------------------------------------------------------

finish
