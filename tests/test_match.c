/* test_match.c - stage 3: word boundaries, case rules, possessives,
 * plurals, longest match, stop phrases, shared and context aliases, offsets.
 * Uses the small test lexicon in tests/data/lex. */
#include "harness.h"

static nt_annotator *a;

/* The first mention of the first entity: original offsets and text. */
static void first_mention(const char *text, size_t *s, size_t *e) {
  const nt_result *r = t_annotate(a, text, strlen(text));
  nt_mention_view m;
  *s = *e = (size_t)-1;
  if (r && nt_result_entity_count(r) > 0 &&
      nt_result_mention(r, 0, 0, &m) == 0) {
    *s = m.start;
    *e = m.end;
  }
}

static size_t mention_count(const char *text) {
  const nt_result *r = t_annotate(a, text, strlen(text));
  if (!r || nt_result_entity_count(r) == 0)
    return 0;
  return nt_result_mention_count(r, 0);
}

int main(void) {
  const char *dirs[] = {NT_TEST_LEXICON_DIR};
  nt_lexicon *lex = t_load(dirs, 1);
  a = nt_annotator_new(lex, NULL);

  /* case rules */
  CHECK_STR(t_ids(a, "The US and China signed."), "CHN,USA");
  CHECK_STR(t_ids(a, "Let us go to the market."), "");
  CHECK_STR(t_ids(a, "Us and them."), "");
  CHECK_STR(t_ids(a, "The U.S.-led coalition."), "USA");
  CHECK_STR(t_ids(a, "We ate turkey."), "");
  CHECK_STR(t_ids(a, "Talks with Turkey resumed."), "TUR");
  CHECK_STR(t_ids(a, "TURKEY AND CHINA SIGN PACT"), "CHN,TUR");
  CHECK_STR(t_ids(a, "china and turkey"), "");
  /* whole words, demonyms, possessives */
  CHECK_STR(t_ids(a, "Chinatown and Russiagate"), "");
  CHECK_STR(t_ids(a, "Chinese and Russian officials"), "CHN,RUS");
  CHECK_STR(t_ids(a, "China's navy and Russia’s army"), "CHN,RUS");
  CHECK(mention_count("China's, China’s and China") == 3);
  size_t s, e;
  first_mention("Russia’s S-400", &s, &e);
  CHECK(s == 0 && e == 6);
  /* accents and apostrophes fold */
  CHECK_STR(t_ids(a, "Côte d’Ivoire and Cote d'Ivoire"), "CIV");
  CHECK(mention_count("Côte d’Ivoire and Cote d'Ivoire and CÔTE D'IVOIRE") == 3);
  /* offsets after multi-byte text point at the original bytes */
  first_mention("Ünïcödé — China", &s, &e);
  CHECK(s == strlen("Ünïcödé — ") && e == s + 5);
  /* plurals of weapons and longest match */
  CHECK_STR(t_ids(a, "The S-400s were delivered."), "wpn-s-400");
  first_mention("The S-400s were delivered.", &s, &e);
  CHECK(s == 4 && e == 10);
  first_mention("An S-400 Triumph battery", &s, &e);
  CHECK(s == 3 && e == 16);
  CHECK_STR(t_ids(a, "The S-4000 and KS-400 are not it."), "");
  /* person names, stop phrases */
  CHECK_STR(t_ids(a, "Chad Smith scored twice."), "");
  CHECK_STR(t_ids(a, "Fighting in Chad, rebels said."), "TCD");
  CHECK_STR(t_ids(a, "In Chad the army said."), "TCD");
  CHECK_STR(t_ids(a, "Water levels in Lake Chad fell."), "");
  /* exact-case acronyms */
  CHECK_STR(t_ids(a, "IS fighters attacked."), "grp-is");
  CHECK_STR(t_ids(a, "It is what it is."), "");
  CHECK_STR(t_ids(a, "al-Qaeda and al Qaeda and Al-Qaeda’s"), "grp-qaeda");
  /* context aliases need support */
  CHECK_STR(t_ids(a, "He was a true patriot. A Patriot act."), "");
  CHECK_STR(t_ids(a, "Patriot and HIMARS launchers."), "wpn-himars,wpn-patriot");
  CHECK_STR(t_ids(a, "PAC-3 interceptors for the Patriot."), "wpn-patriot");
  CHECK(mention_count("PAC-3 interceptors for the Patriot.") == 2);
  /* shared aliases resolve through the article's other mentions */
  CHECK_STR(t_ids(a, "Congolese troops advanced."), "");
  CHECK_STR(t_ids(a, "In DR Congo, Congolese troops advanced."), "COD");
  CHECK(mention_count("In DR Congo, Congolese troops advanced.") == 2);

  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
