/*
 * match.c - stage 3: finds entity aliases, stop phrases and topic cues in
 * the cleaned text in one pass of an Aho-Corasick automaton over the folded
 * text (case folded, accents removed), then applies the word-boundary, case,
 * plural, longest-match and context rules.
 *
 * Takes: the lexicon's automaton, the cleaned text (nt_text) and its zones.
 * Gives: nt_matches.ents (entity mentions, sorted by start, dropped ones
 * marked) and nt_matches.cues (topic cues), all in clean offsets.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* ---- building the automaton ------------------------------------------- */

static int build_classes(nt_automaton *ac, const nt_lexicon *lex,
                         const uint8_t *head, size_t *total) {
  memset(ac->cls, 0, sizeof ac->cls);
  uint32_t next = 1;
  *total = 0;
  for (size_t i = 0; i < lex->npatterns; i++) {
    if (!head[i])
      continue;
    for (const unsigned char *p = (const unsigned char *)lex->patterns[i].folded;
         *p; p++) {
      if (!ac->cls[*p])
        ac->cls[*p] = (uint8_t)next++;
      (*total)++;
    }
  }
  ac->nclasses = next;
  return 0;
}

int nt_match_build(nt_lexicon *lex, nt_error *err) {
  nt_automaton *ac = &lex->ac;
  uint8_t *head = calloc(lex->npatterns + 1, 1);
  if (!head)
    goto nomem;
  for (size_t i = 0; i < lex->npatterns; i++)
    head[i] = !(lex->patterns[i].flags & NT_AF_DISABLED);
  for (size_t i = 0; i < lex->npatterns; i++)
    if (head[i] && lex->patterns[i].next_same != NONE)
      head[lex->patterns[i].next_same] = 0;
  size_t total;
  build_classes(ac, lex, head, &total);
  size_t maxstates = total + 1, ncl = ac->nclasses;
  ac->delta = malloc(maxstates * ncl * sizeof *ac->delta);
  ac->out = malloc(maxstates * sizeof *ac->out);
  ac->outlink = malloc(maxstates * sizeof *ac->outlink);
  uint32_t *fail = malloc(maxstates * sizeof *fail);
  uint32_t *queue = malloc(maxstates * sizeof *queue);
  if (!ac->delta || !ac->out || !ac->outlink || !fail || !queue) {
    free(fail);
    free(queue);
    goto nomem;
  }
  memset(ac->delta, 0xFF, maxstates * ncl * sizeof *ac->delta);
  uint32_t nstates = 1;
  ac->out[0] = NONE;
  /* the trie */
  for (size_t i = 0; i < lex->npatterns; i++) {
    if (!head[i])
      continue;
    uint32_t s = 0;
    for (const unsigned char *p = (const unsigned char *)lex->patterns[i].folded;
         *p; p++) {
      uint32_t *t = &ac->delta[(size_t)s * ncl + ac->cls[*p]];
      if (*t == NONE) {
        *t = nstates;
        ac->out[nstates] = NONE;
        nstates++;
      }
      s = *t;
    }
    ac->out[s] = (uint32_t)i;
  }
  /* failure links, breadth first, turning the trie into a DFA */
  size_t qh = 0, qt = 0;
  fail[0] = 0;
  ac->outlink[0] = NONE;
  for (size_t c = 0; c < ncl; c++) {
    uint32_t *t = &ac->delta[c];
    if (*t == NONE || c == 0) {
      if (*t != NONE && c == 0)
        queue[qt++] = *t, fail[*t] = 0; /* class 0 never appears in a trie */
      *t = *t == NONE ? 0 : *t;
    } else {
      fail[*t] = 0;
      queue[qt++] = *t;
    }
  }
  while (qh < qt) {
    uint32_t s = queue[qh++];
    uint32_t f = fail[s];
    ac->outlink[s] = ac->out[f] != NONE ? f : ac->outlink[f];
    for (size_t c = 0; c < ncl; c++) {
      uint32_t *t = &ac->delta[(size_t)s * ncl + c];
      if (*t == NONE) {
        *t = ac->delta[(size_t)f * ncl + c];
      } else {
        fail[*t] = ac->delta[(size_t)f * ncl + c];
        queue[qt++] = *t;
      }
    }
  }
  free(fail);
  free(queue);
  free(head);
  ac->nstates = nstates;
  return 0;
nomem:
  free(head);
  nt_error_set(err, NT_ERR_NOMEM, NULL, 0, "out of memory building the automaton");
  return -1;
}

