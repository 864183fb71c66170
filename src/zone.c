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
 * plus: a line repeated right after itself is a teaser headline.  A rule
 * with heads (lexicon.c) is tried only on lines where the trie pass found
 * one of them, so most lines cost no pcre2 call.
 *
 * Takes: nt_text, and the heads found by nt_match_scan (nt_matches).
 * Gives: nt_zones, one span per line, in order.
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

static int is_blank(const char *s, const nt_zone_span *sp) {
  size_t a = sp->start, b = sp->end;
  nt_util_trim(s, &a, &b);
  return a == b;
}

/* Whether rule r matches s[a, b). */
static int rule_matches(const nt_lexicon *lex, pcre2_match_data *md, size_t r,
                        const char *s, size_t a, size_t b) {
  return pcre2_match(nt_lexicon_rule_code(&lex->zone_rules[r]),
                     (PCRE2_SPTR)(s + a), b - a, 0, PCRE2_NO_UTF_CHECK, md,
                     NULL) >= 0;
}

/* Whether the trie found a head of zone rule r (SIZE_MAX: of any) before
 * b; anchors: those from the line's start on. */
static int has_head(const nt_lexicon *lex, const nt_mention *anchors, size_t n,
                    size_t r, size_t b) {
  for (size_t k = 0; k < n && anchors[k].start < b; k++) {
    const nt_pattern *p = &lex->patterns[anchors[k].pattern];
    if (p->kind == NT_PK_ZONE_ANCHOR && (p->target == r || r == SIZE_MAX))
      return 1;
  }
  return 0;
}

/* The first rule that matches the trimmed line [a, b), or -1.  A gated
 * rule is tried only where the trie found one of its heads (m->anchors,
 * from *ai on), unless m is NULL. */
