/* test_zone.c - stage 2b: headline, body and boilerplate lines. */
#include "harness.h"
#include "../src/internal.h"

static nt_annotator *a;

/* Zone letter per non-blank line: H headline, B body, X boilerplate. */
static const char *zones(const char *text) {
  static char out[256];
  nt_record rec;
  memset(&rec, 0, sizeof rec);
  rec.text = text;
  rec.len = strlen(text);
  const nt_result *r;
  size_t k = 0;
  if (nt_annotate(a, &rec, &r) != NT_OK)
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

int main(void) {
  const char *dirs[] = {NT_LEXICON_DIR};
  nt_lexicon *lex = t_load(dirs, 1);
  a = nt_annotator_new(lex, NULL);

  CHECK_STR(zones("A Short Headline\n\nFirst paragraph of the body.\n\nSecond."),
            "HBB");
  /* a first line that is a sentence is body */
  CHECK_STR(zones("This article starts with a full sentence that ends.\nMore."),
            "BB");
  /* byline and tagline, then a related-links tail with teasers */
  CHECK_STR(zones("Headline\n\nBody text here.\n\nNews Desk\n\n"
                  "Your trusted source for insightful journalism.\n\nRecent\n\n"
                  "Other Story\n\nOther Story\n\nSummary of it.\n\nRead More \xC2\xBB\n"),
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

  /* the first rule in file order names the line, whether it is tried
   * alone (cookie, not anchored) or in the anchored alternation (footer) */
  {
    nt_record rec;
    memset(&rec, 0, sizeof rec);
    rec.text = "Headline\nBody.\nCopyright 2024: we use cookies\nCopyright 2024\n";
    rec.len = strlen(rec.text);
    const nt_result *r;
    CHECK(nt_annotate(a, &rec, &r) == NT_OK);
    CHECK(r->zones->n == 5);
    CHECK_STR(r->zones->spans[2].reason, "cookie");
    CHECK_STR(r->zones->spans[3].reason, "footer");
  }

  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
