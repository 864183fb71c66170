/*
 * lexicon.c - loads the lexicon directories (entity, stop-word, topic, zone
 * and cleaning files; see lexicons/README.md) into one immutable nt_lexicon,
 * then compiles its automaton (match.c).  Any malformed line fails the whole
 * load with file:line in the error.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <pcre2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- a string -> index hash (entity ids, topic ids, folded keys) ------ */

typedef struct idslot {
  const char *key; /* NULL: empty */
  uint32_t val;
  uint32_t hash; /* the key's hash: most probes of another key end here,
                  * without reading the key */
} idslot;

typedef struct idmap {
  idslot *slots;
  size_t cap, n;
} idmap;

static uint32_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (uint32_t)(h ^ (h >> 32));
}

/* The slot of key (hash h): where it is, or the empty slot for it. */
static idslot *idmap_slot(const idmap *m, const char *key, uint32_t h) {
  size_t i = h & (m->cap - 1);
  while (m->slots[i].key &&
         (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
    i = (i + 1) & (m->cap - 1);
  return &m->slots[i];
}

static int idmap_grow(idmap *m) {
  idmap n = {0};
  n.cap = m->cap ? m->cap * 2 : 256;
  n.slots = calloc(n.cap, sizeof *n.slots);
  if (!n.slots)
    return -1;
  for (size_t i = 0; i < m->cap; i++) { /* keys are distinct: no strcmp */
    const idslot *s = &m->slots[i];
    if (!s->key)
      continue;
    size_t j = s->hash & (n.cap - 1);
    while (n.slots[j].key)
      j = (j + 1) & (n.cap - 1);
    n.slots[j] = *s;
  }
  n.n = m->n;
  free(m->slots);
  *m = n;
  return 0;
}

static int idmap_put(idmap *m, const char *key, uint32_t val) {
  if ((m->n + 1) * 2 > m->cap && idmap_grow(m) < 0)
    return -1;
  uint32_t h = hash_str(key);
  idslot *s = idmap_slot(m, key, h);
  if (!s->key)
    m->n++;
  s->key = key;
  s->val = val;
  s->hash = h;
  return 0;
}

static int idmap_get(const idmap *m, const char *key, uint32_t *val) {
  if (!m->cap)
    return 0;
  const idslot *s = idmap_slot(m, key, hash_str(key));
  if (s->key)
    *val = s->val;
  return s->key != NULL;
}

static void idmap_free(idmap *m) {
  free(m->slots);
}

/* ---- loading state ---------------------------------------------------- */

typedef struct loader {
  nt_lexicon *lex;
  idmap entities, topics;
  nt_error *err;
  uint32_t file;    /* index into lex->files */
  long line;
  size_t dir_first_entity; /* entities defined before this directory */
} loader;

static int fail(loader *ld, nt_status st, const char *fmt, const char *arg) {
  nt_error_set(ld->err, st, ld->lex->files[ld->file], ld->line, fmt, arg);
  return -1;
}

static int nomem(loader *ld) {
  return fail(ld, NT_ERR_NOMEM, "%s", "out of memory");
}

/* Split line at tabs in place; returns the number of fields (max cap). */
static size_t split_tabs(char *line, char **f, size_t cap) {
  size_t n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < cap; p++)
    if (*p == '\t') {
      *p = '\0';
      f[n++] = p + 1;
    }
  return n;
}

static int parse_flags(loader *ld, const char *s, uint32_t *flags) {
  static const struct {
    const char *name;
    uint32_t bit;
  } names[] = {{"exact", NT_AF_EXACT},     {"nocase", NT_AF_NOCASE},
               {"demonym", NT_AF_DEMONYM}, {"shared", NT_AF_SHARED},
               {"context", NT_AF_CONTEXT}, {"person", NT_AF_PERSON},
               {"noplural", NT_AF_NOPLURAL}, {"stem", NT_AF_STEM},
               {"capsword", NT_AF_CAPSWORD}};
  *flags = 0;
  while (*s) {
    size_t n = strcspn(s, ", ");
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strlen(names[i].name) == n && strncmp(names[i].name, s, n) == 0)
        break;
    if (n && i == sizeof names / sizeof names[0]) {
      char word[64];
      snprintf(word, sizeof word, "%.*s", (int)(n < 60 ? n : 60), s);
      return fail(ld, NT_ERR_LEXICON, "unknown flag \"%s\"", word);
    }
    if (n)
      *flags |= names[i].bit;
    s += n;
    while (*s == ',' || *s == ' ')
      s++;
  }
  return 0;
}

/* Derive the case-rule bits from the alias as written. */
static uint32_t case_bits(const char *text) {
  uint32_t bits = 0;
  size_t letters = 0, upper = 0, i = 0, n = strlen(text);
  int first = 1;
  while (i < n) {
    int32_t cp;
    i += nt_util_utf8_decode((const unsigned char *)text + i, n - i, &cp);
    if (nt_util_is_upper_cp(cp) || nt_util_is_lower_cp(cp)) {
      letters++;
      if (nt_util_is_upper_cp(cp)) {
        upper++;
        if (first)
          bits |= NT_AF_UPPER1;
      }
      first = 0;
    }
  }
  if (letters >= 2 && upper == letters)
    bits |= NT_AF_ACRONYM;
  return bits;
}

static int add_pattern(loader *ld, nt_pattern_kind kind, uint32_t target,
                       const char *text, uint32_t flags, double weight) {
  nt_lexicon *lex = ld->lex;
  if (!*text)
    return fail(ld, NT_ERR_LEXICON, "%s", "empty alias");
  if (nt_util_grow(&lex->patterns, &lex->patcap, lex->npatterns + 1,
                   sizeof *lex->patterns) < 0)
    return nomem(ld);
  nt_buf folded = {0};
  if (nt_util_fold(text, strlen(text), &folded, NULL, NULL, 0) < 0)
    return nomem(ld);
  char *fit = realloc(folded.data, folded.len + 1); /* fold reserves more */
  if (fit)
    folded.data = fit;
  nt_pattern *p = &lex->patterns[lex->npatterns];
  memset(p, 0, sizeof *p);
  p->text = nt_util_strdup(text);
  p->folded = folded.data;
  p->flen = (uint32_t)folded.len;
  if (!p->text) {
    free(folded.data);
    return nomem(ld);
  }
  p->kind = kind;
  p->target = target;
  p->flags = flags | case_bits(text);
  if (kind == NT_PK_ALIAS && lex->entities[target].type == NT_WEAPON &&
      !(flags & NT_AF_NOPLURAL))
    p->flags |= NT_AF_PLURAL;
  p->file = ld->file;
  p->line = (uint32_t)ld->line;
  p->next_same = UINT32_MAX;
  p->weight = weight;
  lex->npatterns++;
  return 0;
}

static const char *attr_dup(const char *attrs, const char *key, char **out) {
  size_t kl = strlen(key);
  const char *p = attrs;
  *out = NULL;
  while (p && *p) {
    if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
      size_t n = strcspn(p + kl + 1, ";");
      *out = malloc(n + 1);
      if (*out) {
        memcpy(*out, p + kl + 1, n);
        (*out)[n] = '\0';
      }
      return *out;
    }
    p = strchr(p, ';');
    if (p)
      p++;
  }
  return NULL;
}

