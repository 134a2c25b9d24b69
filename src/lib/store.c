/* The store front end: picks the backend from the location, checks
 * arguments, and turns stored text into snapshot columns and result rows.
 * The backend (store_backend.h) only moves rows in and out. */
#include "credo/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credo/parallel.h"
#include "credo/parse.h"
#include "store_backend.h"

#define SQLITE_PREFIX "sqlite:"

/* Latest SOURCE_DATE_EPOCH accepted: 9999-12-31T23:59:59Z, the last second
 * that fits the four-digit year of a created_at timestamp. */
#define SOURCE_DATE_EPOCH_MAX 253402300799LL

static bool has_prefix(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Returns the length of the "scheme" in "scheme://...", or 0 when location
 * does not start with a URL scheme. */
static size_t url_scheme_length(const char *location)
{
    size_t length = strspn(location, "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    if (length == 0 || strncmp(location + length, "://", 3) != 0)
        return 0;
    return length;
}

credo_status credo_store_open(const char *location, credo_store **out, credo_error *err)
{
    *out = NULL;
    if (location == NULL || location[0] == '\0')
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "no database given; pass a file path or sqlite:PATH");

    /* The URL is not quoted in these messages because it may contain a
     * password. */
    if (has_prefix(location, "postgresql://") || has_prefix(location, "postgres://"))
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "PostgreSQL is not built in yet; use an SQLite database "
                               "given as a file path or sqlite:PATH");
    if (has_prefix(location, SQLITE_PREFIX)) {
        const char *path = location + strlen(SQLITE_PREFIX);
        if (path[0] == '\0' || has_prefix(path, "//"))
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "invalid database location '%s'; write sqlite:PATH with a "
                                   "plain file path, such as sqlite:/var/lib/credo.db",
                                   location);
        return store_sqlite_open(path, out, err);
    }

    size_t scheme_length = url_scheme_length(location);
    if (scheme_length > 0)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "unknown database scheme '%.*s'; use a file path or sqlite:PATH",
                               (int)scheme_length, location);
    return store_sqlite_open(location, out, err);
}

void credo_store_close(credo_store *store)
{
    if (store == NULL)
        return;
    store->ops->close(store);
}

credo_status credo_store_begin(credo_store *store, credo_error *err)
{
    return store->ops->begin(store, err);
}

credo_status credo_store_commit(credo_store *store, credo_error *err)
{
    return store->ops->commit(store, err);
}

void credo_store_rollback(credo_store *store)
{
    if (store == NULL)
        return;
    store->ops->rollback(store);
}

/* ---- Argument checks ---------------------------------------------------- */

static bool is_missing(const char *text)
{
    return text == NULL || text[0] == '\0';
}

/* Rejects a missing or empty key field of a row that is about to be stored. */
static credo_status require_key(const credo_store *store, const char *value, const char *row,
                                const char *field, credo_error *err)
{
    if (!is_missing(value))
        return CREDO_OK;
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "cannot store %s in %s: the %s is missing or empty but required",
                           row, store->name, field);
}

/* Accepts CREDO_DATE_NONE, the open end `open_end` (CREDO_DATE_NONE when
 * the column has none) and dates of years 1..9999. */
static credo_status check_date(const credo_store *store, credo_date date, credo_date open_end,
                               const char *row, const char *id, const char *column,
                               credo_error *err)
{
    if (date == CREDO_DATE_NONE || date == open_end)
        return CREDO_OK;
    if (date >= credo_date_from_civil(1, 1, 1) && date <= credo_date_from_civil(9999, 12, 31))
        return CREDO_OK;
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "cannot store %s %s in %s: %s is day %ld after 1970-01-01, outside "
                           "years 1..9999",
                           row, id, store->name, column, (long)date);
}

/* ---- Imported rows ---------------------------------------------------- */

credo_status credo_store_put_rep(credo_store *store, const credo_rep_row *row, credo_error *err)
{
    credo_status status = require_key(store, row->id, "a rep", "id", err);
    if (status == CREDO_OK)
        status = check_date(store, row->active_from, CREDO_DATE_MIN, "rep", row->id,
                            "active_from", err);
    if (status == CREDO_OK)
        status = check_date(store, row->active_to, CREDO_DATE_MAX, "rep", row->id, "active_to",
                            err);
    if (status != CREDO_OK)
        return status;
    return store->ops->put_rep(store, row, err);
}

credo_status credo_store_put_account(credo_store *store, const credo_account_row *row,
                                     credo_error *err)
{
    credo_status status = require_key(store, row->id, "an account", "id", err);
    if (status != CREDO_OK)
        return status;
    return store->ops->put_account(store, row, err);
}

credo_status credo_store_put_attribute(credo_store *store, const char *account_id,
                                       const char *name, const char *value, credo_error *err)
{
    credo_status status = require_key(store, account_id, "an account attribute", "account id", err);
    if (status == CREDO_OK)
        status = require_key(store, name, "an account attribute", "name", err);
    if (status != CREDO_OK)
        return status;
    return store->ops->put_attribute(store, account_id, name, value, err);
}

credo_status credo_store_put_deal(credo_store *store, const credo_deal_row *row, credo_error *err)
{
    credo_status status = require_key(store, row->id, "a deal", "id", err);
    if (status != CREDO_OK)
        return status;

    if (row->status != CREDO_DEAL_OPEN && row->status != CREDO_DEAL_WON &&
        row->status != CREDO_DEAL_LOST)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store deal %s in %s: status %d is not open, won or lost",
                               row->id, store->name, (int)row->status);
    status = check_date(store, row->created, CREDO_DATE_NONE, "deal", row->id, "created", err);
    if (status == CREDO_OK)
        status = check_date(store, row->close_date, CREDO_DATE_NONE, "deal", row->id,
                            "close_date", err);
    if (status != CREDO_OK)
        return status;
    return store->ops->put_deal(store, row, err);
}

