#!/bin/sh
# CLI test: `callbot intent`.
#
# Every output line is valid JSON (UTF-8) with "intent": null for no
# match; --node, --all and --list; odd input (a 100k-character line,
# invalid UTF-8, empty lines, CRLF, NUL bytes, no final newline) neither
# crashes nor loses lines.
#
# usage: sh tests/cli/intent.sh PATH/TO/callbot SRCDIR
set -eu

NAME=intent
. "$(dirname "$0")/lib.sh"
EN=$SRCDIR/scripts/loan-en.yaml
ZH=$SRCDIR/scripts/loan-zh.yaml

# expect_json IN [EXPECTED]: $T/out is the right JSON for the input file
# IN; EXPECTED, optional, has one line per input line: an intent name,
# "null", or "-" for any. Python starts slowly, so the outputs are kept and
# checked all at once by check_json at the end.
njson=0
expect_json() {
	njson=$((njson + 1))
	nasserts=$((nasserts + 1))
	cp "$T/out" "$T/json.$njson.out"
	printf '%s\t%s\t%s\t%s\n' "$tc" "$1" "$T/json.$njson.out" "${2:+$T/$2.$njson}" \
		>>"$T/json.list"
	[ -z "${2:-}" ] || cp "$2" "$T/$2.$njson"
}

# Each problem is printed as "FAIL [case]: ..."; the exit code is the
# number of cases that failed (at most 100).
cat >checkjson.py <<'PY'
import json, sys

def lines_of(data):
    # as getline splits; callbot strips trailing \r and \n
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p.rstrip(b"\r\n") for p in parts]

