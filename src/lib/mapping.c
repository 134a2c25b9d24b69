/* Reading the mapping file. The YAML tree and value readers are the policy
 * parser's, so both files report positions the same way. */
#include "mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "credo/csv.h"
#include "policy_internal.h"

static const mapping_field_def rep_fields[] = {
    {"id", FIELD_TEXT, true}, {"name", FIELD_TEXT, false}, {"email", FIELD_TEXT, false},
    {"title", FIELD_TEXT, false}, {"manager_id", FIELD_TEXT, false},
    {"active_from", FIELD_DATE, false}, {"active_to", FIELD_DATE, false},
};
static const mapping_field_def account_fields[] = {
    {"id", FIELD_TEXT, true}, {"name", FIELD_TEXT, false}, {"country", FIELD_TEXT, false},
    {"region", FIELD_TEXT, false}, {"postal_code", FIELD_TEXT, false}, {"city", FIELD_TEXT, false},
    {"industry", FIELD_TEXT, false}, {"parent_id", FIELD_TEXT, false}, {"owner_id", FIELD_TEXT, false},
    {"employees", FIELD_NUMBER, false}, {"annual_revenue", FIELD_NUMBER, false},
    {"potential", FIELD_NUMBER, false}, {"latitude", FIELD_NUMBER, false},
    {"longitude", FIELD_NUMBER, false},
};
static const mapping_field_def deal_fields[] = {
    {"id", FIELD_TEXT, true}, {"account_id", FIELD_TEXT, false}, {"owner_id", FIELD_TEXT, false},
    {"currency", FIELD_TEXT, true}, {"amount", FIELD_MONEY, false}, {"stage", FIELD_TEXT, false},
    {"status", FIELD_DEAL_STATUS, true}, {"source", FIELD_TEXT, false}, {"partner", FIELD_TEXT, false},
    {"product", FIELD_TEXT, false}, {"created", FIELD_DATE, false}, {"close_date", FIELD_DATE, false},
};
static const mapping_field_def team_fields[] = {
    {"deal_id", FIELD_TEXT, true}, {"rep_id", FIELD_TEXT, true}, {"role", FIELD_TEXT, false},
    {"split", FIELD_SPLIT, false},
};

static const mapping_field_def activity_fields[] = {
    {"id", FIELD_TEXT, false}, {"rep_id", FIELD_TEXT, true}, {"account_id", FIELD_TEXT, true},
    {"deal_id", FIELD_TEXT, false}, {"type", FIELD_TEXT, true}, {"date", FIELD_DATE, true},
};
static const mapping_field_def history_fields[] = {
    {"id", FIELD_TEXT, false}, {"deal_id", FIELD_TEXT, true}, {"date", FIELD_DATE, true},
    {"stage", FIELD_TEXT, false}, {"amount", FIELD_MONEY, false},
    {"close_date", FIELD_DATE, false},
};
static const mapping_field_def quota_fields[] = {
    {"rep_id", FIELD_TEXT, true}, {"start", FIELD_DATE, true}, {"end", FIELD_DATE, true},
    {"currency", FIELD_TEXT, true}, {"amount", FIELD_MONEY, true},
};
static const mapping_field_def registration_fields[] = {
    {"id", FIELD_TEXT, true}, {"rep_id", FIELD_TEXT, true}, {"account_id", FIELD_TEXT, true},
    {"product", FIELD_TEXT, false}, {"source", FIELD_TEXT, false},
    {"partner", FIELD_TEXT, false}, {"deal_id", FIELD_TEXT, false}, {"date", FIELD_DATE, true},
};

const mapping_field_def *const mapping_fields[MAPPING_ENTITY_COUNT] = {
    rep_fields, account_fields, deal_fields, team_fields, activity_fields, history_fields,
    quota_fields, registration_fields,
};
const size_t mapping_field_counts[MAPPING_ENTITY_COUNT] = {
    REP_FIELD_COUNT, ACCOUNT_FIELD_COUNT, DEAL_FIELD_COUNT, TEAM_FIELD_COUNT,
    ACTIVITY_FIELD_COUNT, HISTORY_FIELD_COUNT, QUOTA_FIELD_COUNT, REGISTRATION_FIELD_COUNT,
};
const char *const mapping_entity_names[MAPPING_ENTITY_COUNT] = {
    "reps", "accounts", "deals", "deal_team", "activities", "deal_history", "quotas",
    "registrations",
};

_Static_assert(ACCOUNT_FIELD_COUNT <= MAPPING_FIELDS_MAX && DEAL_FIELD_COUNT <= MAPPING_FIELDS_MAX &&
                   REGISTRATION_FIELD_COUNT <= MAPPING_FIELDS_MAX,
               "every entity fits the per-field arrays");