credo_status credo_store_put_team_member(credo_store *store, const credo_team_row *row,
                                         credo_error *err)
{
    credo_status status = require_key(store, row->deal_id, "a deal team member", "deal id", err);
    if (status == CREDO_OK)
        status = require_key(store, row->rep_id, "a deal team member", "rep id", err);
    if (status != CREDO_OK)
        return status;
    if (row->split < -1)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store rep %s on the team of deal %s in %s: split %d bp "
                               "is negative; give 0..10000 or -1 for no split",
                               row->rep_id, row->deal_id, store->name, (int)row->split);

    /* The role is part of the primary key, where SQL NULLs would never
     * match, so a missing role is stored as "". */
    credo_team_row stored = *row;
    if (stored.role == NULL)
        stored.role = "";
    return store->ops->put_team_member(store, &stored, err);
}

/* ---- Events ------------------------------------------------------------- */

/* Rejects a missing date and one outside years 1..9999. */
static credo_status require_date(const credo_store *store, credo_date date, const char *row,
                                 const char *id, const char *column, credo_error *err)
{
    if (date != CREDO_DATE_NONE)
        return check_date(store, date, CREDO_DATE_NONE, row, id, column, err);
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "cannot store %s %s in %s: %s is missing but required", row, id,
                           store->name, column);
}

/* Returns key, or NULL for an empty key, which means "no key" too. */
static const char *optional_key(const char *key)
{
    return is_missing(key) ? NULL : key;
}

credo_status credo_store_put_activity(credo_store *store, const credo_activity_row *row,
                                      credo_error *err)
{
    credo_status status = require_key(store, row->rep_id, "an activity", "rep id", err);
    if (status == CREDO_OK)
        status = require_key(store, row->account_id, "an activity", "account id", err);
    if (status == CREDO_OK)
        status = require_key(store, row->type, "an activity", "type", err);
    if (status == CREDO_OK)
        status = require_date(store, row->date, "the activity of rep", row->rep_id, "date", err);
    if (status != CREDO_OK)
        return status;

    credo_activity_row stored = *row;
    stored.source_key = optional_key(row->source_key);
    return store->ops->put_activity(store, &stored, err);
}

credo_status credo_store_put_history(credo_store *store, const credo_history_row *row,
                                     credo_error *err)
{
    credo_status status = require_key(store, row->deal_id, "a deal history row", "deal id", err);
    if (status == CREDO_OK)
        status = require_date(store, row->date, "the history of deal", row->deal_id, "date", err);
    if (status == CREDO_OK)
        status = check_date(store, row->close_date, CREDO_DATE_NONE, "the history of deal",
                            row->deal_id, "close_date", err);
    if (status != CREDO_OK)
        return status;

    credo_history_row stored = *row;
    stored.source_key = optional_key(row->source_key);
    return store->ops->put_history(store, &stored, err);
}

credo_status credo_store_put_quota(credo_store *store, const credo_quota_row *row,
                                   credo_error *err)
{
    credo_status status = require_key(store, row->rep_id, "a quota", "rep id", err);
    if (status == CREDO_OK)
        status = require_key(store, row->currency, "a quota", "currency", err);
    if (status == CREDO_OK)
        status = require_date(store, row->start, "the quota of rep", row->rep_id, "start", err);
    if (status == CREDO_OK)
        status = require_date(store, row->end, "the quota of rep", row->rep_id, "end", err);
    if (status != CREDO_OK)
        return status;

    if (row->end <= row->start)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store the quota of rep %s in %s: its end (day %ld) is not "
                               "after its start (day %ld); the period is [start, end)",
                               row->rep_id, store->name, (long)row->end, (long)row->start);
    return store->ops->put_quota(store, row, err);
}

credo_status credo_store_put_registration(credo_store *store, const credo_registration_row *row,
                                          credo_error *err)
{
    credo_status status = require_key(store, row->id, "a registration", "id", err);
    if (status == CREDO_OK)
        status = require_key(store, row->rep_id, "a registration", "rep id", err);
    if (status == CREDO_OK)
        status = require_key(store, row->account_id, "a registration", "account id", err);
    if (status == CREDO_OK)
        status = require_date(store, row->date, "registration", row->id, "date", err);
    if (status != CREDO_OK)
        return status;
    return store->ops->put_registration(store, row, err);
}

/* ---- Imports ------------------------------------------------------------ */

credo_status store_timestamp(char out[STORE_TIMESTAMP_SIZE], credo_error *err)
{
    time_t now = time(NULL);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch != NULL && epoch[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long long seconds = strtoll(epoch, &end, 10);
        if (errno != 0 || *end != '\0' || seconds < 0 || seconds > SOURCE_DATE_EPOCH_MAX)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "SOURCE_DATE_EPOCH '%s' is not a count of seconds since "
                                   "1970-01-01 in 0..%lld; fix or unset it",
                                   epoch, SOURCE_DATE_EPOCH_MAX);
        now = (time_t)seconds;
    }

    struct tm utc;
    if (gmtime_r(&now, &utc) == NULL ||
        strftime(out, STORE_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the system time %lld cannot be written as a UTC timestamp",
                               (long long)now);
    return CREDO_OK;
}

credo_status credo_store_record_import(credo_store *store, const char *mapping_path,
                                       const char *summary, int64_t *import_id,
                                       credo_error *err)
{
    char created_at[STORE_TIMESTAMP_SIZE];
    credo_status status = store_timestamp(created_at, err);
    if (status != CREDO_OK)
        return status;
    return store->ops->record_import(store, created_at, mapping_path, summary, import_id, err);
}

credo_status credo_store_add_import_issue(credo_store *store, int64_t import_id,
                                          const char *file, unsigned long line,
                                          const char *field, const char *value,
                                          const char *message, credo_error *err)
{
    if (line > (unsigned long)INT64_MAX)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store an issue of import %lld in %s: line %lu is out of "
                               "range",
                               (long long)import_id, store->name, line);
    return store->ops->add_import_issue(store, import_id, file, (int64_t)line, field, value,
                                        message, err);
}

/* ---- Reading stored rows ------------------------------------------------ */

