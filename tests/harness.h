/* harness.h - a minimal test harness: CHECK counts, DONE prints the
 * "N passed, N failed" line that ctest logs show, and helpers that annotate
 * a string and describe what came out. */
#ifndef NT_HARNESS_H
#define NT_HARNESS_H

#include "newstag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond)                                                                \
      t_pass++;                                                              \
    else {                                                                   \
      t_fail++;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

#define CHECK_STR(got, want)                                                 \
  do {                                                                       \
    const char *g_ = (got), *w_ = (want);                                    \
    if (g_ && w_ && strcmp(g_, w_) == 0)                                     \
      t_pass++;                                                              \
    else {                                                                   \
      t_fail++;                                                              \
      fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__,  \
              g_ ? g_ : "(null)", w_ ? w_ : "(null)");                       \
    }                                                                        \
  } while (0)

static inline int t_done(void) {
  printf("%d passed, %d failed\n", t_pass, t_fail);
  return t_fail != 0;
}

/* Load the lexicon directories or exit with a message. */
static inline nt_lexicon *t_load(const char *const *dirs, size_t n) {
  nt_lexicon *lex;
  nt_error err;
  if (nt_lexicon_load(dirs, n, &lex, &err) != NT_OK) {
    fprintf(stderr, "cannot load lexicons: %s:%ld: %s\n", err.file, err.line,
            err.message);
    exit(2);
  }
  return lex;
}

/* Annotate len bytes of text as a plain record; the result, or NULL when
 * nt_annotate fails.  The record is static: the result refers to it. */
static inline const nt_result *t_annotate(nt_annotator *a, const char *text,
                                          size_t len) {
  static nt_record rec;
  const nt_result *r = NULL;
  memset(&rec, 0, sizeof rec);
  rec.text = text;
  rec.len = len;
  return a && nt_annotate(a, &rec, &r) == NT_OK ? r : NULL;
}

/* Annotate text; returns the article's entity ids, sorted and joined by
 * commas, in a static buffer. */
static inline const char *t_ids(nt_annotator *a, const char *text) {
  static char out[4096];
  const char *ids[256];
  size_t n = 0;
  const nt_result *r = t_annotate(a, text, strlen(text));
  out[0] = '\0';
  if (!r)
    return "(error)";
  for (size_t i = 0; i < nt_result_entity_count(r) && n < 256; i++) {
    nt_entity_view e;
    nt_result_entity(r, i, &e);
    ids[n++] = e.id;
  }
  for (size_t i = 1; i < n; i++) /* insertion sort */
    for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
      const char *t = ids[j];
      ids[j] = ids[j - 1];
      ids[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++) {
    if (i)
      strncat(out, ",", sizeof out - strlen(out) - 1);
    strncat(out, ids[i], sizeof out - strlen(out) - 1);
  }
  return out;
}

/* Read a whole file; the caller frees. */
static inline char *t_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    *len = (size_t)n;
  }
  return buf;
}

#endif