static int type_from_name(const char *s, nt_entity_type *t) {
  for (int i = 0; i < NT_ENTITY_TYPES; i++)
    if (strcmp(s, nt_entity_type_name((nt_entity_type)i)) == 0) {
      *t = (nt_entity_type)i;
      return 1;
    }
  return 0;
}

static int line_entity(loader *ld, char **f, size_t n, int file_type) {
  nt_lexicon *lex = ld->lex;
  if (n < 3 || !*f[1] || !*f[2])
    return fail(ld, NT_ERR_LEXICON, "%s",
                "entity line needs: entity, ID, name[, attributes]");
  const char *attrs = n > 3 ? f[3] : "";
  char *type_s = NULL;
  nt_entity_type type = (nt_entity_type)file_type;
  if (attr_dup(attrs, "type", &type_s)) {
    int ok = type_from_name(type_s, &type);
    free(type_s);
    if (!ok)
      return fail(ld, NT_ERR_LEXICON, "unknown type in \"%s\"", attrs);
  } else if (file_type < 0) {
    return fail(ld, NT_ERR_LEXICON, "entity \"%s\" has no type= attribute "
                "and the file name names no type", f[1]);
  }
  uint32_t idx;
  if (idmap_get(&ld->entities, f[1], &idx)) {
    if (idx >= ld->dir_first_entity)
      return fail(ld, NT_ERR_LEXICON, "duplicate entity \"%s\"", f[1]);
    nt_entity *e = &lex->entities[idx]; /* a later directory overrides */
    char *name = nt_util_strdup(f[2]), *a = nt_util_strdup(attrs);
    if (!name || !a) {
      free(name);
      free(a);
      return nomem(ld);
    }
    free(e->name);
    free(e->attrs);
    e->name = name;
    e->attrs = a;
    return 0;
  }
  if (nt_util_grow(&lex->entities, &lex->entcap, lex->nentities + 1,
                   sizeof *lex->entities) < 0)
    return nomem(ld);
  nt_entity *e = &lex->entities[lex->nentities];
  memset(e, 0, sizeof *e);
  e->id = nt_util_strdup(f[1]);
  e->name = nt_util_strdup(f[2]);
  e->attrs = nt_util_strdup(attrs);
  attr_dup(attrs, "category", &e->category);
  attr_dup(attrs, "country", &e->country);
  attr_dup(attrs, "lists", &e->lists);
  e->type = type;
  e->file = ld->file;
  e->line = (uint32_t)ld->line;
  lex->nentities++;
  if (!e->id || !e->name || !e->attrs ||
      idmap_put(&ld->entities, e->id, (uint32_t)(lex->nentities - 1)) < 0)
    return nomem(ld);
  lex->type_count[type]++;
  return 0;
}

static int line_alias(loader *ld, char **f, size_t n) {
  if (n < 3 || !*f[1] || !*f[2])
    return fail(ld, NT_ERR_LEXICON, "%s",
                "alias line needs: alias, ID, text[, flags]");
  uint32_t idx;
  if (!idmap_get(&ld->entities, f[1], &idx))
    return fail(ld, NT_ERR_LEXICON, "alias of unknown entity \"%s\"", f[1]);
  uint32_t flags = 0;
  if (n > 3 && parse_flags(ld, f[3], &flags) < 0)
    return -1;
  return add_pattern(ld, NT_PK_ALIAS, idx, f[2], flags, 0);
}

static int line_unalias(loader *ld, char **f, size_t n) {
  uint32_t idx;
  if (n < 3 || !idmap_get(&ld->entities, f[1], &idx))
    return fail(ld, NT_ERR_LEXICON, "unalias of unknown entity \"%s\"",
                n > 1 ? f[1] : "");
  nt_buf folded = {0};
  if (nt_util_fold(f[2], strlen(f[2]), &folded, NULL, NULL, 0) < 0)
    return nomem(ld);
  int found = 0;
  for (size_t i = 0; i < ld->lex->npatterns; i++) {
    nt_pattern *p = &ld->lex->patterns[i];
    if (p->kind == NT_PK_ALIAS && p->target == idx &&
        strcmp(p->folded, folded.data) == 0) {
      p->flags |= NT_AF_DISABLED;
      found = 1;
    }
  }
  nt_buf_free(&folded);
  return found ? 0 : fail(ld, NT_ERR_LEXICON, "no alias \"%s\" to switch off", f[2]);
}

/* notname and orgword lines: one word for a word list. */
static int line_word(loader *ld, char **f, size_t n, int list) {
  struct nt_wordlist *wl = &ld->lex->wordlists[list];
  if (n < 2 || !*f[1] || strchr(f[1], ' '))
    return fail(ld, NT_ERR_LEXICON, "%s line needs: KIND, one word", f[0]);
  nt_buf folded = {0};
  if (nt_util_fold(f[1], strlen(f[1]), &folded, NULL, NULL, 0) < 0 ||
      nt_util_grow(&wl->words, &wl->cap, wl->n + 1, sizeof *wl->words) < 0) {
    nt_buf_free(&folded);
    return nomem(ld);
  }
  wl->words[wl->n++] = folded.data;
  return 0;
}

int nt_lexicon_has_word(const nt_lexicon *lex, int list, const char *s,
                        size_t n) {
  const struct nt_wordlist *wl = &lex->wordlists[list];
  nt_buf f = {0};
  if (n >= 64 || !wl->n || nt_util_fold(s, n, &f, NULL, NULL, 0) < 0)
    return 0;
  size_t lo = 0, hi = wl->n;
  int found = 0;
  while (lo < hi && !found) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(wl->words[mid], f.data);
    found = c == 0;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  nt_buf_free(&f);
  return found;
}

/* stop, prefix and suffix lines: KIND, phrase[, flags] */
static int line_stop(loader *ld, char **f, size_t n) {
  nt_pattern_kind kind = strcmp(f[0], "prefix") == 0   ? NT_PK_PREFIX
                         : strcmp(f[0], "suffix") == 0 ? NT_PK_SUFFIX
                                                       : NT_PK_STOP;
  if (n < 2 || !*f[1])
    return fail(ld, NT_ERR_LEXICON, "%s line needs: KIND, phrase[, flags]", f[0]);
  uint32_t flags = 0;
  if (n > 2 && parse_flags(ld, f[2], &flags) < 0)
    return -1;
  return add_pattern(ld, kind, 0, f[1], flags, 0);
}

static int parse_weight(loader *ld, const char *s, double *w) {
  char *end;
  errno = 0;
  *w = strtod(s, &end);
  if (end == s || *end || errno || *w < -100 || *w > 100)
    return fail(ld, NT_ERR_LEXICON, "bad weight \"%s\"", s);
  return 0;
}

static int topic_ref(loader *ld, const char *id, uint32_t *t) {
  if (!idmap_get(&ld->topics, id, t))
    return fail(ld, NT_ERR_LEXICON, "unknown topic \"%s\"", id);
  return 0;
}