enum rep_column {
    REP_ID, REP_NAME, REP_EMAIL, REP_TITLE, REP_MANAGER_ID, REP_ACTIVE_FROM, REP_ACTIVE_TO,
    REP_COLUMN_COUNT
};
static const char *const rep_columns[REP_COLUMN_COUNT] = {
    [REP_ID] = "id", [REP_NAME] = "name", [REP_EMAIL] = "email", [REP_TITLE] = "title",
    [REP_MANAGER_ID] = "manager_id", [REP_ACTIVE_FROM] = "active_from",
    [REP_ACTIVE_TO] = "active_to",
};
static const store_query rep_query = {"reps", rep_columns, REP_COLUMN_COUNT, NULL, "id"};

enum account_column {
    ACCOUNT_ID, ACCOUNT_NAME, ACCOUNT_COUNTRY, ACCOUNT_REGION, ACCOUNT_POSTAL_CODE,
    ACCOUNT_CITY, ACCOUNT_INDUSTRY, ACCOUNT_PARENT_ID, ACCOUNT_OWNER_ID, ACCOUNT_EMPLOYEES,
    ACCOUNT_ANNUAL_REVENUE, ACCOUNT_POTENTIAL, ACCOUNT_LATITUDE, ACCOUNT_LONGITUDE,
    ACCOUNT_COLUMN_COUNT
};
static const char *const account_columns[ACCOUNT_COLUMN_COUNT] = {
    [ACCOUNT_ID] = "id", [ACCOUNT_NAME] = "name", [ACCOUNT_COUNTRY] = "country",
    [ACCOUNT_REGION] = "region", [ACCOUNT_POSTAL_CODE] = "postal_code",
    [ACCOUNT_CITY] = "city", [ACCOUNT_INDUSTRY] = "industry",
    [ACCOUNT_PARENT_ID] = "parent_id", [ACCOUNT_OWNER_ID] = "owner_id",
    [ACCOUNT_EMPLOYEES] = "employees", [ACCOUNT_ANNUAL_REVENUE] = "annual_revenue",
    [ACCOUNT_POTENTIAL] = "potential", [ACCOUNT_LATITUDE] = "latitude",
    [ACCOUNT_LONGITUDE] = "longitude",
};
static const store_query account_query = {"accounts", account_columns, ACCOUNT_COLUMN_COUNT,
                                          NULL, "id"};

enum attribute_column {
    ATTRIBUTE_ACCOUNT_ID, ATTRIBUTE_NAME, ATTRIBUTE_VALUE, ATTRIBUTE_COLUMN_COUNT
};
static const char *const attribute_columns[ATTRIBUTE_COLUMN_COUNT] = {
    [ATTRIBUTE_ACCOUNT_ID] = "account_id", [ATTRIBUTE_NAME] = "name",
    [ATTRIBUTE_VALUE] = "value",
};
/* Sorted by name first, so that attribute columns are created in name order. */
static const store_query attribute_query = {"account_attributes", attribute_columns,
                                            ATTRIBUTE_COLUMN_COUNT, NULL, "name, account_id"};

enum deal_column {
    DEAL_ID, DEAL_ACCOUNT_ID, DEAL_OWNER_ID, DEAL_CURRENCY, DEAL_AMOUNT, DEAL_STAGE, DEAL_STATUS,
    DEAL_SOURCE, DEAL_PARTNER, DEAL_PRODUCT, DEAL_CREATED, DEAL_CLOSE_DATE, DEAL_COLUMN_COUNT
};
static const char *const deal_columns[DEAL_COLUMN_COUNT] = {
    [DEAL_ID] = "id", [DEAL_ACCOUNT_ID] = "account_id", [DEAL_OWNER_ID] = "owner_id",
    [DEAL_CURRENCY] = "currency", [DEAL_AMOUNT] = "amount_minor", [DEAL_STAGE] = "stage",
    [DEAL_STATUS] = "status", [DEAL_SOURCE] = "source", [DEAL_PARTNER] = "partner",
    [DEAL_PRODUCT] = "product", [DEAL_CREATED] = "created", [DEAL_CLOSE_DATE] = "close_date",
};
static const store_query deal_query = {"deals", deal_columns, DEAL_COLUMN_COUNT, NULL, "id"};

enum team_column { TEAM_DEAL_ID, TEAM_REP_ID, TEAM_ROLE, TEAM_SPLIT, TEAM_COLUMN_COUNT };
static const char *const team_columns[TEAM_COLUMN_COUNT] = {
    [TEAM_DEAL_ID] = "deal_id", [TEAM_REP_ID] = "rep_id", [TEAM_ROLE] = "role",
    [TEAM_SPLIT] = "split_bp",
};
static const store_query team_query = {"deal_team", team_columns, TEAM_COLUMN_COUNT, NULL,
                                       "deal_id, rep_id, role"};

/* Activities and history rows are read in insertion order (seq), which
 * credo_snapshot_finish keeps among rows that sort equal. Their first
 * column, seq, is the id that messages name. */
enum activity_column {
    ACTIVITY_SEQ, ACTIVITY_REP_ID, ACTIVITY_ACCOUNT_ID, ACTIVITY_DEAL_ID, ACTIVITY_TYPE,
    ACTIVITY_DATE, ACTIVITY_COLUMN_COUNT
};
static const char *const activity_columns[ACTIVITY_COLUMN_COUNT] = {
    [ACTIVITY_SEQ] = "seq", [ACTIVITY_REP_ID] = "rep_id", [ACTIVITY_ACCOUNT_ID] = "account_id",
    [ACTIVITY_DEAL_ID] = "deal_id", [ACTIVITY_TYPE] = "type", [ACTIVITY_DATE] = "date",
};
static const store_query activity_query = {"activities", activity_columns,
                                           ACTIVITY_COLUMN_COUNT, NULL, "seq"};

enum history_column {
    HISTORY_SEQ, HISTORY_DEAL_ID, HISTORY_DATE, HISTORY_STAGE, HISTORY_AMOUNT,
    HISTORY_CLOSE_DATE, HISTORY_COLUMN_COUNT
};
static const char *const history_columns[HISTORY_COLUMN_COUNT] = {
    [HISTORY_SEQ] = "seq", [HISTORY_DEAL_ID] = "deal_id", [HISTORY_DATE] = "date",
    [HISTORY_STAGE] = "stage", [HISTORY_AMOUNT] = "amount_minor",
    [HISTORY_CLOSE_DATE] = "close_date",
};
static const store_query history_query = {"deal_history", history_columns,
                                          HISTORY_COLUMN_COUNT, NULL, "seq"};

