/*
 * internal.h - types shared by the stages of libnewstag (not installed).
 *
 * The pipeline for one record:
 *   input (input.c)  -> raw bytes of the article + metadata
 *   clean (clean.c)  -> cleaned text + map back to the raw bytes
 *   match (match.c)  -> the trie pass: candidates, and the heads of zone
 *                       rules and topic patterns (nt_match_scan)
 *   zone  (zone.c)   -> headline / body / boilerplate spans of the cleaned text
 *   match (match.c)  -> entity mentions and topic cues (nt_match_run)
 *   score (score.c)  -> topic scores with evidence, entity salience
 *   emit  (emit.c)   -> one JSON line
 * The lexicon (lexicon.c) is loaded once and shared read-only.
 */
#ifndef NT_INTERNAL_H
#define NT_INTERNAL_H

#include "newstag.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- util.c ---------------------------------------------------------- */

/* A growable byte buffer; always NUL-terminated when data != NULL. */
typedef struct nt_buf {
  char *data;
  size_t len, cap;
} nt_buf;

int nt_buf_reserve(nt_buf *b, size_t extra); /* 0 ok, -1 out of memory */
int nt_buf_append(nt_buf *b, const void *p, size_t n);
int nt_buf_putc(nt_buf *b, char c);
char *nt_util_strdup(const char *s); /* NULL for NULL or out of memory */
/* Eight bytes at a time (SWAR): a word of 8 bytes from s, and per byte of x
 * 0x80 where it equals c (exact: no carries between bytes). */
static inline uint64_t nt_util_load8(const char *s) {
  uint64_t x;
  memcpy(&x, s, 8);
  return x;
}
static inline uint64_t nt_util_eq8(uint64_t x, unsigned char c) {
  const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
  x ^= 0x0101010101010101ull * c;
  return ~(((x & low7) + low7) | x | low7);
}
#if defined(__SSE2__)
/* Sixteen bytes at a time: 0xFF where a byte of v is in [lo, lo + n]. */
static inline __m128i nt_util_in_range16(__m128i v, char lo, char n) {
  __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(lo));
  return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(n)), d);
}
/* The sum of the two 64-bit lanes of v (as psadbw leaves its sums). */
static inline uint64_t nt_util_sum_lanes(__m128i v) {
  uint64_t lanes[2];
  _mm_storeu_si128((__m128i *)lanes, v);
  return lanes[0] + lanes[1];
}
#endif
/* Words (runs of bytes other than space, tab and newline) in s[a, b). */
size_t nt_util_count_words(const char *s, size_t a, size_t b);
/* Narrow [*a, *b) of s past spaces and tabs at both ends. */
void nt_util_trim(const char *s, size_t *a, size_t *b);
void nt_buf_free(nt_buf *b);

/* Grow an array *arr of *cap elements of size elem to hold need elements.
 * Returns 0, or -1 when out of memory (the old array is kept). */
int nt_util_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* Sort n elements of size bytes at base, stably: before(y, x, ctx) says
 * whether y goes before x (qsort has no context argument in C11, and is not
 * stable).  0, or -1 when out of memory (base unchanged). */
int nt_util_sort(void *base, size_t n, size_t size,
                 int (*before)(const void *y, const void *x, const void *ctx),
                 const void *ctx);

/* Decode one UTF-8 sequence at s[0..n). Returns its length (1..4) and the
 * code point in *cp; invalid or truncated sequences return the length of the
 * bad prefix (at least 1) with *cp = -1. */
size_t nt_util_utf8_decode(const unsigned char *s, size_t n, int32_t *cp);
/* Encode cp into out (at least 4 bytes); returns the length. */
size_t nt_util_utf8_encode(int32_t cp, char *out);
/* Letters, digits and combining marks are word characters. */
int nt_util_is_word_cp(int32_t cp);
int nt_util_is_upper_cp(int32_t cp);
int nt_util_is_lower_cp(int32_t cp);
/* The code point that ends just before s[pos] (-1 at the start). */
int32_t nt_util_cp_before(const char *s, size_t pos);
int32_t nt_util_cp_at(const char *s, size_t len, size_t pos);

