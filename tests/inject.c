/* inject.c - an LD_PRELOAD shim that makes stdio calls fail with EIO at
 * chosen points, like jq's inject_errors:
 *   NT_INJECT="fopen=NAME"   fopen of a path containing NAME fails
 *   NT_INJECT="fread=NAME"   the first fread from that file fails
 *   NT_INJECT="fwrite=N"     the N-th fwrite to stdout fails
 * (several, comma-separated). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of key in NT_INJECT, copied into buf, or NULL. */
static const char *spec(const char *key, char *buf, size_t cap) {
  const char *s = getenv("NT_INJECT");
  size_t n = strlen(key);
  for (const char *p = s; p && *p;) {
    if (strncmp(p, key, n) == 0 && p[n] == '=') {
      size_t len = strcspn(p + n + 1, ",");
      snprintf(buf, cap, "%.*s", (int)len, p + n + 1);
      return buf;
    }
    p = strchr(p, ',');
    if (p)
      p++;
  }
  return NULL;
}

static FILE *read_victim;  /* fread from this stream fails once */
static FILE *failed_stream; /* ferror reports it */

FILE *fopen(const char *path, const char *mode) {
  static FILE *(*real)(const char *, const char *);
  char buf[256];
  if (!real)
    real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
  const char *name = spec("fopen", buf, sizeof buf);
  if (name && strstr(path, name)) {
    errno = EIO;
    return NULL;
  }
  FILE *fp = real(path, mode);
  name = spec("fread", buf, sizeof buf);
  if (fp && name && strstr(path, name))
    read_victim = fp;
  return fp;
}

size_t fread(void *ptr, size_t size, size_t n, FILE *fp) {
  static size_t (*real)(void *, size_t, size_t, FILE *);
  if (!real)
    real = (size_t(*)(void *, size_t, size_t, FILE *))dlsym(RTLD_NEXT, "fread");
  if (fp && fp == read_victim) {
    read_victim = NULL;
    failed_stream = fp;
    errno = EIO;
    return 0;
  }
  return real(ptr, size, n, fp);
}

int ferror(FILE *fp) {
  static int (*real)(FILE *);
  if (!real)
    real = (int (*)(FILE *))dlsym(RTLD_NEXT, "ferror");
  if (fp && fp == failed_stream) {
    errno = EIO;
    return 1;
  }
  return real(fp);
}

int fclose(FILE *fp) {
  static int (*real)(FILE *);
  if (!real)
    real = (int (*)(FILE *))dlsym(RTLD_NEXT, "fclose");
  if (fp == failed_stream)
    failed_stream = NULL;
  return real(fp);
}

size_t fwrite(const void *ptr, size_t size, size_t n, FILE *fp) {
  static size_t (*real)(const void *, size_t, size_t, FILE *);
  static long calls;
  char buf[32];
  if (!real)
    real = (size_t(*)(const void *, size_t, size_t, FILE *))dlsym(RTLD_NEXT, "fwrite");
  const char *nth = spec("fwrite", buf, sizeof buf);
  if (fp == stdout && nth && ++calls == atol(nth)) {
    errno = EIO;
    return 0;
  }
  return real(ptr, size, n, fp);
}
