/* fuzz_lexicon.c - the lexicon loader.  The first input byte chooses which
 * lexicon file the rest becomes; it is loaded on top of the project's
 * lexicons and, when it loads, used once. */
#define _POSIX_C_SOURCE 200809L
#include "newstag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *names[] = {"countries.tsv", "groups.tsv", "weapons.tsv",
                                "topics.tsv",    "zones.tsv",  "clean.tsv",
                                "stopwords.tsv", "user.tsv"};
  static char dir[64];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/newstag-fuzz-lex-%ld", (long)getpid());
    char cmd[128];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd) != 0)
      return 0;
  }
  if (size < 1)
    return 0;
  char path[128];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/%s", dir, names[data[0] % 8]);
  FILE *f = fopen(path, "wb");
  if (!f)
    return 0;
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  const char *dirs[] = {NT_TEST_LEXICON_DIR, dir};
  nt_lexicon *lex = NULL;
  nt_error err;
  nt_status st = nt_lexicon_load(dirs, 2, &lex, &err);
  if (st == NT_OK) {
    nt_lexicon_check(lex, NULL, NULL);
    nt_annotator *a = nt_annotator_new(lex, NULL);
    nt_record rec = {0};
    rec.text = "Russia delivered S-400s to China; the US and IS reacted.";
    rec.len = strlen(rec.text);
    const nt_result *r;
    nt_annotate(a, &rec, &r);
    nt_annotator_free(a);
  } else if (lex != NULL || (st == NT_ERR_LEXICON && err.line <= 0)) {
    __builtin_trap(); /* a failed load gives no lexicon and names a line */
  }
  nt_lexicon_free(lex);
  return 0;
}
