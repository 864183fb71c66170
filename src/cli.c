/*
 * cli.c - the newstag command: parses options, loads the lexicons, streams
 * records from input.c through an annotator and writes JSON Lines to
 * stdout.  Diagnostics go to stderr as "newstag: error (at FILE:LINE): ...".
 * The only file that prints or exits.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include "batch.h"
#include "build_id.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
  EXIT_OK = 0,
  EXIT_INPUT = 1,   /* some input could not be read */
  EXIT_USAGE = 2,   /* bad command line */
  EXIT_LEXICON = 3, /* the lexicons could not be loaded */
  EXIT_OUTPUT = 4   /* the output could not be written */
};

static const char USAGE[] =
    "Usage: newstag [OPTIONS] [FILE|DIR|-]...\n"
    "       newstag lexicon check [OPTIONS]\n"
    "       newstag lexicon lookup [OPTIONS] ALIAS...\n"
    "       newstag lexicon compile [-l DIR]... [--no-default-lexicon] -o FILE\n"
    "\n"
    "Annotates news articles with countries, groups, organisations, weapon\n"
    "systems and topics; writes one JSON object per input record to stdout.\n"
    "A text, HTML or markdown file is one article; a .jsonl file (or one\n"
    "starting with '{')\n"
    "has one article per line with \"text\" and optional \"id\", \"title\", \"url\",\n"
    "\"date\".  Directories are read recursively in sorted order; no FILE or '-'\n"
    "reads standard input.\n"
    "\n"
    "Options:\n"
    "  -f, --format FMT       input format: auto (default), text, html,\n"
    "                         markdown, jsonl\n"
    "      --jsonl-html       the \"text\" of JSON Lines records is HTML (by\n"
    "                         default it is detected per record)\n"
    "  -l, --lexicon DIR      add a lexicon directory on top of the defaults\n"
    "                         (repeatable; later ones win)\n"
    "      --no-default-lexicon  use only the --lexicon directories\n"
    "      --snapshot FILE    use a lexicon snapshot made by 'newstag lexicon\n"
    "                         compile' instead of the lexicon directories\n"
    "      --no-cache         do not use or write the lexicon cache (also\n"
    "                         NEWSTAG_NO_CACHE=1); by default the lexicons are\n"
    "                         cached as a snapshot in $NEWSTAG_CACHE_DIR, else\n"
    "                         $XDG_CACHE_HOME/newstag, else ~/.cache/newstag,\n"
    "                         and rebuilt when a lexicon file changes\n"
    "  -o, --output FILE      lexicon compile: the snapshot to write\n"
    "      --min-score X      report topics scoring at least X (default 0.3)\n"
    "      --max-record N     longest record in bytes (default 67108864)\n"
    "      --clean-text       add the cleaned text to each output record\n"
    "      --html FILE        also write an HTML review page of all records\n"
    "      --only TYPES       report only these entity types (comma list of\n"
    "                         country, group, organization, weapon)\n"
    "      --min-salience X   report only entities at least this salient (0..1)\n"
    "      --fields LIST      keep only these fields (comma list of entities,\n"
    "                         topics, boilerplate, zones, stats, meta)\n"
    "      --tsv              one tab-separated row per mention instead of JSON\n"
    "      --stats            print a summary line on stderr at the end\n"
    "  -j, --jobs N           annotate on N threads (default: the number of\n"
    "                         cores); output stays in input order\n"
    "  -q, --quiet            no diagnostics on stderr\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n"
    "\n"
    "Exit status: 0 all records written (malformed records become error\n"
    "records), 1 an input file could not be read, 2 bad usage, 3 the lexicons\n"
    "could not be loaded (or 'lexicon check' found problems), 4 the output\n"
    "could not be written.\n";

typedef struct cli {
  const char **lexdirs;
  size_t nlexdirs;
  int no_default;
  const char *snapshot; /* --snapshot */
  int no_cache;
  const char *output; /* lexicon compile -o */
  nt_format fmt;
  nt_options opts;
  size_t max_record;
  int quiet;
  const char *html;
  int stats;
  int jobs;
  nt_markup_format markup;
  int jsonl_html;
  const char **paths;
  size_t npaths;
} cli;

