/*
 * matcher_compare.c - newstag's alias trie against Intel Hyperscan on the
 * same folded text and the same set of keys (issue #7, point 4).
 *
 *   matcher_compare [--lexicons DIR] [--corpus FILE.jsonl] [--scale K[n]]
 *                   [--reps N] [--seed S] [--tmp DIR] [--label NAME]
 *
 * One run:
 *  1. loads the default lexicons (nt_lexicon_load on DIR, default
 *     "lexicons"); with --scale K > 1 it also writes a temporary user
 *     lexicon of synthetic aliases (deterministic 2-3 word phrases of a
 *     fixed list of common news words, seeded; "--scale Kn": of made-up
 *     name-like words) so that the number of distinct folded keys is about
 *     K times that of the default lexicons, and loads both directories;
 *  2. reads the JSON Lines corpus (field "text") and runs, for every record,
 *     the stages of nt_annotate() up to the scan: nt_markup_scan,
 *     nt_clean_run, then nt_match_scan (fold + trie pass), timing only
 *     nt_match_scan, one record at a time ("in flow");
 *  3. keeps the cleaned and the folded texts and times, each as one loop
 *     over all records, run --reps times (3; the median is kept; wall and
 *     thread CPU time):
 *       - nt_match_scan again (fold + trie walk + on_match checks),
 *       - nt_util_fold alone (the general fold nt_match_scan uses),
 *       - the plain trie walk of scan() without on_match (the walk alone),
 *       - hs_scan over the folded texts, counting every match,
 *       - hs_scan with a callback that keeps only matches that start at a
 *         word start and end where the trie would report them (what
 *         newstag would have to do with Hyperscan's output);
 *  4. prints a table, and one "ROW" line per measurement for the script.
 *
 * Hyperscan gets every distinct folded key of lex->patterns (patterns with
 * NT_AF_DISABLED and empty keys skipped) as a literal (hs_compile_lit_multi,
 * block mode, no flags: the text is folded already, so no HS_FLAG_CASELESS).
 *
 * Build: see bench/matcher_compare.sh.  It includes the library's private
 * header, so it must be compiled against the src/ the library was built
 * from.
 */
#define _POSIX_C_SOURCE 200809L

#include "../src/internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NONE UINT32_MAX

/* ---- small helpers --------------------------------------------------------- */

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "matcher_compare: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(1);
}

static double now(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall and thread CPU seconds of one timed section. */
typedef struct timer {
  double w0, c0, wall, cpu;
} timer;

static void timer_start(timer *t) {
  t->w0 = now(CLOCK_MONOTONIC);
  t->c0 = now(CLOCK_THREAD_CPUTIME_ID);
}

static void timer_stop(timer *t) {
  t->wall = now(CLOCK_MONOTONIC) - t->w0;
  t->cpu = now(CLOCK_THREAD_CPUTIME_ID) - t->c0;
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p)
    die("%s", "out of memory");
  return p;
}

/* Append n bytes to a growable arena; returns the offset. */
typedef struct arena {
  char *data;
  size_t len, cap;
} arena;

static size_t arena_put(arena *a, const char *s, size_t n) {
  if (a->len + n + 1 > a->cap) {
    a->cap = (a->len + n + 1) * 2;
    a->data = xrealloc(a->data, a->cap);
  }
  size_t off = a->len;
  memcpy(a->data + off, s, n);
  a->len += n;
  a->data[a->len] = '\0'; /* keeps every text NUL-terminated for nt_text */
  a->len++;
  return off;
}

/* ---- the corpus ------------------------------------------------------------ */

typedef struct corpus {
  arena raw;               /* the "text" fields, NUL-separated */
  size_t *off, *len;       /* record i: raw.data + off[i], len[i] bytes */
  size_t n, cap, bytes;    /* records, capacity, total text bytes */
} corpus;

static void read_corpus(corpus *c, const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    die("cannot open %s", path);
  char *line = NULL;
  size_t linecap = 0;
  ssize_t got;
  while ((got = getline(&line, &linecap, fp)) > 0) {
    cJSON *j = cJSON_ParseWithLength(line, (size_t)got);
    const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "text") : NULL;
    if (cJSON_IsString(t) && t->valuestring) {
      size_t n = strlen(t->valuestring);
      if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->off = xrealloc(c->off, c->cap * sizeof *c->off);
        c->len = xrealloc(c->len, c->cap * sizeof *c->len);
      }
      c->off[c->n] = arena_put(&c->raw, t->valuestring, n);
      c->len[c->n++] = n;
      c->bytes += n;
    }
    cJSON_Delete(j);
  }
  free(line);
  fclose(fp);
  if (!c->n)
    die("no records with a \"text\" string in %s", path);
}

