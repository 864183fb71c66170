/*
 * snapshot.c - a loaded lexicon as one binary file (a snapshot), written
 * after a text load and mapped at start-up instead of loading the text.
 *
 * Layout (integers in the writer's byte order, which the header checks):
 *   header  magic, format version, byte-order mark, file size, checksum of
 *           everything after the checksum field, the writer's stamp, a
 *           fingerprint of the struct layouts, where the pool is
 *   table   one entry per array of ARRAYS: element size, count, offset
 *   arrays  each at a multiple of 16 bytes, in the order of ARRAYS
 *   pool    every string of the arrays, NUL-terminated
 * An array of structs is stored as the structs themselves with each char *
 * field replaced by the address the string has when the file is mapped at
 * map_addr (a fixed address of the writer's, MAP_ADDR; 0: NULL).  The file
 * is mapped read-only at map_addr when that address is free, and then used
 * in place: the string fields are only checked to point into the pool.
 * Elsewhere (the address taken, or another kind of system) the arrays with
 * strings (first in the file) are read into memory of their own (in huge
 * pages when the system has them: faster than copy-on-write of the
 * mapping) and their addresses are moved to the mapping in one pass.  In
 * place saves a 1M-alias snapshot's ~80 MB of fresh memory (zeroed by the
 * kernel, then written twice).  Compiled
 * regexes are not stored (pcre2's serialized form is not checked when it is
 * read back): their source lines are (nt_lexicon.regex_lines), compiled
 * again at load by the loader's own code, after the arrays are checked (the
 * relation rules on their first use).  Only the regexes: what else a line
 * made (a topic pattern's cue, the heads of a gated rule) is in the
 * arrays, and the line keeps whether its rule is gated (version 4).  The
 * files and directories the lexicon was read from are stored with size and
 * time, so a stale snapshot is refused.
 *
 * A snapshot is untrusted input: every count, offset and index is checked
 * against the file and the other arrays before use (fuzz/fuzz_snapshot.c).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MADV_POPULATE_READ, MADV_HUGEPAGE */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SNAP_MAGIC "NTSNAP\r\n"
#define SNAP_VERSION 5u
#define SNAP_BOM 0x01020304u
#define SNAP_ALIGN 16
#define NONE UINT32_MAX
#define NO_FIELD SIZE_MAX

typedef struct snap_header {
  char magic[8];
  uint32_t version, bom;
  uint64_t size;     /* of the whole file */
  uint64_t checksum; /* of bytes [CHECKED_FROM, size) */
  char stamp[64];    /* the writer, NUL-terminated */
  uint64_t layout;   /* fingerprint of the stored structs (layout_print) */
  uint64_t narrays;
  uint64_t pool_off, pool_size;
  uint64_t map_addr; /* where the strings' pointers are right (0: nowhere) */
} snap_header;

#define CHECKED_FROM offsetof(snap_header, stamp)

typedef struct snap_entry {
  uint64_t elem, count, off;
} snap_entry;

/* ---- the arrays ---------------------------------------------------------
 * Every field of nt_lexicon is in ARRAYS, or is one of the compiled regex
 * rules (zone_rules, clean_rules, topic_res, relate) compiled again at load
 * (the relation rules on their first use), or the mapping itself
 * (snapshot).  The assertions below fail when one of
 * the stored structs changes size: store the new field (one line in ARRAYS,
 * or its offset in S_* when it is a string) or recompute it in load(), then
 * update the size (and SNAP_VERSION). */

#define LEX(f) offsetof(nt_lexicon, f)

typedef struct snap_array {
  const char *name;  /* for messages */
  size_t ptr;        /* offset in nt_lexicon of the array (or the inline array) */
  size_t count, cap; /* offsets of its length and capacity, or NO_FIELD */
  int count32;       /* the length is a uint32_t, not a size_t */
  size_t fixed;      /* an inline array: its length (count is NO_FIELD) */
  size_t elem;
  const size_t *strs; /* offsets of the char * fields in an element */
  size_t nstrs;
} snap_array;

static const size_t S_SELF[] = {0};
static const size_t S_SOURCE[] = {offsetof(nt_source, path)};
static const size_t S_ENTITY[] = {
    offsetof(nt_entity, id),       offsetof(nt_entity, name),
    offsetof(nt_entity, attrs),    offsetof(nt_entity, category),
    offsetof(nt_entity, country),  offsetof(nt_entity, lists)};
static const size_t S_PATTERN[] = {offsetof(nt_pattern, text),
                                   offsetof(nt_pattern, folded)};
static const size_t S_TOPIC[] = {offsetof(nt_topic, id),
                                 offsetof(nt_topic, label)};
static const size_t S_RULE[] = {offsetof(nt_topic_rule, key),
                                offsetof(nt_topic_rule, value)};
static const size_t S_LINE[] = {offsetof(nt_regex_line, text)};

#define STRS(s) s, sizeof s / sizeof s[0]
#define ARR(name, arr, n, cap, type, strs) \
  {name, LEX(arr), LEX(n), LEX(cap), 0, 0, sizeof(type), strs}
#define NODES(name, arr, type) \
  {name, LEX(arr), LEX(trie.nnodes), NO_FIELD, 1, 0, sizeof(type), NULL, 0}
#define INLINE(name, arr, n, type) \
  {name, LEX(arr), NO_FIELD, NO_FIELD, 0, n, sizeof(type), NULL, 0}

