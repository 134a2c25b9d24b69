/* Tests of the fast accounts ingest. Values land in the right columns, and
 * cuts at every possible record boundary give the same snapshot as one
 * part on one or two threads. Strings shared by parts are interned once,
 * and errors in later parts name the line of the whole file. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/buf.h"
#include "credo/ingest.h"
#include "credo/strpool.h"

static char *write_temp(const char *label, const char *text)
{
    char *dir = test_make_tempdir(label);
    char *path = test_path_join(dir, "accounts.csv");
    test_write_file(path, text);
    free(dir);
    return path;
}

static const char *text_of(const credo_snapshot *s, credo_str id)
{
    return id == CREDO_STR_NONE ? "" : credo_snapshot_text(s, id);
}

/* Rows are given out of id order; a quoted name holds a comma, a line
 * break and a doubled quote; one line is empty; b2 has no employees. */
#define SAMPLE_CSV                                   \
    "id,name,region,employees,attr.tier\n"           \
    "b2,\"Beta, \"\"the\"\"\nsecond\",US-WA,,gold\n" \
    "\n"                                             \
    "a1,Acme,US-CA,12.5,\n"

static void ingest_reads_columns(void **state)
{
    (void)state;
    char *path = write_temp("ingest-columns", SAMPLE_CSV);
    credo_error err = {0};
    credo_snapshot *s = NULL;
    assert_int_equal(credo_ingest_accounts(path, NULL, &s, &err), CREDO_OK);
    assert_int_equal(s->accounts.count, 2);
    assert_string_equal(text_of(s, s->accounts.id[0]), "a1");
    assert_string_equal(text_of(s, s->accounts.name[0]), "Acme");
    assert_string_equal(text_of(s, s->accounts.region[0]), "US-CA");
    assert_int_equal(s->accounts.employees[0], 125 * CREDO_NUMBER_SCALE / 10);
    assert_string_equal(text_of(s, s->accounts.id[1]), "b2");
    assert_string_equal(text_of(s, s->accounts.name[1]), "Beta, \"the\"\nsecond");
    assert_true(s->accounts.employees[1] == CREDO_NUMBER_NONE);
    assert_int_equal(s->accounts.attribute_count, 1);
    assert_string_equal(text_of(s, s->accounts.attributes[0].name), "tier");
    assert_int_equal(s->accounts.attributes[0].values[0], CREDO_STR_NONE);
    assert_string_equal(text_of(s, s->accounts.attributes[0].values[1]), "gold");
    credo_snapshot_free(s);
    free(path);
}

/* A file with quoted line breaks, quoted delimiters and a field that looks
 * like a byte order mark at a line start, as the tiny parts would cut it. */
static char *tricky_csv(size_t rows)
{
    credo_buf text = CREDO_BUF_INIT;
    credo_buf_puts(&text, "id,name,city,employees\n");
    for (size_t i = 0; i < rows; i++) {
        if (i % 5 == 1)
            credo_buf_printf(&text, "id%04zu,\"multi\nline \"\"%zu\"\"\",\"a,b\",%zu\n", i, i, i);
        else if (i % 7 == 3)
            credo_buf_printf(&text, "\xEF\xBB\xBFid%04zu,plain,X,%zu\n", i, i);
        else
            credo_buf_printf(&text, "id%04zu,name %zu,city %zu,\n", i, i, i % 3);
    }
    char *copy = strdup(credo_buf_text(&text));
    credo_buf_free(&text);
    return copy;
}

static void expect_same_snapshot(const credo_snapshot *x, const credo_snapshot *y)
{
    assert_int_equal(x->accounts.count, y->accounts.count);
    for (size_t r = 0; r < x->accounts.count; r++) {
        assert_string_equal(text_of(x, x->accounts.id[r]), text_of(y, y->accounts.id[r]));
        assert_string_equal(text_of(x, x->accounts.name[r]), text_of(y, y->accounts.name[r]));
        assert_string_equal(text_of(x, x->accounts.city[r]), text_of(y, y->accounts.city[r]));
        assert_true(x->accounts.employees[r] == y->accounts.employees[r]);
    }
}

