/* Tests of the streaming CSV reader. Expected fields, lines and columns
 * were worked out by hand from the inputs. Every input given to
 * parse_case is also read from a temporary file with small block sizes, and
 * the results must match the memory reader's exactly, so that each case
 * also covers records that cross block boundaries. */
#include "test_support.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/csv.h"
#include "csv_internal.h"

/* Name given to every reader, so that messages from memory and file input
 * can be compared. */
#define CASE_NAME "t.csv"

/* Passes a string literal as pointer and length, embedded NUL bytes and
 * all. */
#define TEXT(literal) (literal), (sizeof(literal) - 1)

/* ---- Collecting records ------------------------------------------------ */

typedef struct parsed_field {
    char *data;
    size_t length;
    bool quoted;
} parsed_field;

typedef struct parsed_record {
    parsed_field *fields;
    size_t count;
    unsigned long line;
    unsigned long number;
} parsed_record;

/* Every record a reader returned, and how reading ended. */
typedef struct parsed {
    parsed_record *records;
    size_t count;
    credo_status status;
    credo_error error;
} parsed;

static void *checked_malloc(size_t size)
{
    void *memory = malloc(size == 0 ? 1 : size);
    if (memory == NULL)
        fail_msg("out of memory");
    return memory;
}

static void copy_record(parsed_record *copy, const credo_csv_record *record)
{
    copy->count = record->count;
    copy->line = record->line;
    copy->number = record->number;
    copy->fields = checked_malloc(record->count * sizeof *copy->fields);
    for (size_t i = 0; i < record->count; i++) {
        const credo_csv_field *field = &record->fields[i];
        copy->fields[i].data = checked_malloc(field->length);
        memcpy(copy->fields[i].data, field->data, field->length);
        copy->fields[i].length = field->length;
        copy->fields[i].quoted = field->quoted;
    }
}

/* Reads every record of reader into result and closes the reader. */
static void collect(credo_csv_reader *reader, parsed *result)
{
    size_t capacity = 0;
    for (;;) {
        credo_csv_record record;
        result->status = credo_csv_next(reader, &record, &result->error);
        if (result->status != CREDO_OK || record.count == 0)
            break;
        if (result->count == capacity) {
            capacity = capacity == 0 ? 8 : capacity * 2;
            result->records = realloc(result->records, capacity * sizeof *result->records);
            if (result->records == NULL)
                fail_msg("out of memory");
        }
        copy_record(&result->records[result->count++], &record);
    }
    credo_csv_close(reader);
}

static void free_parsed(parsed *result)
{
    for (size_t i = 0; i < result->count; i++) {
        for (size_t j = 0; j < result->records[i].count; j++)
            free(result->records[i].fields[j].data);
        free(result->records[i].fields);
    }
    free(result->records);
    memset(result, 0, sizeof *result);
}

static void parse_memory(const char *text, size_t length, const credo_csv_options *options,
                         parsed *result)
{
    memset(result, 0, sizeof *result);
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    if (credo_csv_open_memory(text, length, CASE_NAME, options, &reader, &err) != CREDO_OK)
        fail_msg("opening memory input failed: %s", err.message);
    collect(reader, result);
}

/* Reads text through a temporary file, block_bytes per read. */
static void parse_stream(const char *text, size_t length, const credo_csv_options *options,
                         size_t block_bytes, parsed *result)
{
    memset(result, 0, sizeof *result);
    FILE *file = tmpfile();
    if (file == NULL)
        fail_msg("cannot create a temporary file");
    if (fwrite(text, 1, length, file) != length)
        fail_msg("cannot write a temporary file");
    rewind(file);

    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    if (csv_open_stream(file, CASE_NAME, options, block_bytes, &reader, &err) != CREDO_OK)
        fail_msg("opening stream input failed: %s", err.message);
    collect(reader, result);
}

static void assert_same_parse(const parsed *expected, const parsed *actual)
{
    assert_int_equal(actual->status, expected->status);
    assert_string_equal(actual->error.message, expected->error.message);
    assert_int_equal(actual->count, expected->count);
    for (size_t i = 0; i < expected->count; i++) {
        const parsed_record *want = &expected->records[i];
        const parsed_record *got = &actual->records[i];
        assert_int_equal(got->line, want->line);
        assert_int_equal(got->number, want->number);
        assert_int_equal(got->count, want->count);
        for (size_t j = 0; j < want->count; j++) {
            assert_int_equal(got->fields[j].length, want->fields[j].length);
            assert_memory_equal(got->fields[j].data, want->fields[j].data, want->fields[j].length);
            assert_int_equal(got->fields[j].quoted, want->fields[j].quoted);
        }
    }
}

/* Reads text from memory into result, and checks that file input with
 * blocks of 1, 2, 3, 5 and 64 bytes gives the same records and error. */
static void parse_case(const char *text, size_t length, const credo_csv_options *options,
                       parsed *result)
{
    static const size_t block_sizes[] = {1, 2, 3, 5, 64};
    parse_memory(text, length, options, result);
    for (size_t i = 0; i < sizeof block_sizes / sizeof block_sizes[0]; i++) {
        parsed streamed;
        parse_stream(text, length, options, block_sizes[i], &streamed);
        assert_same_parse(result, &streamed);
        free_parsed(&streamed);
    }
}

/* ---- Assertions --------------------------------------------------------- */

static void assert_field(const parsed *result, size_t record, size_t field, const char *text,
                         size_t length, bool quoted)
{
    assert_true(record < result->count);
    assert_true(field < result->records[record].count);
    const parsed_field *got = &result->records[record].fields[field];
    assert_int_equal(got->length, length);
    assert_memory_equal(got->data, text, length);
    assert_int_equal(got->quoted, quoted);
}

/* Checks a field given as a NUL-terminated string. */
static void assert_text(const parsed *result, size_t record, size_t field, const char *text,
                        bool quoted)
{
    assert_field(result, record, field, text, strlen(text), quoted);
}