static const snap_array ARRAYS[] = {
    ARR("files", files, nfiles, filecap, char *, STRS(S_SELF)),
    ARR("sources", sources, nfiles, sourcecap, nt_source, STRS(S_SOURCE)),
    ARR("directories", dirs, ndirs, dircap, nt_source, STRS(S_SOURCE)),
    ARR("entities", entities, nentities, entcap, nt_entity, STRS(S_ENTITY)),
    ARR("patterns", patterns, npatterns, patcap, nt_pattern, STRS(S_PATTERN)),
    ARR("topics", topics, ntopics, topiccap, nt_topic, STRS(S_TOPIC)),
    ARR("topic rules", rules, nrules, rulecap, nt_topic_rule, STRS(S_RULE)),
    ARR("notname words", wordlists[0].words, wordlists[0].n, wordlists[0].cap,
        char *, STRS(S_SELF)),
    ARR("orgword words", wordlists[1].words, wordlists[1].n, wordlists[1].cap,
        char *, STRS(S_SELF)),
    ARR("regex lines", regex_lines, nregex_lines, regex_linecap, nt_regex_line,
        STRS(S_LINE)),
    NODES("trie nodes", trie.node, nt_trie_node),
    NODES("trie bytes", trie.byte, uint8_t),
    INLINE("trie root", trie.root, 256, uint32_t),
    INLINE("type counts", type_count, NT_ENTITY_TYPES, size_t),
};

#define NARRAYS (sizeof ARRAYS / sizeof ARRAYS[0])

#if UINTPTR_MAX == UINT64_MAX
#define SAME_SIZE(type, n)                                                   \
  _Static_assert(sizeof(type) == n, #type " changed: store or recompute the " \
                 "new field in snapshot.c (ARRAYS and S_*), then update "     \
                 "this size")
SAME_SIZE(nt_lexicon, 1424);
SAME_SIZE(nt_trie, 1048);
SAME_SIZE(nt_trie_node, 12);
SAME_SIZE(nt_entity, 64);
SAME_SIZE(nt_pattern, 56);
SAME_SIZE(nt_topic, 24);
SAME_SIZE(nt_topic_rule, 32);
SAME_SIZE(nt_source, 32);
SAME_SIZE(nt_regex_line, 32);
/* Where a snapshot is meant to be mapped: free in a usual 64-bit process
 * (below the shared libraries and stacks, above the program and its heap),
 * and 2 MB aligned.  Only a speed-up: a snapshot loads anywhere.  Not
 * under ThreadSanitizer or MemorySanitizer, whose shadow memory covers that
 * range (their mmap refuses it by ending the process). */
#if defined(__SANITIZE_THREAD__)
#define MAP_ADDR 0ull
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define MAP_ADDR 0ull
#endif
#endif
#ifndef MAP_ADDR
#define MAP_ADDR 0x3a5000000000ull
#endif
#else
#define MAP_ADDR 0ull
#endif

/* ---- the checksum ---------------------------------------------------------
 * Four independent lanes of 64-bit words, each word multiplied into its
 * lane, which is rotated; the lanes are mixed at the end.  One multiply per
 * word: as fast as memory gives the words (100 MB in ~10 ms).  It finds
 * accidents (truncation, flipped bytes, partial writes), not forgery. */

#define K1 0x9E3779B185EBCA87ull
#define K2 0xC2B2AE3D27D4EB4Full
#define K3 0x165667B19E3779F9ull

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t load64(const unsigned char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

static uint64_t lane(uint64_t acc, uint64_t w) {
  return rotl(acc + w * K2, 31);
}

static uint64_t avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= K2;
  h ^= h >> 29;
  h *= K3;
  return h ^ (h >> 32);
}

/* The checksum of data given in pieces. */
typedef struct checksum_state {
  uint64_t lane[4], total;
  unsigned char tail[32];
  size_t ntail;
} checksum_state;

static void checksum_begin(checksum_state *cs) {
  memset(cs, 0, sizeof *cs);
  cs->lane[0] = K1 + K2;
  cs->lane[1] = K2;
  cs->lane[3] = -K1;
}

static void checksum_blocks(checksum_state *cs, const unsigned char *p,
                            size_t n) {
  uint64_t a = cs->lane[0], b = cs->lane[1], c = cs->lane[2], d = cs->lane[3];
  for (; n >= 32; p += 32, n -= 32) {
    a = lane(a, load64(p));
    b = lane(b, load64(p + 8));
    c = lane(c, load64(p + 16));
    d = lane(d, load64(p + 24));
  }
  cs->lane[0] = a;
  cs->lane[1] = b;
  cs->lane[2] = c;
  cs->lane[3] = d;
}

static void checksum_add(checksum_state *cs, const void *data, size_t n) {
  const unsigned char *p = data;
  cs->total += n;
  if (cs->ntail) { /* fill the block begun before */
    size_t k = 32 - cs->ntail < n ? 32 - cs->ntail : n;
    memcpy(cs->tail + cs->ntail, p, k);
    cs->ntail += k;
    p += k;
    n -= k;
    if (cs->ntail < 32)
      return;
    checksum_blocks(cs, cs->tail, 32);
    cs->ntail = 0;
  }
  checksum_blocks(cs, p, n - n % 32);
  memcpy(cs->tail, p + n - n % 32, n % 32);
  cs->ntail = n % 32;
}

