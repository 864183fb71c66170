/*
 * util.c - buffers, UTF-8 helpers, text folding and error values shared by
 * the stages.  Unicode properties come from utf8proc.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Bytes that are not blank after one that is: sixteen at a time (SSE2),
 * then eight (SWAR), then one by one. */
size_t nt_util_count_words(const char *s, size_t a, size_t b) {
  const uint64_t high = 0x8080808080808080ull;
  uint64_t prev = 0x80; /* the range starts as if after a blank */
  size_t n = 0, k = a;
#if defined(__SSE2__)
  /* a word starts at a byte that is not blank after one that is: 16 such
   * bytes at a time, summed as 0/1 bytes (psadbw; no popcount in SSE2) */
  const __m128i one = _mm_set1_epi8(1), zero = _mm_setzero_si128();
  __m128i last = _mm_set1_epi8(-1), sum = zero;
  for (; k + 16 <= b; k += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(s + k));
    __m128i blank = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
        _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    __m128i before = _mm_or_si128(_mm_slli_si128(blank, 1),
                                  _mm_srli_si128(last, 15));
    __m128i start = _mm_andnot_si128(blank, before);
    sum = _mm_add_epi64(sum, _mm_sad_epu8(_mm_and_si128(start, one), zero));
    last = blank;
  }
  n += (size_t)nt_util_sum_lanes(sum);
  prev = (uint64_t)(_mm_movemask_epi8(last) >> 15) << 7;
#endif
  for (; k + 8 <= b; k += 8) {
    uint64_t x = nt_util_load8(s + k);
    uint64_t blank =
        nt_util_eq8(x, ' ') | nt_util_eq8(x, '\t') | nt_util_eq8(x, '\n');
    uint64_t starts = ~blank & high & (blank << 8 | prev);
    n += (size_t)(((starts >> 7) * 0x0101010101010101ull) >> 56);
    prev = blank >> 56;
  }
  int in = !(prev & 0x80);
  for (; k < b; k++) {
    int sp = s[k] == ' ' || s[k] == '\t' || s[k] == '\n';
    n += !sp && !in;
    in = !sp;
  }
  return n;
}

/* Bottom-up merge sort through one scratch array. */
int nt_util_sort(void *base, size_t n, size_t size,
                 int (*before)(const void *y, const void *x, const void *ctx),
                 const void *ctx) {
  if (n < 2)
    return 0;
  char *a = base, *tmp = malloc(n * size);
  if (!tmp)
    return -1;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        size_t from = before(a + j * size, a + i * size, ctx) ? j++ : i++;
        memcpy(tmp + k++ * size, a + from * size, size);
      }
      memcpy(tmp + k * size, a + i * size, (mid - i) * size); /* the rests */
      memcpy(tmp + (k + mid - i) * size, a + j * size, (hi - j) * size);
    }
    memcpy(a, tmp, n * size);
  }
  free(tmp);
  return 0;
}

int nt_util_grow(void *arr, size_t *cap, size_t need, size_t elem) {
  void **p = (void **)arr;
  if (need <= *cap)
    return 0;
  size_t ncap = *cap ? *cap : 16;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2 / elem)
      return -1;
    ncap *= 2;
  }
  void *n = realloc(*p, ncap * elem);
  if (!n)
    return -1;
  *p = n;
  *cap = ncap;
  return 0;
}

int nt_buf_reserve(nt_buf *b, size_t extra) {
  if (extra > SIZE_MAX - b->len - 1)
    return -1;
  return nt_util_grow(&b->data, &b->cap, b->len + extra + 1, 1);
}

int nt_buf_append(nt_buf *b, const void *p, size_t n) {
  if (nt_buf_reserve(b, n) < 0)
    return -1;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int nt_buf_putc(nt_buf *b, char c) { return nt_buf_append(b, &c, 1); }

char *nt_util_strdup(const char *s) {
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

void nt_util_trim(const char *s, size_t *a, size_t *b) {
  while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
    (*a)++;
  while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
    (*b)--;
}

void nt_buf_free(nt_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

size_t nt_util_utf8_decode(const unsigned char *s, size_t n, int32_t *cp) {
  if (n && s[0] < 0x80) { /* ASCII: the common case */
    *cp = s[0];
    return 1;
  }
  utf8proc_int32_t c;
  utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)(n > 4 ? 4 : n), &c);
  if (k > 0) {
    *cp = c;
    return (size_t)k;
  }
  /* Invalid: consume the lead byte and any continuation bytes that follow
   * it (at most 3), so one bad sequence becomes one U+FFFD. */
  size_t len = 1;
  if (s[0] >= 0xC0)
    while (len < n && len < 4 && (s[len] & 0xC0) == 0x80)
      len++;
  *cp = -1;
  return len;
}

size_t nt_util_utf8_encode(int32_t cp, char *out) {
  return (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out);
}

int nt_util_is_word_cp(int32_t cp) {
  if (cp < 0)
    return 0;
  if (cp < 128)
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= '0' && cp <= '9');
  switch (utf8proc_category(cp)) {
  case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
  case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
  case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
  case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ND:
  case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
    return 1;
  default:
    return 0;
  }
}

