/*
 * relate.c - stage 4b: arms-transfer relations (who delivered what to whom)
 * from the entity-tagged sentences of a record.
 *
 * Every non-boilerplate line is split into sentences.  A sentence that
 * names a weapon and a country or group is rewritten with each kept mention
 * replaced by a placeholder, <C:k> country, <G:k> group, <O:k> organisation,
 * <W:k> weapon (k: the mention's number in the sentence):
 *
 *   "Russia halted the supply of S-400s to China"
 *   -> "<C:0> halted the supply of <W:1> to <C:2>"
 *
 * and the rules of relations.tsv (pcre2, compiled once at load) are run over
 * it.  Their named groups give the roles: sup (supplier), rec (recipient),
 * sys (system), pty (a party whose role the system's country of origin
 * decides: the origin is the supplier, another country the recipient) and
 * v (the trigger; the whole match when absent).  Rules are tried in file
 * order and a match whose trigger overlaps the trigger of an earlier match
 * is ignored: "none" rules (negations) placed first switch off what they
 * cover, "halted the supply of" placed before "supply of" wins over it.
 * After a match, "also" rules continue it, anchored at its end
 * ("... to China and Su-35s to Egypt"), and inherit the parties and status
 * they do not state.  A rule may have a gate, a cheap pattern (its verbs)
 * that the sentence must match first; each gate runs once per sentence.
 *
 * A relation needs a system and at least one party.  A recipient that is
 * the system's origin with no supplier is domestic procurement: dropped.
 * In a record, relations are unique by (supplier, recipient, system,
 * status), and one with an unstated party is dropped when another relation
 * with the same system and status states it.
 *
 * Takes: the lexicon's relations.tsv rules, nt_matches, nt_zones, nt_text.
 * Gives: nt_relations, written by nt_relate_emit as "relations".
 */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define ST_NONE (-1)     /* a rule that finds no relation (negation) */
#define ST_ALSO (-2)     /* a continuation rule */
#define MAX_GROUPS 32    /* named groups in one rule */
#define MAX_ROLE 8       /* entities kept per role in one match */
#define MAX_EXPANDED 65536 /* bytes of a rule after macro expansion */
#define MAX_SENTENCE 4000  /* longer "sentences" are not sentences */
#define MAX_ALSO 16      /* continuations of one match */
#define MATCH_LIMIT 200000
#define RELATE_LOCKS 16 /* locks for compiling rules on first use */

enum { ROLE_SUP, ROLE_REC, ROLE_SYS, ROLE_PTY, ROLE_V };

/* ---- rules: loading relations.tsv ------------------------------------- */

typedef struct rel_rule {
  /* NULL until compiled: rules from a snapshot are compiled on their first
   * use (rule_code), others when loaded */
  _Atomic(pcre2_code *) code;
  char *source;  /* the expanded pattern, while it waits to be compiled */
  int failed;    /* it did not compile (a snapshot changed on disk) */
  uint32_t captures;
  int status; /* 0..4 (nt_relate_status_name), ST_NONE or ST_ALSO */
  int gate;   /* index into the gates, or -1 */
  uint32_t ngroups;
  uint16_t group[MAX_GROUPS]; /* capture group numbers of the named groups */
  uint8_t role[MAX_GROUPS];
} rel_rule;

typedef struct rel_macro {
  char *name, *body; /* body already expanded */
} rel_macro;

typedef struct rel_gate { /* a quick test a sentence must pass for a rule */
  _Atomic(pcre2_code *) code; /* as a rule's */
  char *text; /* expanded, to share one gate between rules */
  int failed;
} rel_gate;

struct nt_relate_rules {
  rel_rule *rules, *also;
  size_t nrules, rulecap, nalso, alsocap;
  rel_gate *gates;
  size_t ngates, gatecap;
  rel_macro *macros;
  size_t nmacros, maccap;
  uint32_t max_capture; /* the largest capture count of any rule */
  int lazy;              /* compile each rule on its first use (snapshots) */
  pthread_mutex_t mu[RELATE_LOCKS]; /* for those compilations (lazy only):
                                     * a rule or gate takes lock_of(it) */
};

/* The lock of a rule or gate: one of several, so that threads compiling
 * different rules do not wait for each other. */
static pthread_mutex_t *lock_of(struct nt_relate_rules *rr, const void *obj,
                                size_t size) {
  return &rr->mu[((uintptr_t)obj / size) % RELATE_LOCKS];
}

static int status_from_name(const char *s) {
  if (strcmp(s, "none") == 0)
    return ST_NONE;
  for (int i = 0; i < 5; i++)
    if (strcmp(s, nt_relate_status_name(i)) == 0)
      return i;
  return -3;
}

static rel_macro *macro_find(struct nt_relate_rules *rr, const char *name,
                             size_t n) {
  for (size_t i = 0; i < rr->nmacros; i++)
    if (strlen(rr->macros[i].name) == n &&
        memcmp(rr->macros[i].name, name, n) == 0)
      return &rr->macros[i];
  return NULL;
}

