/* fuzz_pipeline.c - the whole pipeline on one record.  The first input byte
 * chooses options; the rest is the article. */
#include "newstag.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nt_lexicon *lex;
  if (!lex) {
    const char *dirs[] = {NT_LEXICON_DIR};
    if (nt_lexicon_load(dirs, 1, &lex, NULL) != NT_OK)
      return 0;
  }
  if (size < 1)
    return 0;
  nt_options opts;
  nt_options_init(&opts);
  opts.emit_clean_text = data[0] & 1;
  opts.min_score = (data[0] >> 1) / 127.0;
  nt_annotator *a = nt_annotator_new(lex, &opts);
  nt_record rec = {0};
  rec.text = (const char *)data + 1;
  rec.len = size - 1;
  rec.title = (data[0] & 2) ? "title" : NULL;
  const nt_result *r;
  if (nt_annotate(a, &rec, &r) == NT_OK) {
    size_t len;
    const char *js = nt_result_json(r, &len);
    if (len == 0 || js[0] != '{' || js[len - 1] != '}')
      __builtin_trap();
  }
  nt_annotator_free(a);
  return 0;
}
