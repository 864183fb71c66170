/*
 * score.c - stage 4: topic scores with evidence, and entity salience.
 *
 * Cues.  A topic's cues come from topics.tsv: `cue` lines and the forms of
 * finite `pattern` lines are found by match.c's trie (where, across topics,
 * the longest cue on a span wins); other `pattern` lines are matched here
 * with pcre2 on the cleaned text of every non-boilerplate line (whole words,
 * case-insensitive).  Within a topic, overlapping cues are resolved
 * leftmost-longest.  A cue of weight 0 counts for nothing but still wins its
 * span: it is how the lexicon says "not evidence" ("price war" is not "war",
 * "software piracy" is not piracy).  One cue is one label: all forms of a
 * pattern line, and lines that share a label, count as one cue.
 *
 * Weights (lexicon): strong 2 names the subject on its own; core 1..1.5 is
 * typical of it; weak < 1 is generic or metaphor-prone ("war", "deliver",
 * "government").  Entity rules: of weight >= 1 (an air-defence weapon for
 * air-missile-defence, a listed terrorist group for terrorism) they are core
 * evidence; below 1 (a country for diplomacy, any weapon for arms-trade)
 * they only support, like weak cues.
 *
 * Evidence E of a topic:
 *   one occurrence = lexicon weight x position factor / 2^k, k = earlier
 *   occurrences of the same cue (so a cue at most doubles its first use);
 *   an entity counts once, at its first mention, whatever it is named again;
 *   position factor = POS_HEADLINE in the headline, POS_LEAD in the
 *   standfirst and the lead (the first LEAD_BYTES of the body), nu in the
 *   rest of the body, and 0 in boilerplate (teasers, bylines, related links
 *   give no evidence at all), with nu = min(1, sqrt(NORM_WORDS / words of
 *   the article)): long articles do not pile up passing words;
 *   weak cues and supporting entities count only when the topic has core
 *   evidence, and together add at most as much as the core (their reported
 *   weights are scaled down to that).
 *
 * Corroboration: D = the number of distinct core cues and core entities,
 * plus 1 when a strong cue stands in the headline (positioned weight >=
 * NAMED_AT).  B = min(1, D / 2).
 *
 *   score = B x (1 - exp(-E / scale)), in 0..1 (scale per topic, topics.tsv).
 *
 * With the default threshold 0.3 (--min-score) and scale 7: a weak cue
 * never makes a topic; a topic with one core cue (B = 1/2) needs E >= 6.4,
 * which takes a strong cue in the headline (then D = 2) or a cue repeated
 * in the lead with weak support; with two distinct core cues (B = 1) it
 * needs E >= 2.5: both in the lead, or one in the headline, or three or
 * more in the body.  The evidence lists every counted occurrence with the
 * weight it contributed; their sum is E.
 *
 * Salience of an entity, 0..1: 0.35 if named in the headline, 0.2 if in the
 * lead, 0.3 x its share of the most frequent entity's count, 0.15 if it is
 * evidence for a reported topic.
 *
 * Takes: nt_matches, nt_zones, nt_text.  Gives: nt_scores.
 */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define LEAD_BYTES 600
#define POS_HEADLINE 2.0
#define POS_LEAD 1.5
#define NORM_WORDS 300.0
#define CORE_AT 1.0   /* cues and entity rules from this weight are core */
#define NAMED_AT 4.0  /* positioned weight: a strong cue in the headline */

typedef struct pos_ctx {
  size_t body_start; /* clean offset of the first body line */
  double nu;         /* position factor of the body after the lead */
} pos_ctx;

