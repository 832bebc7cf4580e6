#!/bin/sh
# CLI test: help, usage, unknown commands and --version.
#
# usage: sh tests/cli/help.sh PATH/TO/callbot SRCDIR
set -eu

NAME=help
. "$(dirname "$0")/lib.sh"

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

# ---- result ---------------------------------------------------------------

finish