static int line_topic(loader *ld, char **f, size_t n) {
  nt_lexicon *lex = ld->lex;
  uint32_t t;
  if (n < 3 || !*f[1])
    return fail(ld, NT_ERR_LEXICON, "%s", "topic line needs: topic, ID, label[, attributes]");
  if (idmap_get(&ld->topics, f[1], &t))
    return fail(ld, NT_ERR_LEXICON, "duplicate topic \"%s\"", f[1]);
  if (nt_util_grow(&lex->topics, &lex->topiccap, lex->ntopics + 1,
                   sizeof *lex->topics) < 0)
    return nomem(ld);
  nt_topic *tp = &lex->topics[lex->ntopics];
  tp->id = nt_util_strdup(f[1]);
  tp->label = nt_util_strdup(f[2]);
  tp->scale = 4.0;
  lex->ntopics++;
  char *scale = NULL;
  if (n > 3 && attr_dup(f[3], "scale", &scale)) {
    int bad = parse_weight(ld, scale, &tp->scale) < 0 || tp->scale <= 0;
    free(scale);
    if (bad)
      return fail(ld, NT_ERR_LEXICON, "bad scale in \"%s\"", f[3]);
  }
  if (!tp->id || !tp->label ||
      idmap_put(&ld->topics, tp->id, (uint32_t)(lex->ntopics - 1)) < 0)
    return nomem(ld);
  return 0;
}

static int line_cue(loader *ld, char **f, size_t n) {
  uint32_t t, flags = 0;
  double w;
  if (n < 4)
    return fail(ld, NT_ERR_LEXICON, "%s", "cue line needs: cue, TOPIC, text, weight[, flags]");
  if (topic_ref(ld, f[1], &t) < 0 || parse_weight(ld, f[3], &w) < 0)
    return -1;
  if (n > 4 && parse_flags(ld, f[4], &flags) < 0)
    return -1;
  if (!(flags & NT_AF_EXACT))
    flags |= NT_AF_NOCASE;
  return add_pattern(ld, NT_PK_CUE, t, f[2], flags, w);
}

static int line_topic_entity(loader *ld, char **f, size_t n) {
  nt_lexicon *lex = ld->lex;
  uint32_t t;
  double w;
  if (n < 4)
    return fail(ld, NT_ERR_LEXICON, "%s", "entity rule needs: entity, TOPIC, selector, weight");
  if (topic_ref(ld, f[1], &t) < 0 || parse_weight(ld, f[3], &w) < 0)
    return -1;
  if (nt_util_grow(&lex->rules, &lex->rulecap, lex->nrules + 1,
                   sizeof *lex->rules) < 0)
    return nomem(ld);
  nt_topic_rule *r = &lex->rules[lex->nrules];
  memset(r, 0, sizeof *r);
  char *colon = strchr(f[2], ':');
  if (colon)
    *colon = '\0';
  if (!type_from_name(f[2], &r->type))
    return fail(ld, NT_ERR_LEXICON, "unknown entity type \"%s\"", f[2]);
  if (colon) {
    char *eq = strchr(colon + 1, '=');
    if (!eq)
      return fail(ld, NT_ERR_LEXICON, "selector needs key=value after \"%s:\"", f[2]);
    *eq = '\0';
    r->key = nt_util_strdup(colon + 1);
    r->value = nt_util_strdup(eq + 1);
    if (!r->key || !r->value) {
      free(r->key);
      free(r->value);
      return nomem(ld);
    }
  }
  r->topic = t;
  r->weight = w;
  lex->nrules++;
  return 0;
}

/* The byte every match of re begins with, when pcre2 knows one and it has
 * no other case (not a letter, ASCII), else -1. */
static int first_byte(const pcre2_code *re) {
  uint32_t type = 0, unit = 0;
  if (pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODETYPE, &type) != 0 ||
      type != 1 ||
      pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODEUNIT, &unit) != 0 ||
      unit >= 0x80 || ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z'))
    return -1;
  return (int)unit;
}

static int add_regex(loader *ld, nt_regex_rule **arr, size_t *n, size_t *cap,
                     int kind, const char *pattern, const char *extra,
                     uint32_t options) {
  int code;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                 options, &code, &off, NULL);
  if (!re) {
    char msg[256];
    pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
    return fail(ld, NT_ERR_LEXICON, "bad pattern: %s", msg);
  }
  if (nt_util_grow(arr, cap, *n + 1, sizeof **arr) < 0) {
    pcre2_code_free(re);
    return nomem(ld);
  }
  nt_regex_rule *r = &(*arr)[(*n)++];
  /* JIT, an optional speed-up, happens on the rule's first use
   * (nt_lexicon_rule_code: a run JITs only the rules it uses, and start-up
   * none); NEWSTAG_NO_JIT turns it off for valgrind, which cannot see into
   * JIT code (its vector loads read past the end). */
  r->jit = getenv("NEWSTAG_NO_JIT") ? re : NULL;
  r->kind = kind;
  r->gated = 0;
  r->first = first_byte(re);
  r->code = re;
  r->replacement = nt_util_strdup(extra);
  r->reason = r->replacement;
  return r->replacement ? 0 : nomem(ld);
}

/* ---- topics.tsv `pattern` lines ---------------------------------------
 *
 *   pattern<TAB>TOPIC<TAB>pcre2<TAB>weight[<TAB>label]
 *
 * A cue written as a pcre2 pattern, matched case-insensitively on the
 * cleaned text as whole words; the label (default: the pattern) names it in
 * the evidence, and all its forms count as one cue.  A pattern whose
 * language is finite - literal text, (?:a|b) groups, ? after a character or
 * group, [abc] classes, \-escaped punctuation - is expanded here into plain
 * cues of the trie (one pass over the text for all of them); any other
 * pattern is compiled (JIT unless NEWSTAG_NO_JIT) and run by score.c. */

#define EXPAND_MAX 4096      /* forms of one pattern; more goes to pcre2 */
#define EXPAND_BYTES (1 << 20) /* and their total length */
#define EXPAND_DEPTH 16      /* nested groups */

typedef struct expansion {
  char **forms;
  size_t n, cap, bytes;
} expansion;

static void expansion_free(expansion *x) {
  for (size_t i = 0; i < x->n; i++)
    free(x->forms[i]);
  free(x->forms);
  memset(x, 0, sizeof *x);
}

static int expansion_add(expansion *x, char *s) {
  x->bytes += strlen(s) + 1;
  if (x->n >= EXPAND_MAX || x->bytes > EXPAND_BYTES ||
      nt_util_grow(&x->forms, &x->cap, x->n + 1, sizeof *x->forms) < 0) {
    free(s);
    return -1;
  }
  x->forms[x->n++] = s;
  return 0;
}

/* Every a + b for a in x, b in y, into out. */
static int expansion_product(const expansion *x, const expansion *y,
                             expansion *out) {
  for (size_t i = 0; i < x->n; i++)
    for (size_t j = 0; j < y->n; j++) {
      size_t la = strlen(x->forms[i]), lb = strlen(y->forms[j]);
      char *s = malloc(la + lb + 1);
      if (!s)
        return -1;
      memcpy(s, x->forms[i], la);
      memcpy(s + la, y->forms[j], lb + 1);
      if (expansion_add(out, s) < 0)
        return -1;
    }
  return 0;
}

static int expand_alt(const char **p, expansion *out, int depth, int heads);
static const char *skip_branch(const char *p);

