#!/bin/sh
# CLI test: `callbot check`.
#
# The sample scripts pass. Then a minimal valid script written here is
# broken one way per file, and each broken file must exit 1 with exactly
# one `file:line:col: error:` line (plus the summary line).
#
# usage: sh tests/cli/check.sh PATH/TO/callbot SRCDIR
set -eu

NAME=check
. "$(dirname "$0")/lib.sh"

# lineof FILE TEXT: the number of the first line of FILE holding TEXT.
lineof() {
	grep -nF -- "$2" "$1" | head -1 | cut -d: -f1
}

# mutate DST SED-SCRIPT: DST is base.yaml with one thing broken.
mutate() {
	sed "$2" base.yaml >"$1"
	if cmp -s base.yaml "$1"; then
		fail "test setup: sed '$2' changed nothing in base.yaml"
	fi
}

# expect_error FILE LINE:COL MESSAGE: exit 1, exactly this one error and
# the summary line.
expect_error() {
	run "$CALLBOT" check "$1"
	expect_rc 1
	expect_stdout "$1:$2: error: $3" "$1: 1 error(s), 0 warning(s)"
}

# ---- the sample scripts ----------------------------------------------------

for lang in en zh; do
	tc="sample loan-$lang"
	run "$CALLBOT" check "$SRCDIR/scripts/loan-$lang.yaml"
	expect_rc 0
	nasserts=$((nasserts + 1))
	grep -q "^$SRCDIR/scripts/loan-$lang.yaml: ok (" "$T/out" ||
		fail "no 'ok' summary" "got: $(tail -3 "$T/out")"
	expect_no out ": error: "
done

tc="both samples at once"
run "$CALLBOT" check "$SRCDIR/scripts/loan-en.yaml" \
	"$SRCDIR/scripts/loan-zh.yaml"
expect_rc 0

# ---- a minimal valid script -------------------------------------------------

cat >base.yaml <<'EOF'
meta:
  name: mini
  language: en
  company: Demo Bank
vars:
  name: there
limits:
  close: bye
  refusal_close: bye
prompts:
  hello: Hello {name}, this is an automated assistant calling for {company}.
  ask: Do you want a loan?
  robot: Yes, I am an automated assistant, not a real person.
  sorry: Sorry for the bother. Goodbye.
  goodbye: Thank you. Goodbye.
intents:
  affirm: [yes, sure]
  deny: [no, nope]
  opt_out: ["don't call me"]
  complaint: [complaint]
  ask_robot: ["are you a robot"]
global:
  opt_out: { say: sorry, action: opt_out, end: true }
  complaint: { say: sorry, action: opt_out, end: true }
  ask_robot: { say: robot }
flow:
  start: opening
  nodes:
    opening:
      say: hello
      interruptible: false
      next: need
    need:
      say: ask
      branches:
        affirm: { goto: bye, tags: [has_demand] }
        deny: bye
    bye:
      say: goodbye
      end: true
grading:
  - grade: F
    when: outcome != answered
    reason: not reached ({outcome})
  - grade: A
    when: has_demand
    reason: has demand
  - grade: C
    reason: other
EOF

tc="minimal valid script"
run "$CALLBOT" check base.yaml
expect_rc 0
expect_stdout "base.yaml: ok (0 warning(s))"

# The company named literally instead of {company} is fine too.
tc="disclosure naming the company literally"
mutate lit.yaml 's/calling for {company}\./calling for Demo Bank./'
run "$CALLBOT" check lit.yaml
expect_rc 0
expect_stdout "lit.yaml: ok (0 warning(s))"

# ---- one thing broken per file ------------------------------------------------

tc="YAML syntax error"
mutate syntax.yaml 's/^  ask: Do you want a loan?/  ask: Do you want: a loan?/'
expect_error syntax.yaml "$(lineof syntax.yaml 'want: a loan'):19" \
	"YAML: mapping values are not allowed in this context"

tc="YAML: tab indentation"
mutate tab.yaml 's/^  ask: /	ask: /'
expect_error tab.yaml "$(lineof tab.yaml '	ask: '):1" \
	"YAML: found a tab character that violates indentation while scanning a plain scalar"

tc="unknown key with did-you-mean"
mutate key.yaml 's/^      interruptible: false/      interuptible: false/'
expect_error key.yaml "$(lineof key.yaml interuptible):7" \
	"unknown key 'interuptible' in a node (did you mean 'interruptible'?)"

tc="unknown prompt reference"
mutate prompt.yaml 's/^      say: ask$/      say: aks/'
expect_error prompt.yaml "$(lineof prompt.yaml 'say: aks'):12" \
	"unknown prompt 'aks' (not in prompts:)"

