/* Reading the header and the records of one chunk into typed columns, and
 * appending the chunks to the snapshot. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"
#include "ingest_internal.h"

typedef struct known_field {
    const char *name;
    ingest_kind kind;
    size_t offset;
} known_field;

#define TEXT_FIELD(field) {#field, INGEST_TEXT, offsetof(credo_accounts, field)}
#define NUMBER_FIELD(field) {#field, INGEST_NUMBER, offsetof(credo_accounts, field)}

static const known_field KNOWN[] = {
    TEXT_FIELD(id), TEXT_FIELD(name), TEXT_FIELD(country), TEXT_FIELD(region), TEXT_FIELD(postal_code),
    TEXT_FIELD(city), TEXT_FIELD(industry), TEXT_FIELD(parent_id), TEXT_FIELD(owner_id),
    NUMBER_FIELD(employees), NUMBER_FIELD(annual_revenue), NUMBER_FIELD(potential), NUMBER_FIELD(latitude),
    NUMBER_FIELD(longitude),
};

#define ATTRIBUTE_PREFIX "attr."

/* ---- the header ---- */

static credo_status map_column(const char *path, const credo_csv_field *field, size_t c, ingest_column *column,
                               credo_error *err)
{
    size_t prefix = strlen(ATTRIBUTE_PREFIX);
    bool attribute = field->length > prefix && memcmp(field->data, ATTRIBUTE_PREFIX, prefix) == 0;
    size_t skip = attribute ? prefix : 0;
    column->name = strndup(field->data + skip, field->length - skip);
    if (column->name == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading the header of %s", path);
    column->kind = INGEST_ATTRIBUTE;
    if (attribute)
        return CREDO_OK;
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++) {
        if (strcmp(KNOWN[i].name, column->name) == 0) {
            column->kind = KNOWN[i].kind;
            column->offset = KNOWN[i].offset;
            return CREDO_OK;
        }
    }
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s:1: column %zu is named '%s', which is no account field; use id, name, country, "
                           "region, postal_code, city, industry, parent_id, owner_id, employees, annual_revenue, "
                           "potential, latitude, longitude or attr.NAME",
                           path, c + 1, column->name);
}

static credo_status check_repeats(const char *path, const ingest_header *header, credo_error *err)
{
    for (size_t c = 0; c < header->count; c++)
        for (size_t d = 0; d < c; d++)
            if (header->columns[c].kind == header->columns[d].kind &&
                strcmp(header->columns[c].name, header->columns[d].name) == 0)
                return credo_error_set(err, CREDO_ERR_INVALID,
                                       "%s:1: columns %zu and %zu both name '%s'; keep one of them", path, d + 1,
                                       c + 1, header->columns[c].name);
    return CREDO_OK;
}

static credo_status map_header(const char *path, const credo_csv_record *record, ingest_header *header,
                               credo_error *err)
{
    if (record->count > CREDO_INGEST_MAX_COLUMNS)
        return credo_error_set(err, CREDO_ERR_LIMIT, "%s:1: the header has %zu columns, more than the %d allowed",
                               path, record->count, CREDO_INGEST_MAX_COLUMNS);
    header->id_column = SIZE_MAX;
    for (size_t c = 0; c < record->count; c++) {
        header->count = c + 1;
        credo_status status = map_column(path, &record->fields[c], c, &header->columns[c], err);
        if (status != CREDO_OK)
            return status;
        if (header->columns[c].kind == INGEST_TEXT && header->columns[c].offset == offsetof(credo_accounts, id))
            header->id_column = c;
    }
    if (header->id_column == SIZE_MAX)
        return credo_error_set(err, CREDO_ERR_INVALID, "%s:1: the header has no 'id' column; add one", path);
    return check_repeats(path, header, err);
}

