/* Import of the sources a mapping names: CSV rows through the mapping's
 * columns and transforms into the store, in one transaction. */
#include "credo/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/audit.h"
#include "credo/csv.h"
#include "credo/parse.h"
#include "credo/strpool.h"
#include "import_group.h"
#include "import_issues.h"
#include "import_rows.h"
#include "mapping.h"
#include "policy_internal.h"

/* State of the import of one source file. */
typedef struct source_import {
    const mapping *map;
    mapping_source *source;
    const credo_iso3166 *iso;
    credo_store *store;
    import_issue_list *issues;
    credo_buf *texts;             /* one text buffer per mapped column */
    const char *field_values[16]; /* per entity field */
    const char **attribute_names;
    const char **attribute_values;
    size_t attribute_count;
    import_groups *groups;        /* non-NULL when the source has group_by */
    import_row_keys *keys;        /* keys of the rows written so far */
    const char *group_field_names[16];
    int group_sum_scale[16];      /* decimal places of summed fields, -1 for the others */
    size_t header_count;
} source_import;

/* Fails with "MAPPING:LINE:COLUMN: column 'X' is not in the header". */
static credo_status missing_column_error(const mapping *map, credo_policy_pos pos, const char *wanted,
                                         const char *hint, const char *known, credo_error *err)
{
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:%u:%u: column '%s' is not in the header of the source file%s; its columns "
                           "are: %s", map->path, pos.line, pos.column, wanted, hint, known);
}

/* Fails with "MAPPING:LINE:COLUMN: column 'X' appears twice in the header". */
static credo_status repeated_column_error(const source_import *state, credo_policy_pos pos, const char *name,
                                          size_t first, size_t second, credo_error *err)
{
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:%u:%u: column '%s' appears twice in the header of %s, as columns %zu and %zu; "
                           "rename one of them in the file so that the mapping names one column",
                           state->map->path, pos.line, pos.column, name, state->source->file, first + 1,
                           second + 1);
}

/* Returns the index of the first header name equal to name, or count when
 * there is none; *repeat is the index of the second, or count. */
static size_t find_header_name(char *const *names, size_t count, const char *name, size_t *repeat)
{
    size_t found = count;
    *repeat = count;
    for (size_t i = 0; i < count && *repeat == count; i++) {
        if (names[i] == NULL || strcmp(names[i], name) != 0)
            continue;
        if (found == count)
            found = i;
        else
            *repeat = i;
    }
    return found;
}

/* Finds each mapped column (and the group_by column) in the header. A
 * mapped name that the header has twice is an error, because either column
 * could be the one meant. */
