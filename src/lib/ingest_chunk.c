/* Reading the header and the records of one chunk into typed columns, and
 * appending the chunks to the snapshot. */
#include <stddef.h>
#include <stdint.h>
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

/* ---- the value cache ---- */

/* A small direct-mapped cache per text column of a chunk maps recent short
 * values to their ids in the pool the chunk is read into. A hit compares the value with
 * bytes kept inline in the entry. So it skips the hash, the probe of the
 * pool's table and the read of the stored string. Ids never change in a
 * pool, so a hit returns what interning would. */

/* log2 of the entries of one column's cache. */
#define VALUE_CACHE_BITS 9
#define VALUE_CACHE_ENTRIES ((size_t)1 << VALUE_CACHE_BITS)
/* Maximum length of a cached value. Longer values always go to the pool. */
#define VALUE_CACHE_MAX_BYTES 32
/* A column stops using its cache for the rest of the chunk when fewer
 * than one in VALUE_CACHE_MIN_HIT_RATIO of its first
 * VALUE_CACHE_TRIAL_LOOKUPS lookups hit, as for ids and names, whose
 * values rarely repeat. */
#define VALUE_CACHE_TRIAL_LOOKUPS 1024
#define VALUE_CACHE_MIN_HIT_RATIO 4

/* The key of a value of 1 to VALUE_CACHE_MAX_BYTES bytes: its length and
 * two words that, with the length, fix the value up to 16 bytes. */
typedef struct value_key {
    uint64_t head, tail;
    size_t length;
} value_key;

typedef struct cached_value {
    uint64_t head, tail;
    uint32_t length; /* 0 for an empty entry */
    credo_str id;
    char bytes[VALUE_CACHE_MAX_BYTES];
} cached_value;

typedef struct value_cache {
    size_t lookups, hits;
    bool off;
    cached_value entries[VALUE_CACHE_ENTRIES];
} value_cache;

static uint64_t load_word(const char *at, size_t size)
{
    uint64_t word = 0;
    memcpy(&word, at, size);
    return word;
}

/* Reads the key of length bytes at data. Values of 8 or more bytes keep
 * their first and last 8 bytes, and values of 4 to 7 their first and
 * last 4. Shorter ones keep their first, middle and last byte. So each
 * byte of a value up to 16 bytes is in the key. */
static value_key key_of(const char *data, size_t length)
{
    value_key key = {0, 0, length};
    if (length >= 8) {
        key.head = load_word(data, 8);
        key.tail = load_word(data + length - 8, 8);
    } else if (length >= 4) {
        key.head = load_word(data, 4);
        key.tail = load_word(data + length - 4, 4);
    } else {
        key.head = (uint64_t)(unsigned char)data[0] | (uint64_t)(unsigned char)data[length / 2] << 8 |
                   (uint64_t)(unsigned char)data[length - 1] << 16;
    }
    return key;
}

static cached_value *cache_slot(value_cache *cache, const value_key *key)
{
    uint64_t mixed = (key->head ^ (key->tail * UINT64_C(0x9E3779B97F4A7C15)) ^ key->length) *
                     UINT64_C(0xFF51AFD7ED558CCD);
    return &cache->entries[mixed >> (64 - VALUE_CACHE_BITS)];
}

/* Bytes 8 to length - 8 are outside the key, so values over 16 bytes
 * compare them too. */
static bool entry_matches(const cached_value *entry, const value_key *key, const char *data)
{
    return entry->length == key->length && entry->head == key->head && entry->tail == key->tail &&
           (key->length <= 16 || memcmp(entry->bytes + 8, data + 8, key->length - 16) == 0);
}

/* Returns the entry for the length bytes at data, or NULL when the column
 * does not use its cache for them. Sets *hit when the entry contains them. */
static cached_value *cache_lookup(value_cache *cache, const char *data, size_t length, bool *hit)
{
    *hit = false;
    if (cache == NULL || cache->off || length > VALUE_CACHE_MAX_BYTES)
        return NULL;
    if (cache->lookups == VALUE_CACHE_TRIAL_LOOKUPS &&
        cache->hits * VALUE_CACHE_MIN_HIT_RATIO < cache->lookups) {
        cache->off = true;
        return NULL;
    }
    cache->lookups++;
    value_key key = key_of(data, length);
    cached_value *entry = cache_slot(cache, &key);
    if (entry_matches(entry, &key, data)) {
        cache->hits++;
        *hit = true;
    }
    return entry;
}

static void cache_store(cached_value *entry, const char *data, size_t length, credo_str id)
{
    value_key key = key_of(data, length);
    entry->head = key.head;
    entry->tail = key.tail;
    entry->length = (uint32_t)length;
    entry->id = id;
    memcpy(entry->bytes, data, length);
}

