#!/bin/sh
# SIP test: `callbot sim`, the simulated callee, against callbot's own call
# and answer commands on loopback.
#
#   talk       `callbot call sip:talk@...` plays a robot prompt (tone,
#              2.5 s silence, tone, silence): the persona answers after
#              its ring, says its first turn 0.7 s after the first tone,
#              hears the second tone as its reply (reply_ms), says its
#              second turn; one JSON line with persona, outcome answered
#              200, hangup_by robot, both turns, and the call recorded.
#   busy       answer: busy gives `callbot call` busy 486; JSON busy 486.
#   reject     answer: reject gives rejected 603.
#   unknown    a name no persona has: 404 (invalid_number), no JSON line.
#   pcma       codec: pcma answers a PCMU+PCMA offer in A-law.
#   max-calls  --max-calls 4: the sim exits 0 by itself after the four
#              calls above that reached a persona.
#   place      `callbot sim --call` as a persona towards `callbot answer`:
#              answered, the first turn spoken after the prompt, exit 0.
#   check      --check: "N personas" / file:line:col errors, exit 0 / 1.
#
# usage: sh tests/sip/test-sim.sh PATH/TO/callbot SRCDIR
set -u
. "$(dirname "$0")/lib.sh"
sip_init sim "$@"
need sox python3 ss

SIM_PORT=$(pick_port 25400)
ANS_PORT=$(pick_port $((SIM_PORT + 2)))

cat >personas.yaml <<'EOF'
- name: talk
  noise: { snr_db: 25, kind: pink }
  answer: 300
  turns:
    - say: yes I do
    - say: twenty thousand
  expect: { grade: A }
- name: busy
  answer: busy
  expect: { grade: F, outcome: busy }
- name: reject
  answer: reject
  expect: { grade: F, outcome: rejected }
- name: alaw
  codec: pcma
  answer: 100
  turns:
    - say: 我需要
      pinyin: wo3 xu1 yao4
  expect: { grade: A }
EOF

# the robot: 1 s tone, 2.5 s digital silence, 1 s tone, 2 s silence
sox -n -r 8000 -c 1 -b 16 tone.wav synth 1 sine 440 gain -10 &&
	sox -n -r 8000 -c 1 -b 16 gap1.wav trim 0 2.5 &&
	sox -n -r 8000 -c 1 -b 16 gap2.wav trim 0 2 &&
	sox tone.wav gap1.wav tone.wav gap2.wav robot.wav &&
	sox tone.wav gap2.wav short.wav ||
	{ echo "FAIL [setup]: cannot make test audio"; exit 1; }
mkdir rec

# json NAME FIELD: a field of the first JSON line of NAME.out for persona
jfield() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["persona"] == sys.argv[2]:
        v = eval("o" + sys.argv[3])
        print(json.dumps(v) if not isinstance(v, str) else v)
        break
' "$T/$1.out" "$2" "$3" 2>/dev/null
}

start sim "$CALLBOT" sim --personas personas.yaml --listen \
	"127.0.0.1:$SIM_PORT" --max-calls 4 --seed 3 --record-dir rec
if ! wait_for 20 port_bound "$SIM_PORT"; then
	fail "callbot sim is not listening on $SIM_PORT" "$(cat sim.err)"
	sip_done
fi

# ---- talk --------------------------------------------------------------
tc=talk
start call1 "$CALLBOT" call "sip:talk@127.0.0.1:$SIM_PORT" --play robot.wav
finish call1 30
check_eq "callbot call: answered" "outcome: answered 200" \
	"$(tail -n 1 call1.out)"
wait_for 5 grep -q '"persona":"talk"' sim.out
check_grep "one JSON line for the call" \
	'^\{"persona":"talk","call_id":"[^"]+","outcome":"answered","code":200,"hangup_by":"robot",' \
	sim.out
check_eq "two turns spoken" 2 "$(jfield sim talk '["turns"].__len__()')"
check_eq "first turn's words" "yes I do" \
	"$(jfield sim talk '["turns"][0]["say"]')"
check_range "first turn 0.7 s after the first tone (ms)" 1600 2100 \
	"$(jfield sim talk '["turns"][0]["at_ms"]')"
check_range "its speech (ms)" 300 2000 \
	"$(jfield sim talk '["turns"][0]["speech_ms"]')"