/* ---- synthetic aliases --------------------------------------------------- */

/* Common words of news text, so that the synthetic phrases start where real
 * text has word starts and the walk goes past the first word (the hard case
 * for both matchers; real gazetteers and sanctions lists also start many
 * names with "National", "United", "Islamic", "Bank" ...). */
static const char *const WORDS[] = {
    "Oil", "Price", "Trade", "Bank", "State", "National", "New", "South",
    "North", "East", "West", "Union", "Group", "Company", "Market", "Share",
    "Stock", "Export", "Import", "Central", "Federal", "General", "Public",
    "Energy", "Gas", "Coal", "Steel", "Grain", "Wheat", "Corn", "Sugar",
    "Coffee", "Cocoa", "Gold", "Silver", "Copper", "Dollar", "Yen", "Mark",
    "Pound", "Rate", "Interest", "Money", "Supply", "Reserve", "Budget",
    "Tax", "Debt", "Loan", "Credit", "Capital", "Fund", "Investment",
    "Holding", "Industrial", "Industries", "Motor", "Air", "Sea", "Port",
    "River", "Lake", "Mountain", "City", "Town", "County", "Island", "Bay",
    "Valley", "Western", "Eastern", "Northern", "Southern", "United",
    "First", "Second", "Third", "Great", "Grand", "Royal", "Imperial",
    "People", "Party", "Front", "Army", "Force", "Guard", "Council", "Board",
    "Committee", "Commission", "Office", "Ministry", "Department", "Court",
    "House", "Senate", "Congress", "Assembly", "Agency", "Service",
    "Security", "Defence", "Defense", "Police", "Border", "Peace", "War",
    "Liberation", "Revolutionary", "Islamic", "Christian", "Democratic",
    "Republican", "Labour", "Liberal", "Social", "Green", "Red", "Black",
    "White", "Blue", "Golden", "Star", "Sun", "Moon", "World", "Global",
    "International", "American", "European", "Asian", "African", "Pacific",
    "Atlantic", "Arab", "Chemical", "Petroleum", "Mining", "Shipping",
    "Airlines", "Railway", "Transport", "Power", "Electric", "Water",
    "Food", "Farm", "Land", "Home", "Health", "Care", "Life", "Insurance",
    "Trust", "Savings", "Securities", "Finance", "Financial", "Partners",
    "Systems", "Technology", "Data", "Network", "Media", "News", "Press",
    "Times", "Daily", "Post", "Journal", "Radio", "Television", "Film",
    "Music", "Sport", "Club", "League", "Cup", "Open", "Games", "School",
    "University", "College", "Institute", "Centre", "Center", "Research",
    "Science", "Medical", "Hospital", "Church", "Temple", "Mission",
    "Foundation", "Society", "Association", "Federation", "Alliance",
    "Coalition", "Movement", "Brigade", "Battalion", "Division", "Corps",
    "Command", "Fleet", "Squadron", "Unit", "Team", "Project", "Program",
    "Plan", "Policy", "Reform", "Crisis", "Deal", "Talks", "Summit",
    "Agreement", "Treaty", "Pact", "Accord", "Year", "Month", "Week", "Day",
    "Record", "Profit", "Loss", "Sales", "Output", "Growth", "Demand",
    "Production", "Development", "Management", "Services", "Resources",
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h ? h : 1;
}

/* A made-up capitalised word of 2 or 3 syllables ("Drakoven"), for name-like
 * phrases that rarely occur in news text (as most entries of real watch
 * lists and gazetteers do not). */
static size_t made_up_word(char *out, size_t cap, uint64_t *seed) {
  static const char *const onset[] = {"b", "ch", "d", "dr", "f", "g", "h", "k",
                                      "kh", "l", "m", "n", "p", "r", "s", "sh",
                                      "t", "v", "z", "zh", "br", "gr", "st"};
  static const char *const vowel[] = {"a", "e", "i", "o", "u", "ai", "ei", "ou"};
  static const char *const coda[] = {"", "", "n", "r", "v", "k", "l", "m"};
  size_t len = 0;
  int syl = 2 + (int)(splitmix64(seed) % 2);
  for (int k = 0; k < syl; k++)
    len += (size_t)snprintf(out + len, cap - len, "%s%s%s",
                            onset[splitmix64(seed) % (sizeof onset / sizeof *onset)],
                            vowel[splitmix64(seed) % (sizeof vowel / sizeof *vowel)],
                            coda[splitmix64(seed) % (sizeof coda / sizeof *coda)]);
  out[0] = (char)(out[0] - 'a' + 'A');
  return len;
}