static void msg(const cli *c, const char *fmt, ...) {
  if (c && c->quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("newstag: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static int usage_error(const char *fmt, const char *arg) {
  fputs("newstag: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nTry 'newstag --help' for more information.\n", stderr);
  return EXIT_USAGE;
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The installed lexicons: $NEWSTAG_LEXICON_DIR, then next to the binary
 * (build tree or install prefix), then the configured install path. */
static const char *default_lexicon_dir(char *buf, size_t cap) {
  const char *env = getenv("NEWSTAG_LEXICON_DIR");
  if (env && *env)
    return env;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      snprintf(buf, cap, "%s/CMakeCache.txt", exe);
      struct stat st;
      if (stat(buf, &st) == 0 && is_dir(NT_SOURCE_LEXICON_DIR))
        return NT_SOURCE_LEXICON_DIR;
      snprintf(buf, cap, "%s/../share/newstag/lexicons", exe);
      if (is_dir(buf))
        return buf;
    }
  }
  return NT_INSTALL_LEXICON_DIR;
}

static int lexicon_error(const nt_error *err, const char *advice) {
  if (err->line > 0)
    msg(NULL, "error (at %s:%ld): %s%s", err->file, err->line, err->message,
        advice);
  else if (err->file[0])
    msg(NULL, "error (at %s): %s%s", err->file, err->message, advice);
  else
    msg(NULL, "error: %s%s", err->message, advice);
  return EXIT_LEXICON;
}

/* ---- the lexicon cache ----------------------------------------------------
 * A snapshot of the lexicon directories in the user's cache folder, named
 * by a hash of the directory list, loaded instead of the text when it is
 * current and rebuilt (temporary file, then rename) when it is not. */

/* mkdir -p, private to the user; 0 or -1. */
static int make_dirs(char *path) {
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      int bad = mkdir(path, 0700) != 0 && errno != EEXIST;
      *p = '/';
      if (bad)
        return -1;
    }
  return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* The cache folder into dir, or 0 when there is none. */
static int cache_dir(char *dir, size_t cap) {
  const char *env = getenv("NEWSTAG_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  if (env && *env)
    snprintf(dir, cap, "%s", env);
  else if (xdg && *xdg == '/')
    snprintf(dir, cap, "%s/newstag", xdg);
  else if (home && *home == '/')
    snprintf(dir, cap, "%s/.cache/newstag", home);
  else
    return 0;
  return 1;
}

/* The cache file of these directories (each as written, since file names
 * appear in the output, and as resolved), or 0 when there is none. */
static int cache_file(const char **dirs, size_t n, char *path, size_t cap) {
  char dir[PATH_MAX], abs[PATH_MAX];
  nt_buf key = {0};
  if (!cache_dir(dir, sizeof dir))
    return 0;
  for (size_t i = 0; i < n; i++) {
    const char *r = realpath(dirs[i], abs) ? abs : "";
    if (nt_buf_append(&key, dirs[i], strlen(dirs[i]) + 1) < 0 ||
        nt_buf_append(&key, r, strlen(r) + 1) < 0) {
      nt_buf_free(&key);
      return 0;
    }
  }
  unsigned long long h = nt_snapshot_checksum(key.data, key.len);
  nt_buf_free(&key);
  return snprintf(path, cap, "%s/lexicon-%016llx.snap", dir, h) < (int)cap;
}

/* What the cache's stamp adds to the version: a hash of the library's
 * sources, so that a newstag built from other sources does not use an old
 * cache (the same under valgrind, unlike the binary's own file). */
static void build_stamp(char *buf, size_t cap) {
  snprintf(buf, cap, "build %s", NT_BUILD_ID);
}

static int cache_wanted(const cli *c) {
  const char *env = getenv("NEWSTAG_NO_CACHE");
  return !c->no_cache && !(env && *env && strcmp(env, "0") != 0);
}

/* The lexicon from the cache: 0, or -1 (then say why when it existed). */
static int cache_load(const cli *c, const char *path, const char *stamp,
                      nt_lexicon **lex) {
  struct stat st;
  nt_error err;
  if (stat(path, &st) != 0)
    return -1;
  if (nt_snapshot_load(path, stamp, 0, lex, &err) == NT_OK)
    return 0;
  msg(c, "warning: rebuilding the lexicon cache %s: %s", path, err.message);
  return -1;
}

/* Write the cache; when its folder cannot be written, there is none. */
static void cache_save(const char *path, const char *stamp,
                       const nt_lexicon *lex) {
  char dir[PATH_MAX + 64];
  nt_error err;
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir)
    *slash = '\0';
  if (!slash || make_dirs(dir) == 0)
    nt_snapshot_write(lex, path, stamp, &err);
}

/* The lexicons: --snapshot, else the cache when it is current, else the
 * directories (then the cache is written, when use_cache). */
static int load_lexicons(const cli *c, nt_lexicon **lex, int use_cache) {
  char buf[PATH_MAX + 64], path[PATH_MAX + 64], stamp[48];
  nt_error err;
  if (c->snapshot)
    return nt_lexicon_load_snapshot(c->snapshot, lex, &err) == NT_OK
               ? EXIT_OK
               : lexicon_error(&err, err.status == NT_ERR_LEXICON
                                         ? " (make it again with 'newstag "
                                           "lexicon compile')"
                                         : "");
  const char **dirs = calloc(c->nlexdirs + 1, sizeof *dirs);
  if (!dirs)
    return EXIT_LEXICON;
  size_t n = 0;
  if (!c->no_default)
    dirs[n++] = default_lexicon_dir(buf, sizeof buf);
  for (size_t i = 0; i < c->nlexdirs; i++)
    dirs[n++] = c->lexdirs[i];
  use_cache = use_cache && n && cache_wanted(c) &&
              cache_file(dirs, n, path, sizeof path);
  build_stamp(stamp, sizeof stamp);
  if (use_cache && cache_load(c, path, stamp, lex) == 0) {
    free(dirs);
    return EXIT_OK;
  }
  nt_status st = nt_lexicon_load(dirs, n, lex, &err);
  free(dirs);
  if (st != NT_OK)
    return lexicon_error(&err, "");
  if (use_cache)
    cache_save(path, stamp, *lex);
  return EXIT_OK;
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end || errno || v == 0 || *s == '-')
    return -1;
  *out = (size_t)v;
  return 0;
}

