/*
 * input.c - stage 1: turns command-line paths into records.
 *
 * Paths are expanded in order: a directory becomes its regular files,
 * walked recursively in byte order of their names (hidden entries and
 * symbolic links to directories are skipped, so link loops cannot occur);
 * "-" is standard input.  The format of each file is --format, or JSON Lines
 * when the name ends in .jsonl/.ndjson or the content starts with '{',
 * otherwise plain text.  Lines and records are read in bounded memory:
 * anything longer than max_record becomes an error item.  A pipe, terminal
 * or socket is read with read(2), so that each record is there as soon as
 * its line has arrived (fread would wait for a whole chunk).
 */
#define _POSIX_C_SOURCE 200809L
#include "input.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

struct nt_input {
  char **paths;
  size_t npaths, pathcap, next_path;
  nt_format fmt;
  size_t max_record;
  /* the open source */
  FILE *fp;
  FILE *given;        /* a stream from nt_input_new_stream, never closed */
  const char *source; /* display name */
  nt_format cur_fmt;
  long line;
  int done_text; /* a text file gives one record */
  char *buf;     /* read buffer */
  size_t blen, bpos, bcap;
  int eof;
  int live;       /* a pipe, terminal or socket: read(2) what has arrived */
  int read_errno; /* read(2)'s error, for read_failed */
  size_t bytes;
  /* the current item's storage */
  nt_buf rec;
  nt_jsonl parsed;
  int raw;
  nt_markup_format markup_files, markup_jsonl;
  char msg[1024];
};

int nt_input_parse_format(const char *s, nt_format *out, nt_markup_format *markup) {
  *markup = NT_FORMAT_DETECT;
  if (strcmp(s, "auto") == 0)
    *out = NT_FORMAT_AUTO;
  else if (strcmp(s, "text") == 0)
    *out = NT_FORMAT_TEXT, *markup = NT_FORMAT_PLAIN;
  else if (strcmp(s, "html") == 0)
    *out = NT_FORMAT_TEXT, *markup = NT_FORMAT_HTML;
  else if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
    *out = NT_FORMAT_TEXT, *markup = NT_FORMAT_MARKDOWN;
  else if (strcmp(s, "jsonl") == 0 || strcmp(s, "ndjson") == 0)
    *out = NT_FORMAT_JSONL;
  else
    return -1;
  return 0;
}

void nt_input_set_markup(nt_input *in, nt_markup_format files,
                         nt_markup_format jsonl) {
  in->markup_files = files;
  in->markup_jsonl = jsonl;
}

/* The markup of a whole file: as set, else from its name's extension. */
static nt_markup_format file_markup(const nt_input *in, const char *path) {
  static const struct {
    const char *ext;
    nt_markup_format f;
  } exts[] = {{".html", NT_FORMAT_HTML}, {".htm", NT_FORMAT_HTML},
              {".xhtml", NT_FORMAT_HTML}, {".md", NT_FORMAT_MARKDOWN},
              {".markdown", NT_FORMAT_MARKDOWN}};
  if (in->markup_files != NT_FORMAT_DETECT)
    return in->markup_files;
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    size_t k = strlen(exts[i].ext);
    if (n >= k && strcasecmp(path + n - k, exts[i].ext) == 0)
      return exts[i].f;
  }
  return NT_FORMAT_DETECT;
}

static int add_path(nt_input *in, const char *p) {
  char *d = nt_util_strdup(p);
  if (!d || nt_util_grow(&in->paths, &in->pathcap, in->npaths + 1,
                         sizeof *in->paths) < 0) {
    free(d);
    return -1;
  }
  in->paths[in->npaths++] = d;
  return 0;
}

