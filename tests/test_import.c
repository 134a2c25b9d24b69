/* Tests of the import on the fixture files under tests/data/import: each
 * mapping is imported into a fresh SQLite file and the stored rows are read
 * back through credo_store_load. Expected values were worked out by hand
 * from the CSV files; day numbers come from Python's datetime.date. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/import.h"
#include "credo/store.h"
#include "test_support.h"

#define IMPORT_DATA CREDO_TEST_DATA "/import"

/* Days since 1970-01-01. */
#define DAY_2023_01_01 19358
#define DAY_2024_01_01 19723
#define DAY_2024_02_15 19768
#define DAY_2024_03_01 19783
#define DAY_2024_03_02 19784
#define DAY_2024_04_01 19814
#define DAY_2024_07_01 19905

typedef struct fixture {
    char *dir;
    char *path;
    credo_store *store;
    credo_iso3166 *iso;
    credo_snapshot *snapshot;
    credo_import_report *report;
} fixture;

static int setup_import(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_make_tempdir("import");
    f->path = test_path_join(f->dir, "credo.db");
    credo_error err;
    if (credo_store_open(f->path, &f->store, &err) != CREDO_OK)
        fail_msg("opening the store failed: %s", err.message);
    if (credo_iso3166_load(NULL, &f->iso, &err) != CREDO_OK)
        fail_msg("loading iso-codes failed: %s", err.message);
    *state = f;
    return 0;
}

static int teardown_import(void **state)
{
    fixture *f = *state;
    credo_snapshot_free(f->snapshot);
    credo_import_report_free(f->report);
    credo_iso3166_free(f->iso);
    credo_store_close(f->store);
    free(f->path);
    free(f->dir);
    free(f);
    return 0;
}

static void expect_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("expected \"%s\" to contain \"%s\"", text, part);
}

/* Imports IMPORT_DATA/name, which must succeed, and loads the snapshot. */
static void import_ok(fixture *f, const char *name)
{
    char mapping[1024];
    snprintf(mapping, sizeof mapping, "%s/%s", IMPORT_DATA, name);
    credo_error err;
    credo_import_report_free(f->report);
    f->report = NULL;
    if (credo_import(f->store, mapping, f->iso, NULL, NULL, &f->report, &err) != CREDO_OK)
        fail_msg("importing %s failed: %s", name, err.message);
    credo_snapshot_free(f->snapshot);
    f->snapshot = NULL;
    if (credo_store_load(f->store, &f->snapshot, &err) != CREDO_OK)
        fail_msg("loading the store failed: %s", err.message);
}

/* Imports IMPORT_DATA/name, which must fail with status; returns err. */
static credo_error import_fails(fixture *f, const char *name, credo_status status)
{
    char mapping[1024];
    snprintf(mapping, sizeof mapping, "%s/%s", IMPORT_DATA, name);
    credo_error err = {0};
    credo_import_report *report = NULL;
    assert_int_equal(credo_import(f->store, mapping, f->iso, NULL, NULL, &report, &err), status);
    assert_null(report);
    return err;
}

static const char *text_of(const fixture *f, credo_str id)
{
    return credo_snapshot_text(f->snapshot, id);
}

static int64_t count_rows(const fixture *f, const char *table)
{
    int64_t count = -1;
    credo_error err;
    assert_int_equal(credo_store_count(f->store, table, &count, &err), CREDO_OK);
    return count;
}

/* Returns the snapshot row of a rep, account or deal id, failing when absent. */
static uint32_t row_of(const fixture *f, const char *table, const char *id)
{
    credo_str key = credo_strpool_find(f->snapshot->strings, id, strlen(id));
    uint32_t row = strcmp(table, "reps") == 0       ? credo_snapshot_find_rep(f->snapshot, key)
                   : strcmp(table, "accounts") == 0 ? credo_snapshot_find_account(f->snapshot, key)
                                                    : credo_snapshot_find_deal(f->snapshot, key);
    if (row == CREDO_NO_ROW)
        fail_msg("%s has no id %s", table, id);
    return row;
}

/* ---- The full mapping ------------------------------------------------------- */

static void test_reps_lower_email(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_reps *reps = &f->snapshot->reps;
    assert_int_equal(reps->count, 2);
    uint32_t ana = row_of(f, "reps", "R1");
    assert_string_equal(text_of(f, reps->name[ana]), "Ana Lima");
    assert_string_equal(text_of(f, reps->email[ana]), "ana.lima@example.com");
    assert_int_equal(reps->active_from[ana], DAY_2023_01_01);
    uint32_t bo = row_of(f, "reps", "R2");
    assert_string_equal(text_of(f, reps->email[bo]), "bo@example.com");
    assert_int_equal(reps->active_from[bo], CREDO_DATE_MIN);
}