enum quota_column {
    QUOTA_REP_ID, QUOTA_START, QUOTA_END, QUOTA_CURRENCY, QUOTA_AMOUNT, QUOTA_COLUMN_COUNT
};
static const char *const quota_columns[QUOTA_COLUMN_COUNT] = {
    [QUOTA_REP_ID] = "rep_id", [QUOTA_START] = "start_date", [QUOTA_END] = "end_date",
    [QUOTA_CURRENCY] = "currency", [QUOTA_AMOUNT] = "amount_minor",
};
static const store_query quota_query = {"quotas", quota_columns, QUOTA_COLUMN_COUNT, NULL,
                                        "rep_id, start_date"};

enum registration_column {
    REGISTRATION_ID, REGISTRATION_REP_ID, REGISTRATION_ACCOUNT_ID, REGISTRATION_PRODUCT,
    REGISTRATION_SOURCE, REGISTRATION_PARTNER, REGISTRATION_DEAL_ID, REGISTRATION_DATE,
    REGISTRATION_COLUMN_COUNT
};
static const char *const registration_columns[REGISTRATION_COLUMN_COUNT] = {
    [REGISTRATION_ID] = "id", [REGISTRATION_REP_ID] = "rep_id",
    [REGISTRATION_ACCOUNT_ID] = "account_id", [REGISTRATION_PRODUCT] = "product",
    [REGISTRATION_SOURCE] = "source", [REGISTRATION_PARTNER] = "partner",
    [REGISTRATION_DEAL_ID] = "deal_id", [REGISTRATION_DATE] = "date",
};
static const store_query registration_query = {"registrations", registration_columns,
                                               REGISTRATION_COLUMN_COUNT, NULL, "id"};

/* Decodes the values of one stored row. Errors are sticky: after the first
 * one every read does nothing and `status` keeps it. */
typedef struct row_reader {
    const credo_store *store;
    const store_query *query;
    const store_value *row; /* row[0] is the id that messages name */
    credo_strpool *strings; /* where text is interned; NULL when not loading */
    credo_status status;
    credo_error *err;
} row_reader;

/* Fails the reader with CREDO_ERR_STORE naming the database, table, id and
 * column; cause describes what is wrong with the value. */
static void reject_value(row_reader *reader, size_t column, const char *cause)
{
    const char *id = reader->row[0].text != NULL ? reader->row[0].text : "";
    reader->status = credo_error_set(reader->err, CREDO_ERR_STORE,
                                     "invalid stored value in %s, table %s, id '%s', column %s: "
                                     "%s; re-import the row or correct it in the database",
                                     reader->store->name, reader->query->table, id,
                                     reader->query->columns[column], cause);
}

/* Returns false, after failing the reader, when a required value is NULL. */
static bool require_value(row_reader *reader, size_t column)
{
    if (reader->row[column].text != NULL)
        return true;
    reject_value(reader, column, "the value is missing");
    return false;
}

static credo_str read_text(row_reader *reader, size_t column)
{
    if (reader->status != CREDO_OK)
        return CREDO_STR_NONE;
    const store_value *value = &reader->row[column];
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern(reader->strings, value->text, value->length, &status);
    if (status != CREDO_OK)
        reader->status = credo_error_set(reader->err, status,
                                         "out of memory loading table %s of %s",
                                         reader->query->table, reader->store->name);
    return id;
}

/* The read_* functions below leave *out unchanged when the value is NULL. */
static void read_number(row_reader *reader, size_t column, credo_number *out)
{
    const store_value *value = &reader->row[column];
    if (reader->status != CREDO_OK || value->text == NULL)
        return;
    credo_error cause;
    if (credo_parse_number(value->text, value->length, out, &cause) != CREDO_OK)
        reject_value(reader, column, cause.message);
}

static void read_date(row_reader *reader, size_t column, credo_date *out)
{
    const store_value *value = &reader->row[column];
    if (reader->status != CREDO_OK || value->text == NULL)
        return;
    credo_error cause;
    if (credo_parse_date(value->text, value->length, NULL, out, &cause) != CREDO_OK)
        reject_value(reader, column, cause.message);
}

static void read_integer(row_reader *reader, size_t column, int64_t *out)
{
    const store_value *value = &reader->row[column];
    if (reader->status != CREDO_OK || value->text == NULL)
        return;
    credo_error cause;
    if (credo_parse_decimal(value->text, value->length, 0, out, &cause) != CREDO_OK)
        reject_value(reader, column, cause.message);
}

static void read_deal_status(row_reader *reader, size_t column, uint8_t *out)
{
    if (reader->status != CREDO_OK || !require_value(reader, column))
        return;
    const char *text = reader->row[column].text;
    if (strcmp(text, "open") == 0)
        *out = CREDO_DEAL_OPEN;
    else if (strcmp(text, "won") == 0)
        *out = CREDO_DEAL_WON;
    else if (strcmp(text, "lost") == 0)
        *out = CREDO_DEAL_LOST;
    else
        reject_value(reader, column, "expected open, won or lost");
}

static void read_split(row_reader *reader, size_t column, credo_bp *out)
{
    int64_t split = -1;
    read_integer(reader, column, &split);
    if (reader->status != CREDO_OK)
        return;
    if (split < -1 || split > INT32_MAX)
        reject_value(reader, column, "a split must be 0 or more basis points");
    else
        *out = (credo_bp)split;
}

/* State of credo_store_load between its reads. */
typedef struct load_context {
    credo_store *store;
    credo_snapshot *snapshot;
    uint32_t *account_rows; /* account row by interned id, CREDO_NO_ROW if none */
    size_t account_row_count;
    const credo_progress *progress; /* stage "load"; may be NULL */
    uint64_t rows_read;             /* rows of every table so far */
} load_context;

/* Rows read between two "load" progress reports. */
#define LOAD_PROGRESS_ROWS 65536

