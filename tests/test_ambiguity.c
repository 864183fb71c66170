/* test_ambiguity.c - the committed ambiguity set (tests/data/ambiguity.tsv):
 * sentences that must and must not give an entity, each annotated alone as
 * one article with the project's lexicons. */
#include "harness.h"

int main(void) {
  const char *dirs[] = {NT_LEXICON_DIR};
  nt_lexicon *lex = t_load(dirs, 1);
  nt_annotator *a = nt_annotator_new(lex, NULL);
  FILE *f = fopen(NT_TEST_DATA_DIR "/ambiguity.tsv", "r");
  CHECK(f != NULL);
  char line[4096];
  long n = 0, must = 0, mustnot = 0;
  while (f && fgets(line, sizeof line, f)) {
    n++;
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '#' || line[0] == '\0')
      continue;
    char *kind = line, *id = strchr(kind, '\t');
    char *text = id ? strchr(id + 1, '\t') : NULL;
    if (!id || !text) {
      fprintf(stderr, "ambiguity.tsv:%ld: malformed line\n", n);
      CHECK(0);
      continue;
    }
    *id++ = '\0';
    *text++ = '\0';
    int want = strcmp(kind, "must") == 0;
    CHECK(want || strcmp(kind, "mustnot") == 0);
    must += want;
    mustnot += !want;
    /* the id must be a whole item of the comma list */
    char ids[4096];
    snprintf(ids, sizeof ids, ",%s,", t_ids(a, text));
    char key[256];
    snprintf(key, sizeof key, ",%s,", id);
    int got = strstr(ids, key) != NULL;
    if (got != want)
      fprintf(stderr, "ambiguity.tsv:%ld: %s %s, got [%s]: %s\n", n, kind, id,
              ids, text);
    CHECK(got == want);
  }
  if (f)
    fclose(f);
  CHECK(must >= 100 && mustnot >= 100);
  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
