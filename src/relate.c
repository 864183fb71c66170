/*
 * relate.c - stage 4b: arms-transfer relations (who delivered what to whom)
 * from the entity-tagged sentences of a record.
 *
 * Takes: the lexicon's relations.tsv rules, nt_matches, nt_zones, nt_text.
 * Gives: nt_relations, written by nt_relate_emit as "relations".
 *
 * (Not yet implemented: loads no rules and finds no relation.)
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int nt_relate_load_line(nt_lexicon *lex, char **f, size_t n, nt_error *err,
                        const char *file, long line) {
  (void)lex;
  (void)n;
  nt_error_set(err, NT_ERR_LEXICON, file, line, "unknown relation rule \"%s\"", f[0]);
  return -1;
}

void nt_relate_free_rules(nt_lexicon *lex) { (void)lex; }

nt_status nt_relate_run(nt_relations *rel, const nt_lexicon *lex,
                        const nt_matches *m, const nt_zones *z,
                        const nt_text *t, void *md) {
  (void)lex;
  (void)m;
  (void)z;
  (void)t;
  (void)md;
  rel->n = 0;
  return NT_OK;
}

void nt_relate_free(nt_relations *rel) {
  free(rel->items);
  memset(rel, 0, sizeof *rel);
}

const char *nt_relate_status_name(int status) {
  static const char *names[] = {"delivered", "contracted", "planned", "halted",
                                "cancelled"};
  return status >= 0 && status < 5 ? names[status] : "unknown";
}

int nt_relate_emit(const nt_result *r, nt_buf *out) {
  (void)r;
  return nt_buf_append(out, ",\"relations\":[]", 15);
}
