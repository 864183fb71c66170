/*
 * score.c - stage 4: topic scores with evidence, and entity salience.
 *
 * Topic evidence is the sum of weighted cues (topics.tsv `cue` lines) and
 * of matched entities that a topic rule selects (`entity` lines), each
 * multiplied by a position factor (headline 2, lead 1.5, rest 1; boilerplate
 * counts for nothing).  Repeats of one cue or entity count half as much each
 * time.  score = 1 - exp(-evidence / scale), in 0..1.
 *
 * Salience of an entity, 0..1: 0.35 if named in the headline, 0.2 if in the
 * lead, 0.3 x its share of the most frequent entity's count, 0.15 if it is
 * evidence for a reported topic.
 *
 * Takes: nt_matches, nt_zones.  Gives: nt_scores.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEAD_BYTES 600

typedef struct pos_ctx {
  const nt_zones *z;
  size_t body_start; /* clean offset of the first body line */
} pos_ctx;

static double position_factor(const pos_ctx *pc, size_t off, nt_zone zone) {
  if (zone == NT_ZONE_HEADLINE)
    return 2.0;
  if (zone == NT_ZONE_BOILERPLATE)
    return 0.0;
  return off < pc->body_start + LEAD_BYTES ? 1.5 : 1.0;
}

static int add_evidence(nt_scores *s, size_t start, size_t end, uint32_t pat,
                        double w) {
  if (nt_util_grow(&s->evidence, &s->evcap, s->nevidence + 1,
                   sizeof *s->evidence) < 0)
    return -1;
  nt_evidence *e = &s->evidence[s->nevidence++];
  e->start = start;
  e->end = end;
  e->pattern = pat;
  e->weight = w;
  return 0;
}

static int rule_selects(const nt_lexicon *lex, const nt_topic_rule *r,
                        uint32_t entity) {
  const nt_entity *e = &lex->entities[entity];
  if (e->type != r->type)
    return 0;
  return !r->key || nt_lexicon_entity_has(e, r->key, r->value);
}

/* How many times this cue pattern (or entity) was already counted. */
static unsigned repeats(const nt_scores *s, size_t first, const nt_lexicon *lex,
                        uint32_t pat) {
  unsigned n = 0;
  for (size_t i = first; i < s->nevidence; i++)
    n += strcmp(lex->patterns[s->evidence[i].pattern].folded,
                lex->patterns[pat].folded) == 0 ||
         (lex->patterns[pat].kind == NT_PK_ALIAS &&
          lex->patterns[s->evidence[i].pattern].kind == NT_PK_ALIAS &&
          lex->patterns[s->evidence[i].pattern].target == lex->patterns[pat].target);
  return n;
}

static int score_topic(nt_scores *s, const nt_lexicon *lex,
                       const nt_matches *m, const pos_ctx *pc, uint32_t t) {
  nt_topic_result tr = {t, 0, 0, s->nevidence, 0};
  for (size_t i = 0; i < m->ncues; i++) {
    const nt_mention *c = &m->cues[i];
    if (c->target != t || c->zone == NT_ZONE_BOILERPLATE)
      continue;
    unsigned k = repeats(s, tr.ev_first, lex, c->pattern);
    double w = lex->patterns[c->pattern].weight *
               position_factor(pc, c->start, c->zone) /
               (double)(1u << (k < 8 ? k : 8));
    if (add_evidence(s, c->start, c->end, c->pattern, w) < 0)
      return -1;
    tr.raw += w;
  }
  for (size_t r = 0; r < lex->nrules; r++) {
    const nt_topic_rule *rule = &lex->rules[r];
    if (rule->topic != t)
      continue;
    for (size_t i = 0; i < m->nents; i++) {
      const nt_mention *x = &m->ents[i];
      if (x->dropped || x->zone == NT_ZONE_BOILERPLATE ||
          !rule_selects(lex, rule, x->target))
        continue;
      unsigned k = repeats(s, tr.ev_first, lex, x->pattern);
      if (k >= 3)
        continue;
      double w = rule->weight * position_factor(pc, x->start, x->zone) /
                 (double)(1u << k);
      if (add_evidence(s, x->start, x->end, x->pattern, w) < 0)
        return -1;
      tr.raw += w;
    }
  }
  tr.ev_n = s->nevidence - tr.ev_first;
  tr.score = 1.0 - exp(-tr.raw / lex->topics[t].scale);
  if (tr.ev_n == 0)
    return 0;
  if (nt_util_grow(&s->topics, &s->topiccap, s->ntopics + 1,
                   sizeof *s->topics) < 0)
    return -1;
  s->topics[s->ntopics++] = tr;
  return 0;
}

