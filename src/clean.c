/*
 * clean.c - stage 2a: turns the raw bytes of one article into cleaned text.
 *
 *  1. the cleaning rules of clean.tsv (pcre2, byte level) remove debris such
 *     as JSON escapes left in scraped text (\” \’ \" \');
 *  2. invalid UTF-8 becomes U+FFFD (and is counted);
 *  3. each non-ASCII character with its combining marks is normalised to
 *     NFKC with utf8proc;
 *  4. punctuation variants are folded: curly quotes and apostrophes to ' and
 *     ", dashes to -, every space to ' ', CR LF and CR to LF, zero-width
 *     characters and soft hyphens removed, other controls to ' '.
 *
 * Takes: the original bytes.  Gives: nt_text.clean (valid UTF-8) and
 * nt_text.map, where map[i] is the original offset of clean byte i
 * (nt_text_orig; the start that is the original byte for byte is not
 * stored).
 */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Expand a replacement into t->scratch: $N is group N; \n, \t and \\ are
 * a line feed, a tab and a backslash. */
static int expand(nt_text *t, const char *orig, const char *repl,
                  const PCRE2_SIZE *ov, int groups) {
  for (const char *r = repl; *r; r++) {
    if (r[0] == '$' && r[1] >= '0' && r[1] <= '9') {
      int g = r[1] - '0';
      r++;
      if (g < groups && ov[2 * g] != PCRE2_UNSET &&
          nt_buf_append(&t->scratch, orig + ov[2 * g], ov[2 * g + 1] - ov[2 * g]) < 0)
        return -1;
      continue;
    }
    char c = *r;
    if (r[0] == '\\' && (r[1] == 'n' || r[1] == 't' || r[1] == '\\'))
      c = *++r == 'n' ? '\n' : *r == 't' ? '\t' : '\\';
    if (nt_buf_putc(&t->scratch, c) < 0)
      return -1;
  }
  return 0;
}

static int cmp_edit(const void *a, const void *b) {
  const nt_edit *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->end > y->end ? -1 : (x->end < y->end);
}

static nt_edit *new_edit(nt_text *t) {
  if (nt_util_grow(&t->edits, &t->editcap, t->nedits + 1, sizeof *t->edits) < 0)
    return NULL;
  return &t->edits[t->nedits++];
}

/* The markup's edits, with their replacements copied to t->scratch. */
static int markup_edits(nt_text *t, const nt_markup *mk) {
  for (size_t i = 0; mk && i < mk->nedits; i++) {
    nt_edit *e = new_edit(t);
    if (!e)
      return -1;
    *e = mk->edits[i];
    e->rstart = t->scratch.len;
    if (nt_buf_append(&t->scratch, mk->repl.data + mk->edits[i].rstart,
                      mk->edits[i].rlen) < 0)
      return -1;
  }
  return 0;
}

/* Every match of every cleaning rule, then all edits sorted with overlaps
 * removed (the earlier, then the longer, wins). */
static int find_edits(nt_text *t, const nt_lexicon *lex, pcre2_match_data *md) {
  const char *s = t->orig;
  for (size_t r = 0; r < lex->nclean_rules; r++) {
    const nt_regex_rule *rule = &lex->clean_rules[r];
    PCRE2_SIZE pos = 0;
    if (rule->first >= 0 && !memchr(s, rule->first, t->orig_len))
      continue; /* memchr is much faster than a match attempt */
    while (pos <= t->orig_len) {
      int rc = pcre2_match(nt_lexicon_rule_code(rule), (PCRE2_SPTR)s,
                           t->orig_len, pos, 0, md, NULL);
      if (rc < 0)
        break; /* no match, or a match limit: leave the text as it is */
      PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
      nt_edit *e = new_edit(t);
      if (!e)
        return -1;
      e->start = ov[0];
      e->end = ov[1];
      e->rstart = t->scratch.len;
      if (expand(t, s, rule->replacement, ov, rc) < 0)
        return -1;
      e->rlen = t->scratch.len - e->rstart;
      pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    }
  }
  if (t->nedits > 1)
    qsort(t->edits, t->nedits, sizeof *t->edits, cmp_edit);
  size_t k = 0;
  for (size_t i = 0; i < t->nedits; i++)
    if (k == 0 || t->edits[i].start >= t->edits[k - 1].end)
      t->edits[k++] = t->edits[i];
  t->nedits = k;
  return 0;
}

/* Append n bytes to the clean text, all mapped to original offset o. */
static int emit(nt_text *t, const char *p, size_t n, size_t o) {
  if (nt_buf_append(&t->clean, p, n) < 0 ||
      nt_util_grow(&t->map, &t->mapcap, t->clean.len + 1, sizeof *t->map) < 0)
    return -1;
  for (size_t i = t->clean.len - n; i < t->clean.len; i++)
    t->map[i] = o;
  return 0;
}

