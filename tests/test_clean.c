/* test_clean.c - stage 2a: escape debris, Unicode normalisation,
 * punctuation folding, invalid UTF-8 and the map back to original bytes.
 * Uses the project's lexicons (their clean.tsv rules). */
#include "harness.h"
#include "../src/internal.h"

#include <cjson/cJSON.h>

static nt_lexicon *lex;
static nt_annotator *a;

static const nt_result *run(const char *text, size_t len) {
  const nt_result *r = t_annotate(a, text, len);
  CHECK(r != NULL);
  return r;
}

static const char *clean(const char *text) {
  return nt_result_clean_text(run(text, strlen(text)), NULL);
}

/* Every clean byte maps inside the original, monotonically. */
static int map_ok(const nt_result *r) {
  const nt_text *t = r->text;
  for (size_t i = 0; i < t->clean.len; i++) {
    if (nt_text_orig(t, i) > t->orig_len ||
        (i && nt_text_orig(t, i) < nt_text_orig(t, i - 1)))
      return 0;
  }
  return nt_text_orig(t, t->clean.len) == t->orig_len;
}

/* Printable ASCII and newlines are copied eight bytes at a time: a control,
 * DEL or non-ASCII character at any position of a word must still be seen. */
static void check_words(void) {
  static const char *odd[] = {"\x01", "\x7F", "\t", "\r", "\xC3\xA9",
                              "\xE2\x80\x9C", "\xFF"};
  static const char *want[] = {" ", " ", " ", "\n", "\xC3\xA9", "\"",
                               "\xEF\xBF\xBD"};
  for (size_t k = 0; k < sizeof odd / sizeof *odd; k++)
    for (size_t pos = 0; pos < 24; pos++) {
      char in[64], out[64];
      const char *line = "abc defgh\nijklmnopqrstuvwxyz";
      snprintf(in, sizeof in, "%.*s%s%s", (int)pos, line, odd[k], line + pos);
      int crlf = odd[k][0] == '\r' && line[pos] == '\n'; /* one newline */
      snprintf(out, sizeof out, "%.*s%s%s", (int)pos, line, crlf ? "" : want[k],
               line + pos);
      const nt_result *r = run(in, strlen(in));
      CHECK_STR(nt_result_clean_text(r, NULL), out);
      CHECK(map_ok(r));
    }
}

/* JSON output is escaped eight bytes at a time too: the clean text read back
 * from the JSON line must be the clean text, whatever stands where. */
static void check_json_words(void) {
  nt_options o;
  nt_options_init(&o);
  o.emit_clean_text = 1;
  nt_annotator *j = nt_annotator_new(lex, &o);
  static const char *odd[] = {"\"", "\\", "\xC3\xA9", "\n", "\"\\"};
  for (size_t k = 0; j && k < sizeof odd / sizeof *odd; k++)
    for (size_t pos = 0; pos < 24; pos++) {
      char in[64];
      const char *line = "abc defgh ijklmnopqrstuvwxyz";
      snprintf(in, sizeof in, "%.*s%s%s", (int)pos, line, odd[k], line + pos);
      const nt_result *r = t_annotate(j, in, strlen(in));
      CHECK(r != NULL);
      if (!r)
        continue;
      cJSON *js = cJSON_Parse(nt_result_json(r, NULL));
      const cJSON *ct = cJSON_GetObjectItem(js, "clean_text");
      CHECK(cJSON_IsString(ct));
      if (cJSON_IsString(ct))
        CHECK_STR(ct->valuestring, nt_result_clean_text(r, NULL));
      cJSON_Delete(js);
    }
  nt_annotator_free(j);
}

/* U+FDFA folds to 18 code points, more than a small buffer holds; with
 * more than 64 marks after it the cleaner leaves it to the matcher's fold
 * as it is.  Both must come out whole (ASan/UBSan: no read past). */
