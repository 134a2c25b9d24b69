/* Tests of the string pool: interning, lookup, embedded NUL bytes, growth,
 * reservation, merging one pool into another and code point comparison. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/strpool.h"

/* ---- Helpers ---------------------------------------------------------- */

static int setup_pool(void **state)
{
    credo_strpool *pool = credo_strpool_new();
    if (pool == NULL)
        return -1;
    *state = pool;
    return 0;
}

static int teardown_pool(void **state)
{
    credo_strpool_free(*state);
    return 0;
}

/* Interns len bytes and fails the test when the pool reports an error. */
static credo_str intern_ok(credo_strpool *pool, const char *text, size_t len)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern(pool, text, len, &status);
    if (status != CREDO_OK)
        fail_msg("interning %zu bytes failed with status %d", len, (int)status);
    return id;
}

static credo_str intern_text(credo_strpool *pool, const char *text)
{
    return intern_ok(pool, text, strlen(text));
}

/* ---- Interning -------------------------------------------------------- */

static void intern_equal_bytes_same_id(void **state)
{
    credo_strpool *pool = *state;
    credo_str first = intern_text(pool, "acme");
    char copy[] = "acme";
    credo_str second = intern_ok(pool, copy, 4);

    assert_int_not_equal(first, CREDO_STR_NONE);
    assert_int_equal(first, second);
    assert_int_equal(credo_strpool_count(pool), 2);
}

static void intern_distinct_bytes_distinct_ids(void **state)
{
    credo_strpool *pool = *state;
    credo_str lower = intern_text(pool, "acme");
    credo_str upper = intern_text(pool, "ACME");
    credo_str longer = intern_text(pool, "acme ");

    assert_int_not_equal(lower, upper);
    assert_int_not_equal(lower, longer);
    assert_int_not_equal(upper, longer);
}

static void intern_ids_are_dense(void **state)
{
    credo_strpool *pool = *state;

    assert_int_equal(credo_strpool_count(pool), 1);
    assert_int_equal(intern_text(pool, "x"), 1);
    assert_int_equal(intern_text(pool, "y"), 2);
    assert_int_equal(intern_text(pool, "x"), 1);
    assert_int_equal(intern_text(pool, "z"), 3);
    assert_int_equal(credo_strpool_count(pool), 4);
}

static void intern_null_is_missing(void **state)
{
    credo_strpool *pool = *state;
    credo_status status = CREDO_OK;

    assert_int_equal(credo_strpool_intern(pool, NULL, 0, &status), CREDO_STR_NONE);
    assert_int_equal(credo_strpool_intern_cstr(pool, NULL, &status), CREDO_STR_NONE);
    assert_int_equal(status, CREDO_OK);
    assert_int_equal(credo_strpool_count(pool), 1);
    assert_null(credo_strpool_get(pool, CREDO_STR_NONE));
    assert_int_equal(credo_strpool_length(pool, CREDO_STR_NONE), 0);
}

static void intern_empty_differs_from_missing(void **state)
{
    credo_strpool *pool = *state;
    credo_str empty = intern_text(pool, "");

    assert_int_not_equal(empty, CREDO_STR_NONE);
    assert_non_null(credo_strpool_get(pool, empty));
    assert_string_equal(credo_strpool_get(pool, empty), "");
    assert_int_equal(credo_strpool_length(pool, empty), 0);
    assert_int_equal(intern_ok(pool, "ignored", 0), empty);
}

static void intern_unterminated_input(void **state)
{
    credo_strpool *pool = *state;
    const char buffer[6] = {'a', 'b', 'c', 'd', 'e', 'f'};
    credo_str id = intern_ok(pool, buffer, 3);

    assert_string_equal(credo_strpool_get(pool, id), "abc");
    assert_int_equal(credo_strpool_length(pool, id), 3);
    assert_int_equal(intern_text(pool, "abc"), id);
}

