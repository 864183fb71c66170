/*
 * markup.c - stage 2a, first step: reads HTML, markdown and front matter as
 * edits on the original bytes, so that the cleaned text keeps its map back
 * to them.  An edit replaces an original range by other bytes: markup is
 * removed, character references are decoded, block elements become line
 * breaks.  It also gives zone hints (ranges of the original that are
 * navigation, footers, related links, the headline, links) and metadata
 * (title, date, url).
 *
 * The HTML reader is a tolerant single pass, linear in the input: tags,
 * attributes, comments, CDATA, <script>/<style> (dropped), every named and
 * numeric character reference (tools/make_entities.py), unclosed and
 * misnested tags.  A hand-written scanner rather than gumbo: gumbo decodes
 * references without telling where each decoded byte came from, and the
 * offset map is the point of this stage.
 *
 * Takes: the original bytes and a format.  Gives: nt_markup.
 */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entities.inc"

/* ---- edits, hints, metadata ---------------------------------------------- */

static int edit(nt_markup *mk, size_t start, size_t end, const char *r,
                size_t rlen) {
  if (nt_util_grow(&mk->edits, &mk->editcap, mk->nedits + 1, sizeof *mk->edits) < 0)
    return -1;
  nt_edit *e = &mk->edits[mk->nedits++];
  e->start = start;
  e->end = end;
  e->rstart = mk->repl.len;
  e->rlen = rlen;
  return nt_buf_append(&mk->repl, r, rlen);
}

static int hint(nt_markup *mk, size_t start, size_t end, int zone,
                const char *reason) {
  if (nt_util_grow(&mk->hints, &mk->hintcap, mk->nhints + 1, sizeof *mk->hints) < 0)
    return -1;
  nt_hint *h = &mk->hints[mk->nhints++];
  h->start = start;
  h->end = end;
  h->zone = zone;
  h->reason = reason;
  return 0;
}

static void set_meta(nt_buf *b, const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
               s[n - 1] == '\r' || s[n - 1] == '"' || s[n - 1] == '\''))
    n--;
  if (n && (*s == '"' || *s == '\''))
    s++, n--;
  if (b->len == 0 && n)
    nt_buf_append(b, s, n);
}

/* Tags from "[a, b]", "a, b" or "- a" lists; each kept NUL-terminated. */
static void add_tags(nt_markup *mk, const char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    while (i < n && strchr(" \t[]\"',-", s[i]))
      i++;
    size_t e = i;
    while (e < n && s[e] != ',' && s[e] != ']' && s[e] != '\n')
      e++;
    size_t b = e;
    while (b > i && strchr(" \t\"'\r", s[b - 1]))
      b--;
    if (b > i && mk->tags.len < 4096) {
      nt_buf_append(&mk->tags, s + i, b - i);
      nt_buf_putc(&mk->tags, '\0');
    }
    i = e + 1;
  }
}

void nt_markup_reset(nt_markup *mk) {
  mk->nedits = mk->nhints = mk->depth = 0;
  mk->tags.len = 0;
  mk->repl.len = mk->title.len = mk->url.len = mk->date.len = 0;
  mk->tmp.len = 0;
}

void nt_markup_free(nt_markup *mk) {
  free(mk->edits);
  free(mk->hints);
  free(mk->stack);
  nt_buf_free(&mk->repl);
  nt_buf_free(&mk->title);
  nt_buf_free(&mk->url);
  nt_buf_free(&mk->date);
  nt_buf_free(&mk->tags);
  nt_buf_free(&mk->tmp);
  memset(mk, 0, sizeof *mk);
}

/* ---- character references ---------------------------------------------- */

static int cmp_ref(const char *name, size_t n, const char *key) {
  int c = strncmp(name, key, n);
  return c ? c : (key[n] ? -1 : 0);
}

/* The reference at s[0..n) (s[0] == '&'): its length, with the decoded
 * bytes in out (at most 8); 0 if it is not one. */
