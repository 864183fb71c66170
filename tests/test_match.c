/* test_match.c - stage 3: word boundaries, case rules, possessives,
 * plurals, longest match, stop phrases, shared and context aliases, offsets.
 * Uses the small test lexicon in tests/data/lex. */
#include "../src/internal.h"
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

/* Open the gate of a's matcher wide: every walk is tried, as before the
 * gate existed. */
static void open_gate(nt_annotator *x) {
  nt_matches *m = &x->matches;
  memset(m->gate, 0xff, ((size_t)1 << (32 - m->gate_shift)) / 8);
  memset(m->gate2, 1 /* G_ALWAYS */, 65536);
}

/* Annotate each text with the gate as built and with the gate wide open:
 * the output must be the same byte for byte.  Returns the number of
 * entities seen, so that the test cannot pass on empty output. */
static size_t gate_changes_nothing(const nt_lexicon *lex, const char *const *texts,
                                   size_t n) {
  nt_annotator *gated = nt_annotator_new(lex, NULL), *open = nt_annotator_new(lex, NULL);
  size_t ents = 0;
  CHECK(t_annotate(open, "", 0) != NULL); /* builds the gate */
  open_gate(open);
  for (size_t i = 0; i < n; i++) {
    static char buf[1 << 20];
    const char *text = texts[i];
    size_t len = strlen(text);
    if (text[0] == '@') { /* a file */
      FILE *f = fopen(text + 1, "rb");
      CHECK(f != NULL);
      len = f ? fread(buf, 1, sizeof buf, f) : 0;
      if (f)
        fclose(f);
      text = buf;
    }
    const nt_result *r = t_annotate(gated, text, len);
    CHECK(r != NULL);
    size_t jl = 0;
    const char *j = r ? nt_result_json(r, &jl) : "";
    char *want = malloc(jl + 1);
    memcpy(want, j, jl);
    want[jl] = '\0';
    ents += r ? nt_result_entity_count(r) : 0;
    r = t_annotate(open, text, len);
    const char *got = r ? nt_result_json(r, &jl) : "";
    if (!r || strlen(want) != jl || memcmp(want, got, jl) != 0) {
      fprintf(stderr, "gate changed the output of text %zu (%.40s)\n", i, texts[i]);
      CHECK(0);
    }
    free(want);
  }
  nt_annotator_free(gated);
  nt_annotator_free(open);
  return ents;
}

/* Keys of one to four bytes, at the end of the text, before word bytes,
 * punctuation, plurals and possessives; and the sample articles. */
static const char *const gate_texts[] = {
    "UN", "the UN", "UN.", "UNs", "UN's", "(UN)", "IS", "IS fighters", "ISIS",
    "IT", "it is", "US", "US-led", "U.S.", "U.S", "the U.S.", "EU", "EU's",
    "UK", "UK-based", "NATO", "NATO's", "Chad", "Chads", "Iran", "Iraq's",
    "Iranian", "Oman", "Omani", "Mali", "Malian", "Peru", "Cuba", "Togo",
    "Fiji", "Laos", "S-400", "S-400s", "F-16", "F-16s", "F-35", "T-90", "Su-35",
    "MiG-29", "J-20", "al-Qaeda", "al Qaeda", "£5bn arms deal", "$5bn",
    "war", "wars", "warship", "arms", "armed", "gas", "oil", "nuclear",
    "missile", "missiles", "Hamas", "PKK", "ISIL", "IRGC", "WHO", "who",
    "The US and China signed. Let us go. UN forces; IS, ISIS and ISIL.",
    "@" NT_CORPORA_DIR "/s400-delivery.txt",
    "@" NT_CORPORA_DIR "/nato-patriot.md",
    "@" NT_CORPORA_DIR "/ukraine-iris-t.html",
    "@" NT_CORPORA_DIR "/wire.jsonl",
    "@" NT_TEST_DATA_DIR "/../samples/14-teasers.txt",
    "@" NT_TEST_DATA_DIR "/../samples/20-crlf-smart.txt",
};

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

  /* the gate before the walks changes nothing, with the test lexicon and
   * with the default ones */
  size_t ntexts = sizeof gate_texts / sizeof *gate_texts;
  CHECK(gate_changes_nothing(lex, gate_texts, ntexts) > 20);
  const char *full[] = {NT_LEXICON_DIR};
  nt_lexicon *deflex = t_load(full, 1);
  CHECK(gate_changes_nothing(deflex, gate_texts, ntexts) > 50);
  nt_lexicon_free(deflex);

  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
