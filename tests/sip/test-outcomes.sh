#!/bin/sh
# SIP test: the outcome of calls that are not answered, against SIPp
# callees on loopback. Each must end with exit 1 and the last stdout line
# `outcome: <outcome> <code>`:
#
#   486 Busy Here                  busy 486
#   404 Not Found                  invalid_number 404
#   503 Service Unavailable        unavailable 503
#   603 Decline                    rejected 603
#   180, then nothing (--timeout)  no_answer (0, or the 487 of our CANCEL)
#   183 + busy tone only           busy (tone detection; CANCEL)
#   183 + congestion tone only     unavailable
#   183 + ringback only            no_answer at --timeout
#   nobody listening               an outcome line, no hang (ICMP errors
#                                  are not reported on UDP: it takes the
#                                  whole --timeout, then gives up)
#
# The tones are the Chinese ones (450 Hz): busy 350/350 ms, congestion
# 700/700 ms, ringback 1 s / 4 s, made with sox.
#
# usage: sh tests/sip/test-outcomes.sh PATH/TO/callbot SRCDIR
set -u
. "$(dirname "$0")/lib.sh"
sip_init outcomes "$@"
need sipp sox python3 ss

make_audio || { echo "FAIL [setup]: cannot make test audio"; exit 1; }

SIPP_PORT=$(pick_port 25150)
RTP_PORT=$(pick_port 26150)
URI=sip:callee@127.0.0.1:$SIPP_PORT

# outcome NAME SCENARIO "SIPP ARGS" EXPECTED-ERE LIMIT-S [CALLBOT ARGS]:
# one call; checks exit code 1, the last line, SIPp's view, and that it
# ended within LIMIT seconds.
outcome() {
	tc=$1
	_scn=$2
	_sargs=$3
	_want=$4
	_lim=$5
	shift 5
	# shellcheck disable=SC2086
	sipp_start "uas_$tc" "$_scn" -p "$SIPP_PORT" -mp "$RTP_PORT" $_sargs
	wait_for 5 port_bound "$SIPP_PORT"
	_t0=$(now)
	start "cb_$tc" "$CALLBOT" call "$URI" --play prompt.wav \
		--listen 127.0.0.1:0 "$@"
	finish "cb_$tc" 60
	_took=$(elapsed "$_t0")
	check_sane "cb_$tc"
	eval "_rc=\$rc_cb_$tc"
	check_eq "exit code" 1 "$_rc"
	_last=$(tail -n 1 "cb_$tc.out")
	nchecks=$((nchecks + 1))
	if printf '%s\n' "$_last" | grep -q -x -E "$_want"; then
		ok "last line: $_last"
	else
		fail "last line" "expected: $_want" "got:      $_last" \
			"$(tail -n 4 "cb_$tc.err")"
	fi
	check_range "ended within $_lim s" 0 "$_lim" "$_took"
	sipp_check "uas_$tc" 10 "saw the call through (ACK or CANCEL)"
}

sed 's/486 Busy Here/404 Not Found/' "$SCN/uas-reject.xml" > uas-404.xml
sed 's/486 Busy Here/503 Service Unavailable/' "$SCN/uas-reject.xml" \
	> uas-503.xml
sed 's/486 Busy Here/603 Decline/' "$SCN/uas-reject.xml" > uas-603.xml

outcome busy486 uas-reject.xml "" "outcome: busy 486" 5
outcome notfound404 "$T/uas-404.xml" "" "outcome: invalid_number 404" 5
outcome unavail503 "$T/uas-503.xml" "" "outcome: unavailable 503" 5
outcome decline603 "$T/uas-603.xml" "" "outcome: rejected 603" 5
outcome ringing uas-ring.xml "" "outcome: no_answer (0|487)" 8 --timeout 4

cp busy.ulaw early.ulaw
outcome busytone uas-early-tone.xml "" "outcome: busy [0-9]+" 12 \
	--timeout 20
cp congestion.ulaw early.ulaw
outcome congestion uas-early-tone.xml "" "outcome: unavailable [0-9]+" 14 \
	--timeout 20
cp ringback.ulaw early.ulaw
outcome ringback uas-early-tone.xml "" "outcome: no_answer (0|487)" 12 \
	--timeout 8

# nobody at the address: ICMP port unreachable on loopback
tc=nobody
DEAD_PORT=$(pick_port 25190)
_t0=$(now)
start cb_nobody "$CALLBOT" call "sip:nobody@127.0.0.1:$DEAD_PORT" \
	--play prompt.wav --listen 127.0.0.1:0 --timeout 10
finish cb_nobody 60
check_sane cb_nobody
check_eq "exit code" 1 "$rc_cb_nobody"
check_grep "an outcome line last" '^outcome: [a-z_]+ [0-9]+$' cb_nobody.out
check_range "gave up after the timeout, no hang (s)" 0 15 "$(elapsed "$_t0")"

sip_done