static size_t decode_ref(const char *s, size_t n, char *out, size_t *outlen) {
  if (n > 2 && s[1] == '#') {
    int hex = s[2] == 'x' || s[2] == 'X';
    size_t i = hex ? 3 : 2, digits = 0;
    unsigned long v = 0;
    for (; i < n && digits < 8; i++, digits++) {
      int c = (unsigned char)s[i], d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (hex && (c | 32) >= 'a' && (c | 32) <= 'f')
        d = (c | 32) - 'a' + 10;
      else
        break;
      v = v * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (!digits)
      return 0;
    if (i < n && s[i] == ';')
      i++;
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      v = 0xFFFD;
    *outlen = nt_util_utf8_encode((int32_t)v, out);
    return i;
  }
  /* named: the longest name in the table that the text starts with */
  size_t len = 1;
  while (len < n && len < 34 && (((s[len] | 32) >= 'a' && (s[len] | 32) <= 'z') ||
                                 (s[len] >= '0' && s[len] <= '9')))
    len++;
  if (len < n && s[len] == ';')
    len++;
  for (size_t k = len; k > 1; k--) {
    size_t lo = 0, hi = sizeof NT_ENTITIES / sizeof NT_ENTITIES[0];
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      int c = cmp_ref(s + 1, k - 1, NT_ENTITIES[mid].name);
      if (c == 0) {
        *outlen = strlen(NT_ENTITIES[mid].utf8);
        memcpy(out, NT_ENTITIES[mid].utf8, *outlen);
        return k;
      }
      if (c > 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  }
  return 0;
}

/* Decode references in s[0..n) into b (for attribute values). */
static void decode_into(nt_buf *b, const char *s, size_t n) {
  b->len = 0;
  for (size_t i = 0; i < n;) {
    char out[8];
    size_t ol, k = s[i] == '&' ? decode_ref(s + i, n - i, out, &ol) : 0;
    if (k) {
      nt_buf_append(b, out, ol);
      i += k;
    } else {
      nt_buf_putc(b, s[i++]);
    }
  }
}

/* ---- HTML ---------------------------------------------------------------- */

static const char *const BLOCK[] = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details",
    "div", "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "td", "th", "tr", "ul", NULL};
static const char *const VOID[] = {"area", "base", "br", "col", "embed", "hr",
                                   "img", "input", "link", "meta", "param",
                                   "source", "track", "wbr", NULL};
static const char *const RAW[] = {"script", "style", "noscript", "template",
                                  "svg", "math", "iframe", "object", "title",
                                  "textarea", "select", "button", NULL};

static int in_list(const char *const *list, const char *name) {
  for (; *list; list++)
    if (strcmp(*list, name) == 0)
      return 1;
  return 0;
}

/* Zone and reason of an element from its name. */
static const char *element_reason(const char *name) {
  if (strcmp(name, "nav") == 0 || strcmp(name, "menu") == 0)
    return "navigation";
  if (strcmp(name, "footer") == 0)
    return "footer";
  if (strcmp(name, "aside") == 0)
    return "related-links";
  if (strcmp(name, "form") == 0)
    return "share";
  return NULL;
}

typedef struct tag {
  char name[16];
  int end, self_closing;
  size_t start, stop; /* [start, stop) is the whole tag */
  const char *attr_class, *attr_id, *attr_name, *attr_property, *attr_content,
      *attr_rel, *attr_href, *attr_datetime;
  size_t len_class, len_id, len_name, len_property, len_content, len_rel,
      len_href, len_datetime;
} tag;

static void set_attr(tag *t, const char *name, size_t nlen, const char *v,
                     size_t vlen) {
#define ATTR(key)                                                            \
  if (nlen == sizeof #key - 1 && strncasecmp(name, #key, nlen) == 0) {       \
    t->attr_##key = v;                                                       \
    t->len_##key = vlen;                                                     \
    return;                                                                  \
  }
  ATTR(class)
  ATTR(id)
  ATTR(name)
  ATTR(property)
  ATTR(content)
  ATTR(rel)
  ATTR(href)
  ATTR(datetime)
#undef ATTR
}

/* Parse the tag at s[i] ('<' then a letter or '/'); 0 if it is not a tag. */
static int parse_tag(const char *s, size_t n, size_t i, tag *t) {
  memset(t, 0, sizeof *t);
  t->start = i++;
  if (i < n && s[i] == '/')
    t->end = 1, i++;
  size_t k = 0;
  if (i >= n || !(((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z')))
    return 0;
  while (i < n && !strchr(" \t\r\n/>", s[i])) {
    if (k < sizeof t->name - 1)
      t->name[k++] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    i++;
  }
  while (i < n && s[i] != '>') { /* attributes */
    if (strchr(" \t\r\n", s[i])) {
      i++;
      continue;
    }
    if (s[i] == '/') {
      t->self_closing = i + 1 < n && s[i + 1] == '>';
      i++;
      continue;
    }
    size_t a = i;
    while (i < n && !strchr(" \t\r\n=>", s[i]))
      i++;
    size_t alen = i - a;
    while (i < n && strchr(" \t\r\n", s[i]))
      i++;
    if (i < n && s[i] == '=') {
      i++;
      while (i < n && strchr(" \t\r\n", s[i]))
        i++;
      size_t v = i, vend;
      if (i < n && (s[i] == '"' || s[i] == '\'')) {
        const char *q = memchr(s + i + 1, s[i], n - i - 1);
        v = i + 1;
        vend = q ? (size_t)(q - s) : n;
        i = q ? vend + 1 : n;
      } else {
        while (i < n && !strchr(" \t\r\n>", s[i]))
          i++;
        vend = i;
      }
      set_attr(t, s + a, alen, s + v, vend - v);
    }
  }
  t->stop = i < n ? i + 1 : n;
  return 1;
}

/* The end of the raw-text element started by t: after its end tag. */
static size_t raw_end(const char *s, size_t n, size_t from, const char *name,
                      size_t *content_end) {
  size_t nl = strlen(name);
  for (size_t i = from; i + 1 < n;) {
    const char *lt = memchr(s + i, '<', n - i);
    if (!lt)
      break;
    i = (size_t)(lt - s);
    if (i + 2 + nl <= n && s[i + 1] == '/' && strncasecmp(s + i + 2, name, nl) == 0) {
      *content_end = i;
      const char *gt = memchr(s + i, '>', n - i);
      return gt ? (size_t)(gt - s) + 1 : n;
    }
    i++;
  }
  *content_end = n;
  return n;
}

/* Remove a site name from a title: "Story | Daily Sabah" -> "Story". */
static size_t strip_site(const char *s, size_t n) {
  static const char *const seps[] = {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " :: ", NULL};
  for (int k = 0; seps[k]; k++) {
    size_t sl = strlen(seps[k]);
    for (size_t i = n; i-- > sl;) {
      if (memcmp(s + i - sl + 1, seps[k], sl) != 0)
        continue;
      size_t cut = i - sl + 1, words = 1;
      for (size_t j = cut + sl; j < n; j++)
        words += s[j] == ' ';
      if (words <= 5 && cut > 0)
        return cut;
      break;
    }
  }
  return n;
}

static void meta_tag(nt_markup *mk, const tag *t) {
  const char *key = t->attr_property ? t->attr_property : t->attr_name;
  size_t kl = t->attr_property ? t->len_property : t->len_name;
  if (!key || !t->attr_content)
    return;
#define IS(lit) (kl == sizeof lit - 1 && strncasecmp(key, lit, kl) == 0)
  decode_into(&mk->tmp, t->attr_content, t->len_content);
  if (IS("og:title") || IS("twitter:title")) {
    mk->title.len = 0; /* og:title wins over <title> */
    set_meta(&mk->title, mk->tmp.data, strip_site(mk->tmp.data, mk->tmp.len));
  } else if (IS("og:url")) {
    set_meta(&mk->url, mk->tmp.data, mk->tmp.len);
  } else if (IS("article:tag") || IS("keywords") || IS("news_keywords")) {
    add_tags(mk, mk->tmp.data, mk->tmp.len);
  } else if (IS("article:published_time") || IS("og:published_time") ||
             IS("date") || IS("pubdate") || IS("dc.date") || IS("publish-date")) {
    set_meta(&mk->date, mk->tmp.data, mk->tmp.len);
  }
#undef IS
}

/* Is the class or id one that a zones.tsv `class` rule names? */
static const char *class_reason(const nt_lexicon *lex, pcre2_match_data *md,
                                const tag *t) {
  for (int k = 0; k < 2; k++) {
    const char *v = k ? t->attr_id : t->attr_class;
    size_t vl = k ? t->len_id : t->len_class;
    if (!v || !vl || vl > 300)
      continue;
    for (size_t r = 0; r < lex->nzone_rules; r++) {
      const nt_regex_rule *rule = &lex->zone_rules[r];
      if (rule->kind == NT_ZR_CLASS &&
          pcre2_match(nt_lexicon_rule_code(rule), (PCRE2_SPTR)v, vl, 0, 0,
                      md, NULL) >= 0)
        return rule->reason;
    }
  }
  return NULL;
}

static int push(nt_markup *mk, const tag *t, const char *reason, int zone) {
  if (nt_util_grow(&mk->stack, &mk->stackcap, mk->depth + 1, sizeof *mk->stack) < 0)
    return -1;
  nt_open_element *e = &mk->stack[mk->depth++];
  memcpy(e->name, t->name, sizeof e->name);
  e->start = t->start;
  e->reason = reason;
  e->zone = zone;
  return 0;
}

/* Close the innermost open element named like t (searching at most 64
 * levels, so misnested end tags cost constant time). */
static int pop(nt_markup *mk, const tag *t) {
  size_t limit = mk->depth > 64 ? mk->depth - 64 : 0;
  for (size_t k = mk->depth; k-- > limit;) {
    if (strcmp(mk->stack[k].name, t->name) != 0)
      continue;
    for (size_t j = mk->depth; j-- > k;) {
      nt_open_element *e = &mk->stack[j];
      if ((e->reason || e->zone >= 0) &&
          hint(mk, e->start, t->stop, e->zone, e->reason) < 0)
        return -1;
    }
    mk->depth = k;
    return 0;
  }
  return 0;
}

static int html_tag(nt_markup *mk, const nt_lexicon *lex, pcre2_match_data *md,
                    const char *s, size_t n, const tag *t, size_t *next) {
  int block = in_list(BLOCK, t->name);
  *next = t->stop;
  if (t->end) {
    if (pop(mk, t) < 0)
      return -1;
    return edit(mk, t->start, t->stop, "\n", block);
  }
  if (in_list(RAW, t->name)) {
    size_t content_end, end = raw_end(s, n, t->stop, t->name, &content_end);
    if (strcmp(t->name, "title") == 0 && mk->title.len == 0) {
      decode_into(&mk->tmp, s + t->stop, content_end - t->stop);
      set_meta(&mk->title, mk->tmp.data, strip_site(mk->tmp.data, mk->tmp.len));
    }
    *next = end;
    return edit(mk, t->start, end, "\n", 1);
  }
  if (strcmp(t->name, "meta") == 0)
    meta_tag(mk, t);
  else if (strcmp(t->name, "link") == 0 && t->attr_rel && t->attr_href &&
           t->len_rel == 9 && strncasecmp(t->attr_rel, "canonical", 9) == 0)
    set_meta(&mk->url, t->attr_href, t->len_href);
  else if (strcmp(t->name, "time") == 0 && t->attr_datetime)
    set_meta(&mk->date, t->attr_datetime, t->len_datetime);
  if (!t->self_closing && !in_list(VOID, t->name)) {
    const char *reason = element_reason(t->name);
    if (!reason)
      reason = class_reason(lex, md, t);
    int zone = reason && strcmp(reason, "standfirst") == 0 ? NT_ZONE_STANDFIRST
               : reason ? NT_ZONE_BOILERPLATE
               : strcmp(t->name, "h1") == 0 ? NT_ZONE_HEADLINE
               : strcmp(t->name, "a") == 0 ? NT_HINT_LINK
               : strcmp(t->name, "head") == 0 ? NT_ZONE_BOILERPLATE : -1;
    if (strcmp(t->name, "head") == 0)
      reason = "metadata";
    if (zone == NT_ZONE_STANDFIRST)
      reason = NULL;
    if (push(mk, t, reason, zone) < 0)
      return -1;
  }
  return edit(mk, t->start, t->stop, "\n", block);
}

/* The end of a comment, processing instruction or declaration at s[i]. */
static size_t special_end(const char *s, size_t n, size_t i) {
  const char *close = "-->";
  size_t skip = 4;
  if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0)
    close = "]]>", skip = 9;
  else if (n - i >= 2 && s[i + 1] == '?')
    close = "?>", skip = 2;
  else if (!(n - i >= 4 && memcmp(s + i, "<!--", 4) == 0))
    close = ">", skip = 2;
  size_t cl = strlen(close);
  for (size_t j = i + skip; j + cl <= n;) {
    const char *c = memchr(s + j, close[0], n - j);
    if (!c)
      break;
    j = (size_t)(c - s);
    if (j + cl <= n && memcmp(s + j, close, cl) == 0)
      return j + cl;
    j++;
  }
  return n; /* unterminated: the rest is inside it */
}

static nt_status html_scan(nt_markup *mk, const nt_lexicon *lex,
                           pcre2_match_data *md, const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && s[j] != '<' && s[j] != '&')
      j++;
    if (j >= n)
      break;
    i = j;
    if (s[i] == '&') {
      char out[8];
      size_t ol, k = decode_ref(s + i, n - i, out, &ol);
      if (k && edit(mk, i, i + k, out, ol) < 0)
        return NT_ERR_NOMEM;
      i += k ? k : 1;
      continue;
    }
    if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) {
      size_t end = special_end(s, n, i);
      if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
        /* CDATA content is text: drop only the markers */
        if (edit(mk, i, i + 9, "", 0) < 0 ||
            (end >= i + 12 && edit(mk, end - 3, end, "", 0) < 0))
          return NT_ERR_NOMEM;
        i = end;
        continue;
      }
      if (edit(mk, i, end, "", 0) < 0)
        return NT_ERR_NOMEM;
      i = end;
      continue;
    }
    tag t;
    if (!parse_tag(s, n, i, &t)) {
      i++; /* a lone '<' is text */
      continue;
    }
    size_t next;
    if (html_tag(mk, lex, md, s, n, &t, &next) < 0)
      return NT_ERR_NOMEM;
    i = next;
  }
  tag eof;
  memset(&eof, 0, sizeof eof);
  eof.start = eof.stop = n;
  while (mk->depth) { /* close what was left open */
    memcpy(eof.name, mk->stack[mk->depth - 1].name, sizeof eof.name);
    if (pop(mk, &eof) < 0)
      return NT_ERR_NOMEM;
  }
  return NT_OK;
}

/* ---- front matter -------------------------------------------------------- */

/* "key: value" (YAML) or "key = value" (TOML) lines of the front matter. */
static void front_matter_keys(nt_markup *mk, const char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    const char *nl = memchr(s + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - s) : n, k = i;
    while (k < e && s[k] != ':' && s[k] != '=')
      k++;
    if (k < e) {
      size_t kl = k - i;
      while (kl && s[i + kl - 1] == ' ')
        kl--;
#define KEY(lit) (kl == sizeof lit - 1 && strncasecmp(s + i, lit, kl) == 0)
      if (KEY("title"))
        set_meta(&mk->title, s + k + 1, e - k - 1);
      else if (KEY("date") || KEY("published") || KEY("pubDate"))
        set_meta(&mk->date, s + k + 1, e - k - 1);
      else if (KEY("url") || KEY("permalink") || KEY("canonical"))
        set_meta(&mk->url, s + k + 1, e - k - 1);
      else if (KEY("tags") || KEY("categories") || KEY("keywords"))
        add_tags(mk, s + k + 1, e - k - 1);
#undef KEY
    }
    i = e + 1;
  }
}