/* Fold text for matching: case folding, compatibility decomposition and
 * removal of combining marks.  Appends to out; when map is not NULL,
 * (*map)[k] receives, for every output byte k, the offset of the input code
 * point it came from (plus base).  Returns 0 or -1 (out of memory). */
int nt_util_fold(const char *s, size_t n, nt_buf *out, size_t **map,
                 size_t *mapcap, size_t base);

void nt_error_set(nt_error *err, nt_status st, const char *file, long line,
                  const char *fmt, ...);

/* ---- lexicon.c ------------------------------------------------------- */

enum {
  NT_AF_EXACT = 1u << 0,
  NT_AF_NOCASE = 1u << 1,
  NT_AF_DEMONYM = 1u << 2,
  NT_AF_SHARED = 1u << 3,
  NT_AF_CONTEXT = 1u << 4,
  NT_AF_PERSON = 1u << 5,
  NT_AF_NOPLURAL = 1u << 6,
  NT_AF_STEM = 1u << 7,
  NT_AF_CAPSWORD = 1u << 12, /* a word too: in capitals it needs support */
  NT_AF_ANCHOR = 1u << 13,   /* a head of a topic pattern: may end in a word */
  /* derived at load time */
  NT_AF_PLURAL = 1u << 8,
  NT_AF_ACRONYM = 1u << 9,
  NT_AF_UPPER1 = 1u << 10,
  NT_AF_DISABLED = 1u << 11
};

typedef enum nt_pattern_kind {
  NT_PK_ALIAS = 0, /* target: entity index */
  NT_PK_STOP = 1,  /* target: unused */
  NT_PK_CUE = 2,   /* target: topic index */
  NT_PK_PREFIX = 3, /* a word that makes a following alias part of a name */
  NT_PK_SUFFIX = 4, /* a word that makes a preceding alias part of a name */
  NT_PK_ANCHOR = 5, /* a head of a topic pattern; target: index in topic_res */
  NT_PK_ZONE_ANCHOR = 6 /* a head of a zone rule; target: index in zone_rules */
} nt_pattern_kind;

typedef struct nt_entity {
  char *id, *name, *attrs; /* attrs: "k=v;k=v" as written */
  char *category, *country, *lists;
  nt_entity_type type;
  uint32_t file, line;
} nt_entity;

typedef struct nt_pattern {
  char *text;   /* as written in the lexicon */
  char *folded; /* key in the automaton */
  uint32_t kind, target, flags;
  uint32_t file, line;
  uint32_t next_same; /* next pattern with the same key, or UINT32_MAX */
  uint32_t flen;      /* length of folded */
  double weight;      /* cues */
} nt_pattern;

typedef struct nt_topic_rule { /* "entity" lines of topics.tsv */
  uint32_t topic;
  nt_entity_type type;
  char *key, *value; /* NULL when the rule matches the whole type */
  double weight;
} nt_topic_rule;

typedef struct nt_topic {
  char *id, *label;
  double scale; /* score = 1 - exp(-evidence / scale) */
} nt_topic;

typedef enum nt_zone_rule_kind {
  NT_ZR_TAIL = 0,
  NT_ZR_LINE = 1,
  NT_ZR_TEASER_END = 2,
  NT_ZR_TAGLINE = 3,
  NT_ZR_CLASS = 4 /* an HTML class or id naming boilerplate */
} nt_zone_rule_kind;

typedef struct nt_regex_rule {
  int kind;
  int gated; /* runs only where the trie found one of its heads */
  int first;  /* the byte every match begins with, one without another
               * case (pcre2_pattern_info), or -1: a text without it has
               * no match */
  void *code; /* pcre2_code_8 *, as compiled (not JIT) */
  char *replacement, *reason;
  _Atomic(void *) jit; /* what nt_lexicon_rule_code returns, once known */
} nt_regex_rule;

/* The pcre2 code (const pcre2_code_8 *) to match rule r with: every
 * pcre2_match of a zone, cleaning or topic rule takes it from here.  The
 * rule is JIT-compiled on its first use (a copy of code, by whichever
 * thread gets there first). */
