/* Typed conversion of a source row and its write to the store. */
#include "import_rows.h"

#include <string.h>

#include "credo/parse.h"

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

static credo_status write_deal(credo_store *store, const mapping_source *source,
                               const import_row_origin *origin, const char *const *v, credo_error *err)
{
    credo_deal_row row = {
        v[DEAL_ID], v[DEAL_ACCOUNT], v[DEAL_OWNER], v[DEAL_CURRENCY], v[DEAL_STAGE], v[DEAL_SOURCE],
        v[DEAL_PARTNER], v[DEAL_PRODUCT], 0, CREDO_DEAL_OPEN, 0, 0,
    };
    credo_status status = parse_status(source, origin, v[DEAL_STATUS], &row.status, err);
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
    credo_team_row row = {v[TEAM_DEAL], v[TEAM_REP], v[TEAM_ROLE] == NULL ? "member" : v[TEAM_ROLE], -1};
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
    credo_status status = parse_date_field(source, origin, v, QUOTA_START, &row.start, err);
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

credo_status import_write_row(credo_store *store, const mapping_source *source,
                              const import_row_origin *origin, const char *const *field_values,
                              const char *const *attribute_names, const char *const *attribute_values,
                              size_t attribute_count, credo_error *err)
{
    const mapping_field_def *fields = mapping_fields[source->entity];
    for (size_t f = 0; f < mapping_field_counts[source->entity]; f++) {
        if (fields[f].required && field_values[f] == NULL)
            return credo_error_set(err, CREDO_ERR_INVALID, "%s:%lu: field %s is empty; every %s row needs it",
                                   origin->file, origin->line, fields[f].name,
                                   mapping_entity_names[source->entity]);
    }

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