/* Front matter at the start (--- YAML --- or +++ TOML +++): removed, its
 * keys read.  Returns the offset where the document starts. */
static size_t front_matter(nt_markup *mk, const char *s, size_t n) {
  size_t i = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  if (n - i < 4 || (memcmp(s + i, "---", 3) != 0 && memcmp(s + i, "+++", 3) != 0))
    return 0;
  char fence[4] = {s[i], s[i], s[i], 0};
  size_t body = i + 3;
  if (body < n && s[body] == '\r')
    body++;
  if (body >= n || s[body] != '\n')
    return 0;
  for (size_t j = body; j < n && j < body + 65536;) {
    const char *nl = memchr(s + j, '\n', n - j);
    size_t e = nl ? (size_t)(nl - s) : n;
    if (e - j >= 3 && memcmp(s + j, fence, 3) == 0) {
      front_matter_keys(mk, s + body, j - body);
      size_t end = e < n ? e + 1 : n;
      return edit(mk, 0, end, "", 0) < 0 ? 0 : end;
    }
    j = e + 1;
  }
  return 0;
}

/* ---- markdown ------------------------------------------------------------ */

static int is_space(char c) { return c == ' ' || c == '\t'; }

static int is_punct_or_space(const char *s, size_t a, size_t b, size_t i) {
  return i < a || i >= b || is_space(s[i]) || strchr(".,;:!?()[]\"'-", s[i]);
}

