/* Tests of the import on the fixture files under tests/data/import: each
 * mapping is imported into a fresh SQLite file and the stored rows are read
 * back through credo_store_load. Expected values were worked out by hand
 * from the CSV files; day numbers come from Python's datetime.date. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Imports the mapping at path, which must fail with status; returns err. */
static credo_error import_path_fails(fixture *f, const char *path, credo_status status)
{
    credo_error err = {0};
    credo_import_report *report = NULL;
    credo_status got = credo_import(f->store, path, f->iso, NULL, NULL, &report, &err);
    if (got != status)
        fail_msg("expected status %d, got %d: %s", (int)status, (int)got, err.message);
    assert_null(report);
    return err;
}

/* Imports IMPORT_DATA/name, which must fail with status; returns err. */
static credo_error import_fails(fixture *f, const char *name, credo_status status)
{
    char mapping[1024];
    snprintf(mapping, sizeof mapping, "%s/%s", IMPORT_DATA, name);
    return import_path_fails(f, mapping, status);
}

/* ---- Cases written into the fixture's folder ---- */

/* Writes length bytes, NUL bytes included, to the fixture's folder. */
static void write_case_file(const fixture *f, const char *name, const char *data, size_t length)
{
    char *path = test_path_join(f->dir, name);
    FILE *file = fopen(path, "wb");
    if (file == NULL || fwrite(data, 1, length, file) != length || fclose(file) != 0)
        fail_msg("writing %s failed", path);
    free(path);
}

/* Writes a string literal, embedded NUL bytes and all. */
#define WRITE_CASE(f, name, literal) write_case_file((f), (name), (literal), sizeof(literal) - 1)

/* Imports mapping.yaml of the fixture's folder, which must succeed. */
static void import_case_ok(fixture *f)
{
    char *mapping = test_path_join(f->dir, "mapping.yaml");
    credo_error err;
    credo_import_report_free(f->report);
    f->report = NULL;
    if (credo_import(f->store, mapping, f->iso, NULL, NULL, &f->report, &err) != CREDO_OK)
        fail_msg("importing %s failed: %s", mapping, err.message);
    credo_snapshot_free(f->snapshot);
    f->snapshot = NULL;
    if (credo_store_load(f->store, &f->snapshot, &err) != CREDO_OK)
        fail_msg("loading the store failed: %s", err.message);
    free(mapping);
}

/* Imports mapping.yaml of the fixture's folder, which must fail with
 * status; returns err. */
static credo_error import_case_fails(fixture *f, credo_status status)
{
    char *mapping = test_path_join(f->dir, "mapping.yaml");
    credo_error err = import_path_fails(f, mapping, status);
    free(mapping);
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

/* ---- Rejected bytes, headers, keys and limits ---------------------------------- */

/* A reps source; reps.csv has the columns Id and Name. */
#define REPS_MAPPING                                                                               \
    "credo_mapping: 1\n"                                                                           \
    "sources:\n"                                                                                   \
    "  - file: reps.csv\n"                                                                         \
    "    entity: reps\n"                                                                           \
    "    columns:\n"                                                                               \
    "      id: Id\n"                                                                               \
    "      name: Name\n"

/* A deals source without group_by; deals.csv has Id, Owner and Status.
 * The spec of owner_id, "Owner", is at line 7, column 17. */
#define DEALS_MAPPING                                                                              \
    "credo_mapping: 1\n"                                                                           \
    "sources:\n"                                                                                   \
    "  - file: deals.csv\n"                                                                        \
    "    entity: deals\n"                                                                          \
    "    columns:\n"                                                                               \
    "      id: Id\n"                                                                               \
    "      owner_id: Owner\n"                                                                      \
    "      currency: {value: USD}\n"                                                               \
    "      status: Status\n"

/* A deals source grouped by Order; its group_by value is at line 5,
 * column 15. */
#define GROUPED_DEALS_MAPPING                                                                      \
    "credo_mapping: 1\n"                                                                           \
    "sources:\n"                                                                                   \
    "  - file: deals.csv\n"                                                                        \
    "    entity: deals\n"                                                                          \
    "    group_by: Order\n"                                                                        \
    "    columns:\n"                                                                               \
    "      id: Id\n"                                                                               \
    "      currency: {value: USD}\n"                                                               \
    "      status: Status\n"

/* "US\0D" was read as "US", and the ids "d9\0a" and "d9\0b" as one id. */
static void test_nul_byte_in_id_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", REPS_MAPPING);
    WRITE_CASE(f, "reps.csv", "Id,Name\nd9\0a,Ana\nd9\0b,Bo\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "reps.csv:2:3: NUL byte in a field; ");
    assert_int_equal(count_rows(f, "reps"), 0);
}

/* Header Id,Owner,Status,Owner: either Owner column could be meant. */
static void test_repeated_header_column_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Id,Owner,Status,Owner\nd1,R1,open,R2\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "mapping.yaml:7:17: column 'Owner' appears twice in the header of "
                                 "deals.csv, as columns 2 and 4; rename one of them");
    assert_int_equal(count_rows(f, "deals"), 0);
}