void nt_match_free_automaton(nt_automaton *ac) {
  free(ac->delta);
  free(ac->out);
  free(ac->outlink);
  free(ac->depth);
  memset(ac, 0, sizeof *ac);
}

/* ---- candidate checks --------------------------------------------------- */

/* The case rule of a pattern against the cleaned text span [cs, ce). */
static int case_ok(const nt_pattern *p, const char *s, size_t cs, size_t ce) {
  if (p->flags & NT_AF_NOCASE)
    return 1;
  if (p->flags & NT_AF_EXACT)
    return ce - cs == strlen(p->text) && memcmp(s + cs, p->text, ce - cs) == 0;
  int first = 1;
  for (size_t i = cs; i < ce;) {
    int32_t cp;
    i += nt_util_utf8_decode((const unsigned char *)s + i, ce - i, &cp);
    int up = nt_util_is_upper_cp(cp), low = nt_util_is_lower_cp(cp);
    if (!up && !low)
      continue;
    if (first && (p->flags & NT_AF_UPPER1) && !up)
      return 0;
    if ((p->flags & NT_AF_ACRONYM) && !up)
      return 0;
    if (!(p->flags & NT_AF_ACRONYM))
      return 1;
    first = 0;
  }
  return 1;
}

static int add_cand(nt_matches *m, size_t cs, size_t ce, uint32_t pat,
                    uint32_t target) {
  if (nt_util_grow(&m->cand, &m->candcap, m->ncand + 1, sizeof *m->cand) < 0)
    return -1;
  nt_mention *c = &m->cand[m->ncand++];
  c->start = cs;
  c->end = ce;
  c->pattern = pat;
  c->target = target;
  c->zone = NT_ZONE_BODY;
  c->dropped = 0;
  return 0;
}

/* A match of the chain starting at pattern h ending at folded offset fe. */
static int on_match(nt_matches *m, const nt_lexicon *lex, const nt_text *t,
                    uint32_t h, size_t fe) {
  const char *s = t->clean.data;
  size_t slen = t->clean.len, flen = m->folded.len;
  size_t fs = fe - strlen(lex->patterns[h].folded);
  const size_t *fm = m->fmap;
  if ((fs > 0 && fm[fs - 1] == fm[fs]) || (fe < flen && fm[fe - 1] == fm[fe]))
    return 0; /* starts or ends inside one code point's folding */
  size_t cs = fm[fs], ce = fm[fe];
  if (nt_util_is_word_cp(nt_util_cp_before(s, cs)))
    return 0;
  int32_t after = nt_util_cp_at(s, slen, ce);
  for (uint32_t i = h; i != NONE; i = lex->patterns[i].next_same) {
    const nt_pattern *p = &lex->patterns[i];
    size_t end = ce;
    if (nt_util_is_word_cp(after)) {
      if ((p->flags & NT_AF_PLURAL) && after == 's' &&
          !nt_util_is_word_cp(nt_util_cp_at(s, slen, ce + 1)))
        end = ce + 1;
      else if (p->flags & NT_AF_STEM)
        while (end < slen && nt_util_is_word_cp(nt_util_cp_at(s, slen, end)))
          end += nt_util_utf8_decode((const unsigned char *)s + end,
                                     slen - end, &(int32_t){0});
      else
        continue;
    }
    if (!case_ok(p, s, cs, ce))
      continue;
    if (add_cand(m, cs, end, i, p->target) < 0)
      return -1;
  }
  return 0;
}

