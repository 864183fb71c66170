/* test_zone.c - stage 2b: headline, body and boilerplate lines. */
#include "../src/internal.h"
#include "harness.h"

static nt_annotator *a;

/* Zone letter per non-blank line: H headline, B body, X boilerplate. */
static const char *zones(const char *text) {
  static char out[256];
  const nt_result *r = t_annotate(a, text, strlen(text));
  size_t k = 0;
  if (!r)
    return "(error)";
  const nt_zones *z = r->zones;
  for (size_t i = 0; i < z->n && k + 1 < sizeof out; i++) {
    const nt_zone_span *sp = &z->spans[i];
    if (sp->end == sp->start)
      continue;
    out[k++] = "HSBX"[sp->zone];
  }
  out[k] = '\0';
  return out;
}

/* The zones of every sample page with the rules gated by the heads the
 * trie found, as nt_annotate runs them, and with every rule tried on every
 * line (no matches given): they must be the same.  Returns the number of
 * boilerplate lines seen, so that the test cannot pass on empty input. */
static size_t gated_equals_ungated(const nt_lexicon *lex) {
  static const char *names[] = {"01-saved-page.html",
                                "02-fragment.html",
                                "03-unclosed.html",
                                "04-entities.html",
                                "05-nav-text.txt",
                                "06-front-matter.md",
                                "07-toml.md",
                                "08-plain-front-matter.txt",
                                "09-php-template.html",
                                "10-sql-dump.txt",
                                "11-escaped.txt",
                                "12-jsonl-html.jsonl",
                                "13-cookie-banner.html",
                                "14-teasers.txt",
                                "15-sources.txt",
                                "16-only-nav.html",
                                "17-table-figure.html",
                                "18-cdata-style.html",
                                "19-byline-tagline.txt",
                                "20-crlf-smart.txt",
                                "21-markdown-links.md"};
  size_t boiler = 0;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/../samples/%s", NT_TEST_DATA_DIR, names[i]);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
      continue;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    CHECK(t_annotate(a, buf, n) != NULL);
    nt_zones all = {0};
    CHECK(nt_zone_split(&all, lex, a->match_data, &a->text, &a->markup, NULL) ==
          NT_OK);
    CHECK(all.n == a->zones.n);
    for (size_t k = 0; k < all.n && k < a->zones.n; k++) {
      const nt_zone_span *x = &all.spans[k], *y = &a->zones.spans[k];
      boiler += x->zone == NT_ZONE_BOILERPLATE;
      if (x->zone != y->zone || x->reason != y->reason) {
        fprintf(stderr, "%s line %zu: gated %d %s, ungated %d %s\n", names[i],
                k, y->zone, y->reason ? y->reason : "-", x->zone,
                x->reason ? x->reason : "-");
        CHECK(0);
      }
    }
    nt_zone_free(&all);
  }
  return boiler;
}

/* nt_util_count_words (16, 8 and 1 bytes at a time) against a byte loop,
 * on pseudo-random text of blanks and others at every offset and length. */
static int count_words_agrees(void) {
  static const char alphabet[] = " \t\nab\xC3\xA9\"(.";
  char s[160];
  unsigned x = 12345;
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < sizeof s; i++) {
      x = x * 1103515245u + 12345u;
      s[i] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
    }
    for (size_t lo = 0; lo < 20; lo++)
      for (size_t hi = lo; hi <= sizeof s; hi += 7) {
        size_t want = 0;
        for (size_t k = lo; k < hi; k++) {
          int blank = s[k] == ' ' || s[k] == '\t' || s[k] == '\n';
          int before = k == lo || s[k - 1] == ' ' || s[k - 1] == '\t' ||
                       s[k - 1] == '\n';
          want += !blank && before;
        }
        if (nt_util_count_words(s, lo, hi) != want)
          return 0;
      }
  }
  return 1;
}

int main(void) {
  CHECK(count_words_agrees());
  {
    const char *words = "  one two\tthree\nfour  five six seven eight ";
    CHECK(nt_util_count_words(words, 0, strlen(words)) == 8);
  }
  const char *dirs[] = {NT_LEXICON_DIR};
  nt_lexicon *lex = t_load(dirs, 1);
  a = nt_annotator_new(lex, NULL);

  CHECK_STR(
      zones("A Short Headline\n\nFirst paragraph of the body.\n\nSecond."),
      "HBB");
  /* a first line that is a sentence is body */
  CHECK_STR(zones("This article starts with a full sentence that ends.\nMore."),
            "BB");
  /* byline and tagline, then a related-links tail with teasers */
  CHECK_STR(zones("Headline\n\nBody text here.\n\nNews Desk\n\n"
                  "Your trusted source for insightful journalism.\n\nRecent\n\n"
                  "Other Story\n\nOther Story\n\nSummary of it.\n\nRead More "
                  "\xC2\xBB\n"),
            "HBXXXXXXX");
  /* "Recent" before any body is not a tail */
  CHECK_STR(zones("Headline\nRecent\nBody text follows."), "HBB");
  /* a teaser block without a heading: repeated headline, summary, read more */
  CHECK_STR(zones("Headline\nBody one.\nBody two.\nTeaser Title\nTeaser Title\n"
                  "Its summary.\nRead More \xC2\xBB\nBody three."),
            "HBBXXXXB");
  /* share buttons and cookie notices */
  CHECK_STR(zones("Headline\nShare this article\nBody.\n"
                  "We use cookies to improve your experience.\nMore body."),
            "HXBXB");

  /* when two rules match a line, the first in file order names it: cookie
   * (at a word) before footer (at the line's start) */
  {
    const char *text =
        "Headline\nBody.\nCopyright 2024: we use cookies\nCopyright 2024\n";
    const nt_result *r = t_annotate(a, text, strlen(text));
    CHECK(r != NULL);
    if (!r)
      return t_done();
    CHECK(r->zones->n == 5);
    CHECK_STR(r->zones->spans[2].reason, "cookie");
    CHECK_STR(r->zones->spans[3].reason, "footer");
  }

  CHECK(gated_equals_ungated(lex) > 30);

  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