static void assert_record_shape(const parsed *result, size_t record, size_t fields,
                                unsigned long line)
{
    assert_true(record < result->count);
    assert_int_equal(result->records[record].count, fields);
    assert_int_equal(result->records[record].line, line);
    assert_int_equal(result->records[record].number, record + 1);
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* Checks that reading ended with status at "t.csv:LINE:COLUMN: ", that the
 * message contains phrase, and that an advice part follows "; ". */
static void assert_error_at(const parsed *result, credo_status status, unsigned long line,
                            unsigned long column, const char *phrase)
{
    assert_int_equal(result->status, status);
    assert_int_equal(result->error.status, status);

    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s:%lu:%lu: ", CASE_NAME, line, column);
    char head[64] = "";
    strncat(head, result->error.message, strlen(prefix));
    assert_string_equal(head, prefix);
    assert_contains(result->error.message, phrase);
    assert_contains(result->error.message, "; ");
}

/* Parses text that must fail and checks where. */
static void check_rejected(const char *text, size_t length, const credo_csv_options *options,
                           credo_status status, unsigned long line, unsigned long column,
                           const char *phrase)
{
    parsed result;
    parse_case(text, length, options, &result);
    assert_error_at(&result, status, line, column, phrase);
    free_parsed(&result);
}

static void check_invalid_utf8(const char *text, size_t length, unsigned long line,
                               unsigned long column, const char *phrase)
{
    check_rejected(text, length, NULL, CREDO_ERR_INVALID, line, column, phrase);
    check_rejected(text, length, NULL, CREDO_ERR_INVALID, line, column,
                   "re-export the file as UTF-8");
}

/* ---- Accepted input ----------------------------------------------------- */

static void csv_two_records_lf(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,b\nc,d\n"), NULL, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 0, 2, 1);
    assert_record_shape(&result, 1, 2, 2);
    assert_text(&result, 0, 0, "a", false);
    assert_text(&result, 0, 1, "b", false);
    assert_text(&result, 1, 0, "c", false);
    assert_text(&result, 1, 1, "d", false);
    free_parsed(&result);
}

static void csv_crlf_line_ends(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,b\r\nc,\r\n"), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 1, 2, 2);
    assert_text(&result, 0, 1, "b", false);
    assert_text(&result, 1, 0, "c", false);
    assert_text(&result, 1, 1, "", false);
    free_parsed(&result);
}

static void csv_quoted_delimiter(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("\"a,b\",c\n"), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 0, "a,b", true);
    assert_text(&result, 0, 1, "c", false);
    free_parsed(&result);
}

static void csv_doubled_quotes(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("\"say \"\"hi\"\"\",\"\"\"\"\"\",x\n"), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_record_shape(&result, 0, 3, 1);
    assert_text(&result, 0, 0, "say \"hi\"", true);
    assert_text(&result, 0, 1, "\"\"", true);
    assert_text(&result, 0, 2, "x", false);
    free_parsed(&result);
}

static void csv_quoted_line_breaks(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("\"a\nb\",\"c\r\nd\"\nnext\n"), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 0, "a\nb", true);
    assert_text(&result, 0, 1, "c\r\nd", true);
    assert_record_shape(&result, 1, 1, 4);
    assert_text(&result, 1, 0, "next", false);
    free_parsed(&result);
}

static void csv_quoted_then_crlf(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("\"a\"\r\n\"b\"\r\n"), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 1, 1, 2);
    assert_text(&result, 0, 0, "a", true);
    assert_text(&result, 1, 0, "b", true);
    free_parsed(&result);
}

static void csv_byte_order_mark_skipped(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("\xEF\xBB\xBFid,name\n1,x\n"), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 0, "id", false);
    assert_text(&result, 1, 1, "x", false);
    free_parsed(&result);
}

static void csv_byte_order_mark_only(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("\xEF\xBB\xBF"), NULL, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 0);
    free_parsed(&result);
}

static void csv_byte_order_mark_later_is_data(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a\n\xEF\xBB\xBF" "b\n"), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_text(&result, 1, 0, "\xEF\xBB\xBF" "b", false);
    free_parsed(&result);
}

static void csv_missing_final_line_end(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,b\nc,d"), NULL, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 1, 2, 2);
    assert_text(&result, 1, 1, "d", false);
    free_parsed(&result);
}

static void csv_final_lf_one_record(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,b\n"), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_record_shape(&result, 0, 2, 1);
    free_parsed(&result);
}

static void csv_final_crlf_one_record(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,b\r\n"), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 1, "b", false);
    free_parsed(&result);
}

static void csv_empty_last_line(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,b\n\n"), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 1, 1, 2);
    assert_text(&result, 1, 0, "", false);
    free_parsed(&result);
}

static void csv_empty_line_crlf(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a\r\n\r\nb\r\n"), NULL, &result);
    assert_int_equal(result.count, 3);
    assert_record_shape(&result, 1, 1, 2);
    assert_text(&result, 1, 0, "", false);
    assert_record_shape(&result, 2, 1, 3);
    free_parsed(&result);
}

static void csv_empty_input(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT(""), NULL, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 0);
    free_parsed(&result);
}

static void csv_empty_fields(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT(",,\n\"\",x,\"\"\n"), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 0, 3, 1);
    assert_text(&result, 0, 0, "", false);
    assert_text(&result, 0, 2, "", false);
    assert_record_shape(&result, 1, 3, 2);
    assert_text(&result, 1, 0, "", true);
    assert_text(&result, 1, 2, "", true);
    free_parsed(&result);
}

static void csv_trailing_delimiter_at_end(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,"), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 1, "", false);
    free_parsed(&result);
}

static void csv_pipe_delimiter(void **state)
{
    (void)state;
    credo_csv_options options = {.delimiter = '|'};
    parsed result;
    parse_case(TEXT("a|b,c|\"d|e\"\n"), &options, &result);
    assert_record_shape(&result, 0, 3, 1);
    assert_text(&result, 0, 1, "b,c", false);
    assert_text(&result, 0, 2, "d|e", true);
    free_parsed(&result);
}

static void csv_semicolon_delimiter(void **state)
{
    (void)state;
    credo_csv_options options = {.delimiter = ';'};
    parsed result;
    parse_case(TEXT("1,5;2,25\n"), &options, &result);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 0, "1,5", false);
    assert_text(&result, 0, 1, "2,25", false);
    free_parsed(&result);
}

