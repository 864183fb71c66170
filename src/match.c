/*
 * match.c - stage 3: finds entity aliases, stop phrases, topic cues and the
 * heads of topic patterns and zone rules in the cleaned text in one pass
 * over the folded text (case folded, accents removed): a byte trie of every
 * key, walked from each word start (keys start at words, so no failure links
 * are needed; the cost is the walk depth, not the number of keys - see
 * bench/README.md for the comparison with Hyperscan) where a bit set of the
 * keys' first bytes, the gate, says that a key may begin.  Then it applies the
 * word-boundary, case, plural, longest-match and context rules.
 *
 * Two calls: nt_match_scan (fold and trie pass, before zoning: zone.c and
 * score.c use the heads it finds) and nt_match_run (the rules).
 * Takes: the lexicon's trie, the cleaned text (nt_text) and its zones.
 * Gives: nt_matches.ents (entity mentions, sorted by start, dropped ones
 * marked) and nt_matches.cues (topic cues), all in clean offsets.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* ---- building the trie -------------------------------------------------- */

/* The trie is built level by level from the keys of the chain heads (one
 * head per distinct folded key).  The keys that go on below the nodes of
 * one level are kept grouped by node, in node order; sorting each group by
 * its next byte gives the node's children in byte order, numbered in turn,
 * and the groups of the next level in the same order: the numbering is
 * breadth first, and time and memory are linear in the total key length
 * (an MSD radix sort; no temporary trie).  The keys are copied into one
 * buffer, and copied again in level order now and then, so that reading
 * them level after level goes through memory in order. */
typedef struct bkey {
  uint32_t off; /* the key's rest in the buffer, from depth b->base */
  uint32_t pat; /* its pattern */
  uint32_t at;  /* its node at this level */
} bkey;

typedef struct builder {
  nt_trie *tr;
  size_t cap;        /* nodes allocated */
  bkey *key, *next;  /* this level's keys by node, and the next level's */
  bkey *tmp;         /* scratch for sorting one group */
  size_t n, nn;      /* keys in this level and in the next */
  uint8_t *buf;      /* the keys' rests, each NUL-terminated */
  size_t base;       /* the depth where the buffer's rests begin */
} builder;

static int grow_nodes(builder *b, size_t need) {
  nt_trie *tr = b->tr;
  size_t cap = b->cap;
  if (need <= cap)
    return 0;
  if (need > NONE || nt_util_grow(&tr->node, &cap, need, sizeof *tr->node) < 0)
    return -1;
  cap = b->cap;
  if (nt_util_grow(&tr->byte, &cap, need, 1) < 0)
    return -1;
  b->cap = cap;
  return 0;
}

static uint8_t key_byte(const builder *b, const bkey *k, size_t depth) {
  return b->buf[k->off + depth - b->base];
}

/* Sort keys[0..n) by their byte at depth: insertion sort for few keys,
 * else a counting sort through b->tmp. */
static void sort_group(builder *b, bkey *keys, size_t n, size_t depth) {
  if (n <= 16) {
    for (size_t i = 1; i < n; i++) {
      bkey k = keys[i];
      uint8_t c = key_byte(b, &k, depth);
      size_t j = i;
      for (; j > 0 && key_byte(b, &keys[j - 1], depth) > c; j--)
        keys[j] = keys[j - 1];
      keys[j] = k;
    }
    return;
  }
  size_t count[257] = {0};
  for (size_t i = 0; i < n; i++)
    count[key_byte(b, &keys[i], depth) + 1]++;
  for (int c = 0; c < 256; c++)
    count[c + 1] += count[c];
  for (size_t i = 0; i < n; i++)
    b->tmp[count[key_byte(b, &keys[i], depth)]++] = keys[i];
  memcpy(keys, b->tmp, n * sizeof *keys);
}

/* The children of node from its group keys[0..n) at depth: keys that end
 * at a child become its output, the others go to the next level. */
static int add_children(builder *b, uint32_t node, bkey *keys, size_t n,
                        size_t depth) {
  nt_trie *tr = b->tr;
  sort_group(b, keys, n, depth);
  for (size_t i = 0; i < n;) {
    uint8_t c = key_byte(b, &keys[i], depth);
    if (grow_nodes(b, (size_t)tr->nnodes + 1) < 0)
      return -1;
    uint32_t id = tr->nnodes++;
    tr->node[id] = (nt_trie_node){0, NONE, 0, 0, 0};
    tr->byte[id] = c;
    tr->node[node].nchild++;
    for (; i < n && key_byte(b, &keys[i], depth) == c; i++) {
      if (key_byte(b, &keys[i], depth + 1) == 0) {
        tr->node[id].out = keys[i].pat;
      } else {
        b->next[b->nn] = keys[i];
        b->next[b->nn++].at = id;
      }
    }
  }
  return 0;
}

/* Number the nodes of the level [first, last) and their children. */
static int build_level(builder *b, uint32_t first, uint32_t last,
                       size_t depth) {
  nt_trie *tr = b->tr;
  size_t i = 0;
  b->nn = 0;
  for (uint32_t node = first; node < last; node++) {
    tr->node[node].child = tr->nnodes;
    tr->node[node].nchild = 0;
    size_t j = i;
    while (j < b->n && b->key[j].at == node)
      j++;
    if (j > i && add_children(b, node, b->key + i, j - i, depth) < 0)
      return -1;
    i = j;
  }
  bkey *t = b->key;
  b->key = b->next;
  b->next = t;
  b->n = b->nn;
  return 0;
}

