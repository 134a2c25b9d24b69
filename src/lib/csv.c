/* Streaming CSV reader.
 *
 * Each call to credo_csv_next works in two passes over one record. The scan
 * pass finds the field boundaries and the line end, and records each field
 * as a pointer into the buffer. In unquoted fields it looks for the next
 * delimiter, quote or LF eight bytes at a time, and inside quoted fields it
 * uses memchr to find the next quote. If the record runs past the bytes read so far, the scan stops, the
 * record moves to the front of the buffer, more bytes are read and the scan
 * starts again from the record's first byte. The finish pass validates the
 * record's UTF-8, rejects NUL bytes, and copies only the fields with doubled
 * quotes, unescaped, into a separate buffer. */
#include "credo/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv_internal.h"

/* Name in error messages for memory input opened without a name. */
#define MEMORY_INPUT_NAME "<memory>"

/* End of the message of a record over max_record_bytes when the options
 * give no max_record_advice. */
#define DEFAULT_MAX_RECORD_ADVICE "raise max_record_bytes"

/* Limits above these are lowered to them, so that sizes computed from the
 * limits cannot overflow size_t. */
#define MAX_RECORD_BYTES_CAP (SIZE_MAX / 4)
#define MAX_FIELDS_CAP (SIZE_MAX / 4 / sizeof(credo_csv_field))

#define BYTE_ONES UINT64_C(0x0101010101010101)
#define BYTE_HIGH_BITS UINT64_C(0x8080808080808080)

struct credo_csv_reader {
    FILE *file; /* NULL for memory input */
    char *name;
    char delimiter;
    uint64_t delimiter_word; /* delimiter in each byte, for the word scan */
    size_t max_record_bytes;
    size_t max_fields;
    char *max_record_advice;
    size_t block_bytes;

    char *buffer; /* file input only */
    size_t capacity;
    const char *data;  /* buffer, or the caller's memory */
    size_t length;     /* bytes available in data */
    size_t position;   /* offset of the next record in data */
    bool end_of_input; /* every byte of the input is in data */
    bool started;      /* the byte order mark check has run */

    unsigned long line;   /* line where the record at position starts */
    unsigned long number; /* records returned so far */

    credo_csv_field *fields;
    size_t *escaped; /* indexes of fields with doubled quotes */
    size_t field_capacity;
    char *unescaped; /* storage for the unescaped copies */
    size_t unescaped_capacity;

    credo_error failure; /* the first error, repeated by later calls */
};

/* ---- Scan pass ---- */

typedef enum scan_problem {
    PROBLEM_NONE,
    PROBLEM_BARE_QUOTE,
    PROBLEM_AFTER_QUOTE,
    PROBLEM_UNTERMINATED,
    PROBLEM_TOO_MANY_FIELDS,
    PROBLEM_TOO_LONG,
    PROBLEM_NO_MEMORY
} scan_problem;

typedef enum scan_outcome { SCAN_RECORD, SCAN_NEED_MORE, SCAN_FAILED } scan_outcome;

/* How a field ended: before a delimiter, at the end of the record, at the
 * end of the bytes read so far, or at a problem. */
typedef enum field_end { FIELD_DELIMITED, FIELD_LAST, FIELD_NEED_MORE, FIELD_FAILED } field_end;

typedef struct record_scan {
    const char *start;       /* first byte of the record */
    const char *end;         /* end of the bytes the scan may look at */
    bool final;              /* end is the end of the input */
    const char *cursor;      /* first byte of the next field */
    const char *content_end; /* end of the last field, before the line end */
    const char *next;        /* first byte after the line end */
    size_t count;            /* fields found */
    size_t escaped_count;
    unsigned long newlines; /* LF bytes inside quoted fields */
    scan_problem problem;
    const char *problem_at;
} record_scan;

static uint64_t zero_bytes(uint64_t word)
{
    return (word - BYTE_ONES) & ~word & BYTE_HIGH_BITS;
}

