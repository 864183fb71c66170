/*
 * emit.c - stage 5: writes one result as one line of JSON (schema in
 * README.md), with every offset mapped back to the original bytes, and the
 * error records for input that could not be read.
 *
 * The output is written straight into a buffer rather than through a cJSON
 * tree: building and printing a tree per record was a fifth of the run time
 * (number formatting through printf/sscanf, one malloc per node).  Strings
 * are escaped per RFC 8259; bytes that are not valid UTF-8 (possible in
 * metadata, never in cleaned text) are written as U+FFFD.
 *
 * Takes: nt_result (text, zones, matches, scores).  Gives: nt_result.json.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small JSON writer ------------------------------------------------ */

typedef struct jw {
  nt_buf *b;
  int err;
} jw;

static inline void raw(jw *w, const char *s, size_t n) {
  nt_buf *b = w->b;
  if (b->len + n < b->cap) { /* the common case: room for it and the NUL */
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
  } else if (!w->err && nt_buf_append(b, s, n) < 0) {
    w->err = 1;
  }
}

#define LIT(w, s) raw((w), "" s, sizeof(s) - 1) /* string literals only */

static void put(jw *w, const char *s) { raw(w, s, strlen(s)); }

/* Bytes at the start of s[0, n) in 8-byte words that JSON takes as they
 * are: printable ASCII other than '"' and '\\' (a multiple of 8). */
static size_t plain_words(const char *s, size_t n) {
  const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t x = nt_util_load8(s + k);
    /* a byte < 0x20 sets a high bit as the subtraction borrows there */
    if (((x - ones * 0x20) | x | nt_util_eq8(x, '"') | nt_util_eq8(x, '\\')) &
        high)
      break;
  }
  return k;
}

/* The escaped body of a JSON string, without its quotes. */
static void esc(jw *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (w->err || nt_buf_reserve(w->b, n + 2) < 0) {
    w->err = 1;
    return;
  }
  size_t i = 0;
  while (i < n) {
    size_t run = i + plain_words(s + i, n - i);
    while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != '"' &&
           s[run] != '\\' && (unsigned char)s[run] < 0x80)
      run++;
    raw(w, s + i, run - i);
    i = run;
    if (i >= n)
      break;
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      switch (c) {
      case '"': raw(w, "\\\"", 2); break;
      case '\\': raw(w, "\\\\", 2); break;
      case '\n': raw(w, "\\n", 2); break;
      case '\r': raw(w, "\\r", 2); break;
      case '\t': raw(w, "\\t", 2); break;
      default: raw(w, esc, 6); break;
      }
      i++;
      continue;
    }
    int32_t cp;
    size_t k = nt_util_utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (cp < 0)
      raw(w, "\xEF\xBF\xBD", 3);
    else
      raw(w, s + i, k);
    i += k;
  }
}

static void str(jw *w, const char *s, size_t n) {
  LIT(w, "\"");
  esc(w, s, n);
  LIT(w, "\"");
}

static void cstr(jw *w, const char *s) { str(w, s, strlen(s)); }

static void uint_(jw *w, size_t v) {
  char tmp[24];
  size_t k = sizeof tmp;
  do {
    tmp[--k] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  raw(w, tmp + k, sizeof tmp - k);
}

/* A number in 0..1000, rounded to 3 decimals, without trailing zeros. */
static void num3(jw *w, double x) {
  if (!(x >= 0)) /* NaN and negatives */
    x = 0;
  long long milli = llround(x * 1000);
  uint_(w, (size_t)(milli / 1000));
  int frac = (int)(milli % 1000);
  if (frac) {
    char d[4] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
                 (char)('0' + frac % 10)};
    size_t len = 4;
    while (d[len - 1] == '0')
      len--;
    raw(w, d, len);
  }
}

/* ,"key": for a key that needs no escaping */
static void key(jw *w, const char *k, int first) {
  if (!first)
    LIT(w, ",");
  LIT(w, "\"");
  put(w, k);
  LIT(w, "\":");
}

/* the same for a string literal k, in one piece */
#define KEY(w, k, first) \
  ((first) ? LIT((w), "\"" k "\":") : LIT((w), ",\"" k "\":"))

/* ---- record parts ------------------------------------------------------- */