/* Copy the rests of this level's keys from depth on into a new buffer, in
 * level order (src: the patterns, or the old buffer). */
static int pack_keys(builder *b, const nt_lexicon *lex, size_t depth) {
  size_t total = 0;
  for (size_t i = 0; i < b->n; i++) {
    const char *s = b->buf ? (const char *)b->buf + b->key[i].off + depth - b->base
                           : lex->patterns[b->key[i].pat].folded + depth;
    total += strlen(s) + 1;
  }
  uint8_t *buf = malloc(total ? total : 1);
  if (!buf || total > NONE) {
    free(buf);
    return -1;
  }
  size_t off = 0;
  for (size_t i = 0; i < b->n; i++) {
    const char *s = b->buf ? (const char *)b->buf + b->key[i].off + depth - b->base
                           : lex->patterns[b->key[i].pat].folded + depth;
    size_t len = strlen(s) + 1;
    memcpy(buf + off, s, len);
    b->key[i].off = (uint32_t)off;
    off += len;
  }
  free(b->buf);
  b->buf = buf;
  b->base = depth;
  return 0;
}

/* The chain heads, enabled patterns no other pattern chains to, as the
 * keys of the root; an empty key ends at the root. */
static int find_heads(builder *b, const nt_lexicon *lex) {
  uint8_t *head = calloc(lex->npatterns + 1, 1);
  if (!head)
    return -1;
  for (size_t i = 0; i < lex->npatterns; i++)
    head[i] = !(lex->patterns[i].flags & NT_AF_DISABLED);
  for (size_t i = 0; i < lex->npatterns; i++)
    if (head[i] && lex->patterns[i].next_same != NONE)
      head[lex->patterns[i].next_same] = 0;
  b->tr->node[0] = (nt_trie_node){0, NONE, 0, 0, 0};
  for (size_t i = 0; i < lex->npatterns; i++) {
    if (!head[i])
      continue;
    if (!lex->patterns[i].folded[0])
      b->tr->node[0].out = (uint32_t)i;
    else
      b->key[b->n++] = (bkey){0, (uint32_t)i, 0};
  }
  free(head);
  return 0;
}

/* The root, then every level. */
static int build_trie(builder *b, const nt_lexicon *lex) {
  nt_trie *tr = b->tr;
  if (grow_nodes(b, 1) < 0 || find_heads(b, lex) < 0)
    return -1;
  tr->nnodes = 1;
  tr->byte[0] = 0;
  uint32_t first = 0, last = 1;
  for (size_t depth = 0; first < last; depth++) {
    if ((depth & (depth - 1)) == 0 && pack_keys(b, lex, depth) < 0)
      return -1; /* at depths 0, 1, 2, 4, 8...: few copies, mostly in order */
    if (build_level(b, first, last, depth) < 0)
      return -1;
    first = last;
    last = tr->nnodes;
  }
  return 0;
}

/* What build_trie leaves to do: ext from the chains, the root table, and
 * the array trimmed to its size. */
static int finish_trie(nt_trie *tr, const nt_lexicon *lex) {
  uint32_t n = tr->nnodes;
  for (uint32_t id = 0; id < n; id++)
    for (uint32_t p = tr->node[id].out; p != NONE; p = lex->patterns[p].next_same)
      if (lex->patterns[p].flags & (NT_AF_PLURAL | NT_AF_STEM | NT_AF_ANCHOR))
        tr->node[id].ext = 1;
  for (int c = 0; c < 256; c++)
    tr->root[c] = NONE;
  const nt_trie_node *root = &tr->node[0];
  for (uint32_t k = 0; k < root->nchild; k++)
    tr->root[tr->byte[root->child + k]] = root->child + k;
  void *p;
  if ((p = realloc(tr->node, (size_t)n * sizeof *tr->node)))
    tr->node = p;
  if ((p = realloc(tr->byte, n)))
    tr->byte = p;
  return 0;
}

int nt_match_build(nt_lexicon *lex, nt_error *err) {
  builder b = {0};
  size_t np = lex->npatterns + 1;
  b.tr = &lex->trie;
  memset(&lex->trie, 0, sizeof lex->trie);
  b.key = malloc(np * sizeof *b.key);
  b.next = malloc(np * sizeof *b.next);
  b.tmp = malloc(np * sizeof *b.tmp);
  int rc = b.key && b.next && b.tmp ? 0 : -1;
  if (rc < 0 || build_trie(&b, lex) < 0 || finish_trie(&lex->trie, lex) < 0)
    rc = -1;
  free(b.key);
  free(b.next);
  free(b.tmp);
  free(b.buf);
  if (rc < 0) {
    nt_match_free_trie(&lex->trie);
    nt_error_set(err, NT_ERR_NOMEM, NULL, 0, "out of memory building the trie");
  }
  return rc;
}

void nt_match_free_trie(nt_trie *tr) {
  free(tr->node);
  free(tr->byte);
  memset(tr, 0, sizeof *tr);
}