static void ingest_parts_match_one(void **state)
{
    (void)state;
    char *csv = tricky_csv(300);
    char *path = write_temp("ingest-parts", csv);
    credo_error err = {0};
    credo_snapshot *whole = NULL;
    assert_int_equal(credo_ingest_accounts(path, NULL, &whole, &err), CREDO_OK);
    assert_int_equal(whole->accounts.count, 300);
    size_t sizes[] = {1, 7, 16, 61, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        credo_snapshot *parts = NULL;
        credo_ingest_options options = {2, sizes[i], NULL, NULL};
        assert_int_equal(credo_ingest_accounts(path, &options, &parts, &err), CREDO_OK);
        expect_same_snapshot(parts, whole);
        credo_snapshot_free(parts);
    }
    credo_snapshot_free(whole);
    free(csv);
    free(path);
}

/* Row i of tricky_csv as the rules that write it give it, computed apart
 * from the reader. */
typedef struct expected_row {
    char id[32], name[64], city[32];
    credo_number employees;
} expected_row;

static void expect_tricky_row(size_t i, expected_row *row)
{
    row->employees = (credo_number)i * CREDO_NUMBER_SCALE;
    if (i % 5 == 1) {
        snprintf(row->id, sizeof row->id, "id%04zu", i);
        snprintf(row->name, sizeof row->name, "multi\nline \"%zu\"", i);
        snprintf(row->city, sizeof row->city, "a,b");
    } else if (i % 7 == 3) {
        snprintf(row->id, sizeof row->id, "\xEF\xBB\xBFid%04zu", i);
        snprintf(row->name, sizeof row->name, "plain");
        snprintf(row->city, sizeof row->city, "X");
    } else {
        snprintf(row->id, sizeof row->id, "id%04zu", i);
        snprintf(row->name, sizeof row->name, "name %zu", i);
        snprintf(row->city, sizeof row->city, "city %zu", i % 3);
        row->employees = CREDO_NUMBER_NONE;
    }
}

static int compare_expected_ids(const void *a, const void *b)
{
    return strcmp(((const expected_row *)a)->id, ((const expected_row *)b)->id);
}

/* Counts the distinct strings of rows, the missing value included. */
static size_t count_distinct_strings(const expected_row *rows, size_t count)
{
    credo_strpool *pool = credo_strpool_new();
    assert_non_null(pool);
    credo_status status = CREDO_OK;
    for (size_t i = 0; i < count; i++) {
        credo_strpool_intern_cstr(pool, rows[i].id, &status);
        credo_strpool_intern_cstr(pool, rows[i].name, &status);
        credo_strpool_intern_cstr(pool, rows[i].city, &status);
    }
    assert_int_equal(status, CREDO_OK);
    size_t distinct = credo_strpool_count(pool);
    credo_strpool_free(pool);
    return distinct;
}

static void expect_tricky_snapshot(const credo_snapshot *s, const expected_row *rows, size_t count)
{
    assert_int_equal(s->accounts.count, count);
    assert_int_equal(credo_strpool_count(s->strings), count_distinct_strings(rows, count));
    for (size_t r = 0; r < count; r++) {
        assert_string_equal(text_of(s, s->accounts.id[r]), rows[r].id);
        assert_string_equal(text_of(s, s->accounts.name[r]), rows[r].name);
        assert_string_equal(text_of(s, s->accounts.city[r]), rows[r].city);
        assert_true(s->accounts.employees[r] == rows[r].employees);
    }
}

/* Every thread count and part size gives the rows of the file in id
 * order, each distinct string once in the pool: parts repeat "plain",
 * "a,b", "X" and the three "city N". */
