/* Typed conversion of a source row, its checks, and its write to the
 * store. */
#include "import_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/buf.h"
#include "credo/parse.h"
#include "credo/strpool.h"

/* Role of a deal team row that gives none. */
#define DEFAULT_TEAM_ROLE "member"

/* Bytes of a value that a message shows; longer values are cut. */
#define SHOWN_VALUE_BYTES 60
/* Room for SHOWN_VALUE_BYTES bytes written as \xNN, "..." and the NUL. */
#define SHOWN_VALUE_SIZE (4 * SHOWN_VALUE_BYTES + 4)

struct import_row_keys {
    credo_strpool *pool;
    unsigned long *first_line; /* by key id: the line of the first row with the key */
    size_t capacity;
    credo_buf composite;       /* keys made of several fields, joined by NUL bytes */
};

/* Nouns of the entities whose key is their id, for messages; NULL for the
 * others. The id is field 0 of each of them. */
static const char *const id_nouns[MAPPING_ENTITY_COUNT] = {
    [MAPPING_REPS] = "rep",
    [MAPPING_ACCOUNTS] = "account",
    [MAPPING_DEALS] = "deal",
    [MAPPING_ACTIVITIES] = "activity",
    [MAPPING_DEAL_HISTORY] = "deal history",
    [MAPPING_REGISTRATIONS] = "registration",
};

_Static_assert(REP_ID == 0 && ACCOUNT_ID == 0 && DEAL_ID == 0 && ACTIVITY_ID == 0 && HISTORY_ID == 0 &&
                   REGISTRATION_ID == 0,
               "the id is field 0 of every entity in id_nouns");

static bool is_control(unsigned char byte)
{
    return byte < 0x20 || byte == 0x7F;
}

/* Writes value into out (SHOWN_VALUE_SIZE bytes) for a one-line message:
 * control characters as \xNN, and cut with "..." after SHOWN_VALUE_BYTES
 * bytes, at the start of a UTF-8 sequence. Returns out. */
static const char *shown_value(const char *value, char *out)
{
    size_t length = strlen(value);
    size_t cut = length;
    if (cut > SHOWN_VALUE_BYTES) {
        cut = SHOWN_VALUE_BYTES;
        while (cut > 0 && ((unsigned char)value[cut] & 0xC0) == 0x80)
            cut--;
    }
    char *p = out;
    for (size_t i = 0; i < cut; i++) {
        unsigned char byte = (unsigned char)value[i];
        if (is_control(byte))
            p += snprintf(p, 5, "\\x%02X", byte);
        else
            *p++ = (char)byte;
    }
    strcpy(p, cut < length ? "..." : "");
    return out;
}

static credo_status field_error(const mapping_source *source, const import_row_origin *origin,
                                int field, credo_error *err)
{
    return credo_error_prefix(err, "%s:%lu: field %s", origin->file, origin->line,
                              mapping_fields[source->entity][field].name);
}

static credo_status parse_date_field(const mapping_source *source, const import_row_origin *origin,
                                     const char *const *values, int field, credo_date *out, credo_error *err)
{
    *out = CREDO_DATE_NONE;
    if (values[field] == NULL)
        return CREDO_OK;
    if (credo_parse_date(values[field], strlen(values[field]), source->date_format, out, err) != CREDO_OK)
        return field_error(source, origin, field, err);
    return CREDO_OK;
}

static credo_status parse_number_field(const mapping_source *source, const import_row_origin *origin,
                                       const char *const *values, int field, credo_number *out,
                                       credo_error *err)
{
    *out = CREDO_NUMBER_NONE;
    if (values[field] == NULL)
        return CREDO_OK;
    if (credo_parse_number(values[field], strlen(values[field]), out, err) != CREDO_OK)
        return field_error(source, origin, field, err);
    return CREDO_OK;
}

