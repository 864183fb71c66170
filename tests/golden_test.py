#!/usr/bin/env python3
"""Golden end-to-end tests: every input file in tests/golden/ (NAME.txt,
NAME.jsonl) is run through newstag with the project's lexicons and compared
with NAME.expected.jsonl.  Lexicon paths are compared by file name only.

    golden_test.py NEWSTAG GOLDEN_DIR           compare
    golden_test.py NEWSTAG GOLDEN_DIR --update  rewrite the expected files
"""
import json
import os
import subprocess
import sys


def normalise(line):
    rec = json.loads(line)

    def walk(x):
        if isinstance(x, dict):
            return {k: (os.path.basename(v) if k == "lexicon" else walk(v))
                    for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x
    return walk(rec)


def main():
    exe, gdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    update = "--update" in sys.argv
    passed = failed = 0
    for name in sorted(os.listdir(gdir)):
        if name.endswith(".expected.jsonl") or not name.endswith((".txt", ".jsonl")):
            continue
        base = name.rsplit(".", 1)[0]
        exp_path = os.path.join(gdir, base + ".expected.jsonl")
        out = subprocess.run([exe, "-q", name], cwd=gdir, capture_output=True)
        got = [normalise(l) for l in out.stdout.decode().splitlines()]
        if update:
            with open(exp_path, "w") as f:
                for rec in got:
                    f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
            print("updated", exp_path)
            continue
        try:
            with open(exp_path) as f:
                want = [json.loads(l) for l in f]
        except OSError:
            want = None
        if want == got:
            passed += 1
            continue
        failed += 1
        print(f"FAIL {name}: output differs from {os.path.basename(exp_path)}")
        for i, (g, w) in enumerate(zip(got, want or [])):
            if g != w:
                for k in sorted(set(g) | set(w)):
                    if g.get(k) != w.get(k):
                        print(f"  record {i + 1} field {k}:\n    got  {json.dumps(g.get(k))[:400]}\n    want {json.dumps(w.get(k))[:400]}")
                break
        if want is not None and len(got) != len(want):
            print(f"  {len(got)} records, expected {len(want)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
