#!/bin/sh
# SIP test: `callbot answer` taking calls from SIPp callers on loopback.
#
#   caller-bye   SIPp streams audio, presses 1 5 9 # (RFC 4733) and hangs
#                up before the prompt ends: one output line with the
#                Call-ID, the caller's number masked, answered 200 and
#                dtmf: 159#; the recording's callee channel carries what
#                SIPp sent, the robot channel the prompt.
#   robot-bye    the robot hangs up after its prompt; SIPp answers the BYE.
#   pcma         a caller that offers PCMA only: answered in A-law.
#   cancel       SIPp CANCELs at the first provisional response; whichever
#                way the race goes (cancelled, or answered first), the
#                dialogue ends cleanly on both sides.
#   sigterm      still answering after all that; SIGTERM: exit 0.
#   max-calls    --max-calls 2 with two calls at once: two lines, then it
#                exits 0 by itself.
#
# usage: sh tests/sip/test-answer.sh PATH/TO/callbot SRCDIR
set -u
. "$(dirname "$0")/lib.sh"
sip_init answer "$@"
need sipp sox python3 ss

make_audio || { echo "FAIL [setup]: cannot make test audio"; exit 1; }

ANS_PORT=$(pick_port 25200)
SIPP_PORT=$(pick_port $((ANS_PORT + 2)))
RTP_PORT=$(pick_port 26250)
TARGET=127.0.0.1:$ANS_PORT
mkdir recs

start ans "$CALLBOT" answer --listen "$TARGET" --play prompt.wav \
	--record-dir recs
if ! wait_for 5 port_bound "$ANS_PORT"; then
	fail "callbot answer is not listening on $TARGET" "$(cat ans.err)"
	sip_done
fi

# call_id NAME: the Call-ID SIPp used (first one in its message log)
call_id() {
	sed -n 's/^Call-ID: *//p' "$T/$1.msg" | head -n 1 | tr -d '\r'
}

# answer_line CALL-ID: wait (5 s) for the answer line of that call
answer_line() {
	wait_for 5 grep -q -F "call $1 " ans.out
	grep -F "call $1 " ans.out | head -n 1
}

# ---- the caller hangs up first -------------------------------------------
tc=caller-bye
sipp_start uac1 uac-call.xml "$TARGET" -s robot -p "$SIPP_PORT" \
	-mp "$RTP_PORT" -key digits '159#' -set dtmfms 500 -set holdms 2600
sipp_check uac1 20 "answered, DTMF sent, its BYE answered"
cid=$(call_id uac1)
line=$(answer_line "$cid")
nchecks=$((nchecks + 1))
if printf '%s\n' "$line" | grep -q -x -E \
    "call [^ ]+ from [^ ]+ outcome: answered 200 dtmf: 159#"; then
	ok "output line: $line"
else
	fail "output line for Call-ID $cid" \
		"expected: call $cid from <masked> outcome: answered 200" \
		"          dtmf: 159#" \
		"got:      $line" "$(tail -n 5 ans.err)"
fi
from=$(printf '%s\n' "$line" | sed -n 's/.* from \([^ ]*\) outcome:.*/\1/p')
nchecks=$((nchecks + 1))
case $from in
*13800138000*) fail "the caller's number is masked" "got: $from" ;;
"") fail "the caller's number is masked" "no from field in: $line" ;;
*) ok "the caller's number is masked ($from)" ;;
esac
rec=recs/$(printf '%s' "$cid" | sed 's/[^A-Za-z0-9._@+-]/_/g').wav
if [ -s "$rec" ]; then
	ok "recorded to $rec"
	check "callee channel carries what SIPp sent" \
		audio match "$rec" left caller.wav --min 0.9 --level-db 2
	check "robot channel carries the prompt (up to the BYE)" \
		audio match "$rec" right prompt.wav --min 0.9
	check "robot channel does not carry the caller" \
		audio match "$rec" right caller.wav --max 0.3
else
	fail "no recording $rec" "$(ls recs)"
fi

# ---- the robot hangs up after its prompt ---------------------------------
tc=robot-bye
t0=$(now)
sipp_start uac2 uac-wait-bye.xml "$TARGET" -s robot -p "$SIPP_PORT" \
	-mp "$RTP_PORT" -key digits 2 -set dtmfms 500