static credo_status write_rep(credo_store *store, const mapping_source *source,
                              const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_rep_row row = {v[REP_ID], v[REP_NAME], v[REP_EMAIL], v[REP_TITLE], v[REP_MANAGER], 0, 0};
    credo_status status = parse_date_field(source, origin, v, REP_ACTIVE_FROM, &row.active_from, err);
    if (status == CREDO_OK)
        status = parse_date_field(source, origin, v, REP_ACTIVE_TO, &row.active_to, err);
    if (status == CREDO_OK)
        status = credo_store_put_rep(store, &row, err);
    return status;
}

static credo_status write_account(credo_store *store, const mapping_source *source,
                                  const import_row_origin *origin, const char *const *v,
                                  const char *const *attribute_names, const char *const *attribute_values,
                                  size_t attribute_count, credo_error *err)
{
    credo_account_row row = {
        v[ACCOUNT_ID], v[ACCOUNT_NAME], v[ACCOUNT_COUNTRY], v[ACCOUNT_REGION], v[ACCOUNT_POSTAL_CODE],
        v[ACCOUNT_CITY], v[ACCOUNT_INDUSTRY], v[ACCOUNT_PARENT], v[ACCOUNT_OWNER], 0, 0, 0, 0, 0,
    };
    credo_number *numbers[] = {&row.employees, &row.annual_revenue, &row.potential, &row.latitude, &row.longitude};
    const int number_fields[] = {ACCOUNT_EMPLOYEES, ACCOUNT_REVENUE, ACCOUNT_POTENTIAL, ACCOUNT_LATITUDE,
                                 ACCOUNT_LONGITUDE};
    credo_status status = CREDO_OK;
    for (size_t i = 0; i < 5 && status == CREDO_OK; i++)
        status = parse_number_field(source, origin, v, number_fields[i], numbers[i], err);
    if (status == CREDO_OK)
        status = credo_store_put_account(store, &row, err);
    for (size_t i = 0; i < attribute_count && status == CREDO_OK; i++)
        status = credo_store_put_attribute(store, row.id, attribute_names[i], attribute_values[i], err);
    return status;
}

static credo_status parse_status(const mapping_source *source, const import_row_origin *origin,
                                 const char *text, credo_deal_status *out, credo_error *err)
{
    static const char *const names[] = {"open", "won", "lost"};
    for (int i = 0; i < 3; i++) {
        if (text != NULL && strcmp(text, names[i]) == 0) {
            *out = (credo_deal_status)i;
            return CREDO_OK;
        }
    }
    credo_error_set(err, CREDO_ERR_INVALID,
                    "invalid deal status '%s'; use open, won or lost, or translate the source's "
                    "values with 'values:' in the mapping", text == NULL ? "" : text);
    return field_error(source, origin, DEAL_STATUS, err);
}

/* Rejects a currency that is not an ISO 4217 code in capitals, so that
 * "usd" and "USD" never count as two currencies. */
static credo_status check_currency(const mapping_source *source, const import_row_origin *origin,
                                   const char *currency, int field, credo_error *err)
{
    bool valid = currency != NULL && strlen(currency) == 3;
    for (size_t i = 0; valid && i < 3; i++)
        valid = currency[i] >= 'A' && currency[i] <= 'Z';
    if (valid)
        return CREDO_OK;
    credo_error_set(err, CREDO_ERR_INVALID,
                    "invalid currency '%s'; write the ISO 4217 code in capitals, such as USD (the mapping's "
                    "'transform: upper' converts lower case)", currency == NULL ? "" : currency);
    return field_error(source, origin, field, err);
}