nt_input *nt_input_new(const char *const *paths, size_t npaths, nt_format fmt,
                       size_t max_record) {
  nt_input *in = calloc(1, sizeof *in);
  if (!in)
    return NULL;
  in->fmt = fmt;
  in->max_record = max_record ? max_record : (size_t)64 << 20;
  in->bcap = CHUNK;
  in->buf = malloc(in->bcap);
  int rc = in->buf ? 0 : -1;
  for (size_t i = 0; i < npaths && rc == 0; i++)
    rc = add_path(in, paths[i]);
  if (rc == 0 && npaths == 0)
    rc = add_path(in, "-");
  if (rc < 0) {
    nt_input_free(in);
    return NULL;
  }
  return in;
}

static void close_source(nt_input *in) {
  if (in->fp && in->fp != stdin && in->fp != in->given)
    fclose(in->fp);
  in->fp = NULL;
}

nt_input *nt_input_new_stream(FILE *fp, const char *name, nt_format fmt,
                              size_t max_record, size_t chunk) {
  const char *paths[] = {name};
  nt_input *in = nt_input_new(paths, 1, fmt, max_record);
  if (!in)
    return NULL;
  if (chunk && chunk < in->bcap)
    in->bcap = chunk;
  in->given = fp;
  return in;
}

void nt_input_free(nt_input *in) {
  if (!in)
    return;
  close_source(in);
  for (size_t i = 0; i < in->npaths; i++)
    free(in->paths[i]);
  free(in->paths);
  free(in->buf);
  nt_buf_free(&in->rec);
  nt_jsonl_free(&in->parsed);
  nt_buf_free(&in->parsed.text);
  free(in);
}

size_t nt_input_bytes(const nt_input *in) { return in->bytes; }

void nt_input_set_raw(nt_input *in, int raw) { in->raw = raw; }

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replace the directory at paths[next_path] by its entries, sorted. */
static int expand_dir(nt_input *in, const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d)) && rc == 0) {
    if (de->d_name[0] == '.')
      continue;
    size_t len = strlen(dir) + strlen(de->d_name) + 2;
    char *p = malloc(len);
    if (!p || nt_util_grow(&names, &cap, n + 1, sizeof *names) < 0) {
      free(p);
      rc = -2;
      break;
    }
    snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
             de->d_name);
    struct stat lst, st;
    if (lstat(p, &lst) == 0 && S_ISLNK(lst.st_mode) && stat(p, &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      free(p); /* links to directories are not followed: no loops */
      continue;
    }
    names[n++] = p;
  }
  closedir(d);
  if (n > 1)
    qsort(names, n, sizeof *names, cmp_name);
  /* splice the entries in after the current position */
  if (rc == 0 && nt_util_grow(&in->paths, &in->pathcap, in->npaths + n,
                              sizeof *in->paths) < 0)
    rc = -2;
  if (rc == 0) {
    memmove(in->paths + in->next_path + n, in->paths + in->next_path,
            (in->npaths - in->next_path) * sizeof *in->paths);
    memcpy(in->paths + in->next_path, names, n * sizeof *names);
    in->npaths += n;
  } else {
    for (size_t i = 0; i < n; i++)
      free(names[i]);
  }
  free(names);
  return rc;
}

/* Up to cap bytes of the source: from a live source what has arrived (at
 * least one byte, or 0 at its end), else as much as fread gives. */
static size_t read_some(nt_input *in, char *dst, size_t cap) {
  if (!in->live)
    return fread(dst, 1, cap, in->fp);
  for (;;) {
    ssize_t got = read(fileno(in->fp), dst, cap);
    if (got >= 0)
      return (size_t)got;
    if (errno != EINTR) {
      in->read_errno = errno;
      return 0;
    }
  }
}

/* Did reading the source fail?  (errno says why.) */
static int read_failed(nt_input *in) {
  if (in->read_errno) {
    errno = in->read_errno;
    return 1;
  }
  return ferror(in->fp);
}

/* A pipe, terminal or socket: read(2) takes what has arrived, and reading
 * more may wait. */
