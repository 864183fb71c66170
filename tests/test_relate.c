/* test_relate.c - stage 4b: arms-transfer relations.  Every line of
 * tests/data/relations.tsv ("sentence<TAB>expected") is annotated with the
 * project's lexicons and its relations must be exactly the expected set:
 * "-" for none, else SUPPLIER>RECIPIENT:SYSTEM:status[:quantity] joined by
 * " | " ("?" for an unstated party).  Then the seed article, the JSON shape
 * and the rule-file errors.  NT_RELATE_SET=FILE checks another test set. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "../src/internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <unistd.h>

#define NT_TEST_SET NT_TEST_LEXICON_DIR "/../relations.tsv"

static const char *party_id(const nt_result *r, uint32_t e) {
  return e == UINT32_MAX ? "?" : r->lex->entities[e].id;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The relations of r as a sorted " | "-joined set, "-" when there is none. */
static void describe(const nt_result *r, char *out, size_t cap) {
  char items[32][160];
  const char *sorted[32];
  size_t n = 0;
  for (size_t i = 0; i < r->relations->n && n < 32; i++, n++) {
    const nt_relation *rl = &r->relations->items[i];
    int k = snprintf(items[n], sizeof items[n], "%s>%s:%s:%s",
                     party_id(r, rl->supplier), party_id(r, rl->recipient),
                     party_id(r, rl->system), nt_relate_status_name(rl->status));
    if (rl->quantity && k > 0 && (size_t)k < sizeof items[n])
      snprintf(items[n] + k, sizeof items[n] - (size_t)k, ":%zu", rl->quantity);
    sorted[n] = items[n];
  }
  qsort(sorted, n, sizeof *sorted, cmp_str);
  snprintf(out, cap, "%s", n ? "" : "-");
  for (size_t i = 0; i < n; i++) {
    if (i)
      strncat(out, " | ", cap - strlen(out) - 1);
    strncat(out, sorted[i], cap - strlen(out) - 1);
  }
}

/* The expected column, with its items sorted the same way. */
static void normalise(char *want, char *out, size_t cap) {
  const char *items[32];
  size_t n = 0;
  for (char *p = want; p && n < 32;) {
    char *sep = strstr(p, " | ");
    if (sep)
      *sep = '\0';
    items[n++] = p;
    p = sep ? sep + 3 : NULL;
  }
  qsort(items, n, sizeof *items, cmp_str);
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (i)
      strncat(out, " | ", cap - strlen(out) - 1);
    strncat(out, items[i], cap - strlen(out) - 1);
  }
}

/* Check every line of the test set; returns the number of lines. */
static int check_set(nt_annotator *a, const char *path, int *passed) {
  FILE *f = fopen(path, "r");
  char line[4096], got[4096], want[4096];
  int lines = 0;
  CHECK(f != NULL);
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *tab = strchr(line, '\t');
    if (!line[0] || line[0] == '#' || !tab)
      continue;
    *tab = '\0';
    lines++;
    normalise(tab + 1, want, sizeof want);
    const nt_result *r = t_annotate(a, line, strlen(line));
    if (r)
      describe(r, got, sizeof got);
    if (r && strcmp(got, want) == 0) {
      t_pass++;
      (*passed)++;
    } else {
      t_fail++;
      fprintf(stderr, "%s: \"%s\"\n  got  %s\n  want %s\n", path, line,
              r ? got : "(error)", want);
    }
  }
  if (f)
    fclose(f);
  return lines;
}

static int has_relation(const nt_result *r, const char *sup, const char *rec,
                        const char *sys, const char *status) {
  for (size_t i = 0; i < r->relations->n; i++) {
    const nt_relation *rl = &r->relations->items[i];
    if (strcmp(party_id(r, rl->supplier), sup) == 0 &&
        strcmp(party_id(r, rl->recipient), rec) == 0 &&
        strcmp(party_id(r, rl->system), sys) == 0 &&
        strcmp(nt_relate_status_name(rl->status), status) == 0)
      return 1;
  }
  return 0;
}