static credo_status write_deal(credo_store *store, const mapping_source *source,
                               const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_deal_row row = {
        v[DEAL_ID], v[DEAL_ACCOUNT], v[DEAL_OWNER], v[DEAL_CURRENCY], v[DEAL_STAGE], v[DEAL_SOURCE],
        v[DEAL_PARTNER], v[DEAL_PRODUCT], 0, CREDO_DEAL_OPEN, 0, 0,
    };
    credo_status status = parse_status(source, origin, v[DEAL_STATUS], &row.status, err);
    if (status == CREDO_OK)
        status = check_currency(source, origin, v[DEAL_CURRENCY], DEAL_CURRENCY, err);
    if (status == CREDO_OK && v[DEAL_AMOUNT] != NULL &&
        credo_parse_money(v[DEAL_AMOUNT], strlen(v[DEAL_AMOUNT]), source->money_decimals, &row.amount, err) != CREDO_OK)
        status = field_error(source, origin, DEAL_AMOUNT, err);
    if (status == CREDO_OK)
        status = parse_date_field(source, origin, v, DEAL_CREATED, &row.created, err);
    if (status == CREDO_OK)
        status = parse_date_field(source, origin, v, DEAL_CLOSE_DATE, &row.close_date, err);
    if (status == CREDO_OK)
        status = credo_store_put_deal(store, &row, err);
    return status;
}

static credo_status write_team_member(credo_store *store, const mapping_source *source,
                                      const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_team_row row = {v[TEAM_DEAL], v[TEAM_REP], v[TEAM_ROLE] == NULL ? DEFAULT_TEAM_ROLE : v[TEAM_ROLE], -1};
    if (v[TEAM_SPLIT] != NULL) {
        /* A split is a percentage with up to two decimals: 33.33 is 3333 bp. */
        int64_t basis_points = 0;
        if (credo_parse_decimal(v[TEAM_SPLIT], strlen(v[TEAM_SPLIT]), 2, &basis_points, err) != CREDO_OK)
            return field_error(source, origin, TEAM_SPLIT, err);
        if (basis_points < 0 || basis_points > CREDO_BP_WHOLE) {
            credo_error_set(err, CREDO_ERR_INVALID, "split %s is outside 0..100 (percent)", v[TEAM_SPLIT]);
            return field_error(source, origin, TEAM_SPLIT, err);
        }
        row.split = (credo_bp)basis_points;
    }
    return credo_store_put_team_member(store, &row, err);
}

/* Parses a money field; a missing value gives CREDO_MONEY_NONE. */
static credo_status parse_money_field(const mapping_source *source, const import_row_origin *origin,
                                      const char *const *values, int field, credo_money *out,
                                      credo_error *err)
{
    *out = CREDO_MONEY_NONE;
    if (values[field] == NULL)
        return CREDO_OK;
    if (credo_parse_money(values[field], strlen(values[field]), source->money_decimals, out, err) != CREDO_OK)
        return field_error(source, origin, field, err);
    return CREDO_OK;
}

static credo_status write_activity(credo_store *store, const mapping_source *source,
                                   const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_activity_row row = {
        v[ACTIVITY_ID], v[ACTIVITY_REP], v[ACTIVITY_ACCOUNT], v[ACTIVITY_DEAL], v[ACTIVITY_TYPE], 0,
    };
    credo_status status = parse_date_field(source, origin, v, ACTIVITY_DATE, &row.date, err);
    if (status == CREDO_OK)
        status = credo_store_put_activity(store, &row, err);
    return status;
}

static credo_status write_history(credo_store *store, const mapping_source *source,
                                  const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_history_row row = {v[HISTORY_ID], v[HISTORY_DEAL], v[HISTORY_STAGE], 0, 0, 0};
    credo_status status = parse_date_field(source, origin, v, HISTORY_DATE, &row.date, err);
    if (status == CREDO_OK)
        status = parse_money_field(source, origin, v, HISTORY_AMOUNT, &row.amount, err);
    if (status == CREDO_OK)
        status = parse_date_field(source, origin, v, HISTORY_CLOSE_DATE, &row.close_date, err);
    if (status == CREDO_OK)
        status = credo_store_put_history(store, &row, err);
    return status;
}