static const char *const TYPE_NAMES[] = {"country", "group", "organization",
                                         "weapon", NULL};
static const char *const FIELD_NAMES[] = {"entities", "topics", "boilerplate",
                                          "zones", "stats", "meta", NULL};

/* A comma list of names into bits (1 << index in names). */
static int parse_list(const char *s, const char *const *names, unsigned *bits) {
  *bits = 0;
  while (*s) {
    size_t n = strcspn(s, ",");
    int found = 0;
    for (unsigned i = 0; names[i]; i++)
      if (strlen(names[i]) == n && strncmp(names[i], s, n) == 0) {
        *bits |= 1u << i;
        found = 1;
      }
    if (!found)
      return -1;
    s += n;
    if (*s == ',')
      s++;
  }
  return *bits ? 0 : -1;
}

/* Parse options; non-option words go to c->paths.  Returns -1 to go on,
 * or an exit code. */
static int parse_args(cli *c, int argc, char **argv) {
  int only_paths = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = NULL, *inline_val = NULL;
    char name[64];
    /* --option=value and -jN, -fFMT, -lDIR give the value in the word */
    if (!only_paths && a[0] == '-' && a[1] == '-' && strchr(a, '=') &&
        (size_t)(strchr(a, '=') - a) < sizeof name) {
      snprintf(name, sizeof name, "%.*s", (int)(strchr(a, '=') - a), a);
      inline_val = strchr(a, '=') + 1;
      a = name;
    } else if (!only_paths && a[0] == '-' && strchr("jflo", a[1]) && a[1] && a[2]) {
      snprintf(name, sizeof name, "-%c", a[1]);
      inline_val = a + 2;
      a = name;
    }
#define TAKES(s, l)                                                          \
  ((strcmp(a, s) == 0 || strcmp(a, l) == 0) &&                               \
   (val = inline_val ? inline_val : i + 1 < argc ? argv[++i] : NULL, 1))
    if (only_paths || a[0] != '-' || strcmp(a, "-") == 0) {
      c->paths[c->npaths++] = a;
    } else if (strcmp(a, "--") == 0) {
      only_paths = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(USAGE, stdout);
      return EXIT_OK;
    } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
      printf("newstag %s\n", NT_VERSION_STRING);
      return EXIT_OK;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      c->quiet = 1;
    } else if (strcmp(a, "--clean-text") == 0) {
      c->opts.emit_clean_text = 1;
    } else if (strcmp(a, "--no-default-lexicon") == 0) {
      c->no_default = 1;
    } else if (strcmp(a, "--no-cache") == 0) {
      c->no_cache = 1;
    } else if (TAKES("--snapshot", "--snapshot")) {
      if (!val)
        return usage_error("%s needs a file name", a);
      c->snapshot = val;
    } else if (TAKES("-o", "--output")) {
      if (!val)
        return usage_error("%s needs a file name", a);
      c->output = val;
    } else if (TAKES("-f", "--format")) {
      if (!val || nt_input_parse_format(val, &c->fmt, &c->markup) < 0)
        return usage_error("--format takes auto, text, html, markdown or jsonl, not '%s'", val ? val : "");
    } else if (TAKES("-j", "--jobs")) {
      char *end;
      long v = val ? strtol(val, &end, 10) : 0;
      if (!val || *end || v < 1 || v > 256)
        return usage_error("-j takes a number of threads from 1 to 256, not '%s'", val ? val : "");
      c->jobs = (int)v;
    } else if (strcmp(a, "--jsonl-html") == 0) {
      c->jsonl_html = 1;
    } else if (strcmp(a, "--tsv") == 0) {
      c->opts.tsv = 1;
    } else if (strcmp(a, "--stats") == 0) {
      c->stats = 1;
    } else if (TAKES("--only", "--only")) {
      if (!val || parse_list(val, TYPE_NAMES, &c->opts.types) < 0)
        return usage_error("--only takes a comma list of country, group, organization, weapon, not '%s'", val ? val : "");
    } else if (TAKES("--fields", "--fields")) {
      if (!val || parse_list(val, FIELD_NAMES, &c->opts.fields) < 0)
        return usage_error("--fields takes a comma list of entities, topics, boilerplate, zones, stats, meta, not '%s'", val ? val : "");
    } else if (TAKES("--min-salience", "--min-salience")) {
      char *end;
      double v = val ? strtod(val, &end) : -1;
      if (!val || *end || v < 0 || v > 1)
        return usage_error("--min-salience takes a number from 0 to 1, not '%s'", val ? val : "");
      c->opts.min_salience = v;
    } else if (TAKES("--html", "--html")) {
      if (!val)
        return usage_error("%s needs a file name", a);
      c->html = val;
    } else if (TAKES("-l", "--lexicon")) {
      if (!val)
        return usage_error("%s needs a directory", a);
      c->lexdirs[c->nlexdirs++] = val;
    } else if (TAKES("--min-score", "--min-score")) {
      char *end;
      double v = val ? strtod(val, &end) : -1;
      if (!val || *end || v < 0 || v > 1)
        return usage_error("--min-score takes a number from 0 to 1, not '%s'", val ? val : "");
      c->opts.min_score = v;
    } else if (TAKES("--max-record", "--max-record")) {
      if (!val || parse_size(val, &c->max_record) < 0)
        return usage_error("--max-record takes a positive number of bytes, not '%s'", val ? val : "");
    } else {
      return usage_error("unknown option '%s'", a);
    }