static uint64_t checksum_end(const checksum_state *cs) {
  const uint64_t *l = cs->lane;
  uint64_t h = K3 + cs->total + rotl(l[0], 1) + rotl(l[1], 7) +
               rotl(l[2], 12) + rotl(l[3], 18);
  const unsigned char *p = cs->tail;
  size_t n = cs->ntail;
  for (; n >= 8; p += 8, n -= 8)
    h = rotl(h ^ (lane(0, load64(p)) * K1), 27) * K1 + K3;
  for (; n > 0; p++, n--)
    h = rotl(h ^ (*p * K3), 11) * K1;
  return avalanche(h);
}

uint64_t nt_snapshot_checksum(const void *data, size_t n) {
  checksum_state cs;
  checksum_begin(&cs);
  checksum_add(&cs, data, n);
  return checksum_end(&cs);
}

/* A fingerprint of what the arrays hold: element sizes and where their
 * strings are, so a snapshot of other structs is refused. */
static uint64_t layout_print(void) {
  uint64_t v[2 * NARRAYS + 16];
  size_t n = 0;
  for (size_t i = 0; i < NARRAYS && n + 2 <= sizeof v / sizeof v[0]; i++) {
    v[n++] = ARRAYS[i].elem | (uint64_t)ARRAYS[i].fixed << 32;
    uint64_t s = 0;
    for (size_t k = 0; k < ARRAYS[i].nstrs; k++)
      s = s * 131 + ARRAYS[i].strs[k] + 1;
    v[n++] = s;
  }
  v[n++] = sizeof(void *);
  return nt_snapshot_checksum(v, n * sizeof v[0]);
}

static void default_stamp(char *out, size_t cap, const char *stamp) {
  snprintf(out, cap, "newstag %s snapshot %u%s%s", NT_VERSION_STRING,
           SNAP_VERSION, stamp ? " " : "", stamp ? stamp : "");
}

/* ---- writing ------------------------------------------------------------- */

static size_t arr_count(const nt_lexicon *lex, const snap_array *a) {
  const char *base = (const char *)lex;
  if (a->count == NO_FIELD)
    return a->fixed;
  if (a->count32)
    return *(const uint32_t *)(const void *)(base + a->count);
  return *(const size_t *)(const void *)(base + a->count);
}

static const char *arr_data(const nt_lexicon *lex, const snap_array *a) {
  const char *field = (const char *)lex + a->ptr;
  if (a->fixed)
    return field; /* inline */
  const char *p;
  memcpy(&p, field, sizeof p);
  return p;
}

static size_t align_up(size_t n) {
  return (n + SNAP_ALIGN - 1) / SNAP_ALIGN * SNAP_ALIGN;
}

typedef struct writer {
  FILE *fp;
  size_t pos;  /* bytes written */
  size_t pool; /* bytes of the pool so far */
  uint64_t strs; /* where the pool is when the file is at map_addr */
  int bad;
} writer;

static void put(writer *w, const void *p, size_t n) {
  if (!w->bad && n && fwrite(p, 1, n, w->fp) != n)
    w->bad = 1;
  w->pos += n;
}

static void pad_to(writer *w, size_t off) {
  static const char zero[SNAP_ALIGN];
  while (w->pos < off)
    put(w, zero, off - w->pos < sizeof zero ? off - w->pos : sizeof zero);
}

/* One array: its elements with strings as pool offsets (pool == 0), or
 * its strings (pool == 1), in the same order. */
static void put_array(writer *w, const nt_lexicon *lex, const snap_array *a,
                      int pool) {
  const char *data = arr_data(lex, a);
  size_t n = arr_count(lex, a);
  unsigned char buf[256];
  if (!a->nstrs || a->elem > sizeof buf) {
    if (!pool && n)
      put(w, data, n * a->elem);
    w->bad |= a->nstrs != 0 || (n && !data);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const char *e = data + i * a->elem;
    memcpy(buf, e, a->elem);
    for (size_t k = 0; k < a->nstrs; k++) {
      const char *s;
      memcpy(&s, e + a->strs[k], sizeof s);
      uint64_t v = s ? w->strs + w->pool : 0;
      size_t len = s ? strlen(s) + 1 : 0;
      if (pool)
        put(w, s, len);
      w->pool += len;
      memcpy(buf + a->strs[k], &v, sizeof v);
    }
    if (!pool)
      put(w, buf, a->elem);
  }
}

/* Header, table, arrays and pool; the header's size and checksum are
 * filled in afterwards (finish_file). */
static int put_file(writer *w, const nt_lexicon *lex, snap_header *h) {
  snap_entry table[NARRAYS];
  size_t off = align_up(sizeof *h + sizeof table);
  for (size_t i = 0; i < NARRAYS; i++) {
    table[i].elem = ARRAYS[i].elem;
    table[i].count = arr_count(lex, &ARRAYS[i]);
    table[i].off = off;
    off = align_up(off + table[i].count * ARRAYS[i].elem);
  }
  h->narrays = NARRAYS;
  h->pool_off = off;
  w->strs = h->map_addr + off;
  put(w, h, sizeof *h);
  put(w, table, sizeof table);
  for (size_t i = 0; i < NARRAYS; i++) {
    pad_to(w, table[i].off);
    put_array(w, lex, &ARRAYS[i], 0);
  }
  pad_to(w, off);
  w->pool = 0;
  for (size_t i = 0; i < NARRAYS; i++)
    put_array(w, lex, &ARRAYS[i], 1);
  h->pool_size = w->pool;
  h->size = w->pos;
  return w->bad || fflush(w->fp) != 0 ? -1 : 0;
}

