#!/usr/bin/env python3
"""make_snapshot_seeds.py NEWSTAG - writes fuzz/corpus/snapshot/: a small
valid snapshot (tests/data/lex plus a few zone, cleaning and relation rules
and a pcre2 topic pattern) and copies of it broken in the ways the loader
checks, each after the mode byte of fuzz_snapshot.c (bit 0: recompute the
checksum).  Run it again when the snapshot format changes."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = 136  # sizeof(snap_header); the table follows: elem, count, off
PATTERNS, ENTITIES, REGEX_LINES, TRIE_NODES = 4, 3, 9, 10  # ARRAYS order


def main():
    exe = sys.argv[1]
    lex = tempfile.mkdtemp(prefix="newstag-seed-")
    try:
        for name in os.listdir(os.path.join(ROOT, "tests", "data", "lex")):
            shutil.copy(os.path.join(ROOT, "tests", "data", "lex", name), lex)
        with open(os.path.join(lex, "topics.tsv"), "a") as f:
            f.write("pattern\tarms-trade\tarms? (?:deal|sale)s?\\w*\t1.5\tarms deals\n")
        with open(os.path.join(lex, "relations.tsv"), "w") as f:
            f.write("define\tC\t<[CG]:\\d+>\ndefine\tW\t<W:\\d+>\n"
                    "rule\tdelivered\t(?<sup>{C}) (?<v>delivered) (?<sys>{W}) to (?<rec>{C})\tdeliver\n"
                    "also\t,? and (?<sys>{W}) to (?<rec>{C})\n")
        zones = open(os.path.join(ROOT, "lexicons", "zones.tsv")).read().splitlines()
        with open(os.path.join(lex, "zones.tsv"), "w") as f:
            f.write("\n".join(l for l in zones if l and not l.startswith("#"))[:1000].rsplit("\n", 1)[0] + "\n")
        shutil.copy(os.path.join(ROOT, "lexicons", "clean.tsv"), lex)
        snap = os.path.join(lex, "seed.snap")
        subprocess.run([exe, "lexicon", "compile", "-q", "--no-default-lexicon",
                        "-l", lex, "-o", snap], check=True)
        d = open(snap, "rb").read()
    finally:
        shutil.rmtree(lex)
    out = os.path.join(ROOT, "fuzz", "corpus", "snapshot")
    os.makedirs(out, exist_ok=True)
    table = [struct.unpack_from("<QQQ", d, HEADER + 24 * i) for i in range(17)]

    def write(name, mode, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([mode]) + bytes(data))

    def changed(fmt, at, value):
        t = bytearray(d)
        struct.pack_into(fmt, t, at, value)
        return t

    off = lambda i: table[i][2]
    write("valid", 0, d)
    write("valid-sources", 2, d)
    write("truncated", 0, d[:len(d) // 2])
    write("header-only", 1, d[:160])
    write("other-version", 0, changed("<I", 8, 2))
    write("huge-count", 1, changed("<Q", HEADER + 8, 1 << 40))
    write("misaligned-array", 1, changed("<Q", HEADER + PATTERNS * 24 + 16, off(PATTERNS) + 8))
    write("bad-target", 1, changed("<I", off(PATTERNS) + 20, 99999))
    write("bad-chain", 1, changed("<I", off(PATTERNS) + 36, 0))
    write("bad-string", 1, changed("<Q", off(ENTITIES), 1 << 33))
    write("bad-trie", 1, changed("<I", off(TRIE_NODES) + 12, 0xFFFFFFF0))  # node 1: child
    write("bad-regex-line", 1, changed("<I", off(REGEX_LINES) + 16, 0))
    # every node below the root shares one range of children: no longer a
    # tree, so a visit of it would take (nodes - 1)^depth steps
    dag = bytearray(d)
    nodes = table[TRIE_NODES][1]
    for i in range(1, nodes):
        struct.pack_into("<IIH", dag, off(TRIE_NODES) + 12 * i, 1,
                         struct.unpack_from("<I", dag, off(TRIE_NODES) + 12 * i + 4)[0],
                         nodes - 1)
    write("trie-dag", 1, dag)


if __name__ == "__main__":
    main()
