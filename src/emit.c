/*
 * emit.c - stage 5: writes one result as one line of JSON (schema in
 * README.md and schema/newstag.schema.json), with every offset mapped back
 * to the original bytes, and error records for unreadable input.
 *
 * Takes: nt_result (text, zones, matches, scores).  Gives: nt_result.json.
 */
#include "internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* cJSON strings are NUL-terminated: original bytes with a NUL or invalid
 * UTF-8 in a mention are written through the cleaned text instead. */
static cJSON *bytes_string(const char *p, size_t n) {
  char stackbuf[256];
  char *s = n < sizeof stackbuf ? stackbuf : malloc(n + 1);
  if (!s)
    return NULL;
  memcpy(s, p, n);
  s[n] = '\0';
  cJSON *j = cJSON_CreateString(s);
  if (s != stackbuf)
    free(s);
  return j;
}

static int valid_utf8_no_nul(const char *p, size_t n) {
  for (size_t i = 0; i < n;) {
    int32_t cp;
    size_t k = nt_util_utf8_decode((const unsigned char *)p + i, n - i, &cp);
    if (cp <= 0)
      return 0;
    i += k;
  }
  return 1;
}

/* {"start","end","text"} of the clean span [cs, ce) in original bytes. */
static int add_span(cJSON *obj, const nt_text *t, size_t cs, size_t ce) {
  size_t os, oe;
  nt_clean_span(t, cs, ce, &os, &oe);
  cJSON_AddNumberToObject(obj, "start", (double)os);
  cJSON_AddNumberToObject(obj, "end", (double)oe);
  cJSON *txt = valid_utf8_no_nul(t->orig + os, oe - os)
                   ? bytes_string(t->orig + os, oe - os)
                   : bytes_string(t->clean.data + cs, ce - cs);
  return txt && cJSON_AddItemToObject(obj, "text", txt) ? 0 : -1;
}

static double round3(double x) { return round(x * 1000) / 1000; }

static cJSON *mention_json(const nt_result *r, const nt_mention *x) {
  const nt_lexicon *lex = r->lex;
  const nt_pattern *p = &lex->patterns[x->pattern];
  cJSON *o = cJSON_CreateObject();
  if (!o || add_span(o, r->text, x->start, x->end) < 0) {
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_AddStringToObject(o, "zone", nt_zone_name(x->zone));
  cJSON_AddStringToObject(o, "alias", p->text);
  char where[600];
  snprintf(where, sizeof where, "%s:%u", lex->files[p->file], p->line);
  cJSON_AddStringToObject(o, "lexicon", where);
  return o;
}

static cJSON *entity_json(const nt_result *r, uint32_t entity) {
  const nt_entity *e = &r->lex->entities[entity];
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "type", nt_entity_type_name(e->type));
  cJSON_AddStringToObject(o, "id", e->id);
  cJSON_AddStringToObject(o, "name", e->name);
  if (e->category)
    cJSON_AddStringToObject(o, "category", e->category);
  return o;
}

static int entities_json(const nt_result *r, cJSON *root) {
  const nt_scores *s = r->scores;
  const nt_matches *m = r->matches;
  cJSON *arr = cJSON_AddArrayToObject(root, "entities");
  for (size_t i = 0; arr && i < s->nents; i++) {
    const nt_ent_result *er = &s->ents[i];
    cJSON *o = entity_json(r, er->entity);
    cJSON_AddNumberToObject(o, "count", (double)er->count);
    cJSON_AddNumberToObject(o, "salience", round3(er->salience));
    cJSON *ms = cJSON_AddArrayToObject(o, "mentions");
    for (size_t k = er->first; k < m->nents; k++) {
      const nt_mention *x = &m->ents[k];
      if (x->target == er->entity && !x->dropped &&
          x->zone != NT_ZONE_BOILERPLATE)
        cJSON_AddItemToArray(ms, mention_json(r, x));
    }
    cJSON_AddItemToArray(arr, o);
  }
  return arr ? 0 : -1;
}

/* Mentions in boilerplate, kept so an analyst sees what was excluded. */
static int boilerplate_json(const nt_result *r, cJSON *root) {
  const nt_matches *m = r->matches;
  cJSON *arr = cJSON_AddArrayToObject(root, "boilerplate");
  for (size_t k = 0; arr && k < m->nents; k++) {
    const nt_mention *x = &m->ents[k];
    if (x->dropped || x->zone != NT_ZONE_BOILERPLATE)
      continue;
    cJSON *o = entity_json(r, x->target);
    cJSON *mj = mention_json(r, x);
    cJSON *c;
    cJSON_ArrayForEach(c, mj) {
      if (!cJSON_GetObjectItemCaseSensitive(o, c->string))
        cJSON_AddItemToObject(o, c->string, cJSON_Duplicate(c, 1));
    }
    cJSON_Delete(mj);
    cJSON_AddItemToArray(arr, o);
  }
  return arr ? 0 : -1;
}