static void intern_cstr_matches_bytes(void **state)
{
    credo_strpool *pool = *state;
    credo_status status = CREDO_OK;
    credo_str from_bytes = intern_ok(pool, "Zürich", strlen("Zürich"));
    credo_str from_cstr = credo_strpool_intern_cstr(pool, "Zürich", &status);

    assert_int_equal(status, CREDO_OK);
    assert_int_equal(from_cstr, from_bytes);
    assert_int_equal(credo_strpool_length(pool, from_cstr), 7);
}

/* ---- Embedded NUL bytes ---------------------------------------------- */

static void nul_embedded_keeps_length(void **state)
{
    credo_strpool *pool = *state;
    credo_str id = intern_ok(pool, "a\0b", 3);
    const char *bytes = credo_strpool_get(pool, id);

    assert_int_equal(credo_strpool_length(pool, id), 3);
    assert_memory_equal(bytes, "a\0b", 3);
    assert_int_equal(bytes[3], '\0');
}

static void nul_embedded_differs_from_prefix(void **state)
{
    credo_strpool *pool = *state;
    credo_str embedded = intern_ok(pool, "a\0b", 3);
    credo_str prefix = intern_ok(pool, "a", 1);
    credo_str trailing = intern_ok(pool, "a\0", 2);

    assert_int_not_equal(embedded, prefix);
    assert_int_not_equal(trailing, prefix);
    assert_int_not_equal(trailing, embedded);
}

static void nul_cstr_stops_at_nul(void **state)
{
    credo_strpool *pool = *state;
    credo_status status = CREDO_OK;
    credo_str embedded = intern_ok(pool, "a\0b", 3);
    credo_str cstr = credo_strpool_intern_cstr(pool, "a\0b", &status);

    assert_int_equal(status, CREDO_OK);
    assert_int_not_equal(cstr, embedded);
    assert_int_equal(credo_strpool_length(pool, cstr), 1);
    assert_int_equal(credo_strpool_find(pool, "a", 1), cstr);
}

static void nul_embedded_compare(void **state)
{
    credo_strpool *pool = *state;
    credo_str prefix = intern_ok(pool, "a", 1);
    credo_str embedded = intern_ok(pool, "a\0b", 3);
    credo_str ab = intern_ok(pool, "ab", 2);

    /* "a" < "a\0b" (prefix) < "ab" (0x00 < 0x62). */
    assert_true(credo_strpool_compare(pool, prefix, embedded) < 0);
    assert_true(credo_strpool_compare(pool, embedded, ab) < 0);
    assert_true(credo_strpool_compare(pool, ab, embedded) > 0);
}

/* ---- Lookup ----------------------------------------------------------- */

static void find_before_and_after(void **state)
{
    credo_strpool *pool = *state;

    assert_int_equal(credo_strpool_find(pool, "rep-1", 5), CREDO_STR_NONE);
    credo_str id = intern_text(pool, "rep-1");
    assert_int_equal(credo_strpool_find(pool, "rep-1", 5), id);
    assert_int_equal(credo_strpool_find(pool, "rep-1x", 5), id);
    assert_int_equal(credo_strpool_find(pool, "rep-", 4), CREDO_STR_NONE);
    assert_int_equal(credo_strpool_count(pool), 2);
}

static void find_null_is_missing(void **state)
{
    credo_strpool *pool = *state;
    intern_text(pool, "");

    assert_int_equal(credo_strpool_find(pool, NULL, 0), CREDO_STR_NONE);
}

static void get_unknown_id(void **state)
{
    credo_strpool *pool = *state;
    credo_str id = intern_text(pool, "only");

    assert_null(credo_strpool_get(pool, id + 1));
    assert_null(credo_strpool_get(pool, UINT32_MAX));
    assert_int_equal(credo_strpool_length(pool, id + 1), 0);
}

/* ---- Growth ----------------------------------------------------------- */

enum { GROWTH_STRINGS = 200000 };