static bool is_special(char c, char delimiter)
{
    return c == delimiter || c == '"' || c == '\n';
}

/* Returns the first delimiter, quote or LF in [p, end), or end. */
static const char *find_special(const char *p, const char *end, char delimiter,
                                uint64_t delimiter_word)
{
    while (end - p >= 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        uint64_t hits = zero_bytes(word ^ delimiter_word) | zero_bytes(word ^ (BYTE_ONES * '"')) |
                        zero_bytes(word ^ (BYTE_ONES * '\n'));
        if (hits != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* The lowest flagged byte is exact: a borrow in zero_bytes can
             * only flag bytes above a real match. */
            return p + (__builtin_ctzll(hits) >> 3);
#else
            break;
#endif
        }
        p += 8;
    }
    while (p < end && !is_special(*p, delimiter))
        p++;
    return p;
}

static unsigned long count_newlines(const char *p, const char *end)
{
    unsigned long count = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        count++;
        p++;
    }
    return count;
}

static field_end scan_fail(record_scan *scan, scan_problem problem, const char *at)
{
    scan->problem = problem;
    scan->problem_at = at;
    return FIELD_FAILED;
}

static bool grow_fields(credo_csv_reader *reader)
{
    size_t capacity = reader->field_capacity == 0 ? 16 : reader->field_capacity * 2;
    if (capacity > reader->max_fields)
        capacity = reader->max_fields;

    credo_csv_field *fields = realloc(reader->fields, capacity * sizeof *fields);
    if (fields == NULL)
        return false;
    reader->fields = fields;

    size_t *escaped = realloc(reader->escaped, capacity * sizeof *escaped);
    if (escaped == NULL)
        return false;
    reader->escaped = escaped;
    reader->field_capacity = capacity;
    return true;
}

/* Appends a field. The caller has checked the max_fields limit. */
static bool add_field(credo_csv_reader *reader, record_scan *scan, const char *data, size_t length,
                      bool quoted, bool escaped)
{
    if (scan->count == reader->field_capacity && !grow_fields(reader)) {
        scan_fail(scan, PROBLEM_NO_MEMORY, data);
        return false;
    }
    if (escaped)
        reader->escaped[scan->escaped_count++] = scan->count;
    reader->fields[scan->count++] = (credo_csv_field){data, length, quoted};
    return true;
}

static field_end end_record(record_scan *scan, const char *content_end, const char *next)
{
    scan->content_end = content_end;
    scan->next = next;
    return FIELD_LAST;
}

static field_end scan_unquoted(credo_csv_reader *reader, record_scan *scan)
{
    const char *start = scan->cursor;
    const char *stop = find_special(start, scan->end, reader->delimiter, reader->delimiter_word);

    if (stop == scan->end) {
        if (!scan->final)
            return FIELD_NEED_MORE;
        if (!add_field(reader, scan, start, (size_t)(stop - start), false, false))
            return FIELD_FAILED;
        return end_record(scan, stop, stop);
    }
    if (*stop == '"')
        return scan_fail(scan, PROBLEM_BARE_QUOTE, stop);

    if (*stop == '\n') {
        /* A CR belongs to the line end only when the LF follows it. */
        const char *content_end = stop > start && stop[-1] == '\r' ? stop - 1 : stop;
        if (!add_field(reader, scan, start, (size_t)(content_end - start), false, false))
            return FIELD_FAILED;
        return end_record(scan, content_end, stop + 1);
    }

    if (!add_field(reader, scan, start, (size_t)(stop - start), false, false))
        return FIELD_FAILED;
    scan->cursor = stop + 1;
    return FIELD_DELIMITED;
}