#undef TAKES
  }
  return -1;
}

static int write_line(const char *s, size_t n) {
  if (fwrite(s, 1, n, stdout) != n || putc('\n', stdout) == EOF)
    return -1;
  return 0;
}

static int output_failed(void) {
  if (errno == EPIPE)
    exit(EXIT_OK); /* the reader went away (e.g. | head): stop quietly */
  msg(NULL, "error: cannot write output: %s", strerror(errno));
  return EXIT_OUTPUT;
}

/* The review page, or NULL with a message. */
static nt_review *open_review(const cli *c, FILE **fp) {
  *fp = fopen(c->html, "w");
  if (!*fp) {
    msg(NULL, "error (at %s): cannot write the review page: %s", c->html,
        strerror(errno));
    return NULL;
  }
  nt_review *rv = nt_review_open(*fp);
  if (!rv)
    fclose(*fp);
  return rv;
}

static int close_review(const cli *c, nt_review *rv, FILE *fp) {
  int bad = nt_review_close(rv) < 0;
  bad |= fclose(fp) != 0;
  if (!bad)
    return EXIT_OK;
  msg(NULL, "error (at %s): cannot write the review page: %s", c->html,
      strerror(errno));
  return EXIT_OUTPUT;
}

/* ---- progress ---------------------------------------------------------- */