/* The seed article: delivered RUS -> CHN, and the halted report. */
static void check_seed(nt_annotator *a) {
  size_t len;
  char *text = t_read_file(NT_CORPORA_DIR "/s400-delivery.txt", &len);
  CHECK(text != NULL);
  const nt_result *r = text ? t_annotate(a, text, len) : NULL;
  CHECK(r != NULL);
  if (r) {
    CHECK(has_relation(r, "RUS", "CHN", "wpn-s-400", "delivered"));
    CHECK(has_relation(r, "RUS", "CHN", "wpn-s-400", "halted"));
    CHECK(has_relation(r, "RUS", "CHN", "wpn-s-400", "contracted"));
    /* nothing from the teasers of other articles */
    for (size_t i = 0; i < r->relations->n; i++)
      CHECK(r->relations->items[i].end < (size_t)(strstr(text, "News Desk") - text));
    /* the JSON: evidence spans point at the original bytes */
    size_t jl;
    cJSON *j = cJSON_Parse(nt_result_json(r, &jl));
    cJSON *rels = cJSON_GetObjectItem(j, "relations");
    CHECK(cJSON_GetArraySize(rels) == (int)r->relations->n);
    const cJSON *o;
    cJSON_ArrayForEach(o, rels) {
      const cJSON *ev = cJSON_GetObjectItem(o, "evidence");
      size_t s = (size_t)cJSON_GetObjectItem(ev, "start")->valuedouble;
      size_t e = (size_t)cJSON_GetObjectItem(ev, "end")->valuedouble;
      const char *t = cJSON_GetObjectItem(ev, "text")->valuestring;
      CHECK(e <= len && s < e && strlen(t) == e - s && memcmp(text + s, t, e - s) == 0);
      CHECK_STR(cJSON_GetObjectItem(o, "type")->valuestring, "arms-transfer");
    }
    cJSON_Delete(j);
  }
  free(text);
}

/* JSON: unstated parties are omitted, quantities are integers. */
static void check_json(nt_annotator *a) {
  const char *s = "The State Department approved the sale of 12 F-16s to Jordan.";
  const nt_result *r = t_annotate(a, s, strlen(s));
  CHECK(r != NULL);
  if (!r)
    return;
  cJSON *j = cJSON_Parse(nt_result_json(r, NULL));
  const cJSON *o = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "relations"), 0);
  CHECK(o != NULL);
  if (o) {
    CHECK(cJSON_GetObjectItem(o, "supplier") == NULL);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "recipient"), "id")->valuestring, "JOR");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "system"), "id")->valuestring, "wpn-f-16");
    CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "planned");
    CHECK(cJSON_GetObjectItem(o, "quantity")->valueint == 12);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "evidence"), "text")->valuestring, s);
  }
  cJSON_Delete(j);
}

/* A malformed relations.tsv line fails the load with file:line. */
static void check_errors(void) {
  static const char *bad[] = {
      "rule\tdelivered\t(?<sup><C:\\d+>) sold (?<sys><W:\\d+>\n", /* regex */
      "rule\tsold\t(?<sys><W:\\d+>)\n",                           /* status */
      "rule\tdelivered\t(?<who><C:\\d+>) (?<sys><W:\\d+>)\n",     /* group */
      "rule\tdelivered\t<C:\\d+> sold\n",                         /* no sys */
      "rule\tdelivered\t{NOPE} (?<sys><W:\\d+>)\n",               /* macro */
      "define\tlower\tx\n",                                       /* name */
      "relation\tx\n"};                                           /* kind */
  char dir[] = "/tmp/nt_relate_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0);
    return;
  }
  char path[256];
  snprintf(path, sizeof path, "%s/relations.tsv", dir);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FILE *f = fopen(path, "w");
    fprintf(f, "# header\ndefine\tW\t<W:\\d+>\n%s", bad[i]);
    fclose(f);
    const char *dirs[] = {dir};
    nt_lexicon *lex = NULL;
    nt_error err;
    CHECK(nt_lexicon_load(dirs, 1, &lex, &err) == NT_ERR_LEXICON);
    CHECK(err.line == 3 && strstr(err.file, "relations.tsv") != NULL);
    nt_lexicon_free(lex);
  }
  FILE *f = fopen(path, "w"); /* a good file loads */
  fprintf(f, "define\tW\t<W:\\d+>\nrule\tdelivered\t(?<sup><C:\\d+>) sent (?<sys>{W})\n");
  fclose(f);
  const char *dirs[] = {dir};
  nt_lexicon *lex = NULL;
  nt_error err;
  CHECK(nt_lexicon_load(dirs, 1, &lex, &err) == NT_OK);
  nt_lexicon_free(lex);
  remove(path);
  rmdir(dir);
}

int main(void) {
  const char *dirs[] = {NT_LEXICON_DIR};
  nt_lexicon *lex = t_load(dirs, 1);
  nt_annotator *a = nt_annotator_new(lex, NULL);
  int passed = 0;
  const char *set = getenv("NT_RELATE_SET"); /* another test set */
  int lines = check_set(a, set ? set : NT_TEST_SET, &passed);
  printf("relations.tsv: %d of %d sentences\n", passed, lines);
  CHECK(set || lines >= 70);
  check_seed(a);
  check_json(a);
  check_errors();
  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