/* The final header, then the checksum over the file as written (mapped
 * piece by piece, so that it stays out of the resident set). */
static int finish_file(int fd, snap_header *h) {
  if (pwrite(fd, h, sizeof *h, 0) != (ssize_t)sizeof *h)
    return -1;
  checksum_state cs;
  checksum_begin(&cs);
  size_t piece = (size_t)64 << 20;
  for (size_t at = 0; at < h->size; at += piece) {
    size_t n = h->size - at < piece ? h->size - at : piece;
    void *map = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, (off_t)at);
    if (map == MAP_FAILED)
      return -1;
    size_t skip = at < CHECKED_FROM ? CHECKED_FROM - at : 0;
    checksum_add(&cs, (const char *)map + skip, n - skip);
    munmap(map, n);
  }
  h->checksum = checksum_end(&cs);
  off_t at = (off_t)offsetof(snap_header, checksum);
  return pwrite(fd, &h->checksum, sizeof h->checksum, at) ==
                 (ssize_t)sizeof h->checksum ? 0 : -1;
}

/* A new file beside path, with a name no one else uses. */
static int open_temp(const char *path, char *tmp, size_t cap) {
  static unsigned counter;
  for (int tries = 0; tries < 100; tries++) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(tmp, cap, "%s.%ld.%u.%ld.tmp", path, (long)getpid(), counter++,
             (long)ts.tv_nsec);
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  return -1;
}

int nt_snapshot_write(const nt_lexicon *lex, const char *path,
                      const char *stamp, nt_error *err) {
  char tmp[4096 + 64];
  if (strlen(path) > 4096) {
    nt_error_set(err, NT_ERR_ARG, path, 0, "path too long");
    return -1;
  }
  int fd = open_temp(path, tmp, sizeof tmp);
  if (fd < 0) {
    nt_error_set(err, NT_ERR_IO, path, 0, "cannot write the snapshot: %s",
                 strerror(errno));
    return -1;
  }
  snap_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, SNAP_MAGIC, 8);
  h.version = SNAP_VERSION;
  h.bom = SNAP_BOM;
  h.layout = layout_print();
  h.map_addr = MAP_ADDR;
  default_stamp(h.stamp, sizeof h.stamp, stamp);
  writer w = {fdopen(fd, "wb"), 0, 0, 0, 0};
  char *vbuf = malloc(1 << 20);
  if (w.fp && vbuf)
    setvbuf(w.fp, vbuf, _IOFBF, 1 << 20);
  int rc = w.fp ? put_file(&w, lex, &h) : -1;
  if (rc == 0)
    rc = finish_file(fd, &h);
  int saved = errno;
  if (w.fp ? fclose(w.fp) != 0 : close(fd) != 0)
    rc = -1;
  free(vbuf);
  if (rc == 0 && rename(tmp, path) != 0) {
    saved = errno;
    rc = -1;
  }
  if (rc < 0) {
    unlink(tmp);
    nt_error_set(err, NT_ERR_IO, path, 0, "cannot write the snapshot: %s",
                 strerror(saved ? saved : EIO));
  }
  return rc;
}

/* ---- loading: checks of the file ----------------------------------------- */

typedef struct snap_file {
  const char *path;
  int fd;
  unsigned char *base; /* the mapping */
  size_t size;
  unsigned char *copy; /* bytes [start, copy_end) of the file, writable */
  size_t start, copy_end;
  int in_place; /* mapped at the header's map_addr: no copy */
  const snap_header *h;
  const snap_entry *table;
  nt_error *err;
} snap_file;

static int corrupt(snap_file *f, const char *fmt, const char *what) {
  char msg[400];
  snprintf(msg, sizeof msg, fmt, what);
  nt_error_set(f->err, NT_ERR_LEXICON, f->path, 0,
               "corrupt lexicon snapshot: %s", msg);
  return -1;
}

static int check_header(snap_file *f) {
  const snap_header *h = f->h;
  if (f->size < sizeof *h || memcmp(h->magic, SNAP_MAGIC, 8) != 0) {
    nt_error_set(f->err, NT_ERR_LEXICON, f->path, 0, "%s",
                 "not a newstag lexicon snapshot");
    return -1;
  }
  if (h->version != SNAP_VERSION || h->bom != SNAP_BOM) {
    nt_error_set(f->err, NT_ERR_LEXICON, f->path, 0,
                 "lexicon snapshot of format version %u, this newstag reads "
                 "version %u", h->bom == SNAP_BOM
                 ? h->version : (unsigned)__builtin_bswap32(h->version),
                 SNAP_VERSION);
    return -1;
  }
  if (h->size != f->size) {
    char what[96];
    snprintf(what, sizeof what, "%zu bytes, the header says %llu", f->size,
             (unsigned long long)h->size);
    return corrupt(f, h->size > f->size ? "truncated: %s" : "%s", what);
  }
  return 0;
}

/* The checksum of the header's rest, the table and the copy (before its
 * strings are fixed up), then of the rest of the mapping (sum_start). */
static void sum_front(const snap_file *f, checksum_state *cs) {
  checksum_begin(cs);
  checksum_add(cs, f->base + CHECKED_FROM, f->start - CHECKED_FROM);
  if (f->copy)
    checksum_add(cs, f->copy, f->copy_end - f->start);
}