/* Write dir/synthetic.tsv: n distinct phrases of 2 (one in three) or 3
 * words, four aliases to an entity, default case rule (as written,
 * capitalised).  The words are common words of news text (WORDS), or with
 * names set made-up words.  Deterministic for a given seed. */
static void write_synthetic(const char *dir, size_t n, uint64_t seed,
                            int names) {
  char path[4096];
  snprintf(path, sizeof path, "%s/synthetic.tsv", dir);
  FILE *fp = fopen(path, "w");
  if (!fp)
    die("cannot write %s", path);
  size_t cap = 1;
  while (cap < 4 * n)
    cap *= 2;
  uint64_t *seen = calloc(cap, sizeof *seen); /* open addressing of hashes */
  if (!seen)
    die("%s", "out of memory");
  fprintf(fp, "# synthetic aliases written by bench/matcher_compare (seed %llu)\n",
          (unsigned long long)seed);
  for (size_t k = 0; k < n;) {
    char phrase[256];
    int words = splitmix64(&seed) % 3 == 0 ? 2 : 3;
    size_t len = 0;
    for (int w = 0; w < words; w++) {
      if (w)
        phrase[len++] = ' ';
      if (names)
        len += made_up_word(phrase + len, sizeof phrase - len, &seed);
      else
        len += (size_t)snprintf(phrase + len, sizeof phrase - len, "%s",
                                WORDS[splitmix64(&seed) % NWORDS]);
    }
    uint64_t h = fnv1a(phrase);
    size_t i = h & (cap - 1);
    while (seen[i] && seen[i] != h)
      i = (i + 1) & (cap - 1);
    if (seen[i])
      continue; /* a phrase we have */
    seen[i] = h;
    if (k % 4 == 0)
      fprintf(fp, "entity\torg-syn-%zu\t%s\ttype=organization;source=bench\n",
              k / 4, phrase);
    fprintf(fp, "alias\torg-syn-%zu\t%s\t\n", k / 4, phrase);
    k++;
  }
  free(seen);
  if (fclose(fp) != 0)
    die("cannot write %s", path);
}

/* ---- the keys -------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The child of node for byte c: match.c's trie_step without its SSE2
 * path (a linear search of the node's sorted child bytes). */
static inline uint32_t step(const nt_trie *tr, uint32_t node, uint8_t c) {
  uint32_t lo = tr->node[node].child, n = tr->node[node].nchild;
  const uint8_t *by = tr->byte + lo;
  for (uint32_t k = 0; k < n && by[k] <= c; k++)
    if (by[k] == c)
      return lo + k;
  return NONE;
}

/* The distinct folded keys of the enabled patterns, sorted, with their
 * lengths and the trie's run-on flag (ext) of the node each ends at. */
typedef struct keyset {
  const char **key;
  size_t *len;
  uint8_t *ext;
  size_t n;
} keyset;

static void collect_keys(keyset *ks, const nt_lexicon *lex) {
  const char **all = xrealloc(NULL, lex->npatterns * sizeof *all);
  size_t n = 0;
  for (size_t i = 0; i < lex->npatterns; i++) {
    const nt_pattern *p = &lex->patterns[i];
    if (!(p->flags & NT_AF_DISABLED) && p->folded && p->folded[0])
      all[n++] = p->folded;
  }
  qsort(all, n, sizeof *all, cmp_str);
  ks->key = all;
  ks->len = xrealloc(NULL, n * sizeof *ks->len);
  ks->ext = xrealloc(NULL, n * sizeof *ks->ext);
  ks->n = 0;
  for (size_t i = 0; i < n; i++) {
    if (ks->n && strcmp(all[i], ks->key[ks->n - 1]) == 0)
      continue;
    const nt_trie *tr = &lex->trie;
    const unsigned char *s = (const unsigned char *)all[i];
    uint32_t node = tr->root[s[0]];
    for (size_t k = 1; s[k] && node != NONE; k++)
      node = step(tr, node, s[k]);
    if (node == NONE || tr->node[node].out == NONE)
      die("key \"%s\" is not in the trie", all[i]);
    ks->key[ks->n] = all[i];
    ks->len[ks->n] = strlen(all[i]);
    ks->ext[ks->n++] = tr->node[node].ext;
  }
}