/* ---- records ---- */

/* Records whose text fields are hashed, and their table slots fetched,
 * before the first of them is interned. Interning a record's fields
 * right after hashing them leaves too little time for the fetch from a
 * large table to arrive. */
#define INTERN_BATCH_RECORDS 16

/* Pending fields ahead of the one being interned whose stored length and
 * address, and then stored bytes, are fetched for the comparison of a
 * repeated value (see credo_strpool_prefetch_entry). */
#define ENTRY_PREFETCH_DISTANCE 16
#define BYTES_PREFETCH_DISTANCE 8

/* A text field waiting to be interned: its bytes, which stay valid until
 * the batch is interned, and where its id goes. */
typedef struct pending_text {
    const char *data;
    size_t length;
    uint64_t hash;
    size_t column, row;
    cached_value *entry; /* the cache entry to fill with the id, or NULL */
} pending_text;

/* The state of reading one chunk. */
typedef struct chunk_reader {
    const char *path;
    const ingest_header *header;
    ingest_chunk *chunk;
    const char *input, *input_end; /* the chunk's bytes */
    value_cache *caches[CREDO_INGEST_MAX_COLUMNS]; /* NULL for number columns */
    size_t text_columns;
    pending_text *pending; /* text_columns * INTERN_BATCH_RECORDS */
    size_t pending_count;
} chunk_reader;

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

/* Interns the pending fields in the order they were queued and stores
 * their ids. Returns false when out of memory. */
static bool intern_pending(chunk_reader *reader)
{
    ingest_chunk *chunk = reader->chunk;
    for (size_t i = 0; i < reader->pending_count; i++) {
        const pending_text *text = &reader->pending[i];
        if (i + ENTRY_PREFETCH_DISTANCE < reader->pending_count)
            credo_strpool_prefetch_entry(chunk->pool, reader->pending[i + ENTRY_PREFETCH_DISTANCE].hash);
        if (i + BYTES_PREFETCH_DISTANCE < reader->pending_count)
            credo_strpool_prefetch_bytes(chunk->pool, reader->pending[i + BYTES_PREFETCH_DISTANCE].hash);
        credo_status status = CREDO_OK;
        credo_str id = credo_strpool_intern_hashed(chunk->pool, text->data, text->length, text->hash, &status);
        if (status != CREDO_OK)
            return false;
        ((credo_str *)chunk->values[text->column])[text->row] = id;
        if (text->entry != NULL)
            cache_store(text->entry, text->data, text->length, id);
    }
    reader->pending_count = 0;
    return true;
}

static bool inside_input(const chunk_reader *reader, const credo_csv_field *field)
{
    uintptr_t at = (uintptr_t)field->data;
    return at >= (uintptr_t)reader->input && at + field->length <= (uintptr_t)reader->input_end;
}

/* Stores the ids of the record's text fields that are empty or in their
 * column's cache, and queues the others, hashed and with their table
 * slots fetched, in column order. Returns true when a queued field lies
 * outside the chunk's bytes (an unescaped copy that the next record
 * overwrites), so that the batch must be interned before the next record
 * is read. */
static bool queue_texts(chunk_reader *reader, const credo_csv_record *record)
{
    const ingest_header *header = reader->header;
    ingest_chunk *chunk = reader->chunk;
    size_t row = chunk->rows;
    bool borrowed = false;
    for (size_t c = 0; c < header->count; c++) {
        const credo_csv_field *field = &record->fields[c];
        if (header->columns[c].kind == INGEST_NUMBER)
            continue;
        credo_str *values = chunk->values[c];
        values[row] = CREDO_STR_NONE;
        if (field->length == 0)
            continue;
        bool hit = false;
        cached_value *entry = cache_lookup(reader->caches[c], field->data, field->length, &hit);
        if (hit) {
            values[row] = entry->id;
            continue;
        }
        uint64_t hash = credo_strpool_hash(field->data, field->length);
        credo_strpool_prefetch(chunk->pool, hash);
        reader->pending[reader->pending_count++] = (pending_text){field->data, field->length, hash, c, row, entry};
        borrowed = borrowed || !inside_input(reader, field);
    }
    return borrowed;
}