/* The checksum of the rest of the mapping, on a thread of its own while
 * the arrays are checked (they are checked as if anyone had written them,
 * so the order does not matter), when there is enough of it to gain. */
#define SUM_THREAD_MIN ((size_t)1 << 20)

typedef struct sum_job {
  checksum_state *cs;
  const unsigned char *p;
  size_t n;
  pthread_t thread;
  int threaded;
} sum_job;

static void *sum_main(void *arg) {
  sum_job *j = arg;
  checksum_add(j->cs, j->p, j->n);
  return NULL;
}

static void sum_start(sum_job *j, const snap_file *f, checksum_state *cs) {
  j->cs = cs;
  j->p = (const unsigned char *)f->base + f->copy_end;
  j->n = f->size - f->copy_end;
  j->threaded = j->n >= SUM_THREAD_MIN &&
                pthread_create(&j->thread, NULL, sum_main, j) == 0;
}

static void sum_finish(sum_job *j) {
  if (j->threaded)
    pthread_join(j->thread, NULL);
  else
    sum_main(j);
}

/* The checksum (its last part added by sum_finish), then who wrote the
 * file. */
static int check_sum(snap_file *f, checksum_state *cs, const char *stamp) {
  const snap_header *h = f->h;
  char want[64];
  if (checksum_end(cs) != h->checksum)
    return corrupt(f, "%s", "checksum mismatch");
  default_stamp(want, sizeof want, stamp);
  if (memchr(h->stamp, 0, sizeof h->stamp) == NULL ||
      strcmp(h->stamp, want) != 0 || h->layout != layout_print()) {
    nt_error_set(f->err, NT_ERR_LEXICON, f->path, 0,
                 "lexicon snapshot made by another build (%.64s), this is "
                 "%s", h->stamp, want);
    return -1;
  }
  return 0;
}

/* The table: every array within the file, before the pool, aligned. */
static int check_table(snap_file *f) {
  const snap_header *h = f->h;
  size_t start = align_up(sizeof *h + NARRAYS * sizeof(snap_entry));
  f->start = f->copy_end = start;
  if (h->narrays != NARRAYS)
    return corrupt(f, "%s", "wrong number of arrays");
  if (h->pool_off < start || h->pool_off > f->size ||
      h->pool_size != f->size - h->pool_off ||
      (h->pool_size && f->base[f->size - 1] != 0))
    return corrupt(f, "%s", "bad string pool");
  f->table = (const snap_entry *)(const void *)(f->base + sizeof *h);
  for (size_t i = 0; i < NARRAYS; i++) {
    const snap_entry *e = &f->table[i];
    const snap_array *a = &ARRAYS[i];
    if (e->elem != a->elem || e->off % SNAP_ALIGN || e->off < start ||
        e->off > h->pool_off || e->count > (h->pool_off - e->off) / a->elem ||
        (a->fixed && e->count != a->fixed) ||
        (a->count32 && e->count > NONE))
      return corrupt(f, "bad table entry for %s", a->name);
    if (a->nstrs && !f->in_place && e->off + e->count * a->elem > f->copy_end)
      f->copy_end = (size_t)(e->off + e->count * a->elem);
  }
  return 0;
}

/* Where array i is: in the copy when it has strings, else in the mapping. */
static char *array_at(const snap_file *f, size_t i) {
  size_t off = (size_t)f->table[i].off;
  return ARRAYS[i].nstrs && !f->in_place ? (char *)f->copy + (off - f->start)
                                         : (char *)f->base + off;
}

/* Read the arrays with strings into memory of their own (not in place). */
static int copy_arrays(snap_file *f, nt_lexicon *lex) {
  if (f->in_place)
    return 0;
  size_t n = f->copy_end - f->start;
  void *m = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    nt_error_set(f->err, NT_ERR_NOMEM, f->path, 0, "%s", "out of memory");
    return -1;
  }
#ifdef MADV_HUGEPAGE
  madvise(m, n ? n : 1, MADV_HUGEPAGE);
#endif
  f->copy = m;
  lex->snapshot.copy = m;
  lex->snapshot.copy_size = n ? n : 1;
  for (size_t done = 0; done < n;) {
    ssize_t got = pread(f->fd, f->copy + done, n - done,
                        (off_t)(f->start + done));
    if (got <= 0) {
      nt_error_set(f->err, NT_ERR_IO, f->path, 0,
                   "cannot read the lexicon snapshot: %s",
                   got < 0 ? strerror(errno) : "file shrank");
      return -1;
    }
    done += (size_t)got;
  }
  return 0;
}

/* Point the lexicon's arrays into the mapping, with their lengths. */
static int place_arrays(snap_file *f, nt_lexicon *lex) {
  char *base = (char *)lex;
  for (size_t i = 0; i < NARRAYS; i++) {
    const snap_array *a = &ARRAYS[i];
    const snap_entry *e = &f->table[i];
    void *data = array_at(f, i);
    if (a->fixed) {
      memcpy(base + a->ptr, data, a->fixed * a->elem);
      continue;
    }
    size_t n = (size_t)e->count;
    for (size_t j = 0; j < i; j++) /* a length shared with an earlier array */
      if (ARRAYS[j].count == a->count && f->table[j].count != e->count)
        return corrupt(f, "%s and its companion arrays differ in length",
                       a->name);
    memcpy(base + a->ptr, &data, sizeof data);
    if (a->count32) {
      uint32_t n32 = (uint32_t)n;
      memcpy(base + a->count, &n32, sizeof n32);
    } else {
      memcpy(base + a->count, &n, sizeof n);
    }
    if (a->cap != NO_FIELD)
      memcpy(base + a->cap, &n, sizeof n);
  }
  return 0;
}

