/* test_lexicon.c - the loader: counts, file:line errors, nothing loaded
 * half-way, user directories on top of the defaults, unalias. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_FIXED_NOREPLACE */
#include "harness.h"
#include "../src/internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void write_file(const char *name, const char *data) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  fputs(data, f);
  fclose(f);
}

static nt_status load_user(nt_lexicon **lex, nt_error *err) {
  const char *dirs[] = {NT_TEST_LEXICON_DIR, dir};
  return nt_lexicon_load(dirs, 2, lex, err);
}


/* The regex rules of a snapshot are compiled as from the text: same kind,
 * same gating and same options (a topic pattern with heads is anchored),
 * although the heads are not expanded again. */
static size_t check_same_rules(const nt_regex_rule *a, size_t na,
                               const nt_regex_rule *b, size_t nb) {
  CHECK(na == nb);
  size_t diff = 0, gated = 0;
  for (size_t i = 0; i < na && i < nb; i++) {
    uint32_t oa = 0, ob = 0;
    pcre2_pattern_info((const pcre2_code *)a[i].code, PCRE2_INFO_ALLOPTIONS, &oa);
    pcre2_pattern_info((const pcre2_code *)b[i].code, PCRE2_INFO_ALLOPTIONS, &ob);
    diff += a[i].kind != b[i].kind || a[i].gated != b[i].gated || oa != ob;
    /* the code to match with: once made, always the same */
    const void *code = nt_lexicon_rule_code(&b[i]);
    diff += !code || nt_lexicon_rule_code(&b[i]) != code;
    gated += a[i].gated != 0;
  }
  CHECK(diff == 0);
  return gated;
}

/* A snapshot is used in place when the address it was made for is free,
 * else its arrays with strings are copied and moved: the same lexicon. */
static void check_relocated(const char *path) {
  FILE *f = fopen(path, "rb");
  uint64_t addr = 0; /* snap_header.map_addr */
  CHECK(f && fseek(f, 128, SEEK_SET) == 0 && fread(&addr, 8, 1, f) == 1);
  if (f)
    fclose(f);
  nt_lexicon *in = NULL, *moved = NULL;
  nt_error err;
  CHECK(nt_lexicon_load_snapshot(path, &in, &err) == NT_OK);
  void *taken = MAP_FAILED; /* while in is mapped there, or by this page */
  if (in && sizeof(void *) == 8 && addr && !in->snapshot.copy)
    CHECK((uintptr_t)in->snapshot.base == addr);
  else if (addr)
    taken = mmap((void *)(uintptr_t)addr, 4096, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  CHECK(nt_lexicon_load_snapshot(path, &moved, &err) == NT_OK);
  CHECK(moved && moved->snapshot.copy != NULL);
  const char *text = "Russia delivered S-400 systems to India; the Chinese "
                     "arms deal.\n\nRead more: Iran sanctions";
  nt_annotator *a = in ? nt_annotator_new(in, NULL) : NULL;
  nt_annotator *b = moved ? nt_annotator_new(moved, NULL) : NULL;
  const nt_result *ra = t_annotate(a, text, strlen(text));
  char *ja = ra ? strdup(nt_result_json(ra, NULL)) : NULL;
  const nt_result *rb = t_annotate(b, text, strlen(text));
  CHECK(ja && rb && strcmp(ja, nt_result_json(rb, NULL)) == 0);
  CHECK(ja && strstr(ja, "\"RUS\""));
  free(ja);
  nt_annotator_free(a);
  nt_annotator_free(b);
  nt_lexicon_free(in);
  nt_lexicon_free(moved);
  if (taken != MAP_FAILED)
    munmap(taken, 4096);
}

/* A snapshot compiles its relation rules after the load; a record that
 * names a weapon waits for them.  When they do not compile (a snapshot
 * changed on disk with a valid checksum), such records fail with
 * NT_ERR_LEXICON and the others are annotated as usual. */
static void check_deferred_relations(const nt_lexicon *lex) {
  const char *path = "/tmp/nt_test_deferred.snap";
  nt_error err;
  CHECK(nt_lexicon_save_snapshot(lex, path, &err) == NT_OK);
  nt_lexicon *snap = NULL;
  CHECK(nt_lexicon_load_snapshot(path, &snap, &err) == NT_OK);
  if (snap) {
    /* the project's lexicons have gated zone rules and topic patterns */
    CHECK(check_same_rules(lex->zone_rules, lex->nzone_rules,
                           snap->zone_rules, snap->nzone_rules) > 0);
    CHECK(check_same_rules(lex->topic_res, lex->ntopic_res, snap->topic_res,
                           snap->ntopic_res) > 0);
    check_same_rules(lex->clean_rules, lex->nclean_rules, snap->clean_rules,
                     snap->nclean_rules);
  }
  check_relocated(path);
  const char *arms = "Russia delivered S-400 systems to India in 2021.";
  const char *plain = "Talks between France and Germany went on.";
  const nt_result *r;
  nt_annotator *a = snap ? nt_annotator_new(snap, NULL) : NULL;
  r = t_annotate(a, arms, strlen(arms));
  CHECK(r && strstr(nt_result_json(r, NULL), "\"relations\":[{") != NULL);
  nt_annotator_free(a);
  nt_lexicon_free(snap);

  /* the pattern of the relation macro C, broken with its length kept */
  FILE *f = fopen(path, "rb");
  static char buf[8 << 20];
  size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f)
    fclose(f);
  char *at = NULL;
  for (size_t i = 0; i + 10 <= n && !at; i++)
    if (memcmp(buf + i, "<[CG]:\\d+>", 10) == 0)
      at = buf + i;
  CHECK(at != NULL);
  if (!at)
    return;
  at[4] = '(';
  uint64_t sum = nt_snapshot_checksum(buf + 32, n - 32); /* see snap_header */
  memcpy(buf + 24, &sum, sizeof sum);
  f = fopen(path, "wb");
  CHECK(f && fwrite(buf, 1, n, f) == n);
  if (f)
    fclose(f);
  snap = NULL;
  CHECK(nt_lexicon_load_snapshot(path, &snap, &err) == NT_OK);
  a = snap ? nt_annotator_new(snap, NULL) : NULL;
  CHECK(t_annotate(a, plain, strlen(plain)) != NULL);
  nt_record rec; /* the status itself: NT_ERR_LEXICON */
  memset(&rec, 0, sizeof rec);
  rec.text = arms;
  rec.len = strlen(arms);
  CHECK(a && nt_annotate(a, &rec, &r) == NT_ERR_LEXICON);
  nt_annotator_free(a);
  nt_lexicon_free(snap);
  unlink(path);
}