static void ingest_threads_match_expected(void **state)
{
    (void)state;
    enum { ROWS = 300 };
    char *csv = tricky_csv(ROWS);
    char *path = write_temp("ingest-threads", csv);
    expected_row *rows = calloc(ROWS, sizeof *rows);
    assert_non_null(rows);
    for (size_t i = 0; i < ROWS; i++)
        expect_tricky_row(i, &rows[i]);
    qsort(rows, ROWS, sizeof *rows, compare_expected_ids);

    const credo_ingest_options cases[] = {{1, 0, NULL, NULL}, {1, 61, NULL, NULL}, {2, 1, NULL, NULL},
                                          {2, 61, NULL, NULL}, {2, 4096, NULL, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        credo_error err = {0};
        credo_snapshot *s = NULL;
        assert_int_equal(credo_ingest_accounts(path, &cases[i], &s, &err), CREDO_OK);
        expect_tricky_snapshot(s, rows, ROWS);
        credo_snapshot_free(s);
    }
    free(rows);
    free(csv);
    free(path);
}

/* A file already in id order keeps its order; one whose last two rows are
 * swapped is sorted. */
static void ingest_sorted_and_swapped_tail(void **state)
{
    (void)state;
    const char *texts[] = {"id\na\nb\nc\nd\ne\n", "id\na\nb\nc\ne\nd\n"};
    for (size_t i = 0; i < 2; i++) {
        char *path = write_temp("ingest-order", texts[i]);
        credo_error err = {0};
        credo_snapshot *s = NULL;
        credo_ingest_options options = {2, 4, NULL, NULL};
        assert_int_equal(credo_ingest_accounts(path, &options, &s, &err), CREDO_OK);
        assert_int_equal(s->accounts.count, 5);
        const char *expected[] = {"a", "b", "c", "d", "e"};
        for (size_t r = 0; r < 5; r++)
            assert_string_equal(text_of(s, s->accounts.id[r]), expected[r]);
        credo_snapshot_free(s);
        free(path);
    }
}

/* Row i of tricky_csv(300) starts on line 2 + i + (i + 3) / 5, because
 * every row with i % 5 == 1 before it spans two lines. A fifth field in row
 * 250 is on line 2 + 250 + 50 = 302, on one thread (each part appended
 * before the next is read) and on two. */
static void ingest_error_line_later_part(void **state)
{
    (void)state;
    char *csv = tricky_csv(300);
    char *at = strstr(csv, "id0250,name 250,city 1,\n");
    assert_non_null(at);
    at[strlen("id0250,name")] = ','; /* "name 250" becomes two fields */
    char *path = write_temp("ingest-error", csv);
    char expected[4200];
    snprintf(expected, sizeof expected, "%s:302: ", path);
    for (size_t threads = 1; threads <= 2; threads++) {
        credo_error err = {0};
        credo_snapshot *s = NULL;
        credo_ingest_options options = {threads, 64, NULL, NULL};
        assert_int_equal(credo_ingest_accounts(path, &options, &s, &err), CREDO_ERR_INVALID);
        assert_non_null(strstr(err.message, expected));
        assert_non_null(strstr(err.message, "record has 5 fields but the header has 4"));
    }
    free(csv);
    free(path);
}

static void ingest_bad_number_named(void **state)
{
    (void)state;
    char *path = write_temp("ingest-number", "id,employees\na,12\nb,twelve\n");
    credo_error err = {0};
    credo_snapshot *s = NULL;
    credo_ingest_options options = {2, 1, NULL, NULL};
    assert_int_equal(credo_ingest_accounts(path, &options, &s, &err), CREDO_ERR_INVALID);
    char expected[4200];
    snprintf(expected, sizeof expected, "%s:3: column employees: ", path);
    assert_non_null(strstr(err.message, expected));
    free(path);
}

static void ingest_unknown_header_rejected(void **state)
{
    (void)state;
    char *path = write_temp("ingest-header", "id,colour\na,red\n");
    credo_error err = {0};
    credo_snapshot *s = NULL;
    assert_int_equal(credo_ingest_accounts(path, NULL, &s, &err), CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "'colour'"));
    free(path);
}

static void ingest_missing_id_rejected(void **state)
{
    (void)state;
    char *path = write_temp("ingest-noid", "name\nAcme\n");
    credo_error err = {0};
    credo_snapshot *s = NULL;
    assert_int_equal(credo_ingest_accounts(path, NULL, &s, &err), CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "no 'id' column"));
    free(path);
}

static void ingest_duplicate_id_rejected(void **state)
{
    (void)state;
    char *path = write_temp("ingest-dup", "id\nx\ny\nx\n");
    credo_error err = {0};
    credo_snapshot *s = NULL;
    credo_ingest_options options = {2, 1, NULL, NULL};
    assert_int_equal(credo_ingest_accounts(path, &options, &s, &err), CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "x"));
    free(path);
}