/* Header Order,Id,Status,Order with group_by: Order. */
static void test_repeated_group_column_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", GROUPED_DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Order,Id,Status,Order\nO1,d1,open,O2\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "mapping.yaml:5:15: column 'Order' appears twice in the header of "
                                 "deals.csv, as columns 1 and 4");
}

/* Header Id,Notes,Status,Notes,Owner: Notes is not mapped, so its repeat
 * does not matter. */
static void test_repeated_unmapped_column_accepted(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Id,Notes,Status,Notes,Owner\nd1,a,open,b,R1\n");
    import_case_ok(f);
    assert_int_equal(f->snapshot->deals.count, 1);
    assert_string_equal(text_of(f, f->snapshot->deals.owner_id[0]), "R1");
}

/* Deal d9 on lines 3 and 4 of a source without group_by, imported into a
 * store that already has SO1 and SO2 from mapping.yaml: the error names
 * both lines, and the store keeps what it had, SO1 included. */
static void test_repeated_deal_id_rejected(void **state)
{
    fixture *f = *state;
    import_ok(f, "mapping.yaml");
    WRITE_CASE(f, "mapping.yaml", DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Id,Owner,Status\nSO1,R9,lost\nd9,R1,open\nd9,R2,won\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    assert_string_equal(err.message,
                        "deals.csv:4: deal id 'd9' already appears on line 3 of this file; ids must be "
                        "unique within a file (use group_by to merge rows that describe one entity)");

    assert_int_equal(count_rows(f, "deals"), 2);
    assert_int_equal(count_rows(f, "imports"), 1);
    credo_error load_err;
    credo_snapshot_free(f->snapshot);
    f->snapshot = NULL;
    assert_int_equal(credo_store_load(f->store, &f->snapshot, &load_err), CREDO_OK);
    uint32_t so1 = row_of(f, "deals", "SO1");
    assert_string_equal(text_of(f, f->snapshot->deals.owner_id[so1]), "R1");
    assert_int_equal(f->snapshot->deals.status[so1], CREDO_DEAL_WON);
    assert_int_equal(f->snapshot->deals.amount[so1], 12080);
}

/* Codes a1 and A1 become one id through the upper transform. */
static void test_repeated_id_after_transform_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: accounts.csv\n"
               "    entity: accounts\n"
               "    columns:\n"
               "      id: {column: Code, transform: upper}\n"
               "      name: Name\n");
    WRITE_CASE(f, "accounts.csv", "Code,Name\na1,Acme\nb2,Beta\nA1,Acme Inc\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "accounts.csv:4: account id 'A1' already appears on line 2 of this file");
    assert_int_equal(count_rows(f, "accounts"), 0);
}

/* Groups O1 (line 2) and O2 (line 3) both give deal id d1. */
static void test_repeated_id_across_groups_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", GROUPED_DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Order,Id,Status\nO1,d1,open\nO2,d1,open\nO1,d1,open\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "deals.csv:3: deal id 'd1' already appears in the group that starts on "
                                 "line 2 of this file");
    expect_contains(err.message, "group_by Order must give each id one group");
}

/* Rows SO1,R1,(empty role) and SO1,R1,member are one team member, because
 * an empty role is member; SO1,R1,overlay is another. */
static void test_repeated_team_member_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: team.csv\n"
               "    entity: deal_team\n"
               "    columns:\n"
               "      deal_id: Deal\n"
               "      rep_id: Rep\n"
               "      role: Role\n");
    WRITE_CASE(f, "team.csv", "Deal,Rep,Role\nSO1,R1,\nSO1,R1,overlay\nSO1,R1,member\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "team.csv:4: deal_id 'SO1', rep_id 'R1' and role 'member' already "
                                 "appear together on line 2 of this file");
    assert_int_equal(count_rows(f, "deal_team"), 0);
}