/* Every string within the pool (it ends in a NUL byte), and, not in place,
 * moved to where the pool is mapped. */
static int fix_strings(snap_file *f, const nt_lexicon *lex) {
  const char *pool = (const char *)f->base + f->h->pool_off;
  uint64_t size = f->h->pool_size, from = f->h->map_addr + f->h->pool_off;
  if (f->in_place && f->h->map_addr != (uint64_t)(uintptr_t)f->base)
    return corrupt(f, "%s", "changed while it was being mapped");
  for (size_t i = 0; i < NARRAYS; i++) {
    const snap_array *a = &ARRAYS[i];
    char *data = array_at(f, i);
    size_t n = arr_count(lex, a);
    uint64_t bad = 0;
    for (size_t j = 0; j < n && a->nstrs; j++)
      for (size_t k = 0; k < a->nstrs; k++) {
        char *field = data + j * a->elem + a->strs[k];
        uint64_t v;
        memcpy(&v, field, sizeof v);
        bad |= v != 0 && v - from >= size; /* no branch: vectorised */
        if (!f->in_place) {
          const char *s = v && v - from < size ? pool + (v - from) : NULL;
          memcpy(field, &s, sizeof s);
        }
      }
    if (bad)
      return corrupt(f, "string out of bounds in %s", a->name);
  }
  return 0;
}

/* ---- loading: checks of the contents -------------------------------------- */

static int check_strings(snap_file *f, char *const *s, size_t n,
                         const char *what) {
  for (size_t i = 0; i < n; i++)
    if (!s[i])
      return corrupt(f, "missing string in %s", what);
  return 0;
}

static int check_entities(snap_file *f, const nt_lexicon *lex) {
  for (size_t i = 0; i < lex->nentities; i++) {
    const nt_entity *e = &lex->entities[i];
    if (!e->id || !e->name || !e->attrs || (unsigned)e->type >= NT_ENTITY_TYPES ||
        e->file >= lex->nfiles)
      return corrupt(f, "%s", "bad entity");
  }
  return 0;
}

/* The target of a pattern is an index into the array its kind says. */
static int check_target(const nt_lexicon *lex, const nt_pattern *p) {
  switch (p->kind) {
  case NT_PK_ALIAS:
    return p->target < lex->nentities;
  case NT_PK_CUE:
    return p->target < lex->ntopics;
  case NT_PK_ANCHOR:
    return p->target < lex->ntopic_res;
  case NT_PK_ZONE_ANCHOR:
    return p->target < lex->nzone_rules;
  case NT_PK_STOP:
  case NT_PK_PREFIX:
  case NT_PK_SUFFIX:
    return 1;
  default:
    return 0;
  }
}

static int check_patterns(snap_file *f, const nt_lexicon *lex) {
  for (size_t i = 0; i < lex->npatterns; i++) {
    const nt_pattern *p = &lex->patterns[i];
    if (!p->text || !p->folded || /* flen is not read after loading */
        !check_target(lex, p) || p->file >= lex->nfiles ||
        !isfinite(p->weight) ||
        (p->next_same != NONE &&
         (p->next_same <= i || p->next_same >= lex->npatterns)))
      return corrupt(f, "%s", "bad pattern");
  }
  return 0;
}

static int check_topics(snap_file *f, const nt_lexicon *lex) {
  for (size_t i = 0; i < lex->ntopics; i++)
    if (!lex->topics[i].id || !lex->topics[i].label ||
        !(lex->topics[i].scale > 0) || !isfinite(lex->topics[i].scale))
      return corrupt(f, "%s", "bad topic");
  for (size_t i = 0; i < lex->nrules; i++) {
    const nt_topic_rule *r = &lex->rules[i];
    if (r->topic >= lex->ntopics || (unsigned)r->type >= NT_ENTITY_TYPES ||
        !r->key != !r->value || !isfinite(r->weight))
      return corrupt(f, "%s", "bad topic rule");
  }
  return 0;
}

/* The trie as nt_match_build lays it out: a tree numbered breadth first,
 * where node i's children are the nchild nodes after those of nodes 0..i-1,
 * all numbered above i.  So every node but the root has one parent, which
 * comes before it, root[] leads to node 0's children one to one, and a
 * walk or a visit of the tree ends within its size however the file was
 * made (children out of byte order would only give wrong matches).
 * Outputs are NONE or a pattern.  The loop over the nodes has no branches,
 * so that the compiler vectorises it (20 million nodes). */