static void csv_tab_delimiter(void **state)
{
    (void)state;
    credo_csv_options options = {.delimiter = '\t'};
    parsed result;
    parse_case(TEXT("a b\t\"c\td\"\t\r\n"), &options, &result);
    assert_record_shape(&result, 0, 3, 1);
    assert_text(&result, 0, 0, "a b", false);
    assert_text(&result, 0, 1, "c\td", true);
    assert_text(&result, 0, 2, "", false);
    free_parsed(&result);
}

static void csv_lone_cr_is_data(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a\rb,c\r\n"), NULL, &result);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 0, "a\rb", false);
    assert_text(&result, 0, 1, "c", false);
    free_parsed(&result);
}

static void csv_cr_at_end_is_data(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,b\r"), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_text(&result, 0, 1, "b\r", false);
    free_parsed(&result);
}

static void csv_quoted_at_end_of_input(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("a,\"b\"\"\""), NULL, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_record_shape(&result, 0, 2, 1);
    assert_text(&result, 0, 1, "b\"", true);
    free_parsed(&result);
}

static void csv_line_numbers_count_quoted_lines(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("h\n\"1\n2\n3\"\n\nx,\"y\r\nz\"\nlast"), NULL, &result);
    assert_int_equal(result.count, 5);
    assert_record_shape(&result, 0, 1, 1);
    assert_record_shape(&result, 1, 1, 2);
    assert_record_shape(&result, 2, 1, 5);
    assert_record_shape(&result, 3, 2, 6);
    assert_record_shape(&result, 4, 1, 8);
    assert_text(&result, 4, 0, "last", false);
    free_parsed(&result);
}