static void test_accounts_iso_and_zip(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_accounts *a = &f->snapshot->accounts;
    assert_int_equal(a->count, 4);

    uint32_t acme = row_of(f, "accounts", "A1");
    assert_string_equal(text_of(f, a->country[acme]), "US");
    assert_string_equal(text_of(f, a->region[acme]), "US-CA");
    assert_string_equal(text_of(f, a->postal_code[acme]), "02134");
    assert_int_equal(a->employees[acme], 120 * CREDO_NUMBER_SCALE);

    uint32_t beta = row_of(f, "accounts", "A2");
    assert_string_equal(text_of(f, a->country[beta]), "FR");
    assert_string_equal(text_of(f, a->region[beta]), "FR-92");
    assert_string_equal(text_of(f, a->postal_code[beta]), "92100");
    assert_true(a->employees[beta] == CREDO_NUMBER_NONE);

    uint32_t gamma = row_of(f, "accounts", "A3");
    assert_string_equal(text_of(f, a->country[gamma]), "US");
    assert_string_equal(text_of(f, a->region[gamma]), "Narnia");
    assert_string_equal(text_of(f, a->postal_code[gamma]), "02134");
    assert_int_equal(a->employees[gamma], 55000);
}

static void test_accounts_unmatched_kept(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_accounts *a = &f->snapshot->accounts;
    uint32_t delta = row_of(f, "accounts", "A4");
    assert_string_equal(text_of(f, a->country[delta]), "Atlantis");
    assert_string_equal(text_of(f, a->region[delta]), "Narnia");
    assert_string_equal(text_of(f, a->postal_code[delta]), "SW1A 1AA");
}

static void test_accounts_unmatched_reported(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_import_report *report = f->report;
    assert_int_equal(report->issue_count, 3);

    /* Sorted by file, field, value. */
    const credo_import_issue *country = &report->issues[0];
    assert_string_equal(country->file, "accounts.csv");
    assert_string_equal(country->field, "country");
    assert_string_equal(country->value, "Atlantis");
    assert_int_equal(country->line_count, 1);
    assert_int_equal(country->lines[0], 5);

    const credo_import_issue *zip = &report->issues[1];
    assert_string_equal(zip->field, "postal_code");
    assert_string_equal(zip->value, "SW1A 1AA");
    assert_int_equal(zip->lines[0], 5);

    const credo_import_issue *region = &report->issues[2];
    assert_string_equal(region->field, "region");
    assert_string_equal(region->value, "Narnia");
    assert_int_equal(region->line_count, 2);
    assert_int_equal(region->lines[0], 4);
    assert_int_equal(region->lines[1], 5);

    /* One stored issue per line. */
    assert_int_equal(count_rows(f, "import_issues"), 4);
}

static void test_accounts_attribute(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_accounts *a = &f->snapshot->accounts;
    assert_int_equal(a->attribute_count, 1);
    assert_string_equal(text_of(f, a->attributes[0].name), "segment");
    assert_string_equal(text_of(f, a->attributes[0].values[row_of(f, "accounts", "A1")]), "SMB");
    assert_string_equal(text_of(f, a->attributes[0].values[row_of(f, "accounts", "A2")]),
                        "Enterprise");
    assert_int_equal(a->attributes[0].values[row_of(f, "accounts", "A3")], CREDO_STR_NONE);
}

static void test_deals_grouped_and_summed(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_deals *d = &f->snapshot->deals;
    assert_int_equal(d->count, 2);

    /* 100.50 + 20.25 + 0.05 = 120.80 */
    uint32_t so1 = row_of(f, "deals", "SO1");
    assert_int_equal(d->amount[so1], 12080);
    assert_int_equal(d->status[so1], CREDO_DEAL_WON);
    assert_string_equal(text_of(f, d->currency[so1]), "USD");
    assert_string_equal(text_of(f, d->owner_id[so1]), "R1");
    assert_int_equal(d->account_row[so1], row_of(f, "accounts", "A1"));
    assert_int_equal(d->created[so1], DAY_2024_03_01);

    uint32_t so2 = row_of(f, "deals", "SO2");
    assert_int_equal(d->amount[so2], 1000);
    assert_int_equal(d->status[so2], CREDO_DEAL_OPEN);
    assert_int_equal(d->created[so2], DAY_2024_03_02);
}

static void test_report_counts_rows(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_import_report *report = f->report;
    assert_int_equal(report->source_count, 8);
    const char *const entities[] = {"reps", "accounts", "deals", "deal_team", "activities",
                                    "deal_history", "quotas", "registrations"};
    const size_t read[] = {2, 4, 4, 3, 4, 3, 2, 2};
    const size_t written[] = {2, 4, 2, 3, 4, 3, 2, 2};
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(report->sources[i].entity, entities[i]);
        assert_int_equal(report->sources[i].rows_read, read[i]);
        assert_int_equal(report->sources[i].rows_written, written[i]);
    }
}