/* The child of node for byte c, or NONE. */
static inline uint32_t trie_step(const nt_trie *tr, uint32_t node, uint8_t c) {
  uint32_t lo = tr->node[node].child, n = tr->node[node].nchild;
  const uint8_t *by = tr->byte + lo;
  if (n <= 1) /* most nodes below the first levels: one child */
    return n && by[0] == c ? lo : NONE;
#if defined(__SSE2__)
  /* sixteen children's bytes at a time, when the array goes on that far */
  if (lo + ((n + 15) & ~15u) <= tr->nnodes) {
    __m128i want = _mm_set1_epi8((char)c);
    for (uint32_t k = 0; k < n; k += 16) {
      unsigned hit = (unsigned)_mm_movemask_epi8(
          _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(by + k)), want));
      if (n - k < 16)
        hit &= (1u << (n - k)) - 1;
      if (hit)
        return lo + k + (uint32_t)__builtin_ctz(hit);
    }
    return NONE;
  }
#endif
  for (uint32_t k = 0; k < n && by[k] <= c; k++)
    if (by[k] == c)
      return lo + k;
  return NONE;
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

/* A head (pattern pat) of a topic pattern or zone rule at clean offset cs;
 * the rule runs once from there, so its other heads at cs are not kept. */
static int add_anchor(nt_matches *m, const nt_lexicon *lex, uint32_t pat,
                      size_t cs) {
  const nt_pattern *p = &lex->patterns[pat];
  size_t k = m->nanchors;
  while (k > 0 && m->anchors[k - 1].start == cs) {
    const nt_mention *a = &m->anchors[--k];
    if (a->target == p->target && lex->patterns[a->pattern].kind == p->kind)
      return 0;
  }
  if (nt_util_grow(&m->anchors, &m->anchorcap, m->nanchors + 1,
                   sizeof *m->anchors) < 0)
    return -1;
  nt_mention *a = &m->anchors[m->nanchors++];
  memset(a, 0, sizeof *a);
  a->start = a->end = cs;
  a->pattern = pat;
  a->target = p->target;
  return 0;
}