tc="unreachable node"
mutate unreach.yaml '/^grading:/i\
    orphan:\
      say: goodbye\
      end: true'
expect_error unreach.yaml "$(lineof unreach.yaml 'orphan:'):5" \
	"node 'orphan' is unreachable: no branch, next or goto leads to it"

tc="node with no way to an end"
mutate noend.yaml 's/goto: bye, tags: \[has_demand\]/goto: loop, tags: [has_demand]/
/^grading:/i\
    loop:\
      say: ask\
      branches:\
        affirm: loop\
        no_match: loop\
        silence: loop'
expect_error noend.yaml "$(lineof noend.yaml '    loop:'):5" \
	"node 'loop' has no way to an end: no path of branches or next reaches a node with 'end: true'"

tc="phrase shadowed by another intent"
mutate shadow.yaml 's/^  deny: \[no, nope\]/  deny: [no, nope, sure]/'
expect_error shadow.yaml "$(lineof shadow.yaml 'nope, sure'):20" \
	"phrase 'sure' of 'deny' is shadowed: said alone it is heard as 'affirm' (its phrase 'sure')"

tc="disclosure: first node interruptible"
mutate interr.yaml '/^      interruptible: false/d'
expect_error interr.yaml "$(lineof interr.yaml '    opening:'):5" \
	"the first node 'opening' says the disclosure, so it must have 'interruptible: false'"

tc="disclosure: does not say automated"
mutate human.yaml 's/this is an automated assistant calling/this is Anna calling/'
expect_error human.yaml "$(lineof human.yaml 'hello:'):3" \
	"the first prompt 'hello' must disclose that this is an automated assistant (e.g. \"this is an automated assistant\")"

tc="disclosure: company not named"
mutate nocomp.yaml 's/ calling for {company}\./ calling./'
expect_error nocomp.yaml "$(lineof nocomp.yaml 'hello:'):3" \
	"the first prompt 'hello' must say whom the robot calls for ({company})"

# The ask_robot answer claims to be human. Two checks find this claim (any
# prompt, and the ask_robot answer); one problem must be one error, and the
# message may come from either check.
tc="ask_robot answer: I'm a real person"
mutate real.yaml "s/^  robot: .*/  robot: No, I'm a real person, how can I help?/"
run "$CALLBOT" check real.yaml
expect_rc 1
l=$(lineof real.yaml '  robot:')
nasserts=$((nasserts + 1))
if [ "$(wc -l <"$T/out")" -ne 2 ] ||
    ! sed -n 1p "$T/out" | grep -Eqx "real\.yaml:$l:3: error: prompt 'robot' (\(the ask_robot answer\) )?claims to be human \('(i'm a real person|real person)'\): the robot must always say truthfully that it is automated" ||
    [ "$(sed -n 2p "$T/out")" != "real.yaml: 1 error(s), 0 warning(s)" ]; then
	fail "one error for the human claim" \
		"expected: real.yaml:$l:3: error: prompt 'robot' [(the ask_robot answer)] claims to be human ('...'): the robot must always say truthfully that it is automated" \
		"expected: real.yaml: 1 error(s), 0 warning(s)" \
		"got:" "$(cat "$T/out")"
fi

tc="any prompt: I am a real person"
mutate realany.yaml 's/^  ask: .*/  ask: Do you want a loan? I am a real person, by the way./'
expect_error realany.yaml "$(lineof realany.yaml '  ask:'):3" \
	"prompt 'ask' claims to be human ('i am a real person'): the robot must always say truthfully that it is automated"

tc="ask_robot answer: not a robot"
mutate notrobot.yaml 's/^  robot: .*/  robot: Yes, I am an automated assistant, not a robot./'
expect_error notrobot.yaml "$(lineof notrobot.yaml '  robot:'):3" \
	"prompt 'robot' (the ask_robot answer) claims to be human ('not a robot'): the robot must always say truthfully that it is automated"

tc="missing opt_out intent"
mutate nooptout.yaml '/^  opt_out:/d'
expect_error nooptout.yaml "1:1" \
	"no 'opt_out' intent: every script must let the callee opt out (\"don't call me again\")"

tc="opt_out not handled globally"
mutate noglobal.yaml '/^  opt_out: { say/d'
run "$CALLBOT" check noglobal.yaml
expect_rc 1
l=$(lineof noglobal.yaml '  opt_out:')
expect_stdout \
	"noglobal.yaml:$l:3: error: 'opt_out' must be handled in global: with a prompt, 'action: opt_out' and 'end: true'" \
	"noglobal.yaml:$l:3: warning: intent 'opt_out' is never listened for (no branch or global/faq entry uses it)" \
	"noglobal.yaml: 1 error(s), 1 warning(s)"