static credo_status read_numbers(chunk_reader *reader, const credo_csv_record *record, credo_error *err)
{
    const ingest_header *header = reader->header;
    size_t row = reader->chunk->rows;
    for (size_t c = 0; c < header->count; c++) {
        const credo_csv_field *field = &record->fields[c];
        if (header->columns[c].kind != INGEST_NUMBER)
            continue;
        credo_number *values = reader->chunk->values[c];
        values[row] = CREDO_NUMBER_NONE;
        if (field->length > 0 && credo_parse_number(field->data, field->length, &values[row], err) != CREDO_OK)
            return credo_error_prefix(err, "%s:%lu: column %s", reader->path, record->line,
                                      header->columns[c].name);
    }
    return CREDO_OK;
}

static credo_status read_record(chunk_reader *reader, const credo_csv_record *record, credo_error *err)
{
    const char *path = reader->path;
    const ingest_header *header = reader->header;
    ingest_chunk *chunk = reader->chunk;
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
    credo_status status = read_numbers(reader, record, err);
    if (status != CREDO_OK)
        return status;
    bool borrowed = queue_texts(reader, record);
    chunk->rows++;
    bool full = reader->pending_count + reader->text_columns > reader->text_columns * INTERN_BATCH_RECORDS;
    if ((borrowed || full) && !intern_pending(reader))
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", path);
    return CREDO_OK;
}

#define BYTE_ONES UINT64_C(0x0101010101010101)
#define BYTE_LOW_BITS UINT64_C(0x7F7F7F7F7F7F7F7F)

/* Counts the LF bytes of data eight bytes at a time. The word is XORed
 * with LF in every byte, so LF bytes become 0. Adding 0x7F to the low 7
 * bits of a byte sets its high bit unless they are 0, and no carry
 * crosses into the next byte. So the high bits left clear mark exactly
 * the LF bytes. Multiplying their 0 or 1 per byte by BYTE_ONES sums them
 * in the top byte. */
static unsigned long count_line_feeds(const char *data, size_t size)
{
    unsigned long count = 0;
    size_t at = 0;
    for (; size - at >= 8; at += 8) {
        uint64_t word;
        memcpy(&word, data + at, sizeof word);
        word ^= BYTE_ONES * '\n';
        uint64_t nonzero = ((word & BYTE_LOW_BITS) + BYTE_LOW_BITS) | word;
        uint64_t line_feeds = (~nonzero & ~BYTE_LOW_BITS) >> 7; /* 1 in the low bit of each LF byte */
        count += (unsigned long)((line_feeds * BYTE_ONES) >> 56);
    }
    for (; at < size; at++)
        count += data[at] == '\n';
    return count;
}

/* Gives each text column of the chunk an empty value cache, and the
 * reader room for a batch of pending fields. */
static credo_status open_reader(chunk_reader *reader, credo_error *err)
{
    for (size_t c = 0; c < reader->header->count; c++) {
        if (reader->header->columns[c].kind == INGEST_NUMBER)
            continue;
        reader->text_columns++;
        reader->caches[c] = calloc(1, sizeof *reader->caches[c]);
        if (reader->caches[c] == NULL)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", reader->path);
    }
    reader->pending = malloc((reader->text_columns * INTERN_BATCH_RECORDS + 1) * sizeof *reader->pending);
    if (reader->pending == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", reader->path);
    return CREDO_OK;
}

static void close_reader(chunk_reader *reader)
{
    for (size_t c = 0; c < reader->header->count; c++)
        free(reader->caches[c]);
    free(reader->pending);
}

credo_status ingest_read_chunk(const char *path, const char *data, size_t size, bool first,
                               const ingest_header *header, const credo_csv_options *csv, ingest_chunk *chunk,
                               credo_error *err)
{
    chunk->line_feeds = count_line_feeds(data, size);
    chunk_reader state = {.path = path, .header = header, .chunk = chunk, .input = data, .input_end = data + size};
    credo_status status = open_reader(&state, err);
    credo_csv_reader *reader = NULL;
    if (status == CREDO_OK)
        status = credo_csv_open_memory(data, size, path, csv, &reader, err);
    credo_csv_record record = {0};
    if (status == CREDO_OK && first)
        status = credo_csv_next(reader, &record, err);
    while (status == CREDO_OK && (status = credo_csv_next(reader, &record, err)) == CREDO_OK && record.count > 0) {
        if (record.count == 1 && record.fields[0].length == 0 && !record.fields[0].quoted)
            continue; /* an empty line */
        status = read_record(&state, &record, err);
    }
    if (status == CREDO_OK && !intern_pending(&state))
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", path);
    credo_csv_close(reader);
    close_reader(&state);
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
                                 bool same_pool, credo_snapshot *snapshot, credo_error *err)
{
    size_t at = snapshot->accounts.count, row = 0;
    credo_str *map = same_pool ? NULL : intern_all(chunk->pool, snapshot->strings);
    if (!same_pool && map == NULL)
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