static const char *const transform_names[] = {
    "none", "iso_country", "iso_subdivision", "zip5", "upper", "lower",
};

static void column_free(mapping_column *column)
{
    free(column->attribute);
    free(column->column);
    free(column->constant);
    for (size_t i = 0; i < column->value_count; i++) {
        free(column->value_from[i]);
        free(column->value_to[i]);
    }
    free(column->value_from);
    free(column->value_to);
}

void mapping_free(mapping *map)
{
    if (map == NULL)
        return;
    for (size_t s = 0; s < map->source_count; s++) {
        mapping_source *source = &map->sources[s];
        free(source->file);
        free(source->path);
        free(source->date_format);
        free(source->group_by);
        for (size_t c = 0; c < source->column_count; c++)
            column_free(&source->columns[c]);
        free(source->columns);
    }
    free(map->sources);
    free(map->path);
    free(map);
}

static int find_name(const char *name, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

static credo_status read_transform(const policy_reader *reader, const policy_node *node,
                                   mapping_transform *out)
{
    size_t count = sizeof transform_names / sizeof transform_names[0];
    if (node->kind == POLICY_NODE_SCALAR) {
        int found = find_name(node->text, transform_names, count);
        if (found >= 0) {
            *out = (mapping_transform)found;
            return CREDO_OK;
        }
    }
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "unknown transform '%s'; use one of iso_country, iso_subdivision, zip5, "
                       "upper, lower", node->kind == POLICY_NODE_SCALAR ? node->text : "(not text)");
}

/* Reads a `values:` table that translates source values to credo values. */
static credo_status read_values(const policy_reader *reader, const policy_node *node,
                                mapping_column *column)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_MAPPING, "values");
    if (status != CREDO_OK)
        return status;
    size_t pairs = node->count / 2;
    column->value_from = calloc(pairs == 0 ? 1 : pairs, sizeof *column->value_from);
    column->value_to = calloc(pairs == 0 ? 1 : pairs, sizeof *column->value_to);
    if (column->value_from == NULL || column->value_to == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "out of memory reading %s", reader->path);

    for (size_t i = 0; i < pairs; i++) {
        status = policy_read_text(reader, node->items[2 * i], "values", &column->value_from[i]);
        if (status == CREDO_OK)
            status = policy_read_text(reader, node->items[2 * i + 1], "values", &column->value_to[i]);
        if (status != CREDO_OK)
            return status;
        column->value_count++;
    }
    return CREDO_OK;
}

/* Reads one column spec: a source column name, or a mapping with column
 * (or value), transform, aggregate and values. */
static credo_status read_column_spec(const policy_reader *reader, const policy_node *node,
                                     mapping_column *column)
{
    column->pos = node->pos;
    if (node->kind == POLICY_NODE_SCALAR)
        return policy_read_text(reader, node, "column", &column->column);

    static const char *const keys[] = {"column", "value", "transform", "aggregate", "values"};
    const policy_node *values[5];
    credo_status status = policy_read_keys(reader, node, "a column", keys, 5, values);
    if (status != CREDO_OK)
        return status;
    if ((values[0] == NULL) == (values[1] == NULL))
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "give either 'column' (a header of the file) or 'value' (a constant)");

    if (values[0] != NULL)
        status = policy_read_text(reader, values[0], "column", &column->column);
    else
        status = policy_read_text(reader, values[1], "value", &column->constant);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_transform(reader, values[2], &column->transform);
    if (status == CREDO_OK && values[3] != NULL) {
        if (values[3]->kind != POLICY_NODE_SCALAR || strcmp(values[3]->text, "sum") != 0)
            return policy_fail(reader, values[3]->pos, CREDO_ERR_INVALID,
                               "unknown aggregate; the only aggregate is 'sum'");
        column->sum = true;
        column->sum_pos = values[3]->pos;
    }
    if (status == CREDO_OK && values[4] != NULL)
        status = read_values(reader, values[4], column);
    return status;
}