tc="global opt_out without the opt_out action"
mutate noaction.yaml 's/^  opt_out: { say: sorry, action: opt_out, end: true }/  opt_out: { say: sorry, end: true }/'
expect_error noaction.yaml "$(lineof noaction.yaml '  opt_out: { say'):3" \
	"global 'opt_out' must take 'action: opt_out' (the number goes on the do-not-call list)"

tc="grading without a catch-all rule"
mutate nocatch.yaml '/^  - grade: C/,$d'
expect_error nocatch.yaml "$(lineof nocatch.yaml '  - grade: A'):5" \
	"grading has no catch-all rule (a last rule without 'when'), so some calls would get no grade"

tc="bad grading expression: missing )"
mutate paren.yaml 's/^    when: has_demand$/    when: has_demand and (turns > 1/'
expect_error paren.yaml "$(lineof paren.yaml '(turns > 1'):36" \
	"in 'when: has_demand and (turns > 1': missing ')'"

tc="bad grading expression: typo in an operator"
mutate andd.yaml 's/^    when: has_demand$/    when: has_demand andd turns > 1/'
expect_error andd.yaml "$(lineof andd.yaml 'andd'):22" \
	"in 'when: has_demand andd turns > 1': unexpected text (missing 'and' or 'or'?)"

tc="undefined {variable}"
mutate var.yaml 's/^  ask: Do you want a loan?/  ask: Do you want a loan, {nmae}?/'
expect_error var.yaml "$(lineof var.yaml '{nmae}'):3" \
	"prompt 'ask' uses {nmae}, which has no default in vars: (a callee must never hear a blank)"

# ---- Mandarin ---------------------------------------------------------------

cat >zh.yaml <<'EOF'
meta:
  name: mini-zh
  language: zh
  company: 安信金融
limits:
  close: bye
  refusal_close: bye
prompts:
  hello:
    text: 您好，我是安信金融的智能语音助手。
    pinyin: nin2 hao3, wo3 shi4 an1 xin4 jin1 rong2 de5 zhi4 neng2 yu3 yin1 zhu4 shou3.
  ask:
    text: 请问您需要贷款吗？
    pinyin: qing3 wen4 nin2 xu1 yao4 dai4 kuan3 ma5?
  robot:
    text: 我是智能语音助手，不是真人。
    pinyin: wo3 shi4 zhi4 neng2 yu3 yin1 zhu4 shou3, bu2 shi4 zhen1 ren2.
  sorry:
    text: 打扰了，再见。
    pinyin: da3 rao3 le5, zai4 jian4.
  goodbye:
    text: 谢谢，再见。
    pinyin: xie4 xie4, zai4 jian4.
intents:
  affirm: [需要, 是的]
  deny: [不需要, 不用]
  opt_out: [别再打了]
  complaint: [投诉]
  ask_robot: [你是机器人吗]
global:
  opt_out: { say: sorry, action: opt_out, end: true }
  complaint: { say: sorry, action: opt_out, end: true }
  ask_robot: { say: robot }
flow:
  nodes:
    opening:
      say: hello
      interruptible: false
      next: need
    need:
      say: ask
      branches:
        affirm: { goto: bye, tags: [has_demand] }
        deny: bye
    bye:
      say: goodbye
      end: true
grading:
  - grade: A
    when: has_demand
    reason: 有需求
  - grade: C
    reason: 其他
EOF

tc="minimal Mandarin script (不是真人 is honest)"
run "$CALLBOT" check zh.yaml
expect_rc 0
expect_stdout "zh.yaml: ok (0 warning(s))"

tc="Mandarin ask_robot answer: 我是真人客服"
sed 's/^    text: 我是智能语音助手，不是真人。/    text: 您好，我是真人客服。/' \
	zh.yaml >zhreal.yaml
run "$CALLBOT" check zhreal.yaml
expect_rc 1
l=$(lineof zhreal.yaml '  robot:')
nasserts=$((nasserts + 1))
if [ "$(wc -l <"$T/out")" -ne 2 ] ||
    ! sed -n 1p "$T/out" | grep -Eqx "zhreal\.yaml:$l:3: error: prompt 'robot' (\(the ask_robot answer\) )?claims to be human \('(我是真人|真人)'\): the robot must always say truthfully that it is automated" ||
    [ "$(sed -n 2p "$T/out")" != "zhreal.yaml: 1 error(s), 0 warning(s)" ]; then
	fail "one error for the human claim" \
		"expected: zhreal.yaml:$l:3: error: prompt 'robot' [(the ask_robot answer)] claims to be human ('...'): the robot must always say truthfully that it is automated" \
		"expected: zhreal.yaml: 1 error(s), 0 warning(s)" \
		"got:" "$(cat "$T/out")"
