/* test_score.c - stage 4: topic scores on short articles written for the
 * test, with the project's lexicons (lexicons/topics.tsv): real subjects
 * reach the default threshold, passing words and sport, film and business
 * vocabulary do not; position, length, repetition, entities and boilerplate;
 * evidence spans; and the `pattern` line kind of topics.tsv. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "../src/internal.h"

#include <cjson/cJSON.h>
#include <unistd.h>

static nt_annotator *dflt; /* default options: threshold 0.3 */
static nt_annotator *all;  /* min_score 0: every topic with evidence */

static const nt_result *run(nt_annotator *an, const char *text) {
  return t_annotate(an, text, strlen(text));
}

/* The score of topic id (0 when it has no evidence). */
static double score_of(const char *text, const char *id) {
  const nt_result *r = run(all, text);
  nt_topic_view v;
  for (size_t i = 0; r && i < nt_result_topic_count(r); i++)
    if (nt_result_topic(r, i, &v) == 0 && strcmp(v.id, id) == 0)
      return v.score;
  return 0;
}

/* Topics at the default threshold, joined by commas ("" for none). */
static const char *topics_of(const char *text) {
  static char out[512];
  out[0] = '\0';
  const nt_result *r = run(dflt, text);
  nt_topic_view v;
  for (size_t i = 0; r && i < nt_result_topic_count(r); i++) {
    if (nt_result_topic(r, i, &v) != 0)
      continue;
    if (out[0])
      strncat(out, ",", sizeof out - strlen(out) - 1);
    strncat(out, v.id, sizeof out - strlen(out) - 1);
  }
  return out;
}

static const char *top_topic(const char *text) {
  static char id[64];
  const nt_result *r = run(dflt, text);
  nt_topic_view v;
  id[0] = '\0';
  if (r && nt_result_topic_count(r) > 0 && nt_result_topic(r, 0, &v) == 0)
    snprintf(id, sizeof id, "%s", v.id);
  return id;
}

/* Text that adds words but no cue of any topic (each paragraph different,
 * so that none looks like a repeated teaser). */
static char *padded(const char *head, int paragraphs, const char *tail) {
  static const char *const rows[] = {"farms", "schools", "roads", "clinics",
                                     "parks", "ports", "mills", "shops"};
  size_t n = strlen(head) + strlen(tail) + (size_t)paragraphs * 256 + 1;
  char *s = malloc(n);
  if (!s)
    exit(2);
  strcpy(s, head);
  for (int i = 0; i < paragraphs; i++) {
    char para[256];
    snprintf(para, sizeof para,
             "Table %d of the report counts the %s in district %d, with notes "
             "on how %d figures were gathered and checked by staff over the "
             "course of the year.\n\n",
             i + 1, rows[i % 8], i * 7 + 3, i * 13 + 40);
    strcat(s, para);
  }
  strcat(s, tail);
  return s;
}

/* ---- real subjects -------------------------------------------------------- */

static const char arms_sale[] =
    "Poland signs $10bn arms deal for US Patriot missiles\n\n"
    "Poland has signed a contract to buy eight Patriot air defence batteries "
    "from the United States, the largest arms purchase in its history. "
    "Deliveries of the first systems are due in 2027, the defence ministry "
    "said.\n\n"
    "The foreign military sale was approved by the State Department last "
    "year. Warsaw is also in talks to acquire more HIMARS rocket launchers "
    "and has ordered Abrams battle tanks as it expands its army.\n";

static const char election[] =
    "Opposition wins snap election as turnout surges\n\n"
    "The opposition party won a clear majority in Sunday's snap election, "
    "ending a decade of rule by the governing coalition. Voters queued for "
    "hours outside polling stations in the capital.\n\n"
    "The prime minister conceded defeat in a televised address and said her "
    "party would now lead the opposition in parliament. Election observers "
    "said the ballot had been largely free and fair.\n";

static const char ceasefire_talks[] =
    "Ceasefire holds as envoys meet for peace talks\n\n"
    "A fragile ceasefire held for a third day on Tuesday as envoys from both "
    "sides met in Doha for peace talks brokered by the foreign ministers of "
    "Qatar and Egypt. Troops remained in their positions along the front "
    "line, and there were no reports of shelling overnight.\n";

/* ---- passing words -------------------------------------------------------- */

static const char football[] =
    "United attack sinks City in derby war of words\n\n"
    "United's attack was too much for City on Saturday as a late shot from "
    "the captain settled a bruising derby. The manager had fired the first "
    "salvo in a week-long war of words, and his side won the battle in "
    "midfield from the first whistle.\n\n"
    "The opposition defence could not cope with the pace on the break. 'We "
    "were fighting for our lives in the second half,' said the coach, whose "
    "side are now on a campaign to reach Europe. Signing the striker in "
    "January was a major coup for the club, and fans voted him player of the "
    "month. The visitors' goalkeeper was shot down in flames by the home "
    "crowd after his error, and their title campaign is now in trouble.\n";