typedef struct progress {
  int on;              /* stderr is a terminal and not --quiet */
  double start, last;  /* seconds */
  size_t total;        /* bytes of all named files, 0 if unknown */
  size_t records, errors, entities;
} progress;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t tree_size(const char *path, int depth) {
  struct stat st;
  if (strcmp(path, "-") == 0 || stat(path, &st) != 0)
    return 0;
  if (S_ISREG(st.st_mode))
    return (size_t)st.st_size;
  if (!S_ISDIR(st.st_mode) || depth > 64)
    return 0;
  DIR *d = opendir(path);
  size_t sum = 0;
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
    struct stat lst;
    if (lstat(sub, &lst) == 0 && !S_ISLNK(lst.st_mode))
      sum += tree_size(sub, depth + 1);
  }
  if (d)
    closedir(d);
  return sum;
}

static void progress_show(progress *p, size_t bytes, int final) {
  double t = now();
  if (!p->on || (!final && t - p->last < 0.1))
    return;
  p->last = t;
  double mb = (double)bytes / 1e6, rate = mb / (t - p->start + 1e-9);
  char eta[32] = "";
  if (p->total && rate > 0 && bytes <= p->total)
    snprintf(eta, sizeof eta, ", ETA %.0f s", ((double)(p->total - bytes) / 1e6) / rate);
  fprintf(stderr, "\rnewstag: %zu records, %.1f MB, %.1f MB/s%s\033[K%s", p->records,
          mb, rate, eta, final ? "\n" : "");
}

/* ---- annotating ---------------------------------------------------------- */

typedef struct run_state {
  cli *c;
  nt_review *rv;
  progress pg;
  nt_input *in;
  int rc;
} run_state;

/* Report, write and review one finished record (in input order). */
static int emit_record(const nt_batch_output *o, void *data) {
  run_state *st = data;
  cli *c = st->c;
  char errbuf[2048];
  const char *line = o->line;
  size_t len = o->len;
  if (o->error) {
    if (o->line_no > 0)
      msg(c, "error (at %s:%ld): %s", o->source, o->line_no, o->error);
    else
      msg(c, "error (at %s): %s", o->source, o->error);
    if (!len) {
      len = nt_error_json(errbuf, sizeof errbuf, o->source, o->line_no, NULL,
                          o->error);
      line = errbuf;
      if (len >= sizeof errbuf)
        len = sizeof errbuf - 1;
    }
    if (o->io_error)
      st->rc = EXIT_INPUT;
    st->pg.errors++;
  }
  st->pg.records++;
  st->pg.entities += o->entities;
  if (st->pg.on)
    fputs("\r\033[K", stderr); /* clear the progress line first */
  if ((len || !c->opts.tsv || o->error) && write_line(line, len) < 0) {
    st->rc = output_failed();
    return -1;
  }
  if (st->rv)
    nt_review_add(st->rv, line, len, o->error ? NULL : o->text, o->text_len);
  progress_show(&st->pg, o->input_bytes, 0);
  return 0;
}

/* Push out the lines written so far: the input waits for more. */
static int flush_output(void *data) {
  run_state *st = data;
  if (fflush(stdout) == 0)
    return 0;
  st->rc = output_failed();
  return -1;
}