/* ---- selection ----------------------------------------------------------- */

/* Selection classes: 0 aliases and stop phrases, 1 cues, 2 affixes. */
static int cls_of(const nt_lexicon *lex, const nt_mention *c) {
  uint32_t k = lex->patterns[c->pattern].kind;
  return k == NT_PK_CUE ? 1 : k >= NT_PK_PREFIX ? 2 : 0;
}

/* Order: class (entities before cues), start, longer first, pattern. */
static int cand_before(const nt_lexicon *lex, const nt_mention *y,
                       const nt_mention *x) {
  int cx = cls_of(lex, x), cy = cls_of(lex, y);
  if (cx != cy)
    return cy < cx;
  if (y->start != x->start)
    return y->start < x->start;
  if (y->end != x->end)
    return y->end > x->end;
  return y->pattern < x->pattern;
}

/* A stable bottom-up merge sort (qsort has no context argument in C11). */
static int sort_cands(const nt_lexicon *lex, nt_mention *c, size_t n) {
  if (n < 2)
    return 0;
  nt_mention *tmp = malloc(n * sizeof *tmp);
  if (!tmp)
    return -1;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n;
      size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = cand_before(lex, &c[j], &c[i]) ? c[j++] : c[i++];
      while (i < mid)
        tmp[k++] = c[i++];
      while (j < hi)
        tmp[k++] = c[j++];
    }
    memcpy(c, tmp, n * sizeof *c);
  }
  free(tmp);
  return 0;
}

static int push(nt_mention **arr, size_t *n, size_t *cap, const nt_mention *c) {
  if (nt_util_grow(arr, cap, *n + 1, sizeof **arr) < 0)
    return -1;
  (*arr)[(*n)++] = *c;
  return 0;
}

/* Leftmost-longest selection; a stop phrase that wins drops everything in
 * its span; several entities on one span are kept for resolve_shared(). */
static int select_cands(nt_matches *m, const nt_lexicon *lex) {
  if (sort_cands(lex, m->cand, m->ncand) < 0)
    return -1;
  size_t last_end[3] = {0, 0, 0};
  int have[3] = {0, 0, 0};
  for (size_t i = 0; i < m->ncand;) {
    nt_mention *c = &m->cand[i];
    int cl = cls_of(lex, c);
    size_t j = i + 1;
    while (j < m->ncand && m->cand[j].start == c->start &&
           m->cand[j].end == c->end && cls_of(lex, &m->cand[j]) == cl)
      j++;
    if (!have[cl] || c->start >= last_end[cl]) {
      have[cl] = 1;
      last_end[cl] = c->end;
      int stopped = 0;
      for (size_t k = i; k < j; k++)
        stopped |= lex->patterns[m->cand[k].pattern].kind == NT_PK_STOP;
      for (size_t k = i; k < j && !stopped; k++) {
        int rc = cl == 1 ? push(&m->cues, &m->ncues, &m->cuecap, &m->cand[k])
               : cl == 2 ? push(&m->affixes, &m->naffixes, &m->affixcap, &m->cand[k])
                         : push(&m->ents, &m->nents, &m->entcap, &m->cand[k]);
        if (rc < 0)
          return -1;
      }
    }
    i = j;
  }
  return 0;
}

/* ---- context rules ------------------------------------------------------ */

static int is_article(nt_zone z) { return z != NT_ZONE_BOILERPLATE; }

/* Does a sentence start at pos (after a line start, ". ", or a quote)? */
static int sentence_start(const char *s, size_t pos) {
  size_t q = pos;
  while (q > 0 && (s[q - 1] == ' ' || s[q - 1] == '"' || s[q - 1] == '\''))
    q--;
  return q == 0 || strchr(".!?:\n", s[q - 1]) != NULL;
}