static credo_status add_column(const policy_reader *reader, mapping_source *source,
                               const policy_node *key, const policy_node *spec, bool attribute)
{
    mapping_column *grown = realloc(source->columns, (source->column_count + 1) * sizeof *grown);
    if (grown == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "out of memory reading %s", reader->path);
    source->columns = grown;
    mapping_column *column = &source->columns[source->column_count++];
    memset(column, 0, sizeof *column);
    column->field = -1;

    if (attribute) {
        credo_status status = policy_read_text(reader, key, "attribute", &column->attribute);
        if (status != CREDO_OK)
            return status;
    } else {
        const mapping_field_def *fields = mapping_fields[source->entity];
        size_t count = mapping_field_counts[source->entity];
        const char *names[MAPPING_FIELDS_MAX];
        for (size_t i = 0; i < count; i++)
            names[i] = fields[i].name;
        column->field = find_name(key->text, names, count);
        if (column->field < 0) {
            const char *closest = policy_closest(key->text, names, count);
            return policy_fail(reader, key->pos, CREDO_ERR_INVALID,
                               "unknown field '%s' for %s%s%s%s; put other columns under 'attributes'",
                               key->text, mapping_entity_names[source->entity],
                               closest != NULL ? " (did you mean '" : "", closest != NULL ? closest : "",
                               closest != NULL ? "'?)" : "");
        }
    }
    return read_column_spec(reader, spec, column);
}

static credo_status read_columns(const policy_reader *reader, mapping_source *source,
                                 const policy_node *node, bool attribute)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_MAPPING,
                                             attribute ? "attributes" : "columns");
    for (size_t i = 0; status == CREDO_OK && i + 1 < node->count; i += 2)
        status = add_column(reader, source, node->items[i], node->items[i + 1], attribute);
    return status;
}

static credo_status read_entity(const policy_reader *reader, const policy_node *node,
                                mapping_entity *out)
{
    if (node->kind == POLICY_NODE_SCALAR) {
        int found = find_name(node->text, mapping_entity_names, MAPPING_ENTITY_COUNT);
        if (found >= 0) {
            *out = (mapping_entity)found;
            return CREDO_OK;
        }
    }
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "unknown entity '%s'; use reps, accounts, deals, deal_team, activities, "
                       "deal_history, quotas or registrations",
                       node->kind == POLICY_NODE_SCALAR ? node->text : "(not text)");
}

static credo_status read_delimiter(const policy_reader *reader, const policy_node *node, char *out)
{
    if (node->kind == POLICY_NODE_SCALAR) {
        if (strcmp(node->text, "\\t") == 0 || strcmp(node->text, "tab") == 0) {
            *out = '\t';
            return CREDO_OK;
        }
        if (node->length == 1 && node->text[0] != '"' && node->text[0] != '\r' && node->text[0] != '\n') {
            *out = node->text[0];
            return CREDO_OK;
        }
    }
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "delimiter must be one byte other than a quote or line break, such as \",\" or \"|\"");
}

/* Joins a source file name to the folder of the mapping file. */
static char *resolve_path(const char *mapping_path, const char *file)
{
    if (file[0] == '/')
        return strdup(file);
    const char *slash = strrchr(mapping_path, '/');
    size_t folder = slash == NULL ? 0 : (size_t)(slash - mapping_path) + 1;
    char *path = malloc(folder + strlen(file) + 1);
    if (path == NULL)
        return NULL;
    memcpy(path, mapping_path, folder);
    strcpy(path + folder, file);
    return path;
}

/* Rejects a field mapped twice and a required field not mapped. */
static credo_status check_fields(const policy_reader *reader, const mapping_source *source)
{
    const mapping_field_def *fields = mapping_fields[source->entity];
    size_t count = mapping_field_counts[source->entity];
    for (size_t c = 0; c < source->column_count; c++) {
        /* The subdivision lookup reads the row's country, which only
         * accounts have. */
        if (source->columns[c].transform == TRANSFORM_ISO_SUBDIVISION && source->entity != MAPPING_ACCOUNTS)
            return policy_fail(reader, source->columns[c].pos, CREDO_ERR_INVALID,
                               "iso_subdivision works on accounts only, which have a country to look the "
                               "name up in");
    }
    for (size_t f = 0; f < count; f++) {
        const mapping_column *first = NULL;
        for (size_t c = 0; c < source->column_count; c++) {
            if (source->columns[c].field != (int)f)
                continue;
            if (first != NULL)
                return policy_fail(reader, source->columns[c].pos, CREDO_ERR_INVALID,
                                   "field '%s' is mapped twice (first at line %u); keep one",
                                   fields[f].name, first->pos.line);
            first = &source->columns[c];
        }
        if (first == NULL && fields[f].required)
            return policy_fail(reader, source->pos, CREDO_ERR_INVALID,
                               "%s need the field '%s'; map it to a column or give it a value",
                               mapping_entity_names[source->entity], fields[f].name);
    }
    return CREDO_OK;
}

/* Rejects `aggregate: sum` where nothing would be summed: on a source
 * without group_by every row is its own entity, and attributes are never
 * summed. */
