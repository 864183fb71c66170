/* test_input.c - stage 1: files, directories, JSON Lines, bad records. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "../src/input.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void write_file(const char *name, const char *data, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, n, f);
  fclose(f);
}

/* Read everything from one path; describe each item as "T" (text record of
 * n bytes: "T5"), "J:id" (JSON record), or "E<line>" (error). */
static const char *items(const char *path, nt_format fmt, size_t max) {
  static char out[1024];
  out[0] = '\0';
  const char *paths[] = {path};
  nt_input *in = nt_input_new(paths, 1, fmt, max);
  nt_input_item it;
  while (nt_input_next(in, &it)) {
    char one[128];
    if (it.error)
      snprintf(one, sizeof one, "E%ld%s ", it.rec.line, it.io_error ? "io" : "");
    else if (it.rec.line > 0)
      snprintf(one, sizeof one, "J:%s ", it.rec.id ? it.rec.id : "-");
    else
      snprintf(one, sizeof one, "T%zu ", it.rec.len);
    strncat(out, one, sizeof out - strlen(out) - 1);
  }
  nt_input_free(in);
  return out;
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/newstag-test-input-%ld", (long)getpid());
  mkdir(dir, 0700);
  char path[512];

  const char jl[] =
      "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"China\"}\r\n"
      "\n"
      "not json\n"
      "{\"id\":7,\"title\":\"x\"}\n"
      "{\"id\":\"c\",\"text\":42}\n"
      "[1,2]\n"
      "{\"text\":\"no id\",\"url\":\"u\"}\n"
      "{\"id\":\"last\",\"text\":\"no newline\"}";
  write_file("a.jsonl", jl, sizeof jl - 1);
  snprintf(path, sizeof path, "%s/a.jsonl", dir);
  CHECK_STR(items(path, NT_FORMAT_AUTO, 0), "J:a E3 E4 E5 E6 J:- J:last ");

  /* a line over the limit is an error record and the next line still comes */
  const char big[] = "{\"id\":\"1\",\"text\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n"
                     "{\"id\":\"2\",\"text\":\"b\"}\n";
  write_file("big.jsonl", big, sizeof big - 1);
  snprintf(path, sizeof path, "%s/big.jsonl", dir);
  CHECK_STR(items(path, NT_FORMAT_AUTO, 40), "E1 J:2 ");

  /* plain text is one record of all its bytes; content sniffing */
  write_file("t.txt", "Hello\nworld\n", 12);
  snprintf(path, sizeof path, "%s/t.txt", dir);
  CHECK_STR(items(path, NT_FORMAT_AUTO, 0), "T12 ");
  CHECK_STR(items(path, NT_FORMAT_JSONL, 0), "E1 E2 ");
  write_file("sniff.dat", "  {\"text\":\"x\"}\n", 16);
  snprintf(path, sizeof path, "%s/sniff.dat", dir);
  CHECK_STR(items(path, NT_FORMAT_AUTO, 0), "J:- ");
  CHECK_STR(items(path, NT_FORMAT_TEXT, 0), "T16 ");
  write_file("empty.txt", "", 0);
  snprintf(path, sizeof path, "%s/empty.txt", dir);
  CHECK_STR(items(path, NT_FORMAT_AUTO, 0), "T0 ");
  /* a text file over the limit */
  snprintf(path, sizeof path, "%s/t.txt", dir);
  CHECK_STR(items(path, NT_FORMAT_TEXT, 5), "E0 ");

  /* a missing file is an I/O error item */
  snprintf(path, sizeof path, "%s/missing.txt", dir);
  CHECK_STR(items(path, NT_FORMAT_AUTO, 0), "E0io ");

  /* directories: recursive, sorted, hidden entries skipped, no link loops */
  snprintf(path, sizeof path, "%s/sub", dir);
  mkdir(path, 0700);
  write_file("sub/b.txt", "bb", 2);
  write_file("sub/a.txt", "a", 1);
  write_file("sub/.hidden", "hhh", 3);
  snprintf(path, sizeof path, "%s/sub/inner", dir);
  mkdir(path, 0700);
  write_file("sub/inner/c.txt", "ccc", 3);
  char link[512];
  snprintf(link, sizeof link, "%s/sub/inner/loop", dir);
  snprintf(path, sizeof path, "%s/sub", dir);
  CHECK(symlink(path, link) == 0);
  CHECK_STR(items(path, NT_FORMAT_AUTO, 0), "T1 T2 T3 ");

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  return t_done();
}