/* Accepts a delimiter, LF, CR LF or the end of input after a closing quote. */
static field_end scan_after_quote(credo_csv_reader *reader, record_scan *scan, const char *p)
{
    if (p == scan->end)
        return end_record(scan, p, p);
    if (*p == reader->delimiter) {
        scan->cursor = p + 1;
        return FIELD_DELIMITED;
    }
    if (*p == '\n')
        return end_record(scan, p, p + 1);
    if (*p == '\r') {
        if (p + 1 == scan->end && !scan->final)
            return FIELD_NEED_MORE;
        if (p + 1 < scan->end && p[1] == '\n')
            return end_record(scan, p, p + 2);
    }
    return scan_fail(scan, PROBLEM_AFTER_QUOTE, p);
}

static field_end scan_quoted(credo_csv_reader *reader, record_scan *scan)
{
    const char *open = scan->cursor;
    const char *p = open + 1;
    bool escaped = false;

    for (;;) {
        const char *quote = memchr(p, '"', (size_t)(scan->end - p));
        if (quote == NULL)
            return scan->final ? scan_fail(scan, PROBLEM_UNTERMINATED, open) : FIELD_NEED_MORE;
        /* The byte after the quote decides between "" and a closing quote. */
        if (quote + 1 == scan->end && !scan->final)
            return FIELD_NEED_MORE;
        if (quote + 1 < scan->end && quote[1] == '"') {
            escaped = true;
            p = quote + 2;
            continue;
        }

        scan->newlines += count_newlines(open + 1, quote);
        if (!add_field(reader, scan, open + 1, (size_t)(quote - open - 1), true, escaped))
            return FIELD_FAILED;
        return scan_after_quote(reader, scan, quote + 1);
    }
}

static scan_outcome scan_record(credo_csv_reader *reader, record_scan *scan)
{
    scan->cursor = scan->start;
    for (;;) {
        if (scan->count == reader->max_fields) {
            scan_fail(scan, PROBLEM_TOO_MANY_FIELDS, scan->cursor);
            return SCAN_FAILED;
        }

        field_end end;
        if (scan->cursor < scan->end && *scan->cursor == '"')
            end = scan_quoted(reader, scan);
        else
            end = scan_unquoted(reader, scan);

        switch (end) {
        case FIELD_DELIMITED: break;
        case FIELD_LAST: return SCAN_RECORD;
        case FIELD_NEED_MORE: return SCAN_NEED_MORE;
        case FIELD_FAILED: return SCAN_FAILED;
        }
    }
}

/* ---- UTF-8 validation ---- */

/* What is wrong with the text of a record. UTF8_NUL is well-formed UTF-8,
 * but callers keep values as C strings, where NUL ends the value. */
typedef enum utf8_problem {
    UTF8_VALID,
    UTF8_NUL,
    UTF8_LONE_CONTINUATION,
    UTF8_INVALID_BYTE,
    UTF8_OVERLONG,
    UTF8_SURROGATE,
    UTF8_TOO_LARGE,
    UTF8_TRUNCATED
} utf8_problem;

/* Checks the bytes after a lead byte against the ranges of the Unicode
 * standard's table of well-formed UTF-8 byte sequences (Table 3-7). The
 * second byte's range depends on the lead: E0 A0..BF, ED 80..9F,
 * F0 90..BF and F4 80..8F exclude overlong forms, surrogates and code
 * points above U+10FFFF. Returns the sequence length, or 0 and *problem. */