static void growth_many_strings(void **state)
{
    credo_strpool *pool = *state;
    char text[32];

    for (int i = 0; i < GROWTH_STRINGS; i++) {
        int len = snprintf(text, sizeof text, "account-%d", i);
        assert_int_equal(intern_ok(pool, text, (size_t)len), (credo_str)(i + 1));
    }
    assert_int_equal(credo_strpool_count(pool), GROWTH_STRINGS + 1);

    for (int i = 0; i < GROWTH_STRINGS; i++) {
        int len = snprintf(text, sizeof text, "account-%d", i);
        credo_str id = (credo_str)(i + 1);
        assert_int_equal(credo_strpool_find(pool, text, (size_t)len), id);
        assert_string_equal(credo_strpool_get(pool, id), text);
        assert_int_equal(credo_strpool_length(pool, id), (size_t)len);
    }
}

static void growth_reinterning_adds_nothing(void **state)
{
    credo_strpool *pool = *state;
    char text[32];

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 5000; i++) {
            int len = snprintf(text, sizeof text, "%d", i);
            assert_int_equal(intern_ok(pool, text, (size_t)len), (credo_str)(i + 1));
        }
    }
    assert_int_equal(credo_strpool_count(pool), 5001);
}

static void growth_keeps_pointers(void **state)
{
    credo_strpool *pool = *state;
    credo_str id = intern_text(pool, "first");
    const char *before = credo_strpool_get(pool, id);
    char text[32];

    for (int i = 0; i < 50000; i++) {
        int len = snprintf(text, sizeof text, "filler %d", i);
        intern_ok(pool, text, (size_t)len);
    }
    assert_ptr_equal(credo_strpool_get(pool, id), before);
    assert_string_equal(before, "first");
}

static void growth_string_larger_than_chunk(void **state)
{
    credo_strpool *pool = *state;
    size_t len = (3u << 20) + 17; /* larger than one arena chunk */
    char *big = malloc(len);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i % 26);

    credo_str small = intern_text(pool, "small");
    credo_str id = intern_ok(pool, big, len);
    credo_str after = intern_text(pool, "after");

    assert_int_equal(credo_strpool_length(pool, id), len);
    assert_memory_equal(credo_strpool_get(pool, id), big, len);
    assert_int_equal(credo_strpool_find(pool, big, len), id);
    assert_string_equal(credo_strpool_get(pool, small), "small");
    assert_string_equal(credo_strpool_get(pool, after), "after");
    free(big);
}

/* ---- Reserving and merging ------------------------------------------- */

static void reserve_keeps_strings(void **state)
{
    credo_strpool *pool = *state;
    credo_str acme = intern_text(pool, "acme");

    assert_int_equal(credo_strpool_reserve(pool, 100000), CREDO_OK);
    assert_int_equal(credo_strpool_find(pool, "acme", 4), acme);
    assert_int_equal(intern_text(pool, "beta"), acme + 1);
    assert_int_equal(credo_strpool_count(pool), 3);
}

static void reserve_past_id_limit_rejected(void **state)
{
    credo_strpool *pool = *state;
    credo_str acme = intern_text(pool, "acme");

    assert_int_equal(credo_strpool_reserve(pool, SIZE_MAX), CREDO_ERR_NOMEM);
    assert_int_equal(credo_strpool_find(pool, "acme", 4), acme);
    assert_int_equal(intern_text(pool, "beta"), acme + 1);
}

static void hashed_matches_plain_intern(void **state)
{
    credo_strpool *pool = *state;
    credo_str acme = intern_text(pool, "acme");
    credo_status status = CREDO_OK;

    credo_strpool_prefetch(pool, credo_strpool_hash("acme", 4));
    assert_int_equal(credo_strpool_intern_hashed(pool, "acme", 4, credo_strpool_hash("acme", 4), &status), acme);
    credo_str beta = credo_strpool_intern_hashed(pool, "beta", 4, credo_strpool_hash("beta", 4), &status);
    assert_int_equal(beta, acme + 1);
    assert_int_equal(intern_text(pool, "beta"), beta);
    assert_int_equal(credo_strpool_intern_hashed(pool, NULL, 0, 0, &status), CREDO_STR_NONE);
    assert_int_equal(status, CREDO_OK);
}

