# Shared helpers for tests/sip/test-*.sh (POSIX sh; sourced, not run).
#
#   . "$(dirname "$0")/lib.sh"
#   sip_init NAME "$@"          CALLBOT, SRCDIR, HERE, SCN; cd to temp dir $T
#   need sipp sox python3       skip (exit 0) when a tool is missing
#   ...
#   sip_done                    summary line, exit status
#
# Processes started with `start` are remembered and killed on exit, by
# PID only. The temp dir is removed when everything passed and kept (its
# path printed) when something failed, or always with KEEP=1.
#
# Assertions never stop the test: each failure prints what was expected
# and what came, and sip_done exits 1 at the end, so one run shows every
# problem. Only loopback (127.0.0.0/8) is used here; test-baresip.sh
# adds its own private network namespace.

nchecks=0
nfailed=0
tc=setup
PIDS=""

sip_init() {
	name=$1
	shift
	CALLBOT=${1:?usage: sh test-$name.sh PATH/TO/callbot SRCDIR}
	SRCDIR=${2:?usage: sh test-$name.sh PATH/TO/callbot SRCDIR}
	case $CALLBOT in /*) ;; *) CALLBOT=$PWD/$CALLBOT ;; esac
	case $SRCDIR in /*) ;; *) SRCDIR=$PWD/$SRCDIR ;; esac
	HERE=$SRCDIR/tests/sip
	SCN=$HERE/scenarios
	if [ ! -x "$CALLBOT" ]; then
		echo "FAIL [setup]: $CALLBOT is not an executable"
		exit 1
	fi
	T=$(mktemp -d "${TMPDIR:-/tmp}/callbot-sip-$name.XXXXXX")
	trap sip_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	cd "$T" || exit 1
}

# need TOOL...: skip the whole test, cleanly, if a tool is not installed.
need() {
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIP: $t is not installed" \
				"(scripts/install-deps installs it)"
			exit 0
		fi
	done
}

sip_cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		_cn=0
		while kill -0 "$p" 2>/dev/null && [ $_cn -lt 30 ]; do
			sleep 0.1
			_cn=$((_cn + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	if [ "$nfailed" -gt 0 ] || [ -n "${KEEP:-}" ]; then
		echo "(files kept in $T)"
	else
		cd /
		rm -rf "$T"
	fi
}

sip_done() {
	echo "$nchecks checks, $nfailed failed"
	[ "$nfailed" -eq 0 ]
	exit $?
}

# ---- assertions ----------------------------------------------------------

fail() {
	nfailed=$((nfailed + 1))
	printf 'FAIL [%s]: %s\n' "$tc" "$1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/    /'
	done
}

ok() {
	printf 'ok   [%s]: %s\n' "$tc" "$1"
}

# check DESCRIPTION CMD...: the command must succeed.
check() {
	_cd=$1
	shift
	nchecks=$((nchecks + 1))
	if _co=$("$@" 2>&1); then
		ok "$_cd"
	else
		fail "$_cd" "$_co"
	fi
}

# check_eq DESCRIPTION EXPECTED GOT
check_eq() {
	nchecks=$((nchecks + 1))
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected: $2" "got:      $3"
	fi
}

# check_grep DESCRIPTION ERE FILE: some line of FILE matches ERE.
check_grep() {
	nchecks=$((nchecks + 1))
	if grep -q -E -e "$2" "$3" 2>/dev/null; then
		ok "$1"
	else
		fail "$1" "no line of $(basename "$3") matches: $2" \
			"$(tail -n 8 "$3" 2>/dev/null)"
	fi
}

# check_no_grep DESCRIPTION ERE FILE: no line of FILE matches ERE.
check_no_grep() {
	nchecks=$((nchecks + 1))
	if grep -q -E -e "$2" "$3" 2>/dev/null; then
		fail "$1" "$(basename "$3") has: $(grep -E -e "$2" "$3" |
			head -n 3)"
	else
		ok "$1"
	fi
}

# check_range DESCRIPTION LOW HIGH GOT (numbers; GOT may be decimal)
check_range() {
	nchecks=$((nchecks + 1))
	if awk -v g="$4" -v l="$2" -v h="$3" \
	    'BEGIN { exit !(g != "" && g + 0 >= l + 0 && g + 0 <= h + 0) }'
	then
		ok "$1 ($4)"
	else
		fail "$1" "expected between $2 and $3" "got: $4"
	fi
}

# check_sane NAME: callbot's stderr (NAME.err) shows no crash or
# sanitizer report, and its exit code ($NAME_rc) is below 128.
check_sane() {
	eval "_cr=\${rc_$1:-0}"
	nchecks=$((nchecks + 1))
	if [ "$_cr" -ge 124 ] ||
	    grep -q -e Sanitizer -e 'runtime error:' "$T/$1.err" 2>/dev/null
	then
		fail "$1: no crash, no hang, no sanitizer report (exit $_cr)" \
			"$(grep -A 12 -e Sanitizer -e 'runtime error:' \
				"$T/$1.err" 2>/dev/null | head -n 14)" \
			"$(tail -n 5 "$T/$1.err" 2>/dev/null)"
	else
		ok "$1: no crash, no hang, no sanitizer report"
	fi
}

# ---- processes -----------------------------------------------------------

# start NAME CMD...: run in the background, stdout to $T/NAME.out,
# stderr to $T/NAME.err; the PID goes to $pid_NAME.
start() {
	_sn=$1
	shift
	"$@" >"$T/$_sn.out" 2>"$T/$_sn.err" &
	eval "pid_$_sn=$!"
	PIDS="$PIDS $!"
}

# finish NAME SECONDS: wait for NAME (started with `start`) to exit by
# itself; its exit code goes to $rc_NAME, 124 if it had to be killed.
finish() {
	eval "_fp=\$pid_$1"
	_fn=0
	_fl=$(($2 * 10))
	while kill -0 "$_fp" 2>/dev/null && [ $_fn -lt "$_fl" ]; do
		sleep 0.1
		_fn=$((_fn + 1))
	done
	if kill -0 "$_fp" 2>/dev/null; then
		kill -TERM "$_fp" 2>/dev/null
		sleep 0.5
		kill -KILL "$_fp" 2>/dev/null
		wait "$_fp" 2>/dev/null
		forget "$_fp"
		eval "rc_$1=124"
		return 124
	fi
	wait "$_fp"
	_fr=$?
	forget "$_fp"
	eval "rc_$1=$_fr"
	return $_fr
}

# forget PID: reaped, so never signal that number again (it may be reused)
forget() {
	PIDS=$(echo " $PIDS " | sed "s/ $1 / /")
}

# stop NAME: SIGTERM, wait up to 5 s; exit code to $rc_NAME.
stop() {
	eval "_tp=\$pid_$1"
	kill -TERM "$_tp" 2>/dev/null
	finish "$1" 5
}

# wait_for SECONDS CMD...: poll until CMD succeeds; 1 on timeout.
wait_for() {
	_wl=$(($1 * 10))
	shift
	_wn=0
	until "$@" 2>/dev/null; do
		_wn=$((_wn + 1))
		[ $_wn -ge "$_wl" ] && return 1
		sleep 0.1
	done
	return 0
}

# now: seconds since the epoch, with decimals
now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# port_free PORT: nothing bound to it, UDP or TCP.
port_free() {
	! ss -Hlnu "sport = :$1" 2>/dev/null | grep -q . &&
		! ss -Hlnt "sport = :$1" 2>/dev/null | grep -q .
}

# port_bound PORT: something listens on UDP PORT (a peer is up).
port_bound() {
	ss -Hlnu "sport = :$1" 2>/dev/null | grep -q .
}

# pick_port START: print the first free even port from START on.
pick_port() {
	_pp=$1
	while ! port_free "$_pp" || ! port_free $((_pp + 1)); do
		_pp=$((_pp + 2))
	done
	echo "$_pp"
}

# ---- SIPp ----------------------------------------------------------------

# sipp_start NAME SCENARIO.xml ARGS...: SIPp in the background, run from
# $T (scenario files name their audio files relative to it), one call,
# a 120 s global limit, its logs as $T/NAME.{out,errors,msg,log}.
sipp_start() {
	_ss=$1
	_sf=$2
	shift 2
	case $_sf in /*) ;; *) _sf=$SCN/$_sf ;; esac
	start "$_ss" sipp -sf "$_sf" -i 127.0.0.1 -mi 127.0.0.1 -m 1 \
		-nostdin -timeout 120 -timeout_error \
		-trace_err -error_file "$T/$_ss.errors" \
		-trace_msg -message_file "$T/$_ss.msg" \
		-trace_logs -log_file "$T/$_ss.log" "$@"
}

# sipp_check NAME SECONDS WHAT: SIPp must finish its call successfully.
sipp_check() {
	finish "$1" "$2"
	eval "_sr=\$rc_$1"
	nchecks=$((nchecks + 1))
	if [ "$_sr" -eq 0 ]; then
		ok "SIPp $1: $3"
	else
		fail "SIPp $1: $3 (sipp exit $_sr)" \
			"$(grep -v '^\s*$' "$T/$1.errors" 2>/dev/null |
				head -n 12)" \
			"$(grep -E '^(SIP/2.0|[A-Z]+ sip:)' "$T/$1.msg" \
				2>/dev/null | tail -n 8)"
	fi
}

# ---- audio ---------------------------------------------------------------

# make_audio: the test signals in $T, 8 kHz mono 16-bit WAV, and raw
# u-law copies for SIPp's rtp_stream:
#   prompt.wav (4 s)   what the robot plays
#   callee.wav (2 s)   what a SIPp callee sends  (+ callee.ulaw, .alaw)
#   caller.wav (2 s)   what a SIPp caller sends  (+ caller.ulaw, .alaw)
#   busy.ulaw          Chinese busy tone: 450 Hz, 350 ms on / 350 ms off
#   congestion.ulaw    Chinese congestion tone: 450 Hz, 700 / 700 ms
#   ringback.ulaw      Chinese ringback: 450 Hz, 1 s on / 4 s off
audio() {
	python3 "$HERE/audio.py" "$@"
}

make_audio() {
	audio gen prompt.wav 4 1 &&
		audio gen callee.wav 2 2 &&
		audio gen caller.wav 2 3 &&
		sox callee.wav -t ul callee.ulaw &&
		sox caller.wav -t ul caller.ulaw &&
		sox callee.wav -t al callee.alaw &&
		sox caller.wav -t al caller.alaw &&
		tone 0.35 0.35 busy.ulaw &&
		tone 0.7 0.7 congestion.ulaw &&
		tone 1 4 ringback.ulaw
}

# tone ON OFF OUT.ulaw: 450 Hz at -10 dBFS, one cycle (SIPp loops it)
tone() {
	sox -n -r 8000 -c 1 -t ul "$3" synth "$1" sine 450 gain -10 \
		pad 0 "$2"
}