static int check_trie(snap_file *f, const nt_lexicon *lex) {
  const nt_trie *tr = &lex->trie;
  size_t n = tr->nnodes;
  uint32_t npat = (uint32_t)lex->npatterns, bad = 0;
  if (n == 0 || n > NONE - 65536 || lex->npatterns >= NONE)
    return corrupt(f, "%s", "bad trie size");
  const nt_trie_node *nd = tr->node;
  for (size_t i = 0; i + 1 < n; i++) /* in 64 bits: no overflow */
    bad |= ((uint64_t)nd[i].child + nd[i].nchild != nd[i + 1].child) |
           (nd[i].child <= i) | ((uint32_t)(nd[i].out + 1) > npat); /* NONE + 1 == 0 */
  const nt_trie_node *last = &nd[n - 1];
  if (bad || nd[0].child != 1 || last->child != n || last->nchild != 0 ||
      (uint32_t)(last->out + 1) > npat)
    return corrupt(f, "%s", "bad trie node");
  /* root[] maps each byte to the child of node 0 it leads to, and back */
  uint32_t first = nd[0].child, nroot = nd[0].nchild;
  for (int c = 0; c < 256; c++) {
    uint32_t r = tr->root[c];
    if (r != NONE && (r - first >= nroot || tr->byte[r] != c))
      return corrupt(f, "%s", "bad trie root");
  }
  for (uint32_t k = 0; k < nroot; k++)
    if (tr->root[tr->byte[first + k]] != first + k)
      return corrupt(f, "%s", "bad trie root");
  return 0;
}

/* What the regex lines need (files, topics, the lines), before compiling. */
static int check_before_regexes(snap_file *f, const nt_lexicon *lex) {
  if (check_strings(f, lex->files, lex->nfiles, "files") < 0 ||
      check_topics(f, lex) < 0)
    return -1;
  for (size_t i = 0; i < lex->nfiles; i++)
    if (!lex->sources[i].path)
      return corrupt(f, "%s", "source file without a path");
  for (size_t i = 0; i < lex->ndirs; i++)
    if (!lex->dirs[i].path)
      return corrupt(f, "%s", "directory without a path");
  for (size_t i = 0; i < lex->nregex_lines; i++)
    if (!lex->regex_lines[i].text)
      return corrupt(f, "%s", "regex line without text");
  return 0;
}

/* ---- loading: is it stale? -------------------------------------------------- */

static int stale(snap_file *f, const char *fmt, const char *path,
                 const char *why) {
  char msg[8400]; /* nt_error_set truncates */
  snprintf(msg, sizeof msg, fmt, path, why);
  nt_error_set(f->err, NT_ERR_LEXICON, f->path, 0,
               "stale lexicon snapshot: %s", msg);
  return -1;
}

static int is_source(const nt_lexicon *lex, const char *path) {
  for (size_t i = 0; i < lex->nfiles; i++)
    if (strcmp(lex->sources[i].path, path) == 0)
      return 1;
  return 0;
}

/* A lexicon file in a directory that the snapshot does not know. */
static int check_dir(snap_file *f, const nt_lexicon *lex, const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return stale(f, "cannot read the lexicon directory %s: %s", dir,
                 strerror(errno));
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (de->d_name[0] == '.' || n < 4 || strcmp(de->d_name + n - 4, ".tsv"))
      continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (!is_source(lex, path))
      rc = stale(f, "%s is a new lexicon file%s", path, "");
  }
  closedir(d);
  return rc;
}

static int check_sources(snap_file *f, const nt_lexicon *lex) {
  for (size_t i = 0; i < lex->nfiles; i++) {
    const nt_source *s = &lex->sources[i];
    struct stat st;
    if (stat(s->path, &st) != 0)
      return stale(f, "cannot read %s: %s", s->path, strerror(errno));
    if ((int64_t)st.st_size != s->size || (int64_t)st.st_mtim.tv_sec != s->mtime_s ||
        (int64_t)st.st_mtim.tv_nsec != s->mtime_ns)
      return stale(f, "%s changed%s", s->path, " since it was compiled");
  }
  for (size_t i = 0; i < lex->ndirs; i++)
    if (check_dir(f, lex, lex->dirs[i].path) < 0)
      return -1;
  return 0;
}

/* ---- loading ------------------------------------------------------------------ */

/* The file mapped at this build's MAP_ADDR when its header asks for that
 * address (addr) and it is free (f->in_place), else MAP_FAILED: a file
 * cannot choose another place. */
static void *map_at(snap_file *f, uint64_t addr) {
#ifdef MAP_FIXED_NOREPLACE
  if (MAP_ADDR == 0 || addr != MAP_ADDR ||
      f->size >= ((uint64_t)1 << 47) - MAP_ADDR)
    return MAP_FAILED;
  void *want = (void *)(uintptr_t)MAP_ADDR;
  void *m = mmap(want, f->size, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE,
                 f->fd, 0);
  if (m != MAP_FAILED && m != want) { /* a kernel without NOREPLACE */
    munmap(m, f->size);
    m = MAP_FAILED;
  }
  f->in_place = m != MAP_FAILED;
  return m;
#else
  (void)f;
  (void)addr;
  return MAP_FAILED;
#endif
}

/* Map path read-only; f->fd stays open for copy_arrays. */
static int map_file(snap_file *f) {
  struct stat st;
  f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
  if (f->fd < 0 || fstat(f->fd, &st) != 0) {
    nt_error_set(f->err, NT_ERR_IO, f->path, 0,
                 "cannot read the lexicon snapshot: %s", strerror(errno));
    return -1;
  }
  f->size = (size_t)st.st_size;
  if (!S_ISREG(st.st_mode) || f->size < sizeof(snap_header)) {
    nt_error_set(f->err, NT_ERR_LEXICON, f->path, 0, "%s",
                 S_ISREG(st.st_mode) ? "not a newstag lexicon snapshot (too short)"
                                     : "not a regular file");
    return -1;
  }
  void *m = MAP_FAILED;
  snap_header h;
  if (pread(f->fd, &h, sizeof h, 0) == (ssize_t)sizeof h)
    m = map_at(f, h.map_addr);
  if (m == MAP_FAILED)
    m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
  if (m == MAP_FAILED) {
    nt_error_set(f->err, NT_ERR_IO, f->path, 0,
                 "cannot map the lexicon snapshot: %s", strerror(errno));
    return -1;
  }
  f->base = m;
  f->h = m;
  return 0;
}

