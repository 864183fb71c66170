"""Tests of the Python module (run by ctest with NEWSTAG_LIBRARY and
NEWSTAG_LEXICON_DIR pointing into the build and source trees)."""
import io
import os
import unittest

import newstag

CORPORA = os.environ["NT_CORPORA_DIR"]


class TestAnnotate(unittest.TestCase):
    def test_seed(self):
        with open(os.path.join(CORPORA, "s400-delivery.txt"), encoding="utf-8") as f:
            text = f.read()
        rec = newstag.annotate(text, id="seed")
        self.assertEqual(rec["id"], "seed")
        countries = [e["id"] for e in rec["entities"] if e["type"] == "country"]
        self.assertEqual(sorted(countries), ["CHN", "IND", "RUS", "USA"])
        top = {t["id"] for t in rec["topics"][:2]}
        self.assertEqual(top, {"arms-trade", "air-missile-defence"})
        raw = text.encode("utf-8")
        for e in rec["entities"]:
            for m in e["mentions"]:
                self.assertEqual(raw[m["start"]:m["end"]].decode("utf-8"), m["text"])

    def test_jsonl_order_errors_and_threads(self):
        lines = ['{"id":"%d","text":"Talks in %s."}' % (i, c)
                 for i, c in enumerate(["Iran", "India", "Chad", "Peru"] * 50)]
        lines.insert(7, "not json")
        lines.insert(9, '{"id":"x","text":5}')
        one = list(newstag.annotate_jsonl(io.StringIO("\n".join(lines)), jobs=1))
        four = list(newstag.annotate_jsonl(iter(lines), jobs=4))
        self.assertEqual(one, four)
        self.assertEqual(len(one), len(lines))
        self.assertEqual(one[7]["error"], "invalid JSON")
        self.assertEqual(one[9]["id"], "x")
        self.assertEqual(one[0]["entities"][0]["id"], "IRN")
        self.assertEqual(one[8]["line"], 9)

    def test_rows_for_pandas(self):
        rows = [{"id": r.get("id"), "entity": e["id"], "type": e["type"], "salience": e["salience"]}
                for r in newstag.annotate_jsonl(['{"id":"a","text":"Russia and China."}'], jobs=2)
                for e in r["entities"]]
        self.assertEqual([r["entity"] for r in rows], ["RUS", "CHN"])

    def test_bad_lexicon_dir(self):
        with self.assertRaises(newstag.NewstagError):
            newstag.Lexicon("/nonexistent/dir")


if __name__ == "__main__":
    unittest.main()