static const char film_review[] =
    "Review: a war epic that wins the battle but loses the war\n\n"
    "The director's new war film is a sprawling epic of soldiers, love and "
    "loyalty. The battle scenes are spectacular, and the lead gives the "
    "performance of his career as a young officer in the trenches.\n\n"
    "Studios are already campaigning for Oscar voters, and the film has "
    "been tipped as a front-runner for best picture. The star, a goodwill "
    "ambassador for the UN, said the shoot had been a battle of its own. "
    " The soundtrack is explosive and the final act is a blast.\n";

static const char business[] =
    "Supermarket profits fall as price war bites\n\n"
    "Shares in the supermarket chain fell 8% after it warned that a price "
    "war with discount rivals would hit profits. The firm will deliver "
    "savings of 500m and is in talks to buy a smaller rival, with the "
    "purchase expected to close in the spring.\n\n"
    "The chief executive said the group would fight for every customer and "
    "launched an advertising campaign. Analysts said the takeover battle "
    "for the rival could trigger a bidding war. The board will put the deal "
    "to a shareholder vote, and the company president said the government "
    "should cut business rates.\n";


/* ---- gated topic patterns --------------------------------------------------
 * A pattern that is not finite runs only where the trie found one of its
 * heads.  The same patterns behind "(?=\\w)" have no heads and run over every
 * line: the evidence of both must be the same. */
static const char *gate_patterns[] = {
    "(?:sold|sell(?:s|ing)?) (?:\\w+ ){0,2}?(?:arms|weapons)",
    "cyber\\w*",
    "(?:us |u\\.s\\. )?secretary of state(?! for)",
    "(?:(?:strait|straits) of (?-i:[A-Z])\\w+|taiwan straits?)",
    "wars? (?:in|on) (?-i:[A-Z])\\w*"};

static const char gate_text[] =
    "Sold Arms To Rebels\n\n"
    "Russia sold arms to India and sells many more weapons; selling arms.\n"
    "The US secretary of state met the Secretary of State for Defence and "
    "the U.S. Secretary of State.\n"
    "Cyberattacks, cyber-security and CYBERCRIME; hypercyber is not one.\n"
    "Ships crossed the Strait of Hormuz, the Taiwan Strait and the straits "
    "of malacca.\nWar in Ukraine, wars on Terror, a war in the west.\n"
    "Share this article\nsold arms again, sold old arms\n";