credo_status ingest_read_header(const char *path, const char *data, size_t size, const credo_csv_options *csv,
                                ingest_header *header, credo_error *err)
{
    credo_csv_reader *reader = NULL;
    credo_status status = credo_csv_open_memory(data, size, path, csv, &reader, err);
    credo_csv_record record = {0};
    if (status == CREDO_OK)
        status = credo_csv_next(reader, &record, err);
    if (status == CREDO_OK && record.count == 0)
        status = credo_error_set(err, CREDO_ERR_INVALID, "%s: the file is empty; it needs a header naming the account "
                                                         "fields", path);
    if (status == CREDO_OK)
        status = map_header(path, &record, header, err);
    credo_csv_close(reader);
    return status;
}

void ingest_header_clear(ingest_header *header)
{
    for (size_t c = 0; c < header->count; c++)
        free(header->columns[c].name);
    header->count = 0;
}

/* ---- records ---- */

static size_t element_size(const ingest_column *column)
{
    return column->kind == INGEST_NUMBER ? sizeof(credo_number) : sizeof(credo_str);
}

static bool chunk_grow(ingest_chunk *chunk, const ingest_header *header)
{
    if (chunk->rows < chunk->capacity)
        return true;
    size_t capacity = chunk->capacity == 0 ? 4096 : chunk->capacity * 2;
    for (size_t c = 0; c < header->count; c++) {
        void *grown = realloc(chunk->values[c], capacity * element_size(&header->columns[c]));
        if (grown == NULL)
            return false;
        chunk->values[c] = grown;
    }
    chunk->capacity = capacity;
    return true;
}

static credo_status read_record(const char *path, const credo_csv_record *record, const ingest_header *header,
                                ingest_chunk *chunk, credo_error *err)
{
    if (record->count != header->count)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "%s:%lu: the record has %zu fields but the header has %zu; check the delimiter "
                               "and the quotes",
                               path, record->line, record->count, header->count);
    if (record->fields[header->id_column].length == 0)
        return credo_error_set(err, CREDO_ERR_INVALID, "%s:%lu: the account id is empty; give every account an id",
                               path, record->line);
    if (!chunk_grow(chunk, header))
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", path);
    /* Hash every text field first and fetch its table slot, so that the
     * cache misses of the record's probes overlap instead of queueing. */
    uint64_t hashes[CREDO_INGEST_MAX_COLUMNS];
    for (size_t c = 0; c < header->count; c++) {
        const credo_csv_field *field = &record->fields[c];
        if (header->columns[c].kind == INGEST_NUMBER || field->length == 0)
            continue;
        hashes[c] = credo_strpool_hash(field->data, field->length);
        credo_strpool_prefetch(chunk->pool, hashes[c]);
    }
    size_t row = chunk->rows;
    for (size_t c = 0; c < header->count; c++) {
        const credo_csv_field *field = &record->fields[c];
        if (header->columns[c].kind == INGEST_NUMBER) {
            credo_number *values = chunk->values[c];
            values[row] = CREDO_NUMBER_NONE;
            if (field->length > 0 && credo_parse_number(field->data, field->length, &values[row], err) != CREDO_OK)
                return credo_error_prefix(err, "%s:%lu: column %s", path, record->line, header->columns[c].name);
            continue;
        }
        credo_status status = CREDO_OK;
        credo_str *values = chunk->values[c];
        values[row] = field->length == 0
                          ? CREDO_STR_NONE
                          : credo_strpool_intern_hashed(chunk->pool, field->data, field->length, hashes[c], &status);
        if (status != CREDO_OK)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", path);
    }
    chunk->rows++;
    return CREDO_OK;
}

static unsigned long count_line_feeds(const char *data, size_t size)
{
    unsigned long count = 0;
    for (const char *at = data, *end = data + size; at < end; count++) {
        at = memchr(at, '\n', (size_t)(end - at));
        if (at == NULL)
            break;
        at++;
    }
    return count;
}