/* Fault in the mapping after the copied arrays with one call rather than
 * one fault per page; only a speed-up. */
static void populate(snap_file *f) {
#ifdef MADV_POPULATE_READ
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t from = f->copy_end / page * page;
  madvise(f->base + from, f->size - from, MADV_POPULATE_READ);
#else
  (void)f;
#endif
}

/* Arrays and word lists: what needs neither the checksum nor a regex. */
static int check_arrays(snap_file *f, nt_lexicon *lex) {
  if (check_entities(f, lex) < 0 || check_trie(f, lex) < 0)
    return -1;
  for (int w = 0; w < 2; w++)
    if (check_strings(f, lex->wordlists[w].words, lex->wordlists[w].n,
                      "word lists") < 0)
      return -1;
  return 0;
}

/* Checksum (on a thread of its own, while the arrays are checked), arrays,
 * source files.  A wrong checksum or another build's file is reported
 * rather than what it broke in the arrays. */
static int check_file(snap_file *f, nt_lexicon *lex, checksum_state *cs,
                      const char *stamp, unsigned flags) {
  sum_job job;
  nt_error arrays_err;
  sum_start(&job, f, cs);
  nt_error *err = f->err;
  f->err = &arrays_err;
  memset(&arrays_err, 0, sizeof arrays_err);
  int arrays = check_arrays(f, lex);
  f->err = err;
  sum_finish(&job);
  if (check_sum(f, cs, stamp) < 0)
    return -1;
  if (arrays < 0) {
    *err = arrays_err;
    return -1;
  }
  return (flags & NT_SNAP_NO_SOURCE_CHECK) ? 0 : check_sources(f, lex);
}

static int load(snap_file *f, nt_lexicon *lex, const char *stamp,
                unsigned flags) {
  checksum_state cs;
  if (check_header(f) < 0 || check_table(f) < 0 || copy_arrays(f, lex) < 0)
    return -1;
  populate(f); /* before fix_strings reads the arrays in place */
  sum_front(f, &cs);
  if (place_arrays(f, lex) < 0 || fix_strings(f, lex) < 0 ||
      check_before_regexes(f, lex) < 0)
    return -1;
  if (f->copy)
    mprotect(f->copy, lex->snapshot.copy_size, PROT_READ); /* immutable */
  if (check_file(f, lex, &cs, stamp, flags) < 0)
    return -1;
  /* the relation rules only when they are first used (relate.c) */
  if (nt_lexicon_compile_regexes(lex, f->err) < 0) {
    if (!f->err->file[0]) /* else the lexicon line that did not compile */
      snprintf(f->err->file, sizeof f->err->file, "%s", f->path);
    return -1;
  }
  return check_patterns(f, lex); /* targets in the regex rules */
}

nt_status nt_snapshot_load(const char *path, const char *stamp, unsigned flags,
                           nt_lexicon **out, nt_error *err) {
  nt_error dummy;
  if (!err)
    err = &dummy;
  memset(err, 0, sizeof *err);
  *out = NULL;
  snap_file f;
  memset(&f, 0, sizeof f);
  f.path = path;
  f.err = err;
  nt_lexicon *lex = calloc(1, sizeof *lex);
  if (!lex) {
    nt_error_set(err, NT_ERR_NOMEM, path, 0, "%s", "out of memory");
    return NT_ERR_NOMEM;
  }
  int rc = map_file(&f);
  lex->snapshot.base = f.base;
  lex->snapshot.size = f.size;
  if (rc == 0)
    rc = load(&f, lex, stamp, flags);
  if (f.fd >= 0)
    close(f.fd);
  if (rc < 0) {
    if (f.base)
      nt_lexicon_free(lex);
    else
      free(lex);
    return err->status ? err->status : NT_ERR_LEXICON;
  }
  *out = lex;
  return NT_OK;
}

void nt_snapshot_unmap(nt_lexicon *lex) {
  if (lex->snapshot.base)
    munmap(lex->snapshot.base, lex->snapshot.size);
  if (lex->snapshot.copy)
    munmap(lex->snapshot.copy, lex->snapshot.copy_size);
  lex->snapshot.base = lex->snapshot.copy = NULL;
}

/* ---- the public API -------------------------------------------------------------- */

nt_status nt_lexicon_save_snapshot(const nt_lexicon *lex, const char *path,
                                   nt_error *err) {
  nt_error dummy;
  if (!err)
    err = &dummy;
  memset(err, 0, sizeof *err);
  if (!lex || !path) {
    nt_error_set(err, NT_ERR_ARG, NULL, 0, "%s", "no lexicon or no path");
    return NT_ERR_ARG;
  }
  return nt_snapshot_write(lex, path, NULL, err) < 0 ? err->status : NT_OK;
}

nt_status nt_lexicon_load_snapshot(const char *path, nt_lexicon **out,
                                   nt_error *err) {
  if (!path || !out) {
    if (out)
      *out = NULL;
    if (err)
      nt_error_set(err, NT_ERR_ARG, NULL, 0, "%s", "no path");
    return NT_ERR_ARG;
  }
  return nt_snapshot_load(path, NULL, 0, out, err);
}