sipp_check uac2 20 "answered, got the robot's BYE after the prompt"
check_range "BYE after the 4 s prompt and the 0.5 s pause (s)" 4.3 7 \
	"$(elapsed "$t0")"
cid=$(call_id uac2)
line=$(answer_line "$cid")
check_eq "output line" \
	"call $cid from $from outcome: answered 200 dtmf: 2" "$line"
rec=recs/$(printf '%s' "$cid" | sed 's/[^A-Za-z0-9._@+-]/_/g').wav
if [ -s "$rec" ]; then
	check "robot channel carries the whole prompt at its level" \
		audio match "$rec" right prompt.wav --min 0.9 --level-db 2
	check "callee channel carries what SIPp sent" \
		audio match "$rec" left caller.wav --min 0.9
else
	fail "no recording $rec" "$(ls recs)"
fi

# ---- a PCMA-only caller --------------------------------------------------
tc=pcma
sed -e 's/RTP\/AVP 0 8 96/RTP\/AVP 8 96/' \
	-e '/a=rtpmap:0 PCMU\/8000/d' \
	-e 's/caller\.ulaw,-1,0/caller.alaw,-1,8/' \
	"$SCN/uac-wait-bye.xml" > uac-pcma.xml
sipp_start uacp "$T/uac-pcma.xml" "$TARGET" -s robot -p "$SIPP_PORT" \
	-mp "$RTP_PORT" -key digits '' -set dtmfms 0
sipp_check uacp 20 "answered in A-law, got the robot's BYE"
cid=$(call_id uacp)
line=$(answer_line "$cid")
check_grep "answered" "call $cid .*outcome: answered 200" ans.out
check_grep "the robot took PCMA" "$cid: answered: .*PCMA" ans.err
rec=recs/$(printf '%s' "$cid" | sed 's/[^A-Za-z0-9._@+-]/_/g').wav
if [ -s "$rec" ]; then
	check "callee channel carries SIPp's A-law audio" \
		audio match "$rec" left caller.wav --min 0.9 --level-db 2
else
	fail "no recording $rec" "$(ls recs)"
fi

# ---- CANCEL --------------------------------------------------------------
tc=cancel
sipp_start uac3 uac-cancel.xml "$TARGET" -s robot -p "$SIPP_PORT"
sipp_check uac3 20 "the CANCEL (or the crossing 200) was handled"
path=$(sed -n 's/.*path: //p' uac3.log | head -n 1)
echo "     [cancel]: the call went: ${path:-?}"
cid=$(call_id uac3)
case $path in
late | immediate)
	line=$(answer_line "$cid")
	check_grep "answered before the CANCEL: a line, answered 200" \
		"call .* outcome: answered 200 dtmf: $" ans.out
	;;
cancelled)
	sleep 1
	check_no_grep "cancelled before the answer: not reported answered" \
		"call $cid .* outcome: answered" ans.out
	;;
esac

# ---- still there; SIGTERM ------------------------------------------------
tc=sigterm
check "still running after the calls" kill -0 "$pid_ans"
stop ans
check_sane ans
check_eq "exit code after SIGTERM" 0 "$rc_ans"
check_eq "one line per call" 4 "$(grep -c '^call ' ans.out)"

# ---- --max-calls ---------------------------------------------------------
tc=max-calls
start ans2 "$CALLBOT" answer --listen "$TARGET" --play prompt.wav \
	--max-calls 2
if wait_for 5 port_bound "$ANS_PORT"; then
	sipp_start uac4 uac-wait-bye.xml "$TARGET" -s robot \
		-p "$SIPP_PORT" -mp "$RTP_PORT" -key digits '' -set dtmfms 0 \
		-m 2 -r 10 -l 2
	sipp_check uac4 30 "two calls at once, both answered and hung up"
	finish ans2 10
	check_sane ans2
	check_eq "exits 0 by itself after 2 calls" 0 "$rc_ans2"
	check_eq "two lines" 2 "$(grep -c 'outcome: answered 200' ans2.out)"
else
	fail "callbot answer --max-calls 2 is not listening" "$(cat ans2.err)"
fi

sip_done