static int live_mode(mode_t m) { return S_ISFIFO(m) || S_ISCHR(m) || S_ISSOCK(m); }

static int is_live(FILE *fp) {
  struct stat st;
  return fstat(fileno(fp), &st) == 0 && live_mode(st.st_mode);
}

/* A line of only spaces, tabs and CRs: no record. */
static int blank_line(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && strchr(" \t\r", s[i]))
    i++;
  return i == n;
}

static size_t fill(nt_input *in);

/* Does the buffer hold a whole line that is a record? */
static int has_record_line(const nt_input *in) {
  const char *p = in->buf + in->bpos, *end = in->buf + in->blen;
  for (const char *nl; (nl = memchr(p, '\n', (size_t)(end - p))) != NULL; p = nl + 1)
    if (!blank_line(p, (size_t)(nl - p)))
      return 1;
  return 0;
}

/* Is the next source one that may make reading wait (stdin or a named
 * path that is a pipe, terminal or socket)? */
static int next_is_live(const nt_input *in) {
  if (in->given || in->next_path >= in->npaths)
    return 0;
  const char *p = in->paths[in->next_path];
  if (strcmp(p, "-") == 0)
    return is_live(stdin);
  struct stat st;
  return stat(p, &st) == 0 && live_mode(st.st_mode);
}

int nt_input_would_block(nt_input *in) {
  for (;;) {
    if (!in->fp || in->eof) /* what is left is there; then the next source */
      return (!in->fp || in->bpos >= in->blen) && next_is_live(in);
    if (!in->live) { /* a file we opened: reading ahead does not wait, */
      if (in->fp == in->given || in->bpos < in->blen)
        return 0;
      fill(in); /* and tells whether it has ended */
      continue;
    }
    if (in->cur_fmt != NT_FORMAT_JSONL || has_record_line(in) ||
        (in->bpos == 0 && in->blen >= in->bcap)) /* a long line: read on */
      return 0;
    struct pollfd p = {fileno(in->fp), POLLIN, 0};
    if (poll(&p, 1, 0) <= 0)
      return 1;
    fill(in); /* what has arrived: read(2) does not wait for it */
  }
}