static int cmp_topic(const void *a, const void *b) {
  const nt_topic_result *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->topic < y->topic ? -1 : x->topic > y->topic;
}

static int collect_entities(nt_scores *s, const nt_lexicon *lex,
                            const nt_matches *m, const pos_ctx *pc) {
  if (nt_util_grow(&s->ent_index, &s->ent_index_cap, lex->nentities + 1,
                   sizeof *s->ent_index) < 0)
    return -1;
  memset(s->ent_index, 0, (lex->nentities + 1) * sizeof *s->ent_index);
  for (size_t i = 0; i < m->nents; i++) {
    const nt_mention *x = &m->ents[i];
    if (x->dropped || x->zone == NT_ZONE_BOILERPLATE)
      continue;
    uint32_t k = s->ent_index[x->target];
    if (!k) {
      if (nt_util_grow(&s->ents, &s->entcap, s->nents + 1, sizeof *s->ents) < 0)
        return -1;
      nt_ent_result *e = &s->ents[s->nents++];
      memset(e, 0, sizeof *e);
      e->entity = x->target;
      e->first = i;
      k = s->ent_index[x->target] = (uint32_t)s->nents;
    }
    nt_ent_result *e = &s->ents[k - 1];
    e->count++;
    e->in_headline |= x->zone == NT_ZONE_HEADLINE;
    e->in_lead |= x->zone != NT_ZONE_HEADLINE &&
                  x->start < pc->body_start + LEAD_BYTES;
  }
  return 0;
}

static void salience(nt_scores *s, const nt_lexicon *lex,
                     const nt_options *opts) {
  size_t maxc = 1;
  for (size_t i = 0; i < s->nents; i++)
    if (s->ents[i].count > maxc)
      maxc = s->ents[i].count;
  for (size_t t = 0; t < s->ntopics; t++) {
    const nt_topic_result *tr = &s->topics[t];
    if (tr->score < opts->min_score)
      continue;
    for (size_t i = tr->ev_first; i < tr->ev_first + tr->ev_n; i++) {
      const nt_pattern *p = &lex->patterns[s->evidence[i].pattern];
      if (p->kind == NT_PK_ALIAS && s->ent_index[p->target])
        s->ents[s->ent_index[p->target] - 1].in_evidence = 1;
    }
  }
  for (size_t i = 0; i < s->nents; i++) {
    nt_ent_result *e = &s->ents[i];
    e->salience = 0.35 * e->in_headline + 0.2 * e->in_lead +
                  0.3 * (double)e->count / (double)maxc + 0.15 * e->in_evidence;
    e->salience = round(e->salience * 1000) / 1000;
  }
}

nt_status nt_score_run(nt_scores *s, const nt_lexicon *lex,
                       const nt_matches *m, const nt_zones *z,
                       const nt_text *t, const nt_options *opts) {
  (void)t;
  s->nents = s->ntopics = s->nevidence = 0;
  pos_ctx pc = {z, 0};
  for (size_t i = 0; i < z->n; i++)
    if (z->spans[i].zone == NT_ZONE_BODY && z->spans[i].end > z->spans[i].start) {
      pc.body_start = z->spans[i].start;
      break;
    }
  if (collect_entities(s, lex, m, &pc) < 0)
    return NT_ERR_NOMEM;
  for (uint32_t t2 = 0; t2 < lex->ntopics; t2++)
    if (score_topic(s, lex, m, &pc, t2) < 0)
      return NT_ERR_NOMEM;
  if (s->ntopics > 1)
    qsort(s->topics, s->ntopics, sizeof *s->topics, cmp_topic);
  salience(s, lex, opts);
  return NT_OK;
}

void nt_score_free(nt_scores *s) {
  free(s->ents);
  free(s->topics);
  free(s->evidence);
  free(s->ent_index);
  memset(s, 0, sizeof *s);
}