static credo_status resolve_header(source_import *state, const credo_csv_record *header, credo_error *err)
{
    const mapping_source *source = state->source;
    char **names = calloc(header->count == 0 ? 1 : header->count, sizeof *names);
    credo_buf known = CREDO_BUF_INIT;
    credo_status status = CREDO_OK;
    if (names == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading the header of %s", source->file);
    for (size_t i = 0; i < header->count; i++) {
        names[i] = strndup(header->fields[i].data, header->fields[i].length);
        credo_buf_printf(&known, "%s%s", i == 0 ? "" : ", ", names[i] == NULL ? "" : names[i]);
    }
    state->header_count = header->count;

    for (size_t c = 0; c < source->column_count + 1 && status == CREDO_OK; c++) {
        bool is_group = c == source->column_count;
        const char *expected_name = is_group ? source->group_by : source->columns[c].column;
        if (expected_name == NULL)
            continue;
        credo_policy_pos pos = is_group ? source->group_by_pos : source->columns[c].pos;
        size_t repeat;
        size_t found = find_header_name(names, header->count, expected_name, &repeat);
        if (found == header->count) {
            const char *closest = policy_closest(expected_name, (const char *const *)names, header->count);
            char hint[256] = "";
            if (closest != NULL)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", closest);
            status = missing_column_error(state->map, pos, expected_name, hint, credo_buf_text(&known), err);
            break;
        }
        if (repeat != header->count) {
            status = repeated_column_error(state, pos, expected_name, found, repeat, err);
            break;
        }
        if (is_group)
            state->source->group_index = found;
        else
            state->source->columns[c].column_index = found;
    }

    for (size_t i = 0; i < header->count; i++)
        free(names[i]);
    free(names);
    credo_buf_free(&known);
    return status;
}

/* Removes spaces and tabs around a field, as exports pad codes ("AB "). */
static void trim(const char **data, size_t *length)
{
    while (*length > 0 && ((*data)[0] == ' ' || (*data)[0] == '\t')) {
        (*data)++;
        (*length)--;
    }
    while (*length > 0 && ((*data)[*length - 1] == ' ' || (*data)[*length - 1] == '\t'))
        (*length)--;
}

/* Normalises a US ZIP or ZIP+4 to five digits, restoring leading zeros that
 * spreadsheets drop ("2134" -> "02134"). Returns false when the text is not
 * a ZIP code. */
static bool normalise_zip5(const char *text, char out[6])
{
    size_t digits = strspn(text, "0123456789");
    bool plus_four = text[digits] == '-' && strlen(text + digits + 1) == 4 &&
                     strspn(text + digits + 1, "0123456789") == 4;
    if (text[digits] != '\0' && !plus_four)
        return false;
    if (digits == 9 && text[digits] == '\0')
        digits = 5;
    if (digits < 3 || digits > 5)
        return false;
    memset(out, '0', 5 - digits);
    memcpy(out + 5 - digits, text, digits);
    out[5] = '\0';
    return true;
}

static void ascii_case(credo_buf *text, bool upper)
{
    for (size_t i = 0; i < text->length; i++) {
        char c = text->data[i];
        if (upper && c >= 'a' && c <= 'z')
            text->data[i] = (char)(c - 'a' + 'A');
        else if (!upper && c >= 'A' && c <= 'Z')
            text->data[i] = (char)(c - 'A' + 'a');
    }
}

static const char *column_label(const mapping_source *source, const mapping_column *column)
{
    return column->field >= 0 ? mapping_fields[source->entity][column->field].name : column->attribute;
}

/* Applies an ISO or ZIP transform to the column's text in place. A value
 * that the transform cannot normalise is kept as written and noted. */
static credo_status apply_lookup(source_import *state, const mapping_column *column, credo_buf *text,
                                 unsigned long line)
{
    const char *value = credo_buf_text(text);
    const char *code = NULL;
    char zip[6];
    const char *message = NULL;

    if (column->transform == TRANSFORM_ISO_COUNTRY) {
        code = credo_iso3166_country(state->iso, value, text->length);
        message = "no ISO 3166-1 country has this name; kept as written";
    } else if (column->transform == TRANSFORM_ISO_SUBDIVISION) {
        const char *country = state->field_values[ACCOUNT_COUNTRY];
        code = country == NULL ? NULL : credo_iso3166_subdivision(state->iso, country, value, text->length);
        message = country == NULL ? "the row has no country to look the subdivision up in; kept as written"
                                  : "no ISO 3166-2 subdivision of the row's country has this name; kept as written";
    } else if (column->transform == TRANSFORM_ZIP5) {
        code = normalise_zip5(value, zip) ? zip : NULL;
        message = "not a US ZIP code; kept as written";
    }

    if (code != NULL) {
        credo_buf_reset(text);
        credo_buf_puts(text, code);
        return CREDO_OK;
    }
    return import_issue_note(state->issues, state->source->file, column_label(state->source, column), value,
                             message, line);
}

/* Translates a value through the column's `values:` table. */
static credo_status translate_value(source_import *state, const mapping_column *column, credo_buf *text,
                                    unsigned long line, credo_error *err)
{
    for (size_t i = 0; i < column->value_count; i++) {
        if (strcmp(column->value_from[i], credo_buf_text(text)) == 0) {
            credo_buf_reset(text);
            credo_buf_puts(text, column->value_to[i]);
            return CREDO_OK;
        }
    }
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:%lu: field %s: value '%s' is not in the mapping's 'values' table for column "
                           "%s (%s:%u); add it there", state->source->file, line,
                           column_label(state->source, column), credo_buf_text(text), column->column,
                           state->map->path, column->pos.line);
}

