/*
 * newstag.h - the public API of libnewstag.
 *
 * newstag turns one news article (a record) into entity and topic
 * annotations.  Usage:
 *
 *   nt_lexicon *lex;  nt_error err;
 *   const char *dirs[] = { "/usr/share/newstag/lexicons" };
 *   if (nt_lexicon_load(dirs, 1, &lex, &err) != NT_OK) { report err; }
 *   nt_annotator *a = nt_annotator_new(lex, NULL);   // one per thread
 *   nt_record rec = { .text = buf, .len = n };
 *   const nt_result *r;
 *   if (nt_annotate(a, &rec, &r) == NT_OK) fwrite(nt_result_json(r), ...);
 *   nt_annotator_free(a);
 *   nt_lexicon_free(lex);
 *
 * Ownership: a lexicon is immutable after loading and may be shared by any
 * number of threads; an annotator (and the result it returns) belongs to one
 * thread at a time.  A result lives inside its annotator and is valid until
 * the next nt_annotate() or nt_annotator_free() on that annotator.
 * The library never prints and never exits.
 */
#ifndef NEWSTAG_H
#define NEWSTAG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NT_VERSION_STRING "0.1.0"
#define NT_SCHEMA_VERSION 1

/* Status codes; nt_strerror() gives a fixed English phrase for each. */
typedef enum nt_status {
  NT_OK = 0,
  NT_ERR_NOMEM = 1,    /* out of memory */
  NT_ERR_IO = 2,       /* a file could not be read */
  NT_ERR_LEXICON = 3,  /* a lexicon file is malformed */
  NT_ERR_INPUT = 4,    /* a record is malformed */
  NT_ERR_ARG = 5,      /* an argument is invalid */
  NT_ERR_TOO_LARGE = 6 /* a record exceeds the size limit */
} nt_status;

const char *nt_strerror(nt_status status);

/* An error value: status plus a message and, for lexicon and input errors,
 * the file and 1-based line it points at (file empty and line 0 otherwise). */
typedef struct nt_error {
  nt_status status;
  long line;
  char file[512];
  char message[512];
} nt_error;

/* Entity types. */
typedef enum nt_entity_type {
  NT_COUNTRY = 0,
  NT_GROUP = 1,
  NT_ORGANIZATION = 2,
  NT_WEAPON = 3,
  NT_ENTITY_TYPES = 4
} nt_entity_type;

const char *nt_entity_type_name(nt_entity_type type);

/* Zones of an article. Only headline, standfirst and body give entities. */
typedef enum nt_zone {
  NT_ZONE_HEADLINE = 0,
  NT_ZONE_STANDFIRST = 1,
  NT_ZONE_BODY = 2,
  NT_ZONE_BOILERPLATE = 3
} nt_zone;

const char *nt_zone_name(nt_zone zone);

/* ---- Lexicon ---------------------------------------------------------- */

typedef struct nt_lexicon nt_lexicon;

/* Load every lexicon file in the given directories, in order: later
 * directories add entries and may switch off earlier aliases.  On success
 * *out is a new lexicon the caller frees with nt_lexicon_free().  On failure
 * *out is NULL, nothing is loaded half-way and err (if not NULL) names the
 * file and line. */
nt_status nt_lexicon_load(const char *const *dirs, size_t ndirs,
                          nt_lexicon **out, nt_error *err);
void nt_lexicon_free(nt_lexicon *lex);

/* Save a loaded lexicon as a binary snapshot at path, which
 * nt_lexicon_load_snapshot() maps back in milliseconds instead of reading
 * the text files again.  The file is written under a temporary name in the
 * same directory and renamed, so a reader never sees half of it. */
nt_status nt_lexicon_save_snapshot(const nt_lexicon *lex, const char *path,
                                   nt_error *err);

/* Load a snapshot saved by the same version of newstag; *out is freed with
 * nt_lexicon_free() and behaves exactly like the lexicon that was saved.
 * Fails with NT_ERR_LEXICON, the message saying why, when the file is
 * corrupt or truncated, from another version, or stale: one of the lexicon
 * files it was made from changed or is gone, or its directories have a new
 * one.  NT_ERR_IO when it cannot be read. */
nt_status nt_lexicon_load_snapshot(const char *path, nt_lexicon **out,
                                   nt_error *err);

/* Counts for diagnostics: entities of a type, and all aliases. */
size_t nt_lexicon_entity_count(const nt_lexicon *lex, nt_entity_type type);
size_t nt_lexicon_alias_count(const nt_lexicon *lex);

/* Check a loaded lexicon for problems that loading allows but a curator
 * should fix: one alias naming two entities (unless flagged shared on both),
 * collisions between entity types, duplicate aliases of one entity, entities
 * without aliases, and unknown country references.  Calls fn once per
 * problem with the file and line it points at; returns the number found. */
