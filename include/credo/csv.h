/* Streaming CSV reader (RFC 4180 with the variations real exports have).
 *
 * Accepted: quoted fields with doubled quotes, delimiters and line breaks
 * inside quotes, LF or CRLF line ends (a lone CR inside an unquoted field is
 * data), a UTF-8 byte order mark at the start, a missing final line break,
 * any one-byte ASCII delimiter other than '"', CR and LF. Rejected with an
 * error naming file, line and column: invalid UTF-8, a NUL byte, a quote
 * inside an unquoted field, bytes after a closing quote other than a
 * delimiter or line end, an unterminated quoted field at end of input, a
 * record over the size limit. NUL is rejected because callers keep values as C strings, where
 * it would end the value early.
 *
 * At the end of input, "a,b", "a,b\n" and "a,b\r\n" each hold one record,
 * and "" holds none. A CR at the very end without an LF is field data, like
 * any lone CR in an unquoted field, but after a closing quote it is an error.
 *
 * The reader does not interpret a header: the first record is returned like
 * any other. Fields are borrowed and valid until the next call. */
#ifndef CREDO_CSV_H
#define CREDO_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "credo/error.h"

/* Default maximum bytes in one record (all fields and delimiters). */
#define CREDO_CSV_DEFAULT_MAX_RECORD (16u * 1024 * 1024)
/* Default maximum fields in one record. */
#define CREDO_CSV_DEFAULT_MAX_FIELDS 4096

typedef struct credo_csv_options {
    char delimiter;           /* ',' when 0; an ASCII byte other than '"', CR, LF */
    /* CREDO_CSV_DEFAULT_MAX_RECORD when 0. Counts the bytes of a record as
     * written, quotes included, up to its line end. */
    size_t max_record_bytes;
    size_t max_fields;        /* CREDO_CSV_DEFAULT_MAX_FIELDS when 0 */
    /* Advice on raising max_record_bytes that ends the error message of a
     * record over the limit, such as "set max_record_bytes on the source in
     * the mapping". "raise max_record_bytes" when NULL. */
    const char *max_record_advice;
} credo_csv_options;

typedef struct credo_csv_field {
    const char *data; /* not NUL-terminated; quotes removed, "" unescaped */
    size_t length;
    bool quoted;      /* the field was written in quotes */
} credo_csv_field;

typedef struct credo_csv_record {
    const credo_csv_field *fields;
    size_t count;
    unsigned long line;   /* 1-based line where the record starts */
    unsigned long number; /* 1-based record number, header included */
} credo_csv_record;

typedef struct credo_csv_reader credo_csv_reader;

/* Opens path for reading. On failure returns CREDO_ERR_NOT_FOUND for a
 * missing file, CREDO_ERR_INVALID for a folder, or CREDO_ERR_IO, naming the
 * path. The caller frees the reader with credo_csv_close. */
credo_status credo_csv_open(const char *path, const credo_csv_options *options,
                            credo_csv_reader **out, credo_error *err);

/* Reads from a memory buffer of len bytes, borrowed for the reader's life.
 * `name` is used in error messages ("<memory>" when NULL). */
credo_status credo_csv_open_memory(const char *data, size_t len, const char *name,
                                   const credo_csv_options *options,
                                   credo_csv_reader **out, credo_error *err);

/* Reads the next record into *record. Returns CREDO_OK with record->count
 * > 0 for a record, CREDO_OK with record->count == 0 at end of input, or an
 * error whose message reads "FILE:LINE:COLUMN: what is wrong; what to do".
 * Lines are counted by LF, including LFs inside quoted fields. Columns count
 * bytes from 1, not counting a byte order mark. An empty line yields a
 * record of one empty field (as RFC 4180 has it); callers decide whether to
 * skip it. Errors: CREDO_ERR_INVALID for malformed input, CREDO_ERR_LIMIT
 * for a record over max_record_bytes (reported at its first line, column 1)
 * or max_fields, CREDO_ERR_IO, CREDO_ERR_NOMEM. After an error every later
 * call returns the same error. */
credo_status credo_csv_next(credo_csv_reader *reader, credo_csv_record *record,
                            credo_error *err);

/* Returns the name given at open. */
const char *credo_csv_name(const credo_csv_reader *reader);

/* Closes the file and frees the reader. reader may be NULL. */
void credo_csv_close(credo_csv_reader *reader);

#endif
