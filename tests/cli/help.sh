#!/bin/sh
# CLI test: help, usage, unknown commands and --version.
#
# usage: sh tests/cli/help.sh PATH/TO/callbot SRCDIR
set -eu

CALLBOT=${1:?usage: sh help.sh PATH/TO/callbot SRCDIR}
SRCDIR=${2:?usage: sh help.sh PATH/TO/callbot SRCDIR}
case $CALLBOT in /*) ;; *) CALLBOT=$PWD/$CALLBOT ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/callbot-cli-help.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T"

# ---- helpers ---------------------------------------------------------------
# A failed assertion prints what was expected and what came; the test goes
# on so that one run shows every problem, and exits 1 at the end.

nasserts=0
nfailed=0
tc=setup

fail() {
	nfailed=$((nfailed + 1))
	printf 'FAIL [%s]: %s\n' "$tc" "$1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/    /'
	done
}

# run CMD...: stdout to $T/out, stderr to $T/err, exit code to $rc.
# A crash or a sanitizer report always fails, whatever the exit code.
run() {
	rc=0
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	nasserts=$((nasserts + 1))
	if [ "$rc" -ge 128 ] ||
	    grep -q -e Sanitizer -e 'runtime error:' "$T/err"; then
		fail "crashed (exit $rc): $*" "$(head -5 "$T/err")"
	fi
}

expect_rc() {
	nasserts=$((nasserts + 1))
	[ "$rc" -eq "$1" ] ||
		fail "exit code" "expected: $1" "got:      $rc" \
			"stdout: $(head -3 "$T/out")" "stderr: $(head -3 "$T/err")"
}

# expect_stdout LINE...: stdout is exactly these lines.
expect_stdout() {
	nasserts=$((nasserts + 1))
	: >"$T/want"
	[ $# -eq 0 ] || printf '%s\n' "$@" >"$T/want"
	cmp -s "$T/want" "$T/out" ||
		fail "stdout differs (< expected, > got)" \
			"$(diff "$T/want" "$T/out" | grep '^[<>]')"
}

# expect_line FILE LINE: FILE has this exact line.
expect_line() {
	nasserts=$((nasserts + 1))
	grep -Fxq -- "$2" "$T/$1" ||
		fail "no such line in $1" "expected: $2" \
			"got:" "$(head -40 "$T/$1")"
}

# expect_no FILE TEXT: FILE does not contain TEXT.
expect_no() {
	nasserts=$((nasserts + 1))
	! grep -Fq -- "$2" "$T/$1" ||
		fail "$1 contains '$2'" "expected: no such text" \
			"got:      $(grep -F -- "$2" "$T/$1" | head -3)"
}

# expect_match FILE ERE: some line of FILE matches the whole ERE.
expect_match() {
	nasserts=$((nasserts + 1))
	grep -Eqx -- "$2" "$T/$1" ||
		fail "no line of $1 matches" "expected: /$2/" \
			"got:" "$(head -20 "$T/$1")"
}

# ---- --help ---------------------------------------------------------------------

for h in --help -h help; do
	tc="callbot $h"
	run "$CALLBOT" $h
	expect_rc 0
	expect_match out 'callbot [0-9]+\.[0-9]+\.[0-9]+ - an AI telephone robot'
	expect_line out "usage: callbot COMMAND [ARGS]"
	expect_match out '  check +validate conversation scripts'
	expect_match out '  chat +talk to a script in the terminal'
	expect_match out '  intent +classify utterances from stdin as JSON lines'
	expect_match out '  replay +run authored test conversations'
	expect_match out '  help +show help for a command'
	expect_line out "Run 'callbot help COMMAND' for a command's options."
	nasserts=$((nasserts + 1))
	[ ! -s "$T/err" ] || fail "stderr" "expected: nothing" "got: $(cat "$T/err")"
done
cp "$T/out" "$T/help.out"

tc="no arguments: usage, exit 2"
run "$CALLBOT"
expect_rc 2
cat "$T/out" "$T/err" >"$T/both"
expect_line both "usage: callbot COMMAND [ARGS]"

# ---- help COMMAND -------------------------------------------------------------------

tc="help chat"
run "$CALLBOT" help chat
expect_rc 0
expect_line out "usage: callbot chat SCRIPT [--var name=value]..."
expect_line out "talk to a script in the terminal"
expect_match out '  --var NAME=VALUE +a contact field, e.g. --var name=Li'
expect_match out '  --outcome OUTCOME +grade as this telephony outcome'
expect_match out '  /dtmf KEYS +press keys, e.g. /dtmf 1'
expect_match out '  /wait SECONDS +let time pass'
expect_match out '  /hangup +the callee hangs up'
expect_match out '  \(empty line\) +silence: the callee says nothing'
cp "$T/out" "$T/help-chat.out"

tc="chat --help is help chat"
run "$CALLBOT" chat --help
expect_rc 0
nasserts=$((nasserts + 1))
cmp -s "$T/out" "$T/help-chat.out" ||
	fail "chat --help differs from help chat" \
		"$(diff "$T/help-chat.out" "$T/out")"

tc="chat SCRIPT -h is help chat, without running"
run "$CALLBOT" chat nosuch.yaml -h
expect_rc 0
nasserts=$((nasserts + 1))
cmp -s "$T/out" "$T/help-chat.out" ||
	fail "chat -h differs from help chat" \
		"$(diff "$T/help-chat.out" "$T/out")"

tc="help check"
run "$CALLBOT" help check
expect_rc 0
expect_line out "usage: callbot check SCRIPT..."
expect_match out '  -q, --quiet +print errors only, not warnings'

tc="help intent"
run "$CALLBOT" help intent
expect_rc 0
expect_match out 'usage: callbot intent SCRIPT .*'
expect_match out '  --node NODE +match as heard in this node'
expect_match out '  --all +match against every intent of the script'
expect_match out '  --list +print every phrase as \{"intent", "phrase"\}'

tc="help replay"
run "$CALLBOT" help replay
expect_rc 0
expect_line out "usage: callbot replay SCRIPT FILE..."
expect_match out '  -v, --verbose +print every conversation, not only failures'

tc="help with no command is --help"
run "$CALLBOT" help
expect_rc 0
nasserts=$((nasserts + 1))
cmp -s "$T/out" "$T/help.out" ||
	fail "help differs from --help" "$(diff "$T/help.out" "$T/out")"

# ---- unknown commands ---------------------------------------------------------------

tc="unknown command"
run "$CALLBOT" frobnicate
expect_rc 2
expect_stdout
expect_line err "callbot: unknown command 'frobnicate'; try 'callbot --help'"

tc="unknown option as a command"
run "$CALLBOT" --frobnicate
expect_rc 2
expect_line err "callbot: unknown command '--frobnicate'; try 'callbot --help'"

tc="help for an unknown command"
run "$CALLBOT" help frobnicate
expect_rc 2
expect_stdout
expect_line err "callbot: no command 'frobnicate'; try 'callbot --help'"

tc="a command name is case-sensitive"
run "$CALLBOT" CHECK
expect_rc 2
expect_line err "callbot: unknown command 'CHECK'; try 'callbot --help'"

# ---- --version ----------------------------------------------------------------------

for v in --version version; do
	tc="callbot $v"
	run "$CALLBOT" $v
	expect_rc 0
	expect_match out 'callbot [0-9]+\.[0-9]+\.[0-9]+'
	nasserts=$((nasserts + 1))
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "one line" "got: $(cat "$T/out")"
	nasserts=$((nasserts + 1))
	head -1 "$T/help.out" | grep -Fq "$(cat "$T/out") - " ||
		fail "--help shows the same version" "got: $(cat "$T/out")" \
			"help: $(head -1 "$T/help.out")"
done

# ---- result -----------------------------------------------------------------

if [ "$nfailed" -ne 0 ]; then
	echo "help.sh: $nfailed of $nasserts assertions failed"
	exit 1
fi
echo "help.sh: all $nasserts assertions passed"