/* Bytes of the UTF-8 sequence at s (its continuation bytes, up to 4). */
static size_t seq_len(const char *s) {
  size_t k = 1;
  while (k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
    k++;
  return k;
}

/* One atom (character, escape or class; groups are expand_seq's) into out;
 * 0, or -1 when it is not of the finite kind. */
static int expand_atom(const char **p, expansion *out) {
  const char *s = *p;
  char buf[8];
  if (s[0] == '(')
    return -1;
  if (s[0] == '[') {
    s++;
    while (*s && *s != ']') {
      if (*s == '\\' || *s == '^' || *s == '[' || (s[1] == '-' && s[2] != ']'))
        return -1;
      size_t k = seq_len(s);
      memcpy(buf, s, k);
      buf[k] = '\0';
      s += k;
      char *d = nt_util_strdup(buf);
      if (!d || expansion_add(out, d) < 0)
        return -1;
    }
    if (*s != ']' || out->n == 0)
      return -1;
    *p = s + 1;
    return 0;
  }
  if (s[0] == '\\') {
    if (!s[1] || strchr("\\.-'()[]?|/ ", s[1]) == NULL)
      return -1;
    buf[0] = s[1];
    buf[1] = '\0';
    *p = s + 2;
  } else {
    if (!s[0] || strchr(".*+{}^$|)?", s[0]))
      return -1;
    size_t n = seq_len(s);
    memcpy(buf, s, n);
    buf[n] = '\0';
    *p = s + n;
  }
  char *d = nt_util_strdup(buf);
  return d ? expansion_add(out, d) : -1;
}

/* The forms of one branch (a sequence of atoms, each optionally followed by
 * ?) into out: 1 when they are whole, -1 when the branch is not finite or
 * there are too many.  With heads, a branch's forms end at its first atom
 * that is not finite instead: they are then only the starts of its matches
 * ("heads"), and the result is 0.  Capturing groups count as groups there. */
static int expand_seq(const char **p, expansion *out, int depth, int heads) {
  char *empty = nt_util_strdup("");
  if (!empty || expansion_add(out, empty) < 0)
    return -1;
  while (**p && **p != '|' && **p != ')') {
    expansion atom = {0}, next = {0};
    const char *s = *p;
    int rc, whole = 1;
    if (s[0] == '(' && (s[1] == '?' ? s[2] == ':' : heads)) {
      *p = s + (s[1] == '?' ? 3 : 1);
      rc = depth < EXPAND_DEPTH ? expand_alt(p, &atom, depth + 1, heads) : -1;
      whole = rc == 1;
      if (rc >= 0 && **p == ')')
        (*p)++;
      else
        rc = -1;
    } else {
      rc = expand_atom(p, &atom);
    }
    if (rc >= 0 && **p && strchr("*+{", **p))
      rc = -1; /* repeated: not finite */
    if (rc >= 0 && **p == '?') {
      (*p)++;
      char *e = nt_util_strdup("");
      rc = e ? expansion_add(&atom, e) : -1;
    }
    if (rc < 0) {
      expansion_free(&atom);
      if (!heads)
        return -1;
      *p = skip_branch(s); /* the heads end here */
      return 0;
    }
    rc = expansion_product(out, &atom, &next);
    expansion_free(&atom);
    expansion_free(out);
    *out = next;
    if (rc < 0)
      return -1;
    if (!whole) {
      *p = skip_branch(*p);
      return 0;
    }
  }
  return 1;
}

/* The forms of every branch into out: 1 when all are whole, 0 when some are
 * heads only, -1 as expand_seq. */
static int expand_alt(const char **p, expansion *out, int depth, int heads) {
  int whole = 1;
  for (;;) {
    expansion seq = {0};
    int rc = expand_seq(p, &seq, depth, heads);
    for (size_t i = 0; rc >= 0 && i < seq.n; i++) {
      if (expansion_add(out, seq.forms[i]) < 0)
        rc = -1;
      seq.forms[i] = NULL;
    }
    expansion_free(&seq);
    if (rc < 0)
      return -1;
    whole &= rc;
    if (**p != '|')
      return whole;
    (*p)++;
  }
}

/* Expand a finite pattern; -1 when it is not one (out is then empty). */
static int expand_pattern(const char *pattern, expansion *out) {
  const char *p = pattern;
  if (expand_alt(&p, out, 0, 0) < 0 || *p) {
    expansion_free(out);
    return -1;
  }
  return 0;
}

/* ---- heads of the other patterns ----------------------------------------
 * Every match of a pattern begins with one of its heads: the finite prefix
 * of each branch, expanded up to the first atom that is not finite.  The
 * heads go into the trie (NT_PK_ANCHOR), and score.c runs the pattern only
 * where one was found instead of over every line. */

/* Past the rest of a branch: to its "|" or ")" (or the end). */
static const char *skip_branch(const char *p) {
  int depth = 0;
  for (; *p; p++) {
    if (*p == '\\' && p[1])
      p++;
    else if (*p == '[') { /* a class: "]" first is a literal */
      p += p[1] == '^' ? 2 : 1;
      if (*p == ']')
        p++;
      while (*p && *p != ']')
        p += *p == '\\' && p[1] ? 2 : 1;
      if (!*p)
        return p;
    } else if (*p == '(')
      depth++;
    else if (*p == ')' && depth-- == 0)
      return p;
    else if (*p == '|' && depth == 0)
      return p;
  }
  return p;
}

/* The heads of a pattern, none empty and, unless any_start, each starting
 * with a letter or digit; -1 when some match could begin with anything else
 * (the pattern then runs on every line). */
static int head_pattern(const char *pattern, expansion *out, int any_start) {
  const char *p = pattern;
  if (strstr(pattern, "\\Q") || strstr(pattern, "(?x") ||
      expand_alt(&p, out, 0, 1) < 0 || *p)
    goto fail;
  for (size_t i = 0; i < out->n; i++) {
    unsigned char c = (unsigned char)out->forms[i][0];
    if (!c || (!any_start && !(c >= 0x80 || (c >= '0' && c <= '9') ||
                               ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))))
      goto fail;
  }
  return 0;
fail:
  expansion_free(out);
  return -1;
}

/* Give pattern k the label as its text (shown as the cue in evidence). */
static int set_label(loader *ld, size_t k, const char *label) {
  nt_pattern *pt = &ld->lex->patterns[k];
  char *d = nt_util_strdup(label);
  if (!d)
    return nomem(ld);
  free(pt->text);
  pt->text = d;
  return 0;
}

/* Heads x of the last topic pattern as its anchors; x is freed. */
static int add_heads(loader *ld, expansion *x) {
  nt_lexicon *lex = ld->lex;
  uint32_t rule = (uint32_t)(lex->ntopic_res - 1);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < x->n; i++)
    rc = add_pattern(ld, NT_PK_ANCHOR, rule, x->forms[i],
                     NT_AF_NOCASE | NT_AF_ANCHOR, 0);
  expansion_free(x);
  lex->topic_res[rule].gated = 1;
  return rc;
}

/* The regex of a topic pattern (cue: the index of its pattern); gated, it
 * runs only at its heads: compiled anchored, since pcre2's JIT does not take
 * PCRE2_ANCHORED at match time. */
static int add_topic_regex(loader *ld, const char *pattern, uint32_t cue,
                           int gated) {
  nt_lexicon *lex = ld->lex;
  size_t len = strlen(pattern) + 32;
  char *wrapped = malloc(len);
  if (!wrapped)
    return nomem(ld);
  snprintf(wrapped, len, "(?<!\\w)(?:%s)(?!\\w)", pattern);
  int rc = add_regex(ld, &lex->topic_res, &lex->ntopic_res, &lex->topic_recap,
                     (int)cue, wrapped, "",
                     PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS |
                         (gated ? PCRE2_ANCHORED : 0));
  free(wrapped);
  if (rc == 0)
    lex->topic_res[lex->ntopic_res - 1].gated = gated;
  return rc;
}

