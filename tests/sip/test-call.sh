#!/bin/sh
# SIP test: `callbot call` against SIPp callees that answer, on loopback.
#
#   answered       SIPp answers and streams audio; the robot plays its
#                  prompt, records both sides and hangs up: the robot
#                  channel carries the prompt, the callee channel what
#                  SIPp sent, each at its level, neither the other.
#   callee-bye     SIPp hangs up first, 1.5 s in: the call ends then.
#   early-media    183 with a ringback tone in early media, then 200 OK.
#   pcma           the callee answers with PCMA only (uas-answer.xml
#                  rewritten): both directions in A-law.
#   dtmf           a media peer (rtppeer.py) behind a SIPp callee: the
#                  robot's --dtmf keys arrive as RFC 4733 events, the
#                  peer's keys come out as "dtmf: D" lines, and the
#                  prompt arrives on the wire.
#
# usage: sh tests/sip/test-call.sh PATH/TO/callbot SRCDIR
set -u
. "$(dirname "$0")/lib.sh"
sip_init call "$@"
need sipp sox python3 ss

make_audio || { echo "FAIL [setup]: cannot make test audio"; exit 1; }

SIPP_PORT=$(pick_port 25100)
RTP_PORT=$(pick_port 26100)
PEER_PORT=$(pick_port 26200)
URI=sip:callee@127.0.0.1:$SIPP_PORT

# run_call NAME ARGS...: callbot call in the foreground (60 s at most);
# stdout NAME.out, stderr NAME.err, exit code rc_NAME, the last stdout
# line in $last.
run_call() {
	n=$1
	shift
	start "$n" "$CALLBOT" call "$@"
	finish "$n" 60
	last=$(tail -n 1 "$T/$n.out")
}

# ---- answered ------------------------------------------------------------
tc=answered
sipp_start uas uas-answer.xml -p "$SIPP_PORT" -mp "$RTP_PORT"
wait_for 5 port_bound "$SIPP_PORT"
t0=$(now)
run_call cb "$URI" --play prompt.wav --record rec.wav \
	--listen 127.0.0.1:0
took=$(elapsed "$t0")
check_sane cb
check_eq "exit code" 0 "$rc_cb"
check_eq "last line" "outcome: answered 200" "$last"
sipp_check uas 10 "answered, got the robot's BYE"
# 4 s prompt, 0.5 s pause, 0.3 s of ringing, setup
check_range "call took (s)" 4.3 7 "$took"
if [ -s rec.wav ]; then
	set -- $(audio info rec.wav)
	check_eq "recording is stereo 8 kHz" "2 8000" "$1 $2"
	check_range "recording length (s)" 4 6 "$4"
	check "robot channel carries the prompt at its level" \
		audio match rec.wav right prompt.wav --min 0.9 --level-db 2
	check "callee channel carries what SIPp sent, at its level" \
		audio match rec.wav left callee.wav --min 0.9 --level-db 2
	check "robot channel does not carry the callee" \
		audio match rec.wav right callee.wav --max 0.3
	check "callee channel does not carry the prompt (no echo)" \
		audio match rec.wav left prompt.wav --max 0.3
else
	fail "no recording rec.wav" "$(tail -n 5 cb.err)"
fi

# ---- callee hangs up first -----------------------------------------------
tc=callee-bye
sipp_start uas2 uas-answer-bye.xml -p "$SIPP_PORT" -mp "$RTP_PORT" \
	-set holdms 1500
wait_for 5 port_bound "$SIPP_PORT"
t0=$(now)
run_call cb2 "$URI" --play prompt.wav --record rec2.wav \
	--listen 127.0.0.1:0
took=$(elapsed "$t0")
check_sane cb2
check_eq "exit code" 0 "$rc_cb2"
check_eq "last line" "outcome: answered 200" "$last"
sipp_check uas2 10 "its BYE was answered"
check_range "ended with the callee's BYE, before the prompt (s)" 1.5 3.5 \
	"$took"
