/*
 * batch.c - the command's parallel runner (-j N): N worker threads, each
 * with its own annotator over the one shared, immutable lexicon, annotate
 * batches of records while the main thread reads the next batch and writes
 * the previous one, in input order.
 *
 * Memory is bounded: two batches are in flight, each of at most
 * BATCH_RECORDS records and BATCH_BYTES bytes of input (a single larger
 * record, up to --max-record, makes a batch of its own).
 */
#define _POSIX_C_SOURCE 200809L
#include "batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_RECORDS 512
#define FIRST_BATCH 4 /* small, so that the first lines come out at once */
#define BATCH_BYTES ((size_t)4 << 20)

typedef struct slot {
  nt_buf text;        /* the raw line (JSON Lines) or the record's text */
  int raw, io_error;
  nt_markup_format format;
  long line;
  const char *source; /* lives as long as the input */
  char *id, *title, *url, *date; /* for non-raw records */
  char *error;        /* set by the reader or by a worker */
  nt_buf out;         /* the output line, without newline */
  nt_buf review_text; /* the article text, for the review page */
  size_t entities;
} slot;

typedef struct batch {
  slot *slots;
  size_t n, cap, bytes;
  size_t finished; /* slots done (under the pool's lock) */
} batch;

typedef struct worker {
  pthread_t thread;
  nt_annotator *a;
  nt_jsonl parsed;
  struct pool *pool;
} worker;

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  batch *current;   /* the batch whose slots are being taken */
  size_t next;      /* its next slot to take */
  int stop;
  const nt_batch_options *opts;
} pool;

static void slot_clear(slot *s) {
  free(s->id);
  free(s->title);
  free(s->url);
  free(s->date);
  free(s->error);
  s->id = s->title = s->url = s->date = s->error = NULL;
  s->text.len = s->out.len = s->review_text.len = 0;
  s->entities = 0;
}

static void batch_free(batch *b) {
  for (size_t i = 0; i < b->cap; i++) {
    slot_clear(&b->slots[i]);
    nt_buf_free(&b->slots[i].text);
    nt_buf_free(&b->slots[i].out);
    nt_buf_free(&b->slots[i].review_text);
  }
  free(b->slots);
}

/* Copy one input item into the next slot (a raw line's buffer is swapped
 * in, not copied); -1 when out of memory. */
static int batch_add(batch *b, nt_input *in, const nt_input_item *it) {
  if (b->n == b->cap) {
    size_t cap = b->cap;
    if (nt_util_grow(&b->slots, &cap, b->n + 1, sizeof *b->slots) < 0)
      return -1;
    memset(b->slots + b->cap, 0, (cap - b->cap) * sizeof *b->slots);
    b->cap = cap;
  }
  slot *s = &b->slots[b->n++];
  slot_clear(s);
  s->raw = it->raw;
  s->format = it->rec.format;
  s->io_error = it->io_error;
  s->line = it->rec.line;
  s->source = it->rec.source;
  if (it->error) {
    s->error = nt_util_strdup(it->error);
    s->id = nt_util_strdup(it->rec.id);
    return s->error ? 0 : -1;
  }
  if (it->raw) {
    nt_input_swap_raw(in, &s->text);
    s->text.len = it->rec.len;
  } else if (nt_buf_append(&s->text, it->rec.text ? it->rec.text : "",
                           it->rec.len) < 0) {
    return -1;
  }
  s->id = nt_util_strdup(it->rec.id);
  s->title = nt_util_strdup(it->rec.title);
  s->url = nt_util_strdup(it->rec.url);
  s->date = nt_util_strdup(it->rec.date);
  b->bytes += it->rec.len;
  return 0;
}

/* Annotate one slot on a worker: parse (if raw), annotate, keep the line. */
static void work_slot(worker *w, slot *s) {
  const nt_batch_options *o = w->pool->opts;
  if (s->error) {
    size_t need = nt_error_json(NULL, 0, s->source, s->line, s->id, s->error);
    if (nt_buf_reserve(&s->out, need + 1) == 0) {
      nt_error_json(s->out.data, need + 1, s->source, s->line, s->id, s->error);
      s->out.len = need;
    }
    return;
  }
  nt_record rec;
  memset(&rec, 0, sizeof rec);
  rec.source = s->source;
  rec.line = s->line;
  rec.format = s->format;
  if (s->raw) {
    const char *err = nt_input_parse_line(&w->parsed, s->text.data, s->text.len, s->line);
    if (err) {
      s->error = nt_util_strdup(err);
      s->id = nt_util_strdup(w->parsed.id);
      work_slot(w, s);
      return;
    }
    rec.text = w->parsed.text.data ? w->parsed.text.data : "";
    rec.len = w->parsed.text.len;
    rec.id = w->parsed.id;
    rec.title = w->parsed.title;
    rec.url = w->parsed.url;
    rec.date = w->parsed.date;
  } else {
    rec.text = s->text.data ? s->text.data : "";
    rec.len = s->text.len;
    rec.id = s->id;
    rec.title = s->title;
    rec.url = s->url;
    rec.date = s->date;
  }
  const nt_result *r;
  nt_status st = nt_annotate(w->a, &rec, &r);
  if (st != NT_OK) {
    s->error = nt_util_strdup(nt_strerror(st));
    work_slot(w, s);
    return;
  }
  s->entities = nt_result_entity_count(r);
  nt_buf t = s->out; /* the line changes hands, the annotator takes the */
  s->out = w->a->result.json; /* slot's old buffer for its next record */
  w->a->result.json = t;
  if (o->review && nt_buf_append(&s->review_text, rec.text, rec.len) < 0)
    s->error = nt_util_strdup("out of memory");
}