static int line_pattern(loader *ld, char **f, size_t n) {
  nt_lexicon *lex = ld->lex;
  uint32_t t;
  double w;
  if (n < 4 || !*f[2])
    return fail(ld, NT_ERR_LEXICON, "%s",
                "pattern line needs: pattern, TOPIC, pcre2, weight[, label]");
  if (topic_ref(ld, f[1], &t) < 0 || parse_weight(ld, f[3], &w) < 0)
    return -1;
  const char *label = n > 4 && *f[4] ? f[4] : f[2];
  expansion x = {0};
  if (expand_pattern(f[2], &x) == 0) {
    int rc = 0;
    size_t added = 0;
    for (size_t i = 0; rc == 0 && i < x.n; i++) {
      if (!*x.forms[i])
        continue; /* the pattern also matches nothing: ignore that form */
      rc = add_pattern(ld, NT_PK_CUE, t, x.forms[i], NT_AF_NOCASE, w);
      if (rc == 0)
        rc = set_label(ld, lex->npatterns - 1, label);
      added++;
    }
    expansion_free(&x);
    if (rc == 0 && added == 0)
      return fail(ld, NT_ERR_LEXICON, "pattern \"%s\" matches only nothing", f[2]);
    return rc;
  }
  /* compiled alone first, so that a stray ")" cannot escape the wrapping */
  int code;
  PCRE2_SIZE off;
  pcre2_code *alone = pcre2_compile((PCRE2_SPTR)f[2], PCRE2_ZERO_TERMINATED,
                                    PCRE2_UTF | PCRE2_UCP, &code, &off, NULL);
  if (!alone) {
    char msg[256];
    pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
    return fail(ld, NT_ERR_LEXICON, "bad pattern: %s", msg);
  }
  pcre2_code_free(alone);
  if (add_pattern(ld, NT_PK_CUE, t, label, NT_AF_NOCASE | NT_AF_DISABLED, w) < 0)
    return -1;
  int gated = head_pattern(f[2], &x, 0) == 0;
  int rc = add_topic_regex(ld, f[2], (uint32_t)(lex->npatterns - 1), gated);
  if (rc < 0 || !gated) {
    expansion_free(&x);
    return rc;
  }
  return add_heads(ld, &x);
}

static int zone_heads(loader *ld, const char *pattern);

/* The regex of a zone rule; 0, or -1 with err. */
static int add_zone_regex(loader *ld, char **f, size_t n) {
  static const char *kinds[] = {"tail", "line", "teaser-end", "tagline", "class"};
  if (n < 3)
    return fail(ld, NT_ERR_LEXICON, "%s", "zone rule needs: RULE, pattern, reason");
  for (int k = 0; k < 5; k++)
    if (strcmp(f[0], kinds[k]) == 0)
      return add_regex(ld, &ld->lex->zone_rules, &ld->lex->nzone_rules,
                       &ld->lex->zonecap, k, f[1], f[2],
                       PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS);
  return fail(ld, NT_ERR_LEXICON, "unknown zone rule \"%s\"", f[0]);
}

static int line_zone(loader *ld, char **f, size_t n) {
  return add_zone_regex(ld, f, n) < 0 ? -1 : zone_heads(ld, f[1]);
}

/* Zone rules run on every line.  One anchored at the line's start (^) or
 * at a word (\\b, in every branch) has heads; it then runs only on lines
 * where the trie found one (zone.c). */
static int zone_heads(loader *ld, const char *pattern) {
  nt_lexicon *lex = ld->lex;
  uint32_t rule = (uint32_t)(lex->nzone_rules - 1), opts = 0;
  nt_regex_rule *r = &lex->zone_rules[rule];
  pcre2_pattern_info((const pcre2_code *)r->code, PCRE2_INFO_ALLOPTIONS, &opts);
  int at_start = pattern[0] == '^' && (opts & PCRE2_ANCHORED);
  if (r->kind == NT_ZR_CLASS)
    return 0;
  if (at_start)
    pattern++;
  else if (pattern[0] == '\\' && pattern[1] == 'b' && !*skip_branch(pattern))
    pattern += 2;
  else
    return 0;
  expansion x = {0};
  if (head_pattern(pattern, &x, at_start) < 0)
    return 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < x.n; i++)
    rc = add_pattern(ld, NT_PK_ZONE_ANCHOR, rule, x.forms[i],
                     NT_AF_NOCASE | NT_AF_ANCHOR, 0);
  expansion_free(&x);
  r->gated = 1;
  return rc;
}

static int line_clean(loader *ld, char **f, size_t n) {
  if (n < 3 || strcmp(f[0], "replace") != 0)
    return fail(ld, NT_ERR_LEXICON, "%s", "cleaning rule needs: replace, pattern, replacement");
  return add_regex(ld, &ld->lex->clean_rules, &ld->lex->nclean_rules,
                   &ld->lex->cleancap, 0, f[1], f[2], 0);
}

enum file_kind { FK_ENTITIES, FK_STOP, FK_TOPICS, FK_ZONES, FK_CLEAN, FK_RELATIONS };

static int load_line(loader *ld, enum file_kind kind, int file_type,
                     char *line) {
  char *f[8];
  size_t n = split_tabs(line, f, 8);
  switch (kind) {
  case FK_ENTITIES:
    if (strcmp(f[0], "entity") == 0)
      return line_entity(ld, f, n, file_type);
    if (strcmp(f[0], "alias") == 0)
      return line_alias(ld, f, n);
    if (strcmp(f[0], "unalias") == 0)
      return line_unalias(ld, f, n);
    if (strcmp(f[0], "stop") == 0)
      return line_stop(ld, f, n);
    break;
  case FK_STOP:
    if (strcmp(f[0], "stop") == 0 || strcmp(f[0], "prefix") == 0 ||
        strcmp(f[0], "suffix") == 0)
      return line_stop(ld, f, n);
    if (strcmp(f[0], "notname") == 0)
      return line_word(ld, f, n, NT_WL_NOTNAME);
    if (strcmp(f[0], "orgword") == 0)
      return line_word(ld, f, n, NT_WL_ORGWORD);
    break;
  case FK_TOPICS:
    if (strcmp(f[0], "topic") == 0)
      return line_topic(ld, f, n);
    if (strcmp(f[0], "cue") == 0)
      return line_cue(ld, f, n);
    if (strcmp(f[0], "entity") == 0)
      return line_topic_entity(ld, f, n);
    if (strcmp(f[0], "pattern") == 0)
      return line_pattern(ld, f, n);
    break;
  case FK_ZONES:
    return line_zone(ld, f, n);
  case FK_CLEAN:
    return line_clean(ld, f, n);
  case FK_RELATIONS:
    return nt_relate_load_line(ld->lex, f, n, ld->err, ld->lex->files[ld->file],
                               ld->line);
  }
  return fail(ld, NT_ERR_LEXICON, "unknown line kind \"%s\"", f[0]);
}

