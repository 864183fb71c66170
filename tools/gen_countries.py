#!/usr/bin/env python3
"""Generate lexicons/countries.tsv (see lexicons/README.md).

Inputs (read-only):
  SOURCES/countries/world-countries-5.1.0.countries.json  (mledoze/countries, ODbL-1.0)
  SOURCES/countries/owid-regions.codes.csv                (owid/etl, MIT)
  tools/countries-curated.tsv                             (hand-curated supplement)

The supplement uses the lexicon line format plus one extra kind:
  entity<TAB>ID<TAB>Canonical<TAB>attrs   new entity, or for an existing ID: replace the
                                          canonical name and merge attrs key by key
  alias<TAB>ID<TAB>text<TAB>flags         add an alias; if ID already has this text, replace
                                          its flags with these (empty column = no flags)
  drop<TAB>ID<TAB>text                    remove a generated alias (error if absent)

Usage: python3 tools/gen_countries.py [--sources DIR] [--out FILE] [--check-only]
Run from anywhere; relative defaults are resolved against the repository root.
Python 3 standard library only. Output is deterministic.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WC_FILE = os.path.join("countries", "world-countries-5.1.0.countries.json")
OWID_FILE = os.path.join("countries", "owid-regions.codes.csv")
CURATED = os.path.join(ROOT, "tools", "countries-curated.tsv")
OUT = os.path.join(ROOT, "lexicons", "countries.tsv")

ALLOWED_FLAGS = ("exact", "nocase", "demonym", "shared", "context", "person", "noplural", "capsword")
KNOWN_KEYS = ("iso2", "qid", "status", "country", "category", "lists", "source", "type")
ATTR_ORDER = ("iso2", "qid", "status", "source")
STATUSES = ("state", "territory", "historical")
ID_REMAP = {"UNK": "XKX"}  # world-countries gives Kosovo cca3 UNK; lexicons/README.md says XKX

# Punctuation the matcher cleans before matching: aliases must use the ASCII form.
PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
}

# Demonyms that take no plural -s: -ese/-ish/-ch/-sh/-ss/-x/-ic/-y/-a forms (Chinese,
# British, French, Swiss, Manx, Greenlandic, Malagasy, Motswana) and these.
NO_PLURAL_ENDINGS = ("ese", "ish", "ch", "sh", "ss", "s", "x", "ic", "y", "a")
NO_PLURAL = {"Mosotho", "Burkinabe", "Turkmen", "Kirghiz", "Ni-Vanuatu", "I-Kiribati",
             "Vatican"}


def plural(dem):
    """Plural noun demonym (Afghans, Iraqis, Britons) or None."""
    if dem in NO_PLURAL:
        return None
    if dem.endswith("i"):  # Iraqi, Thai, Emirati, Pakistani
        return dem + "s"
    if dem.endswith(NO_PLURAL_ENDINGS):
        return None
    return dem + "s"


def die(msg):
    sys.stderr.write("gen_countries: error: %s\n" % msg)
    sys.exit(1)


def clean_punct(s):
    return "".join(PUNCT.get(c, c) for c in s).strip()


def fold(s):
    """Accent-folded form (NFKD minus combining marks), as the matcher compares."""
    d = unicodedata.normalize("NFKD", clean_punct(s))
    return "".join(c for c in d if not unicodedata.combining(c))


def foldable(s):
    """True if the text is Latin script: ASCII once accents are folded."""
    return all(ord(c) < 128 for c in fold(s))


def akey(s):
    """Key for duplicate/collision detection: accents and case ignored."""
    return fold(s).casefold()


# --- altSpellings filter --------------------------------------------------------------
TWO_CAPS = re.compile(r"^[A-Z]{2}$")
INVERTED = re.compile(r", (.* of( the)?|British|U\.S\.)$", re.I)  # "Korea, Republic of"
# Judgement calls (everyday words, personal names, company names) are `drop` lines in
# tools/countries-curated.tsv, not here: this filter is purely mechanical.


def alt_reason(cid, alt):
    """Return why an altSpelling is skipped, or None to keep it."""
    if TWO_CAPS.match(alt):
        return "two-letter code"
    if not foldable(alt):
        return "non-Latin script"
    if INVERTED.search(alt):
        return "inverted index form"
    if "(" in alt:
        return "parenthetical form"
    return None


# --- model ----------------------------------------------------------------------------
class Entity:
    def __init__(self, cid, canon, attrs):
        self.id = cid
        self.canon = canon
        self.attrs = dict(attrs)
        self.aliases = []  # [text, [flags]] in stable order

    def find(self, text):
        k = akey(text)
        for a in self.aliases:
            if akey(a[0]) == k:
                return a
        return None

    def add(self, text, flags=(), replace=False):
        text = clean_punct(text)
        if not text:
            return
        old = self.find(text)
        if old is None:
            self.aliases.append([text, list(flags)])
        elif replace:
            old[1] = list(flags)

    def drop(self, text):
        old = self.find(text)
        if old is None:
            return False
        self.aliases.remove(old)
        return True


def split_demonyms(s):
    out = []
    for part in re.split(r",\s*| or ", s or ""):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def load_owid(path):
    qid = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            a3, q = row.get("iso_alpha3", ""), row.get("wikidata_code", "")
            if a3 and q:
                qid[a3] = q
    return qid


def build(src, stats):
    wc_path, owid_path = os.path.join(src, WC_FILE), os.path.join(src, OWID_FILE)
    for p in (wc_path, owid_path):
        if not os.path.isfile(p):
            die("missing source %s (use --sources DIR)" % p)
    with open(wc_path, encoding="utf-8") as f:
        data = json.load(f)
    qids = load_owid(owid_path)
    if len(data) != 250:
        sys.stderr.write("gen_countries: warning: %d world-countries entries, expected 250\n"
                         % len(data))
    ents = {}
    for c in data:
        a3 = c["cca3"]
        cid = ID_REMAP.get(a3, a3)
        attrs = {"iso2": c["cca2"], "status": "state" if c.get("independent") else "territory",
                 "source": "world-countries"}
        if a3 in qids:
            attrs["qid"] = qids[a3]
        name = c["name"]
        e = Entity(cid, clean_punct(name["common"]), attrs)
        e.add(name["common"])
        e.add(name["official"])
        if e.canon.startswith("Saint "):  # St. Lucia, St Kitts and Nevis
            rest = e.canon[len("Saint "):]
            e.add("St. " + rest)
            e.add("St " + rest)
        dems = []
        eng = c.get("demonyms", {}).get("eng", {})
        for g in ("m", "f"):
            for d in split_demonyms(eng.get(g)):
                if d not in dems:
                    dems.append(d)
        dem_keys = {akey(d) for d in dems}
        for alt in c.get("altSpellings", []):
            why = alt_reason(cid, alt)
            if why:
                stats.setdefault("skipped:" + why, []).append("%s %s" % (cid, alt))
                continue
            if akey(alt) in dem_keys:  # e.g. Thai, Togolese: let the demonym pass flag it
                continue
            e.add(alt)
        for d in dems:
            e.add(d, ["demonym"])
        names = {akey(name["common"]), akey(name["official"])}
        for d in dems:
            p = plural(d)
            if p and akey(d) not in names:  # not "Djiboutis", "Gibraltars"
                e.add(p, ["demonym"])
        for a in e.aliases:
            if not foldable(a[0]):
                die("%s: alias %r is not Latin script" % (cid, a[0]))
        if cid in ents:
            die("duplicate ID %s" % cid)
        ents[cid] = e
    return ents, wc_path, owid_path


def parse_attrs(s, where):
    attrs = {}
    if not s:
        return attrs
    for kv in s.split(";"):
        if "=" not in kv:
            die("%s: bad attribute %r" % (where, kv))
        k, v = kv.split("=", 1)
        if k not in KNOWN_KEYS or not v or " " in k:
            die("%s: bad attribute %r" % (where, kv))
        attrs[k] = v
    return attrs


def parse_flags(s, where):
    flags = [f for f in (s or "").split(",") if f]
    for f in flags:
        if f not in ALLOWED_FLAGS:
            die("%s: unknown flag %r" % (where, f))
    return flags


def apply_curated(ents, path, stats):
    if not os.path.isfile(path):
        die("missing %s" % path)
    n_add = n_drop = n_ent = 0
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip("\n")
            where = "%s:%d" % (os.path.relpath(path, ROOT), ln)
            if not line.strip() or line.startswith("#"):
                continue
            col = line.split("\t")
            kind = col[0]
            if kind == "entity":
                if len(col) != 4:
                    die("%s: entity needs 4 columns" % where)
                cid, canon, attrs = col[1], col[2], parse_attrs(col[3], where)
                if cid in ents:
                    ents[cid].canon = canon
                    ents[cid].attrs.update(attrs)
                else:
                    ents[cid] = Entity(cid, canon, attrs)
                n_ent += 1
            elif kind == "alias":
                if len(col) not in (3, 4):
                    die("%s: alias needs 3 or 4 columns" % where)
                cid, text = col[1], col[2]
                flags = parse_flags(col[3] if len(col) == 4 else "", where)
                if cid not in ents:
                    die("%s: unknown ID %s" % (where, cid))
                ents[cid].add(text, flags, replace=True)
                n_add += 1
            elif kind == "drop":
                if len(col) != 3:
                    die("%s: drop needs 3 columns" % where)
                cid, text = col[1], col[2]
                if cid not in ents or not ents[cid].drop(text):
                    die("%s: drop: %s has no alias %r" % (where, cid, text))
                n_drop += 1
            else:
                die("%s: unknown line kind %r" % (where, kind))
    stats["curated"] = (n_ent, n_add, n_drop)


def mark_shared(ents):
    """Any alias text (accent/case-folded) in more than one entity gets `shared` on all."""
    owners = {}
    for e in ents.values():
        for a in e.aliases:
            owners.setdefault(akey(a[0]), set()).add(e.id)
    shared = {}
    for e in ents.values():
        for a in e.aliases:
            ids = owners[akey(a[0])]
            if len(ids) > 1:
                if "shared" not in a[1]:
                    a[1].append("shared")
                shared.setdefault(a[0], set()).update(ids)
    return shared


def flag_str(flags):
    return ",".join(f for f in ALLOWED_FLAGS if f in flags)


def attr_str(attrs):
    keys = [k for k in ATTR_ORDER if k in attrs] + sorted(k for k in attrs if k not in ATTR_ORDER)
    return ";".join("%s=%s" % (k, attrs[k]) for k in keys)


def sha16(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def render(ents, wc_path, owid_path):
    out = [
        "# generated by tools/gen_countries.py from world-countries 5.1.0 (ODbL-1.0, "
        "mledoze/countries) and OWID regions.codes.csv (MIT); do not edit, edit "
        "tools/countries-curated.tsv",
        "# Attribution: contains information from world-countries 5.1.0 by Mohammed Le Doze "
        "(https://github.com/mledoze/countries),",
        "#   made available under the Open Database License (ODbL) 1.0: "
        "https://opendatacommons.org/licenses/odbl/1-0/",
        "#   This file is a derivative database of it and is likewise under ODbL-1.0.",
        "# Wikidata QIDs from Our World in Data, owid/etl regions.codes.csv, "
        "Copyright (c) 2022 Global Change Data Lab, MIT licence.",
        "# Hand additions (tools/countries-curated.tsv) are by the newstag authors.",
        "# sources: %s sha256:%s; %s sha256:%s" % (
            os.path.basename(wc_path), sha16(wc_path), os.path.basename(owid_path),
            sha16(owid_path)),
        "# format: lexicons/README.md",
    ]
    for cid in sorted(ents):
        e = ents[cid]
        out.append("")
        out.append("entity\t%s\t%s\t%s" % (cid, e.canon, attr_str(e.attrs)))
        ck = akey(e.canon)  # canonical name's alias first, then stable order
        for text, flags in sorted(e.aliases, key=lambda a: akey(a[0]) != ck):
            out.append("alias\t%s\t%s\t%s" % (cid, text, flag_str(flags)))
    return "\n".join(out) + "\n"


# --- self-check of the written file ---------------------------------------------------
def check(path):
    """Validate a countries.tsv against lexicons/README.md; return (errors, entities, aliases)."""
    errs = []
    ents = {}
    seen_alias = {}
    bad_punct = set(PUNCT)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for ln, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        col = line.split("\t")
        where = "line %d" % ln
        if any(c in bad_punct for c in line):
            errs.append("%s: non-ASCII punctuation" % where)
        if any(c != c.strip() or not c and i < 3 for i, c in enumerate(col)):
            errs.append("%s: empty or padded column" % where)
        if col[0] == "entity":
            if len(col) != 4:
                errs.append("%s: entity has %d columns" % (where, len(col)))
                continue
            cid = col[1]
            if not re.match(r"^[A-Z]{3}$", cid):
                errs.append("%s: bad ID %r" % (where, cid))
            if cid in ents:
                errs.append("%s: duplicate entity %s" % (where, cid))
            attrs = {}
            for kv in col[3].split(";"):
                k, _, v = kv.partition("=")
                if k not in KNOWN_KEYS or not v:
                    errs.append("%s: bad attribute %r" % (where, kv))
                attrs[k] = v
            if attrs.get("status") not in STATUSES:
                errs.append("%s: bad status" % where)
            if "iso2" in attrs and not re.match(r"^[A-Z]{2}$", attrs["iso2"]):
                errs.append("%s: bad iso2" % where)
            if "qid" in attrs and not re.match(r"^Q[0-9]+$", attrs["qid"]):
                errs.append("%s: bad qid" % where)
            if "qid" not in attrs:
                errs.append("%s: %s has no qid" % (where, cid))
            ents[cid] = {"canon": col[2], "aliases": {}}
        elif col[0] == "alias":
            if len(col) != 4:
                errs.append("%s: alias has %d columns" % (where, len(col)))
                continue
            cid, text, flags = col[1], col[2], [x for x in col[3].split(",") if x]
            if cid not in ents:
                errs.append("%s: alias before entity %s" % (where, cid))
                continue
            for fl in flags:
                if fl not in ALLOWED_FLAGS:
                    errs.append("%s: bad flag %r" % (where, fl))
            if len(set(flags)) != len(flags):
                errs.append("%s: repeated flag" % where)
            if "exact" in flags and "nocase" in flags:
                errs.append("%s: exact and nocase" % where)
            k = akey(text)
            if k in ents[cid]["aliases"]:
                errs.append("%s: duplicate alias %r in %s" % (where, text, cid))
            ents[cid]["aliases"][k] = flags
            seen_alias.setdefault(k, []).append((cid, "shared" in flags, text))
        else:
            errs.append("%s: unknown line kind %r" % (where, col[0]))
    for cid, e in ents.items():
        if akey(e["canon"]) not in e["aliases"]:
            errs.append("%s: canonical name %r is not an alias" % (cid, e["canon"]))
        if not e["aliases"]:
            errs.append("%s: no aliases" % cid)
    for k, owners in seen_alias.items():
        if len(owners) > 1 and not all(s for _, s, _ in owners):
            errs.append("alias %r in %s not shared everywhere"
                        % (owners[0][2], ",".join(o[0] for o in owners)))
    return errs, len(ents), sum(len(e["aliases"]) for e in ents.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", default=os.path.join(ROOT, "..", "shared", "lexicon-sources"),
                    help="lexicon-sources directory (default ../shared/lexicon-sources)")
    ap.add_argument("--curated", default=CURATED)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--check-only", action="store_true", help="only validate --out")
    ap.add_argument("-v", "--verbose", action="store_true", help="list skipped altSpellings")
    args = ap.parse_args()
    src = args.sources

    if not args.check_only:
        stats = {}
        ents, wc_path, owid_path = build(src, stats)
        apply_curated(ents, args.curated, stats)
        shared = mark_shared(ents)
        text = render(ents, wc_path, owid_path)
        tmp = args.out + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.out)

        n_alias = sum(len(e.aliases) for e in ents.values())
        n_dem = sum(1 for e in ents.values() for a in e.aliases if "demonym" in a[1])
        by_status = {}
        for e in ents.values():
            by_status[e.attrs.get("status")] = by_status.get(e.attrs.get("status"), 0) + 1
        w = sys.stderr.write
        w("gen_countries: wrote %s\n" % os.path.relpath(args.out, os.getcwd()))
        w("  entities %d (%s)\n" % (len(ents), ", ".join(
            "%s %d" % (k, by_status[k]) for k in sorted(by_status))))
        w("  aliases %d, demonym %d, shared %d texts\n" % (n_alias, n_dem, len(shared)))
        w("  curated: %d entity, %d alias, %d drop lines\n" % stats["curated"])
        for k in sorted(s for s in stats if s.startswith("skipped:")):
            w("  altSpellings skipped (%s): %d\n" % (k[8:], len(stats[k])))
            if args.verbose and k != "skipped:two-letter code":
                for item in stats[k]:
                    w("    %s\n" % item)
        for t in sorted(shared, key=str.casefold):
            w("  shared: %s -> %s\n" % (t, " ".join(sorted(shared[t]))))

    errs, n_ent, n_alias = check(args.out)
    for e in errs:
        sys.stderr.write("gen_countries: check: %s\n" % e)
    sys.stderr.write("gen_countries: check %s: %d entities, %d aliases, %d errors\n"
                     % (os.path.basename(args.out), n_ent, n_alias, len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