/* "start":S,"end":E,"text":T of the clean span [cs, ce) in original bytes. */
static void span(jw *w, const nt_text *t, size_t cs, size_t ce) {
  size_t os, oe;
  nt_clean_span(t, cs, ce, &os, &oe);
  KEY(w, "start", 1);
  uint_(w, os);
  KEY(w, "end", 0);
  uint_(w, oe);
  KEY(w, "text", 0);
  str(w, t->orig + os, oe - os);
}

static void mention(jw *w, const nt_result *r, const nt_mention *x) {
  const nt_lexicon *lex = r->lex;
  const nt_pattern *p = &lex->patterns[x->pattern];
  span(w, r->text, x->start, x->end);
  KEY(w, "zone", 0);
  cstr(w, nt_zone_name(x->zone));
  KEY(w, "alias", 0);
  cstr(w, p->text);
  KEY(w, "lexicon", 0);
  LIT(w, "\"");
  esc(w, lex->files[p->file], strlen(lex->files[p->file]));
  LIT(w, ":");
  uint_(w, p->line);
  LIT(w, "\"");
}

static void entity_head(jw *w, const nt_entity *e) {
  KEY(w, "type", 1);
  cstr(w, nt_entity_type_name(e->type));
  KEY(w, "id", 0);
  cstr(w, e->id);
  KEY(w, "name", 0);
  cstr(w, e->name);
  if (e->category) {
    KEY(w, "category", 0);
    cstr(w, e->category);
  }
}

/* Is this entity reported under --only and --min-salience? */
int nt_emit_wanted(const nt_result *r, const nt_ent_result *er) {
  const nt_entity *e = &r->lex->entities[er->entity];
  return (r->opts->types & (1u << e->type)) && er->salience >= r->opts->min_salience;
}

static void entities(jw *w, const nt_result *r) {
  const nt_scores *s = r->scores;
  const nt_matches *m = r->matches;
  KEY(w, "entities", 0);
  LIT(w, "[");
  int first_ent = 1;
  for (size_t i = 0; i < s->nents; i++) {
    const nt_ent_result *er = &s->ents[i];
    if (!nt_emit_wanted(r, er))
      continue;
    put(w, first_ent ? "{" : ",{");
    first_ent = 0;
    entity_head(w, &r->lex->entities[er->entity]);
    KEY(w, "count", 0);
    uint_(w, er->count);
    KEY(w, "salience", 0);
    num3(w, er->salience);
    KEY(w, "mentions", 0);
    LIT(w, "[");
    int first = 1;
    for (size_t k = er->first; k < m->nents; k++) {
      const nt_mention *x = &m->ents[k];
      if (x->target != er->entity || x->dropped || x->zone == NT_ZONE_BOILERPLATE)
        continue;
      put(w, first ? "{" : ",{");
      first = 0;
      mention(w, r, x);
      LIT(w, "}");
    }
    LIT(w, "]}");
  }
  LIT(w, "]");
}

/* Mentions in boilerplate, kept so an analyst sees what was excluded. */
static void boilerplate(jw *w, const nt_result *r) {
  const nt_matches *m = r->matches;
  KEY(w, "boilerplate", 0);
  LIT(w, "[");
  int first = 1;
  for (size_t k = 0; k < m->nents; k++) {
    const nt_mention *x = &m->ents[k];
    if (x->dropped || x->zone != NT_ZONE_BOILERPLATE ||
        !(r->opts->types & (1u << r->lex->entities[x->target].type)))
      continue;
    put(w, first ? "{" : ",{");
    first = 0;
    entity_head(w, &r->lex->entities[x->target]);
    LIT(w, ",");
    mention(w, r, x);
    LIT(w, "}");
  }
  LIT(w, "]");
}