/* Where path is and what it was when opened (fd), for snapshots. */
static int set_source(nt_source *s, const char *path, int fd) {
  char abs[PATH_MAX];
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0) {
    s->size = (int64_t)st.st_size;
    s->mtime_s = (int64_t)st.st_mtim.tv_sec;
    s->mtime_ns = (int64_t)st.st_mtim.tv_nsec;
  }
  s->path = nt_util_strdup(realpath(path, abs) ? abs : path);
  return s->path ? 0 : -1;
}

/* Keep a line that compiles to regexes (see nt_regex_line); copy is the
 * line before loading it split the line, npat the patterns before it. */
static int keep_regex_line(loader *ld, enum file_kind kind, char *copy,
                           size_t npat, int gated) {
  nt_lexicon *lex = ld->lex;
  if (nt_util_grow(&lex->regex_lines, &lex->regex_linecap,
                   lex->nregex_lines + 1, sizeof *lex->regex_lines) < 0) {
    free(copy);
    return nomem(ld);
  }
  nt_regex_line *r = &lex->regex_lines[lex->nregex_lines++];
  memset(r, 0, sizeof *r);
  r->text = copy;
  r->file = ld->file;
  r->line = (uint32_t)ld->line;
  r->kind = (uint32_t)kind;
  r->first_pattern = (uint32_t)npat;
  r->gated = (uint32_t)gated;
  return 0;
}

/* One line, kept too when it compiles to regexes. */
static int load_kept_line(loader *ld, enum file_kind kind, int file_type,
                          char *line) {
  nt_lexicon *lex = ld->lex;
  size_t npat = lex->npatterns, nres = lex->ntopic_res, nzone = lex->nzone_rules;
  int keep = kind == FK_ZONES || kind == FK_CLEAN || kind == FK_RELATIONS ||
             (kind == FK_TOPICS && strncmp(line, "pattern\t", 8) == 0);
  char *copy = keep ? nt_util_strdup(line) : NULL;
  if (keep && !copy)
    return nomem(ld);
  int rc = load_line(ld, kind, file_type, line);
  int gated = (kind == FK_TOPICS && lex->ntopic_res > nres &&
               lex->topic_res[lex->ntopic_res - 1].gated) ||
              (kind == FK_ZONES && lex->nzone_rules > nzone &&
               lex->zone_rules[lex->nzone_rules - 1].gated);
  if (rc == 0 && keep && (kind != FK_TOPICS || lex->ntopic_res > nres))
    return keep_regex_line(ld, kind, copy, npat, gated);
  free(copy);
  return rc;
}

static int load_file(loader *ld, const char *path, enum file_kind kind,
                     int file_type) {
  nt_lexicon *lex = ld->lex;
  if (nt_util_grow(&lex->files, &lex->filecap, lex->nfiles + 1,
                   sizeof *lex->files) < 0 ||
      nt_util_grow(&lex->sources, &lex->sourcecap, lex->nfiles + 1,
                   sizeof *lex->sources) < 0)
    return nomem(ld);
  memset(&lex->sources[lex->nfiles], 0, sizeof *lex->sources);
  lex->files[lex->nfiles] = nt_util_strdup(path);
  if (!lex->files[lex->nfiles])
    return nomem(ld);
  ld->file = (uint32_t)lex->nfiles++;
  ld->line = 0;
  FILE *fp = fopen(path, "r");
  if (!fp)
    return fail(ld, NT_ERR_IO, "cannot open: %s", strerror(errno));
  if (set_source(&lex->sources[ld->file], path, fileno(fp)) < 0) {
    fclose(fp);
    return nomem(ld);
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  int rc = 0;
  while (rc == 0 && (got = getline(&line, &cap, fp)) >= 0) {
    ld->line++;
    while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
      line[--got] = '\0';
    if ((size_t)got != strlen(line)) {
      rc = fail(ld, NT_ERR_LEXICON, "%s", "NUL byte in line");
      break;
    }
    if (ld->line == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
      memmove(line, line + 3, (size_t)got - 2);
    if (!line[0] || line[0] == '#')
      continue;
    rc = load_kept_line(ld, kind, file_type, line);
  }
  if (rc == 0 && ferror(fp))
    rc = fail(ld, NT_ERR_IO, "read error: %s", strerror(errno));
  free(line);
  fclose(fp);
  return rc;
}

/* Which kind of file a name is, and its default entity type (-1: none). */
static int classify(const char *name, enum file_kind *kind, int *type) {
  static const struct {
    const char *name;
    enum file_kind kind;
    int type;
  } known[] = {{"clean.tsv", FK_CLEAN, -1},
               {"zones.tsv", FK_ZONES, -1},
               {"countries.tsv", FK_ENTITIES, NT_COUNTRY},
               {"groups.tsv", FK_ENTITIES, NT_GROUP},
               {"organizations.tsv", FK_ENTITIES, NT_ORGANIZATION},
               {"weapons.tsv", FK_ENTITIES, NT_WEAPON},
               {"stopwords.tsv", FK_STOP, -1},
               {"topics.tsv", FK_TOPICS, -1},
               {"relations.tsv", FK_RELATIONS, -1}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(name, known[i].name) == 0) {
      *kind = known[i].kind;
      *type = known[i].type;
      return (int)i;
    }
  size_t n = strlen(name);
  if (n < 4 || strcmp(name + n - 4, ".tsv") != 0)
    return -1;
  *kind = FK_ENTITIES; /* a user's own entity file: types from type= */
  *type = -1;
  return 100;
}

typedef struct dir_file {
  char *name;
  int order;
  enum file_kind kind;
  int type;
} dir_file;

static int cmp_dir_file(const void *a, const void *b) {
  const dir_file *x = a, *y = b;
  if (x->order != y->order)
    return x->order - y->order;
  return strcmp(x->name, y->name);
}

/* Load one directory: known files in a fixed order (entities before the
 * topics that refer to their types), then other .tsv files by name. */
static int load_dir(loader *ld, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    nt_error_set(ld->err, NT_ERR_IO, dir, 0, "cannot open lexicon directory: %s",
                 strerror(errno));
    return -1;
  }
  nt_lexicon *lex = ld->lex;
  int bad = nt_util_grow(&lex->dirs, &lex->dircap, lex->ndirs + 1,
                         sizeof *lex->dirs) < 0;
  if (!bad) {
    memset(&lex->dirs[lex->ndirs], 0, sizeof *lex->dirs);
    bad = set_source(&lex->dirs[lex->ndirs++], dir, dirfd(d)) < 0;
  }
  if (bad) {
    closedir(d);
    nt_error_set(ld->err, NT_ERR_NOMEM, dir, 0, "out of memory");
    return -1;
  }
  dir_file *files = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d))) {
    dir_file df;
    if (de->d_name[0] == '.' ||
        (df.order = classify(de->d_name, &df.kind, &df.type)) < 0)
      continue;
    if (nt_util_grow(&files, &cap, n + 1, sizeof *files) < 0 ||
        !(df.name = nt_util_strdup(de->d_name))) {
      rc = -1;
      nt_error_set(ld->err, NT_ERR_NOMEM, dir, 0, "out of memory");
      break;
    }
    files[n++] = df;
  }
  closedir(d);
  if (files)
    qsort(files, n, sizeof *files, cmp_dir_file);
  ld->dir_first_entity = ld->lex->nentities;
  for (size_t i = 0; i < n && rc == 0; i++) {
    size_t len = strlen(dir) + strlen(files[i].name) + 2;
    char *path = malloc(len);
    if (!path) {
      nt_error_set(ld->err, NT_ERR_NOMEM, dir, 0, "out of memory");
      rc = -1;
      break;
    }
    snprintf(path, len, "%s/%s", dir, files[i].name);
    rc = load_file(ld, path, files[i].kind, files[i].type);
    free(path);
  }
  for (size_t i = 0; i < n; i++)
    free(files[i].name);
  free(files);
  return rc;
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Patterns with the same key are chained so the trie stores one. */
static void link_same_keys(nt_lexicon *lex) {
  idmap seen = {0};
  for (size_t i = 0; i < lex->npatterns; i++) {
    nt_pattern *p = &lex->patterns[i];
    uint32_t first;
    if (p->flags & NT_AF_DISABLED)
      continue;
    if (idmap_get(&seen, p->folded, &first)) {
      uint32_t j = first;
      while (lex->patterns[j].next_same != UINT32_MAX)
        j = lex->patterns[j].next_same;
      lex->patterns[j].next_same = (uint32_t)i;
    } else {
      idmap_put(&seen, p->folded, (uint32_t)i);
    }
  }
  idmap_free(&seen);
}