check_range "reply_ms: the second tone after its speech" 200 1500 \
	"$(jfield sim talk '["turns"][0]["reply_ms"]')"
check_eq "not a barge-in" false \
	"$(jfield sim talk '["turns"][0]["barge_in"]')"
check_eq "second turn: no reply came" null \
	"$(jfield sim talk '["turns"][1]["reply_ms"]')"
check_range "robot speech: two 1 s tones (ms)" 1900 2200 \
	"$(jfield sim talk '["robot_speech_ms"]')"
check "recorded" sh -c "ls rec/talk-*.wav"

# ---- busy, reject, unknown -----------------------------------------------
tc=busy
start call2 "$CALLBOT" call "sip:busy@127.0.0.1:$SIM_PORT" --play short.wav
finish call2 20
check_eq "callbot call: busy" "outcome: busy 486" "$(tail -n 1 call2.out)"
wait_for 5 grep -q '"persona":"busy"' sim.out
check_grep "JSON: busy 486, no turns" \
	'^\{"persona":"busy","call_id":"[^"]+","outcome":"busy","code":486,"hangup_by":null,"robot_speech_ms":0,"turns":\[\]\}$' \
	sim.out

tc=reject
start call3 "$CALLBOT" call "sip:reject@127.0.0.1:$SIM_PORT" --play short.wav
finish call3 20
check_eq "callbot call: rejected" "outcome: rejected 603" \
	"$(tail -n 1 call3.out)"
wait_for 5 grep -q '"persona":"reject"' sim.out
check_grep "JSON: rejected 603" '"outcome":"rejected","code":603' sim.out

tc=unknown
start call4 "$CALLBOT" call "sip:nobody@127.0.0.1:$SIM_PORT" --play short.wav
finish call4 20
check_eq "callbot call: 404" "outcome: invalid_number 404" \
	"$(tail -n 1 call4.out)"
check_no_grep "no JSON line for it" '"persona":"nobody"' sim.out

# ---- pcma; then --max-calls ends the sim ---------------------------------
tc=pcma
start call5 "$CALLBOT" call "sip:alaw@127.0.0.1:$SIM_PORT" --play short.wav
finish call5 20
check_eq "callbot call: answered" "outcome: answered 200" \
	"$(tail -n 1 call5.out)"
check_grep "the persona answered in A-law" "answered: .*PCMA" call5.err

tc=max-calls
finish sim 10
check_sane sim
check_eq "exits 0 by itself after 4 calls" 0 "$rc_sim"
check_eq "four JSON lines" 4 "$(grep -c '^{"persona"' sim.out)"

# ---- place a call as a persona ------------------------------------------
tc=place
start ans "$CALLBOT" answer --listen "127.0.0.1:$ANS_PORT" --play robot.wav \
	--max-calls 1
if wait_for 5 port_bound "$ANS_PORT"; then
	start sim2 "$CALLBOT" sim --personas personas.yaml --persona talk \
		--call "sip:robot@127.0.0.1:$ANS_PORT"
	finish sim2 30
	check_sane sim2
	check_eq "exit 0: answered" 0 "$rc_sim2"
	check_grep "JSON: answered, hung up by the robot" \
		'^\{"persona":"talk","call_id":"[^"]+","outcome":"answered","code":200,"hangup_by":"robot",' \
		sim2.out
	check_eq "first turn spoken" "yes I do" \
		"$(jfield sim2 talk '["turns"][0]["say"]')"
	check_range "with a reply (ms)" 200 1500 \
		"$(jfield sim2 talk '["turns"][0]["reply_ms"]')"
	finish ans 10
else
	fail "callbot answer is not listening" "$(cat ans.err)"
fi

# ---- check --------------------------------------------------------------
tc=check
"$CALLBOT" sim --check personas.yaml >chk.out 2>chk.err
check_eq "a good file: exit 0" "0 $(printf '4 personas')" "$? $(cat chk.out)"
printf -- '- name: x\n  turns: [{say: hi}]\n  expect: {grade: A}\n  nose: 1\n' \
	>bad.yaml
"$CALLBOT" sim --check bad.yaml >chk.out 2>chk.err
check_eq "a bad file: exit 1" 1 "$?"
check_grep "file:line:col error with did-you-mean" \
	"^bad.yaml:4:3: error: unknown key 'nose' in a persona \(did you mean 'noise'\?\)$" \
	chk.err

sip_done