/* -j 1: annotate in this thread. */
static int run_sequential(run_state *st, nt_lexicon *lex) {
  nt_annotator *a = nt_annotator_new(lex, &st->c->opts);
  if (!a)
    return -2;
  nt_input_item it;
  int rc = 0;
  for (;;) {
    if (nt_input_would_block(st->in) && flush_output(st) < 0)
      rc = -1;
    if (rc != 0 || !nt_input_next(st->in, &it))
      break;
    nt_batch_output o = {"", 0, it.error, it.io_error, it.rec.source, it.rec.line,
                         it.rec.text, it.rec.len, 0, nt_input_bytes(st->in)};
    const nt_result *r = NULL;
    char errbuf[2048];
    if (!it.error) {
      nt_status s = nt_annotate(a, &it.rec, &r);
      if (s != NT_OK)
        o.error = nt_strerror(s);
      else
        o.line = nt_result_json(r, &o.len);
    } else {
      o.len = nt_error_json(errbuf, sizeof errbuf, it.rec.source, it.rec.line,
                            it.rec.id, it.error);
      o.line = errbuf;
      if (o.len >= sizeof errbuf)
        o.len = sizeof errbuf - 1;
    }
    if (r)
      o.entities = nt_result_entity_count(r);
    rc = emit_record(&o, st);
  }
  nt_annotator_free(a);
  return rc;
}

static int run_annotate(cli *c, nt_lexicon *lex) {
  FILE *html_fp = NULL;
  run_state st;
  memset(&st, 0, sizeof st);
  st.c = c;
  if (c->html && !(st.rv = open_review(c, &html_fp)))
    return EXIT_OUTPUT;
  st.in = nt_input_new(c->paths, c->npaths, c->fmt, c->max_record);
  if (st.in)
    nt_input_set_markup(st.in, c->markup,
                        c->jsonl_html ? NT_FORMAT_HTML : NT_FORMAT_DETECT);
  if (!st.in) {
    msg(c, "error: out of memory");
    if (st.rv)
      close_review(c, st.rv, html_fp);
    return EXIT_INPUT;
  }
  st.pg.on = !c->quiet && isatty(STDERR_FILENO);
  st.pg.start = st.pg.last = now();
  for (size_t i = 0; st.pg.on && i < c->npaths; i++)
    st.pg.total += tree_size(c->paths[i], 0);
  int rc;
  if (c->jobs > 1) {
    nt_batch_options bo = {c->jobs, st.rv != NULL, emit_record, flush_output, &st};
    rc = nt_batch_run(st.in, lex, &c->opts, &bo);
  } else {
    rc = run_sequential(&st, lex);
  }
  if (rc == -2) {
    msg(c, "error: out of memory");
    st.rc = EXIT_INPUT;
  }
  if (st.rc != EXIT_OUTPUT && fflush(stdout) != 0)
    st.rc = output_failed();
  progress_show(&st.pg, nt_input_bytes(st.in), 1);
  if (c->stats) {
    double t = now() - st.pg.start;
    fprintf(stderr, "newstag: %zu records, %zu errors, %zu entities, %.2f s, %.1f MB/s\n",
            st.pg.records, st.pg.errors, st.pg.entities, t,
            (double)nt_input_bytes(st.in) / 1e6 / (t + 1e-9));
  }
  if (st.rv && close_review(c, st.rv, html_fp) != EXIT_OK)
    st.rc = EXIT_OUTPUT;
  nt_input_free(st.in);
  return st.rc;
}

static void print_problem(const char *file, long line, const char *message,
                          void *data) {
  (void)data;
  printf("%s:%ld: %s\n", file, line, message);
}

static int run_lexicon(cli *c, nt_lexicon *lex, const char *verb) {
  if (strcmp(verb, "check") == 0) {
    size_t problems = nt_lexicon_check(lex, print_problem, NULL);
    if (problems) {
      msg(NULL, "error: %zu lexicon problem%s", problems, problems == 1 ? "" : "s");
      return EXIT_LEXICON;
    }
    printf("lexicons ok: %zu countries, %zu groups, %zu organizations, "
           "%zu weapons, %zu aliases\n",
           nt_lexicon_entity_count(lex, NT_COUNTRY),
           nt_lexicon_entity_count(lex, NT_GROUP),
           nt_lexicon_entity_count(lex, NT_ORGANIZATION),
           nt_lexicon_entity_count(lex, NT_WEAPON), nt_lexicon_alias_count(lex));
    return EXIT_OK;
  }
  /* lookup: annotate each alias as a tiny article and list what it gives */
  nt_annotator *a = nt_annotator_new(lex, &c->opts);
  if (!a)
    return EXIT_INPUT;
  for (size_t i = 0; i < c->npaths; i++) {
    nt_record rec = {0};
    rec.text = c->paths[i];
    rec.len = strlen(c->paths[i]);
    const nt_result *r;
    if (nt_annotate(a, &rec, &r) != NT_OK)
      continue;
    size_t n = nt_result_entity_count(r);
    if (n == 0)
      printf("%s\t(no entity)\n", c->paths[i]);
    for (size_t k = 0; k < n; k++) {
      nt_entity_view e;
      nt_mention_view m;
      nt_result_entity(r, k, &e);
      nt_result_mention(r, k, 0, &m);
      printf("%s\t%s\t%s\t%s\t%s:%ld\n", c->paths[i], nt_entity_type_name(e.type),
             e.id, e.name, m.lexicon_file, m.lexicon_line);
    }
  }
  nt_annotator_free(a);
  return EXIT_OK;
}