/* from holds "b", "c" and the empty string; pool holds "a" and "b". */
static void merge_maps_shared_and_new(void **state)
{
    credo_strpool *pool = *state;
    credo_strpool *from = credo_strpool_new();
    assert_non_null(from);
    intern_text(pool, "a");
    credo_str b = intern_text(pool, "b");
    intern_text(from, "b");
    intern_text(from, "c");
    intern_ok(from, "", 0);

    credo_str map[4] = {99, 99, 99, 99};
    assert_int_equal(credo_strpool_merge(pool, from, map), CREDO_OK);
    assert_int_equal(map[0], CREDO_STR_NONE);
    assert_int_equal(map[1], b);
    assert_int_equal(map[2], 3);
    assert_int_equal(map[3], 4);
    assert_string_equal(credo_strpool_get(pool, 3), "c");
    assert_int_equal(credo_strpool_length(pool, 4), 0);
    assert_int_equal(credo_strpool_count(pool), 5);
    credo_strpool_free(from);
}

static void merge_empty_pool(void **state)
{
    credo_strpool *pool = *state;
    credo_strpool *from = credo_strpool_new();
    assert_non_null(from);
    intern_text(pool, "a");

    credo_str map[1] = {99};
    assert_int_equal(credo_strpool_merge(pool, from, map), CREDO_OK);
    assert_int_equal(map[0], CREDO_STR_NONE);
    assert_int_equal(credo_strpool_count(pool), 2);
    credo_strpool_free(from);
}

/* pool holds the even numbers below 10,000 and from the numbers below
 * 20,000 in descending order, so the merge grows the table, finds half of
 * the first 10,000 and adds the rest. */
static void merge_many_strings(void **state)
{
    credo_strpool *pool = *state;
    credo_strpool *from = credo_strpool_new();
    assert_non_null(from);
    char text[32];
    for (int i = 0; i < 10000; i += 2)
        intern_ok(pool, text, (size_t)snprintf(text, sizeof text, "n%d", i));
    for (int i = 19999; i >= 0; i--)
        intern_ok(from, text, (size_t)snprintf(text, sizeof text, "n%d", i));

    credo_str *map = malloc(20001 * sizeof *map);
    assert_non_null(map);
    assert_int_equal(credo_strpool_merge(pool, from, map), CREDO_OK);
    assert_int_equal(credo_strpool_count(pool), 1 + 5000 + 15000);
    for (size_t id = 1; id <= 20000; id++) {
        const char *expected = credo_strpool_get(from, (credo_str)id);
        assert_string_equal(credo_strpool_get(pool, map[id]), expected);
        assert_int_equal(credo_strpool_find(pool, expected, strlen(expected)), map[id]);
    }
    assert_int_equal(map[20000], 1); /* "n0" was pool's first string */
    free(map);
    credo_strpool_free(from);
}

/* ---- Comparison ------------------------------------------------------- */

static void compare_code_point_order(void **state)
{
    credo_strpool *pool = *state;
    credo_str e_acute = intern_text(pool, "\xc3\x89"); /* U+00C9 */
    credo_str z = intern_text(pool, "Z");
    credo_str lower_a = intern_text(pool, "a");

    assert_true(credo_strpool_compare(pool, e_acute, z) > 0);
    assert_true(credo_strpool_compare(pool, z, e_acute) < 0);
    assert_true(credo_strpool_compare(pool, e_acute, lower_a) > 0);
    assert_true(credo_strpool_compare(pool, z, lower_a) < 0);
}

static void compare_supplementary_plane(void **state)
{
    credo_strpool *pool = *state;
    credo_str bmp_last = intern_text(pool, "\xef\xbf\xbd");     /* U+FFFD */
    credo_str emoji = intern_text(pool, "\xf0\x9f\x98\x80");    /* U+1F600 */

    assert_true(credo_strpool_compare(pool, bmp_last, emoji) < 0);
}