static credo_status write_quota(credo_store *store, const mapping_source *source,
                                const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_quota_row row = {v[QUOTA_REP], v[QUOTA_CURRENCY], 0, 0, 0};
    credo_status status = check_currency(source, origin, v[QUOTA_CURRENCY], QUOTA_CURRENCY, err);
    if (status == CREDO_OK)
        status = parse_date_field(source, origin, v, QUOTA_START, &row.start, err);
    if (status == CREDO_OK)
        status = parse_date_field(source, origin, v, QUOTA_END, &row.end, err);
    if (status == CREDO_OK)
        status = parse_money_field(source, origin, v, QUOTA_AMOUNT, &row.amount, err);
    if (status == CREDO_OK && row.end <= row.start) {
        credo_error_set(err, CREDO_ERR_INVALID, "end %s is not after start %s; a quota covers [start, end)",
                        v[QUOTA_END], v[QUOTA_START]);
        return field_error(source, origin, QUOTA_END, err);
    }
    if (status == CREDO_OK)
        status = credo_store_put_quota(store, &row, err);
    return status;
}

static credo_status write_registration(credo_store *store, const mapping_source *source,
                                       const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_registration_row row = {
        v[REGISTRATION_ID],      v[REGISTRATION_REP],     v[REGISTRATION_ACCOUNT], v[REGISTRATION_PRODUCT],
        v[REGISTRATION_SOURCE], v[REGISTRATION_PARTNER], v[REGISTRATION_DEAL],    0,
    };
    credo_status status = parse_date_field(source, origin, v, REGISTRATION_DATE, &row.date, err);
    if (status == CREDO_OK)
        status = credo_store_put_registration(store, &row, err);
    return status;
}

/* Writes a row of one of the event entities. */
static credo_status write_event(credo_store *store, const mapping_source *source,
                                const import_row_origin *origin, const char *const *v, credo_error *err)
{
    switch (source->entity) {
    case MAPPING_ACTIVITIES: return write_activity(store, source, origin, v, err);
    case MAPPING_DEAL_HISTORY: return write_history(store, source, origin, v, err);
    case MAPPING_QUOTAS: return write_quota(store, source, origin, v, err);
    case MAPPING_REGISTRATIONS: return write_registration(store, source, origin, v, err);
    default: break;
    }
    return credo_error_set(err, CREDO_ERR_INVALID, "unknown entity");
}

/* ---- Checks of ids and keys ---- */

static bool is_id_field(const char *name)
{
    size_t length = strlen(name);
    return strcmp(name, "id") == 0 || (length > 3 && strcmp(name + length - 3, "_id") == 0);
}

/* Rejects an id with a byte below 0x20 or 0x7F, such as a line break from
 * a quoted field, because reports show ids on one line. */
static credo_status check_id_characters(const mapping_source *source, const import_row_origin *origin,
                                        const char *const *values, credo_error *err)
{
    const mapping_field_def *fields = mapping_fields[source->entity];
    for (size_t f = 0; f < mapping_field_counts[source->entity]; f++) {
        if (values[f] == NULL || !is_id_field(fields[f].name))
            continue;
        const char *p = values[f];
        while (*p != '\0' && !is_control((unsigned char)*p))
            p++;
        if (*p == '\0')
            continue;
        char shown[SHOWN_VALUE_SIZE];
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "%s:%lu: field %s: id '%s' contains the control character 0x%02X at byte %zu; "
                               "reports show ids on one line, so remove line breaks, tabs and other control "
                               "characters from ids in the source",
                               origin->file, origin->line, fields[f].name, shown_value(values[f], shown),
                               (unsigned char)*p, (size_t)(p - values[f]) + 1);
    }
    return CREDO_OK;
}

import_row_keys *import_row_keys_new(void)
{
    import_row_keys *keys = calloc(1, sizeof *keys);
    if (keys == NULL)
        return NULL;
    keys->pool = credo_strpool_new();
    if (keys->pool == NULL) {
        free(keys);
        return NULL;
    }
    return keys;
}

void import_row_keys_free(import_row_keys *keys)
{
    if (keys == NULL)
        return;
    credo_strpool_free(keys->pool);
    free(keys->first_line);
    credo_buf_free(&keys->composite);
    free(keys);
}

