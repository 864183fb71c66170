/*
 * review.c - stage 5 (second output): the HTML review page for analysts.
 *
 * One self-contained file (no network, no external scripts): the results
 * and original texts are embedded as one JSON array in a
 * <script type="application/json"> element, with every '<', '>' and '&'
 * written as \u003c, \u003e, \u0026 so that no article text can close the
 * element or start markup; a small script renders the articles page by page
 * with textContent only (article text never becomes markup), highlights
 * mentions by entity type, greys excluded boilerplate with its reason, lists
 * topics with their evidence, and filters by entity and topic.
 *
 * Takes: each nt_result (or error record) in input order.  Gives: the page.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "review_page.h" /* NT_REVIEW_HEAD, NT_REVIEW_TAIL (generated) */

struct nt_review {
  FILE *out;
  size_t n;
  nt_buf tmp;
  int err;
};

/* Write s[0..n) with the HTML-significant characters escaped as JSON
 * \u escapes (s is JSON text: this keeps it valid JSON). */
static void put_json_safe(nt_review *rv, const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && s[run] != '<' && s[run] != '>' && s[run] != '&')
      run++;
    if (run > i && fwrite(s + i, 1, run - i, rv->out) != run - i)
      rv->err = 1;
    if (run < n) {
      const char *e = s[run] == '<' ? "\\u003c" : s[run] == '>' ? "\\u003e" : "\\u0026";
      if (fputs(e, rv->out) == EOF)
        rv->err = 1;
    }
    i = run + 1;
  }
}

nt_review *nt_review_open(FILE *out) {
  nt_review *rv = calloc(1, sizeof *rv);
  if (!rv)
    return NULL;
  rv->out = out;
  if (fputs(NT_REVIEW_HEAD, out) == EOF)
    rv->err = 1;
  return rv;
}

/* A JSON string of the original text (invalid UTF-8 as U+FFFD, so byte
 * offsets stay those of the original only where it was valid). */
static void put_text(nt_review *rv, const char *s, size_t n) {
  rv->tmp.len = 0;
  if (nt_buf_putc(&rv->tmp, '"') < 0) {
    rv->err = 1;
    return;
  }
  for (size_t i = 0; i < n;) {
    int32_t cp;
    size_t k = nt_util_utf8_decode((const unsigned char *)s + i, n - i, &cp);
    char esc[8];
    const char *p = s + i;
    size_t len = k;
    if (cp < 0) {
      p = "\xEF\xBF\xBD";
      len = 3;
    } else if (cp < 0x20 || cp == '"' || cp == '\\') {
      len = (size_t)snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
      p = esc;
    }
    if (nt_buf_append(&rv->tmp, p, len) < 0) {
      rv->err = 1;
      return;
    }
    i += k;
  }
  if (nt_buf_putc(&rv->tmp, '"') < 0)
    rv->err = 1;
  else
    put_json_safe(rv, rv->tmp.data, rv->tmp.len);
}

void nt_review_add(nt_review *rv, const char *json, size_t json_len,
                   const char *text, size_t text_len) {
  if (!rv)
    return;
  if (fputs(rv->n++ ? ",\n{\"r\":" : "{\"r\":", rv->out) == EOF)
    rv->err = 1;
  put_json_safe(rv, json, json_len);
  if (fputs(",\"t\":", rv->out) == EOF)
    rv->err = 1;
  put_text(rv, text ? text : "", text ? text_len : 0);
  if (fputc('}', rv->out) == EOF)
    rv->err = 1;
}

int nt_review_close(nt_review *rv) {
  if (!rv)
    return 0;
  if (fputs(NT_REVIEW_TAIL, rv->out) == EOF)
    rv->err = 1;
  int err = rv->err;
  nt_buf_free(&rv->tmp);
  free(rv);
  return err ? -1 : 0;
}
