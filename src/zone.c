/*
 * zone.c - stage 2b: classes every line of the cleaned text as headline,
 * body or boilerplate (with a reason), so that teasers of other articles,
 * related-link lists, bylines and taglines do not feed the article's tags.
 *
 * Signals: the rules of zones.tsv (pcre2, one trimmed line at a time):
 *   tail        a heading after which everything is boilerplate (Recent, Related)
 *   line        the line itself is boilerplate (share buttons, cookie notice)
 *   teaser-end  "Read More »": the few lines before it are a teaser
 *   tagline     the line and the short line before it are an author box
 * plus: a line repeated right after itself is a teaser headline.
 *
 * Takes: nt_text.  Gives: nt_zones, one span per line, in order.
 */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int add_span(nt_zones *z, size_t s, size_t e) {
  if (nt_util_grow(&z->spans, &z->cap, z->n + 1, sizeof *z->spans) < 0)
    return -1;
  nt_zone_span *sp = &z->spans[z->n++];
  sp->start = s;
  sp->end = e;
  sp->zone = NT_ZONE_BODY;
  sp->reason = NULL;
  return 0;
}

static void trim(const char *s, size_t *a, size_t *b) {
  while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
    (*a)++;
  while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
    (*b)--;
}

static int is_blank(const char *s, const nt_zone_span *sp) {
  size_t a = sp->start, b = sp->end;
  trim(s, &a, &b);
  return a == b;
}

static size_t count_words(const char *s, size_t a, size_t b) {
  size_t n = 0;
  int in = 0;
  for (size_t i = a; i < b; i++) {
    int sp = s[i] == ' ';
    n += !sp && !in;
    in = !sp;
  }
  return n;
}

/* The first rule that matches the trimmed line, or -1. */
static int rule_for(const nt_lexicon *lex, pcre2_match_data *md,
                    const char *s, size_t a, size_t b, const char **reason) {
  trim(s, &a, &b);
  if (a == b || b - a > 400)
    return -1;
  for (size_t r = 0; r < lex->nzone_rules; r++) {
    const nt_regex_rule *rule = &lex->zone_rules[r];
    if (pcre2_match((const pcre2_code *)rule->code, (PCRE2_SPTR)(s + a), b - a,
                    0, PCRE2_NO_UTF_CHECK, md, NULL) >= 0) {
      *reason = rule->reason;
      return rule->kind;
    }
  }
  return -1;
}

static void mark(nt_zone_span *sp, const char *reason) {
  sp->zone = NT_ZONE_BOILERPLATE;
  sp->reason = reason;
}

/* Does line i look like a headline (short, no final full stop)? */
static int headline_like(const char *s, const nt_zone_span *sp) {
  size_t a = sp->start, b = sp->end;
  trim(s, &a, &b);
  size_t w = count_words(s, a, b);
  return w > 0 && w <= 30 && b - a <= 300 && s[b - 1] != '.';
}

/* Teaser: walk back from a "Read More" line over at most three non-blank
 * lines (headline, repeated headline, summary), stopping at boilerplate. */
static void mark_teaser(nt_zones *z, const char *s, size_t end_line,
                        const char *reason) {
  size_t seen = 0;
  for (size_t i = end_line; i-- > 0 && seen < 3;) {
    nt_zone_span *sp = &z->spans[i];
    if (is_blank(s, sp))
      continue;
    if (sp->zone == NT_ZONE_BOILERPLATE || sp->zone == NT_ZONE_HEADLINE)
      break;
    mark(sp, reason);
    seen++;
  }
}

nt_status nt_zone_split(nt_zones *z, const nt_lexicon *lex, void *mdv,
                        const nt_text *t, int has_title) {
  (void)has_title;
  pcre2_match_data *md = mdv;
  const char *s = t->clean.data;
  size_t n = t->clean.len;
  z->n = 0;
  for (size_t a = 0; a <= n;) {
    const char *nl = memchr(s + a, '\n', n - a);
    size_t b = nl ? (size_t)(nl - s) : n;
    if (add_span(z, a, b) < 0)
      return NT_ERR_NOMEM;
    a = b + 1;
  }
  int headline_done = 0, body_seen = 0, tail = 0;
  size_t prev = SIZE_MAX; /* previous non-blank line */
  const char *tail_reason = NULL;
  for (size_t i = 0; i < z->n; i++) {
    nt_zone_span *sp = &z->spans[i];
    if (is_blank(s, sp)) {
      sp->zone = tail ? NT_ZONE_BOILERPLATE : NT_ZONE_BODY;
      sp->reason = tail_reason;
      continue;
    }
    if (tail) {
      mark(sp, tail_reason);
      continue;
    }
    if (!headline_done) {
      headline_done = 1;
      if (headline_like(s, sp)) {
        sp->zone = NT_ZONE_HEADLINE;
        prev = i;
        continue;
      }
    }
    const char *reason = NULL;
    int kind = rule_for(lex, md, s, sp->start, sp->end, &reason);
    if (kind == NT_ZR_TAIL && body_seen) {
      tail = 1;
      tail_reason = reason;
      mark(sp, reason);
    } else if (kind == NT_ZR_LINE) {
      mark(sp, reason);
    } else if (kind == NT_ZR_TEASER_END) {
      mark(sp, reason);
      mark_teaser(z, s, i, reason);
    } else if (kind == NT_ZR_TAGLINE) {
      mark(sp, reason);
      if (prev != SIZE_MAX && z->spans[prev].zone == NT_ZONE_BODY &&
          count_words(s, z->spans[prev].start, z->spans[prev].end) <= 5)
        mark(&z->spans[prev], reason);
    } else if (prev != SIZE_MAX && z->spans[prev].zone != NT_ZONE_HEADLINE &&
               sp->end - sp->start == z->spans[prev].end - z->spans[prev].start &&
               memcmp(s + sp->start, s + z->spans[prev].start,
                      sp->end - sp->start) == 0) {
      mark(sp, "teaser");
      mark(&z->spans[prev], "teaser");
    } else {
      body_seen = 1;
    }
    prev = i;
  }
  return NT_OK;
}

nt_zone nt_zone_at(const nt_zones *z, size_t off) {
  size_t lo = 0, hi = z->n;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (z->spans[mid].start <= off)
      lo = mid;
    else
      hi = mid;
  }
  return z->n ? z->spans[lo].zone : NT_ZONE_BODY;
}

void nt_zone_free(nt_zones *z) {
  free(z->spans);
  z->spans = NULL;
  z->n = z->cap = 0;
}