static void test_team_splits(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_deal_team *t = &f->snapshot->team;
    assert_int_equal(t->count, 3);
    assert_string_equal(text_of(f, t->rep_id[0]), "R1");
    assert_string_equal(text_of(f, t->role[0]), "member");
    assert_int_equal(t->split[0], 6667);
    assert_string_equal(text_of(f, t->rep_id[1]), "R2");
    assert_string_equal(text_of(f, t->role[1]), "overlay");
    assert_int_equal(t->split[1], 3333);
    assert_int_equal(t->deal_row[1], row_of(f, "deals", "SO1"));
    assert_string_equal(text_of(f, t->role[2]), "se");
    assert_int_equal(t->split[2], -1);
    assert_int_equal(t->deal_row[2], row_of(f, "deals", "SO2"));
}

static void test_activities_dates_and_keys(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_activities *a = &f->snapshot->activities;
    assert_int_equal(a->count, 4);
    /* Sorted by account id, date, rep id, type, deal id. */
    assert_string_equal(text_of(f, a->rep_id[0]), "R1");
    assert_string_equal(text_of(f, a->type[0]), "call");
    assert_int_equal(a->date[0], DAY_2024_03_01);
    assert_string_equal(text_of(f, a->deal_id[0]), "SO1");
    assert_int_equal(a->deal_row[0], row_of(f, "deals", "SO1"));
    assert_int_equal(a->account_row[0], row_of(f, "accounts", "A1"));
    for (size_t i = 1; i <= 2; i++) {
        assert_string_equal(text_of(f, a->rep_id[i]), "R2");
        assert_string_equal(text_of(f, a->type[i]), "email");
        assert_int_equal(a->date[i], DAY_2024_03_02);
        assert_int_equal(a->deal_id[i], CREDO_STR_NONE);
    }
    assert_string_equal(text_of(f, a->account_id[3]), "A2");
    assert_string_equal(text_of(f, a->type[3]), "meeting");
    assert_int_equal(a->date[3], DAY_2024_03_01);
}

static void test_activities_reimport(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    import_ok(f, "mapping.yaml");
    /* ACT-1 and ACT-2 are replaced by their id; the two rows without an id
     * are added again. */
    assert_int_equal(f->snapshot->activities.count, 6);
    assert_int_equal(count_rows(f, "activities"), 6);
    assert_int_equal(f->snapshot->deals.count, 2);
    assert_int_equal(f->snapshot->registrations.count, 2);
    assert_int_equal(f->snapshot->quotas.count, 2);
}

static void test_history_money_and_order(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_deal_history *h = &f->snapshot->history;
    assert_int_equal(h->count, 3);
    assert_string_equal(text_of(f, h->deal_id[0]), "SO1");
    assert_int_equal(h->date[0], DAY_2024_02_15);
    assert_string_equal(text_of(f, h->stage[0]), "Closed Won");
    assert_int_equal(h->amount[0], 12080);
    assert_int_equal(h->close_date[0], DAY_2024_03_01);
    assert_string_equal(text_of(f, h->stage[1]), "Qualify");
    assert_int_equal(h->date[1], DAY_2024_01_01);
    assert_true(h->amount[1] == CREDO_MONEY_NONE);
    assert_int_equal(h->close_date[1], CREDO_DATE_NONE);
    assert_string_equal(text_of(f, h->stage[2]), "Proposal");
    assert_int_equal(h->amount[2], 150000);
    assert_int_equal(h->close_date[2], DAY_2024_07_01);
    assert_int_equal(h->deal_row[2], row_of(f, "deals", "SO2"));
}

static void test_quotas_date_format(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_quotas *q = &f->snapshot->quotas;
    assert_int_equal(q->count, 2);
    assert_string_equal(text_of(f, q->rep_id[0]), "R1");
    assert_int_equal(q->start[0], DAY_2024_01_01);
    assert_int_equal(q->end[0], DAY_2024_04_01);
    assert_string_equal(text_of(f, q->currency[0]), "USD");
    assert_int_equal(q->amount[0], 5000000);
    assert_string_equal(text_of(f, q->rep_id[1]), "R2");
    assert_int_equal(q->end[1], DAY_2024_07_01);
    assert_string_equal(text_of(f, q->currency[1]), "EUR");
    assert_int_equal(q->amount[1], 120000050);
}