/* Starts reading one row of any table, counting it for progress. */
static row_reader start_row(load_context *load, const store_query *query,
                            const store_value *row, credo_error *err)
{
    load->rows_read++;
    if (load->rows_read % LOAD_PROGRESS_ROWS == 0)
        credo_progress_report(load->progress, "load", load->rows_read, 0);
    return (row_reader){load->store, query, row, load->snapshot->strings, CREDO_OK, err};
}

static credo_status load_rep(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_reps *reps = &load->snapshot->reps;
    size_t index;
    credo_status status = credo_snapshot_add_rep(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    /* Missing dates keep the open ends that credo_snapshot_add_rep set. */
    row_reader reader = start_row(load, &rep_query, row, err);
    reps->id[index] = read_text(&reader, REP_ID);
    reps->name[index] = read_text(&reader, REP_NAME);
    reps->email[index] = read_text(&reader, REP_EMAIL);
    reps->title[index] = read_text(&reader, REP_TITLE);
    reps->manager_id[index] = read_text(&reader, REP_MANAGER_ID);
    read_date(&reader, REP_ACTIVE_FROM, &reps->active_from[index]);
    read_date(&reader, REP_ACTIVE_TO, &reps->active_to[index]);
    return reader.status;
}

static credo_status load_account(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_accounts *accounts = &load->snapshot->accounts;
    size_t index;
    credo_status status = credo_snapshot_add_account(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    row_reader reader = start_row(load, &account_query, row, err);
    accounts->id[index] = read_text(&reader, ACCOUNT_ID);
    accounts->name[index] = read_text(&reader, ACCOUNT_NAME);
    accounts->country[index] = read_text(&reader, ACCOUNT_COUNTRY);
    accounts->region[index] = read_text(&reader, ACCOUNT_REGION);
    accounts->postal_code[index] = read_text(&reader, ACCOUNT_POSTAL_CODE);
    accounts->city[index] = read_text(&reader, ACCOUNT_CITY);
    accounts->industry[index] = read_text(&reader, ACCOUNT_INDUSTRY);
    accounts->parent_id[index] = read_text(&reader, ACCOUNT_PARENT_ID);
    accounts->owner_id[index] = read_text(&reader, ACCOUNT_OWNER_ID);
    read_number(&reader, ACCOUNT_EMPLOYEES, &accounts->employees[index]);
    read_number(&reader, ACCOUNT_ANNUAL_REVENUE, &accounts->annual_revenue[index]);
    read_number(&reader, ACCOUNT_POTENTIAL, &accounts->potential[index]);
    read_number(&reader, ACCOUNT_LATITUDE, &accounts->latitude[index]);
    read_number(&reader, ACCOUNT_LONGITUDE, &accounts->longitude[index]);
    return reader.status;
}

/* Maps each interned account id to its row, so that attribute rows find
 * their account without a lookup per row in the database. */
static credo_status index_accounts(load_context *load, credo_error *err)
{
    const credo_accounts *accounts = &load->snapshot->accounts;
    size_t count = credo_strpool_count(load->snapshot->strings);
    load->account_rows = malloc(count * sizeof *load->account_rows);
    if (load->account_rows == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory loading accounts of %s",
                               load->store->name);
    load->account_row_count = count;
    for (size_t i = 0; i < count; i++)
        load->account_rows[i] = CREDO_NO_ROW;
    for (size_t row = 0; row < accounts->count; row++)
        load->account_rows[accounts->id[row]] = (uint32_t)row;
    return CREDO_OK;
}

static uint32_t find_account_row(const load_context *load, const store_value *id)
{
    credo_str interned = credo_strpool_find(load->snapshot->strings, id->text, id->length);
    if (interned == CREDO_STR_NONE || interned >= load->account_row_count)
        return CREDO_NO_ROW;
    return load->account_rows[interned];
}

static credo_status load_attribute(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    row_reader reader = start_row(load, &attribute_query, row, err);
    if (!require_value(&reader, ATTRIBUTE_ACCOUNT_ID) || !require_value(&reader, ATTRIBUTE_NAME))
        return reader.status;

    /* The snapshot has no place for an attribute of an account that was
     * never imported, so such a row is skipped. */
    uint32_t account_row = find_account_row(load, &row[ATTRIBUTE_ACCOUNT_ID]);
    if (account_row == CREDO_NO_ROW)
        return CREDO_OK;

    credo_attribute_column *column;
    credo_status status = credo_snapshot_attribute(load->snapshot, row[ATTRIBUTE_NAME].text,
                                                   &column, err);
    if (status != CREDO_OK)
        return status;
    column->values[account_row] = read_text(&reader, ATTRIBUTE_VALUE);
    return reader.status;
}

static credo_status load_deal(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_deals *deals = &load->snapshot->deals;
    size_t index;
    credo_status status = credo_snapshot_add_deal(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    row_reader reader = start_row(load, &deal_query, row, err);
    deals->id[index] = read_text(&reader, DEAL_ID);
    deals->account_id[index] = read_text(&reader, DEAL_ACCOUNT_ID);
    deals->owner_id[index] = read_text(&reader, DEAL_OWNER_ID);
    deals->currency[index] = read_text(&reader, DEAL_CURRENCY);
    deals->stage[index] = read_text(&reader, DEAL_STAGE);
    deals->source[index] = read_text(&reader, DEAL_SOURCE);
    deals->partner[index] = read_text(&reader, DEAL_PARTNER);
    deals->product[index] = read_text(&reader, DEAL_PRODUCT);
    if (require_value(&reader, DEAL_AMOUNT))
        read_integer(&reader, DEAL_AMOUNT, &deals->amount[index]);
    read_deal_status(&reader, DEAL_STATUS, &deals->status[index]);
    read_date(&reader, DEAL_CREATED, &deals->created[index]);
    read_date(&reader, DEAL_CLOSE_DATE, &deals->close_date[index]);
    return reader.status;
}

static credo_status load_team_member(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_deal_team *team = &load->snapshot->team;
    size_t index;
    credo_status status = credo_snapshot_add_team_member(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    row_reader reader = start_row(load, &team_query, row, err);
    team->deal_id[index] = read_text(&reader, TEAM_DEAL_ID);
    team->rep_id[index] = read_text(&reader, TEAM_REP_ID);
    /* "" is how credo_store_put_team_member stores a missing role. */
    if (row[TEAM_ROLE].length > 0)
        team->role[index] = read_text(&reader, TEAM_ROLE);
    read_split(&reader, TEAM_SPLIT, &team->split[index]);
    return reader.status;
}

/* Reads a date that the table requires. */
static void read_required_date(row_reader *reader, size_t column, credo_date *out)
{
    if (reader->status == CREDO_OK && require_value(reader, column))
        read_date(reader, column, out);
}

static credo_status load_activity(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_activities *activities = &load->snapshot->activities;
    size_t index;
    credo_status status = credo_snapshot_add_activity(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    row_reader reader = start_row(load, &activity_query, row, err);
    activities->rep_id[index] = read_text(&reader, ACTIVITY_REP_ID);
    activities->account_id[index] = read_text(&reader, ACTIVITY_ACCOUNT_ID);
    activities->deal_id[index] = read_text(&reader, ACTIVITY_DEAL_ID);
    activities->type[index] = read_text(&reader, ACTIVITY_TYPE);
    read_required_date(&reader, ACTIVITY_DATE, &activities->date[index]);
    return reader.status;
}

static credo_status load_history(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_deal_history *history = &load->snapshot->history;
    size_t index;
    credo_status status = credo_snapshot_add_history(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    /* A missing amount keeps the CREDO_MONEY_NONE that add_history set. */
    row_reader reader = start_row(load, &history_query, row, err);
    history->deal_id[index] = read_text(&reader, HISTORY_DEAL_ID);
    history->stage[index] = read_text(&reader, HISTORY_STAGE);
    read_required_date(&reader, HISTORY_DATE, &history->date[index]);
    read_integer(&reader, HISTORY_AMOUNT, &history->amount[index]);
    read_date(&reader, HISTORY_CLOSE_DATE, &history->close_date[index]);
    return reader.status;
}

static credo_status load_quota(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_quotas *quotas = &load->snapshot->quotas;
    size_t index;
    credo_status status = credo_snapshot_add_quota(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    row_reader reader = start_row(load, &quota_query, row, err);
    quotas->rep_id[index] = read_text(&reader, QUOTA_REP_ID);
    quotas->currency[index] = read_text(&reader, QUOTA_CURRENCY);
    read_required_date(&reader, QUOTA_START, &quotas->start[index]);
    read_required_date(&reader, QUOTA_END, &quotas->end[index]);
    if (require_value(&reader, QUOTA_AMOUNT))
        read_integer(&reader, QUOTA_AMOUNT, &quotas->amount[index]);
    return reader.status;
}

static credo_status load_registration(void *ctx, const store_value *row, credo_error *err)
{
    load_context *load = ctx;
    credo_registrations *registrations = &load->snapshot->registrations;
    size_t index;
    credo_status status = credo_snapshot_add_registration(load->snapshot, &index, err);
    if (status != CREDO_OK)
        return status;

    row_reader reader = start_row(load, &registration_query, row, err);
    registrations->id[index] = read_text(&reader, REGISTRATION_ID);
    registrations->rep_id[index] = read_text(&reader, REGISTRATION_REP_ID);
    registrations->account_id[index] = read_text(&reader, REGISTRATION_ACCOUNT_ID);
    registrations->product[index] = read_text(&reader, REGISTRATION_PRODUCT);
    registrations->source[index] = read_text(&reader, REGISTRATION_SOURCE);
    registrations->partner[index] = read_text(&reader, REGISTRATION_PARTNER);
    registrations->deal_id[index] = read_text(&reader, REGISTRATION_DEAL_ID);
    read_required_date(&reader, REGISTRATION_DATE, &registrations->date[index]);
    return reader.status;
}

/* Reads the event tables into load->snapshot. */
static credo_status load_events(load_context *load, credo_error *err)
{
    credo_store *store = load->store;
    credo_status status = store->ops->select_rows(store, &activity_query, 0, load_activity, load,
                                                  err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &history_query, 0, load_history, load, err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &quota_query, 0, load_quota, load, err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &registration_query, 0, load_registration,
                                         load, err);
    return status;
}

/* Reads every table into load->snapshot, accounts before their attributes. */
static credo_status load_tables(load_context *load, credo_error *err)
{
    credo_store *store = load->store;
    credo_status status = store->ops->select_rows(store, &rep_query, 0, load_rep, load, err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &account_query, 0, load_account, load, err);
    if (status == CREDO_OK)
        status = index_accounts(load, err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &attribute_query, 0, load_attribute, load, err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &deal_query, 0, load_deal, load, err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &team_query, 0, load_team_member, load, err);
    if (status == CREDO_OK)
        status = load_events(load, err);
    return status;
}

credo_status credo_store_load(credo_store *store, credo_snapshot **out, credo_error *err)
{
    return credo_store_load_progress(store, NULL, out, err);
}

credo_status credo_store_load_progress(credo_store *store, const credo_progress *progress,
                                       credo_snapshot **out, credo_error *err)
{
    *out = NULL;
    credo_snapshot *snapshot = NULL;
    credo_status status = credo_snapshot_new(&snapshot, err);
    if (status != CREDO_OK)
        return status;

    /* One read transaction, so that an import committed meanwhile is seen
     * either whole or not at all. */
    bool started = false;
    load_context load = {store, snapshot, NULL, 0, progress, 0};
    status = store->ops->begin_read(store, &started, err);
    if (status == CREDO_OK)
        status = load_tables(&load, err);
    if (started)
        store->ops->rollback(store);
    free(load.account_rows);

    if (status == CREDO_OK) {
        status = credo_snapshot_finish(snapshot, err);
        if (status != CREDO_OK)
            credo_error_prefix(err, "cannot load %s", store->name);
    }
    if (status != CREDO_OK) {
        credo_snapshot_free(snapshot);
        return status;
    }
    credo_progress_report(progress, "load", load.rows_read, load.rows_read);
    *out = snapshot;
    return CREDO_OK;
}

/* ---- Run results ---------------------------------------------------------- */

credo_status credo_store_add_run(credo_store *store, const credo_run_record *run,
                                 int64_t *run_id, credo_error *err)
{
    char created_at[STORE_TIMESTAMP_SIZE];
    credo_status status = store_timestamp(created_at, err);
    if (status != CREDO_OK)
        return status;
    return store->ops->add_run(store, created_at, run, run_id, err);
}

credo_status credo_store_add_assignment(credo_store *store, int64_t run_id,
                                        const credo_assignment_out *row, credo_error *err)
{
    credo_status status = require_key(store, row->account_id, "an assignment", "account id", err);
    if (status != CREDO_OK)
        return status;
    return store->ops->add_assignment(store, run_id, row, err);
}

credo_status credo_store_add_deal_result(credo_store *store, int64_t run_id,
                                         const credo_deal_out *row, credo_error *err)
{
    credo_status status = require_key(store, row->deal_id, "a deal result", "deal id", err);
    if (status != CREDO_OK)
        return status;
    return store->ops->add_deal_result(store, run_id, row, err);
}

credo_status credo_store_add_credit(credo_store *store, int64_t run_id,
                                    const credo_credit_out *row, credo_error *err)
{
    credo_status status = require_key(store, row->deal_id, "a credit row", "deal id", err);
    if (status == CREDO_OK)
        status = require_key(store, row->rep_id, "a credit row", "rep id", err);
    if (status != CREDO_OK)
        return status;
    return store->ops->add_credit(store, run_id, row, err);
}

credo_status credo_store_latest_run(credo_store *store, int64_t *run_id, credo_error *err)
{
    credo_status status = store->ops->latest_run(store, run_id, err);
    if (status != CREDO_OK)
        return status;
    if (*run_id == 0)
        return credo_error_set(err, CREDO_ERR_NOT_FOUND,
                               "%s holds no run yet; run `credo run` first", store->name);
    return CREDO_OK;
}

enum run_column {
    RUN_ID, RUN_CREATED_AT, RUN_AS_OF, RUN_POLICY_PATH, RUN_POLICY_TEXT, RUN_SUMMARY_JSON,
    RUN_COLUMN_COUNT
};
static const char *const run_columns[RUN_COLUMN_COUNT] = {
    [RUN_ID] = "id", [RUN_CREATED_AT] = "created_at", [RUN_AS_OF] = "as_of",
    [RUN_POLICY_PATH] = "policy_path", [RUN_POLICY_TEXT] = "policy_text",
    [RUN_SUMMARY_JSON] = "summary_json",
};
static const store_query run_query = {"runs", run_columns, RUN_COLUMN_COUNT, "id", "id"};

typedef struct run_copy {
    const credo_store *store;
    credo_run_info *info;
    bool found;
} run_copy;

/* Copies value into *out; returns false when out of memory. */
static bool copy_value(const store_value *value, char **out)
{
    *out = NULL;
    if (value->text == NULL)
        return true;
    *out = strdup(value->text);
    return *out != NULL;
}

static credo_status copy_run(void *ctx, const store_value *row, credo_error *err)
{
    run_copy *copy = ctx;
    credo_run_info *info = copy->info;
    copy->found = true;

    row_reader reader = {copy->store, &run_query, row, NULL, CREDO_OK, err};
    read_integer(&reader, RUN_ID, &info->id);
    if (reader.status != CREDO_OK)
        return reader.status;

    bool copied = copy_value(&row[RUN_CREATED_AT], &info->created_at) &&
                  copy_value(&row[RUN_AS_OF], &info->as_of) &&
                  copy_value(&row[RUN_POLICY_PATH], &info->policy_path) &&
                  copy_value(&row[RUN_POLICY_TEXT], &info->policy_text) &&
                  copy_value(&row[RUN_SUMMARY_JSON], &info->summary_json);
    if (!copied)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading run %lld of %s",
                               (long long)info->id, copy->store->name);
    return CREDO_OK;
}

credo_status credo_store_get_run(credo_store *store, int64_t run_id, credo_run_info *out,
                                 credo_error *err)
{
    memset(out, 0, sizeof *out);
    run_copy copy = {store, out, false};
    credo_status status = store->ops->select_rows(store, &run_query, run_id, copy_run, &copy,
                                                  err);
    if (status == CREDO_OK && !copy.found)
        status = credo_error_set(err, CREDO_ERR_NOT_FOUND,
                                 "run %lld not found in %s; check the run id", (long long)run_id,
                                 store->name);
    if (status != CREDO_OK)
        credo_run_info_clear(out);
    return status;
}

void credo_run_info_clear(credo_run_info *info)
{
    if (info == NULL)
        return;
    free(info->created_at);
    free(info->as_of);
    free(info->policy_path);
    free(info->policy_text);
    free(info->summary_json);
    memset(info, 0, sizeof *info);
}

enum assignment_column {
    ASSIGNMENT_ACCOUNT_ID, ASSIGNMENT_TERRITORY_ID, ASSIGNMENT_STATUS, ASSIGNMENT_OWNER_ID,
    ASSIGNMENT_REASON, ASSIGNMENT_COLUMN_COUNT
};
static const char *const assignment_columns[ASSIGNMENT_COLUMN_COUNT] = {
    [ASSIGNMENT_ACCOUNT_ID] = "account_id", [ASSIGNMENT_TERRITORY_ID] = "territory_id",
    [ASSIGNMENT_STATUS] = "status", [ASSIGNMENT_OWNER_ID] = "owner_id",
    [ASSIGNMENT_REASON] = "reason",
};
static const store_query assignment_query = {"run_assignments", assignment_columns,
                                             ASSIGNMENT_COLUMN_COUNT, "run_id", "account_id"};

enum deal_result_column {
    RESULT_DEAL_ID, RESULT_ACCOUNT_ID, RESULT_TERRITORY_ID, RESULT_OWNER_ID, RESULT_STATUS,
    RESULT_REASON, RESULT_COLUMN_COUNT
};
static const char *const deal_result_columns[RESULT_COLUMN_COUNT] = {
    [RESULT_DEAL_ID] = "deal_id", [RESULT_ACCOUNT_ID] = "account_id",
    [RESULT_TERRITORY_ID] = "territory_id", [RESULT_OWNER_ID] = "owner_id",
    [RESULT_STATUS] = "status", [RESULT_REASON] = "reason",
};
static const store_query deal_result_query = {"run_deals", deal_result_columns,
                                              RESULT_COLUMN_COUNT, "run_id", "deal_id"};

enum credit_column {
    CREDIT_DEAL_ID, CREDIT_REP_ID, CREDIT_KIND, CREDIT_RULE, CREDIT_EXPLANATION, CREDIT_AMOUNT,
    CREDIT_COLUMN_COUNT
};
static const char *const credit_columns[CREDIT_COLUMN_COUNT] = {
    [CREDIT_DEAL_ID] = "deal_id", [CREDIT_REP_ID] = "rep_id", [CREDIT_KIND] = "kind",
    [CREDIT_RULE] = "rule", [CREDIT_EXPLANATION] = "explanation",
    [CREDIT_AMOUNT] = "amount_minor",
};
/* Every column takes part in the order, so that rows equal in deal, rep and
 * kind still come out in the same order whatever order they were added in. */
static const store_query credit_query = {
    "run_credit", credit_columns, CREDIT_COLUMN_COUNT, "run_id",
    "deal_id, rep_id, kind, rule, amount_minor, explanation"};

/* The caller's visitor of credo_store_each_*, whichever kind it is. */
typedef struct result_walk {
    const credo_store *store;
    credo_assignment_visitor visit_assignment;
    credo_deal_visitor visit_deal;
    credo_credit_visitor visit_credit;
    void *ctx;
} result_walk;

static credo_status visit_assignment(void *ctx, const store_value *row, credo_error *err)
{
    const result_walk *walk = ctx;
    const credo_assignment_out out = {
        .account_id = row[ASSIGNMENT_ACCOUNT_ID].text,
        .territory_id = row[ASSIGNMENT_TERRITORY_ID].text,
        .status = row[ASSIGNMENT_STATUS].text,
        .owner_id = row[ASSIGNMENT_OWNER_ID].text,
        .reason = row[ASSIGNMENT_REASON].text,
    };
    return walk->visit_assignment(walk->ctx, &out, err) == 0 ? CREDO_OK : CREDO_ERR_IO;
}

static credo_status visit_deal_result(void *ctx, const store_value *row, credo_error *err)
{
    const result_walk *walk = ctx;
    const credo_deal_out out = {
        .deal_id = row[RESULT_DEAL_ID].text,
        .account_id = row[RESULT_ACCOUNT_ID].text,
        .territory_id = row[RESULT_TERRITORY_ID].text,
        .owner_id = row[RESULT_OWNER_ID].text,
        .status = row[RESULT_STATUS].text,
        .reason = row[RESULT_REASON].text,
    };
    return walk->visit_deal(walk->ctx, &out, err) == 0 ? CREDO_OK : CREDO_ERR_IO;
}

static credo_status visit_credit(void *ctx, const store_value *row, credo_error *err)
{
    const result_walk *walk = ctx;
    credo_credit_out out = {
        .deal_id = row[CREDIT_DEAL_ID].text,
        .rep_id = row[CREDIT_REP_ID].text,
        .kind = row[CREDIT_KIND].text,
        .rule = row[CREDIT_RULE].text,
        .explanation = row[CREDIT_EXPLANATION].text,
    };
    row_reader reader = {walk->store, &credit_query, row, NULL, CREDO_OK, err};
    if (require_value(&reader, CREDIT_AMOUNT))
        read_integer(&reader, CREDIT_AMOUNT, &out.amount);
    if (reader.status != CREDO_OK)
        return reader.status;
    return walk->visit_credit(walk->ctx, &out, err) == 0 ? CREDO_OK : CREDO_ERR_IO;
}

credo_status credo_store_each_assignment(credo_store *store, int64_t run_id,
                                         credo_assignment_visitor visit, void *ctx,
                                         credo_error *err)
{
    result_walk walk = {.store = store, .visit_assignment = visit, .ctx = ctx};
    return store->ops->select_rows(store, &assignment_query, run_id, visit_assignment, &walk,
                                   err);
}

credo_status credo_store_each_deal_result(credo_store *store, int64_t run_id,
                                          credo_deal_visitor visit, void *ctx,
                                          credo_error *err)
{
    result_walk walk = {.store = store, .visit_deal = visit, .ctx = ctx};
    return store->ops->select_rows(store, &deal_result_query, run_id, visit_deal_result, &walk,
                                   err);
}

credo_status credo_store_each_credit(credo_store *store, int64_t run_id,
                                     credo_credit_visitor visit, void *ctx, credo_error *err)
{
    result_walk walk = {.store = store, .visit_credit = visit, .ctx = ctx};
    return store->ops->select_rows(store, &credit_query, run_id, visit_credit, &walk, err);
}

/* ---- Counting -------------------------------------------------------------- */

static const char *const countable_tables[] = {
    "reps", "accounts", "account_attributes", "deals", "deal_team", "activities",
    "deal_history", "quotas", "registrations", "imports", "import_issues", "runs",
    "run_assignments", "run_deals", "run_credit", "audit_log", "conflict_decisions",
};

credo_status credo_store_count(credo_store *store, const char *table, int64_t *count,
                               credo_error *err)
{
    for (size_t i = 0; i < sizeof countable_tables / sizeof countable_tables[0]; i++) {
        if (table != NULL && strcmp(table, countable_tables[i]) == 0)
            return store->ops->count(store, countable_tables[i], count, err);
    }
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "cannot count rows of unknown table '%s' in %s; use reps, accounts, "
                           "account_attributes, deals, deal_team, activities, deal_history, "
                           "quotas, registrations, imports, import_issues, runs, "
                           "run_assignments, run_deals, run_credit, audit_log or "
                           "conflict_decisions",
                           table != NULL ? table : "", store->name);
}