static double position_factor(const pos_ctx *pc, size_t off, nt_zone zone) {
  switch (zone) {
  case NT_ZONE_HEADLINE:
    return POS_HEADLINE;
  case NT_ZONE_STANDFIRST:
    return POS_LEAD;
  case NT_ZONE_BOILERPLATE:
    return 0.0;
  default:
    return off < pc->body_start + LEAD_BYTES ? POS_LEAD : pc->nu;
  }
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

/* The heaviest weight of the topic's entity rules that select entity. */
static double rule_weight(const nt_lexicon *lex, uint32_t t, uint32_t entity) {
  double w = 0;
  for (size_t r = 0; r < lex->nrules; r++)
    if (lex->rules[r].topic == t && lex->rules[r].weight > w &&
        rule_selects(lex, &lex->rules[r], entity))
      w = lex->rules[r].weight;
  return w;
}

/* ---- finding the cues ---------------------------------------------------- */

static int add_hit(nt_scores *s, size_t start, size_t end, uint32_t pat,
                   uint32_t topic, nt_zone zone) {
  if (nt_util_grow(&s->hits, &s->hitcap, s->nhits + 1, sizeof *s->hits) < 0)
    return -1;
  nt_topic_hit *h = &s->hits[s->nhits++];
  h->start = start;
  h->end = end;
  h->pattern = pat;
  h->topic = topic;
  h->zone = zone;
  return 0;
}

/* The matches of topic pattern r in line sp from offset at on: leftmost
 * first, not overlapping; *at moves past them.  A gated pattern is compiled
 * anchored and runs once. */
static int match_line(nt_scores *s, const nt_lexicon *lex, size_t r,
                      const nt_zone_span *sp, const char *text, size_t *at) {
  const nt_regex_rule *rule = &lex->topic_res[r];
  uint32_t pat = (uint32_t)rule->kind;
  pcre2_match_data *md = s->md;
  while (*at < sp->end) {
    int rc = pcre2_match(nt_lexicon_rule_code(rule), (PCRE2_SPTR)text,
                         sp->end, *at, PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc < 0)
      return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[1] > ov[0] &&
        add_hit(s, ov[0], ov[1], pat, lex->patterns[pat].target, sp->zone) < 0)
      return -1;
    if (ov[1] > *at)
      *at = ov[1];
    else { /* empty match: step over one code point */
      ++*at;
      while (*at < sp->end && ((unsigned char)text[*at] & 0xC0) == 0x80)
        ++*at;
    }
    if (rule->gated)
      return 0;
  }
  return 0;
}

/* The line of clean offset off, searching from line *i on. */
static const nt_zone_span *line_from(const nt_zones *z, size_t *i, size_t off) {
  while (*i + 1 < z->n && z->spans[*i].end < off)
    ++*i;
  return &z->spans[*i];
}

/* Every match of every topic pattern in the non-boilerplate lines.  A gated
 * pattern runs only where the trie found one of its heads (m->anchors),
 * anchored there; that finds the same matches as searching each line, since
 * every match begins with a head. */
static int match_patterns(nt_scores *s, const nt_lexicon *lex,
                          const nt_matches *m, const nt_zones *z,
                          const nt_text *t) {
  if (!lex->ntopic_res || !t->clean.data)
    return 0;
  if (!s->md && !(s->md = pcre2_match_data_create(4, NULL)))
    return -1;
  const char *text = t->clean.data;
  for (size_t r = 0; r < lex->ntopic_res; r++) {
    if (lex->topic_res[r].gated) {
      size_t line = 0, at = 0;
      for (size_t k = 0; k < m->nanchors; k++) {
        const nt_mention *a = &m->anchors[k];
        if (a->target != r || a->start < at ||
            lex->patterns[a->pattern].kind != NT_PK_ANCHOR)
          continue;
        const nt_zone_span *sp = line_from(z, &line, a->start);
        at = a->start;
        if (sp->zone != NT_ZONE_BOILERPLATE &&
            match_line(s, lex, r, sp, text, &at) < 0)
          return -1;
      }
      continue;
    }
    for (size_t i = 0; i < z->n; i++) {
      const nt_zone_span *sp = &z->spans[i];
      size_t at = sp->start;
      if (sp->zone != NT_ZONE_BOILERPLATE &&
          match_line(s, lex, r, sp, text, &at) < 0)
        return -1;
    }
  }
  return 0;
}

static int cmp_hit(const void *a, const void *b) {
  const nt_topic_hit *x = a, *y = b;
  if (x->topic != y->topic)
    return x->topic < y->topic ? -1 : 1;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->end != y->end)
    return x->end > y->end ? -1 : 1; /* longer first */
  return x->pattern < y->pattern ? -1 : x->pattern > y->pattern;
}

/* One cue is one label: all forms of a `pattern` line count as one cue,
 * and so do lines that share a label (a plain cue's label is its text).
 * Order: topic, cue, start. */