/* Inline markdown in s[a..b): links keep their text, images go, emphasis
 * runs (* _ ** __ ***) that open or close a span and code marks go. */
static int md_inline(nt_markup *mk, const char *s, size_t a, size_t b) {
  for (size_t i = a; i < b; i++) {
    char c = s[i];
    if ((c == '[' || (c == '!' && i + 1 < b && s[i + 1] == '['))) {
      size_t open = c == '!' ? i + 1 : i, close = open + 1, depth = 1;
      while (close < b && depth) {
        depth += s[close] == '[' ? 1 : s[close] == ']' ? -1 : 0;
        close += depth ? 1 : 0;
      }
      if (close >= b || close + 1 >= b || (s[close + 1] != '(' && s[close + 1] != '['))
        continue;
      const char *end = memchr(s + close + 1, s[close + 1] == '(' ? ')' : ']',
                               b - close - 1);
      if (!end)
        continue;
      size_t stop = (size_t)(end - s) + 1;
      if (c == '!') { /* an image: all of it */
        if (edit(mk, i, stop, "", 0) < 0)
          return -1;
      } else if (edit(mk, i, i + 1, "", 0) < 0 || edit(mk, close, stop, "", 0) < 0) {
        return -1;
      }
      i = stop - 1;
      continue;
    }
    if (c == '`') {
      if (edit(mk, i, i + 1, "", 0) < 0)
        return -1;
      continue;
    }
    if (c != '*' && c != '_')
      continue;
    size_t run = i;
    while (run < b && s[run] == c)
      run++;
    /* left-flanking: opens before a word; right-flanking: closes after one */
    int opens = !is_punct_or_space(s, a, b, run) &&
                (i == a || is_punct_or_space(s, a, b, i - 1));
    int closes = i > a && !is_punct_or_space(s, a, b, i - 1) &&
                 is_punct_or_space(s, a, b, run);
    if ((opens || closes) && run - i <= 3 && edit(mk, i, run, "", 0) < 0)
      return -1;
    i = run - 1;
  }
  return 0;
}

