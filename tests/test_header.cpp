// test_header.cpp - the public header compiles and links as C++.
#include "newstag.h"

#include <cstdio>
#include <unistd.h>

int main() {
  nt_options opts;
  nt_options_init(&opts);
  const char *dirs[] = {NT_LEXICON_DIR};
  nt_lexicon *lex = nullptr;
  nt_error err;
  if (nt_lexicon_load(dirs, 1, &lex, &err) != NT_OK)
    return 1;
  nt_annotator *a = nt_annotator_new(lex, &opts);
  nt_record rec = {};
  rec.text = "Russia and China.";
  rec.len = 17;
  const nt_result *r = nullptr;
  int ok = nt_annotate(a, &rec, &r) == NT_OK && nt_result_entity_count(r) == 2;
  nt_annotator_free(a);
  // the snapshot functions, from C++ too
  char path[64];
  std::snprintf(path, sizeof path, "/tmp/newstag-header-%ld.snap", (long)getpid());
  nt_lexicon *snap = nullptr;
  ok = ok && nt_lexicon_save_snapshot(lex, path, &err) == NT_OK &&
       nt_lexicon_load_snapshot(path, &snap, &err) == NT_OK &&
       nt_lexicon_alias_count(snap) == nt_lexicon_alias_count(lex);
  std::remove(path);
  nt_lexicon_free(snap);
  nt_lexicon_free(lex);
  std::printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}