int nt_util_is_upper_cp(int32_t cp) {
  if (cp < 128)
    return cp >= 'A' && cp <= 'Z';
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

int nt_util_is_lower_cp(int32_t cp) {
  if (cp < 128)
    return cp >= 'a' && cp <= 'z';
  return utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

int32_t nt_util_cp_before(const char *s, size_t pos) {
  if (pos == 0)
    return -1;
  if ((unsigned char)s[pos - 1] < 0x80)
    return (unsigned char)s[pos - 1];
  size_t i = pos - 1;
  while (i > 0 && pos - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80)
    i--;
  int32_t cp;
  nt_util_utf8_decode((const unsigned char *)s + i, pos - i, &cp);
  return cp;
}

int32_t nt_util_cp_at(const char *s, size_t len, size_t pos) {
  if (pos >= len)
    return -1;
  int32_t cp;
  nt_util_utf8_decode((const unsigned char *)s + pos, len - pos, &cp);
  return cp;
}

static const utf8proc_option_t FOLD_OPTIONS =
    UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
    UTF8PROC_STRIPMARK;

int nt_util_fold(const char *s, size_t n, nt_buf *out, size_t **map,
                 size_t *mapcap, size_t base) {
  /* Worst case per input byte is small; reserve generously up front. */
  if (nt_buf_reserve(out, n + 16) < 0)
    return -1;
  if (map && nt_util_grow(map, mapcap, out->len + n + 17, sizeof(size_t)) < 0)
    return -1;
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 128) { /* ASCII fast path: a run, one byte in, one byte out */
      size_t e = i + 1;
      while (e + 8 <= n && !(nt_util_load8(s + e) & 0x8080808080808080ull))
        e += 8;
      while (e < n && (unsigned char)s[e] < 128)
        e++;
      unsigned char *d = (unsigned char *)out->data + out->len;
      for (size_t k = 0; k < e - i; k++) { /* vectorised */
        unsigned char b = (unsigned char)s[i + k];
        d[k] = (unsigned char)(b + ((unsigned char)(b - 'A') < 26 ? 32 : 0));
      }
      if (map) {
        size_t *mp = *map + out->len, at = base + i;
        for (size_t k = 0; k < e - i; k++)
          mp[k] = at + k;
      }
      out->len += e - i;
      i = e;
      continue;
    }
    int32_t cp;
    size_t k = nt_util_utf8_decode((const unsigned char *)s + i, n - i, &cp);
    utf8proc_int32_t dec[32]; /* the longest folding is 18 (U+FDFA) */
    int last = 0;
    utf8proc_ssize_t m = cp < 0 ? -1
        : utf8proc_decompose_char(cp, dec, 32, FOLD_OPTIONS, &last);
    if (m < 0 || m > 32) { /* m > 32: the length it would need */
      dec[0] = 0xFFFD;
      m = 1;
    }
    if (nt_buf_reserve(out, (size_t)m * 4 + n - i + 16) < 0)
      return -1;
    if (map && nt_util_grow(map, mapcap, out->len + (size_t)m * 4 + n - i + 17,
                            sizeof(size_t)) < 0)
      return -1;
    for (utf8proc_ssize_t j = 0; j < m; j++) {
      size_t w = nt_util_utf8_encode(dec[j], out->data + out->len);
      if (map)
        for (size_t q = 0; q < w; q++)
          (*map)[out->len + q] = base + i;
      out->len += w;
    }
    i += k;
  }
  out->data[out->len] = '\0';
  if (map)
    (*map)[out->len] = base + n;
  return 0;
}

void nt_error_set(nt_error *err, nt_status st, const char *file, long line,
                  const char *fmt, ...) {
  if (!err)
    return;
  err->status = st;
  err->line = line;
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

const char *nt_strerror(nt_status status) {
  switch (status) {
  case NT_OK: return "success";
  case NT_ERR_NOMEM: return "out of memory";
  case NT_ERR_IO: return "input/output error";
  case NT_ERR_LEXICON: return "malformed lexicon";
  case NT_ERR_INPUT: return "malformed record";
  case NT_ERR_ARG: return "invalid argument";
  case NT_ERR_TOO_LARGE: return "record too large";
  }
  return "unknown status";
}

const char *nt_entity_type_name(nt_entity_type type) {
  static const char *names[] = {"country", "group", "organization", "weapon"};
  return (unsigned)type < NT_ENTITY_TYPES ? names[type] : "unknown";
}

const char *nt_zone_name(nt_zone zone) {
  static const char *names[] = {"headline", "standfirst", "body",
                                "boilerplate"};
  return (unsigned)zone <= NT_ZONE_BOILERPLATE ? names[zone] : "unknown";
}