const void *nt_lexicon_rule_code(const nt_regex_rule *r);

/* The alias trie over folded patterns, flattened breadth first so that the
 * children of a node are contiguous and sorted by byte.  Matching walks it
 * from every word start (match.c); a node is one 12-byte record, so that a
 * step of the walk reads one place in memory. */
typedef struct nt_trie_node {
  uint32_t child;  /* index of its first child */
  uint32_t out;    /* first pattern whose key ends here, or UINT32_MAX */
  uint16_t nchild; /* number of children */
  uint8_t ext;     /* 1 if a pattern here may run on (plural, stem, head) */
  uint8_t unused;
} nt_trie_node;

typedef struct nt_trie {
  uint32_t root[256]; /* child of the root for each byte, or UINT32_MAX */
  nt_trie_node *node;
  uint8_t *byte; /* node -> the byte that leads to it: a node's children's
                  * bytes are contiguous, searched 16 at a time */
  uint32_t nnodes;
} nt_trie;

/* A file or directory the lexicon was read from, as it was then: a
 * snapshot whose sources changed is stale (snapshot.c). */
typedef struct nt_source {
  char *path; /* absolute */
  int64_t size, mtime_s, mtime_ns;
} nt_source;

/* A lexicon line that compiles to regexes: zone, cleaning and relation
 * rules, and topic patterns that stay pcre2.  A snapshot stores these lines
 * and compiles them again at load (nt_lexicon_compile_regexes). */
typedef struct nt_regex_line {
  char *text; /* the line as read */
  uint32_t file, line;
  uint32_t kind;          /* lexicon.c's kind of file */
  uint32_t first_pattern; /* lex->npatterns before the line was loaded */
  uint32_t gated; /* its zone rule or topic pattern has heads (the anchor
                   * patterns it added): nt_regex_rule.gated, and a topic
                   * pattern is compiled anchored */
  uint32_t unused;
} nt_regex_line;

struct nt_lexicon {
  char **files; /* file names, for file:line in mentions */
  size_t nfiles, filecap;
  nt_source *sources; /* each file as read (nfiles of them) */
  size_t sourcecap;
  nt_source *dirs; /* the lexicon directories */
  size_t ndirs, dircap;
  nt_regex_line *regex_lines;
  size_t nregex_lines, regex_linecap;
  /* set when loaded from a snapshot: the file's mapping, and the copy of
   * its arrays with strings (snapshot.c) */
  struct nt_mapping {
    void *base, *copy;
    size_t size, copy_size;
  } snapshot;
  nt_entity *entities;
  size_t nentities, entcap;
  nt_pattern *patterns;
  size_t npatterns, patcap;
  nt_topic *topics;
  size_t ntopics, topiccap;
  nt_topic_rule *rules;
  size_t nrules, rulecap;
  nt_regex_rule *zone_rules;
  size_t nzone_rules, zonecap;
  nt_regex_rule *clean_rules;
  size_t nclean_rules, cleancap;
  nt_regex_rule *topic_res; /* topics.tsv `pattern` lines; kind: the index
                             * of their nt_pattern (weight, topic, text) */
  size_t ntopic_res, topic_recap;
  nt_trie trie;
  /* word lists of stopwords.tsv, folded and sorted: NT_WL_NOTNAME words
   * that are not personal names, NT_WL_ORGWORD words that end the name of
   * an organisation ("Board", "Society") */
  struct nt_wordlist {
    char **words;
    size_t n, cap;
  } wordlists[2];
  struct nt_relate_rules *relate; /* relations.tsv (relate.c) */
  size_t type_count[NT_ENTITY_TYPES];
};

int nt_lexicon_entity_has(const nt_entity *e, const char *key,
                          const char *value);

enum { NT_WL_NOTNAME = 0, NT_WL_ORGWORD = 1 };
int nt_lexicon_has_word(const nt_lexicon *lex, int list, const char *s,
                        size_t n);