int main(void) {
  nt_lexicon *lex;
  nt_error err;
  /* the project's lexicons load and are complete */
  const char *def[] = {NT_LEXICON_DIR};
  CHECK(nt_lexicon_load(def, 1, &lex, &err) == NT_OK);
  CHECK(nt_lexicon_entity_count(lex, NT_COUNTRY) >= 250);
  check_deferred_relations(lex);
  CHECK(nt_lexicon_alias_count(lex) > 1000);
  nt_lexicon_free(lex);

  snprintf(dir, sizeof dir, "/tmp/newstag-test-lex-%ld", (long)getpid());
  mkdir(dir, 0700);

  /* a bad line: file and line in the error, no lexicon */
  write_file("watch.tsv", "# my list\nentity\tgrp-x\tX Brigade\ttype=group\n"
                          "alias\tgrp-x\tX Brigade\tloud\n");
  lex = (nt_lexicon *)1;
  CHECK(load_user(&lex, &err) == NT_ERR_LEXICON);
  CHECK(lex == NULL);
  CHECK(err.line == 3);
  CHECK(strstr(err.file, "watch.tsv") != NULL);
  CHECK(strstr(err.message, "loud") != NULL);

  write_file("watch.tsv", "alias\tgrp-nope\tNope\t\n");
  CHECK(load_user(&lex, &err) == NT_ERR_LEXICON && err.line == 1);
  write_file("watch.tsv", "entity\tgrp-x\tX Brigade\n");
  CHECK(load_user(&lex, &err) == NT_ERR_LEXICON && strstr(err.message, "type="));
  write_file("watch.tsv", "entity\tgrp-x\n");
  CHECK(load_user(&lex, &err) == NT_ERR_LEXICON && err.line == 1);
  write_file("watch.tsv", "bogus\tline\n");
  CHECK(load_user(&lex, &err) == NT_ERR_LEXICON && strstr(err.message, "bogus"));
  write_file("watch.tsv", "unalias\tCHN\tNot An Alias\n");
  CHECK(load_user(&lex, &err) == NT_ERR_LEXICON);

  /* a user's watch-list adds entities and switches a default alias off */
  write_file("watch.tsv", "entity\tgrp-x\tX Brigade\ttype=group\n"
                          "alias\tgrp-x\tX Brigade\t\n"
                          "alias\tgrp-x\tXB\texact\n"
                          "unalias\tCHN\tChinese\n");
  CHECK(load_user(&lex, &err) == NT_OK);
  if (lex) {
    nt_annotator *a = nt_annotator_new(lex, NULL);
    CHECK_STR(t_ids(a, "The X Brigade and XB fighters in China."), "CHN,grp-x");
    CHECK_STR(t_ids(a, "Chinese officials."), "");
    /* every mention names its alias and lexicon file:line */
    const char *text = "Fighters of the X Brigade.";
    const nt_result *r = t_annotate(a, text, strlen(text));
    nt_mention_view m;
    CHECK(r && nt_result_mention(r, 0, 0, &m) == 0);
    CHECK_STR(m.alias, "X Brigade");
    CHECK(strstr(m.lexicon_file, "watch.tsv") && m.lexicon_line == 2);
    nt_annotator_free(a);
    nt_lexicon_free(lex);
  }
  /* a missing directory */
  const char *none[] = {"/nonexistent/newstag"};
  CHECK(nt_lexicon_load(none, 1, &lex, &err) == NT_ERR_IO);
  CHECK(strstr(nt_strerror(NT_ERR_LEXICON), "lexicon") != NULL);

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  return t_done();
}