if [ -s rec2.wav ]; then
	set -- $(audio info rec2.wav)
	check_range "recording stops at the BYE (s)" 1 2.5 "$4"
else
	fail "no recording rec2.wav"
fi

# ---- early media, then answer --------------------------------------------
tc=early-media
cp ringback.ulaw early.ulaw
sipp_start uas3 uas-early-answer.xml -p "$SIPP_PORT" -mp "$RTP_PORT" \
	-set earlyms 2500
wait_for 5 port_bound "$SIPP_PORT"
run_call cb3 "$URI" --play prompt.wav --record rec3.wav \
	--listen 127.0.0.1:0
check_sane cb3
check_eq "exit code" 0 "$rc_cb3"
check_eq "ringback then 200 OK: answered" "outcome: answered 200" "$last"
sipp_check uas3 10 "answered after early media, got the BYE"
if [ -s rec3.wav ]; then
	check "callee channel carries the answered audio" \
		audio match rec3.wav left callee.wav --min 0.9
else
	fail "no recording rec3.wav"
fi

# ---- the callee picks PCMA -----------------------------------------------
tc=pcma
sed -e 's/RTP\/AVP 0 \[\$tev\]/RTP\/AVP 8 [$tev]/' \
	-e 's/a=rtpmap:0 PCMU\/8000/a=rtpmap:8 PCMA\/8000/' \
	-e 's/callee\.ulaw,-1,0/callee.alaw,-1,8/' \
	"$SCN/uas-answer.xml" > uas-pcma.xml
sipp_start uas5 "$T/uas-pcma.xml" -p "$SIPP_PORT" -mp "$RTP_PORT"
wait_for 5 port_bound "$SIPP_PORT"
run_call cb5 "$URI" --play prompt.wav --record rec5.wav \
	--listen 127.0.0.1:0
check_sane cb5
check_eq "last line" "outcome: answered 200" "$last"
sipp_check uas5 10 "answered with PCMA, got the BYE"
check_grep "the robot took PCMA" 'PCMA' cb5.err
if [ -s rec5.wav ]; then
	check "callee channel carries SIPp's A-law audio" \
		audio match rec5.wav left callee.wav --min 0.9 --level-db 2
	check "robot channel carries the prompt" \
		audio match rec5.wav right prompt.wav --min 0.9
else
	fail "no recording rec5.wav"
fi

# ---- DTMF both ways, and the prompt on the wire --------------------------
tc=dtmf
start peer python3 "$HERE/rtppeer.py" --bind "127.0.0.1:$PEER_PORT" \
	--send callee.wav --loop --record wire.wav --seconds 30 \
	--dtmf '47#' --dtmf-at 0.5 --tev-file sipp-offer-tev
sipp_start uas4 uas-media-peer.xml -p "$SIPP_PORT" -key rtpport "$PEER_PORT"
wait_for 5 port_bound "$SIPP_PORT"
run_call cb4 "$URI" --play prompt.wav --dtmf 159 --listen 127.0.0.1:0
check_sane cb4
check_eq "exit code" 0 "$rc_cb4"
check_eq "last line" "outcome: answered 200" "$last"
check_eq "the peer's keys, one line each, before the outcome" \
	"dtmf: 4|dtmf: 7|dtmf: #|outcome: answered 200" \
	"$(grep -E '^(dtmf|outcome):' cb4.out | paste -s -d '|')"
sipp_check uas4 10 "answered, got the BYE"
finish peer 10
check_grep "the robot's --dtmf keys arrived as RFC 4733 events" \
	'dtmf: 159$' peer.out
if [ -s wire.wav ]; then
	# the digits replace about a second of the prompt on the wire
	check "the prompt arrived at the peer" \
		audio match wire.wav 0 prompt.wav --min 0.9 --share 0.6
else
	fail "rtppeer recorded nothing" "$(cat peer.out peer.err)"
fi

sip_done