/* Compile the regex lines of a lexicon from a snapshot again (its zone,
 * cleaning and topic pattern rules; relation rules are only expanded, and
 * compiled on their first use); 0 or -1 with err.  Reads files, topics and
 * regex_lines; sets only the regex rules. */
int nt_lexicon_compile_regexes(nt_lexicon *lex, nt_error *err);

/* ---- snapshot.c: the lexicon as one binary file ------------------------- */

enum { NT_SNAP_NO_SOURCE_CHECK = 1 }; /* nt_snapshot_load: trust the sources */

/* Write lex to path (a temporary file, then renamed).  stamp names the
 * writer beyond the newstag version (NULL: none); a snapshot loads only
 * with the same stamp.  0, or -1 with err. */
int nt_snapshot_write(const nt_lexicon *lex, const char *path,
                      const char *stamp, nt_error *err);
nt_status nt_snapshot_load(const char *path, const char *stamp, unsigned flags,
                           nt_lexicon **out, nt_error *err);
void nt_snapshot_unmap(nt_lexicon *lex); /* for nt_lexicon_free */
uint64_t nt_snapshot_checksum(const void *data, size_t n);

/* ---- match.c: the trie ---------------------------------------------- */

int nt_match_build(nt_lexicon *lex, nt_error *err);
void nt_match_free_trie(nt_trie *tr);

/* ---- per-record state -------------------------------------------------- */

/* markup.c: HTML, markdown and front matter as edits of the original. */
typedef struct nt_edit {
  size_t start, end;   /* original range replaced */
  size_t rstart, rlen; /* replacement bytes (in the owner's buffer) */
} nt_edit;

#define NT_HINT_LINK 10 /* a hint's zone for the text of a link */

typedef struct nt_hint {
  size_t start, end; /* original offsets */
  int zone;          /* nt_zone, or NT_HINT_LINK */
  const char *reason;
} nt_hint;

typedef struct nt_open_element {
  char name[16];
  size_t start;
  const char *reason;
  int zone;
} nt_open_element;

enum { NT_MARKUP_AUTO = 0, NT_MARKUP_TEXT = 1, NT_MARKUP_HTML = 2,
       NT_MARKUP_MARKDOWN = 3 };

typedef struct nt_markup {
  nt_edit *edits; /* sorted by start */
  size_t nedits, editcap;
  nt_buf repl;
  nt_hint *hints;
  size_t nhints, hintcap;
  nt_buf title, url, date; /* metadata found in the document */
  nt_buf tags;             /* tags, each followed by a NUL byte */
  nt_open_element *stack;
  size_t depth, stackcap;
  nt_buf tmp;
} nt_markup;

int nt_markup_detect(const char *s, size_t n);
nt_status nt_markup_scan(nt_markup *mk, const nt_lexicon *lex, void *md,
                         int format, const char *s, size_t n);
void nt_markup_reset(nt_markup *mk);
void nt_markup_free(nt_markup *mk);

/* clean.c: the cleaned text and its map back to the original bytes. */
typedef struct nt_text {
  const char *orig;
  size_t orig_len;
  nt_buf clean;
  size_t *map; /* map[i]: original offset of clean byte i; map[len] = orig_len;
                * read it with nt_text_orig */
  size_t mapcap;
  size_t ident; /* map[i] = i for i < ident, not stored: the start of the
                 * text that cleaning left as it was (most ASCII news) */
  nt_edit *edits; /* markup and cleaning-rule edits, merged */
  size_t nedits, editcap;
  size_t *cuts; /* original offsets of characters removed (zero width) */
  size_t ncuts, cutcap;
  int in_replacement;
  size_t invalid_utf8;
  nt_buf scratch;
} nt_text;

/* The original offset of clean byte k (k = clean.len: orig_len). */
static inline size_t nt_text_orig(const nt_text *t, size_t k) {
  return k < t->ident ? k : t->map[k];
}

/* zone.c: one span per line of cleaned text. */
typedef struct nt_zone_span {
  size_t start, end; /* clean offsets, end excludes the newline */
  nt_zone zone;
  const char *reason;
} nt_zone_span;

