#!/bin/sh
# CLI test: `callbot chat` with piped conversations on the sample scripts.
#
# Asserts the disclosure comes first, the matched intents, /dtmf, empty
# line = silence, /hangup, end of input, --var, --outcome and the final
# `== grade X: reason` line of several paths through loan-en and loan-zh.
#
# usage: sh tests/cli/chat.sh PATH/TO/callbot SRCDIR
set -eu

NAME=chat
. "$(dirname "$0")/lib.sh"
EN=$SRCDIR/scripts/loan-en.yaml
ZH=$SRCDIR/scripts/loan-zh.yaml

# chat INPUT SCRIPT [ARGS...]: pipe INPUT (printf format) into chat.
chat() {
	printf "$1" >"$T/in"
	shift
	run "$CALLBOT" chat "$@" <"$T/in"
}

# expect_said ID...: the robot said exactly these prompts, in this order.
expect_said() {
	nasserts=$((nasserts + 1))
	want=$*
	got=$(sed -n 's/^robot \[\([^]]*\)\]: .*/\1/p' "$T/out" | tr '\n' ' ')
	got=${got% }
	[ "$want" = "$got" ] ||
		fail "prompts said" "expected: $want" "got:      $got"
}

# expect_first PATTERN: the first line of stdout matches (grep -E).
expect_first() {
	nasserts=$((nasserts + 1))
	head -1 "$T/out" | grep -Eq -- "$1" ||
		fail "first line" "expected: /$1/" "got:      $(head -1 "$T/out")"
}

# expect_grade X TEXT: the `== grade X: REASON` line, with REASON holding
# TEXT, comes before the closing tags: and slots: lines. (The rest of the
# reason is the script's wording, which its authors may change.)
expect_grade() {
	nasserts=$((nasserts + 1))
	got=$(tail -3 "$T/out" | head -1)
	case $got in
	"== grade $1: "*"$2"*) ;;
	*) fail "grade line" "expected: == grade $1: ...$2..." \
		"got:      $got" "output:" "$(cat "$T/out")" ;;
	esac
	nasserts=$((nasserts + 1))
	tail -2 "$T/out" | head -1 | grep -q '^tags:' &&
		tail -1 "$T/out" | grep -q '^slots:' ||
		fail "tags: and slots: lines after the grade" \
			"got: $(tail -2 "$T/out")"
}

# expect_words LINE-PREFIX WORD...: the line starting with PREFIX (tags:,
# slots:) holds every WORD.
expect_words() {
	prefix=$1
	shift
	l=$(grep "^$prefix" "$T/out" | tail -1)
	for w in "$@"; do
		nasserts=$((nasserts + 1))
		case " ${l#"$prefix"} " in
		*" $w "*) ;;
		*) fail "$prefix $w" "expected: $w in '$prefix'" "got:      $l" ;;
		esac
	done
}

EN_DISCLOSURE='^robot \[disclosure\]: Hello there, this is an automated assistant .*Acme Finance'

# ---- English -----------------------------------------------------------------

tc="en: A path (yes, amount, agrees)"
chat 'yes\nabout twenty thousand\nyes\n' "$EN"
expect_rc 0
expect_first "$EN_DISCLOSURE"
expect_said disclosure ask_need ask_amount ask_followup close_agreed
expect_line out "you> yes"
expect_line out "  heard: affirm (score 1.00)"
expect_line out "  tag: has_demand"
expect_line out "you> about twenty thousand"
expect_line out "  slot: amount = 20000"
expect_line out "  tag: followup_agreed"
expect_line out "robot hangs up"
expect_no out "(end of input"
expect_grade A "agreed to a follow-up"
expect_words tags: has_demand followup_agreed
expect_words slots: amount=20000

tc="en: input after the robot hung up is not read"
chat 'yes\nabout twenty thousand\nyes\nhello?\nanyone?\n' "$EN"
expect_rc 0
expect_no out "you> hello?"
expect_grade A "agreed to a follow-up"

tc="en: opt-out"
chat "don't call me again\nyes\n" "$EN"
expect_rc 0
expect_first "$EN_DISCLOSURE"
expect_said disclosure ask_need optout_sorry
expect_line out "  heard: opt_out (score 1.00)"
expect_line out "  action: opt_out (the number goes on the do-not-call list)"
expect_line out "robot hangs up"
expect_no out "you> yes"
expect_grade D "not to be called"

tc="en: /dtmf 9 opts out"
chat '/dtmf 9\n' "$EN"
expect_rc 0
expect_said disclosure ask_need optout_sorry
expect_line out "you> /dtmf 9"
expect_line out "  action: opt_out (the number goes on the do-not-call list)"
expect_grade D "not to be called"

tc="en: /dtmf 1 is yes"
chat '/dtmf 1\n/hangup\n' "$EN"
expect_rc 0
expect_said disclosure ask_need ask_amount
expect_line out "  tag: has_demand"
expect_line out "  tag: used_dtmf"
expect_grade B "has demand"
expect_words tags: has_demand used_dtmf

tc="en: two refusals"
chat 'no\nno thanks\n' "$EN"
expect_rc 0
expect_said disclosure ask_need offer_rates close_refused
expect_line out "  heard: deny (score 1.00)"
expect_grade D "refused"

tc="en: empty lines are silence"
chat '\n\n\n' "$EN"
expect_rc 0
expect_said disclosure ask_need ask_need_retry1 ask_need_retry2 close_silence
expect_no out "heard:"
expect_line out "robot hangs up"
expect_grade E "no real conversation"
expect_words tags: no_response