credo_status ingest_read_chunk(const char *path, const char *data, size_t size, bool first,
                               const ingest_header *header, const credo_csv_options *csv, ingest_chunk *chunk,
                               credo_error *err)
{
    chunk->line_feeds = count_line_feeds(data, size);
    credo_csv_reader *reader = NULL;
    credo_status status = credo_csv_open_memory(data, size, path, csv, &reader, err);
    credo_csv_record record = {0};
    if (status == CREDO_OK && first)
        status = credo_csv_next(reader, &record, err);
    while (status == CREDO_OK && (status = credo_csv_next(reader, &record, err)) == CREDO_OK && record.count > 0) {
        if (record.count == 1 && record.fields[0].length == 0 && !record.fields[0].quoted)
            continue; /* an empty line */
        status = read_record(path, &record, header, chunk, err);
    }
    credo_csv_close(reader);
    chunk->failed = status != CREDO_OK;
    return status;
}

void ingest_shift_error_line(const char *path, const ingest_chunk *chunks, size_t count, credo_error *err)
{
    unsigned long offset = 0;
    size_t k = 0;
    while (k < count && !chunks[k].failed)
        offset += chunks[k++].line_feeds;
    size_t length = strlen(path);
    if (err == NULL || k == count || offset == 0 || strncmp(err->message, path, length) != 0 ||
        err->message[length] != ':')
        return;
    char *end = NULL;
    unsigned long line = strtoul(err->message + length + 1, &end, 10);
    if (end == err->message + length + 1)
        return;
    char rest[CREDO_ERROR_MESSAGE_MAX];
    snprintf(rest, sizeof rest, "%s", end);
    snprintf(err->message + length + 1, sizeof err->message - length - 1, "%lu%s", line + offset, rest);
}

/* ---- appending ---- */

/* Interns the strings of chunk's pool into pool: map[local id] = id. */
static credo_str *intern_all(const credo_strpool *local, credo_strpool *pool)
{
    credo_str *map = malloc(credo_strpool_count(local) * sizeof *map);
    if (map != NULL && credo_strpool_merge(pool, local, map) != CREDO_OK) {
        free(map);
        return NULL;
    }
    return map;
}

static credo_status fill_column(const ingest_column *column, const ingest_chunk *chunk, size_t c, size_t at,
                                const credo_str *map, credo_snapshot *snapshot, credo_error *err)
{
    if (chunk->rows == 0)
        return CREDO_OK;
    if (column->kind == INGEST_NUMBER) {
        credo_number *target = *(credo_number **)((char *)&snapshot->accounts + column->offset);
        memcpy(target + at, chunk->values[c], chunk->rows * sizeof *target);
        return CREDO_OK;
    }
    credo_str *target = NULL;
    if (column->kind == INGEST_ATTRIBUTE) {
        credo_attribute_column *attribute = NULL;
        credo_status status = credo_snapshot_attribute(snapshot, column->name, &attribute, err);
        if (status != CREDO_OK)
            return status;
        target = attribute->values;
    } else {
        target = *(credo_str **)((char *)&snapshot->accounts + column->offset);
    }
    const credo_str *values = chunk->values[c];
    for (size_t row = 0; row < chunk->rows; row++)
        target[at + row] = map == NULL ? values[row] : map[values[row]];
    return CREDO_OK;
}

credo_status ingest_append_chunk(const char *path, const ingest_header *header, const ingest_chunk *chunk,
                                 bool first, credo_snapshot *snapshot, credo_error *err)
{
    size_t at = snapshot->accounts.count, row = 0;
    credo_str *map = first ? NULL : intern_all(chunk->pool, snapshot->strings);
    if (!first && map == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", path);
    credo_status status = CREDO_OK;
    for (size_t r = 0; r < chunk->rows && status == CREDO_OK; r++)
        status = credo_snapshot_add_account(snapshot, &row, err);
    for (size_t c = 0; c < header->count && status == CREDO_OK; c++)
        status = fill_column(&header->columns[c], chunk, c, at, map, snapshot, err);
    free(map);
    return status;
}

void ingest_chunk_free(ingest_chunk *chunk, bool own_pool)
{
    for (size_t c = 0; c < CREDO_INGEST_MAX_COLUMNS; c++) {
        free(chunk->values[c]);
        chunk->values[c] = NULL;
    }
    if (own_pool)
        credo_strpool_free(chunk->pool);
    chunk->pool = NULL;
    chunk->rows = chunk->capacity = 0;
}