static size_t check_sequence(const unsigned char *p, size_t available, utf8_problem *problem)
{
    unsigned char lead = p[0];
    unsigned char low = 0x80, high = 0xBF;
    utf8_problem below = UTF8_TRUNCATED, above = UTF8_TRUNCATED;
    size_t length;

    if (lead < 0xC0) {
        *problem = UTF8_LONE_CONTINUATION;
        return 0;
    }
    if (lead < 0xC2) {
        *problem = UTF8_OVERLONG;
        return 0;
    }
    if (lead < 0xE0) {
        length = 2;
    } else if (lead < 0xF0) {
        length = 3;
        if (lead == 0xE0)
            low = 0xA0, below = UTF8_OVERLONG;
        if (lead == 0xED)
            high = 0x9F, above = UTF8_SURROGATE;
    } else if (lead < 0xF5) {
        length = 4;
        if (lead == 0xF0)
            low = 0x90, below = UTF8_OVERLONG;
        if (lead == 0xF4)
            high = 0x8F, above = UTF8_TOO_LARGE;
    } else {
        *problem = lead < 0xF8 ? UTF8_TOO_LARGE : UTF8_INVALID_BYTE;
        return 0;
    }

    for (size_t i = 1; i < length; i++) {
        if (i >= available || (p[i] & 0xC0) != 0x80) {
            *problem = UTF8_TRUNCATED;
            return 0;
        }
        if (i == 1 && (p[1] < low || p[1] > high)) {
            *problem = p[1] < low ? below : above;
            return 0;
        }
    }
    return length;
}

/* Returns the first NUL byte or the first byte of the first ill-formed
 * sequence in [p, end), or NULL when all of it is valid UTF-8 without NUL. */
static const unsigned char *find_invalid_utf8(const unsigned char *p, const unsigned char *end,
                                              utf8_problem *problem)
{
    while (p < end) {
        if (end - p >= 16) {
            uint64_t words[2];
            memcpy(words, p, sizeof words);
            bool ascii = ((words[0] | words[1]) & BYTE_HIGH_BITS) == 0;
            if (ascii && (zero_bytes(words[0]) | zero_bytes(words[1])) == 0) {
                p += 16;
                continue;
            }
        }
        if (*p == 0) {
            *problem = UTF8_NUL;
            return p;
        }
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t length = check_sequence(p, (size_t)(end - p), problem);
        if (length == 0)
            return p;
        p += length;
    }
    *problem = UTF8_VALID;
    return NULL;
}

static const char *describe_utf8_problem(utf8_problem problem)
{
    switch (problem) {
    case UTF8_VALID:
    case UTF8_NUL: break;
    case UTF8_LONE_CONTINUATION: return "is a continuation byte without a lead byte";
    case UTF8_INVALID_BYTE: return "never occurs in UTF-8";
    case UTF8_OVERLONG: return "starts an overlong encoding";
    case UTF8_SURROGATE: return "starts an encoded surrogate, U+D800 to U+DFFF";
    case UTF8_TOO_LARGE: return "starts a code point above U+10FFFF";
    case UTF8_TRUNCATED: return "starts a truncated sequence";
    }
    return "is valid";
}

/* ---- Errors ---- */

/* Finds the line and byte column of at, which lies in the record that
 * starts at column 1 of reader->line. */
static void locate(const credo_csv_reader *reader, const char *start, const char *at,
                   unsigned long *line, size_t *column)
{
    const char *line_start = start;
    *line = reader->line;
    for (const char *p = start; p < at; p++) {
        if (*p == '\n') {
            (*line)++;
            line_start = p + 1;
        }
    }
    *column = (size_t)(at - line_start) + 1;
}

/* Copies the reader's stored error to err and returns its status. */
static credo_status keep_failure(credo_csv_reader *reader, credo_error *err)
{
    if (err != NULL)
        *err = reader->failure;
    return reader->failure.status;
}

__attribute__((format(printf, 6, 7))) static credo_status
fail_at(credo_csv_reader *reader, const char *start, const char *at, credo_status status,
        credo_error *err, const char *fmt, ...)
{
    char detail[CREDO_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, fmt);
    vsnprintf(detail, sizeof detail, fmt, args);
    va_end(args);

    unsigned long line;
    size_t column;
    locate(reader, start, at, &line, &column);
    credo_error_set(&reader->failure, status, "%s:%lu:%zu: %s", reader->name, line, column, detail);
    return keep_failure(reader, err);
}

