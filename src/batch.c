/*
 * batch.c - the command's parallel runner (-j N): N threads (the calling
 * one among them), each with its own annotator over the one shared,
 * immutable lexicon.  A thread takes turns with the others to read a batch
 * of records from the input, annotates it, and writes every finished batch
 * whose turn has come, in input order.  Each batch is read, annotated and
 * (mostly) written by one thread, so its bytes stay in that core's caches,
 * and no thread only reads or writes.
 *
 * Memory is bounded: 2 N batches at most, each of at most BATCH_RECORDS
 * records and batch_bytes of input (a single larger record, up to
 * --max-record, makes a batch of its own).
 */
#define _POSIX_C_SOURCE 200809L
#include "batch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Small batches: a batch's input is still in the core's cache when it is
 * annotated (BBC at -j2: 3-6 % less CPU time than with 128 records and
 * 4 MiB), and the locks are taken a few times per batch only. */
#define BATCH_RECORDS 32
#define FIRST_BATCH 4 /* small, so that the first lines come out at once */
#define BATCH_BYTES_ALL ((size_t)1 << 20)   /* of input over all batches, */
#define BATCH_BYTES_MIN ((size_t)128 << 10) /* but at least this each */

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

typedef enum { B_FREE, B_BUSY, B_DONE } batch_state;

typedef struct batch {
  slot *slots;
  size_t n, cap, bytes;
  unsigned long seq;  /* its place in the input */
  size_t input_bytes; /* the input's bytes read when it was read */
  batch_state state;  /* under the pool's lock */
} batch;

typedef struct worker {
  pthread_t thread;
  nt_annotator *a;
  nt_jsonl parsed;
  struct pool *pool;
} worker;

typedef struct pool {
  pthread_mutex_t read_mu; /* the input and what follows */
  nt_input *in;
  unsigned long next_seq;  /* of the next batch read */
  size_t max;              /* records in the next batch: doubles */
  size_t batch_bytes;
  int eof, oom;
  pthread_mutex_t mu;      /* the batches' states and what follows */
  pthread_cond_t changed;
  batch *batches;
  size_t nbatches;
  unsigned long next_write; /* seq of the next batch to write */
  atomic_int failed;        /* emit or flush failed: stop (also read
                             * without the lock, by the reader) */
  int idle;                 /* a thread waits for input to arrive */
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

/* A free batch for this thread, or NULL when the run stops. */
static batch *take_batch(pool *p) {
  pthread_mutex_lock(&p->mu);
  batch *b = NULL;
  while (!p->failed && !b) {
    for (size_t i = 0; i < p->nbatches && !b; i++)
      if (p->batches[i].state == B_FREE)
        b = &p->batches[i];
    if (!b)
      pthread_cond_wait(&p->changed, &p->mu);
  }
  if (b)
    b->state = B_BUSY;
  pthread_mutex_unlock(&p->mu);
  return b;
}

/* Flush what is written, under the pool's lock. */
static void flush_locked(pool *p) {
  if (p->opts->flush && !p->failed && p->opts->flush(p->opts->data) < 0)
    p->failed = 1;
}

/* Mark that this thread waits for input (idle 1: flush what is written
 * now, and after each batch written while it waits) or no longer does. */
static void set_idle(pool *p, int idle) {
  pthread_mutex_lock(&p->mu);
  p->idle = idle;
  if (idle)
    flush_locked(p);
  pthread_mutex_unlock(&p->mu);
}

/* Read the next batch into b (the input's turn); 0 when there is none.
 * From a pipe, a batch holds what has arrived: it does not wait to fill. */
static size_t fill(pool *p, batch *b) {
  pthread_mutex_lock(&p->read_mu);
  b->n = b->bytes = 0;
  nt_input_item it;
  while (!p->eof && !p->oom && b->n < p->max && b->bytes < p->batch_bytes &&
         !atomic_load(&p->failed)) {
    int wait = nt_input_would_block(p->in);
    if (wait && b->n > 0)
      break;
    if (wait)
      set_idle(p, 1);
    int more = nt_input_next(p->in, &it);
    if (wait)
      set_idle(p, 0);
    if (!more)
      p->eof = 1;
    else if (batch_add(b, p->in, &it) < 0)
      p->oom = 1;
  }
  p->max = p->max * 2 < BATCH_RECORDS ? p->max * 2 : BATCH_RECORDS;
  b->seq = p->next_seq;
  p->next_seq += b->n > 0;
  b->input_bytes = nt_input_bytes(p->in);
  pthread_mutex_unlock(&p->read_mu);
  return b->n;
}

/* Write a finished batch in order through the callback; -1 when it failed. */
static int drain(const batch *b, const nt_batch_options *o) {
  for (size_t i = 0; i < b->n; i++) {
    const slot *s = &b->slots[i];
    nt_batch_output out = {s->out.data ? s->out.data : "", s->out.len, s->error,
                           s->io_error, s->source, s->line,
                           s->review_text.data, s->review_text.len, s->entities,
                           b->input_bytes};
    if (o->emit(&out, o->data) < 0)
      return -1;
  }
  return 0;
}

/* b is annotated: write it and every finished batch after it whose turn has
 * come (whichever thread annotated them), then free them. */
static void finish(pool *p, batch *b) {
  pthread_mutex_lock(&p->mu);
  b->state = B_DONE;
  for (int more = 1; more && !p->failed;) {
    more = 0;
    for (size_t i = 0; i < p->nbatches; i++) {
      batch *d = &p->batches[i];
      if (d->state == B_DONE && d->seq == p->next_write) {
        if (drain(d, p->opts) < 0)
          p->failed = 1;
        d->state = B_FREE;
        p->next_write++;
        more = 1;
      }
    }
  }
  if (p->idle)
    flush_locked(p);
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->mu);
}

