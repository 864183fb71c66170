#!/usr/bin/env python3
"""samples_test.py NEWSTAG SAMPLES_DIR - real-world-shaped inputs (HTML pages
and fragments, markdown, front matter, template and dump debris, wire text)
with their expected entities, excluded boilerplate, title and headline
(tests/samples/expected.tsv); every mention's offsets must point at its text
in the original bytes.  Then pathological inputs: 10 MB of nested tags, an
unterminated comment, a 5 MB single line, a page of only navigation - each
must give exactly one record."""
import json
import os
import subprocess
import sys
import tempfile


def run(exe, path, *args):
    out = subprocess.run([exe, "-q", "-j1", *args, path], capture_output=True, timeout=300)
    return [json.loads(l) for l in out.stdout.decode("utf-8").splitlines()], out.returncode


def main():
    exe, sdir = sys.argv[1], sys.argv[2]
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        passed += bool(ok)
        failed += not ok
        if not ok:
            print("FAIL:", what)

    for line in open(os.path.join(sdir, "expected.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, ents, boil, title, head = line.rstrip("\n").split("\t")
        fname, _, rid = name.partition("#")
        path = os.path.join(sdir, fname)
        recs, rc = run(exe, path)
        check(rc == 0, f"{name}: exit {rc}")
        rec = next((r for r in recs if not rid or r.get("id") == rid), None)
        if rec is None:
            check(False, f"{name}: no record")
            continue
        got = sorted(e["id"] for e in rec.get("entities", []))
        want = [] if ents == "-" else ents.split(",")
        check(got == want, f"{name}: entities {got}, want {want}")
        gotb = {b["id"] for b in rec.get("boilerplate", [])}
        if boil != "-":
            check(set(boil.split(",")) <= gotb, f"{name}: boilerplate {sorted(gotb)} lacks {boil}")
        if title != "-":
            check(rec.get("title") == title, f"{name}: title {rec.get('title')!r}")
        raw = open(path, "rb").read()
        if head != "-":
            heads = [raw[z["start"]:z["end"]].decode("utf-8", "replace") for z in rec["zones"]
                     if z["zone"] == "headline"]
            check(any(head in h for h in heads), f"{name}: headline zones {heads}")
        if not fname.endswith(".jsonl"):
            bad = [m for e in rec["entities"] for m in e["mentions"]
                   if raw[m["start"]:m["end"]].decode("utf-8", "replace") != m["text"]]
            bad += [b for b in rec["boilerplate"]
                    if raw[b["start"]:b["end"]].decode("utf-8", "replace") != b["text"]]
            check(not bad, f"{name}: offsets do not point at the text: {bad[:2]}")

    tmp = tempfile.mkdtemp()
    cases = {
        "nested.html": b"<div>" * 2_000_000 + b"China" + b"</div>" * 10,
        "misnested.html": b"<div>" * 200_000 + b"</span>" * 200_000 + b"<p>Russia",
        "comment.html": b"<p>Iran</p><!-- never closed " + b"x " * 100_000,
        "longline.txt": b"Chad and " * 600_000,
        "onlynav.html": b"<nav>" + b"<a href='/'>Home</a> " * 10_000 + b"</nav>",
        "refs.html": b"&amp;&#" * 500_000 + b"&" * 1_000_000,
    }
    for name, data in cases.items():
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        recs, rc = run(exe, path)
        check(rc == 0 and len(recs) == 1 and "error" not in recs[0], f"pathological {name}: {rc} {len(recs)}")
    recs, _ = run(exe, os.path.join(tmp, "comment.html"))
    check([e["id"] for e in recs[0]["entities"]] == ["IRN"], "unterminated comment hides what follows")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
