/* test_lexicon.c - the loader: counts, file:line errors, nothing loaded
 * half-way, user directories on top of the defaults, unalias. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

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

int main(void) {
  nt_lexicon *lex;
  nt_error err;
  /* the project's lexicons load and are complete */
  const char *def[] = {NT_LEXICON_DIR};
  CHECK(nt_lexicon_load(def, 1, &lex, &err) == NT_OK);
  CHECK(nt_lexicon_entity_count(lex, NT_COUNTRY) >= 250);
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
    nt_record rec;
    memset(&rec, 0, sizeof rec);
    rec.text = "Fighters of the X Brigade.";
    rec.len = strlen(rec.text);
    const nt_result *r;
    nt_mention_view m;
    CHECK(nt_annotate(a, &rec, &r) == NT_OK && nt_result_mention(r, 0, 0, &m) == 0);
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
