/* A program that uses the installed libnewstag, built by consumer_test.sh
 * against the install through pkg-config and through find_package. */
#include <newstag.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *dirs[] = {argc > 1 ? argv[1] : "."};
  nt_lexicon *lex;
  nt_error err;
  if (nt_lexicon_load(dirs, 1, &lex, &err) != NT_OK) {
    fprintf(stderr, "consumer: %s:%ld: %s\n", err.file, err.line, err.message);
    return 1;
  }
  nt_annotator *a = nt_annotator_new(lex, NULL);
  nt_record rec = {0};
  rec.text = "Russia delivered S-400s to China.";
  rec.len = strlen(rec.text);
  const nt_result *r;
  int ok = nt_annotate(a, &rec, &r) == NT_OK && nt_result_entity_count(r) == 3;
  printf("%s\n", ok ? nt_result_json(r, NULL) : "failed");
  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return ok ? 0 : 1;
}