typedef void (*nt_check_fn)(const char *file, long line, const char *message,
                            void *data);
size_t nt_lexicon_check(const nt_lexicon *lex, nt_check_fn fn, void *data);

/* ---- Annotation ------------------------------------------------------- */

/* Top-level fields of an output record, for nt_options.fields. */
enum {
  NT_FIELD_ENTITIES = 1u << 0,
  NT_FIELD_TOPICS = 1u << 1,
  NT_FIELD_BOILERPLATE = 1u << 2,
  NT_FIELD_ZONES = 1u << 3,
  NT_FIELD_STATS = 1u << 4,
  NT_FIELD_META = 1u << 5, /* title, url, date */
  NT_FIELD_ALL = 0x3Fu
};

typedef struct nt_options {
  double min_score;     /* topics scored below this are not reported */
  double min_salience;  /* entities less salient than this are not reported */
  unsigned types;       /* bit 1 << nt_entity_type for each type to report */
  unsigned fields;      /* NT_FIELD_* bits: which fields the JSON has */
  int emit_clean_text;  /* add the cleaned text to the JSON output */
  int tsv;              /* write one tab-separated row per mention instead */
} nt_options;

/* Fill opts with the defaults: min_score 0.3, min_salience 0, all types,
 * all fields, JSON. */
void nt_options_init(nt_options *opts);

/* One input record.  text need not be NUL-terminated and may hold invalid
 * UTF-8; format says how to read it (zero: detect).  The metadata strings are NUL-terminated or NULL; source and line
 * say where the record came from (for messages and the output). */
/* What a record's text is written in. */
typedef enum nt_markup_format {
  NT_FORMAT_DETECT = 0,  /* decide from the content */
  NT_FORMAT_PLAIN = 1,   /* plain text (front matter is still read) */
  NT_FORMAT_HTML = 2,    /* a page or a fragment */
  NT_FORMAT_MARKDOWN = 3 /* markdown, with or without front matter */
} nt_markup_format;

typedef struct nt_record {
  const char *text;
  size_t len;
  nt_markup_format format;
  const char *id;
  const char *title;
  const char *url;
  const char *date;
  const char *source;
  long line;
} nt_record;

typedef struct nt_annotator nt_annotator;
typedef struct nt_result nt_result;

/* New annotator over lex (which must outlive it); opts may be NULL for the
 * defaults.  Returns NULL when out of memory.  Free with nt_annotator_free. */
nt_annotator *nt_annotator_new(const nt_lexicon *lex, const nt_options *opts);
void nt_annotator_free(nt_annotator *a);

/* Annotate one record.  *out points into the annotator (see above). */
nt_status nt_annotate(nt_annotator *a, const nt_record *rec,
                      const nt_result **out);

/* The result as one line of JSON, without the newline, NUL-terminated. */
const char *nt_result_json(const nt_result *r, size_t *len);

/* The cleaned text that matching ran over, and how many invalid UTF-8
 * sequences were replaced by U+FFFD. */
const char *nt_result_clean_text(const nt_result *r, size_t *len);
size_t nt_result_invalid_utf8(const nt_result *r);

/* A read-only view of one entity of a result. */
typedef struct nt_entity_view {
  nt_entity_type type;
  const char *id;
  const char *name;
  size_t mentions; /* mentions in headline, standfirst and body */
  double salience; /* 0..1 */
} nt_entity_view;

/* A read-only view of one mention: byte offsets into the original text. */
typedef struct nt_mention_view {
  size_t start, end;
  nt_zone zone;
  const char *alias; /* the lexicon alias that matched */
  const char *lexicon_file;
  long lexicon_line;
} nt_mention_view;

typedef struct nt_topic_view {
  const char *id;
  double score;
} nt_topic_view;

size_t nt_result_entity_count(const nt_result *r);
int nt_result_entity(const nt_result *r, size_t i, nt_entity_view *out);
size_t nt_result_mention_count(const nt_result *r, size_t entity);
int nt_result_mention(const nt_result *r, size_t entity, size_t i,
                      nt_mention_view *out);
/* Topics at or above min_score, highest first. */
size_t nt_result_topic_count(const nt_result *r);
int nt_result_topic(const nt_result *r, size_t i, nt_topic_view *out);

/* An error record as one line of JSON for a record that could not be read:
 * written into buf (NUL-terminated, truncated to cap).  Returns the length
 * it needed, like snprintf. */
size_t nt_error_json(char *buf, size_t cap, const char *source, long line,
                     const char *id, const char *message);

#ifdef __cplusplus
}
#endif

#endif /* NEWSTAG_H */