static credo_status fail_no_memory(credo_csv_reader *reader, credo_error *err)
{
    credo_error_set(&reader->failure, CREDO_ERR_NOMEM,
                    "%s: out of memory while reading a record; free memory or lower "
                    "max_record_bytes and max_fields",
                    reader->name);
    return keep_failure(reader, err);
}

/* Reports invalid UTF-8 or a NUL byte in [start, end) and returns CREDO_OK
 * when there is neither. */
static credo_status check_utf8(credo_csv_reader *reader, const char *start, const char *end,
                               credo_error *err)
{
    utf8_problem problem;
    const unsigned char *bad = find_invalid_utf8((const unsigned char *)start,
                                                 (const unsigned char *)end, &problem);
    if (bad == NULL)
        return CREDO_OK;
    if (problem == UTF8_NUL)
        return fail_at(reader, start, (const char *)bad, CREDO_ERR_INVALID, err,
                       "NUL byte in a field; values cannot contain NUL. If the file is UTF-16 "
                       "(a NUL after most ASCII characters), re-export it as UTF-8, otherwise "
                       "remove the byte");
    return fail_at(reader, start, (const char *)bad, CREDO_ERR_INVALID, err,
                   "invalid UTF-8 byte 0x%02X (%s); re-export the file as UTF-8", *bad,
                   describe_utf8_problem(problem));
}

/* Formats the byte c for a message: 'x' when printable ASCII, else hex. */
static void describe_byte(char c, char *text, size_t size)
{
    unsigned char byte = (unsigned char)c;
    if (byte >= 0x20 && byte < 0x7F && byte != '\'')
        snprintf(text, size, "'%c'", c);
    else
        snprintf(text, size, "0x%02X", byte);
}

static credo_status fail_after_quote(credo_csv_reader *reader, const record_scan *scan,
                                     credo_error *err)
{
    char found[8], delimiter[8];
    describe_byte(*scan->problem_at, found, sizeof found);
    describe_byte(reader->delimiter, delimiter, sizeof delimiter);
    return fail_at(reader, scan->start, scan->problem_at, CREDO_ERR_INVALID, err,
                   "unexpected byte %s after a closing quote; end the field with the quote and "
                   "follow it with the delimiter %s or a line break, or double a quote that is "
                   "part of the field",
                   found, delimiter);
}

/* Reports the problem found by the scan. A problem found more than
 * max_record_bytes into the record is reported as the size limit, because
 * a reader that has read only that far reports the limit, and the error
 * must not depend on how much input was read. Invalid UTF-8 before the
 * problem comes first in the input, so it is reported instead. */
static credo_status report_problem(credo_csv_reader *reader, const record_scan *scan,
                                   credo_error *err)
{
    const char *start = scan->start;
    const char *at = scan->problem_at;
    scan_problem problem = scan->problem;

    if (problem == PROBLEM_NO_MEMORY)
        return fail_no_memory(reader, err);

    const char *found_at = problem == PROBLEM_UNTERMINATED ? scan->end : at;
    if ((size_t)(found_at - start) > reader->max_record_bytes)
        problem = PROBLEM_TOO_LONG;

    const char *checked_end = at;
    if (problem == PROBLEM_UNTERMINATED)
        checked_end = scan->end;
    else if (problem == PROBLEM_TOO_LONG)
        checked_end = start + reader->max_record_bytes;
    if (check_utf8(reader, start, checked_end, err) != CREDO_OK)
        return reader->failure.status;

    switch (problem) {
    case PROBLEM_BARE_QUOTE:
        return fail_at(reader, start, at, CREDO_ERR_INVALID, err,
                       "quote inside an unquoted field; enclose the whole field in quotes and "
                       "double each quote inside it");
    case PROBLEM_AFTER_QUOTE:
        return fail_after_quote(reader, scan, err);
    case PROBLEM_UNTERMINATED:
        return fail_at(reader, start, at, CREDO_ERR_INVALID, err,
                       "quoted field is not closed before the end of the input; add the "
                       "missing closing quote");
    case PROBLEM_TOO_MANY_FIELDS:
        return fail_at(reader, start, at, CREDO_ERR_LIMIT, err,
                       "record has more than %zu fields; check the delimiter, or raise "
                       "max_fields",
                       reader->max_fields);
    case PROBLEM_TOO_LONG:
        return fail_at(reader, start, start, CREDO_ERR_LIMIT, err,
                       "record is longer than %zu bytes; look for a quote that is never "
                       "closed, or %s",
                       reader->max_record_bytes, reader->max_record_advice);
    case PROBLEM_NONE:
    case PROBLEM_NO_MEMORY: break;
    }
    return fail_no_memory(reader, err);
}