static void csv_valid_utf8_accepted(void **state)
{
    (void)state;
    /* Boundaries of each well-formed range: U+0080, U+07FF, U+0800, U+D7FF,
     * U+E000, U+FFFF, U+10000 and U+10FFFF. */
    parsed result;
    parse_case(TEXT("\xC2\x80,\xDF\xBF,\xE0\xA0\x80,\xED\x9F\xBF,\xEE\x80\x80,\xEF\xBF\xBF,"
                    "\xF0\x90\x80\x80,\"\xF4\x8F\xBF\xBF\"\n"),
               NULL, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_record_shape(&result, 0, 8, 1);
    assert_text(&result, 0, 0, "\xC2\x80", false);
    assert_text(&result, 0, 3, "\xED\x9F\xBF", false);
    assert_text(&result, 0, 4, "\xEE\x80\x80", false);
    assert_text(&result, 0, 7, "\xF4\x8F\xBF\xBF", true);
    free_parsed(&result);
}

/* A NUL byte would end a value that callers keep as a C string, so that
 * "US\0D" became "US" and the ids "d9\0a" and "d9\0b" were both "d9". */
static void csv_nul_byte_rejected(void **state)
{
    (void)state;
    check_rejected(TEXT("a\0b,c\n"), NULL, CREDO_ERR_INVALID, 1, 2, "NUL byte in a field");
    check_rejected(TEXT("country\nUS\0D\n"), NULL, CREDO_ERR_INVALID, 2, 3, "NUL byte");
    check_rejected(TEXT("id\nd9\0a\nd9\0b\n"), NULL, CREDO_ERR_INVALID, 2, 3, "NUL byte");
    check_rejected(TEXT("x,\"a\nb\0\"\n"), NULL, CREDO_ERR_INVALID, 2, 2, "NUL byte");
    check_rejected(TEXT("\0"), NULL, CREDO_ERR_INVALID, 1, 1, "remove the byte");
}

/* Past the first eight and sixteen bytes, where the ASCII fast path reads
 * whole words, and in the second word of a sixteen-byte block. */
static void csv_nul_byte_after_ascii_run(void **state)
{
    (void)state;
    check_rejected(TEXT("0123456789abcdef0123\0\n"), NULL, CREDO_ERR_INVALID, 1, 21, "NUL");
    check_rejected(TEXT("0123\0" "56789abcdefghijklm\n"), NULL, CREDO_ERR_INVALID, 1, 5, "NUL");
    check_rejected(TEXT("0123456789ab\0def0123456789\n"), NULL, CREDO_ERR_INVALID, 1, 13,
                   "NUL");
    check_rejected(TEXT("ab,\xC3\xA9\0" "0123456789abcdef\n"), NULL, CREDO_ERR_INVALID, 1, 6,
                   "NUL");
}

/* UTF-16LE without a byte order mark puts a NUL after each ASCII letter. */
static void csv_nul_byte_names_utf16(void **state)
{
    (void)state;
    check_rejected(TEXT("i\0d\0\n\0"), NULL, CREDO_ERR_INVALID, 1, 2, "re-export it as UTF-8");
}

static void csv_record_at_byte_limit(void **state)
{
    (void)state;
    /* Five bytes each, line ends not counted, quotes counted. */
    credo_csv_options options = {.max_record_bytes = 5};
    parsed result;
    parse_case(TEXT("abcde\nab,cd\r\n\"abc\"\nabcde"), &options, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 4);
    assert_text(&result, 2, 0, "abc", true);
    assert_text(&result, 3, 0, "abcde", false);
    free_parsed(&result);
}

static void csv_record_at_field_limit(void **state)
{
    (void)state;
    credo_csv_options options = {.max_fields = 3};
    parsed result;
    parse_case(TEXT("a,b,c\n,,\n"), &options, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 2);
    assert_record_shape(&result, 1, 3, 2);
    free_parsed(&result);
}

static void csv_end_repeats(void **state)
{
    (void)state;
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    assert_int_equal(credo_csv_open_memory(TEXT("a\n"), NULL, NULL, &reader, &err), CREDO_OK);
    assert_string_equal(credo_csv_name(reader), "<memory>");

    credo_csv_record record;
    assert_int_equal(credo_csv_next(reader, &record, &err), CREDO_OK);
    assert_int_equal(record.count, 1);
    assert_int_equal(credo_csv_next(reader, &record, &err), CREDO_OK);
    assert_int_equal(record.count, 0);
    assert_int_equal(credo_csv_next(reader, &record, &err), CREDO_OK);
    assert_int_equal(record.count, 0);
    credo_csv_close(reader);
}

static void csv_error_repeats(void **state)
{
    (void)state;
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    assert_int_equal(credo_csv_open_memory(TEXT("a\nb\"\nc\n"), "x.csv", NULL, &reader, &err),
                     CREDO_OK);

    credo_csv_record record;
    assert_int_equal(credo_csv_next(reader, &record, &err), CREDO_OK);
    assert_int_equal(credo_csv_next(reader, &record, &err), CREDO_ERR_INVALID);
    assert_int_equal(record.count, 0);
    char first[CREDO_ERROR_MESSAGE_MAX];
    memcpy(first, err.message, sizeof first);

    credo_error again = {0};
    assert_int_equal(credo_csv_next(reader, &record, &again), CREDO_ERR_INVALID);
    assert_int_equal(record.count, 0);
    assert_string_equal(again.message, first);
    credo_csv_close(reader);
}

static void csv_close_accepts_null(void **state)
{
    (void)state;
    credo_csv_close(NULL);
}

/* ---- Rejected input ----------------------------------------------------- */

static void csv_quote_in_unquoted_field(void **state)
{
    (void)state;
    check_rejected(TEXT("ab\"c\n"), NULL, CREDO_ERR_INVALID, 1, 3,
                   "quote inside an unquoted field");
    check_rejected(TEXT("x\nab,c\"d\n"), NULL, CREDO_ERR_INVALID, 2, 5,
                   "quote inside an unquoted field");
}

static void csv_quote_error_message(void **state)
{
    (void)state;
    parsed result;
    parse_case(TEXT("ok\nab\"c\n"), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_string_equal(result.error.message,
                        "t.csv:2:3: quote inside an unquoted field; enclose the whole field in "
                        "quotes and double each quote inside it");
    free_parsed(&result);
}

static void csv_byte_after_closing_quote(void **state)
{
    (void)state;
    check_rejected(TEXT("\"ab\"c,d\n"), NULL, CREDO_ERR_INVALID, 1, 5, "unexpected byte 'c'");
    check_rejected(TEXT("x\n\"ab\" ,d\n"), NULL, CREDO_ERR_INVALID, 2, 5, "unexpected byte ' '");
    check_rejected(TEXT("\"a\nb\"x\n"), NULL, CREDO_ERR_INVALID, 2, 3, "after a closing quote");
}

static void csv_byte_after_closing_quote_names_delimiter(void **state)
{
    (void)state;
    credo_csv_options options = {.delimiter = ';'};
    check_rejected(TEXT("\"a\",b\n"), &options, CREDO_ERR_INVALID, 1, 4, "delimiter ';'");
}

static void csv_cr_after_closing_quote(void **state)
{
    (void)state;
    check_rejected(TEXT("\"ab\"\r"), NULL, CREDO_ERR_INVALID, 1, 5, "unexpected byte 0x0D");
    check_rejected(TEXT("\"ab\"\rx\n"), NULL, CREDO_ERR_INVALID, 1, 5, "unexpected byte 0x0D");
}

static void csv_unterminated_quote(void **state)
{
    (void)state;
    check_rejected(TEXT("a,b\nc,\"d\ne\nf"), NULL, CREDO_ERR_INVALID, 2, 3,
                   "quoted field is not closed");
    check_rejected(TEXT("\"ab\"\""), NULL, CREDO_ERR_INVALID, 1, 1,
                   "quoted field is not closed");
    check_rejected(TEXT("\""), NULL, CREDO_ERR_INVALID, 1, 1, "add the missing closing quote");
}

static void csv_record_over_byte_limit(void **state)
{
    (void)state;
    credo_csv_options options = {.max_record_bytes = 5};
    check_rejected(TEXT("abcdef\n"), &options, CREDO_ERR_LIMIT, 1, 1, "longer than 5 bytes");
    check_rejected(TEXT("ok\nabc,de\r\n"), &options, CREDO_ERR_LIMIT, 2, 1, "longer than 5 bytes");
    check_rejected(TEXT("ok\nabcdef"), &options, CREDO_ERR_LIMIT, 2, 1,
                   "or raise max_record_bytes");
}

/* The caller's max_record_advice replaces the default advice, so that a
 * user learns where to raise the limit. */
static void csv_record_limit_caller_advice(void **state)
{
    (void)state;
    credo_csv_options options = {.max_record_bytes = 5,
                                 .max_record_advice = "set max_record_bytes on the source"};
    check_rejected(TEXT("abcdef\n"), &options, CREDO_ERR_LIMIT, 1, 1,
                   "is never closed, or set max_record_bytes on the source");

    parsed result;
    parse_case(TEXT("abcdef\n"), &options, &result);
    if (strstr(result.error.message, "raise max_record_bytes") != NULL)
        fail_msg("\"%s\" still gives the default advice", result.error.message);
    free_parsed(&result);
}

static void csv_unclosed_quote_hits_byte_limit(void **state)
{
    (void)state;
    /* The scan stops at the limit instead of reading to the end. */
    credo_csv_options options = {.max_record_bytes = 8};
    check_rejected(TEXT("a\n\"bcdefghijklmnop\nqrstuvwxyz\n"), &options, CREDO_ERR_LIMIT, 2, 1,
                   "longer than 8 bytes");
}

static void csv_record_over_field_limit(void **state)
{
    (void)state;
    credo_csv_options options = {.max_fields = 3};
    check_rejected(TEXT("a,b,c,d\n"), &options, CREDO_ERR_LIMIT, 1, 7, "more than 3 fields");
    check_rejected(TEXT("a\n\"b\nc\",d,e,\"f\"\n"), &options, CREDO_ERR_LIMIT, 3, 8,
                   "max_fields");
}

static void csv_utf8_overlong(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("ok\nab,\xC0\x80\n"), 2, 4, "overlong encoding");
    check_invalid_utf8(TEXT("\xC1\xBF\n"), 1, 1, "overlong encoding");
    check_invalid_utf8(TEXT("a\xE0\x80\x80\n"), 1, 2, "overlong encoding");
    check_invalid_utf8(TEXT("a\xE0\x9F\xBF\n"), 1, 2, "overlong encoding");
    check_invalid_utf8(TEXT("\"\xF0\x8F\xBF\xBF\"\n"), 1, 2, "overlong encoding");
}

static void csv_utf8_surrogate(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("x,\xED\xA0\x80\n"), 1, 3, "surrogate");
    check_invalid_utf8(TEXT("x\n\n\xED\xBF\xBF"), 3, 1, "surrogate");
}

