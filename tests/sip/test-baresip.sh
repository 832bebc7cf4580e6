#!/bin/sh
# SIP test: callbot and baresip, a real softphone, calling each other.
#
# baresip refuses a host with only loopback addresses, so the whole test
# re-runs itself inside a private network namespace (unshare -n): there it
# brings up lo and a veth pair with 10.213.0.1/24, an address of our own
# that exists only inside the namespace. baresip listens on 10.213.0.1,
# callbot on 127.0.0.1; nothing can reach or leave the namespace, and it
# disappears with the test's processes.
#
#   baresip-calls   baresip dials `callbot answer`, plays a file, and
#                   presses 1 5 9 # (ctrl_tcp "sndcode"): the answer line
#                   has dtmf: 159#, the recording carries both sides, and
#                   baresip heard the prompt.
#   callbot-calls   `callbot call --dtmf '73*'` to baresip (auto-answer):
#                   answered 200, recording with both sides, baresip got
#                   the keys as telephone-events and heard the prompt.
#
# usage: sh tests/sip/test-baresip.sh PATH/TO/callbot SRCDIR
set -u
. "$(dirname "$0")/lib.sh"

if [ -z "${CALLBOT_IN_NETNS:-}" ]; then
	need baresip unshare ip sox python3 ss
	if ! unshare -n true 2>/dev/null; then
		echo "FAIL [setup]: cannot create a network namespace" \
			"(unshare -n): run as root (or with CAP_SYS_ADMIN)"
		exit 1
	fi
	CALLBOT_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi

sip_init baresip "$@"
ip link set lo up &&
	ip link add cbv0 type veth peer name cbv1 &&
	ip addr add 10.213.0.1/24 dev cbv0 &&
	ip link set cbv0 up && ip link set cbv1 up ||
	{ echo "FAIL [setup]: cannot set up the namespace's links"; exit 1; }

make_audio || { echo "FAIL [setup]: cannot make test audio"; exit 1; }
audio gen phone.wav 10 4    # what baresip sends (it hangs up at its end)

BR=10.213.0.1:5060          # baresip (only inside this namespace)
CTRL=127.0.0.1:4444         # baresip's ctrl_tcp
ANS=127.0.0.1:5070          # callbot answer

# baresip_conf DIR: a config for an auto-answering, file-playing phone
baresip_conf() {
	mkdir -p "$1/dump"
	cat > "$1/config" <<EOF
poll_method		epoll
sip_listen		$BR
audio_player		aubridge,nil
audio_source		aufile,$T/phone.wav
audio_alert		aubridge,nil
ausrc_srate		8000
auplay_srate		8000
ausrc_channels		1
auplay_channels		1
rtp_ports		20000-20099
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module			menu.so
module			ctrl_tcp.so
module_app		account.so
snd_path		$1/dump
ctrl_tcp_listen		$CTRL
EOF
	echo "<sip:phone@$BR>;regint=0;answermode=auto;audio_codecs=PCMU" \
		> "$1/accounts"
}

# ctrl CMD PARAMS: one baresip command through ctrl_tcp (netstring JSON)
ctrl() {
	python3 - "$1" "$2" <<'EOF'
import json, socket, sys
host, port = "127.0.0.1", 4444
s = socket.create_connection((host, port), timeout=5)
m = json.dumps({"command": sys.argv[1], "params": sys.argv[2],
                "token": "t"}).encode()
s.sendall(b"%d:%s," % (len(m), m))
r = s.recv(4096).decode(errors="replace")
sys.exit(0 if '"ok":true' in r else "baresip said: " + r)
EOF
}

established() {
	grep -q 'Call established' "$1"
}

# ---- baresip calls callbot -----------------------------------------------
tc=baresip-calls
mkdir recs
baresip_conf br1
start ans "$CALLBOT" answer --listen "$ANS" --play prompt.wav \
	--record-dir recs --max-calls 1
wait_for 5 port_bound 5070
start br1 baresip -f "$T/br1" -t 30 -e "/dial sip:robot@$ANS"
if wait_for 10 established br1.out; then
	ok "baresip's call was answered"
	check "baresip pressed 1 5 9 #" ctrl sndcode '159#'
else
	fail "baresip's call was not established" "$(tail -n 5 br1.out)" \
		"$(tail -n 5 ans.err)"
fi
finish ans 20
check_sane ans
check_eq "callbot answer exits 0 after its one call" 0 "$rc_ans"
line=$(grep '^call ' ans.out)
nchecks=$((nchecks + 1))
if printf '%s\n' "$line" | grep -q -x -E \
    'call [^ ]+ from [^ ]+ outcome: answered 200 dtmf: 159#'; then
	ok "output line: $line"
else
	fail "output line" \
		"expected: call ID from FROM outcome: answered 200 dtmf: 159#"\
		"got:      $line" "$(tail -n 5 ans.err)"
fi
stop br1
rec=$(ls recs/*.wav 2>/dev/null | head -n 1)
if [ -n "$rec" ]; then
	# the keys replace some of baresip's audio while they last
	check "callee channel carries what baresip sent" \
		audio match "$rec" left phone.wav --min 0.9 --share 0.6
	check "robot channel carries the prompt" \
		audio match "$rec" right prompt.wav --min 0.9 --level-db 2
else
	fail "no recording in recs/"
fi
dec=$(ls br1/dump/*-dec.wav 2>/dev/null | head -n 1)
if [ -n "$dec" ]; then
	check "baresip heard the prompt" \
		audio match "$dec" 0 prompt.wav --min 0.9
else
	fail "baresip dumped no received audio" "$(ls br1/dump)"
fi

# ---- callbot calls baresip -----------------------------------------------
tc=callbot-calls
baresip_conf br2
start br2 baresip -f "$T/br2" -t 30
wait_for 5 port_bound 5060
start cb "$CALLBOT" call "sip:phone@$BR" --play prompt.wav \
	--record rec.wav --dtmf '73*' --listen 127.0.0.1:0
finish cb 30
check_sane cb
check_eq "exit code" 0 "$rc_cb"
check_eq "last line" "outcome: answered 200" "$(tail -n 1 cb.out)"
sleep 0.5
stop br2
check_eq "baresip got the keys as telephone-events" "73*" \
	"$(sed -n "s/.*received event: '\(.\)' (end=0).*/\1/p" br2.out |
		tr -d '\n')"
if [ -s rec.wav ]; then
	check "callee channel carries what baresip sent" \
		audio match rec.wav left phone.wav --min 0.9
	check "robot channel carries the prompt" \
		audio match rec.wav right prompt.wav --min 0.9 --level-db 2
else
	fail "no recording rec.wav" "$(tail -n 5 cb.err)"
fi
dec=$(ls br2/dump/*-dec.wav 2>/dev/null | head -n 1)
if [ -n "$dec" ]; then
	check "baresip heard the prompt" \
		audio match "$dec" 0 prompt.wav --min 0.9 --share 0.6
else
	fail "baresip dumped no received audio" "$(ls br2/dump)"
fi

sip_done