static nt_status markdown_scan(nt_markup *mk, const char *s, size_t n,
                               size_t from) {
  int headline = 0;
  for (size_t i = from; i < n;) {
    const char *nl = memchr(s + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - s) : n, k = i;
    while (k < e && is_space(s[k]))
      k++;
    size_t mark = k;
    if (k < e && s[k] == '#') { /* heading */
      while (k < e && s[k] == '#')
        k++;
      while (k < e && is_space(s[k]))
        k++;
      size_t hashes = 0;
      while (mark + hashes < e && s[mark + hashes] == '#')
        hashes++;
      if (!headline && hashes == 1) {
        headline = 1;
        if (hint(mk, i, e, NT_ZONE_HEADLINE, NULL) < 0)
          return NT_ERR_NOMEM;
      }
    } else if (k < e && s[k] == '>') { /* quote */
      k++;
      while (k < e && is_space(s[k]))
        k++;
    } else if (k + 1 < e && strchr("-*+", s[k]) && is_space(s[k + 1])) {
      k += 2; /* list item */
    } else if (k < e && s[k] >= '0' && s[k] <= '9') {
      size_t d = k;
      while (d < e && s[d] >= '0' && s[d] <= '9')
        d++;
      if (d + 1 < e && (s[d] == '.' || s[d] == ')') && is_space(s[d + 1]))
        k = d + 2;
    }
    if (k < e && s[k] == '[') { /* a link reference definition: dropped */
      const char *rb = memchr(s + k, ']', e - k);
      if (rb && (size_t)(rb - s) + 1 < e && s[rb - s + 1] == ':') {
        if (edit(mk, i, e, "", 0) < 0)
          return NT_ERR_NOMEM;
        i = e + 1;
        continue;
      }
    }
    size_t rule = k, marks = 0;
    while (rule < e && (strchr("-*_", s[rule]) || is_space(s[rule])))
      marks += !is_space(s[rule++]);
    if (rule == e && marks >= 3 && k == mark) { /* a horizontal rule */
      if (edit(mk, i, e, "", 0) < 0)
        return NT_ERR_NOMEM;
    } else if ((k > mark && edit(mk, mark, k, "", 0) < 0) || md_inline(mk, s, k, e) < 0) {
      return NT_ERR_NOMEM;
    }
    i = e + 1;
  }
  return NT_OK;
}

