#!/bin/sh
# CLI test: `callbot hear` recognizes WAV files against a script's node
# as the robot would (one JSON line each), and refuses bad usage and bad
# files with a message that says what to do.
#
# usage: sh tests/cli/hear.sh PATH/TO/callbot SRCDIR
set -eu

NAME=hear
. "$(dirname "$0")/lib.sh"

EN=$SRCDIR/scripts/loan-en.yaml

tc="no script"
run "$CALLBOT" hear x.wav
expect_rc 2
expect_line err "callbot hear: --script is required"

tc="no file"
run "$CALLBOT" hear --script "$EN"
expect_rc 2
expect_line err "callbot hear: no WAV file given"

tc="unknown option"
run "$CALLBOT" hear --script "$EN" --loud x.wav
expect_rc 2
expect_line err "callbot hear: unknown option: --loud"

tc="bad asr setting"
run "$CALLBOT" hear --script "$EN" --asr colour=blue x.wav
expect_rc 2
expect_line err "callbot hear: unknown --asr key: colour=blue"

tc="bad values"
run "$CALLBOT" hear --script "$EN" --values maybe x.wav
expect_rc 2
expect_line err "callbot hear: --values: on or off: maybe"

tc="bad second opinion"
run "$CALLBOT" hear --script "$EN" --second-opinion maybe x.wav
expect_rc 2
expect_line err "callbot hear: --second-opinion: on or off: maybe"

tc="unknown node"
run "$CALLBOT" hear --script "$EN" --node nowhere x.wav
expect_rc 2
expect_line err "callbot hear: $EN has no listening node nowhere"

# real speech: flite at 8 kHz, as a telephone line carries it
flite -voice slt -t "yes" -o "$T/yes16.wav"
sox "$T/yes16.wav" -r 8000 "$T/yes.wav"
flite -voice rms -t "stop calling me" -o "$T/stop16.wav"
sox "$T/stop16.wav" -r 8000 "$T/stop.wav"
sox "$T/yes16.wav" -r 11025 "$T/yes11.wav"
printf 'not a wav file' >"$T/junk.wav"

tc="recognize"
run "$CALLBOT" hear --script "$EN" "$T/yes.wav" "$T/stop.wav"
expect_rc 0
nasserts=$((nasserts + 1))
[ "$(grep -c '"file":' "$T/out")" -eq 2 ] ||
	fail "two JSON lines" "$(cat "$T/out")"
nasserts=$((nasserts + 1))
grep '"file":"[^"]*yes.wav"' "$T/out" | grep -q '"intent":"affirm"' ||
	fail "yes is affirm" "$(cat "$T/out")"
nasserts=$((nasserts + 1))
grep '"file":"[^"]*stop.wav"' "$T/out" | grep -q '"intent":"opt_out"' ||
	fail "stop calling me is opt_out" "$(cat "$T/out")"

# the second opinion: "i am not interested", with the threshold 1.5
# above its margin (confidence about 0.38),
# is rejected near it; the language model's transcript names the same
# intent, so it is taken, as the robot would (off: it stays rejected)
flite -voice slt -t "i am not interested" -o "$T/notint16.wav"
sox "$T/notint16.wav" -r 8000 "$T/notint.wav"
tc="second opinion"
run "$CALLBOT" hear --script "$EN" --second-opinion off "$T/notint.wav"
expect_rc 0
thr=$(python3 -c 'import json, sys
print("%.2f" % (json.load(open(sys.argv[1]))["score"] + 1.5))' "$T/out")
run "$CALLBOT" hear --script "$EN" --asr "reject_threshold=$thr" \
	"$T/notint.wav"
expect_rc 0
nasserts=$((nasserts + 1))
grep -q '"intent":"deny","rejected":false,"transcript":"[^"]*not interested[^"]*","verified":true' "$T/out" ||
	fail "verified by the transcript" "$(cat "$T/out")"
run "$CALLBOT" hear --script "$EN" --asr "reject_threshold=$thr" \
	--second-opinion off "$T/notint.wav"
expect_rc 0
nasserts=$((nasserts + 1))
grep -q '"rejected":true,"guess":"[^"]*not interested","confidence"' "$T/out" ||
	fail "off: rejected, no transcript" "$(cat "$T/out")"

tc="not a wav, other rate"
run "$CALLBOT" hear --script "$EN" "$T/junk.wav" "$T/yes11.wav" "$T/yes.wav"
expect_rc 1
expect_line err "callbot hear: $T/junk.wav: not a PCM WAV file"
expect_line err "callbot hear: $T/yes11.wav: 11025 Hz; convert it to 8000 Hz first (sox IN -r 8000 OUT)"
nasserts=$((nasserts + 1))
[ "$(grep -c '"file":' "$T/out")" -eq 1 ] ||
	fail "the good file is still heard" "$(cat "$T/out")"

finish