static void csv_utf8_above_max_code_point(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("ab\xF4\x90\x80\x80\n"), 1, 3, "above U+10FFFF");
    check_invalid_utf8(TEXT("\xF5\x80\x80\x80\n"), 1, 1, "above U+10FFFF");
    check_invalid_utf8(TEXT("\xF7\xBF\xBF\xBF\n"), 1, 1, "above U+10FFFF");
}

static void csv_utf8_invalid_bytes(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("caf\xE9\n"), 1, 4, "byte 0xE9 (starts a truncated sequence)");
    check_invalid_utf8(TEXT("a,b\xFF\n"), 1, 4, "byte 0xFF (never occurs in UTF-8)");
    check_invalid_utf8(TEXT("\xF8\x88\x80\x80\x80\n"), 1, 1, "never occurs");
    check_invalid_utf8(TEXT("ab\x80\n"), 1, 3, "continuation byte without a lead byte");
}

static void csv_utf8_truncated(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("ab\xC3"), 1, 3, "truncated sequence");
    check_invalid_utf8(TEXT("\xE2\x82,x\n"), 1, 1, "truncated sequence");
    check_invalid_utf8(TEXT("x\n\xF0\x9F\x98\n"), 2, 1, "truncated sequence");
    check_invalid_utf8(TEXT("\"\xC3\"\n"), 1, 2, "truncated sequence");
}

static void csv_utf8_after_ascii_run(void **state)
{
    (void)state;
    /* Past the first eight bytes and past the first sixteen, where the
     * ASCII fast path reads whole words. */
    check_invalid_utf8(TEXT("abcdefghijk\xFF\n"), 1, 12, "0xFF");
    check_invalid_utf8(TEXT("0123456789,0123456789,0123456789,01234\xC3\n"), 1, 39,
                       "truncated sequence");
    check_invalid_utf8(TEXT("0123456789abcdef0123\xE2\x82\xAC" "0123456789abcdef\xED\xA0\x80\n"), 1,
                       40, "surrogate");
}

static void csv_utf8_column_after_byte_order_mark(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("\xEF\xBB\xBF" "ab\xFF\n"), 1, 3, "0xFF");
}

static void csv_utf8_in_multiline_quote(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("\"a\nbc\xFF\"\n"), 2, 3, "0xFF");
}

static void csv_utf8_reported_before_later_problem(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("a\xFF" "b\"c\n"), 1, 2, "0xFF");
    check_invalid_utf8(TEXT("\"a\xFF"), 1, 3, "0xFF");
}

static void csv_utf8_partial_byte_order_mark(void **state)
{
    (void)state;
    check_invalid_utf8(TEXT("\xEF\xBB"), 1, 1, "truncated sequence");
}

/* ---- Opening ------------------------------------------------------------ */

static void check_bad_delimiter(char delimiter, const char *expected_text)
{
    credo_csv_options options = {.delimiter = delimiter};
    credo_csv_reader *reader = (credo_csv_reader *)&options;
    credo_error err = {0};
    assert_int_equal(credo_csv_open_memory(TEXT("a\n"), NULL, &options, &reader, &err),
                     CREDO_ERR_INVALID);
    assert_null(reader);
    assert_contains(err.message, expected_text);
    assert_contains(err.message, "use one ASCII byte");
}

static void csv_invalid_delimiter_rejected(void **state)
{
    (void)state;
    check_bad_delimiter('"', "'\"'");
    check_bad_delimiter('\n', "0x0A");
    check_bad_delimiter('\r', "0x0D");
    check_bad_delimiter((char)0xA7, "0xA7");
}

static void csv_invalid_delimiter_rejected_for_file(void **state)
{
    (void)state;
    credo_csv_options options = {.delimiter = '"'};
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    assert_int_equal(credo_csv_open(CREDO_TEST_DATA "/csv/accounts.csv", &options, &reader, &err),
                     CREDO_ERR_INVALID);
    assert_null(reader);
}

static void csv_missing_file(void **state)
{
    (void)state;
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    const char *path = CREDO_TEST_DATA "/csv/no-such-file.csv";
    assert_int_equal(credo_csv_open(path, NULL, &reader, &err), CREDO_ERR_NOT_FOUND);
    assert_null(reader);
    assert_contains(err.message, path);
    assert_contains(err.message, "check the path");
}

/* fopen opens a folder on Linux; the reader must not report the failed
 * read as an I/O error. */
static void csv_folder_rejected(void **state)
{
    (void)state;
    char *dir = test_make_tempdir("csv-folder");
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    assert_int_equal(credo_csv_open(dir, NULL, &reader, &err), CREDO_ERR_INVALID);
    assert_null(reader);
    assert_contains(err.message, dir);
    assert_contains(err.message, "is a folder, not a file");
    free(dir);
}

static void csv_memory_null_data(void **state)
{
    (void)state;
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    assert_int_equal(credo_csv_open_memory(NULL, 3, "m", NULL, &reader, &err), CREDO_ERR_INVALID);
    assert_null(reader);
    assert_int_equal(credo_csv_open_memory(NULL, 0, "m", NULL, &reader, &err), CREDO_OK);

    credo_csv_record record;
    assert_int_equal(credo_csv_next(reader, &record, &err), CREDO_OK);
    assert_int_equal(record.count, 0);
    credo_csv_close(reader);
}

static void csv_read_error_reported(void **state)
{
    (void)state;
    /* Reading a stream opened for writing only fails with EBADF. */
    char *dir = test_make_tempdir("csv-read-error");
    char *path = test_path_join(dir, "write-only.csv");
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    assert_int_equal(csv_open_stream(file, "w.csv", NULL, 64, &reader, &err), CREDO_OK);

    credo_csv_record record;
    assert_int_equal(credo_csv_next(reader, &record, &err), CREDO_ERR_IO);
    assert_contains(err.message, "w.csv: reading failed");
    credo_csv_close(reader);
    free(path);
    free(dir);
}

/* ---- Files -------------------------------------------------------------- */