/* Starts 01/01/2024 and 1/1/2024 are the same day. */
static void test_repeated_quota_start_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: quotas.csv\n"
               "    entity: quotas\n"
               "    date_format: \"%m/%d/%Y\"\n"
               "    columns:\n"
               "      rep_id: Rep\n"
               "      start: From\n"
               "      end: To\n"
               "      currency: {value: USD}\n"
               "      amount: Quota\n");
    WRITE_CASE(f, "quotas.csv",
               "Rep,From,To,Quota\nR1,01/01/2024,04/01/2024,100\nR2,01/01/2024,04/01/2024,100\n"
               "R1,1/1/2024,7/1/2024,200\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "quotas.csv:4: a quota of rep_id 'R1' starting 1/1/2024 already appears on "
                                 "line 2 of this file");
    assert_int_equal(count_rows(f, "quotas"), 0);
}

/* ACT-1 twice is rejected; two rows without an id are two activities. */
static void test_repeated_activity_id_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: activities.csv\n"
               "    entity: activities\n"
               "    columns:\n"
               "      id: Key\n"
               "      rep_id: Rep\n"
               "      account_id: Account\n"
               "      type: Type\n"
               "      date: Date\n");
    WRITE_CASE(f, "activities.csv",
               "Key,Rep,Account,Type,Date\n,R1,A1,call,2024-03-01\n,R1,A1,call,2024-03-01\n"
               "ACT-1,R1,A1,call,2024-03-02\nACT-1,R2,A1,email,2024-03-03\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "activities.csv:5: activity id 'ACT-1' already appears on line 4 of this file");

    WRITE_CASE(f, "activities.csv",
               "Key,Rep,Account,Type,Date\n,R1,A1,call,2024-03-01\n,R1,A1,call,2024-03-01\n"
               "ACT-1,R1,A1,call,2024-03-02\n");
    import_case_ok(f);
    assert_int_equal(f->snapshot->activities.count, 3);
}

/* R2 in reps1.csv and again in reps2.csv: a later file replaces the rep,
 * and the counts report the rows of each file. */
static void test_id_repeated_across_files_accepted(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: reps1.csv\n"
               "    entity: reps\n"
               "    columns: {id: Id, name: Name}\n"
               "  - file: reps2.csv\n"
               "    entity: reps\n"
               "    columns: {id: Id, name: Name}\n");
    WRITE_CASE(f, "reps1.csv", "Id,Name\nR1,Ana\nR2,Bo\n");
    WRITE_CASE(f, "reps2.csv", "Id,Name\nR2,Bo Chen\nR3,Cy\n");
    import_case_ok(f);
    assert_int_equal(f->report->sources[0].rows_read, 2);
    assert_int_equal(f->report->sources[0].rows_written, 2);
    assert_int_equal(f->report->sources[1].rows_read, 2);
    assert_int_equal(f->report->sources[1].rows_written, 2);
    assert_int_equal(f->snapshot->reps.count, 3);
    assert_string_equal(text_of(f, f->snapshot->reps.name[row_of(f, "reps", "R2")]), "Bo Chen");
}

/* amount: {column: Amount, aggregate: sum} without group_by; "sum" is at
 * line 9, column 43. */
static void test_sum_without_group_by_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: deals.csv\n"
               "    entity: deals\n"
               "    columns:\n"
               "      id: Id\n"
               "      currency: {value: USD}\n"
               "      status: Status\n"
               "      amount: {column: Amount, aggregate: sum}\n");
    WRITE_CASE(f, "deals.csv", "Id,Status,Amount\nd1,open,10\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "mapping.yaml:9:43: aggregate needs group_by on the source; ");
}

/* segment: {column: Segment, aggregate: sum}; attributes are never summed.
 * "sum" is at line 9, column 45. */
static void test_sum_on_attribute_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: accounts.csv\n"
               "    entity: accounts\n"
               "    group_by: Code\n"
               "    columns:\n"
               "      id: Code\n"
               "    attributes:\n"
               "      segment: {column: Segment, aggregate: sum}\n");
    WRITE_CASE(f, "accounts.csv", "Code,Segment\na1,1\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "mapping.yaml:9:45: attribute 'segment' cannot be summed");
}