static void compare_prefix_sorts_first(void **state)
{
    credo_strpool *pool = *state;
    credo_str ten = intern_text(pool, "10");
    credo_str one = intern_text(pool, "1");
    credo_str nine = intern_text(pool, "9");

    assert_true(credo_strpool_compare(pool, one, ten) < 0);
    assert_true(credo_strpool_compare(pool, ten, nine) < 0);
}

static void compare_equal_and_missing(void **state)
{
    credo_strpool *pool = *state;
    credo_str empty = intern_text(pool, "");
    credo_str word = intern_text(pool, "word");

    assert_int_equal(credo_strpool_compare(pool, word, word), 0);
    assert_int_equal(credo_strpool_compare(pool, CREDO_STR_NONE, CREDO_STR_NONE), 0);
    assert_true(credo_strpool_compare(pool, CREDO_STR_NONE, empty) < 0);
    assert_true(credo_strpool_compare(pool, empty, CREDO_STR_NONE) > 0);
    assert_true(credo_strpool_compare(pool, empty, word) < 0);
}

/* The prefetch hints, given the hash of a stored string, of an absent
 * one or an arbitrary number, change no id and add no string. */
static void prefetch_changes_nothing(void **state)
{
    credo_strpool *pool = *state;
    credo_str city = intern_text(pool, "Bemidji");
    credo_str code = intern_text(pool, "56601");
    const char *texts[] = {"Bemidji", "56601", "Ames", ""};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        uint64_t hash = credo_strpool_hash(texts[i], strlen(texts[i]));
        credo_strpool_prefetch(pool, hash);
        credo_strpool_prefetch_entry(pool, hash);
        credo_strpool_prefetch_bytes(pool, hash);
    }
    credo_strpool_prefetch_entry(pool, 0);
    credo_strpool_prefetch_bytes(pool, UINT64_MAX);
    assert_int_equal(credo_strpool_count(pool), 3);
    assert_int_equal(credo_strpool_find(pool, "Bemidji", 7), city);
    assert_int_equal(credo_strpool_find(pool, "56601", 5), code);
    assert_int_equal(credo_strpool_find(pool, "Ames", 4), CREDO_STR_NONE);
}

static void free_accepts_null(void **state)
{
    (void)state;
    credo_strpool_free(NULL);
}

#define POOL_TEST(name) cmocka_unit_test_setup_teardown(name, setup_pool, teardown_pool)

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(intern_equal_bytes_same_id),
        POOL_TEST(intern_distinct_bytes_distinct_ids),
        POOL_TEST(intern_ids_are_dense),
        POOL_TEST(intern_null_is_missing),
        POOL_TEST(intern_empty_differs_from_missing),
        POOL_TEST(intern_unterminated_input),
        POOL_TEST(intern_cstr_matches_bytes),
        POOL_TEST(nul_embedded_keeps_length),
        POOL_TEST(nul_embedded_differs_from_prefix),
        POOL_TEST(nul_cstr_stops_at_nul),
        POOL_TEST(nul_embedded_compare),
        POOL_TEST(find_before_and_after),
        POOL_TEST(find_null_is_missing),
        POOL_TEST(get_unknown_id),
        POOL_TEST(growth_many_strings),
        POOL_TEST(growth_reinterning_adds_nothing),
        POOL_TEST(growth_keeps_pointers),
        POOL_TEST(growth_string_larger_than_chunk),
        POOL_TEST(reserve_keeps_strings),
        POOL_TEST(reserve_past_id_limit_rejected),
        POOL_TEST(hashed_matches_plain_intern),
        POOL_TEST(merge_maps_shared_and_new),
        POOL_TEST(merge_empty_pool),
        POOL_TEST(merge_many_strings),
        POOL_TEST(compare_code_point_order),
        POOL_TEST(compare_supplementary_plane),
        POOL_TEST(compare_prefix_sorts_first),
        POOL_TEST(compare_equal_and_missing),
        POOL_TEST(prefetch_changes_nothing),
        cmocka_unit_test(free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