static void parse_file(const char *path, parsed *result)
{
    memset(result, 0, sizeof *result);
    credo_csv_reader *reader = NULL;
    credo_error err = {0};
    if (credo_csv_open(path, NULL, &reader, &err) != CREDO_OK)
        fail_msg("opening %s failed: %s", path, err.message);
    assert_string_equal(credo_csv_name(reader), path);
    collect(reader, result);
}

static void csv_file_accounts(void **state)
{
    (void)state;
    parsed result;
    parse_file(CREDO_TEST_DATA "/csv/accounts.csv", &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 5);
    assert_record_shape(&result, 0, 4, 1);
    assert_text(&result, 0, 0, "id", false);
    assert_record_shape(&result, 1, 4, 2);
    assert_text(&result, 1, 1, "Acme, Inc.", true);
    assert_text(&result, 1, 3, "New York", false);
    assert_record_shape(&result, 2, 4, 3);
    assert_text(&result, 2, 1, "M\xC3\xBCller \"Stahl\" GmbH", true);
    assert_record_shape(&result, 3, 4, 4);
    assert_text(&result, 3, 2, "first line\r\nsecond line", true);
    assert_record_shape(&result, 4, 4, 6);
    assert_text(&result, 4, 1, "\xE6\x9D\xB1\xE4\xBA\xAC\xE5\x95\x86\xE4\xBA\x8B", false);
    assert_text(&result, 4, 3, "", false);
    free_parsed(&result);
}

static void csv_file_latin1_rejected(void **state)
{
    (void)state;
    parsed result;
    const char *path = CREDO_TEST_DATA "/csv/latin1.csv";
    parse_file(path, &result);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.status, CREDO_ERR_INVALID);
    assert_string_equal(result.error.message,
                        CREDO_TEST_DATA "/csv/latin1.csv:2:6: invalid UTF-8 byte 0xFC (never "
                                        "occurs in UTF-8); re-export the file as UTF-8");
    free_parsed(&result);
}

static void csv_file_unterminated_rejected(void **state)
{
    (void)state;
    parsed result;
    parse_file(CREDO_TEST_DATA "/csv/unterminated.csv", &result);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.status, CREDO_ERR_INVALID);
    assert_contains(result.error.message, "/csv/unterminated.csv:3:4: quoted field is not closed");
    free_parsed(&result);
}

/* Appends record i of the block-crossing file: an id, a quoted name with a
 * doubled quote and a line break, and a filler of i % 97 bytes. */
static void append_numbered_record(FILE *file, unsigned i)
{
    fprintf(file, "%u,\"name \"\"%u\"\"\nend\",", i, i);
    for (unsigned k = 0; k < i % 97; k++)
        fputc('a' + (int)(k % 26), file);
    fputs("\r\n", file);
}

static void csv_file_crosses_default_blocks(void **state)
{
    (void)state;
    char *dir = test_make_tempdir("csv");
    char *path = test_path_join(dir, "blocks.csv");
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    /* About 70 bytes per record: 50000 records fill more than three
     * 1 MiB blocks. */
    const unsigned records = 50000;
    for (unsigned i = 0; i < records; i++)
        append_numbered_record(file, i);
    long size = ftell(file);
    fclose(file);
    assert_true(size > (long)(3 * CSV_BLOCK_BYTES));

    parsed result;
    parse_file(path, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, records);
    for (unsigned i = 0; i < records; i++) {
        char id[16], name[32];
        snprintf(id, sizeof id, "%u", i);
        snprintf(name, sizeof name, "name \"%u\"\nend", i);
        assert_record_shape(&result, i, 3, 1 + 2ul * i);
        assert_text(&result, i, 0, id, false);
        assert_text(&result, i, 1, name, true);
        assert_int_equal(result.records[i].fields[2].length, i % 97);
    }
    free_parsed(&result);
    remove(path);
    remove(dir);
    free(path);
    free(dir);
}

/* ---- Block boundaries --------------------------------------------------- */

static void csv_every_block_size(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBFid;\"a;\"\"b\"\"\"\r\n"
                               "\xC3\xA9t\xC3\xA9;\"x\r\ny\"\n"
                               "\n"
                               "\xF0\x9F\x98\x80;;\"\"\r\n"
                               "last;\"q\"";
    const size_t length = sizeof text - 1;
    credo_csv_options options = {.delimiter = ';'};
    parsed expected;
    parse_memory(text, length, &options, &expected);
    assert_int_equal(expected.status, CREDO_OK);
    assert_int_equal(expected.count, 5);
    assert_text(&expected, 0, 1, "a;\"b\"", true);
    assert_record_shape(&expected, 2, 1, 4);
    assert_record_shape(&expected, 4, 2, 6);

    for (size_t block = 1; block <= length + 1; block++) {
        parsed streamed;
        parse_stream(text, length, &options, block, &streamed);
        assert_same_parse(&expected, &streamed);
        free_parsed(&streamed);
    }
    free_parsed(&expected);
}

static void csv_error_at_every_block_size(void **state)
{
    (void)state;
    static const char text[] = "a,b\r\n\"c\nd\",\"e\"\"\"\r\n\xE2\x82\xAC,\"f\"g\n";
    const size_t length = sizeof text - 1;
    parsed expected;
    parse_memory(text, length, NULL, &expected);
    assert_int_equal(expected.count, 2);
    assert_error_at(&expected, CREDO_ERR_INVALID, 4, 8, "unexpected byte 'g'");

    for (size_t block = 1; block <= length + 1; block++) {
        parsed streamed;
        parse_stream(text, length, NULL, block, &streamed);
        assert_same_parse(&expected, &streamed);
        free_parsed(&streamed);
    }
    free_parsed(&expected);
}

/* Checks that file input gives the same result as memory input for every
 * block size from 1 to one past the input length. */
static void assert_same_for_every_block_size(const char *text, size_t length,
                                             const credo_csv_options *options,
                                             const parsed *expected)
{
    for (size_t block = 1; block <= length + 1; block++) {
        parsed streamed;
        parse_stream(text, length, options, block, &streamed);
        assert_same_parse(expected, &streamed);
        free_parsed(&streamed);
    }
}

static void check_limit_edge(const char *text, size_t length, credo_status status,
                             unsigned long line, unsigned long column, const char *phrase)
{
    credo_csv_options options = {.max_record_bytes = 4};
    parsed expected;
    parse_memory(text, length, &options, &expected);
    assert_error_at(&expected, status, line, column, phrase);
    assert_same_for_every_block_size(text, length, &options, &expected);
    free_parsed(&expected);
}