static int ident_before(const void *a, const void *b, const void *lexv) {
  const nt_topic_hit *x = a, *y = b;
  const nt_lexicon *lex = lexv;
  const nt_pattern *p = &lex->patterns[x->pattern], *q = &lex->patterns[y->pattern];
  if (x->topic != y->topic)
    return x->topic < y->topic;
  int c = x->pattern == y->pattern ? 0 : strcmp(p->text, q->text);
  if (c)
    return c < 0;
  return x->start < y->start;
}

static int same_cue(const nt_lexicon *lex, const nt_topic_hit *x,
                    const nt_topic_hit *y) {
  const nt_pattern *p = &lex->patterns[x->pattern], *q = &lex->patterns[y->pattern];
  return x->topic == y->topic &&
         (x->pattern == y->pattern || strcmp(p->text, q->text) == 0);
}

/* Trie cues and pattern matches outside boilerplate, grouped by topic and,
 * within a topic, leftmost-longest (on one span, the heaviest cue); each
 * hit knows how many earlier hits of its topic are the same cue. */
static int collect_hits(nt_scores *s, const nt_lexicon *lex,
                        const nt_matches *m, const nt_zones *z,
                        const nt_text *t) {
  s->nhits = 0;
  for (size_t i = 0; i < m->ncues; i++) {
    const nt_mention *c = &m->cues[i];
    if (c->zone != NT_ZONE_BOILERPLATE &&
        add_hit(s, c->start, c->end, c->pattern, c->target, c->zone) < 0)
      return -1;
  }
  if (match_patterns(s, lex, m, z, t) < 0)
    return -1;
  if (s->nhits > 1)
    qsort(s->hits, s->nhits, sizeof *s->hits, cmp_hit);
  size_t out = 0;
  for (size_t i = 0; i < s->nhits; i++) {
    nt_topic_hit h = s->hits[i];
    if (out > 0 && s->hits[out - 1].topic == h.topic) {
      nt_topic_hit *prev = &s->hits[out - 1];
      if (h.start == prev->start && h.end == prev->end) {
        if (lex->patterns[h.pattern].weight > lex->patterns[prev->pattern].weight)
          *prev = h;
        continue;
      }
      if (h.start < prev->end)
        continue; /* inside or across a longer cue of this topic */
    }
    s->hits[out++] = h;
  }
  s->nhits = out;
  if (nt_util_sort(s->hits, s->nhits, sizeof *s->hits, ident_before, lex) < 0)
    return -1;
  for (size_t i = 0; i < s->nhits; i++)
    s->hits[i].rank = i > 0 && same_cue(lex, &s->hits[i - 1], &s->hits[i])
                          ? s->hits[i - 1].rank + 1
                          : 0;
  if (s->nhits > 1)
    qsort(s->hits, s->nhits, sizeof *s->hits, cmp_hit);
  return 0;
}

/* ---- scoring ------------------------------------------------------------- */

/* The corroboration bonus of one cue at positioned weight pw. */
static double named_bonus(double pw) { return pw >= NAMED_AT ? 1.0 : 0.0; }