tc="en: hang-up right after the opening"
chat '/hangup\n' "$EN"
expect_rc 0
expect_said disclosure ask_need
expect_line out "you> /hangup"
expect_no out "robot hangs up"
expect_no out "(end of input"
expect_grade E "no real conversation"

tc="en: end of input ends the call cleanly"
chat '' "$EN"
expect_rc 0
expect_said disclosure ask_need
expect_line out "(end of input: the callee hangs up)"
expect_grade E "no real conversation"
nasserts=$((nasserts + 1))
[ ! -s "$T/err" ] || fail "stderr" "expected: nothing" "got: $(cat "$T/err")"

tc="en: end of input after a yes"
chat 'yes' "$EN"
expect_rc 0
expect_line out "you> yes"
expect_line out "(end of input: the callee hangs up)"
expect_grade B "has demand"

tc="en: CRLF line endings"
chat 'yes\r\n\r\n' "$EN"
expect_rc 0
expect_line out "you> yes"
expect_line out "you> "
expect_said disclosure ask_need ask_amount ask_amount_retry
expect_grade B "has demand"

tc="en: asking for a robot, then yes"
chat 'are you a robot\n' "$EN"
expect_rc 0
expect_said disclosure ask_need robot_answer ask_need_resume
expect_line out "  heard: ask_robot (score 1.00)"

tc="en: /wait past max_seconds"
chat '/wait 300\nyes\n' "$EN"
expect_rc 0
expect_said disclosure ask_need close_limit
expect_no out "you> yes"
expect_words tags: limit_reached

tc="en: --var name=Zhang"
chat '/hangup\n' "$EN" --var name=Zhang
expect_rc 0
expect_first '^robot \[disclosure\]: Hello Zhang, this is an automated assistant '

tc="en: --var before the script"
chat '/hangup\n' --var name=Zhang "$EN"
expect_rc 0
expect_first '^robot \[disclosure\]: Hello Zhang, '

tc="en: --outcome busy"
chat '' "$EN" --outcome busy
expect_rc 0
expect_said
expect_line out "call not answered: busy"
expect_grade F "not reached (busy)"

tc="en: --outcome no_answer"
chat '' "$EN" --outcome no_answer
expect_rc 0
expect_grade F "not reached (no_answer)"

# A typo in an outcome must not be graded as a real one.
tc="en: --outcome with an unknown outcome"
chat '' "$EN" --outcome buzy
expect_rc 2
nasserts=$((nasserts + 1))
grep -q "buzy" "$T/err" ||
	fail "a message naming the bad outcome" "got stderr: $(cat "$T/err")" \
		"got stdout: $(cat "$T/out")"

tc="bad --var"
chat '' "$EN" --var name
expect_rc 2
expect_line err "callbot chat: bad --var (use name=value)"

tc="unknown option"
chat '' "$EN" --voice slt
expect_rc 2
expect_line err "usage: callbot chat SCRIPT [--var name=value]..."

tc="no script"
chat ''
expect_rc 2
expect_line err "usage: callbot chat SCRIPT [--var name=value]..."

tc="missing script"
chat '' nosuch.yaml
expect_rc 1
expect_line err "nosuch.yaml: cannot load: No such file or directory"

# ---- Mandarin ----------------------------------------------------------------

ZH_DISCLOSURE='^robot \[disclosure\]: 尊敬的客户，您好！我是安信金融的智能语音助手'

tc="zh: A path"
chat '需要\n五万左右\n可以，明天下午打给我吧\n' "$ZH"
expect_rc 0
expect_first "$ZH_DISCLOSURE"
expect_said disclosure ask_need ask_amount ask_followup close_ok
expect_line out "you> 需要"
expect_line out "  heard: affirm (score 1.00)"
expect_line out "  slot: amount = 50000"
expect_line out "  slot: followup_time = tomorrow afternoon"
expect_line out "robot hangs up"
expect_grade A "同意顾问跟进"
expect_words tags: has_demand followup_agreed
expect_words slots: amount=50000

tc="zh: opt-out"
chat '不要再给我打电话了\n' "$ZH"
expect_rc 0
expect_first "$ZH_DISCLOSURE"
expect_said disclosure ask_need optout_sorry
expect_line out "  action: opt_out (the number goes on the do-not-call list)"
expect_grade D "不再来电"

tc="zh: /dtmf 9"
chat '/dtmf 9\n' "$ZH"
expect_rc 0
expect_line out "  action: opt_out (the number goes on the do-not-call list)"
expect_grade D "不再来电"

tc="zh: two refusals"
chat '不需要\n不需要\n' "$ZH"
expect_rc 0
expect_line out "  heard: deny (score 1.00)"
expect_line out "robot hangs up"
expect_grade D "拒绝"

tc="zh: hang-up after the opening"
chat '/hangup\n' "$ZH"
expect_rc 0
expect_said disclosure ask_need
expect_no out "robot hangs up"
expect_grade E ""

tc="zh: --var name=张先生"
chat '/hangup\n' "$ZH" --var name=张先生
expect_rc 0
expect_first '^robot \[disclosure\]: 张先生，您好！我是安信金融的智能语音助手'

tc="zh: --outcome busy"
chat '' "$ZH" --outcome busy
expect_rc 0
expect_said
expect_grade F "（busy）"

# ---- result ---------------------------------------------------------------

finish