/* Fills the text of one mapped column for the current record. */
static credo_status extract_column(source_import *state, size_t c, const credo_csv_record *record,
                                   credo_error *err)
{
    const mapping_column *column = &state->source->columns[c];
    credo_buf *text = &state->texts[c];
    credo_buf_reset(text);

    if (column->constant != NULL) {
        credo_buf_puts(text, column->constant);
    } else {
        const char *data = record->fields[column->column_index].data;
        size_t length = record->fields[column->column_index].length;
        trim(&data, &length);
        credo_buf_append(text, data, length);
    }
    if (credo_buf_failed(text))
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", state->source->file);
    if (text->length == 0)
        return CREDO_OK;

    credo_status status = CREDO_OK;
    if (column->value_count > 0)
        status = translate_value(state, column, text, record->line, err);
    if (status != CREDO_OK)
        return status;
    if (column->transform == TRANSFORM_UPPER || column->transform == TRANSFORM_LOWER)
        ascii_case(text, column->transform == TRANSFORM_UPPER);
    else if (column->transform != TRANSFORM_NONE && apply_lookup(state, column, text, record->line) != CREDO_OK)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory noting import issues");
    return CREDO_OK;
}

/* Sets field_values and attribute values from the record. Subdivision
 * lookups run last because they need the row's country code. */
static credo_status extract_row(source_import *state, const credo_csv_record *record, credo_error *err)
{
    const mapping_source *source = state->source;
    memset(state->field_values, 0, sizeof state->field_values);
    state->attribute_count = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t c = 0; c < source->column_count; c++) {
            const mapping_column *column = &source->columns[c];
            if ((column->transform == TRANSFORM_ISO_SUBDIVISION) != (pass == 1))
                continue;
            credo_status status = extract_column(state, c, record, err);
            if (status != CREDO_OK)
                return status;
            const char *value = state->texts[c].length == 0 ? NULL : credo_buf_text(&state->texts[c]);
            if (column->field >= 0) {
                state->field_values[column->field] = value;
            } else {
                state->attribute_names[state->attribute_count] = column->attribute;
                state->attribute_values[state->attribute_count++] = value;
            }
        }
    }
    return CREDO_OK;
}

static credo_status write_current(source_import *state, unsigned long line, credo_error *err)
{
    const import_row_origin origin = {state->source->file, line};
    return import_write_row(state->store, state->source, &origin, state->keys, state->field_values,
                            state->attribute_names, state->attribute_values, state->attribute_count, err);
}

static credo_status check_width(const source_import *state, const credo_csv_record *record, credo_error *err)
{
    if (record->count == state->header_count)
        return CREDO_OK;
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:%lu: the row has %zu fields but the header has %zu; quote values that "
                           "contain the delimiter, or fix the row", state->source->file, record->line,
                           record->count, state->header_count);
}