static credo_status check_aggregates(const policy_reader *reader, const mapping_source *source)
{
    for (size_t c = 0; c < source->column_count; c++) {
        const mapping_column *column = &source->columns[c];
        if (!column->sum)
            continue;
        if (column->field < 0)
            return policy_fail(reader, column->sum_pos, CREDO_ERR_INVALID,
                               "attribute '%s' cannot be summed; aggregate works on the fields under "
                               "'columns', so remove it here", column->attribute);
        if (source->group_by == NULL)
            return policy_fail(reader, column->sum_pos, CREDO_ERR_INVALID,
                               "aggregate needs group_by on the source; add group_by with the column "
                               "whose equal values form one entity, or remove the aggregate");
    }
    return CREDO_OK;
}

/* Reads max_record_bytes, a whole number of bytes from 1 to 1 GiB. */
static credo_status read_max_record_bytes(const policy_reader *reader, const policy_node *node,
                                          size_t *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, "max_record_bytes");
    if (status != CREDO_OK)
        return status;

    bool digits = node->plain && node->length > 0 && strspn(node->text, "0123456789") == node->length;
    /* More than ten digits is above the limit; the check keeps strtoull in range. */
    unsigned long long value = digits && node->length <= 10 ? strtoull(node->text, NULL, 10) : 0;
    if (value == 0 || value > MAPPING_MAX_RECORD_BYTES_LIMIT)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "max_record_bytes must be a whole number of bytes from 1 to %zu (1 GiB), "
                           "found '%s'; the default is %u (16 MiB)",
                           MAPPING_MAX_RECORD_BYTES_LIMIT, node->text, CREDO_CSV_DEFAULT_MAX_RECORD);
    *out = (size_t)value;
    return CREDO_OK;
}

static credo_status read_source(const policy_reader *reader, const char *mapping_path,
                                const policy_node *node, mapping_source *source)
{
    static const char *const keys[] = {
        "file", "entity", "delimiter", "date_format", "money_decimals", "group_by", "columns", "attributes",
        "max_record_bytes",
    };
    enum {
        FILE_KEY, ENTITY, DELIMITER, DATE_FORMAT, MONEY_DECIMALS, GROUP_BY, COLUMNS, ATTRIBUTES,
        MAX_RECORD_BYTES, KEY_COUNT
    };
    const policy_node *values[KEY_COUNT];
    source->pos = node->pos;
    source->delimiter = ',';
    source->money_decimals = 2;

    credo_status status = policy_read_keys(reader, node, "a source", keys, KEY_COUNT, values);
    if (status != CREDO_OK)
        return status;
    if (values[FILE_KEY] == NULL || values[ENTITY] == NULL || values[COLUMNS] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "a source needs 'file', 'entity' and 'columns'");

    source->file_pos = values[FILE_KEY]->pos;
    status = policy_read_text(reader, values[FILE_KEY], "file", &source->file);
    if (status == CREDO_OK)
        status = read_entity(reader, values[ENTITY], &source->entity);
    if (status == CREDO_OK && values[DELIMITER] != NULL)
        status = read_delimiter(reader, values[DELIMITER], &source->delimiter);
    if (status == CREDO_OK && values[DATE_FORMAT] != NULL)
        status = policy_read_text(reader, values[DATE_FORMAT], "date_format", &source->date_format);
    if (status == CREDO_OK && values[MONEY_DECIMALS] != NULL) {
        status = policy_read_int(reader, values[MONEY_DECIMALS], "money_decimals", &source->money_decimals);
        if (status == CREDO_OK && (source->money_decimals < 0 || source->money_decimals > 4))
            return policy_fail(reader, values[MONEY_DECIMALS]->pos, CREDO_ERR_INVALID,
                               "money_decimals must be 0 to 4 (2 for USD and EUR, 0 for JPY)");
    }
    if (status == CREDO_OK && values[GROUP_BY] != NULL) {
        source->group_by_pos = values[GROUP_BY]->pos;
        status = policy_read_text(reader, values[GROUP_BY], "group_by", &source->group_by);
    }
    if (status == CREDO_OK && values[MAX_RECORD_BYTES] != NULL)
        status = read_max_record_bytes(reader, values[MAX_RECORD_BYTES], &source->max_record_bytes);
    if (status == CREDO_OK)
        status = read_columns(reader, source, values[COLUMNS], false);
    if (status == CREDO_OK && values[ATTRIBUTES] != NULL) {
        if (source->entity != MAPPING_ACCOUNTS)
            return policy_fail(reader, values[ATTRIBUTES]->pos, CREDO_ERR_INVALID,
                               "only accounts have custom attributes");
        status = read_columns(reader, source, values[ATTRIBUTES], true);
    }
    if (status != CREDO_OK)
        return status;

    source->path = resolve_path(mapping_path, source->file);
    if (source->path == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "out of memory reading %s", reader->path);
    status = check_fields(reader, source);
    if (status == CREDO_OK)
        status = check_aggregates(reader, source);
    return status;
}

