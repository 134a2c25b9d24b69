/* Private parts of the fast ingest shared by ingest.c (mapping, cutting,
 * threads) and ingest_chunk.c (header, records, appending). */
#ifndef CREDO_INGEST_INTERNAL_H
#define CREDO_INGEST_INTERNAL_H

#include <stdbool.h>

#include "credo/ingest.h"

/* Where a header column goes. */
typedef enum ingest_kind {
    INGEST_TEXT = 0,   /* a text column of credo_accounts */
    INGEST_NUMBER,     /* a number column of credo_accounts */
    INGEST_ATTRIBUTE   /* a custom attribute */
} ingest_kind;

typedef struct ingest_column {
    ingest_kind kind;
    size_t offset;    /* INGEST_TEXT, INGEST_NUMBER: offsetof the column pointer in credo_accounts */
    char *name;       /* the header name; for an attribute, without "attr." */
} ingest_column;

typedef struct ingest_header {
    ingest_column columns[CREDO_INGEST_MAX_COLUMNS];
    size_t count;
    size_t id_column;
} ingest_header;

/* The rows of one chunk: column c holds texts (ids in pool) or numbers. */
typedef struct ingest_chunk {
    credo_strpool *pool;
    size_t rows, capacity;
    void *values[CREDO_INGEST_MAX_COLUMNS];
    unsigned long line_feeds; /* LF bytes in the chunk */
    bool failed;
} ingest_chunk;

/* Reads and checks the header record at the start of data. */
credo_status ingest_read_header(const char *path, const char *data, size_t size, const credo_csv_options *csv,
                                ingest_header *header, credo_error *err);

void ingest_header_clear(ingest_header *header);

/* Reads the records of one chunk (skipping the header when first). Line
 * numbers in errors count from the chunk's start; see
 * ingest_shift_error_line. */
credo_status ingest_read_chunk(const char *path, const char *data, size_t size, bool first,
                               const ingest_header *header, const credo_csv_options *csv, ingest_chunk *chunk,
                               credo_error *err);

/* Adds the line feeds of the chunks before the lowest failed one to the
 * line number that follows "PATH:" in err's message. */
void ingest_shift_error_line(const char *path, const ingest_chunk *chunks, size_t count, credo_error *err);

/* Appends the rows of one chunk to snapshot, interning its strings into
 * the snapshot's pool unless same_pool (the chunk was read into the
 * snapshot's pool). Chunks must be appended in file order. */
credo_status ingest_append_chunk(const char *path, const ingest_header *header, const ingest_chunk *chunk,
                                 bool same_pool, credo_snapshot *snapshot, credo_error *err);

/* Frees a chunk's columns, and its pool when own_pool. Keeps line_feeds
 * and failed, which ingest_shift_error_line reads after the chunk is
 * appended and freed. */
void ingest_chunk_free(ingest_chunk *chunk, bool own_pool);

#endif