static void topics(jw *w, const nt_result *r) {
  const nt_scores *s = r->scores;
  const nt_lexicon *lex = r->lex;
  KEY(w, "topics", 0);
  LIT(w, "[");
  int first = 1;
  for (size_t i = 0; i < s->ntopics; i++) {
    const nt_topic_result *tr = &s->topics[i];
    if (tr->score < r->opts->min_score)
      continue;
    put(w, first ? "{" : ",{");
    first = 0;
    KEY(w, "id", 1);
    cstr(w, lex->topics[tr->topic].id);
    KEY(w, "score", 0);
    num3(w, tr->score);
    KEY(w, "evidence", 0);
    LIT(w, "[");
    for (size_t k = tr->ev_first; k < tr->ev_first + tr->ev_n; k++) {
      const nt_evidence *e = &s->evidence[k];
      const nt_pattern *p = &lex->patterns[e->pattern];
      put(w, k > tr->ev_first ? ",{" : "{");
      span(w, r->text, e->start, e->end);
      if (p->kind == NT_PK_CUE) {
        KEY(w, "cue", 0);
        cstr(w, p->text);
      } else {
        KEY(w, "entity", 0);
        cstr(w, lex->entities[p->target].id);
      }
      KEY(w, "weight", 0);
      num3(w, e->weight);
      LIT(w, "}");
    }
    LIT(w, "]}");
  }
  LIT(w, "]");
}

static void zones(jw *w, const nt_result *r) {
  const nt_zones *z = r->zones;
  KEY(w, "zones", 0);
  LIT(w, "[");
  int first = 1;
  /* consecutive lines of one zone and reason become one span */
  for (size_t i = 0; i < z->n;) {
    size_t j = i + 1;
    while (j < z->n && z->spans[j].zone == z->spans[i].zone &&
           z->spans[j].reason == z->spans[i].reason)
      j++;
    size_t os, oe;
    nt_clean_span(r->text, z->spans[i].start, z->spans[j - 1].end, &os, &oe);
    if (oe > os) {
      put(w, first ? "{" : ",{");
      first = 0;
      KEY(w, "zone", 1);
      cstr(w, nt_zone_name(z->spans[i].zone));
      if (z->spans[i].reason) {
        KEY(w, "reason", 0);
        cstr(w, z->spans[i].reason);
      }
      KEY(w, "start", 0);
      uint_(w, os);
      KEY(w, "end", 0);
      uint_(w, oe);
      LIT(w, "}");
    }
    i = j;
  }
  LIT(w, "]");
}

static void meta(jw *w, const char *id, const char *source, long line) {
  KEY(w, "schema", 1);
  uint_(w, NT_SCHEMA_VERSION);
  if (id) {
    KEY(w, "id", 0);
    cstr(w, id);
  }
  if (source) {
    KEY(w, "source", 0);
    cstr(w, source);
  }
  if (line > 0) {
    KEY(w, "line", 0);
    uint_(w, (size_t)line);
  }
}

static void opt_field(jw *w, const char *k, const char *v) {
  if (v) {
    key(w, k, 0);
    cstr(w, v);
  }
}

nt_status nt_emit_json(nt_result *r) {
  jw w = {&r->json, 0};
  const nt_record *rec = r->rec;
  r->json.len = 0;
  LIT(&w, "{");
  unsigned f = r->opts->fields ? r->opts->fields : NT_FIELD_ALL;
  meta(&w, rec->id, rec->source, rec->line);
  if (f & NT_FIELD_META) {
    opt_field(&w, "title", r->title);
    opt_field(&w, "url", r->url);
    opt_field(&w, "date", r->date);
    if (r->tags && r->tags_len) {
      key(&w, "tags", 0);
      LIT(&w, "[");
      for (size_t i = 0; i < r->tags_len; i += strlen(r->tags + i) + 1) {
        if (i)
          LIT(&w, ",");
        cstr(&w, r->tags + i);
      }
      LIT(&w, "]");
    }
  }
  if (f & NT_FIELD_ENTITIES)
    entities(&w, r);
  if (f & NT_FIELD_TOPICS)
    topics(&w, r);
  if ((f & NT_FIELD_TOPICS) && nt_relate_emit(r, w.b) < 0)
    w.err = 1;
  if (f & NT_FIELD_BOILERPLATE)
    boilerplate(&w, r);
  if (f & NT_FIELD_ZONES)
    zones(&w, r);
  if (f & NT_FIELD_STATS) {
    key(&w, "stats", 0);
    LIT(&w, "{\"bytes\":");
    uint_(&w, r->text->orig_len);
    LIT(&w, ",\"invalid_utf8\":");
    uint_(&w, r->text->invalid_utf8);
    LIT(&w, "}");
  }
  if (r->opts->emit_clean_text) {
    key(&w, "clean_text", 0);
    str(&w, r->text->clean.data, r->text->clean.len);
  }
  LIT(&w, "}");
  return w.err ? NT_ERR_NOMEM : NT_OK;
}