static credo_status read_mapping(const policy_reader *reader, const policy_node *root, mapping *map)
{
    if (root == NULL)
        return credo_error_set(reader->err, CREDO_ERR_INVALID,
                               "%s: the mapping is empty; it needs 'credo_mapping: 1' and 'sources'",
                               reader->path);
    static const char *const keys[] = {"credo_mapping", "sources"};
    const policy_node *values[2];
    credo_status status = policy_expect_kind(reader, root, POLICY_NODE_MAPPING, "the mapping");
    if (status == CREDO_OK)
        status = policy_read_keys(reader, root, "the mapping", keys, 2, values);
    if (status != CREDO_OK)
        return status;

    int version = 0;
    if (values[0] == NULL)
        return policy_fail(reader, root->pos, CREDO_ERR_INVALID, "missing 'credo_mapping: 1' (the format version)");
    status = policy_read_int(reader, values[0], "credo_mapping", &version);
    if (status != CREDO_OK)
        return status;
    if (version != 1)
        return policy_fail(reader, values[0]->pos, CREDO_ERR_INVALID,
                           "unknown mapping format version %d; this credo reads version 1", version);
    if (values[1] == NULL)
        return policy_fail(reader, root->pos, CREDO_ERR_INVALID, "missing 'sources', the list of files to import");
    status = policy_expect_kind(reader, values[1], POLICY_NODE_SEQUENCE, "sources");
    if (status != CREDO_OK)
        return status;

    const policy_node *sources = values[1];
    map->sources = calloc(sources->count == 0 ? 1 : sources->count, sizeof *map->sources);
    if (map->sources == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "out of memory reading %s", reader->path);
    for (size_t i = 0; i < sources->count && status == CREDO_OK; i++) {
        map->source_count++;
        status = policy_expect_kind(reader, sources->items[i], POLICY_NODE_MAPPING, "a source");
        if (status == CREDO_OK)
            status = read_source(reader, map->path, sources->items[i], &map->sources[i]);
    }
    return status;
}

/* Maximum size of a mapping file in bytes. */
#define MAPPING_MAX_BYTES ((size_t)1024 * 1024)

static credo_status read_file(const char *path, char **text, size_t *length, credo_error *err)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return credo_error_set(err, CREDO_ERR_NOT_FOUND, "%s: cannot open the mapping file; check the path", path);
    /* fopen opens a folder on Linux, and only the first read fails. */
    struct stat info;
    if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
        fclose(file);
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "%s: the mapping path is a folder, not a file; give the path of the "
                               "mapping file (YAML)", path);
    }
    char *data = malloc(MAPPING_MAX_BYTES + 1);
    size_t got = data == NULL ? 0 : fread(data, 1, MAPPING_MAX_BYTES + 1, file);
    int failed = ferror(file);
    fclose(file);
    if (data == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", path);
    if (failed || got > MAPPING_MAX_BYTES) {
        free(data);
        return credo_error_set(err, failed ? CREDO_ERR_IO : CREDO_ERR_LIMIT,
                               failed ? "%s: cannot read the mapping file" : "%s: the mapping file is larger than 1 MiB",
                               path);
    }
    data[got] = '\0';
    *text = data;
    *length = got;
    return CREDO_OK;
}

credo_status mapping_load(const char *path, mapping **out, credo_error *err)
{
    char *text = NULL;
    size_t length = 0;
    credo_status status = read_file(path, &text, &length, err);
    if (status != CREDO_OK)
        return status;

    mapping *map = calloc(1, sizeof *map);
    policy_lines lines = {0};
    policy_node *root = NULL;
    if (map == NULL || (map->path = strdup(path)) == NULL) {
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    status = policy_lines_init(&lines, text, length);
    if (status != CREDO_OK) {
        credo_error_set(err, status, "out of memory reading %s", path);
        goto out;
    }
    status = policy_tree_read(&lines, path, &root, err);
    if (status == CREDO_OK) {
        const policy_reader reader = {path, &lines, NULL, err};
        status = read_mapping(&reader, root, map);
    }

out:
    policy_node_free(root);
    policy_lines_free(&lines);
    free(text);
    if (status != CREDO_OK) {
        mapping_free(map);
        return status;
    }
    *out = map;
    return CREDO_OK;
}