static credo_status keys_no_memory(const import_row_origin *origin, credo_error *err)
{
    return credo_error_set(err, CREDO_ERR_NOMEM, "%s:%lu: out of memory checking that row keys are unique",
                           origin->file, origin->line);
}

/* Records the length bytes at key for the row at origin. Sets *first to
 * the line of an earlier row with the same key, or to 0 when it is new. */
static credo_status remember_key(import_row_keys *keys, const char *key, size_t length,
                                 const import_row_origin *origin, unsigned long *first, credo_error *err)
{
    credo_status status = CREDO_OK;
    size_t before = credo_strpool_count(keys->pool);
    credo_str id = credo_strpool_intern(keys->pool, key, length, &status);
    if (status != CREDO_OK)
        return keys_no_memory(origin, err);
    *first = 0;
    if (credo_strpool_count(keys->pool) == before) {
        *first = keys->first_line[id];
        return CREDO_OK;
    }
    /* Ids are dense, so doubling always makes room for the new one. */
    if ((size_t)id >= keys->capacity) {
        size_t capacity = keys->capacity == 0 ? 1024 : keys->capacity * 2;
        unsigned long *grown = realloc(keys->first_line, capacity * sizeof *grown);
        if (grown == NULL)
            return keys_no_memory(origin, err);
        keys->first_line = grown;
        keys->capacity = capacity;
    }
    keys->first_line[id] = origin->line;
    return CREDO_OK;
}

static credo_status claim_id(import_row_keys *keys, const mapping_source *source, const import_row_origin *origin,
                             const char *id, credo_error *err)
{
    /* Activities and deal history rows without an id have no key. */
    if (id == NULL)
        return CREDO_OK;
    unsigned long first = 0;
    credo_status status = remember_key(keys, id, strlen(id), origin, &first, err);
    if (status != CREDO_OK || first == 0)
        return status;

    char shown[SHOWN_VALUE_SIZE];
    const char *noun = id_nouns[source->entity];
    if (source->group_by == NULL)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "%s:%lu: %s id '%s' already appears on line %lu of this file; ids must be unique "
                               "within a file (use group_by to merge rows that describe one entity)",
                               origin->file, origin->line, noun, shown_value(id, shown), first);
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:%lu: %s id '%s' already appears in the group that starts on line %lu of this "
                           "file; ids must be unique within a file, so group_by %s must give each id one "
                           "group: group by the column that id maps to",
                           origin->file, origin->line, noun, shown_value(id, shown), first, source->group_by);
}

/* Joins the parts, each followed by a NUL byte, into keys->composite. The
 * values themselves contain no NUL, so different parts give different keys. */
static bool compose_key(import_row_keys *keys, const char *const *parts, const size_t *lengths, size_t count)
{
    credo_buf_reset(&keys->composite);
    for (size_t i = 0; i < count; i++) {
        credo_buf_append(&keys->composite, parts[i], lengths[i]);
        credo_buf_append(&keys->composite, "", 1);
    }
    return !credo_buf_failed(&keys->composite);
}

static credo_status claim_team_key(import_row_keys *keys, const import_row_origin *origin, const char *const *v,
                                   credo_error *err)
{
    const char *role = v[TEAM_ROLE] == NULL ? DEFAULT_TEAM_ROLE : v[TEAM_ROLE];
    const char *parts[] = {v[TEAM_DEAL], v[TEAM_REP], role};
    const size_t lengths[] = {strlen(parts[0]), strlen(parts[1]), strlen(parts[2])};
    unsigned long first = 0;
    if (!compose_key(keys, parts, lengths, 3))
        return keys_no_memory(origin, err);
    credo_status status = remember_key(keys, keys->composite.data, keys->composite.length, origin, &first, err);
    if (status != CREDO_OK || first == 0)
        return status;

    char deal[SHOWN_VALUE_SIZE], rep[SHOWN_VALUE_SIZE], shown_role[SHOWN_VALUE_SIZE];
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:%lu: deal_id '%s', rep_id '%s' and role '%s' already appear together on line %lu "
                           "of this file; a rep has each role on a deal once, so remove one of the rows or "
                           "give them different roles",
                           origin->file, origin->line, shown_value(parts[0], deal), shown_value(parts[1], rep),
                           shown_value(role, shown_role), first);
}

