#!/usr/bin/env python3
"""Validate lexicons/weapons.tsv (stdlib only).

Checks: tab-separated columns (entity and alias lines: exactly 4), alias lines
follow their entity, unique IDs (wpn- + lower-case slug), categories from the
fixed list, country a 3-letter upper-case code, source=hand, known flags, no
alias text (case- and accent-folded) in two entities or twice in one, no
non-ASCII punctuation or odd spacing in alias text, every entity has an alias,
and plural clashes: weapons also match an alias followed by "s" (unless
noplural), so alias+"s" must not be another entity's alias, nor another alias
of the same entity (redundant, and the same mention twice); with the other
*.tsv lexicons next to the file, no weapon alias (or its plural) may be an
alias of a country, group or organization.
Prints counts per category. Exit status 1 when a problem was found.

usage: tools/check_weapons.py [lexicons/weapons.tsv]
"""
import collections
import os
import re
import sys
import unicodedata

CATEGORIES = [
    "air-defence", "ballistic-missile", "cruise-missile", "anti-ship-missile",
    "air-to-air-missile", "rocket-artillery", "artillery", "armour",
    "combat-aircraft", "transport-aircraft", "helicopter", "drone",
    "loitering-munition", "ship", "submarine", "small-arms", "anti-tank",
    "munition", "other",
]
FLAGS = {"exact", "nocase", "demonym", "shared", "context", "person", "noplural", "capsword"}
HEADER = ("# hand-curated for newstag; designations follow SIPRI's naming "
          "where SIPRI lists the system; source=hand")


def fold(text):
    """Case- and accent-folded key, close to the loader's utf8proc fold."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold()


def is_acronym(text):
    """The loader's acronym rule: at least two letters, all upper case."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def other_lexicon_aliases(path):
    """Folded alias -> 'file:line ID' of the other entity lexicons beside path."""
    out = {}
    folder = os.path.dirname(os.path.abspath(path))
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tsv") or name == os.path.basename(path):
            continue
        if name in ("stopwords.tsv", "topics.tsv", "zones.tsv", "clean.tsv"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            for ln, line in enumerate(fh, 1):
                f = line.rstrip("\n").split("\t")
                if len(f) >= 3 and f[0] == "alias":
                    out.setdefault(fold(f[2]), f"{name}:{ln} {f[1]}")
    return out


def main(path):
    problems = []

    def bad(ln, msg):
        problems.append(f"{path}:{ln}: {msg}")

    entities = {}            # id -> (line, category)
    alias_owner = {}         # folded alias -> (id, line)
    alias_text = {}          # folded alias -> text as written
    plural_of = []           # (folded alias + "s", id, line, text) for plural-matching aliases
    alias_count = collections.Counter()
    current = None
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != HEADER:
        bad(1, "first line is not the expected header comment")
    for ln, line in enumerate(lines, 1):
        if line.endswith("\r"):
            bad(ln, "CR line ending")
            line = line[:-1]
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        kind = f[0]
        if kind == "entity":
            if len(f) != 4:
                bad(ln, f"entity line has {len(f)} columns, want 4")
                continue
            _, eid, name, attrs = f
            if not re.fullmatch(r"wpn-[a-z0-9]+(-[a-z0-9]+)*", eid):
                bad(ln, f"bad ID {eid!r}")
            if eid in entities:
                bad(ln, f"duplicate ID {eid} (first at line {entities[eid][0]})")
            if not name.strip() or name != name.strip():
                bad(ln, f"bad canonical name {name!r}")
            kv = {}
            for part in attrs.split(";"):
                if "=" not in part:
                    bad(ln, f"attribute {part!r} is not key=value")
                    continue
                k, v = part.split("=", 1)
                if k in kv:
                    bad(ln, f"attribute {k} given twice")
                kv[k] = v
            cat = kv.get("category")
            if cat not in CATEGORIES:
                bad(ln, f"unknown category {cat!r}")
            if not re.fullmatch(r"[A-Z]{3}", kv.get("country", "")):
                bad(ln, f"country {kv.get('country')!r} is not a 3-letter code")
            if kv.get("source") != "hand":
                bad(ln, "source is not hand")
            extra = set(kv) - {"category", "country", "source", "qid"}
            if extra:
                bad(ln, f"unexpected attributes {sorted(extra)}")
            entities[eid] = (ln, cat)
            current = eid
        elif kind == "alias":
            if len(f) != 4:
                bad(ln, f"alias line has {len(f)} columns, want 4")
                continue
            _, eid, text, flags = f
            if eid != current:
                bad(ln, f"alias of {eid} does not follow its entity line")
            if not text or text != text.strip() or "  " in text:
                bad(ln, f"alias {text!r} has empty/odd spacing")
            for ch in text:
                if ord(ch) > 127 and unicodedata.category(ch)[0] in "PSZC":
                    bad(ln, f"alias {text!r} has non-ASCII punctuation/space {ch!r}")
                    break
            for fl in filter(None, flags.split(",")):
                if fl not in FLAGS:
                    bad(ln, f"unknown flag {fl!r}")
            key = fold(text)
            if key in alias_owner:
                oid, oln = alias_owner[key]
                if oid == eid:
                    bad(ln, f"alias {text!r} repeats line {oln} of the same entity")
                else:
                    bad(ln, f"alias {text!r} of {eid} also names {oid} (line {oln})")
            else:
                alias_owner[key] = (eid, ln)
                alias_text[key] = text
            alias_count[eid] += 1
            if "noplural" not in flags.split(","):
                plural_of.append((key + "s", eid, ln, text))
        else:
            bad(ln, f"unknown line kind {kind!r}")
    for pkey, eid, ln, text in plural_of:
        # an all-caps alias ("T-90S") cannot match the plural text "T-90s"
        if pkey in alias_owner and not is_acronym(alias_text[pkey]):
            oid, oln = alias_owner[pkey]
            if oid == eid:
                bad(ln, f"plural of {text!r} is alias line {oln} of the same "
                        "entity: drop one or flag this one noplural")
            else:
                bad(ln, f"plural of {text!r} ({eid}) is an alias of {oid} "
                        f"(line {oln}): flag noplural")
    others = other_lexicon_aliases(path)
    for key, (eid, ln) in alias_owner.items():
        if key in others:
            bad(ln, f"alias {key!r} of {eid} also names {others[key]}")
    for pkey, eid, ln, text in plural_of:
        if pkey in others:
            bad(ln, f"plural of {text!r} ({eid}) names {others[pkey]}: flag noplural")
    for eid, (ln, _) in entities.items():
        if not alias_count[eid]:
            bad(ln, f"entity {eid} has no alias")

    per_cat = collections.Counter(cat for _, cat in entities.values())
    print(f"{len(entities)} entities, {sum(alias_count.values())} aliases")
    for cat in CATEGORIES:
        print(f"  {cat:20} {per_cat[cat]}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "lexicons", "weapons.tsv")
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else default))