typedef struct nt_zones {
  nt_zone_span *spans;
  size_t n, cap;
} nt_zones;

/* match.c: mentions and cues. */
typedef struct nt_mention {
  size_t start, end; /* clean offsets */
  uint32_t pattern;  /* index into lex->patterns */
  uint32_t target;   /* resolved entity or topic */
  nt_zone zone;
  int dropped; /* 0 kept; 1 dropped; 2 dropped as part of a person name */
} nt_mention;

typedef struct nt_matches {
  nt_buf folded;
  size_t *fmap; /* folded byte -> clean offset; NULL: the same offset */
  size_t *fmap_buf, fmapcap; /* fmap's memory */
  nt_mention *cand;
  size_t ncand, candcap;
  nt_mention *ents; /* selected entity mentions, sorted by start */
  size_t nents, entcap;
  nt_mention *cues; /* selected cue mentions */
  size_t ncues, cuecap;
  nt_mention *affixes; /* selected prefix and suffix words */
  size_t naffixes, affixcap;
  uint32_t *root2; /* the trie node of every first two bytes (match.c) */
  uint8_t *gate2;  /* flags of every first two bytes (match.c: the gate) */
  uint64_t *gate;  /* bit set of the keys' first four (or three) bytes */
  unsigned gate_shift; /* 32 - log2 of the set's bits */
  uint8_t lead[4]; /* bytes, not of words, that begin a key (match.c) */
  int nlead;       /* how many; -1: more than four */
  nt_mention *anchors; /* heads of topic patterns and zone rules, by start
                        * (target: the rule) */
  size_t nanchors, anchorcap;
  uint8_t *plain; /* entity -> named by an unflagged alias (match.c) */
  size_t plaincap, plain_init;
  uint32_t *touched;
  size_t ntouched, touchedcap;
  size_t style_a, style_b; /* the line whose headline style is known */
  int style, style_valid;
} nt_matches;

/* score.c: per-entity and per-topic results. */
typedef struct nt_ent_result {
  uint32_t entity;
  size_t count;       /* article mentions */
  size_t first;       /* index of its first mention in matches.ents */
  double salience;
  int in_headline, in_lead, in_evidence;
} nt_ent_result;

typedef struct nt_evidence {
  size_t start, end; /* clean offsets */
  uint32_t pattern;  /* cue or alias pattern */
  double weight;
} nt_evidence;

typedef struct nt_topic_result {
  uint32_t topic;
  double raw, score;
  size_t ev_first, ev_n; /* into scores.evidence */
} nt_topic_result;

/* score.c scratch: one topic cue found in the text (trie or pattern). */
typedef struct nt_topic_hit {
  size_t start, end; /* clean offsets */
  uint32_t pattern;  /* index into lex->patterns */
  uint32_t topic;
  uint32_t rank; /* earlier occurrences of the same cue (lexicon line) */
  nt_zone zone;
} nt_topic_hit;

typedef struct nt_scores {
  nt_ent_result *ents;
  size_t nents, entcap;
  nt_topic_result *topics;
  size_t ntopics, topiccap;
  nt_evidence *evidence;
  size_t nevidence, evcap;
  uint32_t *ent_index; /* entity -> index in ents + 1, 0 if none */
  size_t ent_index_cap;
  nt_topic_hit *hits; /* scratch: cues and pattern matches of this record */
  size_t nhits, hitcap;
  void *md; /* pcre2_match_data_8 * for topic patterns (this thread's) */
} nt_scores;

/* relate.c: arms-transfer relations found in this record. */
typedef struct nt_relation {
  uint32_t supplier, recipient, system; /* entity indexes, UINT32_MAX if none */
  int status;                           /* nt_relate_status_name() */
  size_t quantity;                      /* 0 if not stated */
  size_t start, end;                    /* clean offsets of the evidence */
} nt_relation;

typedef struct nt_relations {
  nt_relation *items;
  size_t n, cap;
  void *scratch; /* relate.c's own per-thread state */
} nt_relations;

