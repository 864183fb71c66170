/* test_seed.c - the golden test of the article the project started from
 * (corpora/s400-delivery.txt) with the project's lexicons. */
#include "harness.h"

#include <cjson/cJSON.h>

static char *orig;
static size_t orig_len;

/* Every {start,end,text} in the array points at exactly its text. */
static int spans_ok(const cJSON *arr, const char *key) {
  const cJSON *o;
  int ok = 1;
  cJSON_ArrayForEach(o, arr) {
    const cJSON *inner = key ? cJSON_GetObjectItem(o, key) : NULL;
    if (inner) {
      ok &= spans_ok(inner, NULL);
      continue;
    }
    const cJSON *s = cJSON_GetObjectItem(o, "start");
    const cJSON *e = cJSON_GetObjectItem(o, "end");
    const cJSON *t = cJSON_GetObjectItem(o, "text");
    if (!s || !e || !t)
      continue;
    size_t st = (size_t)s->valuedouble, en = (size_t)e->valuedouble;
    int good = en <= orig_len && st < en && en - st == strlen(t->valuestring) &&
               memcmp(orig + st, t->valuestring, en - st) == 0;
    if (!good)
      fprintf(stderr, "bad span %zu..%zu for \"%s\"\n", st, en, t->valuestring);
    ok &= good;
  }
  return ok;
}

int main(void) {
  const char *dirs[] = {NT_LEXICON_DIR};
  nt_lexicon *lex = t_load(dirs, 1);
  nt_annotator *a = nt_annotator_new(lex, NULL);
  orig = t_read_file(NT_CORPORA_DIR "/s400-delivery.txt", &orig_len);
  CHECK(orig != NULL);
  if (!orig)
    return t_done();
  const nt_result *r = t_annotate(a, orig, orig_len);
  CHECK(r != NULL);
  if (!r)
    return t_done();

  /* countries: exactly these four; no group or teaser country */
  char countries[256] = "";
  int s400 = -1, groups = 0;
  for (size_t i = 0; i < nt_result_entity_count(r); i++) {
    nt_entity_view e;
    nt_result_entity(r, i, &e);
    if (e.type == NT_COUNTRY) {
      strcat(countries, e.id);
      strcat(countries, " ");
    }
    if (e.type == NT_WEAPON && strncmp(e.name, "S-400", 5) == 0)
      s400 = (int)i;
    groups += e.type == NT_GROUP;
  }
  CHECK_STR(countries, "USA RUS CHN IND "); /* in order of first mention */
  CHECK(groups == 0);
  /* S-400 with its plural and its full name among the mentions */
  CHECK(s400 >= 0);
  int plural = 0, triumph = 0;
  for (size_t k = 0; s400 >= 0 && k < nt_result_mention_count(r, (size_t)s400); k++) {
    nt_mention_view m;
    nt_result_mention(r, (size_t)s400, k, &m);
    plural |= m.end - m.start == 6 && memcmp(orig + m.start, "S-400s", 6) == 0;
    triumph |= m.end - m.start == 13 && memcmp(orig + m.start, "S-400 Triumph", 13) == 0;
  }
  CHECK(plural);
  CHECK(triumph);
  /* salience: China, Russia and the S-400 above India and the US */
  double sal[8] = {0};
  for (size_t i = 0; i < nt_result_entity_count(r); i++) {
    nt_entity_view e;
    nt_result_entity(r, i, &e);
    int k = strcmp(e.id, "CHN") == 0 ? 0 : strcmp(e.id, "RUS") == 0 ? 1
          : (int)i == s400 ? 2 : strcmp(e.id, "IND") == 0 ? 3
          : strcmp(e.id, "USA") == 0 ? 4 : 5;
    sal[k] = e.salience;
  }
  CHECK(sal[0] > sal[3] && sal[0] > sal[4]);
  CHECK(sal[1] > sal[3] && sal[1] > sal[4]);
  CHECK(sal[2] > sal[3] && sal[2] > sal[4]);
  /* no escape debris left in the cleaned text */
  const char *clean = nt_result_clean_text(r, NULL);
  CHECK(strstr(clean, "\\\xE2\x80\x9D") == NULL);
  CHECK(strstr(clean, "\\\xE2\x80\x99") == NULL);
  CHECK(strchr(clean, '\\') == NULL);
  /* the two highest topics */
  nt_topic_view t0, t1;
  CHECK(nt_result_topic_count(r) >= 2);
  if (nt_result_topic_count(r) >= 2) {
    nt_result_topic(r, 0, &t0);
    nt_result_topic(r, 1, &t1);
    int top_two = (strcmp(t0.id, "arms-trade") == 0 &&
                   strcmp(t1.id, "air-missile-defence") == 0) ||
                  (strcmp(t1.id, "arms-trade") == 0 &&
                   strcmp(t0.id, "air-missile-defence") == 0);
    CHECK(top_two);
  }
  /* every span of the JSON output points at its text in the original */
  cJSON *js = cJSON_Parse(nt_result_json(r, NULL));
  CHECK(js != NULL);
  const cJSON *ents = cJSON_GetObjectItem(js, "entities");
  CHECK(cJSON_GetArraySize(ents) >= 5);
  CHECK(spans_ok(ents, "mentions"));
  CHECK(spans_ok(cJSON_GetObjectItem(js, "boilerplate"), NULL));
  CHECK(spans_ok(cJSON_GetObjectItem(js, "topics"), "evidence"));
  /* the teasers' entities are reported as boilerplate, not lost */
  const cJSON *b;
  int afg = 0, qaeda = 0;
  cJSON_ArrayForEach(b, cJSON_GetObjectItem(js, "boilerplate")) {
    const char *id = cJSON_GetObjectItem(b, "id")->valuestring;
    afg |= strcmp(id, "AFG") == 0;
    qaeda |= strstr(cJSON_GetObjectItem(b, "name")->valuestring, "Qa") != NULL;
  }
  CHECK(afg);
  CHECK(qaeda);
  cJSON_Delete(js);

  free(orig);
  nt_annotator_free(a);
  nt_lexicon_free(lex);
  return t_done();
}