static int score_topic(nt_scores *s, const nt_lexicon *lex,
                       const nt_matches *m, const pos_ctx *pc, uint32_t t,
                       size_t lo, size_t hi) {
  nt_topic_result tr = {t, 0, 0, s->nevidence, 0};
  double core = 0, weak = 0, named = 0;
  size_t ncore = 0, weak_first = s->nevidence;
  /* pass 0: core evidence (weight >= CORE_AT); pass 1: weak cues and
   * supporting entity rules, only when there is core evidence */
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      if (ncore == 0)
        break;
      weak_first = s->nevidence;
    }
    for (size_t i = lo; i < hi; i++) {
      const nt_topic_hit *h = &s->hits[i];
      double lw = lex->patterns[h->pattern].weight;
      if (lw <= 0 || (lw < CORE_AT) != pass)
        continue;
      double pw = lw * position_factor(pc, h->start, h->zone);
      double w = pw / (double)(1u << (h->rank < 8 ? h->rank : 8));
      if (add_evidence(s, h->start, h->end, h->pattern, w) < 0)
        return -1;
      if (pass == 0) {
        ncore += h->rank == 0;
        core += w;
        if (named_bonus(pw) > named)
          named = named_bonus(pw);
      } else {
        weak += w;
      }
    }
    /* an entity counts once, at its first mention; it is core evidence but
     * never "names" the topic on its own */
    for (size_t i = 0; i < s->nents; i++) {
      double rw = rule_weight(lex, t, s->ents[i].entity);
      if (rw <= 0 || (rw < CORE_AT) != pass)
        continue;
      const nt_mention *x = &m->ents[s->ents[i].first];
      double pw = rw * position_factor(pc, x->start, x->zone);
      if (add_evidence(s, x->start, x->end, x->pattern, pw) < 0)
        return -1;
      if (pass == 0) {
        ncore++;
        core += pw;
      } else {
        weak += pw;
      }
    }
  }
  tr.ev_n = s->nevidence - tr.ev_first;
  if (tr.ev_n == 0)
    return 0;
  if (weak > core) { /* weak evidence at most doubles the core */
    for (size_t i = weak_first; i < s->nevidence; i++)
      s->evidence[i].weight *= core / weak;
    weak = core;
  }
  tr.raw = core + weak;
  double d = (double)ncore + named;
  double b = d >= 2.0 ? 1.0 : d / 2.0;
  tr.score = b * (1.0 - exp(-tr.raw / lex->topics[t].scale));
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

/* ---- entities and salience ---------------------------------------------- */

/* Zero the entity index: all of it the first time, then only the entries
 * of the last record's entities (the index is as long as the lexicon). */
static int reset_ent_index(nt_scores *s, const nt_lexicon *lex) {
  size_t need = lex->nentities + 1;
  if (s->ent_index_cap < need) {
    free(s->ent_index);
    s->ent_index_cap = 0;
    if (!(s->ent_index = calloc(need, sizeof *s->ent_index)))
      return -1;
    s->ent_index_cap = need;
    return 0;
  }
  for (size_t i = 0; i < s->nents; i++)
    s->ent_index[s->ents[i].entity] = 0;
  return 0;
}

static int collect_entities(nt_scores *s, const nt_matches *m,
                            const pos_ctx *pc) {
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

/* ---- the stage ----------------------------------------------------------- */

/* Words of the article (headline, standfirst, body): those of the whole
 * text, counted in one pass, less those of its boilerplate lines (the
 * zones' lines cover the text and no word crosses a line). */
static size_t article_words(const nt_zones *z, const nt_text *t) {
  const char *s = t->clean.data;
  if (!s || !z->n)
    return 0;
  size_t n = nt_util_count_words(s, 0, t->clean.len);
  for (size_t i = 0; i < z->n; i++)
    if (z->spans[i].zone == NT_ZONE_BOILERPLATE)
      n -= nt_util_count_words(s, z->spans[i].start, z->spans[i].end);
  return n;
}

nt_status nt_score_run(nt_scores *s, const nt_lexicon *lex,
                       const nt_matches *m, const nt_zones *z,
                       const nt_text *t, const nt_options *opts) {
  if (reset_ent_index(s, lex) < 0)
    return NT_ERR_NOMEM;
  s->nents = s->ntopics = s->nevidence = s->nhits = 0;
  pos_ctx pc = {0, 1.0};
  for (size_t i = 0; i < z->n; i++)
    if (z->spans[i].zone == NT_ZONE_BODY && z->spans[i].end > z->spans[i].start) {
      pc.body_start = z->spans[i].start;
      break;
    }
  size_t words = article_words(z, t);
  if ((double)words > NORM_WORDS)
    pc.nu = sqrt(NORM_WORDS / (double)words);
  if (collect_entities(s, m, &pc) < 0 || collect_hits(s, lex, m, z, t) < 0)
    return NT_ERR_NOMEM;
  size_t lo = 0;
  for (uint32_t t2 = 0; t2 < lex->ntopics; t2++) {
    size_t hi = lo;
    while (hi < s->nhits && s->hits[hi].topic == t2)
      hi++;
    if (score_topic(s, lex, m, &pc, t2, lo, hi) < 0)
      return NT_ERR_NOMEM;
    lo = hi;
  }
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
  free(s->hits);
  pcre2_match_data_free((pcre2_match_data *)s->md);
  memset(s, 0, sizeof *s);
}