struct nt_result {
  const nt_record *rec;
  const char *title, *url, *date; /* the record's, or found in the markup */
  const char *tags;               /* NUL-separated, tags_len bytes */
  size_t tags_len;
  const nt_lexicon *lex;
  const nt_options *opts;
  nt_text *text;
  nt_zones *zones;
  nt_matches *matches;
  nt_scores *scores;
  nt_relations *relations;
  nt_buf json;
};

struct nt_annotator {
  const nt_lexicon *lex;
  nt_options opts;
  nt_markup markup;
  nt_text text;
  nt_zones zones;
  nt_matches matches;
  nt_scores scores;
  nt_relations relations;
  nt_result result;
  void *match_data; /* pcre2_match_data_8 * for zone and clean rules */
};

/* Stage entry points; each returns NT_OK or NT_ERR_NOMEM. */
nt_status nt_clean_run(nt_text *t, const nt_lexicon *lex, void *md,
                       const nt_markup *mk, const char *orig, size_t len);
void nt_clean_free(nt_text *t);
/* Original byte range of the clean range [cs, ce). */
void nt_clean_span(const nt_text *t, size_t cs, size_t ce, size_t *os,
                   size_t *oe);

/* m: the heads of zone rules found by nt_match_scan, or NULL to try every
 * rule on every line. */
nt_status nt_zone_split(nt_zones *z, const nt_lexicon *lex, void *md,
                        const nt_text *t, const nt_markup *mk,
                        const nt_matches *m);
void nt_zone_free(nt_zones *z);
nt_zone nt_zone_at(const nt_zones *z, size_t clean_off);

/* The trie pass (candidates and anchors), before zoning; then the rules
 * that need the zones. */
nt_status nt_match_scan(nt_matches *m, const nt_lexicon *lex, const nt_text *t);
nt_status nt_match_run(nt_matches *m, const nt_lexicon *lex,
                       const nt_text *t, const nt_zones *z);
void nt_match_free(nt_matches *m);

nt_status nt_score_run(nt_scores *s, const nt_lexicon *lex,
                       const nt_matches *m, const nt_zones *z,
                       const nt_text *t, const nt_options *opts);
void nt_score_free(nt_scores *s);

nt_status nt_emit_json(nt_result *r);
nt_status nt_emit_tsv(nt_result *r); /* rows without the final newline */
int nt_emit_wanted(const nt_result *r, const nt_ent_result *er);

/* relate.c: loading relations.tsv lines (f: the tab-separated fields),
 * finding relations in one record, and writing them as JSON. */
int nt_relate_load_line(nt_lexicon *lex, char **f, size_t n, nt_error *err,
                        const char *file, long line); /* 0 or -1 with err */
void nt_relate_free_rules(nt_lexicon *lex);
/* Relation rules loaded from now on are compiled on their first use (a
 * snapshot's: they compiled when it was written); 0 or -1. */
int nt_relate_lazy(nt_lexicon *lex);
nt_status nt_relate_run(nt_relations *rel, const nt_lexicon *lex,
                        const nt_matches *m, const nt_zones *z,
                        const nt_text *t, void *md);
void nt_relate_free(nt_relations *rel);
const char *nt_relate_status_name(int status);
/* Appends ,"relations":[...] to out; -1 when out of memory. */
int nt_relate_emit(const nt_result *r, nt_buf *out);

/* emit.c helpers for other emitters: a JSON string, and
 * "start":S,"end":E,"text":T for the clean span [cs, ce). */
int nt_emit_string(nt_buf *out, const char *s, size_t n);
int nt_emit_span(nt_buf *out, const nt_text *t, size_t cs, size_t ce);

/* review.c: the HTML review page, written to out record by record. */
typedef struct nt_review nt_review;
nt_review *nt_review_open(FILE *out); /* NULL when out of memory */
void nt_review_add(nt_review *rv, const char *json, size_t json_len,
                   const char *text, size_t text_len);
int nt_review_close(nt_review *rv); /* frees rv; -1 on a write error */

#endif /* NT_INTERNAL_H */