/* Is the word next to [cs, ce) a capitalised word that is not a mention? */
static int next_to_name(const nt_matches *m, const nt_text *t, size_t idx) {
  const char *s = t->clean.data;
  size_t n = t->clean.len, cs = m->ents[idx].start, ce = m->ents[idx].end;
  if (ce + 1 < n && s[ce] == ' ' && nt_util_is_upper_cp(nt_util_cp_at(s, n, ce + 1))) {
    int covered = 0;
    for (size_t k = idx + 1; k < m->nents && m->ents[k].start <= ce + 1; k++)
      covered |= m->ents[k].start == ce + 1;
    if (!covered)
      return 1;
  }
  if (cs >= 2 && s[cs - 1] == ' ') {
    size_t w = cs - 1;
    while (w > 0 && s[w - 1] != ' ' && s[w - 1] != '\n')
      w--;
    int32_t cp = nt_util_cp_at(s, n, w);
    int word_end_ok = nt_util_is_word_cp(nt_util_cp_before(s, cs - 1));
    if (!sentence_start(s, w) && word_end_ok && nt_util_is_upper_cp(cp)) {
      int covered = 0;
      for (size_t k = 0; k < idx; k++)
        covered |= m->ents[k].end == cs - 1;
      if (!covered)
        return 1;
    }
  }
  return 0;
}

static size_t words_between(const char *s, size_t a, size_t b) {
  size_t n = 0;
  for (size_t i = a; i < b; i++)
    n += s[i] == ' ' || s[i] == '\n';
  return n;
}

static int has_plain_mention(const nt_matches *m, const nt_lexicon *lex,
                             uint32_t entity, uint32_t mask) {
  for (size_t k = 0; k < m->nents; k++) {
    const nt_mention *x = &m->ents[k];
    if (!x->dropped && x->target == entity && is_article(x->zone) &&
        !(lex->patterns[x->pattern].flags & mask))
      return 1;
  }
  return 0;
}

static void resolve_shared(nt_matches *m, const nt_lexicon *lex) {
  for (size_t i = 0; i < m->nents;) {
    size_t j = i + 1;
    while (j < m->nents && m->ents[j].start == m->ents[i].start &&
           m->ents[j].end == m->ents[i].end)
      j++;
    /* two aliases of one entity on one span ("Su-35" plural, "Su-35S") */
    for (size_t k = i + 1; k < j; k++)
      for (size_t q = i; q < k; q++)
        if (!m->ents[q].dropped && m->ents[q].target == m->ents[k].target)
          m->ents[k].dropped = 1;
    size_t distinct = 0;
    for (size_t k = i; k < j; k++)
      distinct += !m->ents[k].dropped;
    int shared = distinct > 1 ||
                 (lex->patterns[m->ents[i].pattern].flags & NT_AF_SHARED);
    if (shared) {
      size_t keep = j, named = 0;
      for (size_t k = i; k < j; k++)
        if (!m->ents[k].dropped &&
            has_plain_mention(m, lex, m->ents[k].target, NT_AF_SHARED)) {
          named++;
          keep = k;
        }
      for (size_t k = i; k < j; k++)
        m->ents[k].dropped = named != 1 || k != keep;
    }
    i = j;
  }
}

/* A mention right before a suffix word ("British Airways") or right after
 * a prefix word ("Bank of China") is part of another name: dropped. */
static void apply_affixes(nt_matches *m, const nt_lexicon *lex,
                          const nt_text *t) {
  const char *s = t->clean.data;
  size_t k = 0;
  for (size_t i = 0; i < m->nents && m->naffixes; i++) {
    nt_mention *x = &m->ents[i];
    while (k < m->naffixes && m->affixes[k].end + 1 < x->start)
      k++;
    for (size_t j = k; j < m->naffixes && m->affixes[j].start <= x->end + 1; j++) {
      const nt_mention *w = &m->affixes[j];
      uint32_t kind = lex->patterns[w->pattern].kind;
      if ((kind == NT_PK_PREFIX && w->end + 1 == x->start && s[w->end] == ' ') ||
          (kind == NT_PK_SUFFIX && w->start == x->end + 1 && s[x->end] == ' '))
        x->dropped = 1;
    }
  }
}