/* ---- the trie walk alone ------------------------------------------------- */

/* 1 for bytes match.c's scan() treats as inside a word (ASCII letters and
 * digits); its WORD table has 2 for bytes >= 0x80, which count as
 * boundaries here as there. */
static int inword(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/* The plain trie walk of match.c's scan() (one trie_step per byte from every
 * word start), without on_match: the keys the trie reports, where the text
 * ends a word or the key may run on.  The library's scan() may be faster
 * (e.g. a table for the first two bytes); this is the baseline walk. */
static size_t trie_walk(const nt_trie *tr, const unsigned char *f, size_t n) {
  size_t hits = 0;
  for (size_t p = 0; p < n; p++) {
    if (p > 0 && inword(f[p - 1]))
      continue;
    uint32_t node = tr->root[f[p]];
    size_t i = p + 1;
    while (node != NONE) {
      if (tr->node[node].out != NONE &&
          (i >= n || !inword(f[i]) || tr->node[node].ext))
        hits++;
      if (i >= n)
        break;
      node = step(tr, node, f[i++]);
    }
  }
  return hits;
}

/* ---- Hyperscan callbacks --------------------------------------------------- */

static int hs_count_all(unsigned id, unsigned long long from,
                        unsigned long long to, unsigned flags, void *ctx) {
  (void)id, (void)from, (void)to, (void)flags;
  ++*(size_t *)ctx;
  return 0;
}

typedef struct hs_filter {
  const keyset *ks;
  const unsigned char *f; /* the folded text being scanned */
  size_t n, hits;
} hs_filter;

/* Keep a match only where the trie walk would report it: it starts at a
 * word start, and ends a word or its key may run on.  A literal's start is
 * its end minus its length (no HS_FLAG_SOM_LEFTMOST needed). */
static int hs_count_words(unsigned id, unsigned long long from,
                          unsigned long long to, unsigned flags, void *ctx) {
  (void)from, (void)flags;
  hs_filter *h = ctx;
  size_t start = (size_t)to - h->ks->len[id];
  if (start > 0 && inword(h->f[start - 1]))
    return 0;
  if ((size_t)to < h->n && inword(h->f[to]) && !h->ks->ext[id])
    return 0;
  h->hits++;
  return 0;
}

/* ---- the timed passes ------------------------------------------------- */

/* What the passes over the stored texts read. */
typedef struct passes {
  const nt_lexicon *lex;
  nt_matches *m;
  nt_text *view;
  const corpus *c;
  const arena *clean, *folded;
  const size_t *coff, *clen, *foff, *flen;
  const hs_database_t *db;
  hs_scratch_t *scratch;
  hs_filter *hf;
  int reps;
} passes;

/* nt_match_scan over the cleaned texts.  It reads only t->clean of its
 * nt_text, so a view of the stored text stands in for the record's; the
 * candidate count is checked against the run in the flow. */
static size_t pass_newstag(passes *ps) {
  size_t cand = 0;
  for (size_t i = 0; i < ps->c->n; i++) {
    ps->view->clean.data = ps->clean->data + ps->coff[i];
    ps->view->clean.len = ps->clen[i];
    ps->view->clean.cap = ps->clen[i] + 1;
    if (nt_match_scan(ps->m, ps->lex, ps->view) != NT_OK)
      die("%s", "nt_match_scan failed");
    cand += ps->m->ncand + ps->m->nanchors;
  }
  return cand;
}

/* nt_util_fold alone, with the offset map: the fold of nt_match_scan in
 * general (the library may take a faster path for ASCII text). */
static size_t pass_fold(passes *ps) {
  nt_buf fb = {0};
  size_t *fmap = NULL, fmapcap = 0, bytes = 0;
  for (size_t i = 0; i < ps->c->n; i++) {
    fb.len = 0;
    if (nt_util_fold(ps->clean->data + ps->coff[i], ps->clen[i], &fb, &fmap,
                     &fmapcap, 0) < 0)
      die("%s", "out of memory");
    bytes += fb.len;
  }
  nt_buf_free(&fb);
  free(fmap);
  return bytes;
}

/* The trie walk alone over the folded texts. */
static size_t pass_walk(passes *ps) {
  size_t hits = 0;
  for (size_t i = 0; i < ps->c->n; i++)
    hits += trie_walk(&ps->lex->trie,
                      (const unsigned char *)ps->folded->data + ps->foff[i],
                      ps->flen[i]);
  return hits;
}

/* Hyperscan over the folded texts, counting every match. */
static size_t pass_hs_all(passes *ps) {
  size_t hits = 0;
  for (size_t i = 0; i < ps->c->n; i++)
    if (hs_scan(ps->db, ps->folded->data + ps->foff[i], (unsigned)ps->flen[i],
                0, ps->scratch, hs_count_all, &hits) != HS_SUCCESS)
      die("%s", "hs_scan failed");
  return hits;
}

/* Hyperscan, keeping only the matches the trie walk reports. */
static size_t pass_hs_words(passes *ps) {
  hs_filter *hf = ps->hf;
  hf->hits = 0;
  for (size_t i = 0; i < ps->c->n; i++) {
    hf->f = (const unsigned char *)ps->folded->data + ps->foff[i];
    hf->n = ps->flen[i];
    if (hs_scan(ps->db, ps->folded->data + ps->foff[i], (unsigned)ps->flen[i],
                0, ps->scratch, hs_count_words, hf) != HS_SUCCESS)
      die("%s", "hs_scan failed");
  }
  return hf->hits;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Run pass reps times; *t gets the median wall and the median CPU time.
 * Returns the pass's count (the same every time). */
static size_t measure(size_t (*pass)(passes *), passes *ps, int reps, timer *t) {
  double wall[64], cpu[64];
  size_t count = 0;
  for (int r = 0; r < reps; r++) {
    timer_start(t);
    count = pass(ps);
    timer_stop(t);
    wall[r] = t->wall;
    cpu[r] = t->cpu;
  }
  qsort(wall, (size_t)reps, sizeof *wall, cmp_double);
  qsort(cpu, (size_t)reps, sizeof *cpu, cmp_double);
  t->wall = reps % 2 ? wall[reps / 2] : (wall[reps / 2 - 1] + wall[reps / 2]) / 2;
  t->cpu = reps % 2 ? cpu[reps / 2] : (cpu[reps / 2 - 1] + cpu[reps / 2]) / 2;
  return count;
}

/* ---- output ---------------------------------------------------------------- */

static const char *label = "corpus";
static int scale = 1;
static const char *scale_name = "1"; /* as given: "10", or "10n" for names */
static double mbytes; /* input text MB (10^6 bytes) of the corpus */

/* One measurement: a table line and a ROW line for the script. */
static void row(const char *what, const timer *t, size_t matches) {
  printf("  %-44s %8.3f %8.3f %9.1f %9.1f %12zu\n", what, t->wall, t->cpu,
         mbytes / t->wall, mbytes / t->cpu, matches);
  fprintf(stderr, "ROW\t%s\t%s\t%s\t%.6f\t%.6f\t%zu\n", label, scale_name, what,
          t->wall, t->cpu, matches);
}

static void info(const char *key, const char *fmt, double v) {
  printf("  %-44s ", key);
  printf(fmt, v);
  putchar('\n');
  fprintf(stderr, "INFO\t%s\t%s\t%s\t%.6f\n", label, scale_name, key, v);
}

/* ---- main ------------------------------------------------------------------- */

int main(int argc, char **argv) {
  const char *lexdir = "lexicons";
  const char *corpus_path = "../shared/corpora/reuters21578.jsonl";
  const char *tmpbase = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  uint64_t seed = 7;
  int reps = 3;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--lexicons") == 0)
      lexdir = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--corpus") == 0)
      corpus_path = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--scale") == 0)
      scale = atoi(scale_name = argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
      seed = strtoull(argv[++i], NULL, 10);
    else if (i + 1 < argc && strcmp(argv[i], "--tmp") == 0)
      tmpbase = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--reps") == 0)
      reps = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--label") == 0)
      label = argv[++i];
    else
      die("usage: matcher_compare [--lexicons DIR] [--corpus FILE.jsonl] "
          "[--scale K[n]] [--reps N] [--seed S] [--tmp DIR] [--label NAME]%s", "");
  }
  if (scale < 1)
    die("%s", "--scale must be at least 1");
  if (reps < 1 || reps > 64)
    die("%s", "--reps must be 1..64");

  /* -- the lexicons (and the synthetic ones) -- */
  nt_error err;
  memset(&err, 0, sizeof err);
  nt_lexicon *lex = NULL;
  const char *dirs[2] = {lexdir, NULL};
  if (nt_lexicon_load(dirs, 1, &lex, &err) != NT_OK)
    die("cannot load the lexicons: %s", err.message);
  char tmpdir[4096] = "";
  double load_s;
  keyset base;
  collect_keys(&base, lex);
  size_t want = base.n * (size_t)(scale - 1); /* synthetic keys to add */
  free(base.key), free(base.len), free(base.ext);
  nt_lexicon_free(lex);
  lex = NULL;
  if (scale > 1) {
    snprintf(tmpdir, sizeof tmpdir, "%s/matcher_compare.XXXXXX", tmpbase);
    if (!mkdtemp(tmpdir))
      die("cannot create a directory in %s", tmpbase);
    write_synthetic(tmpdir, want, seed, strchr(scale_name, 'n') != NULL);
    dirs[1] = tmpdir;
  }
  timer tl;
  timer_start(&tl);
  if (nt_lexicon_load(dirs, scale > 1 ? 2 : 1, &lex, &err) != NT_OK)
    die("cannot load the lexicons: %s", err.message);
  timer_stop(&tl);
  load_s = tl.wall;

  keyset ks;
  collect_keys(&ks, lex);

  /* the trie built again, to time nt_match_build alone */
  timer tb;
  nt_match_free_trie(&lex->trie);
  timer_start(&tb);
  if (nt_match_build(lex, &err) < 0)
    die("%s", "nt_match_build failed");
  timer_stop(&tb);
  const nt_trie *tr = &lex->trie;
  size_t trie_bytes = sizeof tr->root + (size_t)tr->nnodes * (sizeof *tr->node + 1);

  /* -- Hyperscan: every distinct key as a literal -- */
  unsigned *ids = xrealloc(NULL, ks.n * sizeof *ids);
  unsigned *flags = xrealloc(NULL, ks.n * sizeof *flags);
  for (size_t i = 0; i < ks.n; i++)
    ids[i] = (unsigned)i, flags[i] = 0;
  hs_database_t *db = NULL;
  hs_compile_error_t *cerr = NULL;
  timer th;
  timer_start(&th);
  if (hs_compile_lit_multi(ks.key, flags, ids, ks.len, (unsigned)ks.n,
                           HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS)
    die("hs_compile_lit_multi: %s", cerr ? cerr->message : "?");
  timer_stop(&th);
  hs_scratch_t *scratch = NULL;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
    die("%s", "hs_alloc_scratch failed");
  size_t db_size = 0, scratch_size = 0;
  hs_database_size(db, &db_size);
  hs_scratch_size(scratch, &scratch_size);

  /* -- the corpus, cleaned as nt_annotate does; nt_match_scan timed -- */
  corpus c;
  memset(&c, 0, sizeof c);
  read_corpus(&c, corpus_path);
  mbytes = (double)c.bytes / 1e6;
  nt_annotator *a = nt_annotator_new(lex, NULL);
  if (!a)
    die("%s", "out of memory");
  arena clean = {0}, folded = {0};
  size_t *coff = xrealloc(NULL, c.n * sizeof *coff);
  size_t *clen = xrealloc(NULL, c.n * sizeof *clen);
  size_t *foff = xrealloc(NULL, c.n * sizeof *foff);
  size_t *flen = xrealloc(NULL, c.n * sizeof *flen);
  size_t cand_flow = 0;
  timer tflow = {0};
  for (size_t i = 0; i < c.n; i++) {
    const char *text = c.raw.data + c.off[i];
    nt_status st = nt_markup_scan(&a->markup, lex, a->match_data,
                                  NT_FORMAT_DETECT, text, c.len[i]);
    if (st == NT_OK)
      st = nt_clean_run(&a->text, lex, a->match_data, &a->markup, text, c.len[i]);
    if (st != NT_OK)
      die("%s", "cleaning failed");
    double w0 = now(CLOCK_MONOTONIC);
    st = nt_match_scan(&a->matches, lex, &a->text);
    tflow.wall += now(CLOCK_MONOTONIC) - w0;
    if (st != NT_OK)
      die("%s", "nt_match_scan failed");
    cand_flow += a->matches.ncand + a->matches.nanchors;
    coff[i] = arena_put(&clean, a->text.clean.data ? a->text.clean.data : "",
                        a->text.clean.len);
    clen[i] = a->text.clean.len;
    foff[i] = arena_put(&folded, a->matches.folded.data ? a->matches.folded.data : "",
                        a->matches.folded.len);
    flen[i] = a->matches.folded.len;
  }
  tflow.cpu = tflow.wall; /* per-record: wall clock only */
  size_t clean_bytes = 0, folded_bytes = 0;
  for (size_t i = 0; i < c.n; i++)
    clean_bytes += clen[i], folded_bytes += flen[i];

  /* -- the passes over the stored texts, each run reps times -- */
  nt_text view;
  memset(&view, 0, sizeof view);
  hs_filter hf = {&ks, NULL, 0, 0};
  passes ps = {lex, &a->matches, &view, &c, &clean, &folded, coff, clen, foff,
               flen, db, scratch, &hf, 0};
  timer tn, tf, tw, ts, tsw;
  size_t cand = measure(pass_newstag, &ps, reps, &tn);
  if (cand != cand_flow)
    fprintf(stderr, "matcher_compare: WARNING: candidates in flow %zu, "
                    "over the stored texts %zu\n", cand_flow, cand);
  measure(pass_fold, &ps, reps, &tf);
  size_t walk_hits = measure(pass_walk, &ps, reps, &tw);
  size_t hs_all = measure(pass_hs_all, &ps, reps, &ts);
  size_t hs_words = measure(pass_hs_words, &ps, reps, &tsw);

  /* -- the table -- */
  printf("\n%s: %zu records, %.2f MB of input text (%.2f MB cleaned, %.2f MB "
         "folded); alias set x%s\n",
         corpus_path, c.n, mbytes, clean_bytes / 1e6, folded_bytes / 1e6, scale_name);
  info("input text MB", "%.4f", mbytes);
  info("distinct folded keys (Hyperscan literals)", "%.0f", (double)ks.n);
  size_t short2 = 0, short4 = 0;
  for (size_t i = 0; i < ks.n; i++)
    short2 += ks.len[i] <= 2, short4 += ks.len[i] > 2 && ks.len[i] <= 4;
  info("  of which 1-2 bytes long", "%.0f", (double)short2);
  info("  of which 3-4 bytes long", "%.0f", (double)short4);
  info("patterns in the lexicon (all kinds)", "%.0f", (double)lex->npatterns);
  info("lexicon load s (incl. trie)", "%.3f", load_s);
  info("newstag trie build s (nt_match_build)", "%.3f", tb.wall);
  info("newstag trie nodes", "%.0f", (double)tr->nnodes);
  info("newstag trie MB", "%.2f", trie_bytes / 1e6);
  info("hyperscan compile s (hs_compile_lit_multi)", "%.3f", th.wall);
  info("hyperscan database MB", "%.2f", db_size / 1e6);
  info("hyperscan scratch MB", "%.3f", scratch_size / 1e6);
  printf("  %-44s %8s %8s %9s %9s %12s\n", "timed (MB = input text MB)", "wall s",
         "CPU s", "MB/s", "MB/CPU-s", "matches");
  row("newstag nt_match_scan in flow (per record)", &tflow, cand_flow);
  row("newstag nt_match_scan (fold+walk+checks)", &tn, cand);
  row("nt_util_fold alone (general path)", &tf, 0);
  row("plain trie walk alone (no on_match)", &tw, walk_hits);
  row("hyperscan hs_scan, every match", &ts, hs_all);
  row("hyperscan hs_scan + word-start filter", &tsw, hs_words);
  if (hs_words != walk_hits)
    fprintf(stderr, "matcher_compare: WARNING: word-filtered Hyperscan matches "
                    "%zu != trie walk hits %zu\n", hs_words, walk_hits);

  /* -- clean up -- */
  if (tmpdir[0]) {
    char path[4200];
    snprintf(path, sizeof path, "%s/synthetic.tsv", tmpdir);
    unlink(path);
    rmdir(tmpdir);
  }
  hs_free_scratch(scratch);
  hs_free_database(db);
  nt_annotator_free(a);
  nt_lexicon_free(lex);
  free(ks.key), free(ks.len), free(ks.ext), free(ids), free(flags);
  free(clean.data), free(folded.data), free(c.raw.data), free(c.off), free(c.len);
  free(coff), free(clen), free(foff), free(flen);
  return 0;
}
