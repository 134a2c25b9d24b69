/* credo diff after a realignment on the AdventureWorks example: Texas moves
 * from the Southwest territory to Central, so out-of-territory deals and
 * the overlay credit they give change. Each rep's change per kind of
 * credit is checked against sums of the stored credit lines read with
 * SQLite directly. */
#include "test_support.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLE_DIR CREDO_SOURCE_DIR "/examples/adventureworks"

typedef struct diff_fixture {
    char *dir;
    char *db;
    json_t *diff; /* credo diff --json from run 1 to run 2 */
} diff_fixture;

/* Replaces the only occurrence of `from` in text (which must contain it). */
static char *replace_once(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (at == NULL || strstr(at + 1, from) != NULL)
        fail_msg("'%s' does not occur exactly once in the example policy", from);
    size_t head = (size_t)(at - text), length = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(length + 1);
    assert_non_null(out);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static void run_policy(const diff_fixture *f, const char *policy)
{
    char command[8192];
    snprintf(command, sizeof command, "%s run --db %s --policy %s --as-of 2020-06-30 >/dev/null", CREDO_BINARY,
             f->db, policy);
    assert_int_equal(test_run(command, 1, NULL), 0);
}

static int fixture_setup(void **state)
{
    diff_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_make_tempdir("diff");
    f->db = test_path_join(f->dir, "store.db");
    char command[8192];
    snprintf(command, sizeof command, "%s import --db %s %s/mapping.yaml >/dev/null", CREDO_BINARY, f->db,
             EXAMPLE_DIR);
    assert_int_equal(test_run(command, 1, NULL), 0);
    run_policy(f, EXAMPLE_DIR "/policy.yaml");

    /* Texas leaves Southwest ("US-NM", "US-TX") and joins Central. */
    char *policy = test_read_file(EXAMPLE_DIR "/policy.yaml", NULL);
    char *moved_out = replace_once(policy, "\"US-NM\", \"US-TX\"))", "\"US-NM\"))");
    char *moved = replace_once(moved_out, "\"US-SD\", \"US-WI\"))", "\"US-SD\", \"US-TX\", \"US-WI\"))");
    char *path = test_path_join(f->dir, "texas-central.yaml");
    test_write_file(path, moved);
    run_policy(f, path);
    free(path);
    free(moved);
    free(moved_out);
    free(policy);

    char *output = NULL;
    snprintf(command, sizeof command, "%s diff --db %s --json", CREDO_BINARY, f->db);
    assert_int_equal(test_run(command, 0, &output), 0);
    json_error_t error;
    f->diff = json_loads(output, 0, &error);
    if (f->diff == NULL)
        fail_msg("diff output is not JSON (%s): %s", error.text, output);
    free(output);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    diff_fixture *f = *state;
    json_decref(f->diff);
    free(f->db);
    free(f->dir);
    free(f);
    return 0;
}

/* The change of rep's credit of one kind from run 1 to run 2, summed from
 * the stored lines. */
static long long stored_delta(const char *db_path, const char *rep, const char *kind)
{
    static const char sql[] =
        "SELECT coalesce(sum(CASE run_id WHEN 2 THEN amount_minor ELSE -amount_minor END), 0) "
        "FROM run_credit WHERE run_id IN (1, 2) AND rep_id = ?1 AND kind = ?2";
    sqlite3 *db = NULL;
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK);
    sqlite3_bind_text(statement, 1, rep, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, kind, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    long long delta = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return delta;
}

static void rep_deltas_match_stored_lines(void **state)
{
    diff_fixture *f = *state;
    const json_t *reps = json_object_get(f->diff, "reps");
    assert_true(json_array_size(reps) > 0);
    size_t reps_with_overlay_change = 0;
    for (size_t i = 0; i < json_array_size(reps); i++) {
        const json_t *rep = json_array_get(reps, i);
        const char *id = json_string_value(json_object_get(rep, "rep"));
        long long overlay = json_integer_value(json_object_get(rep, "overlay_delta_minor"));
        assert_int_equal(json_integer_value(json_object_get(rep, "delta_minor")), stored_delta(f->db, id, "revenue"));
        assert_int_equal(overlay, stored_delta(f->db, id, "overlay"));
        assert_int_equal(json_integer_value(json_object_get(rep, "rollup_delta_minor")),
                         stored_delta(f->db, id, "rollup"));
        reps_with_overlay_change += overlay != 0;
    }
    /* The move must change someone's overlay credit, or the test shows nothing. */
    assert_true(reps_with_overlay_change > 0);
}

static void lost_overlay_names_its_rule(void **state)
{
    diff_fixture *f = *state;
    const json_t *changes = json_object_get(f->diff, "changes");
    size_t lost = 0;
    for (size_t i = 0; i < json_array_size(changes); i++) {
        const json_t *change = json_array_get(changes, i);
        if (strcmp(json_string_value(json_object_get(change, "kind")), "overlay") != 0 ||
            json_integer_value(json_object_get(change, "after_minor")) != 0)
            continue;
        lost++;
        assert_string_equal(json_string_value(json_object_get(change, "why")),
                            "overlay credit by rule out-of-territory no longer applies");
    }
    assert_true(lost > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rep_deltas_match_stored_lines),
        cmocka_unit_test(lost_overlay_names_its_rule),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