/* Adds the current row to its group, keyed by the group_by column. */
static credo_status group_current(source_import *state, const credo_csv_record *record, credo_error *err)
{
    const credo_csv_field *key_field = &record->fields[state->source->group_index];
    const char *data = key_field->data;
    size_t length = key_field->length;
    trim(&data, &length);
    if (length == 0)
        return credo_error_set(err, CREDO_ERR_INVALID, "%s:%lu: column %s, which groups rows, is empty",
                               state->source->file, record->line, state->source->group_by);
    char *key = strndup(data, length);
    if (key == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory grouping rows");
    credo_status status = import_groups_add(state->groups, key, state->field_values, state->source->file,
                                            record->line, err);
    free(key);
    return status;
}

static credo_status write_groups(source_import *state, credo_import_source_report *report, credo_error *err)
{
    credo_status status = CREDO_OK;
    size_t count = import_groups_count(state->groups);
    for (size_t g = 0; g < count && status == CREDO_OK; g++) {
        unsigned long line = import_groups_get(state->groups, g, state->field_values);
        status = write_current(state, line, err);
        report->rows_written++;
    }
    return status;
}

static credo_status read_rows(source_import *state, credo_csv_reader *reader, credo_import_source_report *report,
                              credo_import_progress progress, void *progress_ctx, credo_error *err)
{
    credo_csv_record record;
    credo_status status;
    while ((status = credo_csv_next(reader, &record, err)) == CREDO_OK && record.count > 0) {
        if (record.count == 1 && record.fields[0].length == 0 && !record.fields[0].quoted)
            continue; /* a blank line */
        status = check_width(state, &record, err);
        if (status == CREDO_OK)
            status = extract_row(state, &record, err);
        if (status == CREDO_OK && state->groups != NULL)
            status = group_current(state, &record, err);
        else if (status == CREDO_OK) {
            status = write_current(state, record.line, err);
            report->rows_written++;
        }
        if (status != CREDO_OK)
            return status;
        report->rows_read++;
        if (progress != NULL && report->rows_read % CREDO_IMPORT_PROGRESS_ROWS == 0)
            progress(progress_ctx, state->source->file, report->rows_read, false);
    }
    if (status == CREDO_OK && state->groups != NULL)
        status = write_groups(state, report, err);
    if (progress != NULL)
        progress(progress_ctx, state->source->file, report->rows_read, true);
    return status;
}

static import_groups *make_groups(source_import *state)
{
    const mapping_source *source = state->source;
    const mapping_field_def *fields = mapping_fields[source->entity];
    size_t count = mapping_field_counts[source->entity];
    int *sum_scale = state->group_sum_scale;
    for (size_t f = 0; f < count; f++) {
        state->group_field_names[f] = fields[f].name;
        sum_scale[f] = -1;
    }
    for (size_t c = 0; c < source->column_count; c++) {
        const mapping_column *column = &source->columns[c];
        if (!column->sum || column->field < 0)
            continue;
        sum_scale[column->field] = fields[column->field].type == FIELD_MONEY ? source->money_decimals : 4;
    }
    return import_groups_new(count, sum_scale, state->group_field_names);
}

/* Opens the source's file. A missing file or a folder fails with the
 * position of the file name in the mapping. */
static credo_status open_source(const source_import *state, credo_csv_reader **reader, credo_error *err)
{
    const mapping_source *source = state->source;
    const credo_csv_options options = {
        .delimiter = source->delimiter,
        .max_record_bytes = source->max_record_bytes,
        .max_record_advice = "set max_record_bytes on the source in the mapping",
    };
    credo_status status = credo_csv_open(source->path, &options, reader, err);
    if (status != CREDO_OK)
        return credo_error_prefix(err, "%s:%u:%u: source file %s", state->map->path, source->file_pos.line,
                                  source->file_pos.column, source->file);
    return CREDO_OK;
}

static credo_status import_source(source_import *state, credo_import_source_report *report,
                                  credo_import_progress progress, void *progress_ctx, credo_error *err)
{
    mapping_source *source = state->source;
    credo_csv_reader *reader = NULL;
    credo_status status = open_source(state, &reader, err);
    if (status != CREDO_OK)
        return status;

    state->texts = calloc(source->column_count == 0 ? 1 : source->column_count, sizeof *state->texts);
    state->attribute_names = calloc(source->column_count + 1, sizeof *state->attribute_names);
    state->attribute_values = calloc(source->column_count + 1, sizeof *state->attribute_values);
    state->keys = import_row_keys_new();
    if (source->group_by != NULL)
        state->groups = make_groups(state);
    if (state->texts == NULL || state->attribute_names == NULL || state->attribute_values == NULL ||
        state->keys == NULL || (source->group_by != NULL && state->groups == NULL)) {
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", source->file);
        goto out;
    }

    credo_csv_record header;
    status = credo_csv_next(reader, &header, err);
    if (status == CREDO_OK && header.count == 0)
        status = credo_error_set(err, CREDO_ERR_INVALID, "%s: the file is empty; it needs a header row",
                                 source->file);
    if (status == CREDO_OK)
        status = resolve_header(state, &header, err);
    if (status == CREDO_OK)
        status = read_rows(state, reader, report, progress, progress_ctx, err);

out:
    for (size_t c = 0; state->texts != NULL && c < source->column_count; c++)
        credo_buf_free(&state->texts[c]);
    free(state->texts);
    free(state->attribute_names);
    free(state->attribute_values);
    import_groups_free(state->groups);
    import_row_keys_free(state->keys);
    credo_csv_close(reader);
    return status;
}

void credo_import_report_free(credo_import_report *report)
{
    if (report == NULL)
        return;
    for (size_t i = 0; i < report->source_count; i++) {
        free(report->sources[i].file);
        free(report->sources[i].entity);
    }
    free(report->sources);
    for (size_t i = 0; i < report->issue_count; i++)
        import_issue_free(&report->issues[i]);
    free(report->issues);
    free(report);
}

static credo_status store_issues(credo_store *store, const credo_import_report *report, credo_error *err)
{
    credo_status status = CREDO_OK;
    for (size_t i = 0; i < report->issue_count && status == CREDO_OK; i++) {
        const credo_import_issue *issue = &report->issues[i];
        for (size_t l = 0; l < issue->line_count && status == CREDO_OK; l++)
            status = credo_store_add_import_issue(store, report->import_id, issue->file, issue->lines[l],
                                                  issue->field, issue->value, issue->message, err);
    }
    return status;
}

static credo_status import_all(credo_store *store, mapping *map, const credo_iso3166 *iso,
                               credo_import_progress progress, void *progress_ctx, credo_import_report *report,
                               credo_error *err)
{
    import_issue_list issues = {0};
    credo_status status = CREDO_OK;
    for (size_t s = 0; s < map->source_count && status == CREDO_OK; s++) {
        credo_import_source_report *source_report = &report->sources[s];
        source_report->file = strdup(map->sources[s].file);
        source_report->entity = strdup(mapping_entity_names[map->sources[s].entity]);
        report->source_count++;
        source_import state = {0};
        state.map = map;
        state.source = &map->sources[s];
        state.iso = iso;
        state.store = store;
        state.issues = &issues;
        status = import_source(&state, source_report, progress, progress_ctx, err);
    }
    import_issues_sort(&issues);
    report->issues = issues.items;
    report->issue_count = issues.count;
    return status;
}

/* Appends the "import" audit entry: subject the mapping path, payload the
 * import id, the counts of each source and the count of kept values. */
static credo_status audit_import(credo_store *store, const char *mapping_path,
                                 const credo_import_report *report, credo_error *err)
{
    credo_buf payload = CREDO_BUF_INIT;
    credo_buf_printf(&payload, "{\"import_id\":%lld,\"sources\":[", (long long)report->import_id);
    for (size_t i = 0; i < report->source_count; i++) {
        const credo_import_source_report *source = &report->sources[i];
        credo_buf_puts(&payload, i == 0 ? "{\"file\":" : ",{\"file\":");
        credo_buf_json_string(&payload, source->file);
        credo_buf_puts(&payload, ",\"entity\":");
        credo_buf_json_string(&payload, source->entity);
        credo_buf_printf(&payload, ",\"rows_read\":%zu,\"rows_written\":%zu}", source->rows_read,
                         source->rows_written);
    }
    credo_buf_printf(&payload, "],\"kept_as_written\":%zu}", report->issue_count);

    credo_status status = credo_buf_failed(&payload)
                              ? credo_error_set(err, CREDO_ERR_NOMEM, "out of memory auditing the import")
                              : credo_audit_append(store, NULL, "import", mapping_path, NULL,
                                                   credo_buf_text(&payload), err);
    credo_buf_free(&payload);
    return status;
}

credo_status credo_import(credo_store *store, const char *mapping_path, const credo_iso3166 *iso,
                          credo_import_progress progress, void *progress_ctx,
                          credo_import_report **out, credo_error *err)
{
    mapping *map = NULL;
    credo_status status = mapping_load(mapping_path, &map, err);
    if (status != CREDO_OK)
        return status;

    credo_import_report *report = calloc(1, sizeof *report);
    if (report != NULL)
        report->sources = calloc(map->source_count == 0 ? 1 : map->source_count, sizeof *report->sources);
    if (report == NULL || report->sources == NULL) {
        free(report);
        mapping_free(map);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory importing %s", mapping_path);
    }

    status = credo_store_begin(store, err);
    if (status == CREDO_OK)
        status = import_all(store, map, iso, progress, progress_ctx, report, err);
    if (status == CREDO_OK) {
        char summary[256];
        snprintf(summary, sizeof summary, "%zu sources, %zu values kept as written", report->source_count,
                 report->issue_count);
        status = credo_store_record_import(store, mapping_path, summary, &report->import_id, err);
    }
    if (status == CREDO_OK)
        status = store_issues(store, report, err);
    if (status == CREDO_OK)
        status = audit_import(store, mapping_path, report, err);
    if (status == CREDO_OK)
        status = credo_store_commit(store, err);
    if (status != CREDO_OK) {
        credo_store_rollback(store);
        credo_import_report_free(report);
        mapping_free(map);
        return status;
    }
    mapping_free(map);
    *out = report;
    return CREDO_OK;
}