static void ingest_missing_file(void **state)
{
    (void)state;
    credo_error err = {0};
    credo_snapshot *s = NULL;
    assert_int_equal(credo_ingest_accounts("/nonexistent/accounts.csv", NULL, &s, &err), CREDO_ERR_NOT_FOUND);
}

/* ---- repeated values ---- */

/* Value v of the repeated-values file, written into out. Four kinds by
 * turns: 1 to 16 equal letters, 24 bytes that share their first and
 * last 8 bytes and differ only in the middle, 40 bytes, and Springfield
 * or Springfieldx, which is one letter longer. */
static void repeated_value(size_t v, char *out, size_t size)
{
    switch (v % 4) {
    case 0:
        memset(out, 'a' + (int)(v / 4 % 26), 1 + v / 4 % 16);
        out[1 + v / 4 % 16] = '\0';
        break;
    case 1:
        snprintf(out, size, "HEADHEAD%08zuTAILTAIL", v);
        break;
    case 2:
        snprintf(out, size, "a value longer than thirty-two bytes %03zu", v % 1000);
        break;
    default:
        snprintf(out, size, v / 4 % 2 == 0 ? "Springfield" : "Springfieldx");
        break;
    }
}

enum { REPEATED_ROWS = 3000, REPEATED_UNIQUE_ROWS = 1100 };

/* The city, region and industry of row i. Cities repeat 300 values.
 * Regions are distinct for the first REPEATED_UNIQUE_ROWS rows and then
 * repeat 50 values. In one row of three the industry contains a quote,
 * which the file doubles. */
static void repeated_row(size_t i, char *city, char *region, char *industry, size_t size)
{
    repeated_value(i * 37 % 300, city, size);
    if (i < REPEATED_UNIQUE_ROWS)
        snprintf(region, size, "region %zu", i);
    else
        repeated_value(i % 50, region, size);
    if (i % 3 == 0)
        snprintf(industry, size, "Q\"%zu", i % 7);
    else
        snprintf(industry, size, "plain %zu", i % 5);
}

static char *repeated_csv(void)
{
    credo_buf text = CREDO_BUF_INIT;
    credo_buf_puts(&text, "id,city,region,industry\n");
    for (size_t i = 0; i < REPEATED_ROWS; i++) {
        char city[64], region[64], industry[64];
        repeated_row(i, city, region, industry, sizeof city);
        if (i % 3 == 0)
            credo_buf_printf(&text, "id%05zu,%s,%s,\"Q\"\"%zu\"\n", i, city, region, i % 7);
        else
            credo_buf_printf(&text, "id%05zu,%s,%s,%s\n", i, city, region, industry);
    }
    char *copy = strdup(credo_buf_text(&text));
    credo_buf_free(&text);
    return copy;
}

/* Counts the distinct strings of the repeated-values file, the missing
 * value included, by interning them one by one into a pool. */
static size_t count_repeated_strings(void)
{
    credo_strpool *pool = credo_strpool_new();
    assert_non_null(pool);
    credo_status status = CREDO_OK;
    for (size_t i = 0; i < REPEATED_ROWS; i++) {
        char id[16], city[64], region[64], industry[64];
        snprintf(id, sizeof id, "id%05zu", i);
        repeated_row(i, city, region, industry, sizeof city);
        credo_strpool_intern_cstr(pool, id, &status);
        credo_strpool_intern_cstr(pool, city, &status);
        credo_strpool_intern_cstr(pool, region, &status);
        credo_strpool_intern_cstr(pool, industry, &status);
    }
    assert_int_equal(status, CREDO_OK);
    size_t distinct = credo_strpool_count(pool);
    credo_strpool_free(pool);
    return distinct;
}