/* group_by: Order on a file without Order: the error points at the
 * group_by value (line 5, column 15), not at the "- file" line. */
static void test_group_column_missing_position(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", GROUPED_DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Id,Status\nd1,open\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "mapping.yaml:5:15: column 'Order' is not in the header");
}

/* file: data, where data is a folder: bad input (exit 3) at the file
 * name's position (line 3, column 11), not a read failure (exit 4). */
static void test_source_folder_rejected(void **state)
{
    fixture *f = *state;
    char *folder = test_path_join(f->dir, "data");
    assert_int_equal(mkdir(folder, 0700), 0);
    WRITE_CASE(f, "mapping.yaml", "credo_mapping: 1\nsources:\n  - file: data\n    entity: reps\n"
                                  "    columns: {id: Id}\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "mapping.yaml:3:11: source file data: ");
    expect_contains(err.message, "is a folder, not a file");
    free(folder);
}

static void test_source_missing_position(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", "credo_mapping: 1\nsources:\n  - file: none.csv\n    entity: reps\n"
                                  "    columns: {id: Id}\n");
    credo_error err = import_case_fails(f, CREDO_ERR_NOT_FOUND);
    expect_contains(err.message, "mapping.yaml:3:11: source file none.csv: cannot open ");
}

/* The mapping path itself is a folder. */
static void test_mapping_folder_rejected(void **state)
{
    fixture *f = *state;
    credo_error err = import_path_fails(f, f->dir, CREDO_ERR_INVALID);
    expect_contains(err.message, "is a folder, not a file");
}

/* The command exits 3 (invalid input), not 4 (store or file error), for a
 * source that is a folder. */
static void test_source_folder_exit_code(void **state)
{
    fixture *f = *state;
    char *folder = test_path_join(f->dir, "data");
    assert_int_equal(mkdir(folder, 0700), 0);
    WRITE_CASE(f, "mapping.yaml", "credo_mapping: 1\nsources:\n  - file: data\n    entity: reps\n"
                                  "    columns: {id: Id}\n");
    char command[4096];
    snprintf(command, sizeof command, "%s import --db %s/cli.db %s/mapping.yaml", CREDO_BINARY, f->dir, f->dir);
    char *output = NULL;
    assert_int_equal(test_run(command, 1, &output), 3);
    expect_contains(output, "mapping.yaml:3:11: source file data: ");
    expect_contains(output, "is a folder, not a file");
    free(output);
    free(folder);
}

/* Record 3 of reps.csv is 43 bytes: "R2," and 40 x. */
#define LONG_NAME "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define LONG_REPS_CSV "Id,Name\nR1,Ana\nR2," LONG_NAME "\n"

/* REPS_MAPPING with max_record_bytes on the source; the value is at
 * line 5, column 23. */
#define LIMITED_REPS_MAPPING(limit)                                                                \
    "credo_mapping: 1\n"                                                                           \
    "sources:\n"                                                                                   \
    "  - file: reps.csv\n"                                                                         \
    "    entity: reps\n"                                                                           \
    "    max_record_bytes: " limit "\n"                                                            \
    "    columns: {id: Id, name: Name}\n"

static void test_record_limit_names_mapping_key(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", LIMITED_REPS_MAPPING("32"));
    WRITE_CASE(f, "reps.csv", LONG_REPS_CSV);
    credo_error err = import_case_fails(f, CREDO_ERR_LIMIT);
    expect_contains(err.message, "reps.csv:3:1: record is longer than 32 bytes; look for a quote that is "
                                 "never closed, or set max_record_bytes on the source in the mapping");
}

static void test_record_limit_raised(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", LIMITED_REPS_MAPPING("43"));
    WRITE_CASE(f, "reps.csv", LONG_REPS_CSV);
    import_case_ok(f);
    assert_string_equal(text_of(f, f->snapshot->reps.name[row_of(f, "reps", "R2")]), LONG_NAME);
}

/* 1 GiB is the maximum; 0, one byte more, text and a negative number are
 * rejected at the value. */
