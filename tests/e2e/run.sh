#!/bin/sh
# End to end: the personas of LANG against the robot, over real SIP and
# RTP on loopback (callbot e2e). Fails unless e2e exits 0 (>= 95% graded
# correctly, every opt-out honoured, every disclosure heard in full).
#   run.sh CALLBOT SRCDIR LANG [e2e options]
set -u
bin=$1
src=$2
lang=$3
shift 3
out=$(mktemp -d /tmp/callbot-e2e-test-XXXXXX)
CALLBOT_SRCDIR=$src "$bin" e2e --lang "$lang" --out "$out" "$@" \
	>"$out/table.txt"
rc=$?
cat "$out/table.txt"
if ! grep -q "personas graded correctly" "$out/table.txt"; then
	echo "e2e-$lang: no summary line; logs in $out" >&2
	exit 1
fi
if [ "$rc" -ne 0 ]; then
	echo "e2e-$lang: failed (exit $rc); logs in $out" >&2
	exit 1
fi
rm -rf "$out"