/* -o only with lexicon compile, which needs it; --snapshot names its
 * directories itself. */
static int check_combination(const cli *c, int compile) {
  if (compile && !c->output)
    return usage_error("%s", "lexicon compile needs -o FILE");
  if (!compile && c->output)
    return usage_error("%s", "-o is an option of 'newstag lexicon compile'");
  if (c->snapshot && (compile || c->nlexdirs || c->no_default))
    return usage_error("%s", "--snapshot replaces the lexicon directories: "
                       "not with -l, --no-default-lexicon or lexicon compile");
  return -1;
}

/* lexicon compile: the snapshot, and what it holds. */
static int run_compile(cli *c, nt_lexicon *lex) {
  nt_error err;
  if (nt_lexicon_save_snapshot(lex, c->output, &err) != NT_OK) {
    msg(NULL, "error (at %s): %s", err.file, err.message);
    return EXIT_OUTPUT;
  }
  struct stat st;
  double mb = stat(c->output, &st) == 0 ? (double)st.st_size / 1e6 : 0;
  msg(c, "wrote %s: %zu entities, %zu aliases, %.1f MB", c->output,
      nt_lexicon_entity_count(lex, NT_COUNTRY) +
          nt_lexicon_entity_count(lex, NT_GROUP) +
          nt_lexicon_entity_count(lex, NT_ORGANIZATION) +
          nt_lexicon_entity_count(lex, NT_WEAPON),
      nt_lexicon_alias_count(lex), mb);
  return EXIT_OK;
}

int main(int argc, char **argv) {
  cli c;
  memset(&c, 0, sizeof c);
  nt_options_init(&c.opts);
  nt_input_use_arena(); /* this program is cJSON's only user */
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  c.jobs = cores > 1 ? (int)(cores < 256 ? cores : 256) : 1;
  int sub = argc >= 2 && strcmp(argv[1], "lexicon") == 0;
  const char *verb = sub && argc >= 3 ? argv[2] : NULL;
  if (sub && !verb)
    return usage_error("%s", "'lexicon' needs a command: check, lookup or compile");
  int compile = sub && strcmp(verb, "compile") == 0;
  if (sub && strcmp(verb, "check") != 0 && strcmp(verb, "lookup") != 0 &&
      !compile)
    return usage_error("unknown lexicon command '%s' (check, lookup, compile)",
                       verb);
  c.lexdirs = calloc((size_t)argc + 1, sizeof *c.lexdirs);
  c.paths = calloc((size_t)argc + 1, sizeof *c.paths);
  int rc = c.lexdirs && c.paths ? -1 : EXIT_INPUT;
  if (rc < 0)
    rc = parse_args(&c, sub ? argc - 2 : argc, sub ? argv + 2 : argv);
  if (rc < 0)
    rc = check_combination(&c, compile);
  if (rc < 0) {
    nt_lexicon *lex = NULL;
    rc = load_lexicons(&c, &lex, !compile);
    if (rc == EXIT_OK)
      rc = compile ? run_compile(&c, lex)
           : sub   ? run_lexicon(&c, lex, verb)
                   : run_annotate(&c, lex);
    nt_lexicon_free(lex);
  }
  nt_input_arena_free();
  free(c.lexdirs);
  free(c.paths);
  return rc;
}