static void test_registrations_values(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    const credo_registrations *r = &f->snapshot->registrations;
    assert_int_equal(r->count, 2);
    assert_string_equal(text_of(f, r->id[0]), "REG-1");
    assert_string_equal(text_of(f, r->rep_id[0]), "R2");
    assert_int_equal(r->account_row[0], row_of(f, "accounts", "A1"));
    assert_string_equal(text_of(f, r->product[0]), "Suite");
    assert_string_equal(text_of(f, r->source[0]), "partner");
    assert_string_equal(text_of(f, r->partner[0]), "Ærø Partners");
    assert_string_equal(text_of(f, r->deal_id[0]), "SO1");
    assert_int_equal(r->date[0], DAY_2024_02_15);
    assert_string_equal(text_of(f, r->id[1]), "REG-2");
    assert_string_equal(text_of(f, r->source[1]), "direct");
    assert_int_equal(r->product[1], CREDO_STR_NONE);
    assert_int_equal(r->partner[1], CREDO_STR_NONE);
    /* The time and zone of 2024-03-01T08:00:00+02:00 are ignored. */
    assert_int_equal(r->date[1], DAY_2024_03_01);
}

/* ---- Errors ---------------------------------------------------------------------- */

static void test_unknown_value_names_row(void **state)
{
    fixture *f = *state;
    credo_error err = import_fails(f, "unknown_value.yaml", CREDO_ERR_INVALID);
    expect_contains(err.message, "orders_pending.csv:3: field status: value 'Pending' is not in "
                                 "the mapping's 'values' table");
    expect_contains(err.message, "unknown_value.yaml:13");
    /* The reps of the same import are rolled back. */
    assert_int_equal(count_rows(f, "reps"), 0);
    assert_int_equal(count_rows(f, "deals"), 0);
    assert_int_equal(count_rows(f, "imports"), 0);
    assert_int_equal(count_rows(f, "audit_log"), 0);
}

static void test_missing_required_value(void **state)
{
    fixture *f = *state;
    credo_error err = import_fails(f, "missing_type.yaml", CREDO_ERR_INVALID);
    assert_string_equal(err.message,
                        "activities_no_type.csv:3: field type is empty; every activities row "
                        "needs it");
    assert_int_equal(count_rows(f, "activities"), 0);
    assert_int_equal(count_rows(f, "reps"), 0);
}

static void test_missing_required_field(void **state)
{
    fixture *f = *state;
    credo_error err = import_fails(f, "missing_date_field.yaml", CREDO_ERR_INVALID);
    expect_contains(err.message, "missing_date_field.yaml:");
    expect_contains(err.message, "quotas need the field 'end'");
}

static void test_invalid_event_date(void **state)
{
    fixture *f = *state;
    credo_error err = import_fails(f, "bad_date.yaml", CREDO_ERR_INVALID);
    expect_contains(err.message, "activities_bad_date.csv:3: field date");
    expect_contains(err.message, "2024-02-30");
    assert_int_equal(count_rows(f, "activities"), 0);
}

static void test_quota_end_before_start(void **state)
{
    fixture *f = *state;
    credo_error err = import_fails(f, "bad_quota_period.yaml", CREDO_ERR_INVALID);
    assert_string_equal(err.message,
                        "quotas_backwards.csv:2: field end: end 2024-01-01 is not after start "
                        "2024-04-01; a quota covers [start, end)");
}

static void test_unknown_entity_lists_all(void **state)
{
    fixture *f = *state;
    credo_error err = import_fails(f, "unknown_entity.yaml", CREDO_ERR_INVALID);
    expect_contains(err.message, "unknown entity 'meetings'; use reps, accounts, deals, "
                                 "deal_team, activities, deal_history, quotas or registrations");
}

#define IMPORT_TEST(name) cmocka_unit_test_setup_teardown(name, setup_import, teardown_import)

int main(void)
{
    const struct CMUnitTest tests[] = {
        IMPORT_TEST(test_reps_lower_email),
        IMPORT_TEST(test_accounts_iso_and_zip),
        IMPORT_TEST(test_accounts_unmatched_kept),
        IMPORT_TEST(test_accounts_unmatched_reported),
        IMPORT_TEST(test_accounts_attribute),
        IMPORT_TEST(test_deals_grouped_and_summed),
        IMPORT_TEST(test_report_counts_rows),
        IMPORT_TEST(test_team_splits),
        IMPORT_TEST(test_activities_dates_and_keys),
        IMPORT_TEST(test_activities_reimport),
        IMPORT_TEST(test_history_money_and_order),
        IMPORT_TEST(test_quotas_date_format),
        IMPORT_TEST(test_registrations_values),
        IMPORT_TEST(test_unknown_value_names_row),
        IMPORT_TEST(test_missing_required_value),
        IMPORT_TEST(test_missing_required_field),
        IMPORT_TEST(test_invalid_event_date),
        IMPORT_TEST(test_quota_end_before_start),
        IMPORT_TEST(test_unknown_entity_lists_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
