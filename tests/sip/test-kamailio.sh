#!/bin/sh
# SIP test: callbot behind Kamailio, a real registrar and record-routing
# proxy with digest authentication (tests/sip/kamailio/kamailio.cfg),
# all on 127.0.0.1.
#
#   outbound    `callbot call --registrar`: registers past a 401, calls a
#               registered SIPp callee past a 407, is answered, and its
#               ACK and BYE follow the Record-Route through the proxy.
#   inbound     `callbot answer --registrar`: registers, a trunk (SIPp,
#               no credentials) calls sip:robot@proxy, Kamailio forwards
#               to the robot's contact, the robot's BYE goes back through
#               the proxy.
#   bad-password `callbot call` with a wrong password: a clear error, a
#               non-zero exit, and no retry loop (REGISTERs counted in
#               Kamailio's log).
#
# usage: sh tests/sip/test-kamailio.sh PATH/TO/callbot SRCDIR
set -u
. "$(dirname "$0")/lib.sh"
sip_init kamailio "$@"
need kamailio sipp sox python3 ss

make_audio || { echo "FAIL [setup]: cannot make test audio"; exit 1; }

KP=$(pick_port 25300)                  # Kamailio
ALICE=$(pick_port $((KP + 2)))         # SIPp callee, registered as alice
REG=$(pick_port $((ALICE + 2)))        # SIPp registering alice
TRUNK=$(pick_port $((REG + 2)))        # SIPp trunk calling the robot
ROBOT=$(pick_port $((TRUNK + 2)))      # callbot answer
RTP_PORT=$(pick_port 26400)
PROXY=127.0.0.1:$KP

mkdir kam
start kam kamailio -f "$HERE/kamailio/kamailio.cfg" -D -E \
	-l "udp:$PROXY" -n 2 -m 32 -M 8 -w "$T/kam" -Y "$T/kam" \
	-P "$T/kam/kamailio.pid"
if ! wait_for 10 port_bound "$KP"; then
	fail "Kamailio did not start" "$(tail -n 20 kam.err)"
	sip_done
fi

# kam_count ERE: lines of Kamailio's log matching
kam_count() {
	grep -c -E -e "$1" kam.err
}

# ---- outbound: register, 407, Record-Route -------------------------------
tc=outbound
sipp_start alice uas-answer.xml -p "$ALICE" -mp "$RTP_PORT"
wait_for 5 port_bound "$ALICE"
sipp_start reg register.xml "$PROXY" -p "$REG" -s alice -au alice \
	-ap alicepass -key contact "127.0.0.1:$ALICE"
sipp_check reg 10 "alice registered (401, then 200)"

start cb "$CALLBOT" call "sip:alice@$PROXY" --play prompt.wav \
	--record rec.wav --listen 127.0.0.1:0 --registrar "sip:$PROXY" \
	--user robot --password robotpass --from "sip:robot@$PROXY"
finish cb 40
check_sane cb
check_eq "exit code" 0 "$rc_cb"
check_eq "last line" "outcome: answered 200" "$(tail -n 1 cb.out)"
sipp_check alice 10 "alice answered and got the BYE"
check_grep "the robot registered past the 401" \
	'registered sip:robot@' kam.err
check_grep "the robot's INVITE was challenged (407)" \
	'challenge INVITE from sip:robot@' kam.err
check_grep "and authenticated" 'authenticated INVITE from sip:robot@' \
	kam.err
check_grep "the robot's ACK followed the Record-Route" \
	'in-dialog ACK via route set' kam.err
check_grep "the robot's BYE followed the Record-Route" \
	'in-dialog BYE via route set' kam.err
if [ -s rec.wav ]; then
	check "callee channel carries alice's audio" \
		audio match rec.wav left callee.wav --min 0.9
else
	fail "no recording rec.wav" "$(tail -n 5 cb.err)"
fi

# ---- inbound: the robot registers, a trunk calls it through the proxy ----
tc=inbound
before=$(kam_count 'in-dialog BYE via route set')
start ans "$CALLBOT" answer --listen "127.0.0.1:$ROBOT" --play prompt.wav \
	--max-calls 1 --registrar "sip:$PROXY" --user robot \
	--password robotpass --from "sip:robot@$PROXY"
if wait_for 10 grep -q "registered sip:robot@.*:$ROBOT" kam.err; then
	ok "callbot answer registered its contact"
	sipp_start trunk uac-wait-bye.xml "$PROXY" -s robot -p "$TRUNK" \
		-mp "$RTP_PORT" -key digits 42 -set dtmfms 500
	sipp_check trunk 20 "the trunk's call was answered; the robot hung up"
	finish ans 10
	check_sane ans
	check_eq "callbot answer exits 0 after its one call" 0 "$rc_ans"
	check_grep "answered through the proxy, with the trunk's keys" \
		'^call .* outcome: answered 200 dtmf: 42$' ans.out
	check_eq "the robot's BYE went back through the proxy" \
		$((before + 1)) "$(kam_count 'in-dialog BYE via route set')"
else
	fail "callbot answer did not register" "$(tail -n 5 ans.err)" \
		"$(grep -E 'REGISTER|regist' kam.err | tail -n 5)"
fi

# ---- wrong password: a clear error, no loop ------------------------------
tc=bad-password
before=$(kam_count 'REQ REGISTER .* from sip:robot@')
invites=$(kam_count 'REQ INVITE .* from sip:robot@')
t0=$(now)
start bad "$CALLBOT" call "sip:alice@$PROXY" --play prompt.wav \
	--listen 127.0.0.1:0 --registrar "sip:$PROXY" --user robot \
	--password wrong --from "sip:robot@$PROXY"
finish bad 20
took=$(elapsed "$t0")
check_sane bad
nchecks=$((nchecks + 1))
if [ "$rc_bad" -ne 0 ] && [ "$rc_bad" -lt 124 ]; then
	ok "non-zero exit ($rc_bad)"
else
	fail "non-zero exit" "got: $rc_bad"
fi
check_range "gave up quickly (s)" 0 10 "$took"
check_grep "a clear error on stderr" \
	'(regist|401|[Uu]nauthori|credential|password|refused)' bad.err
sleep 3
regs=$(($(kam_count 'REQ REGISTER .* from sip:robot@') - before))
check_range "REGISTERs sent with the wrong password (no loop)" 1 3 "$regs"
check_eq "no INVITE without a registration" "$invites" \
	"$(kam_count 'REQ INVITE .* from sip:robot@')"
check_eq "outcome line says it failed" "outcome: failed" \
	"$(tail -n 1 bad.out | cut -d' ' -f1-2)"

stop kam
sip_done
