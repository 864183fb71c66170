/*
 * batch.h - the command's parallel runner (not installed; see batch.c).
 */
#ifndef NT_BATCH_H
#define NT_BATCH_H

#include "input.h"

/* One finished record, handed to the emit callback in input order. */
typedef struct nt_batch_output {
  const char *line;  /* the output line (JSON or TSV), without newline */
  size_t len;
  const char *error; /* the record's error, or NULL */
  int io_error;
  const char *source;
  long line_no;
  const char *text;  /* the article text when review is set, else NULL */
  size_t text_len;
  size_t entities;   /* entities found */
  size_t input_bytes; /* bytes of input read when the record was read */
} nt_batch_output;

typedef struct nt_batch_options {
  int jobs;   /* worker threads, at least 1 */
  int review; /* keep each article's text for the review page */
  int (*emit)(const nt_batch_output *out, void *data); /* -1 stops the run */
  int (*flush)(void *data); /* push out what emit wrote (may be NULL); -1 stops */
  void *data;
} nt_batch_options;

/* Annotate everything in `in` on o->jobs threads (this one among them)
 * and emit it in order: emit is called by one thread at a time, any of
 * them.  Returns 0, -1 when emit failed, -2 when out of memory. */
int nt_batch_run(nt_input *in, const nt_lexicon *lex, const nt_options *opts,
                 const nt_batch_options *o);

#endif
