/* fuzz_jsonl.c - the input reader (JSON Lines and text detection).  The
 * first input byte chooses the format and a read chunk size, so records
 * cross chunk boundaries at every position. */
#define _POSIX_C_SOURCE 200809L
#include "../src/input.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int arena;
  if (!arena++)
    nt_input_use_arena(); /* as the command parses: cJSON from an arena */
  if (size < 1)
    return 0;
  nt_format fmt = (nt_format)(data[0] % 3);
  size_t chunk = 16 + (data[0] >> 2) * 7;
  size_t max_record = (data[0] & 0x80) ? 64 : 0;
  FILE *fp = fmemopen((void *)(data + 1), size - 1 ? size - 1 : 1, "rb");
  if (!fp)
    return 0;
  if (size == 1)
    fgetc(fp); /* fmemopen needs a non-empty buffer: consume it */
  nt_input *in = nt_input_new_stream(fp, "fuzz", fmt, max_record, chunk);
  nt_input_item it;
  size_t n = 0;
  while (in && nt_input_next(in, &it)) {
    if (!it.error && it.rec.len && !it.rec.text)
      __builtin_trap();
    n++;
  }
  nt_input_free(in);
  fclose(fp);
  (void)n;
  return 0;
}