static void apply_context(nt_matches *m, const nt_lexicon *lex,
                          const nt_text *t) {
  for (size_t i = 0; i < m->nents; i++) {
    nt_mention *x = &m->ents[i];
    uint32_t fl = lex->patterns[x->pattern].flags;
    if (x->dropped)
      continue;
    if ((fl & NT_AF_PERSON) && next_to_name(m, t, i))
      x->dropped = 2;
  }
  /* Once a word was a person's name ("Bill Jordan"), it stays one at the
   * start of a later sentence ("Jordan said"). */
  for (size_t i = 0; i < m->nents; i++) {
    if (m->ents[i].dropped != 2)
      continue;
    for (size_t k = i + 1; k < m->nents; k++)
      if (!m->ents[k].dropped && m->ents[k].pattern == m->ents[i].pattern &&
          sentence_start(t->clean.data, m->ents[k].start))
        m->ents[k].dropped = 1;
  }
  for (size_t i = 0; i < m->nents; i++) {
    nt_mention *x = &m->ents[i];
    if (x->dropped || !(lex->patterns[x->pattern].flags & NT_AF_CONTEXT))
      continue;
    int ok = has_plain_mention(m, lex, x->target, NT_AF_CONTEXT);
    nt_entity_type ty = lex->entities[x->target].type;
    for (size_t k = 0; k < m->nents && !ok; k++) {
      const nt_mention *y = &m->ents[k];
      if (k == i || y->dropped || y->target == x->target ||
          lex->entities[y->target].type != ty ||
          (lex->patterns[y->pattern].flags & NT_AF_CONTEXT))
        continue; /* only an unambiguous mention vouches for a context one */
      size_t a = y->start < x->start ? y->end : x->end;
      size_t b = y->start < x->start ? x->start : y->start;
      ok = a <= b && words_between(t->clean.data, a, b) <= 12;
    }
    x->dropped = !ok;
  }
}

/* ---- the pass ------------------------------------------------------------ */

nt_status nt_match_run(nt_matches *m, const nt_lexicon *lex,
                       const nt_text *t, const nt_zones *z) {
  m->folded.len = 0;
  m->ncand = m->nents = m->ncues = m->naffixes = 0;
  if (nt_util_fold(t->clean.data ? t->clean.data : "", t->clean.len,
                   &m->folded, &m->fmap, &m->fmapcap, 0) < 0)
    return NT_ERR_NOMEM;
  const nt_automaton *ac = &lex->ac;
  const unsigned char *f = (const unsigned char *)m->folded.data;
  size_t n = m->folded.len, ncl = ac->nclasses;
  uint32_t s = 0;
  for (size_t i = 0; i < n; i++) {
    s = ac->delta[(size_t)s * ncl + ac->cls[f[i]]];
    if (ac->out[s] == NONE && ac->outlink[s] == NONE)
      continue;
    for (uint32_t q = ac->out[s] != NONE ? s : ac->outlink[s]; q != NONE;
         q = ac->outlink[q])
      if (on_match(m, lex, t, ac->out[q], i + 1) < 0)
        return NT_ERR_NOMEM;
  }
  if (select_cands(m, lex) < 0)
    return NT_ERR_NOMEM;
  for (size_t i = 0; i < m->nents; i++)
    m->ents[i].zone = nt_zone_at(z, m->ents[i].start);
  for (size_t i = 0; i < m->ncues; i++)
    m->cues[i].zone = nt_zone_at(z, m->cues[i].start);
  apply_affixes(m, lex, t);
  resolve_shared(m, lex);
  apply_context(m, lex, t);
  return NT_OK;
}

void nt_match_free(nt_matches *m) {
  nt_buf_free(&m->folded);
  free(m->fmap);
  free(m->cand);
  free(m->ents);
  free(m->cues);
  free(m->affixes);
  memset(m, 0, sizeof *m);
}