/* ---- Finish pass ---- */

/* Copies [p, end) to out with each "" turned into one quote and returns
 * the end of the copy. */
static char *unescape(const char *p, const char *end, char *out)
{
    while (p < end) {
        const char *quote = memchr(p, '"', (size_t)(end - p));
        const char *stop = quote == NULL ? end : quote + 1;
        memcpy(out, p, (size_t)(stop - p));
        out += stop - p;
        /* The scan accepted the field, so a second quote follows. */
        p = quote == NULL ? end : quote + 2;
    }
    return out;
}

static bool unescape_fields(credo_csv_reader *reader, const record_scan *scan)
{
    if (scan->escaped_count == 0)
        return true;

    size_t needed = (size_t)(scan->content_end - scan->start);
    if (needed > reader->unescaped_capacity) {
        char *storage = realloc(reader->unescaped, needed);
        if (storage == NULL)
            return false;
        reader->unescaped = storage;
        reader->unescaped_capacity = needed;
    }

    char *out = reader->unescaped;
    for (size_t i = 0; i < scan->escaped_count; i++) {
        credo_csv_field *field = &reader->fields[reader->escaped[i]];
        char *copy = out;
        out = unescape(field->data, field->data + field->length, out);
        field->data = copy;
        field->length = (size_t)(out - copy);
    }
    return true;
}

static credo_status finish_record(credo_csv_reader *reader, const record_scan *scan,
                                  credo_csv_record *record, credo_error *err)
{
    size_t content = (size_t)(scan->content_end - scan->start);
    bool too_long = content > reader->max_record_bytes;
    const char *checked_end = too_long ? scan->start + reader->max_record_bytes : scan->content_end;

    if (check_utf8(reader, scan->start, checked_end, err) != CREDO_OK)
        return reader->failure.status;
    if (too_long) {
        record_scan failed = *scan;
        failed.problem = PROBLEM_TOO_LONG;
        failed.problem_at = scan->start;
        return report_problem(reader, &failed, err);
    }
    if (!unescape_fields(reader, scan))
        return fail_no_memory(reader, err);

    record->fields = reader->fields;
    record->count = scan->count;
    record->line = reader->line;
    record->number = ++reader->number;

    reader->position = (size_t)(scan->next - reader->data);
    reader->line += 1 + scan->newlines;
    return CREDO_OK;
}

/* ---- Input ---- */

static bool grow_buffer(credo_csv_reader *reader, size_t capacity)
{
    char *buffer = realloc(reader->buffer, capacity);
    if (buffer == NULL)
        return false;
    reader->buffer = buffer;
    reader->data = buffer;
    reader->capacity = capacity;
    return true;
}

/* Moves the unread bytes to the front of the buffer and reads after them. */
static credo_status refill(credo_csv_reader *reader, credo_error *err)
{
    if (reader->file == NULL) {
        reader->end_of_input = true;
        return CREDO_OK;
    }

    size_t keep = reader->length - reader->position;
    memmove(reader->buffer, reader->buffer + reader->position, keep);
    reader->position = 0;
    reader->length = keep;
    /* Doubling while one record fills more than half the buffer keeps the
     * rescans of a long record linear in its length. */
    if (keep > reader->capacity / 2 && !grow_buffer(reader, reader->capacity * 2))
        return fail_no_memory(reader, err);

    size_t requested = reader->capacity - keep;
    size_t got = fread(reader->buffer + keep, 1, requested, reader->file);
    reader->length += got;
    if (got < requested) {
        if (ferror(reader->file)) {
            credo_error_set(&reader->failure, CREDO_ERR_IO,
                            "%s: reading failed: %s; check that the file is readable",
                            reader->name, strerror(errno));
            return keep_failure(reader, err);
        }
        reader->end_of_input = true;
    }
    return CREDO_OK;
}