/* Near max_record_bytes a file reader stops before it has found the end of
 * the input, and the error must still match the memory reader's. */
static void csv_limit_edge_every_block_size(void **state)
{
    (void)state;
    check_limit_edge(TEXT("\"efo"), CREDO_ERR_INVALID, 1, 1, "not closed");
    check_limit_edge(TEXT("\"abcdef"), CREDO_ERR_LIMIT, 1, 1, "longer than 4 bytes");
    check_limit_edge(TEXT("\"abc\"\r"), CREDO_ERR_LIMIT, 1, 1, "longer than 4 bytes");
    check_limit_edge(TEXT("\"abcd\""), CREDO_ERR_LIMIT, 1, 1, "longer than 4 bytes");
    check_limit_edge(TEXT("abcdefgh"), CREDO_ERR_LIMIT, 1, 1, "longer than 4 bytes");
    check_limit_edge(TEXT("abcd,"), CREDO_ERR_LIMIT, 1, 1, "longer than 4 bytes");
    check_limit_edge(TEXT("x\n\"ab\"\rz"), CREDO_ERR_INVALID, 2, 5, "unexpected byte 0x0D");
    check_limit_edge(TEXT("x\nabc\"d"), CREDO_ERR_INVALID, 2, 4, "quote inside");
    check_limit_edge(TEXT("x\nabcd\"e"), CREDO_ERR_INVALID, 2, 5, "quote inside");
    check_limit_edge(TEXT("x\nabcde\"f"), CREDO_ERR_LIMIT, 2, 1, "longer than 4 bytes");
}

/* A record many times longer than the block makes the buffer grow. */
static void csv_long_record_small_blocks(void **state)
{
    (void)state;
    const size_t half = 20000;
    char *text = checked_malloc(2 * half + 16);
    size_t length = 0;
    text[length++] = '"';
    for (size_t i = 0; i < half; i++) {
        text[length++] = (char)('a' + i % 26);
        if (i % 1000 == 0) {
            text[length++] = '"';
            text[length++] = '"';
        }
    }
    memcpy(text + length, "\",z\nnext\n", 9);
    length += 9;

    parsed result;
    parse_stream(text, length, NULL, 16, &result);
    assert_int_equal(result.status, CREDO_OK);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.records[0].fields[0].length, half + half / 1000);
    assert_text(&result, 0, 1, "z", false);
    assert_text(&result, 1, 0, "next", false);
    free_parsed(&result);
    free(text);
}

/* ---- Round trip with random records -------------------------------------- */

/* xorshift64*: a fixed seed makes failures reproducible. */
static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    return *seed * UINT64_C(2685821657736338717);
}

static size_t random_below(uint64_t *seed, size_t bound)
{
    return (size_t)(next_random(seed) % bound);
}

/* Pieces that random fields are built from: ASCII, the delimiter set,
 * quotes, line breaks and UTF-8 sequences of two, three and four bytes. */
static const char *const field_pieces[] = {
    "a", "Z", "7", " ", ",", ";", "|", "\t", "\"", "\"\"", "\n", "\r\n", "\r",
    "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBB\xBF", "word",
};

typedef struct random_text {
    char *data;
    size_t length;
    size_t capacity;
} random_text;

static void text_append(random_text *text, const char *bytes, size_t length)
{
    if (length == 0)
        return;
    if (text->length + length > text->capacity) {
        text->capacity = (text->length + length) * 2;
        text->data = realloc(text->data, text->capacity);
        if (text->data == NULL)
            fail_msg("out of memory");
    }
    memcpy(text->data + text->length, bytes, length);
    text->length += length;
}

static void random_field(uint64_t *seed, random_text *field)
{
    field->length = 0;
    size_t pieces = random_below(seed, 4) == 0 ? 0 : random_below(seed, 12);
    for (size_t i = 0; i < pieces; i++) {
        const char *piece =
            field_pieces[random_below(seed, sizeof field_pieces / sizeof field_pieces[0])];
        text_append(field, piece, strlen(piece));
    }
}

/* Writes one field the way a typical CSV writer does: quoted when it
 * contains the delimiter, a quote, CR or LF (and sometimes at random), with
 * each quote doubled. A field that starts with U+FEFF is quoted too, so
 * that it cannot pass for a byte order mark, and so is an empty field alone
 * in its record, which would otherwise be an empty line at the end. */
static void write_field(uint64_t *seed, random_text *out, const random_text *field,
                        char delimiter, bool alone)
{
    bool quote = (alone && field->length == 0) ||
                 (field->length >= 3 && memcmp(field->data, "\xEF\xBB\xBF", 3) == 0);
    for (size_t i = 0; i < field->length; i++) {
        char c = field->data[i];
        if (c == delimiter || c == '"' || c == '\r' || c == '\n')
            quote = true;
    }
    if (random_below(seed, 5) == 0)
        quote = true;
    if (!quote) {
        text_append(out, field->data, field->length);
        return;
    }
    text_append(out, "\"", 1);
    for (size_t i = 0; i < field->length; i++) {
        text_append(out, &field->data[i], 1);
        if (field->data[i] == '"')
            text_append(out, "\"", 1);
    }
    text_append(out, "\"", 1);
}

typedef struct random_table {
    random_text *fields; /* record r, field f at r * max_fields + f */
    size_t *counts;
    size_t records;
    size_t max_fields;
    random_text csv;
} random_table;

static void random_table_build(uint64_t *seed, char delimiter, random_table *table)
{
    for (size_t r = 0; r < table->records; r++) {
        size_t count = 1 + random_below(seed, table->max_fields);
        table->counts[r] = count;
        for (size_t f = 0; f < count; f++) {
            random_text *field = &table->fields[r * table->max_fields + f];
            random_field(seed, field);
            if (f > 0)
                text_append(&table->csv, &delimiter, 1);
            write_field(seed, &table->csv, field, delimiter, count == 1);
        }
        bool last = r + 1 == table->records;
        if (!last || random_below(seed, 2) == 0) {
            if (random_below(seed, 2) == 0)
                text_append(&table->csv, "\r\n", 2);
            else
                text_append(&table->csv, "\n", 1);
        }
    }
}