def check(inp, out, want):
    bad = []
    if len(out) != len(inp):
        bad.append("%d lines in, %d lines out" % (len(inp), len(out)))
    for i, (a, b) in enumerate(zip(inp, out), 1):
        try:
            o = json.loads(b.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            bad.append("line %d: not valid UTF-8 JSON (%s): %r" % (i, e, b[:80]))
            continue
        if not isinstance(o, dict) or sorted(o) != ["intent", "score", "text"]:
            bad.append("line %d: keys are not text, intent, score: %r" % (i, b[:80]))
            continue
        if o["intent"] is not None and not isinstance(o["intent"], str):
            bad.append("line %d: intent is neither null nor a string" % i)
        if (not isinstance(o["score"], (int, float)) or
                not 0 <= o["score"] <= 1):
            bad.append("line %d: score %r not in 0..1" % (i, o["score"]))
        if b"\0" not in a:  # C strings end at NUL: only count those lines
            try:
                same = o["text"] == a.decode("utf-8")
            except UnicodeDecodeError:
                # invalid bytes may be replaced or dropped; the rest stays
                same = ("".join(c for c in o["text"] if c < "\x80") ==
                        "".join(chr(c) for c in a if c < 0x80))
            if not same:
                bad.append("line %d: text %r is not the input %r" %
                           (i, o["text"][:60], a[:60]))
        if want and i <= len(want) and want[i - 1] != "-":
            w = None if want[i - 1] == "null" else want[i - 1]
            if o["intent"] != w:
                bad.append("line %d: %r: intent expected %s, got %s" % (
                    i, o["text"][:60], want[i - 1],
                    "null" if o["intent"] is None else o["intent"]))
    return bad

failed = 0
for entry in open(sys.argv[1], encoding="utf-8"):
    tc, fin, fout, fwant = entry.rstrip("\n").split("\t")
    inp = lines_of(open(fin, "rb").read())
    out = open(fout, "rb").read().split(b"\n")
    if out and out[-1] == b"":
        out.pop()
    want = None
    if fwant:
        want = open(fwant, encoding="utf-8").read().split("\n")
    bad = check(inp, out, want)
    if bad:
        failed += 1
        print("FAIL [%s]: JSON output" % tc)
        for m in bad[:10]:
            print("    " + m)
sys.exit(min(failed, 100))
PY

check_json() {
	[ "$njson" -gt 0 ] || return 0
	jrc=0
	python3 checkjson.py "$T/json.list" || jrc=$?
	nfailed=$((nfailed + jrc))
}

# ---- English sample ------------------------------------------------------------

tc="en: JSON lines, intents and null"
cat >in.txt <<'IN'
yes
banana
no thanks
don't call me again
are you a robot

what's the rate
"quoted" \ back	tab
不需要
IN
cat >want.txt <<'IN'
affirm
null
deny
opt_out
ask_robot
null
ask_rate
null
null
IN
run "$CALLBOT" intent "$EN" <in.txt
expect_rc 0
expect_json in.txt want.txt
expect_line out '{"text": "banana", "intent": null, "score": 0.000}'
expect_line out '{"text": "", "intent": null, "score": 0.000}'
expect_line out '{"text": "yes", "intent": "affirm", "score": 1.000}'
expect_line out '{"text": "\"quoted\" \\ back\ttab", "intent": null, "score": 0.000}'

tc="en: --node picks the node"
printf 'wechat\ncall me\nyes\n' >node.txt
run "$CALLBOT" intent "$EN" <node.txt
expect_rc 0
expect_json node.txt
expect_line out '{"text": "wechat", "intent": null, "score": 0.000}'
run "$CALLBOT" intent "$EN" --node need <node.txt
expect_rc 0
expect_line out '{"text": "wechat", "intent": null, "score": 0.000}'
printf 'wechat\ncall_me\naffirm\n' >want.txt
run "$CALLBOT" intent "$EN" --node followup <node.txt
expect_rc 0
expect_json node.txt want.txt
expect_line out '{"text": "wechat", "intent": "wechat", "score": 1.000}'
run "$CALLBOT" intent --node followup "$EN" <node.txt
expect_rc 0
expect_json node.txt want.txt

tc="en: --all"
run "$CALLBOT" intent "$EN" --all <node.txt
expect_rc 0
expect_json node.txt
expect_line out '{"text": "wechat", "intent": "wechat", "score": 1.000}'

tc="unknown node"
run "$CALLBOT" intent "$EN" --node nosuch <node.txt
expect_rc 2
expect_line err "callbot intent: no node 'nosuch' in $EN"
expect_no out '"intent": "'

# The node is an argument: a bad one is an error before any input.
tc="unknown node, no input"
run "$CALLBOT" intent "$EN" --node nosuch </dev/null
expect_rc 2
expect_line err "callbot intent: no node 'nosuch' in $EN"

tc="--node without a value"
run "$CALLBOT" intent "$EN" --node </dev/null
expect_rc 2
expect_line err "usage: callbot intent SCRIPT [--node NODE | --all] [--list]"

tc="unknown option"
run "$CALLBOT" intent "$EN" --bogus </dev/null
expect_rc 2
expect_line err "usage: callbot intent SCRIPT [--node NODE | --all] [--list]"

tc="no script"
run "$CALLBOT" intent </dev/null
expect_rc 2

tc="missing script"
run "$CALLBOT" intent nosuch.yaml </dev/null
expect_rc 1
expect_line err "nosuch.yaml: cannot load: No such file or directory"
expect_stdout

tc="en: --list"
run "$CALLBOT" intent "$EN" --list </dev/null
expect_rc 0
expect_line out '{"intent": "affirm", "phrase": "yes"}'
expect_line out "{\"intent\": \"opt_out\", \"phrase\": \"don't call me\"}"
nasserts=$((nasserts + 1))
python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1], "rb"):
    o = json.loads(l.decode("utf-8"))
    assert sorted(o) == ["intent", "phrase"], o
    assert isinstance(o["intent"], str) and isinstance(o["phrase"], str), o
    n += 1
assert n > 100, n
' "$T/out" >"$T/jsonerr" 2>&1 || fail "--list JSON" "$(tail -3 "$T/jsonerr")"

# ---- a small script: exact --list and odd input ---------------------------------

cat >mini.yaml <<'YAML'
meta:
  name: mini
  language: en
  company: Demo Bank
limits:
  close: bye
  refusal_close: bye
prompts:
  hello: Hello, this is an automated assistant calling for {company}.
  ask: Do you want a loan?
  robot: Yes, I am an automated assistant.
  sorry: Sorry for the bother. Goodbye.
  goodbye: Thank you. Goodbye.
intents:
  affirm:
    phrases: [yes, sure]
    negative: ["not sure"]
  deny: [no, nope, "not sure"]
  opt_out: ["don't call me"]
  complaint: [complaint]
  ask_robot: ["are you a robot", 你是机器人吗]
global:
  opt_out: { say: sorry, action: opt_out, end: true }
  complaint: { say: sorry, action: opt_out, end: true }
  ask_robot: { say: robot }