/* Fill the read buffer; returns bytes available from bpos. */
static size_t fill(nt_input *in) {
  if (in->bpos > 0 && in->bpos < in->blen) {
    memmove(in->buf, in->buf + in->bpos, in->blen - in->bpos);
    in->blen -= in->bpos;
    in->bpos = 0;
  } else if (in->bpos >= in->blen) {
    in->blen = in->bpos = 0;
  }
  if (!in->eof && in->blen < in->bcap) {
    size_t got = read_some(in, in->buf + in->blen, in->bcap - in->blen);
    in->blen += got;
    in->bytes += got;
    if (got == 0)
      in->eof = 1;
  }
  return in->blen - in->bpos;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The format of the buffer's first lines: JSON Lines when the first
 * non-blank one starts with '{', or most of the first sixteen do - so a
 * stream whose first line is malformed is still read line by line.
 * *settled: the buffer held enough to tell (that '{', or sixteen lines). */
static nt_format sniff_buffer(const nt_input *in, int *settled) {
  size_t i = in->bpos, lines = 0, objects = 0;
  *settled = 1;
  if (in->blen - i >= 3 && memcmp(in->buf + i, "\xEF\xBB\xBF", 3) == 0)
    i += 3;
  while (i < in->blen && lines < 16) {
    while (i < in->blen && strchr(" \t\r\n", in->buf[i]))
      i++;
    if (i >= in->blen)
      break;
    lines++;
    objects += in->buf[i] == '{';
    if (lines == 1 && in->buf[i] == '{')
      return NT_FORMAT_JSONL;
    const char *nl = memchr(in->buf + i, '\n', in->blen - i);
    if (!nl)
      break;
    i = (size_t)(nl - in->buf) + 1;
  }
  *settled = lines >= 16;
  return lines >= 2 && objects * 2 > lines ? NT_FORMAT_JSONL : NT_FORMAT_TEXT;
}

/* JSON Lines when the name says so, else from the first chunk; from a live
 * source, from as much as it takes to tell. */
static nt_format sniff(nt_input *in, const char *path) {
  if (in->fmt != NT_FORMAT_AUTO)
    return in->fmt;
  if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson"))
    return NT_FORMAT_JSONL;
  fill(in);
  int settled;
  nt_format f = sniff_buffer(in, &settled);
  while (!settled && in->live && !in->eof && in->blen < in->bcap) {
    fill(in);
    f = sniff_buffer(in, &settled);
  }
  return f;
}

static void item_error(nt_input *in, nt_input_item *it, long line,
                       int io_error, const char *fmt, const char *arg) {
  memset(it, 0, sizeof *it);
  snprintf(in->msg, sizeof in->msg, fmt, arg);
  it->error = in->msg;
  it->io_error = io_error;
  it->rec.source = in->source;
  it->rec.line = line;
}

/* Open the next path; 1 when a source is open, 0 at the end, -1 when the
 * path failed (an error item is then in *it). */
static int open_next(nt_input *in, nt_input_item *it) {
  while (in->next_path < in->npaths) {
    const char *p = in->paths[in->next_path];
    in->source = p;
    in->line = 0;
    in->done_text = 0;
    in->eof = 0;
    in->live = 0;
    in->read_errno = 0;
    in->blen = in->bpos = 0;
    if (in->given) {
      in->next_path = in->npaths;
      in->fp = in->given;
    } else if (strcmp(p, "-") == 0) {
      in->next_path++;
      in->fp = stdin;
      in->source = "<stdin>";
    } else {
      struct stat st;
      if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
        in->next_path++;
        if (expand_dir(in, p) < 0) {
          item_error(in, it, 0, 1, "cannot read directory: %s", strerror(errno));
          return -1;
        }
        continue;
      }
      in->next_path++;
      in->fp = fopen(p, "rb");
      if (!in->fp) {
        item_error(in, it, 0, 1, "cannot open: %s", strerror(errno));
        return -1;
      }
    }
    in->live = in->fp != in->given && is_live(in->fp);
    in->cur_fmt = sniff(in, p);
    return 1;
  }
  return 0;
}

/* The whole source as one record (bounded by max_record). */
static int read_text(nt_input *in, nt_input_item *it) {
  in->rec.len = 0;
  int too_big = 0;
  while (fill(in) > 0) {
    size_t n = in->blen - in->bpos;
    if (!too_big && in->rec.len + n > in->max_record)
      too_big = 1;
    if (!too_big && nt_buf_append(&in->rec, in->buf + in->bpos, n) < 0)
      too_big = 1;
    in->bpos = in->blen;
  }
  in->done_text = 1;
  if (read_failed(in)) {
    item_error(in, it, 0, 1, "read error: %s", strerror(errno));
    return 1;
  }
  if (too_big) {
    char lim[64];
    snprintf(lim, sizeof lim, "%zu", in->max_record);
    item_error(in, it, 0, 0, "record larger than the limit of %s bytes (--max-record)", lim);
    return 1;
  }
  memset(it, 0, sizeof *it);
  it->rec.text = in->rec.data ? in->rec.data : "";
  it->rec.len = in->rec.len;
  it->rec.source = in->source;
  it->rec.format = file_markup(in, in->source);
  return 1;
}

/* Read one line into in->rec; returns 0 at end of source, 1 for a line,
 * 2 for a line longer than max_record (skipped). */
