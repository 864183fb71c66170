#!/usr/bin/env python3
"""review_test.py NEWSTAG [CHROMIUM] - the HTML review page.

Feeds hostile text (<script>, "onload=, </textarea>, </script>) through
newstag --html and checks that it comes out inert: the page has exactly its
own two <script> elements, the data element is valid JSON that holds the
text unchanged, and no markup of the article appears outside it.  With a
headless Chromium, also checks the rendered DOM (highlights, boilerplate,
the entity filter) and saves a screenshot next to the page."""
import html.parser
import json
import os
import subprocess
import sys
import tempfile

HOSTILE = ('<script>alert(1)</script> "onload=alert(2) </textarea> '
           '</script><img src=x onerror=alert(3)> & Russia sold S-400s to China.')


class Scan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self.cur = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "script":
            self.cur = {"attrs": dict(attrs), "data": ""}

    def handle_data(self, data):
        if self.cur is not None:
            self.cur["data"] += data

    def handle_endtag(self, tag):
        if tag == "script" and self.cur is not None:
            self.scripts.append(self.cur)
            self.cur = None


def main():
    exe = sys.argv[1]
    chromium = sys.argv[2] if len(sys.argv) > 2 else ""
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL:", what)

    tmp = tempfile.mkdtemp()
    src = os.path.join(tmp, "in.jsonl")
    with open(src, "w") as f:
        f.write(json.dumps({"id": "x<script>alert(4)</script>", "title": '"onload=alert(5)',
                            "text": HOSTILE}) + "\n")
        f.write(json.dumps({"id": "2", "text": "Nuclear talks\n\nIran and the IAEA met in Vienna.\n\n"
                            "Related\n\nPakistan News Item\n"}) + "\n")
        f.write("not json\n")
    page = os.path.join(tmp, "review.html")
    out = subprocess.run([exe, "-q", "--html", page, src], capture_output=True)
    check(out.returncode == 0, "newstag --html exits 0")
    doc = open(page, encoding="utf-8").read()
    scan = Scan()
    scan.feed(doc)
    check(len(scan.scripts) == 2, "exactly the page's own two scripts (got %d)" % len(scan.scripts))
    check(not any(t == "img" for t, _ in scan.tags), "no <img> from article text")
    check(not any(t == "textarea" for t, _ in scan.tags), "no textarea")
    check(all("alert" not in (v or "") for _, attrs in scan.tags for _, v in attrs),
          "no attribute carries article text")
    data = json.loads(scan.scripts[0]["data"])
    check(len(data) == 3, "three records in the page")
    check(data[0]["t"] == HOSTILE, "the text is kept unchanged as data")
    check(data[0]["r"]["id"] == "x<script>alert(4)</script>", "the id is kept as data")
    check("error" in data[2]["r"], "the error record is in the page")
    check("<script>alert" not in doc and "</textarea>" not in doc, "no raw hostile markup in the page")

    if chromium:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + os.path.join(tmp, "profile")]
        dom = subprocess.run([chromium] + flags + ["--dump-dom", "file://" + page],
                             capture_output=True, timeout=120).stdout.decode()
        check(dom.count("<article") == 3, "three articles rendered")
        check('<mark class="t-weapon"' in dom and "S-400s</mark>" in dom, "weapon highlighted")
        check('<mark class="t-country"' in dom and ">Russia</mark>" in dom, "country highlighted")
        check("&lt;script&gt;alert(1)&lt;/script&gt;" in dom, "hostile text rendered as text")
        check('class="zone z-boilerplate"' in dom, "boilerplate zone shown greyed")
        check("<img" not in dom.split("<main", 1)[1], "no image element from article text")
        filt = subprocess.run([chromium] + flags + ["--dump-dom", "file://" + page + "#entity=IRN"],
                              capture_output=True, timeout=120).stdout.decode()
        check(filt.count("<article") == 1 and "Nuclear talks" in filt, "entity filter from the address")
        shot = os.path.join(os.path.dirname(os.path.abspath(exe)), "review-screenshot.png")
        subprocess.run([chromium] + flags + ["--window-size=1200,900", "--screenshot=" + shot,
                                             "file://" + page], capture_output=True, timeout=120)
        check(os.path.getsize(shot) > 10000 if os.path.exists(shot) else False, "screenshot saved")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