/* Take slots one by one; a worker whose batch has no slot left to take
 * goes on with the next batch as soon as it starts, while another may
 * still be finishing a slot of the one before. */
static void *worker_main(void *arg) {
  worker *w = arg;
  pool *p = w->pool;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && (!p->current || p->next >= p->current->n))
      pthread_cond_wait(&p->work, &p->mu);
    if (p->stop)
      break;
    batch *b = p->current;
    slot *s = &b->slots[p->next++];
    if (p->next == b->n)
      pthread_cond_broadcast(&p->done); /* all taken: the next may start */
    pthread_mutex_unlock(&p->mu);
    work_slot(w, s);
    pthread_mutex_lock(&p->mu);
    if (++b->finished == b->n)
      pthread_cond_broadcast(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  nt_input_arena_free();
  return NULL;
}

/* Hand b to the workers once every slot of the batch before is taken. */
static void pool_start(pool *p, batch *b) {
  pthread_mutex_lock(&p->mu);
  while (p->current && p->next < p->current->n)
    pthread_cond_wait(&p->done, &p->mu);
  b->finished = 0;
  p->current = b;
  p->next = 0;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
}

/* Wait until every slot of b is done. */
static void pool_wait(pool *p, const batch *b) {
  pthread_mutex_lock(&p->mu);
  while (b->finished < b->n)
    pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

/* Read up to one batch of at most max records; returns the number read. */
static size_t fill(batch *b, nt_input *in, int *oom, size_t max) {
  b->n = b->bytes = 0;
  nt_input_item it;
  while (b->n < max && b->bytes < BATCH_BYTES && nt_input_next(in, &it))
    if (batch_add(b, in, &it) < 0) {
      *oom = 1;
      break;
    }
  return b->n;
}

/* Write a finished batch in order through the callback. */
static int drain(const batch *b, const nt_batch_options *o) {
  for (size_t i = 0; i < b->n; i++) {
    const slot *s = &b->slots[i];
    nt_batch_output out = {s->out.data ? s->out.data : "", s->out.len, s->error,
                           s->io_error, s->source, s->line,
                           s->review_text.data, s->review_text.len, s->entities};
    if (o->emit(&out, o->data) < 0)
      return -1;
  }
  return 0;
}

int nt_batch_run(nt_input *in, const nt_lexicon *lex, const nt_options *opts,
                 const nt_batch_options *o) {
  pool p;
  memset(&p, 0, sizeof p);
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.work, NULL);
  pthread_cond_init(&p.done, NULL);
  p.opts = o;
  worker *ws = calloc((size_t)o->jobs, sizeof *ws);
  int rc = ws ? 0 : -2;
  int started = 0;
  for (int i = 0; rc == 0 && i < o->jobs; i++) {
    ws[i].pool = &p;
    ws[i].a = nt_annotator_new(lex, opts);
    if (!ws[i].a || pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
      nt_annotator_free(ws[i].a);
      rc = -2;
      break;
    }
    started++;
  }
  nt_input_set_raw(in, 1);
  batch b[2];
  memset(b, 0, sizeof b);
  /* The workers annotate one batch while this thread writes the one before
   * and reads the one after; the next batch starts as soon as the last
   * slot of the current one is taken, so that no worker waits for the
   * last record of a batch. */
  int cur = 0, oom = 0;
  size_t max = FIRST_BATCH; /* doubles up to BATCH_RECORDS */
  if (rc == 0 && fill(&b[cur], in, &oom, max) > 0) {
    pool_start(&p, &b[cur]);
    for (;;) {
      max = max * 2 < BATCH_RECORDS ? max * 2 : BATCH_RECORDS;
      size_t more = oom ? 0 : fill(&b[!cur], in, &oom, max);
      if (more)
        pool_start(&p, &b[!cur]);
      pool_wait(&p, &b[cur]);
      if (drain(&b[cur], o) < 0) {
        rc = -1;
        if (more)
          pool_wait(&p, &b[!cur]);
        break;
      }
      if (!more)
        break;
      cur = !cur;
    }
  }
  pthread_mutex_lock(&p.mu);
  p.stop = 1;
  pthread_cond_broadcast(&p.work);
  pthread_mutex_unlock(&p.mu);
  for (int i = 0; i < started; i++) {
    pthread_join(ws[i].thread, NULL);
    nt_annotator_free(ws[i].a);
    nt_jsonl_free(&ws[i].parsed);
    nt_buf_free(&ws[i].parsed.text);
  }
  free(ws);
  batch_free(&b[0]);
  batch_free(&b[1]);
  pthread_cond_destroy(&p.work);
  pthread_cond_destroy(&p.done);
  pthread_mutex_destroy(&p.mu);
  return rc == 0 && oom ? -2 : rc;
}
