/* Internals of the CSV reader, shared by csv.c, tests/test_csv.c and the
 * fuzz target. Not part of the public API: names here carry no credo_
 * prefix. */
#ifndef CREDO_CSV_INTERNAL_H
#define CREDO_CSV_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "credo/csv.h"
#include "credo/error.h"

/* Bytes that credo_csv_open requests from the file per read. A record that
 * does not fit in the rest of a block is moved to the front of the buffer,
 * and the buffer doubles while one record fills more than half of it. */
#define CSV_BLOCK_BYTES ((size_t)1 << 20)

/* Reads CSV from an open stream, block_bytes (at least 1) per read. Tests
 * pass small blocks to put records across block boundaries. The reader
 * takes ownership of file: credo_csv_close closes it, and so does a failed
 * call before it returns. name appears in error messages and must not be
 * NULL. */
credo_status csv_open_stream(FILE *file, const char *name, const credo_csv_options *options,
                             size_t block_bytes, credo_csv_reader **out, credo_error *err);

#endif