/* The folded form of one code point: a single ASCII byte, nothing (-2) or
 * itself (-1). */
static int fold_punct(int32_t cp) {
  switch (cp) {
  case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032:
  case 0x02BC: case 0x02B9: case 0xFF07:
    return '\'';
  case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033:
  case 0xFF02:
    return '"';
  case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:
  case 0x00AD:
    return -2;
  case 0x2028: case 0x2029: case 0x0085:
    return '\n';
  default:
    break;
  }
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
    return cp == '\n' ? '\n' : ' ';
  utf8proc_category_t c = utf8proc_category(cp);
  if (c == UTF8PROC_CATEGORY_PD || cp == 0x2212)
    return '-';
  if (c == UTF8PROC_CATEGORY_ZS)
    return ' ';
  return -1;
}

/* Normalise one segment (a character and its combining marks) of valid
 * UTF-8 at s[0..n) to NFKC, fold punctuation, and emit it. */
static int emit_segment(nt_text *t, const char *s, size_t n, size_t o) {
  utf8proc_int32_t buf[64];
  utf8proc_ssize_t m = utf8proc_decompose((const utf8proc_uint8_t *)s,
                                          (utf8proc_ssize_t)n, buf, 64,
                                          UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
                                              UTF8PROC_STABLE);
  if (m < 0 || m > 64)
    return emit(t, s, n, o); /* too long a sequence of marks: keep as is */
  m = utf8proc_normalize_utf32(buf, m, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
  if (m < 0)
    return emit(t, s, n, o);
  for (utf8proc_ssize_t i = 0; i < m; i++) {
    int f = fold_punct(buf[i]);
    char enc[4];
    if (f == -2) { /* removed: spans must not run over it */
      if (!t->in_replacement &&
          nt_util_grow(&t->cuts, &t->cutcap, t->ncuts + 1, sizeof *t->cuts) == 0)
        t->cuts[t->ncuts++] = o;
      continue;
    }
    if (f >= 0) {
      enc[0] = (char)f;
      if (emit(t, enc, 1, o) < 0)
        return -1;
    } else if (emit(t, enc, nt_util_utf8_encode(buf[i], enc), o) < 0) {
      return -1;
    }
  }
  return 0;
}

/* Length of the next segment of s[0..n): one code point plus any following
 * combining marks; *bad is set when the first sequence is invalid. */
static size_t segment(const char *s, size_t n, int *bad) {
  int32_t cp;
  size_t k = nt_util_utf8_decode((const unsigned char *)s, n, &cp);
  *bad = cp < 0;
  if (*bad)
    return k;
  while (k < n && (unsigned char)s[k] >= 0x80) {
    size_t l = nt_util_utf8_decode((const unsigned char *)s + k, n - k, &cp);
    if (cp < 0 || utf8proc_get_property(cp)->combining_class == 0)
      break;
    k += l;
  }
  return k;
}

static int starts_with_mark(const char *s, size_t n) {
  int32_t cp;
  nt_util_utf8_decode((const unsigned char *)s, n, &cp);
  return cp >= 0 && utf8proc_get_property(cp)->combining_class != 0;
}

/* Bytes at the start of s[0, n) in 8-byte words of printable ASCII and
 * newlines only, which cleaning copies as they are (a multiple of 8). */
static size_t plain_words(const char *s, size_t n) {
  const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t x = nt_util_load8(s + k);
    x |= nt_util_eq8(x, '\n') >> 2; /* a newline counts as printable (0x2A) */
    if (((x - ones * 0x20) | (x + ones)) & high)
      break; /* a control, DEL or a byte >= 0x80 in these eight */
  }
  return k;
}

/* Clean orig[from, to), appending to the clean text. */
static int clean_range(nt_text *t, size_t from, size_t to) {
  const char *s = t->orig;
  size_t i = from;
  while (i < to) {
    size_t run = i + plain_words(s + i, to - i);
    while (run < to && (((unsigned char)s[run] >= 0x20 &&
                         (unsigned char)s[run] < 0x7F) || s[run] == '\n'))
      run++; /* printable ASCII and newlines stay as they are */
    if (run > i && run < to && s[run - 1] != '\n' &&
        (unsigned char)s[run] >= 0x80 && starts_with_mark(s + run, to - run))
      run--; /* the last ASCII letter composes with the marks after it */
    if (run > i) { /* plain ASCII: copied as is */
      if (nt_buf_append(&t->clean, s + i, run - i) < 0 ||
          nt_util_grow(&t->map, &t->mapcap, t->clean.len + 1, sizeof *t->map) < 0)
        return -1;
      size_t n = run - i, at = t->clean.len - n;
      if (!t->in_replacement && at == i && t->ident == at) {
        t->ident += n; /* still the original, byte for byte: no map */
      } else {
        size_t *map = t->map + at;
        for (size_t k = 0; k < n; k++) /* locals: no aliasing, vectorised */
          map[k] = i + k;
      }
      i = run;
      continue;
    }
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7F) { /* controls */
      char out = c == '\n' || c == '\r' ? '\n' : ' ';
      if (emit(t, &out, 1, i) < 0)
        return -1;
      i += c == '\r' && i + 1 < to && s[i + 1] == '\n' ? 2 : 1;
      continue;
    }
    int bad;
    size_t k = segment(s + i, to - i, &bad);
    if (bad) {
      t->invalid_utf8++;
      if (emit(t, "\xEF\xBF\xBD", 3, i) < 0)
        return -1;
    } else if (emit_segment(t, s + i, k, i) < 0) {
      return -1;
    }
    i += k;
  }
  return 0;
}

