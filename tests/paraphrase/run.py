#!/usr/bin/env python3
"""Paraphrase test: classify a held-out set of utterances with
`callbot intent` and require >= 95% correct.

    run.py CALLBOT SCRIPT SET.tsv [--min 0.95]

SET.tsv has lines `intent<TAB>utterance` (`none` = expected no match; `#`
starts a comment). Utterances that appear verbatim as a phrase of the
script are refused: this set measures generalization, not recall of the
script's own phrases. Prints per-intent accuracy, every misclassified
line, and the total.
"""
import json
import subprocess
import sys
import unicodedata


def norm(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(c for c in s if c.isalnum())


def main():
    args = sys.argv[1:]
    minimum = 0.95
    if "--min" in args:
        i = args.index("--min")
        minimum = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    callbot, script, tsv = args

    cases = []
    with open(tsv, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if "\t" not in line:
                print(f"{tsv}:{ln}: expected intent<TAB>utterance",
                      file=sys.stderr)
                return 2
            intent, text = line.split("\t", 1)
            cases.append((ln, intent.strip(), text.strip()))

    out = subprocess.run([callbot, "intent", script, "--list"],
                         capture_output=True, text=True)
    if out.returncode:
        print(out.stderr, file=sys.stderr)
        return 2
    phrases = {norm(json.loads(l)["phrase"]) for l in out.stdout.splitlines()}
    verbatim = [(ln, t) for ln, _, t in cases if norm(t) in phrases]
    if verbatim:
        for ln, t in verbatim:
            print(f"{tsv}:{ln}: '{t}' is a phrase of the script, not a "
                  f"paraphrase")
        return 1

    inp = "\n".join(t for _, _, t in cases) + "\n"
    out = subprocess.run([callbot, "intent", script], input=inp,
                         capture_output=True, text=True)
    if out.returncode:
        print(out.stderr, file=sys.stderr)
        return 2
    results = [json.loads(l) for l in out.stdout.splitlines()]
    if len(results) != len(cases):
        print(f"expected {len(cases)} results, got {len(results)}",
              file=sys.stderr)
        return 2

    per = {}
    wrong = []
    for (ln, want, text), r in zip(cases, results):
        got = r["intent"] or "none"
        ok = got == want
        t = per.setdefault(want, [0, 0])
        t[0] += ok
        t[1] += 1
        if not ok:
            wrong.append((ln, want, got, r["score"], text))

    for intent in sorted(per):
        ok, n = per[intent]
        print(f"  {intent:<18} {ok:3}/{n:<3} {100.0 * ok / n:5.1f}%")
    for ln, want, got, score, text in wrong:
        print(f"  MISS {tsv}:{ln}: expected {want}, got {got} "
              f"({score:.2f}): {text}")
    total = len(cases)
    ok = total - len(wrong)
    acc = ok / total if total else 0.0
    print(f"paraphrases: {ok}/{total} correct ({100.0 * acc:.1f}%), "
          f"bar {100.0 * minimum:.0f}%")
    return 0 if acc >= minimum else 1


if __name__ == "__main__":
    sys.exit(main())
