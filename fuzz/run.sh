#!/bin/sh
# fuzz/run.sh FUZZER CORPUS SECONDS: run one libFuzzer target for a bounded
# time on a scratch copy of its seed corpus (new inputs are not committed).
# Exits non-zero, printing the crash report, when the fuzzer finds a bug.
set -u
fz=$1
seeds=$2
secs=${3:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp -r "$seeds"/. "$work/corpus"/ 2>/dev/null || true
cd "$work"
"$fz" -max_total_time="$secs" -max_len=16384 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 corpus >log 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	cat log
	ls crash-* leak-* timeout-* 2>/dev/null | while read -r f; do
		echo "reproducer: $f"; od -c "$f" | head -20
	done
else
	grep -E 'stat::number_of_executed_units|Done' log | head -3
fi
exit $rc