flow:
  nodes:
    opening:
      say: hello
      interruptible: false
      next: need
    need:
      say: ask
      branches:
        affirm: bye
        deny: bye
    bye:
      say: goodbye
      end: true
grading:
  - grade: C
    reason: any
YAML

tc="mini: --list, negative phrases left out"
run "$CALLBOT" intent mini.yaml --list </dev/null
expect_rc 0
expect_stdout \
	'{"intent": "affirm", "phrase": "yes"}' \
	'{"intent": "affirm", "phrase": "sure"}' \
	'{"intent": "deny", "phrase": "no"}' \
	'{"intent": "deny", "phrase": "nope"}' \
	'{"intent": "deny", "phrase": "not sure"}' \
	"{\"intent\": \"opt_out\", \"phrase\": \"don't call me\"}" \
	'{"intent": "complaint", "phrase": "complaint"}' \
	'{"intent": "ask_robot", "phrase": "are you a robot"}' \
	'{"intent": "ask_robot", "phrase": "你是机器人吗"}'

tc="a 100k-character line"
{ yes 'yes' | head -n 25000 | tr '\n' ' '; printf '\nno\n'; } >long.txt
run "$CALLBOT" intent mini.yaml <long.txt
expect_rc 0
printf 'affirm\ndeny\n' >want.txt
expect_json long.txt want.txt

tc="a 100k-character line without spaces"
{ yes 'abcdefghij' | head -n 10000 | tr -d '\n'; printf '\nyes\n'; } \
	>long2.txt
run "$CALLBOT" intent mini.yaml <long2.txt
expect_rc 0
printf 'null\naffirm\n' >want.txt
expect_json long2.txt want.txt

tc="a 100k-character Mandarin line"
{ yes '我需要贷款' | head -n 20000 | tr -d '\n'; printf '\n你是机器人吗\n'; } \
	>long3.txt
run "$CALLBOT" intent mini.yaml <long3.txt
expect_rc 0
printf -- '-\nask_robot\n' >want.txt
expect_json long3.txt want.txt

tc="empty lines and CRLF"
printf 'yes\r\n\r\n\n\nno\r\n\r\r\nsure\n' >crlf.txt
run "$CALLBOT" intent mini.yaml <crlf.txt
expect_rc 0
printf 'affirm\nnull\nnull\nnull\ndeny\nnull\naffirm\n' >want.txt
expect_json crlf.txt want.txt
expect_line out '{"text": "yes", "intent": "affirm", "score": 1.000}'

tc="no final newline"
printf 'no\nyes' >nonl.txt
run "$CALLBOT" intent mini.yaml <nonl.txt
expect_rc 0
printf 'deny\naffirm\n' >want.txt
expect_json nonl.txt want.txt

tc="control characters and NUL bytes"
printf 'a\001b\033[31m\n\000\nx\000y\nyes\n' >ctrl.txt
run "$CALLBOT" intent mini.yaml <ctrl.txt
expect_rc 0
printf -- '-\n-\n-\naffirm\n' >want.txt
expect_json ctrl.txt want.txt
expect_line out '{"text": "a\u0001b\u001b[31m", "intent": null, "score": 0.000}'

# JSON is UTF-8: bytes that are not UTF-8 must not reach the output as is.
tc="invalid UTF-8"
printf 'yes \377\376\n\300\257\n\355\240\200x\n\360\237\230\n\200\200\200\nno\n' >utf8.txt
run "$CALLBOT" intent mini.yaml <utf8.txt
expect_rc 0
printf -- '-\n-\n-\n-\n-\ndeny\n' >want.txt
expect_json utf8.txt want.txt

tc="many lines"
awk 'BEGIN { for (i = 0; i < 5000; i++) print (i % 3 ? "yes" : "hmm " i) }' \
	>many.txt
run "$CALLBOT" intent mini.yaml <many.txt
expect_rc 0
expect_json many.txt

# ---- Mandarin sample -------------------------------------------------------------

tc="zh: JSON lines"
printf '需要\n不需要\n别再给我打电话了\n今天天气不错\n\n' >zh.txt
printf 'affirm\ndeny\nopt_out\nnull\nnull\n' >want.txt
run "$CALLBOT" intent "$ZH" <zh.txt
expect_rc 0
expect_json zh.txt want.txt
expect_line out '{"text": "需要", "intent": "affirm", "score": 1.000}'

# ---- result ---------------------------------------------------------------

tc="JSON checks"
check_json

finish
