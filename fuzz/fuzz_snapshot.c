/* fuzz_snapshot.c - the lexicon snapshot loader (src/snapshot.c), whose
 * input is a file anyone may hand to --snapshot.  The first input byte
 * chooses: bit 0, recompute the checksum of the rest, so that the checks
 * behind it are reached; bit 1, also check the source files it names.  The
 * rest is written to a file and loaded; a loaded lexicon is used once.
 *
 * Seeds (corpus/snapshot/): "valid" is a snapshot of tests/data/lex plus a
 * small zones.tsv, clean.tsv and relations.tsv and a pcre2 topic pattern
 * (newstag lexicon compile --no-default-lexicon -l DIR -o FILE, after a
 * 0x00 byte); the others are it truncated, with bytes changed (checksum
 * recomputed), and of another version. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { CHECKSUM_AT = 24, CHECKED_FROM = 32 }; /* see snap_header */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0])
    snprintf(path, sizeof path, "/tmp/newstag-fuzz-snap-%ld", (long)getpid());
  if (size < 1)
    return 0;
  unsigned mode = data[0];
  uint8_t *file = malloc(size);
  if (!file)
    return 0;
  memcpy(file, data + 1, size - 1);
  size--;
  if ((mode & 1) && size >= CHECKED_FROM) {
    uint64_t sum = nt_snapshot_checksum(file + CHECKED_FROM, size - CHECKED_FROM);
    memcpy(file + CHECKSUM_AT, &sum, sizeof sum);
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(file);
    return 0;
  }
  fwrite(file, 1, size, f);
  fclose(f);
  free(file);
  nt_lexicon *lex = NULL;
  nt_error err;
  unsigned flags = (mode & 2) ? 0 : NT_SNAP_NO_SOURCE_CHECK;
  nt_status st = nt_snapshot_load(path, NULL, flags, &lex, &err);
  if (st == NT_OK) {
    nt_lexicon_check(lex, NULL, NULL);
    nt_annotator *a = nt_annotator_new(lex, NULL);
    nt_record rec = {0};
    rec.text = "Russia delivered S-400s to China; the US and IS reacted to "
               "arms deals.\n\nRead more: Iran sanctions";
    rec.len = strlen(rec.text);
    const nt_result *r;
    if (a && nt_annotate(a, &rec, &r) == NT_OK)
      nt_result_json(r, NULL);
    nt_annotator_free(a);
  } else if (lex != NULL || !err.message[0]) {
    __builtin_trap(); /* a failed load gives no lexicon and says why */
  }
  nt_lexicon_free(lex);
  unlink(path);
  return 0;
}