static int read_line(nt_input *in) {
  in->rec.len = 0;
  int too_big = 0, any = 0;
  /* fill only once the buffer is used up: no copying of what is left */
  while (in->bpos < in->blen || fill(in) > 0) {
    any = 1;
    char *start = in->buf + in->bpos;
    size_t n = in->blen - in->bpos;
    char *nl = memchr(start, '\n', n);
    size_t take = nl ? (size_t)(nl - start) : n;
    if (!too_big && in->rec.len + take > in->max_record)
      too_big = 1;
    if (!too_big && nt_buf_append(&in->rec, start, take) < 0)
      too_big = 1;
    in->bpos += take + (nl ? 1 : 0);
    if (nl)
      break;
  }
  if (!any)
    return 0;
  in->line++;
  if (too_big)
    return 2;
  if (in->rec.len && in->rec.data[in->rec.len - 1] == '\r')
    in->rec.data[--in->rec.len] = '\0';
  if (in->rec.data)
    in->rec.data[in->rec.len] = '\0';
  return 1;
}

static char *json_string_or_number(const cJSON *item) {
  char num[64];
  if (cJSON_IsString(item))
    return nt_util_strdup(item->valuestring);
  if (cJSON_IsNumber(item)) {
    double v = item->valuedouble;
    if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(long long)v)
      snprintf(num, sizeof num, "%lld", (long long)v);
    else
      snprintf(num, sizeof num, "%.17g", v);
    return nt_util_strdup(num);
  }
  return NULL;
}

void nt_jsonl_free(nt_jsonl *r) {
  free(r->id);
  free(r->title);
  free(r->url);
  free(r->date);
  r->id = r->title = r->url = r->date = NULL;
}

/* ---- cJSON's allocations from an arena -----------------------------------
 * cJSON allocates every node and string of a record on its own; parsing a
 * line with a thread's arena takes them from one block instead, emptied when
 * the next record is parsed (a tree that is all in it needs no cJSON_Delete).
 * Only a program that owns cJSON's hooks turns it on (the command); an
 * allocation that does not fit, or one made while no record is being parsed,
 * goes to malloc. */
typedef struct arena {
  char *buf;
  size_t used, cap, missed; /* missed: bytes that did not fit last time */
  int active;
} arena;

static _Thread_local arena tl_arena;
static int arena_on;

static void *arena_alloc(size_t n) {
  arena *a = &tl_arena;
  n = (n + 15) & ~(size_t)15;
  if (!a->active || n > a->cap - a->used) {
    a->missed += a->active ? n : 0;
    return malloc(n);
  }
  void *p = a->buf + a->used;
  a->used += n;
  return p;
}

static void arena_release(void *p) {
  arena *a = &tl_arena;
  uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->buf;
  if (!(a->buf && u >= b && u < b + a->cap))
    free(p);
}

void nt_input_use_arena(void) {
  cJSON_Hooks hooks = {arena_alloc, arena_release};
  cJSON_InitHooks(&hooks);
  arena_on = 1;
}

void nt_input_arena_free(void) {
  free(tl_arena.buf);
  memset(&tl_arena, 0, sizeof tl_arena);
}

/* Before a parse: an arena as large as the last record needed (nothing of
 * the last record is used any more: parse_line copied what it needs). */
static void arena_begin(void) {
  arena *a = &tl_arena;
  if (!arena_on)
    return;
  if (!a->buf || a->missed) {
    size_t cap = a->cap + a->missed < 65536 ? 65536 : (a->cap + a->missed) * 2;
    char *buf = malloc(cap);
    if (buf) {
      free(a->buf);
      a->buf = buf;
      a->cap = cap;
    }
  }
  a->used = a->missed = 0;
  a->active = a->buf != NULL;
}

/* Free a parsed tree: nothing to do when all of it is in the arena (which
 * the next parse empties), else cJSON_Delete. */
static void tree_free(cJSON *root) {
  const arena *a = &tl_arena;
  if (!(a->active && a->missed == 0))
    cJSON_Delete(root);
}

static void arena_end(void) {
  tl_arena.active = 0;
  tl_arena.used = 0;
}