/* The evidence of topic "t" as "start-end;" pairs, into out. */
static void gate_evidence(int ungated, char *out, size_t cap) {
  char dir[] = "/tmp/nt_test_gate_XXXXXX", path[256];
  out[0] = '\0';
  if (!mkdtemp(dir))
    return;
  snprintf(path, sizeof path, "%s/topics.tsv", dir);
  FILE *f = fopen(path, "w");
  if (!f)
    return;
  fputs("topic\tt\tTest\n", f);
  for (size_t i = 0; i < sizeof gate_patterns / sizeof *gate_patterns; i++)
    fprintf(f, "pattern\tt\t%s%s\t1\tp%zu\n", ungated ? "(?=\\w)" : "",
            gate_patterns[i], i);
  fclose(f);
  const char *dirs[] = {NT_LEXICON_DIR, dir};
  nt_lexicon *lex = t_load(dirs, 2);
  nt_options o;
  nt_options_init(&o);
  o.min_score = 0;
  nt_annotator *an = nt_annotator_new(lex, &o);
  const nt_result *r = run(an, gate_text);
  size_t k = 0;
  for (size_t i = 0; r && i < r->scores->nhits && k + 40 < cap; i++) {
    const nt_topic_hit *h = &r->scores->hits[i];
    if (strcmp(lex->topics[h->topic].id, "t") == 0)
      k += (size_t)snprintf(out + k, cap - k, "%zu-%zu:%s;", h->start, h->end,
                            lex->patterns[h->pattern].text);
  }
  nt_annotator_free(an);
  nt_lexicon_free(lex);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const char *dirs[] = {NT_LEXICON_DIR};
  nt_lexicon *lex = t_load(dirs, 1);
  nt_options opts;
  nt_options_init(&opts);
  dflt = nt_annotator_new(lex, &opts);
  opts.min_score = 0;
  all = nt_annotator_new(lex, &opts);

  /* an arms sale is arms-trade, strongly; and air defence comes with it */
  CHECK(score_of(arms_sale, "arms-trade") > 0.5);
  CHECK_STR(top_topic(arms_sale), "arms-trade");
  CHECK(strstr(topics_of(arms_sale), "air-missile-defence") != NULL);
  /* an election report is domestic politics, and nothing else */
  CHECK_STR(topics_of(election), "domestic-politics");
  CHECK(score_of(election, "domestic-politics") > 0.5);
  /* a ceasefire with peace talks: armed conflict and diplomacy */
  CHECK(score_of(ceasefire_talks, "armed-conflict") >= 0.3);
  CHECK(score_of(ceasefire_talks, "diplomacy") >= 0.3);

  /* sport, film and business vocabulary is no evidence of a topic */
  CHECK_STR(topics_of(football), "");
  CHECK_STR(topics_of(film_review), "");
  CHECK_STR(topics_of(business), "");
  CHECK(score_of(football, "armed-conflict") < 0.15);
  CHECK(score_of(football, "air-missile-defence") < 0.15);
  CHECK(score_of(business, "arms-trade") == 0);

  /* a weak cue alone, however often, gives nothing; a core cue alone,
   * repeated, stays below the threshold */
  {
    char *s = padded("War looms\n\n", 3,
                     "The war, the war, the war: war was all anyone spoke of. "
                     "War again, and war.\n");
    CHECK(score_of(s, "armed-conflict") == 0);
    free(s);
    s = padded("Market report\n\n", 2,
               "Troops were mentioned. Troops again. Troops, troops and "
               "troops.\n");
    CHECK(score_of(s, "armed-conflict") > 0);
    CHECK(score_of(s, "armed-conflict") < 0.3);
    free(s);
  }

  /* a strong cue in the headline outweighs the same cue late in the body */
  {
    char *head = padded("Ceasefire agreed in the north\n\nOfficials met in "
                        "the border villages on Monday.\n\n",
                        8, "Officials gave no further details.\n");
    char *late = padded("Officials report on the north\n\nOfficials met in "
                        "the border villages on Monday.\n\n",
                        8, "A ceasefire was agreed, officials said.\n");
    double h = score_of(head, "armed-conflict"), l = score_of(late, "armed-conflict");
    CHECK(h > l);
    CHECK(h >= 0.3);
    CHECK(l < 0.3);
    free(head);
    free(late);
  }

  /* length: the same cues late in a longer article count for less */
  {
    const char *cues = "Later, the envoy held talks with the foreign minister "
                       "and an ambassador on a new treaty.\n";
    char *shortish = padded("Annual report\n\n", 2, cues);
    char *longer = padded("Annual report\n\n", 20, cues);
    double a1 = score_of(shortish, "diplomacy"), a2 = score_of(longer, "diplomacy");
    CHECK(a1 > 0);
    CHECK(a2 < a1);
    free(shortish);
    free(longer);
  }

  /* an entity counts once, however often it is named */
  {
    const char *once = "Army shows new system\n\nThe army displayed its S-400 "
                       "air defence system and its radar at a parade.\n";
    const char *often = "Army shows new system\n\nThe army displayed its S-400 "
                        "air defence system and its radar at a parade. The "
                        "S-400 was followed by two more S-400 launchers, and "
                        "an S-400 command post.\n";
    double s1 = score_of(once, "air-missile-defence");
    double s2 = score_of(often, "air-missile-defence");
    CHECK(s1 > 0);
    CHECK(s2 < s1 + 0.005 && s2 > s1 - 0.005);
  }

  /* boilerplate counts for nothing: a teaser list full of cues */
  {
    const char *plain = "Council approves new library\n\nThe council approved "
                        "plans for a new library on Tuesday.\n";
    char withteaser[1024];
    snprintf(withteaser, sizeof withteaser,
             "%s\nRelated\n\nSuicide bombing kills 20 as militants attack "
             "army base\nTerrorists claimed the car bomb attack.\n"
             "Read More\n",
             plain);
    CHECK_STR(topics_of(withteaser), "");
    CHECK(score_of(withteaser, "terrorism") == 0);
    CHECK(score_of(withteaser, "armed-conflict") == 0);
  }

  /* "not evidence" phrases win over the cue inside them */
  CHECK(score_of("Price war\n\nA price war and a bidding war broke out between "
                 "the two airlines, and a war of words followed.\n",
                 "armed-conflict") == 0);

  /* evidence: every span is the text it names, and cues carry their label */
  {
    const nt_result *r = run(dflt, arms_sale);
    cJSON *js = r ? cJSON_Parse(nt_result_json(r, NULL)) : NULL;
    CHECK(js != NULL);
    int spans = 0, bad = 0, deal = 0;
    const cJSON *t, *e;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(js, "topics")) {
      cJSON_ArrayForEach(e, cJSON_GetObjectItem(t, "evidence")) {
        size_t st = (size_t)cJSON_GetObjectItem(e, "start")->valuedouble;
        size_t en = (size_t)cJSON_GetObjectItem(e, "end")->valuedouble;
        const char *txt = cJSON_GetObjectItem(e, "text")->valuestring;
        const cJSON *cue = cJSON_GetObjectItem(e, "cue");
        spans++;
        bad += en > strlen(arms_sale) || st >= en || en - st != strlen(txt) ||
               memcmp(arms_sale + st, txt, en - st) != 0;
        deal += cue && strcmp(cue->valuestring, "arms sales") == 0 &&
                strcmp(txt, "arms deal") == 0 && st == 19;
      }
    }
    CHECK(spans > 3);
    CHECK(bad == 0);
    CHECK(deal == 1);
    cJSON_Delete(js);
  }

  nt_annotator_free(dflt);
  nt_annotator_free(all);
  nt_lexicon_free(lex);

  /* ---- the `pattern` line kind, in a lexicon of its own ------------------ */
  {
    char dir[] = "/tmp/nt_test_score_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/topics.tsv", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
      return t_done();
    fputs("topic\tsanctions\tSanctions\tscale=4\n"
          /* finite: expanded into the trie; one cue with a label */
          "pattern\tsanctions\tsanction(?:s|ed)?\t1\tsanction\n"
          "pattern\tsanctions\t(?:asset freezes?|embargo(?:es)?)\t2\tembargo\n"
          /* not finite: run through pcre2 */
          "pattern\tsanctions\tresolution [0-9]+\t2\tUN resolution\n",
          f);
    fclose(f);
    const char *pdirs[] = {dir};
    nt_lexicon *plex = t_load(pdirs, 1);
    nt_options po;
    nt_options_init(&po);
    po.min_score = 0;
    nt_annotator *pa = nt_annotator_new(plex, &po);
    const char *text = "Council passes Resolution 2231\n\nThe council "
                       "sanctioned three banks under Resolution 2231 and "
                       "imposed an embargo; sanctions follow.\n";
    const nt_result *r = run(pa, text);
    CHECK(r != NULL);
    cJSON *js = cJSON_Parse(r ? nt_result_json(r, NULL) : "{}");
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "topics"), 0);
    CHECK(t != NULL);
    int sanction = 0, embargo = 0, resolution = 0, labels_ok = 1;
    const cJSON *e, *ev = t ? cJSON_GetObjectItem(t, "evidence") : NULL;
    cJSON_ArrayForEach(e, ev) {
      const char *cue = cJSON_GetObjectItem(e, "cue")->valuestring;
      const char *txt = cJSON_GetObjectItem(e, "text")->valuestring;
      sanction += strcmp(cue, "sanction") == 0;
      embargo += strcmp(cue, "embargo") == 0 && strcmp(txt, "embargo") == 0;
      resolution += strcmp(cue, "UN resolution") == 0 &&
                    strncmp(txt, "Resolution 2231", 15) == 0;
      labels_ok &= strcmp(cue, "sanction") == 0 || strcmp(cue, "embargo") == 0 ||
                   strcmp(cue, "UN resolution") == 0;
    }
    CHECK(sanction == 2); /* "sanctioned" and "sanctions": one cue, twice */
    CHECK(embargo == 1);
    CHECK(resolution == 2); /* headline and body */
    CHECK(labels_ok);
    /* "sanction" counted twice is one cue: the second occurrence halves */
    double w[2] = {0, 0};
    int k = 0;
    cJSON_ArrayForEach(e, ev)
      if (strcmp(cJSON_GetObjectItem(e, "cue")->valuestring, "sanction") == 0 && k < 2)
        w[k++] = cJSON_GetObjectItem(e, "weight")->valuedouble;
    CHECK(k == 2 && w[1] < w[0] * 0.6);
    cJSON_Delete(js);
    nt_annotator_free(pa);
    nt_lexicon_free(plex);

    /* malformed patterns fail the load with file:line */
    const char *bad[] = {"pattern\tsanctions\t(?:abc\t1\n",
                         "pattern\tsanctions\t(?:)\t1\n",
                         "pattern\tnosuchtopic\tabc\t1\n",
                         "pattern\tsanctions\tabc\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
      f = fopen(path, "w");
      if (!f)
        break;
      fputs("topic\tsanctions\tSanctions\n", f);
      fputs(bad[i], f);
      fclose(f);
      nt_lexicon *bl = NULL;
      nt_error err;
      CHECK(nt_lexicon_load(pdirs, 1, &bl, &err) == NT_ERR_LEXICON);
      CHECK(bl == NULL);
      CHECK(err.line == 2);
    }
    unlink(path);
    rmdir(dir);
  }

  {
    char gated[4096], ungated[4096];
    gate_evidence(0, gated, sizeof gated);
    gate_evidence(1, ungated, sizeof ungated);
    CHECK(strlen(gated) > 100); /* every pattern has evidence */
    CHECK_STR(gated, ungated);
  }
  return t_done();
}
