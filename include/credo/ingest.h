/* Fast ingest: an accounts CSV file read straight into snapshot columns,
 * on several threads.
 *
 * The file is mapped into memory and cut into parts of about chunk_bytes
 * at record boundaries, which the threads take in turn. A boundary is the first line feed after the cut point
 * that lies outside quotes, where "outside" is decided by the parity of the
 * quotes counted from the start of the file, which is exact for a file that
 * follows RFC 4180. Each part is read by credo's CSV reader
 * (include/credo/csv.h), so the parsing rules and limits are the reader's.
 * When a part holds malformed CSV, the error reported is the first in file
 * order, with the line it would have had in one sequential read. A part
 * never starts with bytes that the reader would take for a byte order mark.
 *
 * The first record is the header. It names account fields: id, name,
 * country, region, postal_code, city, industry, parent_id, owner_id (text)
 * and employees, annual_revenue, potential, latitude, longitude (numbers,
 * read with credo_parse_number); "attr.NAME" names a custom attribute.
 * Values are taken as written: no ISO code matching or postal code
 * normalisation, which `credo import` does through a mapping. An empty
 * field is a missing value, an unquoted empty line is skipped, and an id
 * is required. */
#ifndef CREDO_INGEST_H
#define CREDO_INGEST_H

#include <stddef.h>

#include "credo/csv.h"
#include "credo/error.h"
#include "credo/model.h"
#include "credo/parallel.h"

/* Most columns of an ingested file. */
#define CREDO_INGEST_MAX_COLUMNS 64
/* Default target size of one part: large enough that the per-part string
 * pools stay few, small enough for steady progress and load balance. */
#define CREDO_INGEST_CHUNK_BYTES (8u << 20)

typedef struct credo_ingest_options {
    size_t threads;                 /* parts read at once; 0 means 1 */
    size_t chunk_bytes;             /* target part size; 0 for CREDO_INGEST_CHUNK_BYTES */
    const credo_csv_options *csv;   /* delimiter and limits; NULL for the defaults */
    const credo_progress *progress; /* stage "read", in bytes; may be NULL */
} credo_ingest_options;

/* Reads the accounts file at path into a new snapshot, finished with
 * credo_snapshot_finish. options may be NULL. Errors: those of
 * credo_csv_open and credo_csv_next (with file, line and column);
 * CREDO_ERR_INVALID for an unknown or repeated header name, a record whose
 * field count differs from the header's, a missing id, a number that does
 * not parse (naming file, line and column name) or a repeated id;
 * CREDO_ERR_LIMIT for more than CREDO_INGEST_MAX_COLUMNS columns;
 * CREDO_ERR_NOMEM. */
credo_status credo_ingest_accounts(const char *path, const credo_ingest_options *options,
                                   credo_snapshot **out, credo_error *err);

#endif