/* Skips a UTF-8 byte order mark at the start of the input. */
static credo_status skip_byte_order_mark(credo_csv_reader *reader, credo_error *err)
{
    reader->started = true;
    while (reader->length - reader->position < 3 && !reader->end_of_input) {
        if (refill(reader, err) != CREDO_OK)
            return reader->failure.status;
    }
    if (reader->length - reader->position >= 3 &&
        memcmp(reader->data + reader->position, "\xEF\xBB\xBF", 3) == 0)
        reader->position += 3;
    return CREDO_OK;
}

credo_status credo_csv_next(credo_csv_reader *reader, credo_csv_record *record, credo_error *err)
{
    *record = (credo_csv_record){NULL, 0, 0, 0};
    if (reader->failure.status != CREDO_OK)
        return keep_failure(reader, err);
    if (!reader->started && skip_byte_order_mark(reader, err) != CREDO_OK)
        return reader->failure.status;

    /* A record may span at most max_record_bytes plus a CR LF line end. */
    size_t window = reader->max_record_bytes + 2;
    for (;;) {
        size_t available = reader->length - reader->position;
        if (available == 0 && reader->end_of_input)
            return CREDO_OK;

        record_scan scan = {0};
        scan.start = reader->data + reader->position;
        scan.end = scan.start + (available > window ? window : available);
        scan.final = reader->end_of_input && available <= window;
        if (available > 0) {
            scan_outcome outcome = scan_record(reader, &scan);
            if (outcome == SCAN_RECORD)
                return finish_record(reader, &scan, record, err);
            if (outcome == SCAN_FAILED)
                return report_problem(reader, &scan, err);
            if (available >= window) {
                scan.problem = PROBLEM_TOO_LONG;
                scan.problem_at = scan.start;
                return report_problem(reader, &scan, err);
            }
        }
        if (refill(reader, err) != CREDO_OK)
            return reader->failure.status;
    }
}

/* ---- Opening and closing ---- */

static credo_status check_delimiter(char delimiter, credo_error *err)
{
    unsigned char byte = (unsigned char)delimiter;
    if (byte != 0 && byte < 0x80 && byte != '"' && byte != '\r' && byte != '\n')
        return CREDO_OK;

    char text[8];
    describe_byte(delimiter, text, sizeof text);
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "invalid CSV delimiter %s; use one ASCII byte other than a quote, "
                           "CR or LF",
                           text);
}

static char *copy_text(const char *text)
{
    size_t size = strlen(text) + 1;
    char *copy = malloc(size);
    if (copy != NULL)
        memcpy(copy, text, size);
    return copy;
}

static void apply_options(credo_csv_reader *reader, const credo_csv_options *options)
{
    credo_csv_options settings = options != NULL ? *options : (credo_csv_options){0};

    reader->delimiter = settings.delimiter != 0 ? settings.delimiter : ',';
    reader->delimiter_word = BYTE_ONES * (unsigned char)reader->delimiter;
    reader->max_record_bytes =
        settings.max_record_bytes != 0 ? settings.max_record_bytes : CREDO_CSV_DEFAULT_MAX_RECORD;
    if (reader->max_record_bytes > MAX_RECORD_BYTES_CAP)
        reader->max_record_bytes = MAX_RECORD_BYTES_CAP;
    reader->max_fields = settings.max_fields != 0 ? settings.max_fields : CREDO_CSV_DEFAULT_MAX_FIELDS;
    if (reader->max_fields > MAX_FIELDS_CAP)
        reader->max_fields = MAX_FIELDS_CAP;
}