fi

tc="Mandarin disclosure without 智能/机器人/…"
sed 's/^    text: 您好，我是安信金融的智能语音助手。/    text: 您好，我是安信金融的小王。/' \
	zh.yaml >zhdisc.yaml
expect_error zhdisc.yaml "$(lineof zhdisc.yaml '  hello:'):3" \
	"the first prompt 'hello' must disclose that this is an automated assistant (e.g. \"我是智能语音助手\")"

# ---- files that are not scripts ------------------------------------------------

tc="missing file"
run "$CALLBOT" check nosuch.yaml
expect_rc 1
expect_stdout
expect_line err "nosuch.yaml: cannot read: No such file or directory"

tc="a directory"
mkdir adir
run "$CALLBOT" check adir
expect_rc 1
nasserts=$((nasserts + 1))
grep -qi 'adir.*is a directory' "$T/err" ||
	fail "a clear message for a directory" \
		"expected: adir: cannot read: Is a directory" \
		"got:      $(cat "$T/err")"

tc="binary garbage"
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\003\000>\000\001\000\000\000\377\376\375\n' >garbage.yaml
expect_error garbage.yaml 1:1 "YAML: control characters are not allowed"

# libyaml reports reader errors (bad bytes) by offset, not by line:
# the location must still be where the bad byte is.
tc="invalid UTF-8"
printf 'meta:\n  name: \300\257\377\n' >badutf8.yaml
expect_error badutf8.yaml 2:9 "YAML: invalid length of a UTF-8 sequence"

tc="a control character"
printf 'meta:\n  name: x\n  language: en\n  company: \001Demo\n' >ctrl.yaml
expect_error ctrl.yaml 4:12 "YAML: control characters are not allowed"

tc="an executable (callbot itself)"
run "$CALLBOT" check "$CALLBOT"
expect_rc 1
expect_stdout "$CALLBOT:1:1: error: YAML: control characters are not allowed" \
	"$CALLBOT: 1 error(s), 0 warning(s)"

tc="empty file"
: >empty.yaml
expect_error empty.yaml 1:1 "the file is empty"

tc="only blank lines and a comment"
printf '\n   \n# nothing here\n' >blank.yaml
expect_error blank.yaml 1:1 "the file is empty"

tc="a list, not a map"
printf -- '- a\n- b\n' >list.yaml
expect_error list.yaml 1:1 "a script must be a map, not a list"

tc="UTF-8 BOM and CRLF line endings are fine"
{ printf '\357\273\277'; sed 's/$/\r/' base.yaml; } >dos.yaml
run "$CALLBOT" check dos.yaml
expect_rc 0
expect_stdout "dos.yaml: ok (0 warning(s))"

# ---- several files, arguments, -q --------------------------------------------

tc="several files: go on after a bad one"
run "$CALLBOT" check base.yaml nosuch.yaml interr.yaml zh.yaml
expect_rc 1
expect_line out "base.yaml: ok (0 warning(s))"
expect_line out "interr.yaml: 1 error(s), 0 warning(s)"
expect_line out "zh.yaml: ok (0 warning(s))"
expect_line err "nosuch.yaml: cannot read: No such file or directory"

tc="no arguments"
run "$CALLBOT" check
expect_rc 2
expect_stdout
expect_line err "usage: callbot check SCRIPT..."

tc="only -q"
run "$CALLBOT" check -q
expect_rc 2
expect_line err "usage: callbot check SCRIPT..."

mutate warn.yaml 's/^  goodbye: Thank you. Goodbye./&\
  unused: This is never said./'
l=$(lineof warn.yaml '  unused:')

tc="a warning alone exits 0"
run "$CALLBOT" check warn.yaml
expect_rc 0
expect_stdout "warn.yaml:$l:3: warning: prompt 'unused' is never said" \
	"warn.yaml: ok (1 warning(s))"

for q in -q --quiet; do
	tc="$q hides warnings"
	run "$CALLBOT" check $q warn.yaml
	expect_rc 0
	expect_stdout "warn.yaml: ok (1 warning(s))"
done

tc="-q after the file name"
run "$CALLBOT" check warn.yaml -q
expect_rc 0
expect_stdout "warn.yaml: ok (1 warning(s))"

tc="-q keeps errors"
sed '/^      interruptible: false/d' warn.yaml >qerr.yaml
run "$CALLBOT" check -q qerr.yaml
expect_rc 1
expect_stdout \
	"qerr.yaml:$(lineof qerr.yaml '    opening:'):5: error: the first node 'opening' says the disclosure, so it must have 'interruptible: false'" \
	"qerr.yaml: 1 error(s), 1 warning(s)"

# ---- result ---------------------------------------------------------------

finish