static void check_long_folding(void) {
  nt_buf out = {0};
  size_t *map = NULL, cap = 0;
  CHECK(nt_util_fold("\xEF\xB7\xBA", 3, &out, &map, &cap, 0) == 0);
  CHECK(out.len == 33 && map && map[0] == 0 && map[out.len] == 3);
  CHECK(out.data && memcmp(out.data, "\xD8\xB5\xD9\x84\xD9\x89 ", 7) == 0);
  free(map);
  nt_buf_free(&out);
  char text[256] = "Iraq \xEF\xB7\xBA";
  size_t n = strlen(text);
  for (int i = 0; i < 70; i++, n += 2)
    memcpy(text + n, "\xCC\x81", 2); /* U+0301 */
  memcpy(text + n, " France", 8);
  CHECK_STR(t_ids(a, text), "FRA,IRQ");
}

int main(void) {
  const char *dirs[] = {NT_LEXICON_DIR};
  lex = t_load(dirs, 1);
  a = nt_annotator_new(lex, NULL);
  check_long_folding();
  check_words();
  check_json_words();

  /* JSON-escape debris */
  CHECK_STR(clean("This time, \\\xE2\x80\x9DRussia confirmed\\\xE2\x80\x9D it"),
            "This time, \"Russia confirmed\" it");
  CHECK_STR(clean("for China\\\xE2\x80\x99s sake, isn\\'t it"),
            "for China's sake, isn't it");
  CHECK_STR(clean("a \\\"quoted\\\" word"), "a \"quoted\" word");
  CHECK_STR(clean("line one\\nline two"), "line one\nline two");
  /* punctuation folding */
  CHECK_STR(clean("\xE2\x80\x9CYes\xE2\x80\x9D \xE2\x80\x98no\xE2\x80\x99"),
            "\"Yes\" 'no'");
  CHECK_STR(clean("2014\xE2\x80\x93" "2018 \xE2\x80\x94 war"), "2014-2018 - war");
  CHECK_STR(clean("S\xE2\x80\x91" "400"), "S-400"); /* non-breaking hyphen */
  CHECK_STR(clean("a\xC2\xA0" "b\xE2\x80\x89" "c"), "a b c");
  CHECK_STR(clean("zero\xE2\x80\x8Bwidth soft\xC2\xADhyphen"), "zerowidth softhyphen");
  CHECK_STR(clean("crlf\r\nand\rcr"), "crlf\nand\ncr");
  CHECK_STR(clean("tab\tand\x01" "ctl"), "tab and ctl");
  /* Unicode normalisation: NFKC */
  CHECK_STR(clean("\xEF\xAC\x81re"), "fire");                 /* ligature */
  CHECK_STR(clean("Cafe\xCC\x81"), "Caf\xC3\xA9");             /* e + acute */
  CHECK_STR(clean("\xEF\xBC\xA1\xEF\xBC\xA2"), "AB");          /* full width */
  /* invalid UTF-8 becomes U+FFFD, counted, never a crash */
  const char bad[] = "ok \xFF\xFE x \xC3 y \xED\xA0\x80 z \xC0\xAF";
  const nt_result *r = run(bad, sizeof bad - 1);
  CHECK(nt_result_invalid_utf8(r) >= 5);
  CHECK(strstr(nt_result_clean_text(r, NULL), "\xEF\xBF\xBD") != NULL);
  CHECK(map_ok(r));
  /* NUL bytes inside the text */
  const char nul[] = "China\0Russia";
  r = run(nul, sizeof nul - 1);
  CHECK_STR(nt_result_clean_text(r, NULL), "China Russia");
  CHECK(nt_result_entity_count(r) == 2);
  /* the map after every kind of change */
  const char *mixed = "\\\xE2\x80\x9D" "T\xC3\xABst\\\xE2\x80\x99s \xEF\xAC\x81 \xE2\x80\x94 Russia\r\n";
  r = run(mixed, strlen(mixed));
  CHECK(map_ok(r));
  nt_mention_view m;
  size_t n = nt_result_entity_count(r);
  CHECK(n == 1);
  if (n == 1 && nt_result_mention(r, 0, 0, &m) == 0)
    CHECK(m.end - m.start == 6 && memcmp(mixed + m.start, "Russia", 6) == 0);
  /* empty input */
  r = run("", 0);
  CHECK_STR(nt_result_clean_text(r, NULL), "");
  CHECK(nt_result_entity_count(r) == 0);

  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