/* Allocates a reader with the options applied and no input attached. */
static credo_status create_reader(const char *name, const credo_csv_options *options,
                                  credo_csv_reader **out, credo_error *err)
{
    if (options != NULL && options->delimiter != 0 &&
        check_delimiter(options->delimiter, err) != CREDO_OK)
        return CREDO_ERR_INVALID;

    const char *advice = options != NULL && options->max_record_advice != NULL
                             ? options->max_record_advice
                             : DEFAULT_MAX_RECORD_ADVICE;
    credo_csv_reader *reader = calloc(1, sizeof *reader);
    if (reader != NULL) {
        reader->name = copy_text(name);
        reader->max_record_advice = copy_text(advice);
    }
    if (reader == NULL || reader->name == NULL || reader->max_record_advice == NULL) {
        credo_csv_close(reader);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory opening %s", name);
    }
    apply_options(reader, options);
    reader->line = 1;
    *out = reader;
    return CREDO_OK;
}

credo_status csv_open_stream(FILE *file, const char *name, const credo_csv_options *options,
                             size_t block_bytes, credo_csv_reader **out, credo_error *err)
{
    *out = NULL;
    credo_csv_reader *reader = NULL;
    credo_status status = create_reader(name, options, &reader, err);
    if (status != CREDO_OK)
        goto fail;

    reader->file = file;
    reader->block_bytes = block_bytes > 0 ? block_bytes : 1;
    if (!grow_buffer(reader, reader->block_bytes)) {
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory opening %s", name);
        goto fail;
    }
    *out = reader;
    return CREDO_OK;

fail:
    if (reader != NULL)
        credo_csv_close(reader);
    else
        fclose(file);
    return status;
}

credo_status credo_csv_open(const char *path, const credo_csv_options *options,
                            credo_csv_reader **out, credo_error *err)
{
    *out = NULL;
    if (options != NULL && options->delimiter != 0 &&
        check_delimiter(options->delimiter, err) != CREDO_OK)
        return CREDO_ERR_INVALID;

    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        int error = errno;
        credo_status status = error == ENOENT ? CREDO_ERR_NOT_FOUND : CREDO_ERR_IO;
        return credo_error_set(err, status, "cannot open %s: %s; check the path and permissions",
                               path, strerror(error));
    }
    /* fopen opens a folder on Linux, and only the first read fails. */
    struct stat info;
    if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
        fclose(file);
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot read %s: it is a folder, not a file; give the path of a "
                               "CSV file", path);
    }
    return csv_open_stream(file, path, options, CSV_BLOCK_BYTES, out, err);
}

credo_status credo_csv_open_memory(const char *data, size_t len, const char *name,
                                   const credo_csv_options *options,
                                   credo_csv_reader **out, credo_error *err)
{
    *out = NULL;
    if (name == NULL)
        name = MEMORY_INPUT_NAME;
    if (data == NULL && len > 0)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "%s: data is NULL but length is %zu; pass the buffer", name, len);

    credo_csv_reader *reader = NULL;
    credo_status status = create_reader(name, options, &reader, err);
    if (status != CREDO_OK)
        return status;
    reader->data = data != NULL ? data : "";
    reader->length = len;
    reader->end_of_input = true;
    *out = reader;
    return CREDO_OK;
}

const char *credo_csv_name(const credo_csv_reader *reader)
{
    return reader->name;
}

void credo_csv_close(credo_csv_reader *reader)
{
    if (reader == NULL)
        return;
    if (reader->file != NULL)
        fclose(reader->file);
    free(reader->buffer);
    free(reader->fields);
    free(reader->escaped);
    free(reader->unescaped);
    free(reader->name);
    free(reader->max_record_advice);
    free(reader);
}
