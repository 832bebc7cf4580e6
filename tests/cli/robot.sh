#!/bin/sh
# CLI test: `callbot robot` and `callbot e2e` refuse bad usage with a
# message that says what to do, exit 2 (1 for a script or persona file that
# does not load), and never touch the network for it.
#
# usage: sh tests/cli/robot.sh PATH/TO/callbot SRCDIR
set -eu

NAME=robot
. "$(dirname "$0")/lib.sh"

EN=$SRCDIR/scripts/loan-en.yaml

tc="no script"
run "$CALLBOT" robot --listen 127.0.0.1:5999
expect_rc 2
expect_line err "callbot robot: --script FILE is needed"

tc="neither listen nor call"
run "$CALLBOT" robot --script "$EN"
expect_rc 2
expect_line err "callbot robot: --listen ADDR:PORT (answer calls) or --call URI (place them) is needed"

tc="bad listen address"
run "$CALLBOT" robot --script "$EN" --listen nowhere
expect_rc 2
expect_line err "callbot robot: --listen: use ADDR:PORT, not 'nowhere'"

tc="bad call URI"
run "$CALLBOT" robot --script "$EN" --call 12345
expect_rc 2
expect_line err "callbot robot: --call: not a SIP URI: '12345'"

tc="unknown recognizer setting"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --asr nosuch=1
expect_rc 2
expect_line err "callbot robot: unknown --asr key: 'nosuch=1'"

tc="bad recognizer value"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --asr other_weight=2
expect_rc 2
expect_line err "callbot robot: bad --asr value: 'other_weight=2'"

tc="recognizer setting without a value"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --asr other_weight
expect_rc 2
expect_line err "callbot robot: --asr wants KEY=VALUE: 'other_weight'"

tc="bad rejection method"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --reject maybe
expect_rc 2
expect_line err "callbot robot: --reject: loop, garbage or off, not 'maybe'"

tc="RTP port range upside down"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 \
	--rtp-ports 20000-10000
expect_rc 2
expect_line err "callbot robot: --rtp-ports: MIN-MAX within 1024-65535, MIN below MAX, not '20000-10000' (e.g. 10000-20000; each call takes one even port)"

tc="RTP timeout not a number of seconds"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 \
	--rtp-timeout 2.5
expect_rc 2
expect_line err "callbot robot: --rtp-timeout: seconds from 0 (off) to 3600, not '2.5'"

# recognizer options apply in the order given, so the last one wins
# (callbot e2e passes --models before the --robot-arg options): the
# missing folder named last stops the robot before it calls anyone
tc="the last recognizer option wins"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 \
	--models "$SRCDIR/../shared/models" --asr "models=$T/none"
expect_rc 1
nasserts=$((nasserts + 1))
grep -Fq "no $T/none/en-hub4wsj_sc_8k/mdef" "$T/err" ||
	fail "the --asr models= folder was used" "$(head -5 "$T/err")"

tc="bad var"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --var noequals
expect_rc 2
expect_no err "Segmentation"

tc="bad jobs"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --jobs 0
expect_rc 2
expect_line err "callbot robot: --jobs: a number from 1 to 1000, not '0'"

tc="bad values"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --values maybe
expect_rc 2
expect_line err "callbot robot: --values: on or off, not 'maybe'"

tc="bad transcripts"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --transcripts maybe
expect_rc 2
expect_line err "callbot robot: --transcripts: on or off, not 'maybe'"

tc="bad transcript wait"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --transcript-wait 0
expect_rc 2
expect_line err "callbot robot: --transcript-wait: a number from 1 to 600000, not '0'"

tc="unanswered file in a missing directory"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --unanswered "$T/none/q.jsonl"
expect_rc 2
expect_line err "callbot robot: --unanswered: no writable directory for '$T/none/q.jsonl'"
[ ! -e "$T/none" ] || fail "--unanswered made a directory"

tc="unanswered file that is a directory"
run "$CALLBOT" robot --script "$EN" --call sip:a@127.0.0.1 --unanswered "$T"
expect_rc 2
expect_line err "callbot robot: --unanswered: cannot append to '$T'"

tc="missing record dir"
run "$CALLBOT" robot --script "$EN" --listen 127.0.0.1:5999 --record-dir "$T/none"
expect_rc 2
expect_line err "callbot robot: --record-dir: no directory '$T/none'"

tc="calls file with a bad line"
printf 'sip:a@127.0.0.1\n# comment\n\nnot a uri\n' >calls.txt
run "$CALLBOT" robot --script "$EN" --calls calls.txt
expect_rc 2
expect_line err "calls.txt:4: error: not a SIP URI"

tc="script that does not load"
printf 'meta: {name: x\n' >broken.yaml
run "$CALLBOT" robot --script broken.yaml --call sip:a@127.0.0.1
expect_rc 1
expect_no err "Segmentation"

tc="e2e without a language"
run "$CALLBOT" e2e
expect_rc 2
expect_line err "callbot e2e: --lang en or --lang zh is needed"

tc="e2e bad gate"
run "$CALLBOT" e2e --lang en --gate some
expect_rc 2
expect_line err "callbot e2e: --gate: grade or safety, not 'some'"

tc="e2e persona file with errors"
printf -- '- name: Bad Name\n' >bad.yaml
run "$CALLBOT" e2e --lang en --personas bad.yaml
expect_rc 1
expect_no err "Segmentation"

finish