static const char *parse_line(nt_jsonl *r, const char *p, size_t n,
                              long lineno) {
  nt_jsonl_free(r);
  r->text.len = 0;
  if (lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3, n -= 3;
  cJSON *root = cJSON_ParseWithLength(p, n);
  if (!root || !cJSON_IsObject(root)) {
    tree_free(root);
    return root ? "record is not a JSON object" : "invalid JSON";
  }
  r->id = json_string_or_number(cJSON_GetObjectItemCaseSensitive(root, "id"));
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(root, "text");
  if (!text || !cJSON_IsString(text)) {
    tree_free(root);
    return text ? "\"text\" is not a string" : "record has no \"text\"";
  }
  r->title = json_string_or_number(cJSON_GetObjectItemCaseSensitive(root, "title"));
  r->url = json_string_or_number(cJSON_GetObjectItemCaseSensitive(root, "url"));
  r->date = json_string_or_number(cJSON_GetObjectItemCaseSensitive(root, "date"));
  int rc = nt_buf_append(&r->text, text->valuestring, strlen(text->valuestring));
  tree_free(root);
  return rc < 0 ? "out of memory" : NULL;
}

const char *nt_input_parse_line(nt_jsonl *r, const char *p, size_t n,
                                long lineno) {
  arena_begin();
  const char *err = parse_line(r, p, n, lineno);
  arena_end();
  return err;
}

/* Parse the line in in->rec into the current item. */
static int parse_jsonl(nt_input *in, nt_input_item *it) {
  const char *error = nt_input_parse_line(&in->parsed, in->rec.data, in->rec.len,
                                          in->line);
  if (error) {
    item_error(in, it, in->line, 0, "%s", error);
    it->rec.id = in->parsed.id;
    return 1;
  }
  memset(it, 0, sizeof *it);
  it->rec.text = in->parsed.text.data ? in->parsed.text.data : "";
  it->rec.len = in->parsed.text.len;
  it->rec.id = in->parsed.id;
  it->rec.title = in->parsed.title;
  it->rec.url = in->parsed.url;
  it->rec.date = in->parsed.date;
  it->rec.source = in->source;
  it->rec.line = in->line;
  it->rec.format = in->markup_jsonl;
  return 1;
}

static int next_jsonl(nt_input *in, nt_input_item *it) {
  for (;;) {
    int r = read_line(in);
    if (r == 0)
      return 0;
    if (r == 2) {
      char lim[64];
      snprintf(lim, sizeof lim, "%zu", in->max_record);
      item_error(in, it, in->line, 0,
                 "line longer than the limit of %s bytes (--max-record)", lim);
      return 1;
    }
    if (blank_line(in->rec.data, in->rec.len))
      continue; /* blank lines are not records */
    if (in->raw) { /* the caller parses, e.g. on another thread */
      memset(it, 0, sizeof *it);
      it->raw = 1;
      it->rec.format = in->markup_jsonl;
      it->rec.text = in->rec.data;
      it->rec.len = in->rec.len;
      it->rec.source = in->source;
      it->rec.line = in->line;
      return 1;
    }
    return parse_jsonl(in, it);
  }
}

void nt_input_swap_raw(nt_input *in, nt_buf *b) {
  nt_buf t = in->rec;
  in->rec = *b;
  *b = t;
}

int nt_input_next(nt_input *in, nt_input_item *it) {
  for (;;) {
    if (!in->fp) {
      int r = open_next(in, it);
      if (r < 0)
        return 1;
      if (r == 0)
        return 0;
    }
    if (in->cur_fmt == NT_FORMAT_JSONL) {
      if (next_jsonl(in, it))
        return 1;
      int bad = read_failed(in);
      close_source(in);
      if (bad) {
        item_error(in, it, in->line, 1, "read error: %s", strerror(errno));
        return 1;
      }
      continue;
    }
    if (!in->done_text) {
      read_text(in, it);
      return 1;
    }
    close_source(in);
  }
}