static void expect_repeated_snapshot(const credo_snapshot *s)
{
    assert_int_equal(s->accounts.count, REPEATED_ROWS);
    assert_int_equal(credo_strpool_count(s->strings), count_repeated_strings());
    for (size_t r = 0; r < REPEATED_ROWS; r++) {
        char id[16], city[64], region[64], industry[64];
        snprintf(id, sizeof id, "id%05zu", r);
        repeated_row(r, city, region, industry, sizeof city);
        assert_string_equal(text_of(s, s->accounts.id[r]), id);
        assert_string_equal(text_of(s, s->accounts.city[r]), city);
        assert_string_equal(text_of(s, s->accounts.region[r]), region);
        assert_string_equal(text_of(s, s->accounts.industry[r]), industry);
    }
}

/* Values that repeat, share a cache entry, are too long to be cached,
 * extend a cached value by one byte, or are unescaped copies all keep
 * their text and one id each. So do values of a column that repeat only
 * after many distinct ones. Parts are read straight into the snapshot's
 * pool on one thread, and most are merged on two. */
static void ingest_repeated_values_kept(void **state)
{
    (void)state;
    char *csv = repeated_csv();
    char *path = write_temp("ingest-repeated", csv);
    const credo_ingest_options cases[] = {{1, 0, NULL, NULL}, {1, 997, NULL, NULL}, {2, 997, NULL, NULL},
                                          {2, 1, NULL, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        credo_error err = {0};
        credo_snapshot *s = NULL;
        assert_int_equal(credo_ingest_accounts(path, &cases[i], &s, &err), CREDO_OK);
        expect_repeated_snapshot(s);
        credo_snapshot_free(s);
    }
    free(csv);
    free(path);
}

/* A bad number in a part after the first, on one thread, where that part
 * is read straight into the snapshot's pool, names its line in the file
 * and leaves nothing behind (the sanitizer build checks the freeing). */
static void ingest_error_in_direct_part(void **state)
{
    (void)state;
    credo_buf text = CREDO_BUF_INIT;
    credo_buf_puts(&text, "id,city,region,industry,employees\n");
    /* Row i is on line 2 + i, so row 2500 is on line 2502. */
    for (size_t i = 0; i < REPEATED_ROWS; i++)
        credo_buf_printf(&text, "id%05zu,c,r,x,%s\n", i, i == 2500 ? "many" : "3");
    char *path = write_temp("ingest-direct-error", credo_buf_text(&text));
    char expected[4200];
    snprintf(expected, sizeof expected, "%s:2502: column employees: ", path);
    credo_error err = {0};
    credo_snapshot *s = NULL;
    credo_ingest_options options = {1, 1000, NULL, NULL};
    assert_int_equal(credo_ingest_accounts(path, &options, &s, &err), CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, expected));
    credo_buf_free(&text);
    free(path);
}

typedef struct progress_log {
    size_t calls;
    uint64_t last_done, last_total;
} progress_log;

static void log_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    progress_log *log = ctx;
    assert_string_equal(stage, "read");
    log->calls++;
    log->last_done = done;
    log->last_total = total;
}

static void ingest_progress_ends_at_size(void **state)
{
    (void)state;
    char *path = write_temp("ingest-progress", SAMPLE_CSV);
    credo_error err = {0};
    credo_snapshot *s = NULL;
    progress_log log = {0};
    credo_progress progress = {log_progress, &log};
    credo_ingest_options options = {2, 8, NULL, &progress};
    assert_int_equal(credo_ingest_accounts(path, &options, &s, &err), CREDO_OK);
    assert_true(log.calls >= 1);
    assert_int_equal(log.last_done, strlen(SAMPLE_CSV));
    assert_int_equal(log.last_total, strlen(SAMPLE_CSV));
    credo_snapshot_free(s);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ingest_reads_columns),
        cmocka_unit_test(ingest_parts_match_one),
        cmocka_unit_test(ingest_threads_match_expected),
        cmocka_unit_test(ingest_sorted_and_swapped_tail),
        cmocka_unit_test(ingest_error_line_later_part),
        cmocka_unit_test(ingest_bad_number_named),
        cmocka_unit_test(ingest_unknown_header_rejected),
        cmocka_unit_test(ingest_missing_id_rejected),
        cmocka_unit_test(ingest_duplicate_id_rejected),
        cmocka_unit_test(ingest_missing_file),
        cmocka_unit_test(ingest_progress_ends_at_size),
        cmocka_unit_test(ingest_repeated_values_kept),
        cmocka_unit_test(ingest_error_in_direct_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