/* Read, annotate and write batches until the input ends or the run fails. */
static void *worker_main(void *arg) {
  worker *w = arg;
  pool *p = w->pool;
  batch *b;
  while ((b = take_batch(p)) != NULL) {
    if (fill(p, b) == 0) { /* the end (or out of memory) */
      pthread_mutex_lock(&p->mu);
      b->state = B_FREE;
      pthread_cond_broadcast(&p->changed);
      pthread_mutex_unlock(&p->mu);
      break;
    }
    for (size_t i = 0; i < b->n; i++)
      work_slot(w, &b->slots[i]);
    finish(p, b);
  }
  nt_input_arena_free();
  return NULL;
}

static void pool_free(pool *p) {
  for (size_t i = 0; p->batches && i < p->nbatches; i++)
    batch_free(&p->batches[i]);
  free(p->batches);
  pthread_cond_destroy(&p->changed);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->read_mu);
}

int nt_batch_run(nt_input *in, const nt_lexicon *lex, const nt_options *opts,
                 const nt_batch_options *o) {
  pool p;
  memset(&p, 0, sizeof p);
  atomic_init(&p.failed, 0);
  pthread_mutex_init(&p.read_mu, NULL);
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.changed, NULL);
  p.in = in;
  p.opts = o;
  p.max = FIRST_BATCH;
  p.nbatches = 2 * (size_t)o->jobs;
  p.batch_bytes = BATCH_BYTES_ALL / p.nbatches;
  if (p.batch_bytes < BATCH_BYTES_MIN)
    p.batch_bytes = BATCH_BYTES_MIN;
  p.batches = calloc(p.nbatches, sizeof *p.batches);
  worker *ws = calloc((size_t)o->jobs, sizeof *ws);
  int rc = ws && p.batches ? 0 : -2;
  nt_input_set_raw(in, 1);
  int made = 0, started = 0; /* annotators made, threads started */
  for (int i = 0; rc == 0 && i < o->jobs; i++, made++) {
    ws[i].pool = &p;
    if (!(ws[i].a = nt_annotator_new(lex, opts)))
      rc = -2;
  }
  /* worker 0 is this thread */
  for (int i = 1; rc == 0 && i < o->jobs; i++) {
    if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0)
      rc = -2;
    else
      started++;
  }
  if (rc == 0)
    worker_main(&ws[0]);
  else { /* stop the threads that started */
    pthread_mutex_lock(&p.mu);
    p.failed = 1;
    pthread_cond_broadcast(&p.changed);
    pthread_mutex_unlock(&p.mu);
  }
  for (int i = 1; i <= started; i++)
    pthread_join(ws[i].thread, NULL);
  for (int i = 0; i < made; i++) {
    nt_annotator_free(ws[i].a);
    nt_jsonl_free(&ws[i].parsed);
    nt_buf_free(&ws[i].parsed.text);
  }
  if (rc == 0 && p.failed)
    rc = -1;
  if (rc == 0 && p.oom)
    rc = -2;
  free(ws);
  pool_free(&p);
  return rc;
}