static void test_record_limit_range(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "reps.csv", LONG_REPS_CSV);
    WRITE_CASE(f, "mapping.yaml", LIMITED_REPS_MAPPING("1073741824"));
    import_case_ok(f);
    assert_int_equal(f->snapshot->reps.count, 2);

    const char *const rejected[] = {
        LIMITED_REPS_MAPPING("0"), LIMITED_REPS_MAPPING("1073741825"), LIMITED_REPS_MAPPING("99999999999999999999"),
        LIMITED_REPS_MAPPING("16MiB"), LIMITED_REPS_MAPPING("-5"),
    };
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        write_case_file(f, "mapping.yaml", rejected[i], strlen(rejected[i]));
        credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
        expect_contains(err.message, "mapping.yaml:5:23: max_record_bytes must be a whole number of bytes "
                                     "from 1 to 1073741824 (1 GiB)");
    }
}

/* Id "d<LF>9", quoted so that the line break is part of the field. */
static void test_id_line_break_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Id,Owner,Status\nd1,R1,open\n\"d\n9\",R1,open\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    assert_string_equal(err.message,
                        "deals.csv:3: field id: id 'd\\x0A9' contains the control character 0x0A at byte 2; "
                        "reports show ids on one line, so remove line breaks, tabs and other control "
                        "characters from ids in the source");
    assert_int_equal(count_rows(f, "deals"), 0);
}

/* Owner "R<TAB>1" and "R1<DEL>": owner_id is an id too. */
static void test_id_control_characters_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", DEALS_MAPPING);
    WRITE_CASE(f, "deals.csv", "Id,Owner,Status\nd1,R\t1,open\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "deals.csv:2: field owner_id: id 'R\\x091' contains the control character "
                                 "0x09 at byte 2");

    WRITE_CASE(f, "deals.csv", "Id,Owner,Status\nd1,R1\x7F,open\n");
    err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "deals.csv:2: field owner_id: id 'R1\\x7F' contains the control character "
                                 "0x7F at byte 3");
}

/* A name is not an id, so a line break in it is kept. */
static void test_name_line_break_accepted(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml", REPS_MAPPING);
    WRITE_CASE(f, "reps.csv", "Id,Name\nR1,\"Ana\nLima\"\n");
    import_case_ok(f);
    assert_string_equal(text_of(f, f->snapshot->reps.name[row_of(f, "reps", "R1")]), "Ana\nLima");
}

/* A lower-case currency would count as a second currency beside USD. */
static void test_lower_case_currency_rejected(void **state)
{
    fixture *f = *state;
    WRITE_CASE(f, "mapping.yaml",
               "credo_mapping: 1\n"
               "sources:\n"
               "  - file: deals.csv\n"
               "    entity: deals\n"
               "    columns:\n"
               "      id: Id\n"
               "      currency: Currency\n"
               "      status: {value: won}\n");
    WRITE_CASE(f, "deals.csv", "Id,Currency\nd1,USD\nd2,usd\n");
    credo_error err = import_case_fails(f, CREDO_ERR_INVALID);
    expect_contains(err.message, "deals.csv:3: field currency: invalid currency 'usd'");
    assert_int_equal(count_rows(f, "deals"), 0);
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
        IMPORT_TEST(test_nul_byte_in_id_rejected),
        IMPORT_TEST(test_repeated_header_column_rejected),
        IMPORT_TEST(test_repeated_group_column_rejected),
        IMPORT_TEST(test_repeated_unmapped_column_accepted),
        IMPORT_TEST(test_repeated_deal_id_rejected),
        IMPORT_TEST(test_repeated_id_after_transform_rejected),
        IMPORT_TEST(test_repeated_id_across_groups_rejected),
        IMPORT_TEST(test_repeated_team_member_rejected),
        IMPORT_TEST(test_repeated_quota_start_rejected),
        IMPORT_TEST(test_repeated_activity_id_rejected),
        IMPORT_TEST(test_id_repeated_across_files_accepted),
        IMPORT_TEST(test_sum_without_group_by_rejected),
        IMPORT_TEST(test_sum_on_attribute_rejected),
        IMPORT_TEST(test_group_column_missing_position),
        IMPORT_TEST(test_source_folder_rejected),
        IMPORT_TEST(test_source_missing_position),
        IMPORT_TEST(test_mapping_folder_rejected),
        IMPORT_TEST(test_source_folder_exit_code),
        IMPORT_TEST(test_record_limit_names_mapping_key),
        IMPORT_TEST(test_record_limit_raised),
        IMPORT_TEST(test_record_limit_range),
        IMPORT_TEST(test_id_line_break_rejected),
        IMPORT_TEST(test_id_control_characters_rejected),
        IMPORT_TEST(test_name_line_break_accepted),
        IMPORT_TEST(test_lower_case_currency_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