static int is_macro_char(char c, int first) {
  return (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* Length of a macro name at s ("{NAME}": s points after the brace), or 0. */
static size_t macro_name_len(const char *s) {
  size_t n = 0;
  while (is_macro_char(s[n], n == 0))
    n++;
  return s[n] == '}' ? n : 0;
}

/* Expand {NAME} references in pattern into out; 0, or -1 with err. */
static int expand(struct nt_relate_rules *rr, const char *pattern, nt_buf *out,
                  nt_error *err, const char *file, long line) {
  for (const char *p = pattern; *p; p++) {
    size_t n = *p == '{' ? macro_name_len(p + 1) : 0;
    int bad = 0;
    if (*p == '\\' && p[1]) {
      bad = nt_buf_append(out, p, 2) < 0;
      p++;
    } else if (n) {
      rel_macro *m = macro_find(rr, p + 1, n);
      if (!m) {
        nt_error_set(err, NT_ERR_LEXICON, file, line, "unknown macro {%.*s}",
                     (int)n, p + 1);
        return -1;
      }
      bad = nt_buf_append(out, m->body, strlen(m->body)) < 0;
      p += n + 1;
    } else {
      bad = nt_buf_putc(out, *p) < 0;
    }
    if (bad || out->len > MAX_EXPANDED) {
      nt_error_set(err, bad ? NT_ERR_NOMEM : NT_ERR_LEXICON, file, line, "%s",
                   bad ? "out of memory" : "pattern too long after expansion");
      return -1;
    }
  }
  return nt_buf_append(out, "", 0) < 0 ? -1 : 0;
}

static int relate_rules_get(nt_lexicon *lex, struct nt_relate_rules **rr) {
  if (!lex->relate)
    lex->relate = calloc(1, sizeof *lex->relate);
  *rr = lex->relate;
  return *rr ? 0 : -1;
}

/* define NAME body */
static int load_define(struct nt_relate_rules *rr, char **f, size_t n,
                       nt_error *err, const char *file, long line) {
  size_t len = n >= 3 ? strlen(f[1]) : 0;
  for (size_t i = 0; i < len; i++)
    if (!is_macro_char(f[1][i], i == 0))
      len = 0;
  if (!len) {
    nt_error_set(err, NT_ERR_LEXICON, file, line, "%s",
                 "define line needs: define, NAME (A-Z, 0-9, _), pattern");
    return -1;
  }
  nt_buf body = {0};
  if (expand(rr, f[2], &body, err, file, line) < 0) {
    nt_buf_free(&body);
    return -1;
  }
  rel_macro *m = macro_find(rr, f[1], len);
  if (m) { /* a later lexicon directory redefines */
    free(m->body);
    m->body = body.data;
    return 0;
  }
  char *name = malloc(len + 1);
  if (!name || nt_util_grow(&rr->macros, &rr->maccap, rr->nmacros + 1,
                            sizeof *rr->macros) < 0) {
    free(name);
    nt_buf_free(&body);
    nt_error_set(err, NT_ERR_NOMEM, file, line, "%s", "out of memory");
    return -1;
  }
  memcpy(name, f[1], len + 1);
  rr->macros[rr->nmacros].name = name;
  rr->macros[rr->nmacros++].body = body.data;
  return 0;
}

static int role_from_name(const char *s) {
  static const char *names[] = {"sup", "rec", "sys", "pty", "v"};
  for (int i = 0; i < 5; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

/* Record the rule's named groups and their roles. */
static int rule_groups(rel_rule *r, const pcre2_code *code, nt_error *err,
                       const char *file, long line) {
  uint32_t count = 0, size = 0;
  PCRE2_SPTR table = NULL;
  pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
  pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size);
  pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &r->captures);
  int has_sys = 0;
  r->ngroups = 0;
  for (uint32_t i = 0; i < count; i++) {
    const unsigned char *e = table + (size_t)i * size;
    int role = role_from_name((const char *)e + 2);
    if (role < 0 || r->ngroups == MAX_GROUPS) {
      nt_error_set(err, NT_ERR_LEXICON, file, line,
                   role < 0 ? "unknown group name (?<%s>...): use sup, rec, "
                              "sys, pty or v"
                            : "too many named groups at (?<%s>...)",
                   (const char *)e + 2);
      return -1;
    }
    r->group[r->ngroups] = (uint16_t)(e[0] << 8 | e[1]);
    r->role[r->ngroups++] = (uint8_t)role;
    has_sys |= role == ROLE_SYS;
  }
  if (!has_sys && r->status != ST_NONE) {
    nt_error_set(err, NT_ERR_LEXICON, file, line, "%s",
                 "rule has no (?<sys>...) group");
    return -1;
  }
  return 0;
}

static pcre2_code *compile(const char *pattern, uint32_t opts, nt_error *err,
                           const char *file, long line) {
  int code;
  PCRE2_SIZE off;
  opts |= PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP | PCRE2_DUPNAMES;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                 opts, &code, &off, NULL);
  if (!re) {
    char msg[256];
    pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
    nt_error_set(err, NT_ERR_LEXICON, file, line,
                 "bad pattern at offset %zu of its expansion: %s", (size_t)off,
                 msg);
    return NULL;
  }
  /* No JIT here: the rules are large and run only on the few sentences
   * their gate lets through, so JIT compiling them cost ~80 ms of start-up
   * and bought no measurable speed (Reuters: same run time without it). */
  return re;
}

/* Compile rule r from pattern; 0, or -1 with err (r->code stays NULL). */
static int compile_rule(rel_rule *r, const char *pattern, nt_error *err,
                        const char *file, long line) {
  pcre2_code *code = compile(pattern, r->status == ST_ALSO ? PCRE2_ANCHORED : 0,
                             err, file, line);
  if (!code || rule_groups(r, code, err, file, line) < 0) {
    pcre2_code_free(code);
    return -1;
  }
  atomic_store_explicit(&r->code, code, memory_order_release); /* after its groups */
  return 0;
}

/* ---- rules compiled on first use ----------------------------------------
 * Compiling the relation rules (large patterns) is most of a snapshot's
 * load, and most records name no weapon system and need none of them.  A
 * snapshot's rules were compiled when it was written, so they are compiled
 * here on the first use of each rule (or gate), by whichever thread gets
 * there first; the lexicon stays shared and read-only otherwise. */

/* Compile rule r, under its lock, unless that is done (or failed). */
static void compile_locked(rel_rule *r) {
  nt_error err;
  if (!r->code && !r->failed && compile_rule(r, r->source, &err, NULL, 0) < 0)
    r->failed = 1;
}

/* While another thread holds the lock of the rule this one needs, compile
 * a later rule that no one has compiled yet: threads that reach the rules
 * together (-j N, on the first records that name weapons) then compile them
 * side by side rather than one after the other.  0 when there is none. */
static int compile_ahead(struct nt_relate_rules *w, const rel_rule *from) {
  size_t n = w->nrules, start = 0;
  uintptr_t f = (uintptr_t)from, lo = (uintptr_t)w->rules;
  if (f >= lo && f < lo + n * sizeof *w->rules)
    start = (f - lo) / sizeof *w->rules + 1;
  for (size_t k = 0; k < n; k++) {
    rel_rule *q = &w->rules[(start + k) % n];
    if (q == from || atomic_load_explicit(&q->code, memory_order_acquire))
      continue;
    pthread_mutex_t *mu = lock_of(w, q, sizeof *q);
    if (pthread_mutex_trylock(mu) != 0)
      continue;
    int todo = !q->code && !q->failed;
    compile_locked(q);
    pthread_mutex_unlock(mu);
    if (todo)
      return 1;
  }
  return 0;
}

static pcre2_code *rule_code(const struct nt_relate_rules *rr, const rel_rule *rc) {
  pcre2_code *code = atomic_load_explicit(&rc->code, memory_order_acquire);
  if (code || !rr->lazy)
    return code;
  struct nt_relate_rules *w = (struct nt_relate_rules *)rr; /* the cache */
  rel_rule *r = (rel_rule *)rc;
  pthread_mutex_t *mu = lock_of(w, r, sizeof *r);
  while (pthread_mutex_trylock(mu) != 0)
    if (!compile_ahead(w, r)) { /* nothing else to do: wait */
      pthread_mutex_lock(mu);
      break;
    }
  compile_locked(r);
  code = r->code;
  pthread_mutex_unlock(mu);
  return code;
}

static pcre2_code *gate_code(const struct nt_relate_rules *rr, const rel_gate *gc) {
  pcre2_code *code = atomic_load_explicit(&gc->code, memory_order_acquire);
  if (code || !rr->lazy)
    return code;
  struct nt_relate_rules *w = (struct nt_relate_rules *)rr;
  rel_gate *g = (rel_gate *)gc;
  pthread_mutex_t *mu = lock_of(w, g, sizeof *g);
  pthread_mutex_lock(mu);
  nt_error err;
  if (!g->code && !g->failed) {
    pcre2_code *c = compile(g->text, 0, &err, NULL, 0);
    if (c)
      atomic_store_explicit(&g->code, c, memory_order_release);
    else
      g->failed = 1;
  }
  code = g->code;
  pthread_mutex_unlock(mu);
  return code;
}

int nt_relate_lazy(nt_lexicon *lex) {
  if (!lex->relate && !(lex->relate = calloc(1, sizeof *lex->relate)))
    return -1;
  if (lex->relate->lazy)
    return 0;
  for (int i = 0; i < RELATE_LOCKS; i++)
    if (pthread_mutex_init(&lex->relate->mu[i], NULL) != 0) {
      while (i-- > 0)
        pthread_mutex_destroy(&lex->relate->mu[i]);
      return -1;
    }
  lex->relate->lazy = 1;
  return 0;
}

/* The gate of a rule: an existing gate with the same text, or a new one. */
static int gate_index(struct nt_relate_rules *rr, const char *gate,
                      nt_error *err, const char *file, long line) {
  nt_buf re = {0};
  if (expand(rr, gate, &re, err, file, line) < 0) {
    nt_buf_free(&re);
    return -1;
  }
  for (size_t i = 0; i < rr->ngates; i++)
    if (strcmp(rr->gates[i].text, re.data) == 0) {
      nt_buf_free(&re);
      return (int)i;
    }
  pcre2_code *code = rr->lazy ? NULL : compile(re.data, 0, err, file, line);
  if ((!code && !rr->lazy) ||
      nt_util_grow(&rr->gates, &rr->gatecap, rr->ngates + 1,
                   sizeof *rr->gates) < 0) {
    if (code)
      nt_error_set(err, NT_ERR_NOMEM, file, line, "%s", "out of memory");
    pcre2_code_free(code);
    nt_buf_free(&re);
    return -1;
  }
  rr->gates[rr->ngates].code = code;
  rr->gates[rr->ngates].text = re.data;
  rr->gates[rr->ngates].failed = 0;
  return (int)rr->ngates++;
}

/* rule STATUS pattern, or also pattern */
static int load_rule(struct nt_relate_rules *rr, char **f, size_t n,
                     nt_error *err, const char *file, long line) {
  int also = strcmp(f[0], "also") == 0;
  int status = also ? ST_ALSO : n >= 3 ? status_from_name(f[1]) : -3;
  const char *pattern = also ? (n >= 2 ? f[1] : "") : (n >= 3 ? f[2] : "");
  if (status == -3 || !*pattern) {
    nt_error_set(err, NT_ERR_LEXICON, file, line, "%s",
                 also ? "also line needs: also, pattern"
                      : "rule line needs: rule, STATUS (delivered, contracted, "
                        "planned, halted, cancelled or none), pattern[, gate]");
    return -1;
  }
  rel_rule **arr = also ? &rr->also : &rr->rules;
  size_t *cnt = also ? &rr->nalso : &rr->nrules;
  size_t *cap = also ? &rr->alsocap : &rr->rulecap;
  nt_buf re = {0};
  if (nt_util_grow(arr, cap, *cnt + 1, sizeof **arr) < 0) {
    nt_error_set(err, NT_ERR_NOMEM, file, line, "%s", "out of memory");
    return -1;
  }
  rel_rule *r = &(*arr)[*cnt];
  memset(r, 0, sizeof *r);
  r->status = status;
  r->gate = -1;
  if (!also && n >= 4 && *f[3] &&
      (r->gate = gate_index(rr, f[3], err, file, line)) < 0)
    return -1;
  int rc = expand(rr, pattern, &re, err, file, line);
  if (rc == 0 && rr->lazy) { /* compiled on its first use */
    r->source = re.data;
    re.data = NULL;
  } else if (rc == 0) {
    rc = compile_rule(r, re.data, err, file, line);
  }
  nt_buf_free(&re);
  if (rc < 0)
    return -1;
  if (r->captures > rr->max_capture)
    rr->max_capture = r->captures;
  (*cnt)++;
  return 0;
}

int nt_relate_load_line(nt_lexicon *lex, char **f, size_t n, nt_error *err,
                        const char *file, long line) {
  struct nt_relate_rules *rr;
  if (relate_rules_get(lex, &rr) < 0) {
    nt_error_set(err, NT_ERR_NOMEM, file, line, "%s", "out of memory");
    return -1;
  }
  if (strcmp(f[0], "define") == 0)
    return load_define(rr, f, n, err, file, line);
  if (strcmp(f[0], "rule") == 0 || strcmp(f[0], "also") == 0)
    return load_rule(rr, f, n, err, file, line);
  nt_error_set(err, NT_ERR_LEXICON, file, line, "unknown relation rule \"%s\"",
               f[0]);
  return -1;
}

void nt_relate_free_rules(nt_lexicon *lex) {
  struct nt_relate_rules *rr = lex->relate;
  if (!rr)
    return;
  for (size_t i = 0; i < rr->nrules; i++) {
    pcre2_code_free(rr->rules[i].code);
    free(rr->rules[i].source);
  }
  for (size_t i = 0; i < rr->nalso; i++) {
    pcre2_code_free(rr->also[i].code);
    free(rr->also[i].source);
  }
  for (size_t i = 0; i < rr->ngates; i++) {
    pcre2_code_free(rr->gates[i].code);
    free(rr->gates[i].text);
  }
  for (int i = 0; rr->lazy && i < RELATE_LOCKS; i++)
    pthread_mutex_destroy(&rr->mu[i]);
  for (size_t i = 0; i < rr->nmacros; i++) {
    free(rr->macros[i].name);
    free(rr->macros[i].body);
  }
  free(rr->gates);
  free(rr->rules);
  free(rr->also);
  free(rr->macros);
  free(rr);
  lex->relate = NULL;
}

/* ---- per-thread state ---------------------------------------------------- */

typedef struct rel_tok { /* one placeholder of the tagged sentence */
  uint32_t entity;
  size_t tpos; /* offset of its '<' in the tagged sentence */
  char kind;   /* 'C', 'G', 'O' or 'W' */
} rel_tok;

typedef struct rel_span {
  size_t s, e;
} rel_span;

typedef struct rel_scratch {
  pcre2_match_data *md;
  uint32_t md_pairs;
  pcre2_match_context *mctx;
  nt_buf tag; /* the tagged sentence */
  rel_tok *toks;
  size_t ntoks, tokcap;
  rel_span *used; /* triggers taken in this sentence */
  size_t nused, usedcap;
  uint8_t *gate; /* per gate in this sentence: 0 untried, 1 open, 2 shut */
  size_t gatecap;
  int failed; /* a rule or gate of a snapshot did not compile */
} rel_scratch;

static rel_scratch *scratch_get(nt_relations *rel, uint32_t pairs) {
  rel_scratch *sc = rel->scratch;
  if (!sc && !(sc = rel->scratch = calloc(1, sizeof *sc)))
    return NULL;
  if (!sc->mctx) {
    if (!(sc->mctx = pcre2_match_context_create(NULL)))
      return NULL;
    pcre2_set_match_limit(sc->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(sc->mctx, MATCH_LIMIT / 10);
  }
  if (!sc->md || sc->md_pairs < pairs) {
    pcre2_match_data_free(sc->md);
    sc->md = pcre2_match_data_create(pairs, NULL);
    sc->md_pairs = sc->md ? pairs : 0;
  }
  return sc->md ? sc : NULL;
}

static void scratch_free(rel_scratch *sc) {
  if (!sc)
    return;
  pcre2_match_data_free(sc->md);
  pcre2_match_context_free(sc->mctx);
  nt_buf_free(&sc->tag);
  free(sc->toks);
  free(sc->used);
  free(sc->gate);
  free(sc);
}

void nt_relate_free(nt_relations *rel) {
  free(rel->items);
  scratch_free(rel->scratch);
  memset(rel, 0, sizeof *rel);
}

/* ---- sentences ------------------------------------------------------------ */

/* Is the word that ends at s[j] (a full stop) an abbreviation or initial? */
static int abbreviation(const char *s, size_t a, size_t j) {
  static const char *abbr[] = {
      "mr",  "mrs",  "ms",  "dr",  "gen", "lt",  "col", "maj", "capt", "sgt",
      "adm", "gov",  "sen", "rep", "st",  "no",  "nos", "vs",  "etc",  "inc",
      "corp", "ltd", "co",  "jan", "feb", "mar", "apr", "jun", "jul",  "aug",
      "sep", "sept", "oct", "nov", "dec", "approx", "est", "fig", "prof", "cmdr"};
  size_t k = j;
  while (k > a && ((s[k - 1] >= 'a' && s[k - 1] <= 'z') ||
                   (s[k - 1] >= 'A' && s[k - 1] <= 'Z')))
    k--;
  size_t n = j - k;
  if (n == 1)
    return 1;
  for (size_t i = 0; i < sizeof abbr / sizeof abbr[0]; i++)
    if (strlen(abbr[i]) == n) {
      size_t c = 0;
      while (c < n && (s[k + c] | 0x20) == abbr[i][c])
        c++;
      if (c == n)
        return 1;
    }
  return 0;
}

/* Does the sentence end after s[j] ('.', '!' or '?') in the line [a, e)? */
static int sentence_break(const char *s, size_t a, size_t j, size_t e) {
  size_t k = j + 1;
  while (k < e && (s[k] == '"' || s[k] == '\'' || s[k] == ')'))
    k++;
  if (k >= e)
    return 1;
  if (s[k] != ' ')
    return 0;
  while (k < e && s[k] == ' ')
    k++;
  if (k >= e)
    return 1;
  unsigned char c = (unsigned char)s[k];
  int starts = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '"' ||
               c == '(' || c >= 0x80;
  return starts && !(s[j] == '.' && abbreviation(s, a, j));
}

/* The end of the sentence that starts at i in the line [a, e). */
static size_t sentence_end(const char *s, size_t a, size_t i, size_t e) {
  for (size_t j = i; j < e; j++)
    if ((s[j] == '.' || s[j] == '!' || s[j] == '?') &&
        sentence_break(s, a, j, e))
      return j + 1;
  return e;
}

/* ---- the tagged sentence ------------------------------------------------ */

typedef struct rel_ctx {
  nt_relations *rel;
  const nt_lexicon *lex;
  const struct nt_relate_rules *rr;
  rel_scratch *sc;
  size_t cs, ce; /* the sentence in clean offsets */
} rel_ctx;

static char kind_of(nt_entity_type t) {
  return t == NT_COUNTRY ? 'C' : t == NT_GROUP ? 'G' : t == NT_WEAPON ? 'W' : 'O';
}

static int add_tok(rel_ctx *x, const nt_mention *mn) {
  rel_scratch *sc = x->sc;
  char ph[32];
  if (nt_util_grow(&sc->toks, &sc->tokcap, sc->ntoks + 1, sizeof *sc->toks) < 0)
    return -1;
  rel_tok *t = &sc->toks[sc->ntoks];
  t->entity = mn->target;
  t->tpos = sc->tag.len;
  t->kind = kind_of(x->lex->entities[mn->target].type);
  int n = snprintf(ph, sizeof ph, "<%c:%zu>", t->kind, sc->ntoks++);
  return nt_buf_append(&sc->tag, ph, (size_t)n);
}

/* Append clean text; '<' and '>' become brackets so text cannot forge a
 * placeholder. */
static int add_text(rel_scratch *sc, const char *s, size_t n) {
  size_t start = sc->tag.len;
  if (nt_buf_append(&sc->tag, s, n) < 0)
    return -1;
  for (char *p = sc->tag.data + start; p < sc->tag.data + sc->tag.len; p++)
    *p = *p == '<' ? '(' : *p == '>' ? ')' : *p;
  return 0;
}

/* Is mn a kept article mention inside the sentence, not before pos? */
static int in_sentence(const rel_ctx *x, const nt_mention *mn, size_t pos) {
  return !mn->dropped && mn->zone != NT_ZONE_BOILERPLATE && mn->start >= pos &&
         mn->end <= x->ce;
}

/* Does the sentence name a weapon and a country or group?  *mi moves to
 * the first mention not before the sentence. */
static int worth_tagging(const rel_ctx *x, const nt_matches *m, size_t *mi) {
  int weapons = 0, parties = 0;
  while (*mi < m->nents && m->ents[*mi].start < x->cs)
    (*mi)++;
  for (size_t i = *mi; i < m->nents && m->ents[i].start < x->ce; i++)
    if (in_sentence(x, &m->ents[i], x->cs)) {
      nt_entity_type t = x->lex->entities[m->ents[i].target].type;
      weapons |= t == NT_WEAPON;
      parties |= t == NT_COUNTRY || t == NT_GROUP;
    }
  return weapons && parties;
}

/* Build the tagged sentence from the mentions inside [cs, ce), the first
 * of which may be mention mi.  Returns 0, or -1 when out of memory. */
static int tag_sentence(rel_ctx *x, const nt_matches *m, const char *s,
                        size_t mi) {
  rel_scratch *sc = x->sc;
  size_t pos = x->cs;
  sc->tag.len = 0;
  sc->ntoks = 0;
  for (size_t i = mi; i < m->nents && m->ents[i].start < x->ce; i++) {
    const nt_mention *mn = &m->ents[i];
    if (!in_sentence(x, mn, pos))
      continue;
    if (add_text(sc, s + pos, mn->start - pos) < 0 || add_tok(x, mn) < 0)
      return -1;
    pos = mn->end;
  }
  return add_text(sc, s + pos, x->ce - pos);
}

/* ---- roles of one match -------------------------------------------------- */

typedef struct rel_roles {
  uint32_t tok[4][MAX_ROLE]; /* token numbers per role (sup, rec, sys, pty) */
  size_t n[4];
  size_t vs, ve; /* the trigger, tagged offsets */
} rel_roles;

static void role_add(rel_roles *r, int role, uint32_t tok) {
  for (size_t i = 0; i < r->n[role]; i++)
    if (r->tok[role][i] == tok)
      return;
  if (r->n[role] < MAX_ROLE)
    r->tok[role][r->n[role]++] = tok;
}

/* Every placeholder of the right kind in tag[a, b) joins the role. */
static void role_scan(const rel_scratch *sc, size_t a, size_t b, int role,
                      rel_roles *r) {
  const char *t = sc->tag.data;
  for (size_t i = a; i + 4 < b; i++) {
    if (t[i] != '<' || t[i + 2] != ':')
      continue;
    char k = t[i + 1];
    size_t j = i + 3, v = 0;
    while (j < b && t[j] >= '0' && t[j] <= '9' && v < sc->ntoks)
      v = v * 10 + (size_t)(t[j++] - '0');
    if (j >= b || t[j] != '>' || v >= sc->ntoks)
      continue;
    int fits = role == ROLE_SYS ? k == 'W' : k == 'C' || k == 'G';
    if (fits)
      role_add(r, role, (uint32_t)v);
    i = j;
  }
}

static void roles_of(const rel_rule *rule, const rel_scratch *sc,
                     rel_roles *r) {
  const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
  memset(r, 0, sizeof *r);
  r->vs = ov[0];
  r->ve = ov[1];
  for (uint32_t i = 0; i < rule->ngroups; i++) {
    uint32_t g = rule->group[i];
    if (g >= sc->md_pairs || ov[2 * g] == PCRE2_UNSET)
      continue;
    if (rule->role[i] == ROLE_V) {
      r->vs = ov[2 * g];
      r->ve = ov[2 * g + 1];
    } else {
      role_scan(sc, ov[2 * g], ov[2 * g + 1], rule->role[i], r);
    }
  }
}

/* ---- quantities ------------------------------------------------------------ */

/* Does w[0..n) equal lit, ignoring ASCII case? */
static int word_is(const char *w, size_t n, const char *lit) {
  size_t i = 0;
  while (i < n && lit[i] && (w[i] | 0x20) == (lit[i] | 0x20))
    i++;
  return i == n && !lit[i];
}

static size_t number_word(const char *w, size_t n) {
  static const char *words[] = {
      "one",     "two",      "three",    "four",    "five",    "six",
      "seven",   "eight",    "nine",     "ten",     "eleven",  "twelve",
      "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
      "nineteen", "twenty"};
  static const char *tens[] = {"thirty", "forty", "fifty", "sixty", "seventy",
                               "eighty", "ninety", "hundred"};
  for (size_t i = 0; i < 20; i++)
    if (word_is(w, n, words[i]))
      return i + 1;
  for (size_t i = 0; i < 8; i++)
    if (word_is(w, n, tens[i]))
      return i < 7 ? (i + 3) * 10 : 100;
  if (word_is(w, n, "dozen"))
    return 12;
  return 0;
}

/* The value of the word w[0..n): digits (with thousands commas) or a number
 * word; years and zero are not quantities. */
static size_t number_value(const char *w, size_t n) {
  size_t v = 0, digits = 0;
  int comma = 0;
  for (size_t i = 0; i < n; i++) {
    if (w[i] == ',' && digits) {
      comma = 1;
      continue;
    }
    if (w[i] < '0' || w[i] > '9' || v > 1000000)
      return digits ? 0 : number_word(w, n);
    v = v * 10 + (size_t)(w[i] - '0');
    digits++;
  }
  if (!comma && v >= 1900 && v <= 2100)
    return 0;
  return v;
}

static int skippable(const char *w, size_t n) {
  static const char *adj[] = {"more", "additional", "new", "used",
                              "second-hand", "refurbished", "upgraded",
                              "advanced", "modern", "extra", "further",
                              "surplus", "more advanced"};
  for (size_t i = 0; i < sizeof adj / sizeof adj[0]; i++)
    if (word_is(w, n, adj[i]))
      return 1;
  return n >= 5 && w[0] == '<' && w[1] == 'C' && w[n - 1] == '>';
}

/* The number right before the placeholder at tag[p] ("12 F-16s",
 * "two more S-400 regiments"), or 0. */
static size_t quantity_at(const rel_scratch *sc, size_t p) {
  const char *t = sc->tag.data;
  for (int words = 0; words < 4; words++) {
    size_t e = p;
    while (e > 0 && t[e - 1] == ' ')
      e--;
    if (e == p || e == 0)
      return 0;
    size_t b = e;
    while (b > 0 && t[b - 1] != ' ')
      b--;
    if (!skippable(t + b, e - b))
      return number_value(t + b, e - b);
    p = b;
  }
  return 0;
}

/* ---- relations ------------------------------------------------------------- */

static int origin_is(const nt_lexicon *lex, uint32_t sys, uint32_t party) {
  const char *c = lex->entities[sys].country;
  const char *id = lex->entities[party].id;
  size_t n = strlen(id);
  while (c && *c) {
    size_t k = strcspn(c, ",");
    if (k == n && strncmp(c, id, n) == 0)
      return 1;
    c += k + (c[k] == ',');
  }
  return 0;
}

static int add_relation(rel_ctx *x, const nt_relation *nr) {
  nt_relations *rel = x->rel;
  for (size_t i = 0; i < rel->n; i++) {
    nt_relation *o = &rel->items[i];
    if (o->supplier == nr->supplier && o->recipient == nr->recipient &&
        o->system == nr->system && o->status == nr->status) {
      if (!o->quantity)
        o->quantity = nr->quantity;
      return 0;
    }
  }
  if (nt_util_grow(&rel->items, &rel->cap, rel->n + 1, sizeof *rel->items) < 0)
    return -1;
  rel->items[rel->n++] = *nr;
  return 0;
}

typedef struct rel_parties {
  uint32_t e[2][MAX_ROLE]; /* entity indexes: suppliers, recipients */
  size_t n[2];
} rel_parties;

static int parties_has(const rel_parties *p, uint32_t e) {
  for (int r = 0; r < 2; r++)
    for (size_t i = 0; i < p->n[r]; i++)
      if (p->e[r][i] == e)
        return 1;
  return 0;
}

static void parties_add(rel_parties *p, int role, uint32_t e) {
  if (p->n[role] < MAX_ROLE && !parties_has(p, e))
    p->e[role][p->n[role]++] = e;
}

/* Suppliers and recipients for the system sys: stated roles first, then the
 * pty parties (its origin supplies, another party receives), then what a
 * continued match inherits from the one before (prev, may be NULL). */
static void resolve(const rel_ctx *x, const rel_roles *r, uint32_t sys,
                    const rel_parties *prev, rel_parties *p) {
  const rel_tok *tk = x->sc->toks;
  memset(p, 0, sizeof *p);
  for (int role = 0; role < 2; role++)
    for (size_t i = 0; i < r->n[role]; i++)
      parties_add(p, role, tk[r->tok[role][i]].entity);
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < r->n[ROLE_PTY]; i++) {
      uint32_t e = tk[r->tok[ROLE_PTY][i]].entity;
      int origin = origin_is(x->lex, sys, e);
      if (parties_has(p, e) || origin != (pass == 0))
        continue;
      if (origin && !p->n[0])
        parties_add(p, 0, e);
      else if (!origin)
        parties_add(p, p->n[1] ? 0 : 1, e);
    }
  for (int role = 0; prev && role < 2; role++)
    if (!p->n[role] && prev->n[role])
      parties_add(p, role, prev->e[role][0]);
}

/* The relations of one system; sup x rec, with NONE for an unstated role. */
static int emit_system(rel_ctx *x, const rel_parties *p, uint32_t sys,
                       int status, size_t qty) {
  size_t ns = p->n[0] ? p->n[0] : 1, nr = p->n[1] ? p->n[1] : 1;
  for (size_t i = 0; i < ns; i++)
    for (size_t j = 0; j < nr; j++) {
      nt_relation rl = {p->n[0] ? p->e[0][i] : NONE,
                        p->n[1] ? p->e[1][j] : NONE,
                        sys, status, qty, x->cs, x->ce};
      if (rl.supplier == rl.recipient ||
          (rl.supplier == NONE && origin_is(x->lex, sys, rl.recipient)))
        continue;
      if (add_relation(x, &rl) < 0)
        return -1;
    }
  return 0;
}

/* All relations of one match; *first gets the parties of its first system
 * (for continuations). */
static int apply(rel_ctx *x, const rel_roles *r, int status,
                 const rel_parties *prev, rel_parties *first) {
  memset(first, 0, sizeof *first);
  for (size_t k = 0; k < r->n[ROLE_SYS]; k++) {
    const rel_tok *w = &x->sc->toks[r->tok[ROLE_SYS][k]];
    rel_parties p;
    resolve(x, r, w->entity, prev, &p);
    if (k == 0)
      *first = p;
    if ((p.n[0] || p.n[1]) &&
        emit_system(x, &p, w->entity, status, quantity_at(x->sc, w->tpos)) < 0)
      return -1;
  }
  return 0;
}

/* ---- running the rules -------------------------------------------------- */

static int used_overlaps(const rel_scratch *sc, size_t s, size_t e) {
  for (size_t i = 0; i < sc->nused; i++)
    if (s < sc->used[i].e && sc->used[i].s < e)
      return 1;
  return 0;
}

static int use_span(rel_scratch *sc, size_t s, size_t e) {
  if (nt_util_grow(&sc->used, &sc->usedcap, sc->nused + 1, sizeof *sc->used) < 0)
    return -1;
  sc->used[sc->nused].s = s;
  sc->used[sc->nused++].e = e;
  return 0;
}

/* A match of rule from off: pcre2_match's result (no match when the rule
 * does not compile, which sc->failed records). */
static int match_at(const struct nt_relate_rules *rr, const rel_rule *rule,
                    rel_scratch *sc, size_t off) {
  pcre2_code *code = rule_code(rr, rule);
  if (!code) {
    sc->failed = 1;
    return PCRE2_ERROR_NOMATCH;
  }
  if (sc->md_pairs < rule->captures + 1) { /* a rule compiled since */
    pcre2_match_data *md = pcre2_match_data_create(rule->captures + 1, NULL);
    if (!md)
      return PCRE2_ERROR_NOMEMORY;
    pcre2_match_data_free(sc->md);
    sc->md = md;
    sc->md_pairs = rule->captures + 1;
  }
  return pcre2_match(code, (PCRE2_SPTR)sc->tag.data, sc->tag.len, off,
                     PCRE2_NO_UTF_CHECK, sc->md, sc->mctx);
}

/* Continuations of a match that ended at end ("and Su-35s to Egypt"). */
static int run_also(rel_ctx *x, size_t end, int status, rel_parties prev) {
  rel_scratch *sc = x->sc;
  for (int step = 0; step < MAX_ALSO; step++) {
    size_t i;
    for (i = 0; i < x->rr->nalso; i++)
      if (match_at(x->rr, &x->rr->also[i], sc, end) >= 0 &&
          pcre2_get_ovector_pointer(sc->md)[1] > end)
        break;
    if (i == x->rr->nalso)
      return 0;
    rel_roles r;
    rel_parties first;
    roles_of(&x->rr->also[i], sc, &r);
    size_t next = pcre2_get_ovector_pointer(sc->md)[1];
    if (use_span(sc, end, next) < 0 || apply(x, &r, status, &prev, &first) < 0)
      return -1;
    if (first.n[0] || first.n[1])
      prev = first;
    end = next;
  }
  return 0;
}

static size_t next_char(const char *s, size_t len, size_t i) {
  i++;
  while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
    i++;
  return i;
}

/* Every match of one rule whose trigger is still free. */
static int run_rule(rel_ctx *x, const rel_rule *rule) {
  rel_scratch *sc = x->sc;
  size_t off = 0;
  while (off <= sc->tag.len && match_at(x->rr, rule, sc, off) >= 0) {
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
    size_t ms = ov[0], me = ov[1];
    rel_roles r;
    roles_of(rule, sc, &r);
    off = next_char(sc->tag.data, sc->tag.len, ms);
    if (used_overlaps(sc, r.vs, r.ve > r.vs ? r.ve : r.vs + 1))
      continue;
    if (use_span(sc, r.vs, r.ve > r.vs ? r.ve : r.vs + 1) < 0)
      return -1;
    if (rule->status < 0)
      continue;
    rel_parties first;
    if (apply(x, &r, rule->status, NULL, &first) < 0 ||
        run_also(x, me, rule->status, first) < 0)
      return -1;
  }
  return 0;
}

/* Does the rule's gate let the sentence through? */
static int gate_open(const rel_ctx *x, const rel_rule *rule) {
  rel_scratch *sc = x->sc;
  if (rule->gate < 0)
    return 1;
  uint8_t *g = &sc->gate[rule->gate];
  if (!*g) {
    pcre2_code *code = gate_code(x->rr, &x->rr->gates[rule->gate]);
    sc->failed |= !code;
    *g = code && pcre2_match(code, (PCRE2_SPTR)sc->tag.data, sc->tag.len, 0,
                             PCRE2_NO_UTF_CHECK, sc->md, sc->mctx) >= 0
             ? 1
             : 2;
  }
  return *g == 1;
}

static int relate_sentence(rel_ctx *x, const nt_matches *m, const char *s,
                           size_t *mi) {
  if (!worth_tagging(x, m, mi))
    return 0;
  if (tag_sentence(x, m, s, *mi) < 0)
    return -1;
  x->sc->nused = 0;
  if (x->rr->ngates)
    memset(x->sc->gate, 0, x->rr->ngates);
  for (size_t i = 0; i < x->rr->nrules; i++)
    if (gate_open(x, &x->rr->rules[i]) && run_rule(x, &x->rr->rules[i]) < 0)
      return -1;
  return 0;
}

static int relate_line(rel_ctx *x, const nt_matches *m, const char *s,
                       const nt_zone_span *sp, size_t *mi) {
  for (size_t i = sp->start; i < sp->end;) {
    size_t e = sentence_end(s, sp->start, i, sp->end);
    x->cs = i;
    x->ce = e;
    nt_util_trim(s, &x->cs, &x->ce);
    if (x->ce - x->cs <= MAX_SENTENCE && x->ce > x->cs &&
        relate_sentence(x, m, s, mi) < 0)
      return -1;
    i = e;
  }
  return 0;
}

/* An unstated party is dropped when another relation of the same system
 * and status states it.  Dropping in place is safe: a relation that
 * subsumes a dropped one also subsumes whatever that one subsumed. */
static int subsumed(const nt_relations *rel, const nt_relation *r) {
  if (r->supplier != NONE && r->recipient != NONE)
    return 0;
  for (size_t i = 0; i < rel->n; i++) {
    const nt_relation *o = &rel->items[i];
    if (o != r && o->system == r->system && o->status == r->status &&
        (r->supplier == NONE || r->supplier == o->supplier) &&
        (r->recipient == NONE || r->recipient == o->recipient) &&
        (o->supplier != NONE) + (o->recipient != NONE) >
            (r->supplier != NONE) + (r->recipient != NONE))
      return 1;
  }
  return 0;
}

static void drop_subsumed(nt_relations *rel) {
  size_t k = 0;
  for (size_t i = 0; i < rel->n; i++)
    if (!subsumed(rel, &rel->items[i]))
      rel->items[k++] = rel->items[i];
  rel->n = k;
}

/* A relation needs a weapon system: most records name none. */
static int any_weapon(const nt_lexicon *lex, const nt_matches *m) {
  for (size_t i = 0; i < m->nents; i++)
    if (!m->ents[i].dropped && lex->entities[m->ents[i].target].type == NT_WEAPON)
      return 1;
  return 0;
}

nt_status nt_relate_run(nt_relations *rel, const nt_lexicon *lex,
                        const nt_matches *m, const nt_zones *z,
                        const nt_text *t, void *md) {
  (void)md; /* the shared match data is sized for the zone rules */
  rel->n = 0;
  if (!t->clean.data || !any_weapon(lex, m))
    return NT_OK;
  const struct nt_relate_rules *rr = lex->relate;
  if (!rr || !rr->nrules)
    return NT_OK;
  rel_ctx x = {rel, lex, rr, NULL, 0, 0};
  if (!(x.sc = scratch_get(rel, rr->max_capture + 1)) ||
      nt_util_grow(&x.sc->gate, &x.sc->gatecap, rr->ngates, 1) < 0)
    return NT_ERR_NOMEM;
  size_t mi = 0;
  for (size_t i = 0; i < z->n; i++)
    if (z->spans[i].zone != NT_ZONE_BOILERPLATE &&
        relate_line(&x, m, t->clean.data, &z->spans[i], &mi) < 0)
      return NT_ERR_NOMEM;
  drop_subsumed(rel);
  if (x.sc->failed) { /* a snapshot's rule did not compile */
    x.sc->failed = 0;
    return NT_ERR_LEXICON;
  }
  return NT_OK;
}

const char *nt_relate_status_name(int status) {
  static const char *names[] = {"delivered", "contracted", "planned", "halted",
                                "cancelled"};
  return status >= 0 && status < 5 ? names[status] : "unknown";
}

/* ---- JSON ------------------------------------------------------------------ */

#define APPEND(out, lit) nt_buf_append((out), "" lit, sizeof(lit) - 1)

static int emit_party(nt_buf *out, const nt_lexicon *lex, const char *key,
                      uint32_t e) {
  if (e == NONE)
    return 0;
  const nt_entity *en = &lex->entities[e];
  if (APPEND(out, ",\"") < 0 || nt_buf_append(out, key, strlen(key)) < 0 ||
      APPEND(out, "\":{\"id\":") < 0 ||
      nt_emit_string(out, en->id, strlen(en->id)) < 0 ||
      APPEND(out, ",\"name\":") < 0 ||
      nt_emit_string(out, en->name, strlen(en->name)) < 0)
    return -1;
  return APPEND(out, "}");
}

static int emit_one(const nt_result *r, const nt_relation *rl, nt_buf *out) {
  const char *st = nt_relate_status_name(rl->status);
  char num[40] = "";
  if (rl->quantity)
    snprintf(num, sizeof num, ",\"quantity\":%zu", rl->quantity);
  if (APPEND(out, "{\"type\":\"arms-transfer\"") < 0 ||
      emit_party(out, r->lex, "supplier", rl->supplier) < 0 ||
      emit_party(out, r->lex, "recipient", rl->recipient) < 0 ||
      emit_party(out, r->lex, "system", rl->system) < 0 ||
      APPEND(out, ",\"status\":") < 0 ||
      nt_emit_string(out, st, strlen(st)) < 0 ||
      nt_buf_append(out, num, strlen(num)) < 0 ||
      APPEND(out, ",\"evidence\":{") < 0 ||
      nt_emit_span(out, r->text, rl->start, rl->end) < 0)
    return -1;
  return APPEND(out, "}}");
}

int nt_relate_emit(const nt_result *r, nt_buf *out) {
  const nt_relations *rel = r->relations;
  if (APPEND(out, ",\"relations\":[") < 0)
    return -1;
  for (size_t i = 0; rel && i < rel->n; i++)
    if ((i && nt_buf_putc(out, ',') < 0) || emit_one(r, &rel->items[i], out) < 0)
      return -1;
  return APPEND(out, "]");
}
