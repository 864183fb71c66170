/*
 * annotate.c - the per-thread annotator: runs clean, zone, match, score and
 * emit over one record, reusing its buffers from record to record, and the
 * read-only views of a result.
 */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

void nt_options_init(nt_options *opts) {
  memset(opts, 0, sizeof *opts);
  opts->min_score = 0.3;
  opts->types = (1u << NT_ENTITY_TYPES) - 1;
  opts->fields = NT_FIELD_ALL;
}

nt_annotator *nt_annotator_new(const nt_lexicon *lex, const nt_options *opts) {
  if (!lex)
    return NULL;
  nt_annotator *a = calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->lex = lex;
  if (opts)
    a->opts = *opts;
  else
    nt_options_init(&a->opts);
  a->match_data = pcre2_match_data_create(32, NULL);
  if (!a->match_data) {
    free(a);
    return NULL;
  }
  return a;
}

void nt_annotator_free(nt_annotator *a) {
  if (!a)
    return;
  nt_markup_free(&a->markup);
  nt_clean_free(&a->text);
  nt_zone_free(&a->zones);
  nt_match_free(&a->matches);
  nt_score_free(&a->scores);
  nt_relate_free(&a->relations);
  nt_buf_free(&a->result.json);
  pcre2_match_data_free((pcre2_match_data *)a->match_data);
  free(a);
}

nt_status nt_annotate(nt_annotator *a, const nt_record *rec,
                      const nt_result **out) {
  if (out)
    *out = NULL;
  if (!a || !rec || (!rec->text && rec->len))
    return NT_ERR_ARG;
  nt_status st = nt_markup_scan(&a->markup, a->lex, a->match_data,
                                (int)rec->format, rec->text ? rec->text : "",
                                rec->len);
  if (st == NT_OK)
    st = nt_clean_run(&a->text, a->lex, a->match_data, &a->markup, rec->text,
                      rec->len);
  if (st == NT_OK)
    st = nt_match_scan(&a->matches, a->lex, &a->text);
  if (st == NT_OK)
    st = nt_zone_split(&a->zones, a->lex, a->match_data, &a->text, &a->markup,
                       &a->matches);
  if (st == NT_OK)
    st = nt_match_run(&a->matches, a->lex, &a->text, &a->zones);
  if (st == NT_OK)
    st = nt_score_run(&a->scores, a->lex, &a->matches, &a->zones, &a->text,
                      &a->opts);
  nt_result *r = &a->result;
  r->rec = rec;
  r->title = rec->title ? rec->title : a->markup.title.len ? a->markup.title.data : NULL;
  r->url = rec->url ? rec->url : a->markup.url.len ? a->markup.url.data : NULL;
  r->date = rec->date ? rec->date : a->markup.date.len ? a->markup.date.data : NULL;
  r->tags = a->markup.tags.data;
  r->tags_len = a->markup.tags.len;
  r->lex = a->lex;
  r->opts = &a->opts;
  r->text = &a->text;
  r->zones = &a->zones;
  r->matches = &a->matches;
  r->scores = &a->scores;
  if (st == NT_OK)
    st = nt_relate_run(&a->relations, a->lex, &a->matches, &a->zones, &a->text,
                       a->match_data);
  r->relations = &a->relations;
  if (st == NT_OK)
    st = a->opts.tsv ? nt_emit_tsv(r) : nt_emit_json(r);
  if (st == NT_OK && out)
    *out = r;
  return st;
}

const char *nt_result_json(const nt_result *r, size_t *len) {
  if (len)
    *len = r->json.len;
  return r->json.data ? r->json.data : "";
}

const char *nt_result_clean_text(const nt_result *r, size_t *len) {
  if (len)
    *len = r->text->clean.len;
  return r->text->clean.data ? r->text->clean.data : "";
}

size_t nt_result_invalid_utf8(const nt_result *r) {
  return r->text->invalid_utf8;
}

size_t nt_result_entity_count(const nt_result *r) { return r->scores->nents; }

int nt_result_entity(const nt_result *r, size_t i, nt_entity_view *out) {
  if (i >= r->scores->nents)
    return -1;
  const nt_ent_result *er = &r->scores->ents[i];
  const nt_entity *e = &r->lex->entities[er->entity];
  out->type = e->type;
  out->id = e->id;
  out->name = e->name;
  out->mentions = er->count;
  out->salience = er->salience;
  return 0;
}

/* The i-th article mention of entity result `entity`, or NULL. */
static const nt_mention *nth_mention(const nt_result *r, size_t entity,
                                     size_t i) {
  if (entity >= r->scores->nents)
    return NULL;
  const nt_ent_result *er = &r->scores->ents[entity];
  const nt_matches *m = r->matches;
  for (size_t k = er->first; k < m->nents; k++) {
    const nt_mention *x = &m->ents[k];
    if (x->target == er->entity && !x->dropped &&
        x->zone != NT_ZONE_BOILERPLATE && i-- == 0)
      return x;
  }
  return NULL;
}

size_t nt_result_mention_count(const nt_result *r, size_t entity) {
  return entity < r->scores->nents ? r->scores->ents[entity].count : 0;
}

int nt_result_mention(const nt_result *r, size_t entity, size_t i,
                      nt_mention_view *out) {
  const nt_mention *x = nth_mention(r, entity, i);
  if (!x)
    return -1;
  const nt_pattern *p = &r->lex->patterns[x->pattern];
  nt_clean_span(r->text, x->start, x->end, &out->start, &out->end);
  out->zone = x->zone;
  out->alias = p->text;
  out->lexicon_file = r->lex->files[p->file];
  out->lexicon_line = (long)p->line;
  return 0;
}

size_t nt_result_topic_count(const nt_result *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->scores->ntopics; i++)
    n += r->scores->topics[i].score >= r->opts->min_score;
  return n;
}

int nt_result_topic(const nt_result *r, size_t i, nt_topic_view *out) {
  for (size_t k = 0; k < r->scores->ntopics; k++) {
    const nt_topic_result *tr = &r->scores->topics[k];
    if (tr->score < r->opts->min_score)
      continue;
    if (i-- == 0) {
      out->id = r->lex->topics[tr->topic].id;
      out->score = tr->score;
      return 0;
    }
  }
  return -1;
}
