#!/usr/bin/env python3
"""gen_big_lexicon.py [--aliases N] [--seed S] OUT.tsv - a synthetic user
lexicon (lexicons/README.md format v1, `type=` on every entity line) shaped
like a large sanctions list or place gazetteer: persons, companies, vessels
and places with several aliases each (word-order variants, transliterations,
initials, a few Cyrillic, Greek and Arabic spellings, some diacritics).

Deterministic: the same arguments give the same bytes.  The words are built
from syllables, so the names look like names and rarely collide with English
words of news text (as real watch-list entries mostly do not).  Used by
bench/big_lexicon.sh; 1,000,000 aliases give a file of about 66 MB."""
import argparse
import random
import unicodedata

ONSETS = ["b", "ch", "d", "dr", "f", "g", "h", "k", "kh", "l", "m", "n", "p",
          "r", "s", "sh", "t", "ts", "v", "z", "zh", "y", "br", "gr", "st"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ia", "ou", "ya"]
CODAS = ["", "", "", "n", "r", "s", "v", "k", "l", "m", "t", "sk"]
ACCENTED = {"a": "áàâäã", "e": "éèêë", "i": "íìî", "o": "óòôöø", "u": "úùûü",
            "c": "ç", "n": "ñ", "s": "šş", "z": "žż", "l": "ł", "g": "ğ"}
COMPANY = ["Trading", "Shipping", "Holding", "Industries", "Logistics",
           "Petroleum", "Engineering", "Import Export", "Technologies",
           "Investment", "Maritime", "Mining", "Chemical", "Aviation"]
FORMS = ["LLC", "Ltd", "Co", "JSC", "GmbH", "SA", "FZE", "OOO", "AO", "Corp"]
PLACE_HEADS = ["Novo", "Nueva", "Upper", "Lower", "Port", "Saint", "San",
               "Bandar", "Kafr", "Ras", "Tel", "Ust"]
CYRILLIC = {"a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е",
            "zh": "ж", "z": "з", "i": "и", "y": "й", "k": "к", "l": "л",
            "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
            "t": "т", "u": "у", "f": "ф", "kh": "х", "ts": "ц", "ch": "ч",
            "sh": "ш", "h": "х"}
GREEK = {"a": "α", "b": "β", "g": "γ", "d": "δ", "e": "ε", "z": "ζ", "i": "ι",
         "k": "κ", "l": "λ", "m": "μ", "n": "ν", "o": "ο", "p": "π", "r": "ρ",
         "s": "σ", "t": "τ", "u": "υ", "f": "φ", "h": "χ", "y": "υ", "v": "β"}
ARABIC = {"a": "ا", "b": "ب", "t": "ت", "d": "د", "r": "ر", "z": "ز", "s": "س",
          "sh": "ش", "f": "ف", "k": "ك", "l": "ل", "m": "م", "n": "ن",
          "h": "ه", "u": "و", "y": "ي", "i": "ي", "g": "غ", "kh": "خ"}


def word(rng, syllables):
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                   for _ in range(syllables)).capitalize()


def accent(rng, w):
    """The word with one or two letters accented (a diacritic variant)."""
    chars = list(w)
    spots = [i for i, c in enumerate(chars) if c.lower() in ACCENTED]
    for i in rng.sample(spots, min(len(spots), rng.choice([1, 1, 2]))):
        c = rng.choice(ACCENTED[chars[i].lower()])
        chars[i] = c.upper() if chars[i].isupper() else c
    return "".join(chars)


def transliterate(w, table):
    out, i, low = [], 0, w.lower()
    while i < len(low):
        two = low[i:i + 2]
        if two in table:
            out.append(table[two])
            i += 2
        else:
            out.append(table.get(low[i], ""))
            i += 1
    s = "".join(out)
    return s[:1].upper() + s[1:]


def script_variant(rng, name):
    table = rng.choice([CYRILLIC, CYRILLIC, GREEK, ARABIC])
    return " ".join(transliterate(w, table) for w in name.split())


def person(rng):
    given, family = word(rng, rng.choice([2, 2, 3])), word(rng, rng.choice([2, 3, 3]))
    name = f"{given} {family}"
    if rng.random() < 0.3:
        name = f"{given} {word(rng, 3)}ovich {family}"
    variants = [f"{family} {given}", f"{given[0]}. {family}",
                f"{accent(rng, given)} {family}", f"{given} {accent(rng, family)}",
                f"{family}, {given}", f"{given}e {family}"]
    return "person", name, variants


def company(rng):
    base = " ".join(word(rng, rng.choice([2, 3])) for _ in range(rng.choice([1, 1, 2])))
    kind, form = rng.choice(COMPANY), rng.choice(FORMS)
    name = f"{base} {kind} {form}"
    variants = [f"{base} {kind}", f"{base} {kind} {rng.choice(FORMS)}",
                f"{accent(rng, base)} {kind}", f"{base.upper()} {kind.upper()}",
                f"{base}-{kind} {form}", f"{base} {kind} Company"]
    return "company", name, variants


def vessel(rng):
    base = word(rng, rng.choice([2, 3]))
    if rng.random() < 0.4:
        base += f" {rng.randint(1, 99)}"
    name = f"MV {base}"
    variants = [base + " Star", f"M/V {base}", f"{base} vessel", f"Vessel {base}"]
    return "vessel", name, variants


def place(rng):
    base = word(rng, rng.choice([2, 3, 3, 4]))
    name = f"{rng.choice(PLACE_HEADS)} {base}" if rng.random() < 0.3 else base
    variants = [accent(rng, name), name + "skoye", name.replace(" ", "-"),
                f"{name} District", f"{name} Province"]
    return "place", name, variants


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--aliases", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    makers = [person] * 5 + [company] * 3 + [vessel] + [place] * 2
    n_aliases = n_entities = 0
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# synthetic watch list by bench/gen_big_lexicon.py "
                f"--aliases {a.aliases} --seed {a.seed}; not real data\n")
        while n_aliases < a.aliases:
            kind, name, variants = rng.choice(makers)(rng)
            n_entities += 1
            eid = f"big-{n_entities:07d}"
            etype = "organization" if kind in ("company", "vessel") else "group"
            lists = rng.choice(["un", "ofac-sdn", "eu", "uk", "un,eu", "ofac-sdn,uk"])
            f.write(f"entity\t{eid}\t{name}\ttype={etype};kind={kind};lists={lists};source=synthetic\n")
            aliases = [name] + rng.sample(variants, rng.randint(1, min(5, len(variants))))
            if rng.random() < 0.08:
                aliases.append(script_variant(rng, name))
            seen = set()
            for al in aliases:
                al = unicodedata.normalize("NFC", al).strip()
                if not al or al in seen or n_aliases >= a.aliases:
                    continue
                seen.add(al)
                flags = "nocase" if rng.random() < 0.05 else ""
                f.write(f"alias\t{eid}\t{al}\t{flags}\n")
                n_aliases += 1
    print(f"{a.out}: {n_entities} entities, {n_aliases} aliases")


if __name__ == "__main__":
    main()