nt_status nt_lexicon_load(const char *const *dirs, size_t ndirs,
                          nt_lexicon **out, nt_error *err) {
  nt_error dummy;
  if (!err)
    err = &dummy;
  memset(err, 0, sizeof *err);
  *out = NULL;
  if (!dirs || ndirs == 0) {
    nt_error_set(err, NT_ERR_ARG, NULL, 0, "no lexicon directory given");
    return NT_ERR_ARG;
  }
  loader ld = {0};
  ld.err = err;
  ld.lex = calloc(1, sizeof *ld.lex);
  if (!ld.lex) {
    nt_error_set(err, NT_ERR_NOMEM, NULL, 0, "out of memory");
    return NT_ERR_NOMEM;
  }
  int rc = 0;
  for (size_t i = 0; i < ndirs && rc == 0; i++)
    rc = load_dir(&ld, dirs[i]);
  idmap_free(&ld.entities);
  idmap_free(&ld.topics);
  if (rc == 0) {
    link_same_keys(ld.lex);
    for (int w = 0; w < 2; w++)
      if (ld.lex->wordlists[w].n > 1)
        qsort(ld.lex->wordlists[w].words, ld.lex->wordlists[w].n, sizeof(char *),
              cmp_cstr);
    rc = nt_match_build(ld.lex, err);
  }
  if (rc != 0) {
    nt_lexicon_free(ld.lex);
    return err->status ? err->status : NT_ERR_LEXICON;
  }
  *out = ld.lex;
  return NT_OK;
}

static void free_compiled(nt_lexicon *lex);

/* One kept line again, in the scratch lexicon of ld: only its regexes.
 * What else it made is in lex already: its patterns (from first_pattern
 * on: a topic pattern's cue, then the heads of a gated rule), so the heads
 * are not expanded again, and a topic pattern, validated when the lexicon
 * was read, is not compiled alone again; the line's gated flag says how it
 * was compiled. */
static int replay_line(loader *ld, const nt_lexicon *lex,
                       const nt_regex_line *r) {
  nt_lexicon *tmp = ld->lex;
  ld->file = r->file;
  ld->line = r->line;
  if (r->file >= lex->nfiles || r->first_pattern > lex->npatterns ||
      (r->kind != FK_ZONES && r->kind != FK_CLEAN && r->kind != FK_RELATIONS &&
       r->kind != FK_TOPICS)) {
    nt_error_set(ld->err, NT_ERR_LEXICON, NULL, 0, "%s",
                 "corrupt lexicon snapshot: bad regex line");
    return -1;
  }
  char *copy = nt_util_strdup(r->text);
  if (!copy)
    return nomem(ld);
  int rc, gated = r->gated != 0;
  char *f[8];
  size_t n;
  switch ((enum file_kind)r->kind) {
  case FK_ZONES:
    n = split_tabs(copy, f, 8);
    rc = add_zone_regex(ld, f, n);
    if (rc == 0)
      tmp->zone_rules[tmp->nzone_rules - 1].gated = gated;
    break;
  case FK_TOPICS:
    n = split_tabs(copy, f, 8);
    if (n < 4 || strcmp(f[0], "pattern") != 0 || !*f[2])
      rc = fail(ld, NT_ERR_LEXICON, "%s", "bad pattern line in the snapshot");
    else if (r->first_pattern >= lex->npatterns)
      rc = fail(ld, NT_ERR_LEXICON, "%s", "pattern line does not match the "
                "lexicon it was stored with");
    else
      rc = add_topic_regex(ld, f[2], r->first_pattern, gated);
    break;
  default:
    rc = load_line(ld, (enum file_kind)r->kind, -1, copy);
  }
  free(copy);
  return rc;
}

/* The lines run in a scratch lexicon, whose regex rules then move to lex
 * (their patterns are in lex already: replay_line adds none). */
int nt_lexicon_compile_regexes(nt_lexicon *lex, nt_error *err) {
  loader ld = {0};
  ld.err = err;
  ld.lex = calloc(1, sizeof *ld.lex);
  if (!ld.lex) {
    nt_error_set(err, NT_ERR_NOMEM, NULL, 0, "out of memory");
    return -1;
  }
  nt_lexicon *tmp = ld.lex;
  tmp->files = lex->files; /* borrowed, for messages */
  tmp->nfiles = lex->nfiles;
  /* the relation rules, large, are compiled on their first use (relate.c) */
  int rc = nt_relate_lazy(tmp) < 0 ? nomem(&ld) : 0;
  for (size_t i = 0; rc == 0 && i < lex->nregex_lines; i++)
    rc = replay_line(&ld, lex, &lex->regex_lines[i]);
  if (rc == 0) {
    free_compiled(lex);
    lex->zone_rules = tmp->zone_rules;
    lex->nzone_rules = tmp->nzone_rules;
    lex->zonecap = tmp->zonecap;
    lex->clean_rules = tmp->clean_rules;
    lex->nclean_rules = tmp->nclean_rules;
    lex->cleancap = tmp->cleancap;
    lex->topic_res = tmp->topic_res;
    lex->ntopic_res = tmp->ntopic_res;
    lex->topic_recap = tmp->topic_recap;
    lex->relate = tmp->relate;
    tmp->zone_rules = tmp->clean_rules = tmp->topic_res = NULL;
    tmp->nzone_rules = tmp->nclean_rules = tmp->ntopic_res = 0;
    tmp->relate = NULL;
  }
  tmp->files = NULL;
  tmp->nfiles = 0;
  nt_lexicon_free(tmp);
  return rc;
}

/* The lexicon is shared read-only, but for this cache: a JIT-compiled copy
 * of the code, made without a lock (a thread that loses the race frees its
 * copy).  When JIT fails (no JIT support, out of memory) the rule runs
 * interpreted from then on. */
