/* Import: loading the source files that a mapping file names into the
 * store. docs/mapping.md is the reference of the mapping file.
 *
 * An import is one transaction: any error (malformed CSV row, unknown
 * column, invalid date or amount) rolls it back and leaves the store as it
 * was. Values that are kept but could not be normalised, such as a
 * subdivision name with no ISO 3166-2 code, are not errors: they are stored
 * as written and reported with their rows. */
#ifndef CREDO_IMPORT_H
#define CREDO_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "credo/buf.h"
#include "credo/error.h"
#include "credo/iso3166.h"
#include "credo/store.h"

/* Counts of one source file. */
typedef struct credo_import_source_report {
    char *file;          /* as written in the mapping */
    char *entity;        /* the entity name of the mapping, such as accounts */
    size_t rows_read;    /* data rows, header excluded */
    size_t rows_written; /* entities written: fewer than rows when grouped */
} credo_import_source_report;

/* A value kept as written, with the rows where it occurs. */
typedef struct credo_import_issue {
    char *file;
    char *field;
    char *value;
    char *message;
    unsigned long *lines; /* source lines, ascending */
    size_t line_count;
} credo_import_issue;

typedef struct credo_import_report {
    int64_t import_id;
    credo_import_source_report *sources;
    size_t source_count;
    credo_import_issue *issues; /* sorted by file, field, value */
    size_t issue_count;
} credo_import_report;

/* Called every CREDO_IMPORT_PROGRESS_ROWS data rows and at the end of each
 * file with the rows read so far from that file; may be NULL. */
#define CREDO_IMPORT_PROGRESS_ROWS 65536
typedef void (*credo_import_progress)(void *ctx, const char *file, size_t rows_done, bool done);

/* Imports every source of the mapping at mapping_path into the store.
 * Files are found relative to the mapping's folder. iso supplies the
 * country and subdivision tables for the iso_country and iso_subdivision
 * transforms. On success *report (freed with credo_import_report_free)
 * says what was read and kept; on failure nothing was written and err
 * names the file, line, column or field and what to do. */
credo_status credo_import(credo_store *store, const char *mapping_path, const credo_iso3166 *iso,
                          credo_import_progress progress, void *progress_ctx,
                          credo_import_report **report, credo_error *err);

void credo_import_report_free(credo_import_report *report);

#endif