int nt_emit_string(nt_buf *out, const char *s, size_t n) {
  jw w = {out, 0};
  str(&w, s, n);
  return w.err ? -1 : 0;
}

int nt_emit_span(nt_buf *out, const nt_text *t, size_t cs, size_t ce) {
  jw w = {out, 0};
  span(&w, t, cs, ce);
  return w.err ? -1 : 0;
}

/* ---- TSV: one row per article mention ---------------------------------- */

/* A TSV field: tabs, newlines and carriage returns become spaces. */
static void tsv_field(jw *w, const char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t run = i;
    while (run < n && s[run] != '\t' && s[run] != '\n' && s[run] != '\r')
      run++;
    raw(w, s + i, run - i);
    if (run < n)
      LIT(w, " ");
    i = run + 1;
  }
}

static void tsv_num(jw *w, size_t v) { uint_(w, v); }

/* Columns: source, line, id, type, entity id, name, salience, zone, start,
 * end, text, alias, lexicon (see README).  A record without mentions gives
 * no row. */
nt_status nt_emit_tsv(nt_result *r) {
  jw w = {&r->json, 0};
  const nt_record *rec = r->rec;
  const nt_matches *m = r->matches;
  r->json.len = 0;
  for (size_t i = 0; i < r->scores->nents; i++) {
    const nt_ent_result *er = &r->scores->ents[i];
    const nt_entity *e = &r->lex->entities[er->entity];
    if (!nt_emit_wanted(r, er))
      continue;
    for (size_t k = er->first; k < m->nents; k++) {
      const nt_mention *x = &m->ents[k];
      if (x->target != er->entity || x->dropped || x->zone == NT_ZONE_BOILERPLATE)
        continue;
      const nt_pattern *p = &r->lex->patterns[x->pattern];
      size_t os, oe;
      nt_clean_span(r->text, x->start, x->end, &os, &oe);
      if (r->json.len)
        LIT(&w, "\n");
      const char *src = rec->source ? rec->source : "";
      tsv_field(&w, src, strlen(src));
      LIT(&w, "\t");
      tsv_num(&w, rec->line > 0 ? (size_t)rec->line : 0);
      LIT(&w, "\t");
      tsv_field(&w, rec->id ? rec->id : "", rec->id ? strlen(rec->id) : 0);
      LIT(&w, "\t");
      put(&w, nt_entity_type_name(e->type));
      LIT(&w, "\t");
      tsv_field(&w, e->id, strlen(e->id));
      LIT(&w, "\t");
      tsv_field(&w, e->name, strlen(e->name));
      LIT(&w, "\t");
      num3(&w, er->salience);
      LIT(&w, "\t");
      put(&w, nt_zone_name(x->zone));
      LIT(&w, "\t");
      tsv_num(&w, os);
      LIT(&w, "\t");
      tsv_num(&w, oe);
      LIT(&w, "\t");
      tsv_field(&w, r->text->clean.data + x->start, x->end - x->start);
      LIT(&w, "\t");
      tsv_field(&w, p->text, strlen(p->text));
      LIT(&w, "\t");
      put(&w, r->lex->files[p->file]);
      LIT(&w, ":");
      uint_(&w, p->line);
    }
  }
  if (!r->json.data && nt_buf_reserve(&r->json, 1) < 0)
    return NT_ERR_NOMEM;
  return w.err ? NT_ERR_NOMEM : NT_OK;
}

size_t nt_error_json(char *buf, size_t cap, const char *source, long line,
                     const char *id, const char *message) {
  nt_buf b = {0};
  jw w = {&b, 0};
  LIT(&w, "{");
  meta(&w, id, source, line);
  opt_field(&w, "error", message ? message : "error");
  LIT(&w, ",\"entities\":[],\"topics\":[]}");
  size_t n = w.err ? 0 : b.len;
  if (cap) {
    size_t k = n < cap - 1 ? n : cap - 1;
    if (k)
      memcpy(buf, b.data, k);
    buf[k] = '\0';
  }
  nt_buf_free(&b);
  return n;
}