static int rule_for(const nt_lexicon *lex, pcre2_match_data *md,
                    const nt_matches *m, size_t *ai, int all_gated,
                    const char *s, size_t a, size_t b, const char **reason) {
  nt_util_trim(s, &a, &b);
  if (a == b || b - a > 400)
    return -1;
  const nt_mention *an = NULL;
  size_t nan = 0;
  if (m) {
    while (*ai < m->nanchors && m->anchors[*ai].start < a)
      ++*ai;
    an = m->nanchors ? m->anchors + *ai : NULL; /* none: no pointer yet */
    nan = m->nanchors - *ai;
    if (all_gated && !has_head(lex, an, nan, SIZE_MAX, b))
      return -1; /* most lines: no head of any rule */
  }
  for (size_t r = 0; r < lex->nzone_rules; r++) {
    const nt_regex_rule *rule = &lex->zone_rules[r];
    if (rule->kind == NT_ZR_CLASS ||
        (m && rule->gated && !has_head(lex, an, nan, r, b)))
      continue;
    if (rule_matches(lex, md, r, s, a, b)) {
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
  nt_util_trim(s, &a, &b);
  size_t w = nt_util_count_words(s, a, b);
  return w > 0 && w <= 30 && b - a <= 300 && s[b - 1] != '.';
}

/* Teaser: walk back from a "Read More" line over at most three non-blank
 * lines (headline, repeated headline, summary), stopping at boilerplate and
 * never taking the article's last body line.  Returns the body lines taken. */
static size_t mark_teaser(nt_zones *z, const char *s, size_t end_line,
                          const char *reason, size_t body_lines) {
  size_t seen = 0, taken = 0;
  for (size_t i = end_line; i-- > 0 && seen < 3;) {
    nt_zone_span *sp = &z->spans[i];
    if (is_blank(s, sp))
      continue;
    if (sp->zone == NT_ZONE_BOILERPLATE || sp->zone == NT_ZONE_HEADLINE ||
        (sp->zone == NT_ZONE_BODY && taken + 1 >= body_lines))
      break;
    taken += sp->zone == NT_ZONE_BODY;
    mark(sp, reason);
    seen++;
  }
  return taken;
}

/* The first clean offset whose original offset is at least o. */
static size_t clean_at(const nt_text *t, size_t o) {
  size_t lo = 0, hi = t->clean.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (nt_text_orig(t, mid) < o)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The line containing clean offset c. */
static size_t line_of(const nt_zones *z, size_t c) {
  size_t lo = 0, hi = z->n;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (z->spans[mid].start <= c)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

typedef struct line_info {
  const char *hint_reason; /* covered by a boilerplate hint */
  int hint_headline;       /* covered by the markup's headline */
  int hint_standfirst;     /* covered by the markup's standfirst */
  size_t link_bytes;       /* bytes inside links */
} line_info;

static int cmp_hint_start(const void *a, const void *b) {
  const nt_hint *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Apply the markup's hints to the lines: boilerplate elements (the one
 * reaching furthest wins), the headline, and link text. */
static void apply_hints(const nt_zones *z, const nt_text *t, nt_markup *mk,
                        line_info *info) {
  if (!mk || !mk->nhints)
    return;
  qsort(mk->hints, mk->nhints, sizeof *mk->hints, cmp_hint_start);
  size_t h = 0, reach = 0;
  const char *reason = NULL;
  for (size_t l = 0; l < z->n; l++) {
    size_t o = nt_text_orig(t, z->spans[l].start);
    for (; h < mk->nhints && mk->hints[h].start <= o; h++)
      if (mk->hints[h].zone == NT_ZONE_BOILERPLATE && mk->hints[h].end > reach) {
        reach = mk->hints[h].end;
        reason = mk->hints[h].reason;
      }
    if (reach > o && z->spans[l].end > z->spans[l].start)
      info[l].hint_reason = reason ? reason : "boilerplate";
  }
  for (size_t k = 0; k < mk->nhints; k++) {
    const nt_hint *hn = &mk->hints[k];
    if (hn->zone != NT_ZONE_HEADLINE && hn->zone != NT_HINT_LINK &&
        hn->zone != NT_ZONE_STANDFIRST)
      continue;
    size_t cs = clean_at(t, hn->start), ce = clean_at(t, hn->end);
    size_t first = line_of(z, cs), last = ce > cs ? line_of(z, ce - 1) : first;
    if (last - first > 4)
      continue; /* a link or headline spanning paragraphs: no signal */
    for (size_t l = first; l <= last; l++) {
      size_t a = cs > z->spans[l].start ? cs : z->spans[l].start;
      size_t b = ce < z->spans[l].end ? ce : z->spans[l].end;
      if (hn->zone == NT_ZONE_HEADLINE)
        info[l].hint_headline |= b > a;
      else if (hn->zone == NT_ZONE_STANDFIRST)
        info[l].hint_standfirst |= b > a;
      else if (b > a)
        info[l].link_bytes += b - a;
    }
  }
}

/* A short line of capitalised words without sentence punctuation, like an
 * item of a navigation menu ("World", "Middle East", "Sign In"). */
static int menu_like(const char *s, const nt_zone_span *sp) {
  size_t a = sp->start, b = sp->end;
  nt_util_trim(s, &a, &b);
  size_t w = nt_util_count_words(s, a, b);
  if (w == 0 || w > 3 || b - a > 30 || strchr(".!?,:;", s[b - 1]))
    return 0;
  for (size_t i = a; i < b; i++)
    if ((i == a || s[i - 1] == ' ') && !nt_util_is_upper_cp(nt_util_cp_at(s, b, i)) &&
        !(s[i] >= '0' && s[i] <= '9'))
      return 0;
  return 1;
}

/* A run of three or more menu-like lines at the top of the page (blank
 * lines between allowed) is its navigation; further down such lines are
 * content (tables, lists of names). */
static void mark_menus(nt_zones *z, const char *s, const line_info *info) {
  size_t j = 0, items = 0, last = 0;
  while (j < z->n && (is_blank(s, &z->spans[j]) || info[j].hint_reason ||
                      menu_like(s, &z->spans[j]))) {
    if (!is_blank(s, &z->spans[j]) && !info[j].hint_reason)
      items++, last = j;
    j++;
  }
  if (items < 3)
    return;
  for (size_t k = 0; k <= last; k++)
    if (!is_blank(s, &z->spans[k]) && !info[k].hint_headline && !info[k].hint_reason)
      mark(&z->spans[k], "navigation");
}

/* Mostly link text: a menu, a list of related links or sources. */
static int link_dense(const char *s, const nt_zone_span *sp, const line_info *li) {
  size_t a = sp->start, b = sp->end;
  nt_util_trim(s, &a, &b);
  return b > a && li->link_bytes * 10 >= (b - a) * 6 && nt_util_count_words(s, a, b) <= 15;
}

nt_status nt_zone_split(nt_zones *z, const nt_lexicon *lex, void *mdv,
                        const nt_text *t, const nt_markup *mkc,
                        const nt_matches *m) {
  pcre2_match_data *md = mdv;
  nt_markup *mk = (nt_markup *)mkc; /* hints are sorted in place */
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
  line_info *info = calloc(z->n + 1, sizeof *info);
  if (!info)
    return NT_ERR_NOMEM;
  apply_hints(z, t, mk, info);
  int markup_headline = 0; /* a headline element with text in it */
  for (size_t i = 0; i < z->n; i++) {
    if (info[i].hint_headline)
      info[i].hint_headline = !is_blank(s, &z->spans[i]);
    markup_headline |= info[i].hint_headline;
  }
  mark_menus(z, s, info);
  int headline_done = 0, body_seen = 0, tail = 0;
  size_t body_lines = 0;
  size_t prev = SIZE_MAX; /* previous non-blank line */
  size_t ai = 0;          /* the first anchor not before this line */
  int all_gated = 1;      /* every line rule needs a head */
  for (size_t r = 0; r < lex->nzone_rules; r++)
    all_gated &= lex->zone_rules[r].kind == NT_ZR_CLASS || lex->zone_rules[r].gated;
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
    if (info[i].hint_reason) {
      mark(sp, info[i].hint_reason);
      continue;
    }
    if (sp->zone == NT_ZONE_BOILERPLATE) /* a menu */
      continue;
    if (markup_headline && !headline_done) {
      if (info[i].hint_headline) {
        sp->zone = NT_ZONE_HEADLINE;
        headline_done = 1;
        prev = i;
      } else {
        mark(sp, "navigation"); /* before the article's headline */
      }
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
    if (info[i].hint_standfirst) {
      sp->zone = NT_ZONE_STANDFIRST;
      prev = i;
      continue;
    }
    if (link_dense(s, sp, &info[i])) {
      mark(sp, body_seen ? "related-links" : "navigation");
      continue;
    }
    const char *reason = NULL;
    int kind =
        rule_for(lex, md, m, &ai, all_gated, s, sp->start, sp->end, &reason);
    if (kind == NT_ZR_TAIL && body_seen) {
      tail = 1;
      tail_reason = reason;
      mark(sp, reason);
    } else if (kind == NT_ZR_LINE) {
      mark(sp, reason);
    } else if (kind == NT_ZR_TEASER_END) {
      mark(sp, reason);
      body_lines -= mark_teaser(z, s, i, reason, body_lines);
    } else if (kind == NT_ZR_TAGLINE) {
      mark(sp, reason);
      if (prev != SIZE_MAX && z->spans[prev].zone == NT_ZONE_BODY &&
          nt_util_count_words(s, z->spans[prev].start, z->spans[prev].end) <= 5)
        mark(&z->spans[prev], reason);
    } else if (prev != SIZE_MAX && z->spans[prev].zone != NT_ZONE_HEADLINE &&
               sp->end - sp->start == z->spans[prev].end - z->spans[prev].start &&
               memcmp(s + sp->start, s + z->spans[prev].start,
                      sp->end - sp->start) == 0) {
      mark(sp, "teaser");
      mark(&z->spans[prev], "teaser");
    } else {
      body_seen = 1;
      body_lines++;
    }
    prev = i;
  }
  free(info);
  return NT_OK;
}

nt_zone nt_zone_at(const nt_zones *z, size_t off) {
  return z->n ? z->spans[line_of(z, off)].zone : NT_ZONE_BODY;
}

void nt_zone_free(nt_zones *z) {
  free(z->spans);
  z->spans = NULL;
  z->n = z->cap = 0;
}
