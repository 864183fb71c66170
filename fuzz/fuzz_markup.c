/* fuzz_markup.c - the HTML / markdown / front matter reader and the
 * cleaner: the first input byte chooses the format; the rest is read,
 * cleaned and checked against the offset map's invariants. */
#include "../src/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nt_lexicon *lex;
  static pcre2_match_data *md;
  if (!lex) {
    const char *dirs[] = {NT_LEXICON_DIR};
    if (nt_lexicon_load(dirs, 1, &lex, NULL) != NT_OK)
      return 0;
    md = pcre2_match_data_create(32, NULL);
  }
  if (size < 1)
    return 0;
  const char *s = (const char *)data + 1;
  size_t n = size - 1;
  nt_markup mk;
  nt_text t;
  nt_zones z;
  memset(&mk, 0, sizeof mk);
  memset(&t, 0, sizeof t);
  memset(&z, 0, sizeof z);
  if (nt_markup_scan(&mk, lex, md, data[0] % 4, s, n) == NT_OK &&
      nt_clean_run(&t, lex, md, &mk, s, n) == NT_OK) {
    /* the map is monotonic and inside the original */
    for (size_t i = 0; i < t.clean.len; i++)
      if (nt_text_orig(&t, i) > n ||
          (i && nt_text_orig(&t, i) < nt_text_orig(&t, i - 1)))
        __builtin_trap();
    for (size_t i = 0; i + 1 < mk.nedits; i++)
      if (mk.edits[i].end > n)
        __builtin_trap();
    if (nt_zone_split(&z, lex, md, &t, &mk, NULL) == NT_OK)
      for (size_t i = 0; i < z.n; i++) {
        size_t os, oe;
        nt_clean_span(&t, z.spans[i].start, z.spans[i].end, &os, &oe);
        if (os > oe || oe > n)
          __builtin_trap();
      }
  }
  nt_zone_free(&z);
  nt_clean_free(&t);
  nt_markup_free(&mk);
  return 0;
}