static int topics_json(const nt_result *r, cJSON *root) {
  const nt_scores *s = r->scores;
  const nt_lexicon *lex = r->lex;
  cJSON *arr = cJSON_AddArrayToObject(root, "topics");
  for (size_t i = 0; arr && i < s->ntopics; i++) {
    const nt_topic_result *tr = &s->topics[i];
    if (tr->score < r->opts->min_score)
      continue;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", lex->topics[tr->topic].id);
    cJSON_AddNumberToObject(o, "score", round3(tr->score));
    cJSON *ev = cJSON_AddArrayToObject(o, "evidence");
    for (size_t k = tr->ev_first; k < tr->ev_first + tr->ev_n; k++) {
      const nt_evidence *e = &s->evidence[k];
      const nt_pattern *p = &lex->patterns[e->pattern];
      cJSON *eo = cJSON_CreateObject();
      add_span(eo, r->text, e->start, e->end);
      if (p->kind == NT_PK_CUE)
        cJSON_AddStringToObject(eo, "cue", p->text);
      else
        cJSON_AddStringToObject(eo, "entity", lex->entities[p->target].id);
      cJSON_AddNumberToObject(eo, "weight", round3(e->weight));
      cJSON_AddItemToArray(ev, eo);
    }
    cJSON_AddItemToArray(arr, o);
  }
  return arr ? 0 : -1;
}

static int zones_json(const nt_result *r, cJSON *root) {
  const nt_zones *z = r->zones;
  cJSON *arr = cJSON_AddArrayToObject(root, "zones");
  /* consecutive lines of one zone and reason become one span */
  for (size_t i = 0; arr && i < z->n;) {
    size_t j = i + 1;
    while (j < z->n && z->spans[j].zone == z->spans[i].zone &&
           z->spans[j].reason == z->spans[i].reason)
      j++;
    size_t os, oe;
    nt_clean_span(r->text, z->spans[i].start, z->spans[j - 1].end, &os, &oe);
    if (oe > os) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "zone", nt_zone_name(z->spans[i].zone));
      if (z->spans[i].reason)
        cJSON_AddStringToObject(o, "reason", z->spans[i].reason);
      cJSON_AddNumberToObject(o, "start", (double)os);
      cJSON_AddNumberToObject(o, "end", (double)oe);
      cJSON_AddItemToArray(arr, o);
    }
    i = j;
  }
  return arr ? 0 : -1;
}

static void add_meta(cJSON *root, const nt_record *rec) {
  cJSON_AddNumberToObject(root, "schema", NT_SCHEMA_VERSION);
  if (rec->id)
    cJSON_AddStringToObject(root, "id", rec->id);
  if (rec->source)
    cJSON_AddStringToObject(root, "source", rec->source);
  if (rec->line > 0)
    cJSON_AddNumberToObject(root, "line", (double)rec->line);
  if (rec->title)
    cJSON_AddStringToObject(root, "title", rec->title);
  if (rec->url)
    cJSON_AddStringToObject(root, "url", rec->url);
  if (rec->date)
    cJSON_AddStringToObject(root, "date", rec->date);
}

static nt_status finish(nt_buf *out, cJSON *root) {
  char *js = root ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (!js)
    return NT_ERR_NOMEM;
  out->len = 0;
  int rc = nt_buf_append(out, js, strlen(js));
  cJSON_free(js);
  return rc < 0 ? NT_ERR_NOMEM : NT_OK;
}

nt_status nt_emit_json(nt_result *r) {
  cJSON *root = cJSON_CreateObject();
  if (!root)
    return NT_ERR_NOMEM;
  add_meta(root, r->rec);
  if (entities_json(r, root) < 0 || topics_json(r, root) < 0 ||
      boilerplate_json(r, root) < 0 || zones_json(r, root) < 0) {
    cJSON_Delete(root);
    return NT_ERR_NOMEM;
  }
  cJSON *stats = cJSON_AddObjectToObject(root, "stats");
  cJSON_AddNumberToObject(stats, "bytes", (double)r->text->orig_len);
  cJSON_AddNumberToObject(stats, "invalid_utf8", (double)r->text->invalid_utf8);
  if (r->opts->emit_clean_text)
    cJSON_AddStringToObject(root, "clean_text", r->text->clean.data);
  return finish(&r->json, root);
}

size_t nt_error_json(char *buf, size_t cap, const char *source, long line,
                     const char *id, const char *message) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddNumberToObject(root, "schema", NT_SCHEMA_VERSION);
  if (id)
    cJSON_AddStringToObject(root, "id", id);
  if (source)
    cJSON_AddStringToObject(root, "source", source);
  if (line > 0)
    cJSON_AddNumberToObject(root, "line", (double)line);
  cJSON_AddStringToObject(root, "error", message ? message : "error");
  cJSON_AddArrayToObject(root, "entities");
  cJSON_AddArrayToObject(root, "topics");
  char *js = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  if (!js) {
    if (cap)
      buf[0] = '\0';
    return 0;
  }
  size_t n = strlen(js);
  if (cap) {
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(buf, js, k);
    buf[k] = '\0';
  }
  cJSON_free(js);
  return n;
}