static void assert_matches_table(const random_table *table, const parsed *result)
{
    if (result->status != CREDO_OK)
        fail_msg("reading the generated CSV failed: %s", result->error.message);
    assert_int_equal(result->count, table->records);
    for (size_t r = 0; r < table->records; r++) {
        assert_int_equal(result->records[r].count, table->counts[r]);
        for (size_t f = 0; f < table->counts[r]; f++) {
            const random_text *want = &table->fields[r * table->max_fields + f];
            const parsed_field *got = &result->records[r].fields[f];
            assert_int_equal(got->length, want->length);
            assert_memory_equal(got->data, want->data, want->length);
        }
    }
}

static void round_trip(uint64_t seed, char delimiter)
{
    random_table table = {.records = 400, .max_fields = 6};
    table.fields = calloc(table.records * table.max_fields, sizeof *table.fields);
    table.counts = calloc(table.records, sizeof *table.counts);
    assert_non_null(table.fields);
    assert_non_null(table.counts);
    random_table_build(&seed, delimiter, &table);

    credo_csv_options options = {.delimiter = delimiter};
    parsed result;
    parse_memory(table.csv.data, table.csv.length, &options, &result);
    assert_matches_table(&table, &result);
    free_parsed(&result);

    size_t block = 1 + random_below(&seed, 300);
    parse_stream(table.csv.data, table.csv.length, &options, block, &result);
    assert_matches_table(&table, &result);
    free_parsed(&result);

    for (size_t i = 0; i < table.records * table.max_fields; i++)
        free(table.fields[i].data);
    free(table.fields);
    free(table.counts);
    free(table.csv.data);
}

static void csv_random_round_trip(void **state)
{
    (void)state;
    static const char delimiters[] = {',', ';', '|', '\t'};
    for (uint64_t seed = 1; seed <= 200; seed++)
        round_trip(seed * UINT64_C(0x9E3779B97F4A7C15), delimiters[seed % 4]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_two_records_lf),
        cmocka_unit_test(csv_crlf_line_ends),
        cmocka_unit_test(csv_quoted_delimiter),
        cmocka_unit_test(csv_doubled_quotes),
        cmocka_unit_test(csv_quoted_line_breaks),
        cmocka_unit_test(csv_quoted_then_crlf),
        cmocka_unit_test(csv_byte_order_mark_skipped),
        cmocka_unit_test(csv_byte_order_mark_only),
        cmocka_unit_test(csv_byte_order_mark_later_is_data),
        cmocka_unit_test(csv_missing_final_line_end),
        cmocka_unit_test(csv_final_lf_one_record),
        cmocka_unit_test(csv_final_crlf_one_record),
        cmocka_unit_test(csv_empty_last_line),
        cmocka_unit_test(csv_empty_line_crlf),
        cmocka_unit_test(csv_empty_input),
        cmocka_unit_test(csv_empty_fields),
        cmocka_unit_test(csv_trailing_delimiter_at_end),
        cmocka_unit_test(csv_pipe_delimiter),
        cmocka_unit_test(csv_semicolon_delimiter),
        cmocka_unit_test(csv_tab_delimiter),
        cmocka_unit_test(csv_lone_cr_is_data),
        cmocka_unit_test(csv_cr_at_end_is_data),
        cmocka_unit_test(csv_quoted_at_end_of_input),
        cmocka_unit_test(csv_line_numbers_count_quoted_lines),
        cmocka_unit_test(csv_valid_utf8_accepted),
        cmocka_unit_test(csv_nul_byte_rejected),
        cmocka_unit_test(csv_nul_byte_after_ascii_run),
        cmocka_unit_test(csv_nul_byte_names_utf16),
        cmocka_unit_test(csv_record_at_byte_limit),
        cmocka_unit_test(csv_record_at_field_limit),
        cmocka_unit_test(csv_end_repeats),
        cmocka_unit_test(csv_error_repeats),
        cmocka_unit_test(csv_close_accepts_null),
        cmocka_unit_test(csv_quote_in_unquoted_field),
        cmocka_unit_test(csv_quote_error_message),
        cmocka_unit_test(csv_byte_after_closing_quote),
        cmocka_unit_test(csv_byte_after_closing_quote_names_delimiter),
        cmocka_unit_test(csv_cr_after_closing_quote),
        cmocka_unit_test(csv_unterminated_quote),
        cmocka_unit_test(csv_record_over_byte_limit),
        cmocka_unit_test(csv_record_limit_caller_advice),
        cmocka_unit_test(csv_unclosed_quote_hits_byte_limit),
        cmocka_unit_test(csv_record_over_field_limit),
        cmocka_unit_test(csv_utf8_overlong),
        cmocka_unit_test(csv_utf8_surrogate),
        cmocka_unit_test(csv_utf8_above_max_code_point),
        cmocka_unit_test(csv_utf8_invalid_bytes),
        cmocka_unit_test(csv_utf8_truncated),
        cmocka_unit_test(csv_utf8_after_ascii_run),
        cmocka_unit_test(csv_utf8_column_after_byte_order_mark),
        cmocka_unit_test(csv_utf8_in_multiline_quote),
        cmocka_unit_test(csv_utf8_reported_before_later_problem),
        cmocka_unit_test(csv_utf8_partial_byte_order_mark),
        cmocka_unit_test(csv_invalid_delimiter_rejected),
        cmocka_unit_test(csv_invalid_delimiter_rejected_for_file),
        cmocka_unit_test(csv_missing_file),
        cmocka_unit_test(csv_folder_rejected),
        cmocka_unit_test(csv_memory_null_data),
        cmocka_unit_test(csv_read_error_reported),
        cmocka_unit_test(csv_file_accounts),
        cmocka_unit_test(csv_file_latin1_rejected),
        cmocka_unit_test(csv_file_unterminated_rejected),
        cmocka_unit_test(csv_file_crosses_default_blocks),
        cmocka_unit_test(csv_every_block_size),
        cmocka_unit_test(csv_error_at_every_block_size),
        cmocka_unit_test(csv_limit_edge_every_block_size),
        cmocka_unit_test(csv_long_record_small_blocks),
        cmocka_unit_test(csv_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