nt_status nt_clean_run(nt_text *t, const nt_lexicon *lex, void *md,
                       const nt_markup *mk, const char *orig, size_t len) {
  t->orig = orig ? orig : "";
  t->orig_len = len;
  t->clean.len = 0;
  t->ident = 0;
  t->scratch.len = 0;
  t->invalid_utf8 = 0;
  t->nedits = 0;
  t->ncuts = 0;
  if (nt_buf_reserve(&t->clean, len + 16) < 0 ||
      nt_util_grow(&t->map, &t->mapcap, len + 17, sizeof *t->map) < 0 ||
      markup_edits(t, mk) < 0 || find_edits(t, lex, (pcre2_match_data *)md) < 0)
    return NT_ERR_NOMEM;
  size_t pos = 0;
  int rc = 0;
  for (size_t i = 0; i < t->nedits && rc == 0; i++) {
    const nt_edit *e = &t->edits[i];
    rc = clean_range(t, pos, e->start);
    /* The replacement is cleaned like text, mapped to the edit's start. */
    size_t before = t->clean.len;
    if (rc == 0 && e->rlen) {
      const char *saved = t->orig;
      size_t saved_len = t->orig_len;
      t->orig = t->scratch.data + e->rstart;
      t->orig_len = e->rlen;
      t->in_replacement = 1;
      rc = clean_range(t, 0, e->rlen);
      t->in_replacement = 0;
      t->orig = saved;
      t->orig_len = saved_len;
      for (size_t k = before; k < t->clean.len; k++)
        t->map[k] = e->start;
    }
    pos = e->end;
  }
  if (rc == 0)
    rc = clean_range(t, pos, len);
  if (rc < 0 || nt_util_grow(&t->map, &t->mapcap, t->clean.len + 1,
                             sizeof *t->map) < 0)
    return NT_ERR_NOMEM;
  if (!t->clean.data && nt_buf_reserve(&t->clean, 1) < 0)
    return NT_ERR_NOMEM;
  t->clean.data[t->clean.len] = '\0';
  if (t->ident == t->clean.len && t->clean.len == len)
    t->ident++; /* the end too */
  else
    t->map[t->clean.len] = len;
  return NT_OK;
}

/* The edit starting exactly at original offset o, or the first one after
 * it when after is set; NULL if none. */
static const nt_edit *edit_at(const nt_text *t, size_t o, int after) {
  size_t lo = 0, hi = t->nedits;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->edits[mid].start < o + (after ? 1 : 0))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo >= t->nedits)
    return NULL;
  return after || t->edits[lo].start == o ? &t->edits[lo] : NULL;
}

/* A clean range's original range: it starts where its first byte came
 * from and ends where its last byte's source ends: the end of an edit whose
 * replacement it is, else the next unit, a removed range or a removed
 * character, whichever comes first. */
void nt_clean_span(const nt_text *t, size_t cs, size_t ce, size_t *os,
                   size_t *oe) {
  *os = nt_text_orig(t, cs);
  if (ce <= cs) {
    *oe = *os;
    return;
  }
  size_t last = nt_text_orig(t, ce - 1);
  const nt_edit *e = edit_at(t, last, 0);
  if (e && e->rlen) {
    *oe = e->end;
    return;
  }
  size_t j = ce;
  while (j < t->clean.len && nt_text_orig(t, j) == last)
    j++;
  *oe = j < t->clean.len ? nt_text_orig(t, j) : t->orig_len;
  const nt_edit *next = edit_at(t, last, 1);
  if (next && next->start < *oe)
    *oe = next->start;
  size_t lo = 0, hi = t->ncuts; /* removed characters: ascending offsets */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->cuts[mid] <= last)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < t->ncuts && t->cuts[lo] < *oe)
    *oe = t->cuts[lo];
}

void nt_clean_free(nt_text *t) {
  nt_buf_free(&t->clean);
  nt_buf_free(&t->scratch);
  free(t->edits);
  free(t->cuts);
  t->cuts = NULL;
  t->ncuts = t->cutcap = 0;
  t->edits = NULL;
  t->nedits = t->editcap = 0;
  free(t->map);
  t->map = NULL;
  t->mapcap = 0;
}
