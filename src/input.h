/*
 * input.h - stage 1 (not installed): reads files, directories and stdin as
 * a stream of records.  A plain text file is one record; a JSON Lines file
 * gives one record per non-blank line.  Anything unreadable or malformed
 * becomes an error item, so that every input record gives one output line.
 */
#ifndef NT_INPUT_H
#define NT_INPUT_H

#include "internal.h"

typedef enum nt_format {
  NT_FORMAT_AUTO = 0,
  NT_FORMAT_TEXT = 1,
  NT_FORMAT_JSONL = 2
} nt_format;

/* Parse "auto", "text", "jsonl", "html" or "markdown" into the file format
 * and the markup of whole-file records; -1 for anything else. */
int nt_input_parse_format(const char *s, nt_format *out, nt_markup_format *markup);

typedef struct nt_input nt_input;

/* One item: a record, or an error (error != NULL) naming source and line.
 * Everything it points to belongs to the input and lives until the next
 * nt_input_next() call. */
typedef struct nt_input_item {
  nt_record rec;
  const char *error;
  int io_error; /* the error is a file that could not be read */
  int raw;      /* rec.text is an unparsed JSON Lines line (see set_raw) */
} nt_input_item;

/* One parsed JSON Lines record: its text and metadata (owned). */
typedef struct nt_jsonl {
  nt_buf text;
  char *id, *title, *url, *date;
} nt_jsonl;

/* Let cJSON take the nodes and strings of each parsed line from an arena of
 * the parsing thread's own, emptied after the line, instead of one malloc
 * each: for a program that owns cJSON's allocation hooks (the command calls
 * it once, before any parsing).  nt_input_arena_free releases the calling
 * thread's arena. */
void nt_input_use_arena(void);
void nt_input_arena_free(void);

/* Parse one line (lineno counts from 1; line 1 may start with a BOM).
 * Returns NULL and fills r, or an error message (r->id may still be set).
 * Thread-safe. */
const char *nt_input_parse_line(nt_jsonl *r, const char *line, size_t len,
                                long lineno);
void nt_jsonl_free(nt_jsonl *r); /* frees the metadata, keeps text's buffer */

/* With raw set, JSON Lines lines are returned unparsed (item.raw), so that
 * worker threads can parse them with nt_input_parse_line. */
void nt_input_set_raw(nt_input *in, int raw);

/* The markup format given to records: of whole files (default: detect from
 * the extension .html/.htm/.md/.markdown, else from the content) and of
 * JSON Lines texts (default: detect from the content). */
void nt_input_set_markup(nt_input *in, nt_markup_format files,
                         nt_markup_format jsonl);

/* New input over paths (a file, a directory walked recursively in sorted
 * order, or "-" for stdin; npaths 0 means stdin).  Free with
 * nt_input_free().  Returns NULL when out of memory. */
nt_input *nt_input_new(const char *const *paths, size_t npaths, nt_format fmt,
                       size_t max_record);
void nt_input_free(nt_input *in);

/* New input over an open stream (not closed by nt_input_free), named name
 * in messages; chunk is the read size (0: the default), small values let
 * tests and fuzzers cross chunk boundaries everywhere. */
nt_input *nt_input_new_stream(FILE *fp, const char *name, nt_format fmt,
                              size_t max_record, size_t chunk);

/* The next item: 1, or 0 at the end of all input. */
int nt_input_next(nt_input *in, nt_input_item *item);

/* Swap the buffer that holds the last raw item's text with b: the caller
 * keeps the text without copying it, and reading goes on in b's memory. */
void nt_input_swap_raw(nt_input *in, nt_buf *b);

/* 1 when reading the next record would wait: no whole record line of a
 * pipe, terminal or socket has arrived (what has is taken into the buffer),
 * or the current source is done and the next one is such a source.  The
 * time to write out what is done. */
int nt_input_would_block(nt_input *in);

/* Bytes read so far (for progress). */
size_t nt_input_bytes(const nt_input *in);

#endif