const void *nt_lexicon_rule_code(const nt_regex_rule *rc) {
  void *code = atomic_load_explicit(&rc->jit, memory_order_acquire);
  if (code)
    return code;
  nt_regex_rule *r = (nt_regex_rule *)rc;
  pcre2_code *c = pcre2_code_copy((const pcre2_code *)r->code);
  if (c && pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) != 0) {
    pcre2_code_free(c);
    c = NULL;
  }
  void *want = c ? (void *)c : r->code, *seen = NULL;
  if (atomic_compare_exchange_strong_explicit(&r->jit, &seen, want,
                                              memory_order_acq_rel,
                                              memory_order_acquire))
    return want;
  pcre2_code_free(c); /* another thread's is in */
  return seen;
}

static void free_regex_rules(nt_regex_rule *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (r[i].jit != r[i].code)
      pcre2_code_free((pcre2_code *)r[i].jit);
    pcre2_code_free((pcre2_code *)r[i].code);
    free(r[i].replacement);
  }
  free(r);
}

/* What a lexicon owns even when its arrays are in a snapshot's mapping. */
static void free_compiled(nt_lexicon *lex) {
  free_regex_rules(lex->zone_rules, lex->nzone_rules);
  free_regex_rules(lex->clean_rules, lex->nclean_rules);
  free_regex_rules(lex->topic_res, lex->ntopic_res);
  nt_relate_free_rules(lex);
}

static void free_sources(nt_source *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(s[i].path);
  free(s);
}

void nt_lexicon_free(nt_lexicon *lex) {
  if (!lex)
    return;
  free_compiled(lex);
  if (lex->snapshot.base) { /* the rest is in the mapping */
    nt_snapshot_unmap(lex);
    free(lex);
    return;
  }
  for (size_t i = 0; i < lex->nfiles; i++)
    free(lex->files[i]);
  free(lex->files);
  free_sources(lex->sources, lex->nfiles);
  free_sources(lex->dirs, lex->ndirs);
  for (size_t i = 0; i < lex->nregex_lines; i++)
    free(lex->regex_lines[i].text);
  free(lex->regex_lines);
  for (size_t i = 0; i < lex->nentities; i++) {
    nt_entity *e = &lex->entities[i];
    free(e->id);
    free(e->name);
    free(e->attrs);
    free(e->category);
    free(e->country);
    free(e->lists);
  }
  free(lex->entities);
  for (size_t i = 0; i < lex->npatterns; i++) {
    free(lex->patterns[i].text);
    free(lex->patterns[i].folded);
  }
  free(lex->patterns);
  for (size_t i = 0; i < lex->ntopics; i++) {
    free(lex->topics[i].id);
    free(lex->topics[i].label);
  }
  free(lex->topics);
  for (size_t i = 0; i < lex->nrules; i++) {
    free(lex->rules[i].key);
    free(lex->rules[i].value);
  }
  free(lex->rules);
  nt_match_free_trie(&lex->trie);
  for (int w = 0; w < 2; w++) {
    for (size_t i = 0; i < lex->wordlists[w].n; i++)
      free(lex->wordlists[w].words[i]);
    free(lex->wordlists[w].words);
  }
  free(lex);
}

size_t nt_lexicon_entity_count(const nt_lexicon *lex, nt_entity_type type) {
  return lex && (unsigned)type < NT_ENTITY_TYPES ? lex->type_count[type] : 0;
}

size_t nt_lexicon_alias_count(const nt_lexicon *lex) {
  size_t n = 0;
  for (size_t i = 0; lex && i < lex->npatterns; i++)
    n += lex->patterns[i].kind == NT_PK_ALIAS &&
         !(lex->patterns[i].flags & NT_AF_DISABLED);
  return n;
}

/* True when the entity's attribute key holds value (comma lists allowed). */
int nt_lexicon_entity_has(const nt_entity *e, const char *key,
                          const char *value) {
  char *v = NULL;
  if (!attr_dup(e->attrs, key, &v))
    return 0;
  int found = 0;
  size_t vl = strlen(value);
  for (char *p = v; p && *p && !found;) {
    size_t n = strcspn(p, ",");
    found = n == vl && strncmp(p, value, n) == 0;
    p += n;
    if (*p == ',')
      p++;
  }
  free(v);
  return found;
}

/* ---- checks ------------------------------------------------------------ */

static void report(nt_check_fn fn, void *data, const nt_lexicon *lex,
                   uint32_t file, uint32_t line, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (fn)
    fn(lex->files[file], (long)line, msg, data);
}

static size_t check_aliases(const nt_lexicon *lex, nt_check_fn fn, void *data) {
  size_t problems = 0;
  for (size_t i = 0; i < lex->npatterns; i++) {
    const nt_pattern *p = &lex->patterns[i];
    if (p->kind != NT_PK_ALIAS || (p->flags & NT_AF_DISABLED))
      continue;
    /* compare with the later patterns on the same key */
    for (uint32_t j = p->next_same; j != UINT32_MAX; j = lex->patterns[j].next_same) {
      const nt_pattern *q = &lex->patterns[j];
      if (q->kind != NT_PK_ALIAS)
        continue;
      const nt_entity *a = &lex->entities[p->target], *b = &lex->entities[q->target];
      if (p->target == q->target) {
        report(fn, data, lex, q->file, q->line, "duplicate alias \"%s\" of %s "
               "(first at line %u)", q->text, a->id, p->line);
        problems++;
      } else if (a->type != b->type) {
        report(fn, data, lex, q->file, q->line, "alias \"%s\" of %s (%s) also "
               "names %s (%s) at %s:%u", q->text, b->id, nt_entity_type_name(b->type),
               a->id, nt_entity_type_name(a->type), lex->files[p->file], p->line);
        problems++;
      } else if (!((p->flags & q->flags) & NT_AF_SHARED)) {
        report(fn, data, lex, q->file, q->line, "alias \"%s\" of %s also names "
               "%s at %s:%u (flag both shared, or drop one)", q->text, b->id,
               a->id, lex->files[p->file], p->line);
        problems++;
      }
    }
  }
  return problems;
}

size_t nt_lexicon_check(const nt_lexicon *lex, nt_check_fn fn, void *data) {
  if (!lex)
    return 0;
  size_t problems = check_aliases(lex, fn, data);
  uint8_t *has_alias = calloc(lex->nentities + 1, 1);
  idmap countries = {0};
  for (size_t i = 0; i < lex->nentities; i++)
    if (lex->entities[i].type == NT_COUNTRY)
      idmap_put(&countries, lex->entities[i].id, (uint32_t)i);
  for (size_t i = 0; has_alias && i < lex->npatterns; i++)
    if (lex->patterns[i].kind == NT_PK_ALIAS &&
        !(lex->patterns[i].flags & NT_AF_DISABLED))
      has_alias[lex->patterns[i].target] = 1;
  for (size_t i = 0; i < lex->nentities; i++) {
    const nt_entity *e = &lex->entities[i];
    uint32_t dummy;
    if (has_alias && !has_alias[i]) {
      report(fn, data, lex, e->file, e->line, "entity %s has no alias", e->id);
      problems++;
    }
    if (e->country && *e->country && strcmp(e->country, "-") != 0) {
      char *list = nt_util_strdup(e->country);
      for (char *tok = list ? strtok(list, ",") : NULL; tok; tok = strtok(NULL, ","))
        if (!idmap_get(&countries, tok, &dummy)) {
          report(fn, data, lex, e->file, e->line,
                 "entity %s: unknown country \"%s\"", e->id, tok);
          problems++;
        }
      free(list);
    }
  }
  idmap_free(&countries);
  free(has_alias);
  return problems;
}