/* A match of the chain starting at pattern h on folded bytes [fs, fe). */
static int on_match(nt_matches *m, const nt_lexicon *lex, const nt_text *t,
                    uint32_t h, size_t fs, size_t fe) {
  const char *s = t->clean.data;
  size_t slen = t->clean.len, flen = m->folded.len;
  const size_t *fm = m->fmap; /* NULL: ASCII, folded byte k is clean byte k */
  if (fm && fs > 0 && fm[fs - 1] == fm[fs])
    return 0; /* starts inside one code point's folding */
  size_t cs = fm ? fm[fs] : fs, ce = fm ? fm[fe] : fe;
  if (nt_util_is_word_cp(nt_util_cp_before(s, cs)))
    return 0;
  /* ending inside one code point's folding is no match, but a head is */
  int split_end = fm && fe < flen && fm[fe - 1] == fm[fe];
  int32_t after = nt_util_cp_at(s, slen, ce);
  for (uint32_t i = h; i != NONE; i = lex->patterns[i].next_same) {
    const nt_pattern *p = &lex->patterns[i];
    size_t end = ce;
    if (p->flags & NT_AF_ANCHOR) {
      if (add_anchor(m, lex, i, cs) < 0)
        return -1;
      continue;
    }
    if (split_end)
      continue;
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
static int cand_before(const void *yv, const void *xv, const void *lexv) {
  const nt_mention *y = yv, *x = xv;
  const nt_lexicon *lex = lexv;
  int cx = cls_of(lex, x), cy = cls_of(lex, y);
  if (cx != cy)
    return cy < cx;
  if (y->start != x->start)
    return y->start < x->start;
  if (y->end != x->end)
    return y->end > x->end;
  return y->pattern < x->pattern;
}

static int push(nt_mention **arr, size_t *n, size_t *cap, const nt_mention *c) {
  if (nt_util_grow(arr, cap, *n + 1, sizeof **arr) < 0)
    return -1;
  (*arr)[(*n)++] = *c;
  return 0;
}

/* Is cue candidate k the first of the heaviest for its topic in [i, j)? */
static int best_cue(const nt_lexicon *lex, const nt_mention *c, size_t i,
                    size_t j, size_t k) {
  for (size_t q = i; q < j; q++) {
    if (q == k || c[q].target != c[k].target)
      continue;
    double wq = lex->patterns[c[q].pattern].weight;
    double wk = lex->patterns[c[k].pattern].weight;
    if (wq > wk || (wq == wk && q < k))
      return 0;
  }
  return 1;
}

/* Leftmost-longest selection; a stop phrase that wins drops everything in
 * its span; several entities on one span are kept for resolve_shared(). */
static int select_cands(nt_matches *m, const nt_lexicon *lex) {
  if (nt_util_sort(m->cand, m->ncand, sizeof *m->cand, cand_before, lex) < 0)
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
        if (cl == 1 && !best_cue(lex, m->cand, i, j, k))
          continue; /* one cue per topic on one span: the heaviest */
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

/* headline_style's counts over the ASCII start of the line [a, b), 16
 * bytes at a time; returns where it stopped (b, a byte of a non-ASCII
 * character, or fewer than 16 bytes before b). */
static size_t ascii_style(const char *s, size_t a, size_t b, size_t *words,
                          size_t *capital, size_t *upper, size_t *letters) {
  size_t i = a;
#if defined(__SSE2__)
  /* 0/1 bytes summed with psadbw (SSE2 has no popcount) */
  const __m128i one = _mm_set1_epi8(1), zero = _mm_setzero_si128();
  __m128i last = _mm_set1_epi8(-1); /* the line's start: after a separator */
  __m128i n_let = zero, n_up = zero, n_words = zero, n_cap = zero;
  for (; i + 16 <= b; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
    if (_mm_movemask_epi8(v))
      break;
    __m128i up = _mm_and_si128(nt_util_in_range16(v, 'A', 25), one);
    __m128i low = _mm_and_si128(nt_util_in_range16(v, 'a', 25), one);
    __m128i sep = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
        _mm_cmpeq_epi8(v, _mm_set1_epi8('(')));
    __m128i start = _mm_or_si128(_mm_slli_si128(sep, 1), _mm_srli_si128(last, 15));
    __m128i letter = _mm_or_si128(up, low);
    n_let = _mm_add_epi64(n_let, _mm_sad_epu8(letter, zero));
    n_up = _mm_add_epi64(n_up, _mm_sad_epu8(up, zero));
    n_words = _mm_add_epi64(n_words, _mm_sad_epu8(_mm_and_si128(letter, start), zero));
    n_cap = _mm_add_epi64(n_cap, _mm_sad_epu8(_mm_and_si128(up, start), zero));
    last = sep;
  }
  *letters += (size_t)nt_util_sum_lanes(n_let);
  *upper += (size_t)nt_util_sum_lanes(n_up);
  *words += (size_t)nt_util_sum_lanes(n_words);
  *capital += (size_t)nt_util_sum_lanes(n_cap);
#else
  (void)s, (void)b, (void)words, (void)capital, (void)upper, (void)letters;
#endif
  return i;
}

/* Is the line around pos written in capitals or title case (a headline),
 * where capitalisation says nothing about names?  Remembered per line, so
 * a line with many mentions is read once. */
static int headline_style(nt_matches *m, const nt_text *t, size_t pos) {
  const char *s = t->clean.data;
  size_t n = t->clean.len;
  if (m->style_valid && pos >= m->style_a && pos <= m->style_b)
    return m->style;
  size_t a = pos, b = pos;
  while (a > 0 && s[a - 1] != '\n')
    a--;
  const char *nl = b < n ? memchr(s + b, '\n', n - b) : NULL;
  b = nl ? (size_t)(nl - s) : n;
  size_t words = 0, capital = 0, upper = 0, letters = 0;
  size_t i = ascii_style(s, a, b, &words, &capital, &upper, &letters);
  while (i < b) {
    int32_t cp = (unsigned char)s[i];
    size_t k = 1;
    if (cp >= 0x80)
      k = nt_util_utf8_decode((const unsigned char *)s + i, b - i, &cp);
    int start = i == a || s[i - 1] == ' ' || s[i - 1] == '"' || s[i - 1] == '(';
    int up = cp < 0x80 ? (unsigned)(cp - 'A') < 26 : nt_util_is_upper_cp(cp);
    int low = cp < 0x80 ? (unsigned)(cp - 'a') < 26 : nt_util_is_lower_cp(cp);
    if (up || low) {
      letters++;
      upper += up;
      if (start) {
        words++;
        capital += up;
      }
    }
    i += k;
  }
  m->style_valid = 1;
  m->style_a = a;
  m->style_b = b;
  m->style = (letters >= 4 && upper * 10 >= letters * 8) ||
             (words >= 3 && capital * 4 >= words * 3);
  return m->style;
}

static int is_notname(const nt_lexicon *lex, const char *s, size_t a, size_t b) {
  return nt_lexicon_has_word(lex, NT_WL_NOTNAME, s + a, b - a);
}

/* The capitalised word starting at pos (a letter in upper case, then word
 * characters): its end, or 0 if there is none. */
static size_t capital_word(const char *s, size_t n, size_t pos) {
  if (pos >= n || !nt_util_is_upper_cp(nt_util_cp_at(s, n, pos)))
    return 0;
  size_t e = pos;
  while (e < n && (nt_util_is_word_cp(nt_util_cp_at(s, n, e)) || s[e] == '-'))
    e += nt_util_utf8_decode((const unsigned char *)s + e, n - e, &(int32_t){0});
  return e;
}

/* A country followed by a Roman numeral that is not followed by a word is a
 * numbered crew, team or vessel ("Canada I ( Pierre Lueders )", "Italy II
 * 1:47.32"), unlike "in Italy I think". */
static int numbered_name(const nt_text *t, size_t ce) {
  const char *s = t->clean.data;
  size_t n = t->clean.len, e = ce + 1;
  if (e >= n || s[ce] != ' ')
    return 0;
  while (e < n && (s[e] == 'I' || s[e] == 'V'))
    e++;
  if (e == ce + 1 || e - ce > 4 || (e < n && nt_util_is_word_cp(nt_util_cp_at(s, n, e))))
    return 0;
  size_t q = e;
  while (q < n && s[q] == ' ')
    q++;
  return q >= n || !nt_util_is_word_cp(nt_util_cp_at(s, n, q)) ||
         (s[q] >= '0' && s[q] <= '9');
}

/* A demonym or country name followed by capitalised words that end in an
 * organisation word is part of that organisation's name ("Canadian Wheat
 * Board", "Russian Weather Service"), unlike "Russian Igor Kolyvanov". */
static int starts_org_name(nt_matches *m, const nt_lexicon *lex,
                           const nt_text *t, size_t ce) {
  const char *s = t->clean.data;
  size_t n = t->clean.len, pos = ce;
  if (headline_style(m, t, ce))
    return 0;
  for (int words = 0; words < 4 && pos + 1 < n && s[pos] == ' '; words++) {
    size_t e = capital_word(s, n, pos + 1);
    if (!e)
      return 0;
    if (nt_lexicon_has_word(lex, NT_WL_ORGWORD, s + pos + 1, e - pos - 1))
      return 1;
    pos = e;
  }
  return 0;
}

/* Is the mention next to a capitalised word that is neither a mention nor
 * a word that cannot be a name ("Chad Smith", "Michael Jordan")? */
static int next_to_name(nt_matches *m, const nt_lexicon *lex,
                        const nt_text *t, size_t idx) {
  const char *s = t->clean.data;
  size_t n = t->clean.len, cs = m->ents[idx].start, ce = m->ents[idx].end;
  if (headline_style(m, t, cs))
    return 0;
  if (ce + 1 < n && s[ce] == ' ' && nt_util_is_upper_cp(nt_util_cp_at(s, n, ce + 1))) {
    size_t e = ce + 1;
    while (e < n && nt_util_is_word_cp(nt_util_cp_at(s, n, e)))
      e += nt_util_utf8_decode((const unsigned char *)s + e, n - e, &(int32_t){0});
    int covered = 0;
    for (size_t k = idx + 1; k < m->nents && m->ents[k].start <= ce + 1; k++)
      covered |= m->ents[k].start == ce + 1;
    if (!covered && !is_notname(lex, s, ce + 1, e))
      return 1;
  }
  if (cs >= 2 && s[cs - 1] == ' ') {
    size_t w = cs - 1;
    while (w > 0 && s[w - 1] != ' ' && s[w - 1] != '\n')
      w--;
    int32_t cp = nt_util_cp_at(s, n, w);
    int word_end_ok = nt_util_is_word_cp(nt_util_cp_before(s, cs - 1));
    if (word_end_ok && nt_util_is_upper_cp(cp) && !is_notname(lex, s, w, cs - 1)) {
      int covered = 0; /* mentions are sorted: only earlier ones end there */
      for (size_t k = idx; k-- > 0 && m->ents[k].start + 64 >= cs;)
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

/* For every entity, whether the article names it by an alias without the
 * flags in mask (m->plain, reset through m->touched). */
static int plain_mentions(nt_matches *m, const nt_lexicon *lex, uint32_t mask) {
  if (nt_util_grow(&m->plain, &m->plaincap, lex->nentities + 1, 1) < 0)
    return -1;
  if (m->plaincap > m->plain_init) {
    memset(m->plain + m->plain_init, 0, m->plaincap - m->plain_init);
    m->plain_init = m->plaincap;
  }
  for (size_t k = 0; k < m->ntouched; k++)
    m->plain[m->touched[k]] = 0;
  m->ntouched = 0;
  for (size_t k = 0; k < m->nents; k++) {
    const nt_mention *x = &m->ents[k];
    if (x->dropped || !is_article(x->zone) ||
        (lex->patterns[x->pattern].flags & mask) || m->plain[x->target])
      continue;
    if (nt_util_grow(&m->touched, &m->touchedcap, m->ntouched + 1,
                     sizeof *m->touched) < 0)
      return -1;
    m->plain[x->target] = 1;
    m->touched[m->ntouched++] = x->target;
  }
  return 0;
}

static int has_plain_mention(const nt_matches *m, uint32_t entity) {
  return m->plain[entity];
}

static int resolve_shared(nt_matches *m, const nt_lexicon *lex) {
  if (plain_mentions(m, lex, NT_AF_SHARED) < 0)
    return -1;
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
            has_plain_mention(m, m->ents[k].target)) {
          named++;
          keep = k;
        }
      for (size_t k = i; k < j; k++)
        m->ents[k].dropped = named != 1 || k != keep;
    }
    i = j;
  }
  return 0;
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

/* Is a mention of another entity of x's type, not itself ambiguous, within
 * 12 words of mention i? */
static int vouched(const nt_matches *m, const nt_lexicon *lex, const char *s,
                   size_t i) {
  const nt_mention *x = &m->ents[i];
  nt_entity_type ty = lex->entities[x->target].type;
  for (int dir = -1; dir <= 1; dir += 2) {
    for (size_t k = i; dir < 0 ? k-- > 0 : ++k < m->nents;) {
      const nt_mention *y = &m->ents[k];
      size_t a = dir < 0 ? y->end : x->end, b = dir < 0 ? x->start : y->start;
      if (a > b)
        continue; /* overlapping: same span */
      if (b - a > 400 || words_between(s, a, b) > 12)
        break;
      if (!y->dropped && y->target != x->target &&
          lex->entities[y->target].type == ty &&
          !(lex->patterns[y->pattern].flags & NT_AF_CONTEXT))
        return 1;
    }
  }
  return 0;
}

static int apply_context(nt_matches *m, const nt_lexicon *lex,
                         const nt_text *t) {
  if (plain_mentions(m, lex, NT_AF_CAPSWORD) < 0)
    return -1;
  for (size_t i = 0; i < m->nents; i++) {
    nt_mention *x = &m->ents[i];
    uint32_t fl = lex->patterns[x->pattern].flags;
    if (x->dropped)
      continue;
    if ((fl & NT_AF_PERSON) && next_to_name(m, lex, t, i))
      x->dropped = 2;
    else if (lex->entities[x->target].type == NT_COUNTRY &&
             (starts_org_name(m, lex, t, x->end) || numbered_name(t, x->end)))
      x->dropped = 1;
    /* an acronym that is also a word ("IS", "WHO") in a line of capitals
     * needs its entity named another way too */
    else if ((fl & NT_AF_CAPSWORD) && headline_style(m, t, x->start) &&
             !has_plain_mention(m, x->target))
      x->dropped = 1;
  }
  /* Once a word was a person's name ("Bill Jordan"), it stays one at the
   * start of a later sentence ("Jordan said"). */
  uint32_t names[8];
  size_t nnames = 0;
  for (size_t i = 0; i < m->nents; i++) {
    nt_mention *x = &m->ents[i];
    int named = 0;
    for (size_t k = 0; k < nnames; k++)
      named |= names[k] == x->pattern;
    if (x->dropped == 2 && !named && nnames < 8)
      names[nnames++] = x->pattern;
    else if (!x->dropped && named && sentence_start(t->clean.data, x->start))
      x->dropped = 1;
  }
  if (plain_mentions(m, lex, NT_AF_CONTEXT) < 0)
    return -1;
  for (size_t i = 0; i < m->nents; i++) {
    nt_mention *x = &m->ents[i];
    if (x->dropped || !(lex->patterns[x->pattern].flags & NT_AF_CONTEXT))
      continue;
    x->dropped = !has_plain_mention(m, x->target) &&
                 !vouched(m, lex, t->clean.data, i);
  }
  return 0;
}

/* ---- the pass ------------------------------------------------------------ */

/* 1 for ASCII letters and digits, 2 for bytes of non-ASCII characters
 * (decided exactly in on_match), 0 for everything else. */
static const uint8_t WORD[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
#define HI16(b) [b] = 2, [b + 1] = 2, [b + 2] = 2, [b + 3] = 2, [b + 4] = 2, \
    [b + 5] = 2, [b + 6] = 2, [b + 7] = 2, [b + 8] = 2, [b + 9] = 2, \
    [b + 10] = 2, [b + 11] = 2, [b + 12] = 2, [b + 13] = 2, [b + 14] = 2, [b + 15] = 2
    HI16(0x80), HI16(0x90), HI16(0xA0), HI16(0xB0), HI16(0xC0), HI16(0xD0),
    HI16(0xE0), HI16(0xF0)
#undef HI16
};

/* The node of every two-byte key prefix, so that a walk starts past the
 * two widest levels of the trie; one table per annotator (256 KiB, built
 * on its first record).  Also the bytes outside words that begin a key
 * (in the default lexicons "(" and the lead byte of "£"). */
static int make_root2(nt_matches *m, const nt_trie *tr) {
  if (m->root2)
    return 0;
  if (!(m->root2 = malloc(65536 * sizeof *m->root2)))
    return -1;
  for (unsigned a = 0; a < 256; a++)
    for (unsigned b = 0; b < 256; b++)
      m->root2[a << 8 | b] =
          tr->root[a] == NONE ? NONE : trie_step(tr, tr->root[a], (uint8_t)b);
  m->nlead = 0;
  for (unsigned c = 0; c < 256; c++)
    if (WORD[c] != 1 && tr->root[c] != NONE && m->nlead >= 0) {
      if (m->nlead == 4)
        m->nlead = -1;
      else
        m->lead[m->nlead++] = (uint8_t)c;
    }
  return 0;
}

/* ---- the gate ------------------------------------------------------------
 * Most walks end two to four bytes in ("th", "pro", "stat"), after loading
 * trie nodes that are seldom in cache.  Before a walk the text's first four
 * bytes are looked up in a small bit set of the keys' first four bytes, and
 * the walk is left out when no key can be reported from there.  Keys of one
 * to three bytes are kept apart, since the bytes after them are the text's:
 * flags per first two bytes (gate2), and their three bytes in the set with
 * a tag, looked at only when the flags say that such a key exists.  A bit
 * set gives false hits, never false misses: the gate changes no result. */

enum {
  G_ALWAYS = 1, /* a key of one byte, or of two that may run on */
  G_END2 = 2,   /* a key of two bytes: a walk if the third ends the word */
  G_KEY3 = 4    /* a key of three bytes below these two */
};
#define TAG3_RUN 0x5b000000u /* three-byte keys that may run on */
#define TAG3_END 0xa4000000u /* three-byte keys that end a word */

static inline uint32_t gate_bytes(const unsigned char *f, int n) {
  uint32_t v = 0;
  for (int k = 0; k < n; k++)
    v |= (uint32_t)f[k] << (8 * k);
  return v;
}

static inline int gate_has(const nt_matches *m, uint32_t v) {
  uint32_t h = (v * 0x9E3779B1u) >> m->gate_shift;
  return (int)(m->gate[h >> 6] >> (h & 63) & 1);
}

static void gate_add(nt_matches *m, uint32_t v) {
  uint32_t h = (v * 0x9E3779B1u) >> m->gate_shift;
  m->gate[h >> 6] |= 1ull << (h & 63);
}

/* Visit the trie to depth four with the bytes on the way in path; count
 * (m->gate NULL) or set what the gate needs. */
static size_t gate_visit(nt_matches *m, const nt_trie *tr, uint32_t node,
                         unsigned char *path, int depth) {
  const nt_trie_node *nd = &tr->node[node];
  if (depth == 4) {
    if (m->gate)
      gate_add(m, gate_bytes(path, 4));
    return 1;
  }
  size_t n = 0;
  if (nd->out != NONE && m->gate && depth == 1) {
    for (unsigned b = 0; b < 256; b++)
      m->gate2[path[0] << 8 | b] |= G_ALWAYS;
  } else if (nd->out != NONE && m->gate) {
    uint8_t *g = &m->gate2[path[0] << 8 | path[1]];
    if (depth == 2) {
      *g |= nd->ext ? G_ALWAYS : G_END2;
    } else {
      *g |= G_KEY3;
      gate_add(m, gate_bytes(path, 3) | (nd->ext ? TAG3_RUN : TAG3_END));
    }
  }
  n += nd->out != NONE;
  for (uint32_t k = 0; k < nd->nchild; k++) {
    path[depth] = tr->byte[nd->child + k];
    n += gate_visit(m, tr, nd->child + k, path, depth + 1);
  }
  return n;
}

/* Build the gate: a bit set of at least 32 bits per entry, 2^15 to 2^26. */
static int make_gate(nt_matches *m, const nt_trie *tr) {
  unsigned char path[4];
  size_t n = 0;
  for (unsigned a = 0; a < 256; a++)
    if (tr->root[a] != NONE) {
      path[0] = (unsigned char)a;
      n += gate_visit(m, tr, tr->root[a], path, 1);
    }
  unsigned log2 = 15;
  while (log2 < 26 && ((size_t)1 << log2) < n * 32)
    log2++;
  m->gate_shift = 32 - log2;
  m->gate2 = calloc(65536, 1);
  m->gate = calloc((size_t)1 << (log2 - 6), sizeof *m->gate);
  if (!m->gate2 || !m->gate) {
    free(m->gate2);
    free(m->gate);
    m->gate2 = NULL;
    m->gate = NULL;
    return -1;
  }
  for (unsigned a = 0; a < 256; a++)
    if (tr->root[a] != NONE) {
      path[0] = (unsigned char)a;
      gate_visit(m, tr, tr->root[a], path, 1);
    }
  return 0;
}

/* 0 when no key can be reported from f: its walk is left out. */
static inline int gate_pass(const nt_matches *m, const unsigned char *f) {
  uint8_t g = m->gate2[f[0] << 8 | f[1]];
  uint32_t v3 = gate_bytes(f, 3);
  if ((g & G_ALWAYS) || ((g & G_END2) && WORD[f[2]] != 1) ||
      gate_has(m, v3 | (uint32_t)f[3] << 24))
    return 1;
  return (g & G_KEY3) &&
         (gate_has(m, v3 | TAG3_RUN) || (WORD[f[3]] != 1 && gate_has(m, v3 | TAG3_END)));
}

/* Report the chain at node for the key f[p, i) where the text could end a
 * word there (or run on, for plural and stem patterns); on_match decides
 * exactly. */
static inline int report(nt_matches *m, const nt_lexicon *lex, const nt_text *t,
                         uint32_t node, size_t p, size_t i) {
  const nt_trie *tr = &lex->trie;
  const unsigned char *f = (const unsigned char *)m->folded.data;
  const nt_trie_node *nd = &tr->node[node];
  if (nd->out == NONE || (i < m->folded.len && WORD[f[i]] == 1 && !nd->ext))
    return 0;
  return on_match(m, lex, t, nd->out, p, i);
}

/* Walk the trie from p. */
static int walk(nt_matches *m, const nt_lexicon *lex, const nt_text *t,
                size_t p) {
  const nt_trie *tr = &lex->trie;
  const unsigned char *f = (const unsigned char *)m->folded.data;
  size_t n = m->folded.len;
  uint32_t node = tr->root[f[p]];
  if (node == NONE)
    return 0;
  if (report(m, lex, t, node, p, p + 1) < 0)
    return -1;
  if (p + 1 >= n)
    return 0;
  node = m->root2[f[p] << 8 | f[p + 1]];
  for (size_t i = p + 2; node != NONE; node = trie_step(tr, node, f[i++])) {
    if (report(m, lex, t, node, p, i) < 0)
      return -1;
    if (i >= n)
      break;
  }
  return 0;
}

/* Bit k set where f[k] is a word byte (WORD 1) or a lead byte: s[0] the
 * word bytes, s[1] the starts, of the 64 bytes at f (zero-padded). */
static void block_masks(const nt_matches *m, const unsigned char *f,
                        uint64_t s[2]) {
  uint64_t w = 0, lead = 0;
#if defined(__SSE2__)
  for (int k = 0; k < 64; k += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(f + k));
    __m128i isw = _mm_or_si128(nt_util_in_range16(v, '0', 9),
                               nt_util_in_range16(v, 'a', 25));
    w |= (uint64_t)(unsigned)_mm_movemask_epi8(isw) << k;
    __m128i isl = _mm_setzero_si128();
    for (int j = 0; j < m->nlead; j++)
      isl = _mm_or_si128(isl, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)m->lead[j])));
    lead |= (uint64_t)(unsigned)_mm_movemask_epi8(isl) << k;
  }
