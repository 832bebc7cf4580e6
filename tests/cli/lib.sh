# Shared by the CLI tests (tests/cli/*.sh): arguments, a temp dir that is
# removed at exit, and the assertion helpers. A test sets NAME, sources
# this file, makes its assertions and ends with `finish`.
#
# usage of a test: sh tests/cli/NAME.sh PATH/TO/callbot SRCDIR

CALLBOT=${1:?usage: sh $NAME.sh PATH/TO/callbot SRCDIR}
SRCDIR=${2:?usage: sh $NAME.sh PATH/TO/callbot SRCDIR}
case $CALLBOT in /*) ;; *) CALLBOT=$PWD/$CALLBOT ;; esac
SRCDIR=$(cd "$SRCDIR" && pwd)

T=$(mktemp -d "${TMPDIR:-/tmp}/callbot-cli-$NAME.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T"

# ---- helpers ---------------------------------------------------------------
# A failed assertion prints what was expected and what came; the test goes
# on so that one run shows every problem, and exits 1 at the end.

nasserts=0
nfailed=0
tc=setup

fail() {
	nfailed=$((nfailed + 1))
	printf 'FAIL [%s]: %s\n' "$tc" "$1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/    /'
	done
}

# run CMD...: stdout to $T/out, stderr to $T/err, exit code to $rc.
# A crash or a sanitizer report always fails, whatever the exit code.
run() {
	rc=0
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	nasserts=$((nasserts + 1))
	if [ "$rc" -ge 128 ] ||
	    grep -q -e Sanitizer -e 'runtime error:' "$T/err"; then
		fail "crashed (exit $rc): $*" "$(head -5 "$T/err")"
	fi
}

expect_rc() {
	nasserts=$((nasserts + 1))
	[ "$rc" -eq "$1" ] ||
		fail "exit code" "expected: $1" "got:      $rc" \
			"stdout: $(head -3 "$T/out")" "stderr: $(head -3 "$T/err")"
}

# expect_stdout LINE...: stdout is exactly these lines.
expect_stdout() {
	nasserts=$((nasserts + 1))
	: >"$T/want"
	[ $# -eq 0 ] || printf '%s\n' "$@" >"$T/want"
	cmp -s "$T/want" "$T/out" ||
		fail "stdout differs (< expected, > got)" \
			"$(diff "$T/want" "$T/out" | grep '^[<>]')"
}

# expect_line FILE LINE: FILE has this exact line.
expect_line() {
	nasserts=$((nasserts + 1))
	grep -Fxq -- "$2" "$T/$1" ||
		fail "no such line in $1" "expected: $2" \
			"got:" "$(head -40 "$T/$1")"
}

# expect_no FILE TEXT: FILE does not contain TEXT.
expect_no() {
	nasserts=$((nasserts + 1))
	! grep -Fq -- "$2" "$T/$1" ||
		fail "$1 contains '$2'" "expected: no such text" \
			"got:      $(grep -F -- "$2" "$T/$1" | head -3)"
}

# finish: print the tally; exit 1 if any assertion failed.
finish() {
	if [ "$nfailed" -ne 0 ]; then
		echo "$NAME.sh: $nfailed of $nasserts assertions failed"
		exit 1
	fi
	echo "$NAME.sh: all $nasserts assertions passed"
}