/* The key of a quota is its rep_id and start day, the store's primary key,
 * so "1/1/2024" and "01/01/2024" are the same start. */
static credo_status claim_quota_key(import_row_keys *keys, const mapping_source *source,
                                    const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_date start = CREDO_DATE_NONE;
    credo_error ignored;
    /* write_quota reports an invalid start with its field. */
    if (credo_parse_date(v[QUOTA_START], strlen(v[QUOTA_START]), source->date_format, &start, &ignored) != CREDO_OK)
        return CREDO_OK;

    const char *parts[] = {v[QUOTA_REP], (const char *)&start};
    const size_t lengths[] = {strlen(v[QUOTA_REP]), sizeof start};
    unsigned long first = 0;
    if (!compose_key(keys, parts, lengths, 2))
        return keys_no_memory(origin, err);
    credo_status status = remember_key(keys, keys->composite.data, keys->composite.length, origin, &first, err);
    if (status != CREDO_OK || first == 0)
        return status;

    char rep[SHOWN_VALUE_SIZE], shown_start[SHOWN_VALUE_SIZE];
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:%lu: a quota of rep_id '%s' starting %s already appears on line %lu of this file; "
                           "a rep has one quota per start date, so remove one of the rows",
                           origin->file, origin->line, shown_value(v[QUOTA_REP], rep),
                           shown_value(v[QUOTA_START], shown_start), first);
}

/* Records the row's key in keys, failing when an earlier row had it. */
static credo_status claim_key(import_row_keys *keys, const mapping_source *source, const import_row_origin *origin,
                              const char *const *v, credo_error *err)
{
    if (keys == NULL)
        return CREDO_OK;
    if (source->entity == MAPPING_DEAL_TEAM)
        return claim_team_key(keys, origin, v, err);
    if (source->entity == MAPPING_QUOTAS)
        return claim_quota_key(keys, source, origin, v, err);
    return claim_id(keys, source, origin, v[0], err);
}

/* ---- Writing ---- */

credo_status import_write_row(credo_store *store, const mapping_source *source,
                              const import_row_origin *origin, import_row_keys *keys,
                              const char *const *field_values, const char *const *attribute_names,
                              const char *const *attribute_values, size_t attribute_count,
                              credo_error *err)
{
    const mapping_field_def *fields = mapping_fields[source->entity];
    for (size_t f = 0; f < mapping_field_counts[source->entity]; f++) {
        if (fields[f].required && field_values[f] == NULL)
            return credo_error_set(err, CREDO_ERR_INVALID, "%s:%lu: field %s is empty; every %s row needs it",
                                   origin->file, origin->line, fields[f].name,
                                   mapping_entity_names[source->entity]);
    }
    credo_status status = check_id_characters(source, origin, field_values, err);
    if (status == CREDO_OK)
        status = claim_key(keys, source, origin, field_values, err);
    if (status != CREDO_OK)
        return status;

    switch (source->entity) {
    case MAPPING_REPS:
        return write_rep(store, source, origin, field_values, err);
    case MAPPING_ACCOUNTS:
        return write_account(store, source, origin, field_values, attribute_names, attribute_values,
                             attribute_count, err);
    case MAPPING_DEALS:
        return write_deal(store, source, origin, field_values, err);
    case MAPPING_DEAL_TEAM:
        return write_team_member(store, source, origin, field_values, err);
    case MAPPING_ACTIVITIES:
    case MAPPING_DEAL_HISTORY:
    case MAPPING_QUOTAS:
    case MAPPING_REGISTRATIONS:
        return write_event(store, source, origin, field_values, err);
    case MAPPING_ENTITY_COUNT:
        break;
    }
    return credo_error_set(err, CREDO_ERR_INVALID, "unknown entity");
}