#else
  for (int k = 0; k < 64; k++) {
    w |= (uint64_t)(WORD[f[k]] == 1) << k;
    for (int j = 0; j < m->nlead; j++)
      lead |= (uint64_t)(f[k] == m->lead[j]) << k;
  }
#endif
  s[0] = w;
  s[1] = m->nlead < 0 ? ~0ull : w | lead;
}

/* Walk the trie from every position after a byte that is not of a word
 * (and from 0) where a key can begin: 64 positions at a time, found with
 * bit masks instead of a branch per byte. */
static int scan(nt_matches *m, const nt_lexicon *lex, const nt_text *t) {
  const unsigned char *f = (const unsigned char *)m->folded.data;
  size_t n = m->folded.len;
  uint64_t carry = 1; /* "the byte before is not of a word" for position 0 */
  if (make_root2(m, &lex->trie) < 0 || (!m->gate && make_gate(m, &lex->trie) < 0))
    return -1;
  for (size_t base = 0; base < n; base += 64) {
    uint64_t s[2];
    block_masks(m, f + base, s);
    uint64_t cand = ~(s[0] << 1 | (carry ^ 1)) & s[1];
    carry = ~s[0] >> 63;
    if (n - base < 64)
      cand &= (1ull << (n - base)) - 1;
    for (; cand; cand &= cand - 1)
      if (gate_pass(m, f + base + (size_t)__builtin_ctzll(cand)) &&
          walk(m, lex, t, base + (size_t)__builtin_ctzll(cand)) < 0)
        return -1;
  }
  return 0;
}

