#!/usr/bin/env python3
"""Check a persona file (docs/personas.md) against its script.

    check.py CALLBOT SCRIPT PERSONAS.yaml [--keep FILE] [-v]

1. Validates every persona against the format of docs/personas.md: keys,
   name, voice (engine and voice names of src/tts), rate, pitch, noise,
   codec, answer, one action per turn, expect.
2. Checks what the personas say: every `say` is a phrase of the script
   (`callbot intent SCRIPT --list`), an amount or a time the script's
   extractors read (printed: the recognizer must hear number words for
   these), or off-topic speech in which the script finds no intent at all
   (printed: the robot must reject it). Anything else fails: the robot's
   recognizer only hears the script's phrases. Mandarin turns need
   tone-numbered pinyin, one syllable per character.
3. Converts every persona into a replay case (docs/scripts.md, "Replay
   tests") and runs `callbot replay SCRIPT FILE`: the expected grade,
   tags, slots and opt-out of each persona are what a robot with perfect
   hearing must give. A turn with barge_in_ms becomes `interrupt:` (or
   `hangup_early`), silence `silence`, dtmf `dtmf:`, hangup `hangup`.
   Every answered call must have ended (robot or callee) after its turns,
   since the simulator then stays silent: spell trailing silences out as
   turns. Off-topic speech must be logged as unanswered. Outcome personas
   (busy, reject, no_answer, unavailable) are replayed as that outcome
   and graded by the script's rules.
4. If `callbot sim` exists, runs `callbot sim --check PERSONAS.yaml`.

--keep FILE writes the generated replay cases to FILE. Uses PyYAML when
installed, else a small parser for the YAML subset the persona files use
(block maps and lists, flow {} and [], quoted and plain scalars,
comments). Exits 0 when everything passed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

# ---- a YAML subset parser (used when PyYAML is missing) --------------------


class YamlError(Exception):
    pass


def _strip_comment(line):
    out, q = [], None
    for i, c in enumerate(line):
        if q:
            if c == q:
                q = None
        elif c in "'\"":
            q = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            break
        out.append(c)
    return "".join(out).rstrip()


def _scalar(s, lineno):
    s = s.strip()
    if not s:
        return None
    if s[0] in "'\"":
        if len(s) < 2 or s[-1] != s[0]:
            raise YamlError("line %d: unterminated string" % lineno)
        body = s[1:-1]
        if s[0] == "'":
            return body.replace("''", "'")
        return json.loads('"' + body + '"')
    if s in ("null", "~"):
        return None
    if s in ("true", "True"):
        return True
    if s in ("false", "False"):
        return False
    if re.fullmatch(r"[-+]?\d+", s):
        return int(s)
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+)", s):
        return float(s)
    return s


def _flow(s, lineno):
    """A flow collection or a scalar: {a: b, c: [d, e]}."""
    pos = 0

    def skip():
        nonlocal pos
        while pos < len(s) and s[pos] == " ":
            pos += 1

    def item(stops):
        nonlocal pos
        skip()
        if pos < len(s) and s[pos] in "{[":
            close = "}" if s[pos] == "{" else "]"
            is_map = s[pos] == "{"
            pos += 1
            coll = {} if is_map else []
            while True:
                skip()
                if pos >= len(s):
                    raise YamlError("line %d: '%s' missing"
                                    % (lineno, close))
                if s[pos] == close:
                    pos += 1
                    return coll
                if is_map:
                    k = item(":")
                    if pos >= len(s) or s[pos] != ":":
                        raise YamlError("line %d: ':' expected" % lineno)
                    pos += 1
                    coll[k] = item("," + close)
                else:
                    coll.append(item("," + close))
                skip()
                if pos < len(s) and s[pos] == ",":
                    pos += 1
        start = pos
        q = None
        while pos < len(s):
            c = s[pos]
            if q:
                if c == q:
                    q = None
            elif c in "'\"" and pos == start:
                q = c
            elif c in stops and (c != ":" or pos + 1 == len(s) or
                                 s[pos + 1] == " "):
                break
            pos += 1
        return _scalar(s[start:pos], lineno)

    v = item("")
    skip()
    if pos != len(s):
        raise YamlError("line %d: trailing text" % lineno)
    return v


def _split_key(text, lineno):
    """'key: value' -> (key, value text), or None when not a map entry."""
    m = re.match(r"""^("[^"]*"|'[^']*'|[^'"{\[][^:]*?):(?: (.*)|)$""", text)
    if not m:
        return None
    return _scalar(m.group(1), lineno), (m.group(2) or "").strip()


def yaml_subset_load(text):
    lines = []
    for n, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise YamlError("line %d: tab indentation" % n)
        s = _strip_comment(raw)
        if s.strip() in ("", "---"):
            continue
        lines.append((len(s) - len(s.lstrip(" ")), s.strip(), n))
    pos = 0

    def is_item(t):
        return t == "-" or t.startswith("- ")

    def block(indent):
        nonlocal pos
        if is_item(lines[pos][1]):
            seq = []
            while pos < len(lines) and lines[pos][0] == indent and \
                    is_item(lines[pos][1]):
                _, text, n = lines[pos]
                rest = text[1:].strip()
                if not rest:
                    pos += 1
                    seq.append(block(lines[pos][0]))
                elif rest[0] not in "{[\"'" and _split_key(rest, n):
                    # "- key: value" opens a map at the dash's indent + 2
                    lines[pos] = (indent + 2, rest, n)
                    seq.append(block(indent + 2))
                else:
                    pos += 1
                    seq.append(_flow(rest, n))
            return seq
        m = {}
        while pos < len(lines) and lines[pos][0] == indent:
            _, text, n = lines[pos]
            kv = _split_key(text, n)
            if not kv:
                raise YamlError("line %d: 'key: value' expected" % n)
            k, v = kv
            if k in m:
                raise YamlError("line %d: duplicate key '%s'" % (n, k))
            pos += 1
            if v:
                m[k] = _flow(v, n)
            elif pos < len(lines) and lines[pos][0] > indent:
                m[k] = block(lines[pos][0])
            elif pos < len(lines) and lines[pos][0] == indent and \
                    is_item(lines[pos][1]):
                m[k] = block(indent)
            else:
                m[k] = None
        return m

    if not lines:
        return None
    v = block(lines[0][0])
    if pos != len(lines):
        raise YamlError("line %d: bad indentation" % lines[pos][2])
    return v


def yaml_load(path, subset=False):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if subset:
        return yaml_subset_load(text)
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        return yaml_subset_load(text)
    return yaml.safe_load(text)


# ---- the persona format ------------------------------------------------------

VOICES = {  # engine -> voice -> language (src/tts/flite.c, espeak.c)
    "flite": {"slt": "en", "rms": "en", "awb": "en", "kal16": "en"},
    "espeak": {"cmn-latn-pinyin": "zh", "en-us": "en", "en-gb": "en"},
}
ANSWERS = {"busy": "busy", "reject": "rejected", "no_answer": "no_answer",
           "unavailable": "unavailable"}
OUTCOMES = {"answered", "busy", "rejected", "no_answer", "unavailable"}
PERSONA_KEYS = {"name", "about", "voice", "noise", "codec", "answer",
                "turns", "expect"}
TURN_ACTIONS = {"say", "silence", "dtmf", "hangup"}
TURN_KEYS = TURN_ACTIONS | {"pinyin", "barge_in_ms", "pause_ms"}
EXPECT_KEYS = {"grade", "outcome", "opt_out", "tags", "slots"}
SYLLABLE = re.compile(
    r"(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|an|ao|ei|en|er"
    r"|ia|ie|in|iu|ou|ua|ue|ui|un|uo|ve|vn|a|e|i|o|u|v)[1-5]")
HAN = re.compile(r"[\u3400-\u9fff]")
# words the amount and callback_time extractors read: not script phrases;
# the recognizer must be given them for such slots to be captured by voice
SLOT_WORDS = {
    "en": re.compile(r"\b(\d+k?|thousand|hundred|tomorrow|today|tonight|"
                     r"morning|afternoon|evening|noon|monday|tuesday|"
                     r"wednesday|thursday|friday|saturday|sunday|weekend|"
                     r"next week|any time|anytime)\b"),
    "zh": re.compile(r"[0-9万千百]|明天|后天|今天|上午|下午|中午|晚上|"
                     r"周[一二三四五六日末]|星期|下周|[一二三四五六七八九十]点"),
}


def validate(p, i, lang, errs):
    where = "persona %d" % (i + 1)
    if not isinstance(p, dict):
        errs.append("%s: a persona is a map" % where)
        return
    name = p.get("name")
    if not isinstance(name, str) or \
            not re.fullmatch(r"[a-z0-9-]{1,48}", name):
        errs.append("%s: name must be [a-z0-9-], 1-48 chars: %r"
                    % (where, name))
    else:
        where = name
    for k in p:
        if k not in PERSONA_KEYS:
            errs.append("%s: unknown key '%s'" % (where, k))
    v = p.get("voice")
    if v is not None:
        if not isinstance(v, dict):
            errs.append("%s: voice must be a map" % where)
        else:
            for k in v:
                if k not in ("engine", "voice", "rate", "pitch"):
                    errs.append("%s: unknown voice key '%s'" % (where, k))
            eng = v.get("engine", "flite" if lang == "en" else "espeak")
            if eng not in VOICES:
                errs.append("%s: unknown engine '%s'" % (where, eng))
            elif "voice" in v and VOICES[eng].get(v["voice"]) != lang:
                errs.append("%s: engine %s has no %s voice '%s'"
                            % (where, eng, lang, v["voice"]))
            rate = v.get("rate", 1.0)
            if not isinstance(rate, (int, float)) or not 0.5 <= rate <= 2:
                errs.append("%s: rate must be 0.5-2.0" % where)
            pitch = v.get("pitch", 0)
            if not isinstance(pitch, (int, float)) or \
                    not -12 <= pitch <= 12:
                errs.append("%s: pitch must be -12..12" % where)
    nz = p.get("noise")
    if nz is not None:
        if not isinstance(nz, dict) or set(nz) - {"snr_db", "kind"} or \
                not isinstance(nz.get("snr_db"), (int, float)) or \
                nz.get("kind", "pink") not in ("pink", "white", "babble"):
            errs.append("%s: noise is { snr_db: N, kind: pink|white|babble }"
                        % where)
    if p.get("codec", "pcmu") not in ("pcmu", "pcma"):
        errs.append("%s: codec is pcmu or pcma" % where)
    ans = p.get("answer", 1000)
    if not (isinstance(ans, int) and not isinstance(ans, bool) and
            0 <= ans <= 60000) and ans not in ANSWERS:
        errs.append("%s: answer is ms of ringing or one of %s"
                    % (where, ", ".join(ANSWERS)))
    exp = p.get("expect")
    if not isinstance(exp, dict):
        errs.append("%s: expect: map missing" % where)
        exp = {}
    for k in exp:
        if k not in EXPECT_KEYS:
            errs.append("%s: unknown expect key '%s'" % (where, k))
    if str(exp.get("grade")) not in list("ABCDEF"):
        errs.append("%s: expect.grade must be A-F" % where)
    outcome = exp.get("outcome", "answered")
    if outcome not in OUTCOMES:
        errs.append("%s: unknown outcome '%s'" % (where, outcome))
    if ANSWERS.get(ans, "answered") != outcome:
        errs.append("%s: answer %s does not give outcome %s"
                    % (where, ans, outcome))
    if "opt_out" in exp and not isinstance(exp["opt_out"], bool):
        errs.append("%s: opt_out is true or false" % where)
    if not isinstance(exp.get("tags", []), list):
        errs.append("%s: tags is a list" % where)
    if not isinstance(exp.get("slots", {}), dict):
        errs.append("%s: slots is a map" % where)
    turns = p.get("turns", [])
    if not isinstance(turns, list):
        errs.append("%s: turns is a list" % where)
        return
    if outcome != "answered" and turns:
        errs.append("%s: an unanswered call has no turns" % where)
    for j, t in enumerate(turns):
        validate_turn(t, "%s turn %d" % (where, j + 1), lang, errs)


def validate_turn(t, tw, lang, errs):
    if not isinstance(t, dict):
        errs.append("%s: a turn is a map" % tw)
        return
    acts = [k for k in t if k in TURN_ACTIONS]
    if len(acts) != 1:
        errs.append("%s: one of say, silence, dtmf, hangup" % tw)
    for k in t:
        if k not in TURN_KEYS:
            errs.append("%s: unknown key '%s'" % (tw, k))
    for k in ("barge_in_ms", "pause_ms"):
        if k in t and (not isinstance(t[k], int) or t[k] < 0):
            errs.append("%s: %s is milliseconds" % (tw, k))
    if "barge_in_ms" in t and acts and acts[0] not in ("say", "hangup"):
        errs.append("%s: barge_in_ms goes with say or hangup" % tw)
    if t.get("silence", True) is not True or \
            t.get("hangup", True) is not True:
        errs.append("%s: silence and hangup take true" % tw)
    if "dtmf" in t and not (isinstance(t["dtmf"], str) and
                            re.fullmatch(r"[0-9*#A-D]+", t["dtmf"])):
        errs.append("%s: dtmf is a quoted string of keys" % tw)
    if "say" not in t:
        if "pinyin" in t:
            errs.append("%s: pinyin without say" % tw)
        return
    say = t["say"]
    if not isinstance(say, str) or not say.strip():
        errs.append("%s: say is text" % tw)
        return
    if lang == "en":
        if "pinyin" in t:
            errs.append("%s: pinyin in an English persona" % tw)
        if not re.fullmatch(r"[A-Za-z0-9' ,.?$-]+", say):
            errs.append("%s: English words expected: %r" % (tw, say))
        return
    py = t.get("pinyin")
    if not isinstance(py, str):
        errs.append("%s: a Mandarin say needs pinyin" % tw)
        return
    syl = py.split()
    bad = [s for s in syl if not SYLLABLE.fullmatch(s)]
    if bad:
        errs.append("%s: not tone-numbered pinyin: %s" % (tw, " ".join(bad)))
    if HAN.sub("", say).strip(" ，。？！,.?!"):
        errs.append("%s: say is hanzi only: %r" % (tw, say))
    nhan = len(HAN.findall(say))
    if nhan != len(syl):
        errs.append("%s: %d characters but %d syllables"
                    % (tw, nhan, len(syl)))


# ---- what the personas say ----------------------------------------------------


def norm(lang, s):
    s = unicodedata.normalize("NFKC", s).lower().replace("\u2019", "'")
    if lang == "zh":
        return "".join(c for c in s if c.isalnum())
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", s).split())


def run_intent(callbot, script, args, texts):
    r = subprocess.run([callbot, "intent", script] + args,
                       input="".join(t + "\n" for t in texts),
                       capture_output=True, text=True, check=False)
    if r.returncode:
        sys.exit("callbot intent failed: %s" % r.stderr.strip())
    return [json.loads(x) for x in r.stdout.splitlines() if x.strip()]


def check_utterances(callbot, script, lang, personas, errs):
    """Returns {normalized say: 'phrase' | 'slot' | 'off'}."""
    phrases = {norm(lang, str(x["phrase"]))
               for x in run_intent(callbot, script, ["--list"], [])}
    says = sorted({t["say"] for p in personas
                   for t in p.get("turns") or [] if "say" in t})
    heard = run_intent(callbot, script, ["--all"], says)
    kinds = {}
    for say, h in zip(says, heard):
        n = norm(lang, say)
        if n in phrases:
            kinds[n] = "phrase"
        elif SLOT_WORDS[lang].search(n):
            kinds[n] = "slot"
            print("note: '%s' is an amount or a time, not a phrase: the "
                  "recognizer must hear number words for it" % say)
        elif h["intent"] is None:
            kinds[n] = "off"
            print("note: '%s' is off-topic: the robot must reject it and "
                  "log it as unanswered" % say)
        else:
            errs.append("'%s' is not a phrase of the script (matched as "
                        "%s): the recognizer cannot hear it"
                        % (say, h["intent"]))
    return kinds


# ---- replay ---------------------------------------------------------------------


def q(s):
    return json.dumps(s, ensure_ascii=False)


def to_replay(p, lang, kinds):
    exp = p.get("expect") or {}
    outcome = exp.get("outcome", "answered")
    turns = p.get("turns") or []
    out = ["- name: %s" % q(p["name"])]
    if outcome != "answered":
        out.append("  outcome: %s" % outcome)
    out.append("  lines:" if turns else "  lines: []")
    off = False
    for t in turns:
        barge = "barge_in_ms" in t
        if "say" in t:
            out.append("    - %s: %s" % ("interrupt" if barge else "callee",
                                         q(t["say"])))
            off |= kinds.get(norm(lang, t["say"])) == "off"
        elif "silence" in t:
            out.append("    - silence")
        elif "dtmf" in t:
            out.append("    - dtmf: %s" % q(str(t["dtmf"])))
        elif "hangup" in t:
            out.append("    - %s" % ("hangup_early" if barge else "hangup"))
    out.append("  expect:")
    out.append("    grade: %s" % exp.get("grade"))
    if exp.get("tags"):
        out.append("    tags: [%s]" % ", ".join(q(x) for x in exp["tags"]))
    if exp.get("slots"):
        out.append("    slots: { %s }" % ", ".join(
            "%s: %s" % (k, q(str(v))) for k, v in exp["slots"].items()))
    actions = []
    if exp.get("opt_out") is True:
        actions.append("opt_out")
    if off:
        actions.append("unanswered")
    if actions:
        out.append("    actions: [%s]" % ", ".join(actions))
    if exp.get("opt_out") is False:
        out.append("    no_actions: [opt_out]")
    if outcome == "answered":
        # after its turns the simulator stays silent: the call must end
        last = turns[-1] if turns else {}
        out.append("    end: %s" % ("callee" if "hangup" in last
                                    else "robot"))
    return "\n".join(out) + "\n"


def run_replay(callbot, script, text, keep, verbose):
    if keep:
        path = keep
    else:
        fd, path = tempfile.mkstemp(suffix=".yaml", prefix="personas-")
        os.close(fd)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    try:
        return subprocess.run([callbot, "replay", script, path] +
                              (["-v"] if verbose else []),
                              capture_output=True, text=True, check=False)
    finally:
        if not keep:
            os.unlink(path)


def sim_check(callbot, pfile, errs):
    """The simulator's own loader, once `callbot sim` exists."""
    h = subprocess.run([callbot, "help"], capture_output=True, text=True,
                       check=False)
    if not re.search(r"^\s+sim\s", h.stdout + h.stderr, re.M):
        print("note: callbot has no 'sim' command yet: "
              "sim --check skipped")
        return
    c = subprocess.run([callbot, "sim", "--check", pfile],
                       capture_output=True, text=True, check=False)
    sys.stdout.write(c.stdout + c.stderr)
    if c.returncode:
        errs.append("callbot sim --check %s: exit %d"
                    % (pfile, c.returncode))


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    keep = None
    if "--keep" in args:
        i = args.index("--keep")
        keep = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit("usage: check.py CALLBOT SCRIPT PERSONAS.yaml "
                 "[--keep FILE] [-v]")
    callbot, script, pfile = args
    lang = "zh" if "zh" in os.path.basename(pfile) else "en"

    errs = []
    try:
        personas = yaml_load(pfile)
    except Exception as e:  # pylint: disable=broad-except
        sys.exit("%s: %s" % (pfile, e))
    if not isinstance(personas, list) or not personas:
        sys.exit("%s: a persona file is a list of personas" % pfile)
    names = set()
    for i, p in enumerate(personas):
        validate(p, i, lang, errs)
        if isinstance(p, dict):
            if p.get("name") in names:
                errs.append("duplicate name '%s'" % p.get("name"))
            names.add(p.get("name"))
    if errs:
        for e in errs:
            print("FAIL %s" % e)
        sys.exit(1)

    kinds = check_utterances(callbot, script, lang, personas, errs)
    text = "".join(to_replay(p, lang, kinds) for p in personas)
    r = run_replay(callbot, script, text, keep, verbose)
    sys.stdout.write(r.stdout + r.stderr)
    seen = re.findall(r"^(ok  |FAIL) (\S+)$", r.stdout, re.M)
    done = {n for _, n in seen}
    for p in personas:
        if p["name"] not in done:
            errs.append("%s: no replay result" % p["name"])
    failed = [n for s, n in seen if s == "FAIL"]
    if failed or r.returncode not in (0, 1):
        errs.append("replay: %d persona(s) failed%s (exit %d)"
                    % (len(failed), ": " + ", ".join(failed) if failed
                       else "", r.returncode))

    sim_check(callbot, pfile, errs)

    grades = {}
    for p in personas:
        g = str(p["expect"]["grade"])
        grades[g] = grades.get(g, 0) + 1
    print("%d personas (%s)" % (len(personas), ", ".join(
        "%s %d" % (g, grades[g]) for g in sorted(grades))))
    for e in errs:
        print("FAIL %s" % e)
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