/* ---- detection and entry point ------------------------------------------ */

static int has_ci(const char *s, size_t n, const char *lit) {
  size_t l = strlen(lit);
  for (size_t i = 0; i + l <= n; i++)
    if ((s[i] | 32) == (lit[0] | 32) && strncasecmp(s + i, lit, l) == 0)
      return 1;
  return 0;
}

int nt_markup_detect(const char *s, size_t n) {
  size_t i = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  size_t probe = n - i < 4096 ? n - i : 4096;
  const char *p = s + i;
  size_t k = 0;
  while (k < probe && strchr(" \t\r\n", p[k]))
    k++;
  if (k < probe && p[k] == '<' &&
      (has_ci(p + k, probe - k < 16 ? probe - k : 16, "<!doctype") ||
       has_ci(p + k, probe - k < 16 ? probe - k : 16, "<html") ||
       has_ci(p + k, probe - k < 16 ? probe - k : 16, "<head") ||
       has_ci(p + k, probe - k < 16 ? probe - k : 16, "<body")))
    return NT_MARKUP_HTML;
  int tags = 0, md = 0;
  static const char *const html_signs[] = {"<p>", "</p>", "<br", "<div", "<a href", "<h1", "<h2", "<li>", "<span", NULL};
  for (const char *lt = memchr(p, '<', probe); lt && tags < 2;
       lt = memchr(lt + 1, '<', probe - (size_t)(lt + 1 - p))) {
    size_t left = probe - (size_t)(lt - p);
    for (int t = 0; html_signs[t]; t++) {
      size_t l = strlen(html_signs[t]);
      if (l <= left && strncasecmp(lt, html_signs[t], l) == 0) {
        tags++;
        break;
      }
    }
    if (lt + 1 >= p + probe)
      break;
  }
  if (tags >= 2)
    return NT_MARKUP_HTML;
  for (size_t j = 0; j < probe;) {
    const char *nl = memchr(p + j, '\n', probe - j);
    size_t e = nl ? (size_t)(nl - p) : probe;
    if (e > j && (p[j] == '#' || (e - j > 2 && strchr("-*>", p[j]) && p[j + 1] == ' ')))
      md++;
    j = e + 1;
  }
  for (const char *b = memchr(p, ']', probe); b && b + 1 < p + probe;
       b = memchr(b + 1, ']', probe - (size_t)(b + 1 - p)))
    md += b[1] == '(';
  if (md >= 2 || (probe >= 4 && (memcmp(p, "---", 3) == 0 || memcmp(p, "+++", 3) == 0)))
    return NT_MARKUP_MARKDOWN;
  return NT_MARKUP_TEXT;
}

static int cmp_edit(const void *a, const void *b) {
  const nt_edit *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->end > y->end ? -1 : (x->end < y->end);
}

nt_status nt_markup_scan(nt_markup *mk, const nt_lexicon *lex, void *md,
                         int format, const char *s, size_t n) {
  nt_markup_reset(mk);
  if (format == NT_MARKUP_AUTO)
    format = nt_markup_detect(s, n);
  size_t from = front_matter(mk, s, n);
  nt_status st = NT_OK;
  if (format == NT_MARKUP_HTML)
    st = html_scan(mk, lex, md, s + from, n - from) == NT_OK ? NT_OK : NT_ERR_NOMEM;
  else if (format == NT_MARKUP_MARKDOWN)
    st = markdown_scan(mk, s, n, from);
  if (format == NT_MARKUP_HTML && from) { /* html_scan saw offsets from `from` */
    for (size_t i = 1; i < mk->nedits; i++)
      mk->edits[i].start += from, mk->edits[i].end += from;
    for (size_t i = 0; i < mk->nhints; i++)
      mk->hints[i].start += from, mk->hints[i].end += from;
  }
  if (mk->nedits > 1)
    qsort(mk->edits, mk->nedits, sizeof *mk->edits, cmp_edit);
  return st;
}