/* The folded text ends in 64 zero bytes, so that scan reads whole blocks. */
static int pad(nt_matches *m) {
  if (nt_buf_reserve(&m->folded, 64) < 0)
    return -1;
  memset(m->folded.data + m->folded.len, 0, 65);
  return 0;
}

/* Fold the clean text for the trie.  ASCII text (most news in English) is
 * only lower-cased, byte for byte, and needs no map back: m->fmap is then
 * NULL. */
static int fold(nt_matches *m, const nt_text *t) {
  const char *s = t->clean.data ? t->clean.data : "";
  size_t n = t->clean.len, k = 0;
  uint64_t high = 0;
  for (; k + 8 <= n; k += 8)
    high |= nt_util_load8(s + k);
  int ascii = !(high & 0x8080808080808080ull);
  for (; k < n && ascii; k++)
    ascii = (unsigned char)s[k] < 0x80;
  if (!ascii) {
    m->fmap = m->fmap_buf;
    int rc = nt_util_fold(s, n, &m->folded, &m->fmap, &m->fmapcap, 0);
    m->fmap_buf = m->fmap;
    return rc;
  }
  m->fmap = NULL;
  return nt_util_fold(s, n, &m->folded, NULL, NULL, 0);
}

nt_status nt_match_scan(nt_matches *m, const nt_lexicon *lex,
                        const nt_text *t) {
  m->folded.len = 0;
  m->ncand = m->nents = m->ncues = m->naffixes = m->nanchors = 0;
  m->style_valid = 0;
  if (fold(m, t) < 0 || pad(m) < 0)
    return NT_ERR_NOMEM;
  return scan(m, lex, t) < 0 ? NT_ERR_NOMEM : NT_OK;
}

nt_status nt_match_run(nt_matches *m, const nt_lexicon *lex,
                       const nt_text *t, const nt_zones *z) {
  if (select_cands(m, lex) < 0)
    return NT_ERR_NOMEM;
  for (size_t i = 0; i < m->nents; i++)
    m->ents[i].zone = nt_zone_at(z, m->ents[i].start);
  for (size_t i = 0; i < m->ncues; i++)
    m->cues[i].zone = nt_zone_at(z, m->cues[i].start);
  apply_affixes(m, lex, t);
  if (resolve_shared(m, lex) < 0 || apply_context(m, lex, t) < 0)
    return NT_ERR_NOMEM;
  return NT_OK;
}

void nt_match_free(nt_matches *m) {
  nt_buf_free(&m->folded);
  free(m->fmap_buf);
  free(m->cand);
  free(m->ents);
  free(m->cues);
  free(m->affixes);
  free(m->anchors);
  free(m->root2);
  free(m->gate2);
  free(m->gate);
  free(m->plain);
  free(m->touched);
  memset(m, 0, sizeof *m);
}
