#!/bin/sh
# SIP test: bad input from the network, on loopback.
#
#   bad-sdp        an INVITE whose "SDP" is not SDP: 488, no crash
#   unknown-codec  an offer with only G.729 and a made-up codec: 488
#   sip-junk       malformed, truncated and 65000-byte SIP datagrams at
#                  the SIP port: still answers a normal call afterwards
#   rtp-junk       during a call, 3 s of garbage at the robot's RTP port
#                  (bad versions, lengths past the end, 65 KB datagrams,
#                  and well-formed but foreign PCMU): the call goes on,
#                  the recording's callee channel is still SIPp's audio
#   vanish         the callee answers, then disappears without a BYE: the
#                  call ends through the RTP timeout (--rtp-timeout 4;
#                  the default is 30 s), logged once
#
# usage: sh tests/sip/test-bad-input.sh PATH/TO/callbot SRCDIR
set -u
. "$(dirname "$0")/lib.sh"
sip_init bad-input "$@"
need sipp sox python3 ss

make_audio || { echo "FAIL [setup]: cannot make test audio"; exit 1; }

ANS_PORT=$(pick_port 25250)
SIPP_PORT=$(pick_port $((ANS_PORT + 2)))
RTP_PORT=$(pick_port 26300)
TARGET=127.0.0.1:$ANS_PORT

start ans "$CALLBOT" answer --listen "$TARGET" --play prompt.wav
if ! wait_for 5 port_bound "$ANS_PORT"; then
	fail "callbot answer is not listening on $TARGET" "$(cat ans.err)"
	sip_done
fi

# ---- bad SDP, unknown codecs ---------------------------------------------
tc=bad-sdp
sipp_start uac1 uac-bad-sdp.xml "$TARGET" -s robot -p "$SIPP_PORT"
sipp_check uac1 15 "broken SDP refused with 488, ACK sent"
check "callbot answer still running" kill -0 "$pid_ans"

tc=unknown-codec
sipp_start uac2 uac-unknown-codec.xml "$TARGET" -s robot -p "$SIPP_PORT"
sipp_check uac2 15 "G.729-only offer refused with 488, ACK sent"
check "callbot answer still running" kill -0 "$pid_ans"

# ---- SIP garbage ---------------------------------------------------------
tc=sip-junk
check "sent SIP junk" python3 "$HERE/junk.py" sip 127.0.0.1 "$ANS_PORT"
sleep 0.5
check "callbot answer still running" kill -0 "$pid_ans"
sipp_start uac3 uac-wait-bye.xml "$TARGET" -s robot -p "$SIPP_PORT" \
	-mp "$RTP_PORT" -key digits '' -set dtmfms 0
sipp_check uac3 20 "a normal call afterwards: answered, BYE after the prompt"
stop ans
check_sane ans
check_eq "callbot answer exit code after SIGTERM" 0 "$rc_ans"

# ---- RTP garbage during a call -------------------------------------------
tc=rtp-junk
audio gen long.wav 8 1
sipp_start uas4 uas-answer.xml -p "$SIPP_PORT" -mp "$RTP_PORT"
wait_for 5 port_bound "$SIPP_PORT"
start cb4 "$CALLBOT" call "sip:callee@127.0.0.1:$SIPP_PORT" \
	--play long.wav --record rec4.wav --listen 127.0.0.1:0
if wait_for 10 test -s sipp-remote-rtp; then
	rport=$(cat sipp-remote-rtp)
	sleep 1
	check "sent 3 s of RTP junk to port $rport" \
		python3 "$HERE/junk.py" rtp 127.0.0.1 "$rport" --seconds 3
else
	fail "SIPp never saw the robot's INVITE" "$(tail -n 5 cb4.err)"
fi
finish cb4 30
check_sane cb4
check_eq "exit code" 0 "$rc_cb4"
check_eq "last line" "outcome: answered 200" "$(tail -n 1 cb4.out)"
sipp_check uas4 10 "answered, got the robot's BYE"
if [ -s rec4.wav ]; then
	set -- $(audio info rec4.wav)
	check_range "recording length: the whole prompt (s)" 8 10 "$4"
	check "callee channel is SIPp's audio, not the foreign packets" \
		audio match rec4.wav left callee.wav --min 0.9 --share 0.9
	check "robot channel carries the prompt" \
		audio match rec4.wav right long.wav --min 0.9
else
	fail "no recording rec4.wav"
fi

# ---- the callee vanishes -------------------------------------------------
tc=vanish
sox -n -r 8000 -c 1 -b 16 long60.wav synth 60 sine 600 gain -12
rm -f sipp-remote-rtp
sipp_start uas5 uas-vanish.xml -p "$SIPP_PORT" -mp "$RTP_PORT" \
	-set holdms 2000
wait_for 5 port_bound "$SIPP_PORT"
t0=$(now)
start cb5 "$CALLBOT" call "sip:callee@127.0.0.1:$SIPP_PORT" \
	--play long60.wav --listen 127.0.0.1:0 --rtp-timeout 4 \
	--rtp-ports 31000-31009
sipp_check uas5 10 "answered, then vanished"
check_range "the offer's RTP port is within --rtp-ports" 31000 31009 \
	"$(cat sipp-remote-rtp 2>/dev/null)"
finish cb5 40
took=$(elapsed "$t0")
check_sane cb5
check_eq "last line" "outcome: answered 200" "$(tail -n 1 cb5.out)"
check_range "ended by the RTP timeout, 4 s after the media stopped (s)" \
	4 14 "$took"
check_eq "one log line about the missing RTP" 1 \
	"$(grep -c -i -E 'no rtp|rtp (timeout|timed out)|rtp inactiv' cb5.err)"

sip_done
