/* Benchmark runner: measures, in one process and on the same data, reading
 * the accounts file alone (the floor), indexed assignment (credo), the
 * straightforward per-territory loop (credo_assign_accounts) and the same
 * rules run as SQL by SQLite, and checks that all three agree.
 *
 *   credo_bench_run --dir DIR [--sample K] [--threads T] [--repeat R]
 *
 * DIR holds accounts.csv and policy.yaml (see gen.c). The indexed
 * assignment runs on every account with credo_rule_bound_assign_threads on
 * T threads (default 1), R times (default 3). The figure is the median run,
 * which includes joining the threads' chunks into one assignment. The
 * per-territory loop and SQLite run on the first K accounts of the file
 * (default 1000), and the three results are compared there. Their rates
 * are accounts per second over that sample. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sqlite3.h>

#include "credo/assign_incremental.h"
#include "credo/csv.h"
#include "credo/engine.h"
#include "credo/parse.h"
#include "credo/policy.h"
#include "credo/rule_index.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const credo_error *err)
{
    fprintf(stderr, "credo_bench_run: %s: %s\n", what, err == NULL ? "failed" : err->message);
    exit(3);
}

/* ---- reading ---- */

static size_t read_only(const char *path)
{
    credo_error err = {0};
    credo_csv_reader *reader = NULL;
    if (credo_csv_open(path, NULL, &reader, &err) != CREDO_OK)
        die("opening the accounts", &err);
    size_t records = 0;
    credo_csv_record record;
    while (credo_csv_next(reader, &record, &err) == CREDO_OK && record.count > 0)
        records++;
    if (err.status != CREDO_OK)
        die("reading the accounts", &err);
    credo_csv_close(reader);
    return records > 0 ? records - 1 : 0;
}

enum { COL_ID, COL_NAME, COL_COUNTRY, COL_REGION, COL_POSTAL, COL_CITY, COL_INDUSTRY,
       COL_EMPLOYEES, COL_REVENUE, COL_COUNT };
static const char *const HEADER[COL_COUNT] = {
    "id", "name", "country", "region", "postal_code", "city", "industry", "employees", "annual_revenue",
};

static credo_str intern(credo_snapshot *snapshot, const credo_csv_field *field)
{
    if (field->length == 0)
        return CREDO_STR_NONE;
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern(snapshot->strings, field->data, field->length, &status);
    if (status != CREDO_OK)
        die("interning", NULL);
    return id;
}

static credo_number number(const credo_csv_field *field)
{
    credo_number value = CREDO_NUMBER_NONE;
    credo_error err = {0};
    if (field->length > 0 && credo_parse_number(field->data, field->length, &value, &err) != CREDO_OK)
        die("reading a number", &err);
    return value;
}

static void add_row(credo_snapshot *snapshot, const credo_csv_record *record)
{
    credo_error err = {0};
    size_t row = 0;
    if (record->count < COL_COUNT || credo_snapshot_add_account(snapshot, &row, &err) != CREDO_OK)
        die("adding an account", &err);
    credo_accounts *a = &snapshot->accounts;
    const credo_csv_field *f = record->fields;
    a->id[row] = intern(snapshot, &f[COL_ID]);
    a->name[row] = intern(snapshot, &f[COL_NAME]);
    a->country[row] = intern(snapshot, &f[COL_COUNTRY]);
    a->region[row] = intern(snapshot, &f[COL_REGION]);
    a->postal_code[row] = intern(snapshot, &f[COL_POSTAL]);
    a->city[row] = intern(snapshot, &f[COL_CITY]);
    a->industry[row] = intern(snapshot, &f[COL_INDUSTRY]);
    a->employees[row] = number(&f[COL_EMPLOYEES]);
    a->annual_revenue[row] = number(&f[COL_REVENUE]);
}

/* Loads the first `limit` accounts (all when limit is 0) in the column
 * order gen.c writes, which the header must match. */
static credo_snapshot *load_accounts(const char *path, size_t limit)
{
    credo_error err = {0};
    credo_csv_reader *reader = NULL;
    credo_snapshot *snapshot = NULL;
    if (credo_csv_open(path, NULL, &reader, &err) != CREDO_OK || credo_snapshot_new(&snapshot, &err) != CREDO_OK)
        die("opening the accounts", &err);
    credo_csv_record record;
    if (credo_csv_next(reader, &record, &err) != CREDO_OK || record.count < COL_COUNT)
        die("reading the header", &err);
    for (int c = 0; c < COL_COUNT; c++)
        if (record.fields[c].length != strlen(HEADER[c]) ||
            memcmp(record.fields[c].data, HEADER[c], record.fields[c].length) != 0)
            die("the header differs from gen.c's", NULL);
    size_t rows = 0;
    while ((limit == 0 || rows < limit) && credo_csv_next(reader, &record, &err) == CREDO_OK &&
           record.count > 0) {
        add_row(snapshot, &record);
        rows++;
    }
    if (err.status != CREDO_OK)
        die("reading the accounts", &err);
    credo_csv_close(reader);
    if (credo_snapshot_finish(snapshot, &err) != CREDO_OK)
        die("finishing the snapshot", &err);
    return snapshot;
}

/* ---- the rules as SQL ---- */

static const char *const COLUMNS[] = {
    "id", "name", "country", "region", "postal_code", "city", "industry", "parent",
    "employees", "annual_revenue", "potential",
};

static void sql_value(credo_buf *sql, const credo_value *value)
{
    if (value->kind == CREDO_VALUE_NUMBER) {
        credo_buf_printf(sql, "%" PRId64, value->number);
        return;
    }
    credo_buf_puts(sql, "'");
    for (size_t i = 0; i < value->length; i++)
        credo_buf_append(sql, value->text[i] == '\'' ? "''" : value->text + i, value->text[i] == '\'' ? 2 : 1);
    credo_buf_puts(sql, "'");
}

/* Whether every item of an "in" list is a single value, which SQL can
 * test as one IN list. */
static bool plain_list(const credo_expr_node *node)
{
    if (node->kind != CREDO_EXPR_IN)
        return false;
    for (size_t i = 0; i < node->item_count; i++)
        if (node->items[i].is_range)
            return false;
    return true;
}

/* Translates the items of an "in" or starts_with test. A list of single
 * values becomes `column IN (...)`, because SQLite limits an expression
 * tree to 1,000 levels and a chain of ORs over a 10,000-code list passes
 * that. */
static void sql_items(credo_buf *sql, const char *column, const credo_expr_node *node)
{
    if (plain_list(node)) {
        credo_buf_printf(sql, "(%s IN (", column);
        for (size_t i = 0; i < node->item_count; i++) {
            credo_buf_puts(sql, i > 0 ? ", " : "");
            sql_value(sql, &node->items[i].low);
        }
        credo_buf_puts(sql, "))");
        return;
    }
    credo_buf_puts(sql, "(");
    for (size_t i = 0; i < node->item_count; i++) {
        const credo_expr_item *item = &node->items[i];
        credo_buf_puts(sql, i > 0 ? " OR " : "");
        if (node->kind == CREDO_EXPR_STARTS_WITH) {
            credo_buf_printf(sql, "substr(%s, 1, %zu) = ", column, item->low.length);
            sql_value(sql, &item->low);
        } else if (item->is_range) {
            credo_buf_printf(sql, "%s BETWEEN ", column);
            sql_value(sql, &item->low);
            credo_buf_puts(sql, " AND ");
            sql_value(sql, &item->high);
        } else {
            credo_buf_printf(sql, "%s = ", column);
            sql_value(sql, &item->low);
        }
    }
    credo_buf_puts(sql, ")");
}

/* A test on a missing value is false whatever its operator, so every test
 * is guarded by IS NOT NULL; then NOT inverts it as credo's "not" does. */
static int sql_test(credo_buf *sql, const credo_expr_node *node)
{
    static const char *const OPS[] = {"=", "!=", "<", "<=", ">", ">="};
    if (node->field >= CREDO_FIELD_ACCOUNT_COUNT)
        return -1; /* custom attributes are not in the benchmark table */
    const char *column = COLUMNS[node->field];
    credo_buf_printf(sql, "(%s IS NOT NULL AND ", column);
    if (node->kind == CREDO_EXPR_COMPARE) {
        credo_buf_printf(sql, "%s %s ", column, OPS[node->op]);
        sql_value(sql, &node->value);
    } else {
        credo_buf_puts(sql, node->negated ? "NOT " : "");
        sql_items(sql, column, node);
    }
    credo_buf_puts(sql, ")");
    return 0;
}

static int sql_expr(credo_buf *sql, const credo_expr_node *node)
{
    switch (node->kind) {
    case CREDO_EXPR_NOT:
        credo_buf_puts(sql, "NOT (");
        if (sql_expr(sql, node->left) != 0)
            return -1;
        credo_buf_puts(sql, ")");
        return 0;
    case CREDO_EXPR_AND:
    case CREDO_EXPR_OR:
        credo_buf_puts(sql, "(");
        if (sql_expr(sql, node->left) != 0)
            return -1;
        credo_buf_puts(sql, node->kind == CREDO_EXPR_AND ? " AND " : " OR ");
        if (sql_expr(sql, node->right) != 0)
            return -1;
        credo_buf_puts(sql, ")");
        return 0;
    default:
        return sql_test(sql, node);
    }
}

static void exec(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        fprintf(stderr, "credo_bench_run: SQLite: %s\n", message);
        exit(4);
    }
}

static void bind_text(sqlite3_stmt *stmt, int index, const credo_snapshot *s, credo_str id)
{
    if (id == CREDO_STR_NONE)
        sqlite3_bind_null(stmt, index);
    else
        sqlite3_bind_text(stmt, index, credo_snapshot_text(s, id), -1, SQLITE_STATIC);
}

static void bind_number(sqlite3_stmt *stmt, int index, credo_number value)
{
    if (value == CREDO_NUMBER_NONE)
        sqlite3_bind_null(stmt, index);
    else
        sqlite3_bind_int64(stmt, index, value);
}

/* An in-memory table of the sample, numbers scaled as credo_number. */
static sqlite3 *sql_load(const credo_snapshot *s)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        die("opening SQLite", NULL);
    exec(db, "CREATE TABLE accounts (row INTEGER PRIMARY KEY, id TEXT, name TEXT, country TEXT, "
             "region TEXT, postal_code TEXT, city TEXT, industry TEXT, parent TEXT, employees INTEGER, "
             "annual_revenue INTEGER, potential INTEGER)");
    exec(db, "BEGIN");
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO accounts VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", -1, &stmt, NULL);
    const credo_accounts *a = &s->accounts;
    for (size_t r = 0; r < a->count; r++) {
        const credo_str texts[] = {a->id[r], a->name[r], a->country[r], a->region[r], a->postal_code[r],
                                   a->city[r], a->industry[r], a->parent_id[r]};
        sqlite3_bind_int64(stmt, 1, (sqlite3_int64)r);
        for (int i = 0; i < 8; i++)
            bind_text(stmt, 2 + i, s, texts[i]);
        bind_number(stmt, 10, a->employees[r]);
        bind_number(stmt, 11, a->annual_revenue[r]);
        bind_number(stmt, 12, a->potential[r]);
        sqlite3_step(stmt);
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    exec(db, "COMMIT");
    exec(db, "CREATE INDEX accounts_postal ON accounts (postal_code)");
    exec(db, "CREATE INDEX accounts_region ON accounts (region)");
    exec(db, "CREATE INDEX accounts_industry ON accounts (industry)");
    exec(db, "CREATE INDEX accounts_id ON accounts (id)");
    return db;
}

/* Territory matches of every sample row: matched[row * stride + t]. */
static int sql_match(sqlite3 *db, const credo_policy *policy, size_t rows, uint8_t *matched)
{
    credo_buf sql = CREDO_BUF_INIT;
    int status = 0;
    for (size_t t = 0; t < policy->territory_count && status == 0; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        if (territory->type_id == NULL || territory->match == NULL)
            continue;
        credo_buf_reset(&sql);
        credo_buf_puts(&sql, "SELECT row FROM accounts WHERE ");
        if (sql_expr(&sql, credo_expr_root(territory->match)) != 0) {
            status = -1;
            break;
        }
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(db, credo_buf_text(&sql), -1, &stmt, NULL) != SQLITE_OK) {
            fprintf(stderr, "credo_bench_run: SQLite: %s\n", sqlite3_errmsg(db));
            exit(4);
        }
        while (sqlite3_step(stmt) == SQLITE_ROW)
            matched[(size_t)sqlite3_column_int64(stmt, 0) * policy->territory_count + t] = 1;
        sqlite3_finalize(stmt);
    }
    credo_buf_free(&sql);
    (void)rows;
    return status;
}

/* ---- comparing ---- */

static uint32_t row_of(const credo_snapshot *s, const char *id)
{
    return credo_snapshot_find_account(s, credo_strpool_find(s->strings, id, strlen(id)));
}

/* Applies named and excluded lists to the SQL matches, as docs/policy.md
 * states them: named always matches, excluded never (named wins). */
static void sql_apply_lists(const credo_snapshot *s, const credo_policy *policy, uint8_t *matched)
{
    size_t stride = policy->territory_count;
    for (size_t t = 0; t < stride; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        if (territory->type_id == NULL)
            continue;
        for (size_t i = 0; i < territory->excluded_count; i++) {
            uint32_t row = row_of(s, territory->excluded_accounts[i]);
            if (row != CREDO_NO_ROW)
                matched[row * stride + t] = 0;
        }
    }
    for (size_t t = 0; t < stride; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        for (size_t i = 0; territory->type_id != NULL && i < territory->named_count; i++) {
            uint32_t row = row_of(s, territory->named_accounts[i]);
            if (row != CREDO_NO_ROW)
                matched[row * stride + t] = 1;
        }
    }
}

static bool in_list(const uint32_t *list, uint32_t from, uint32_t to, uint32_t t)
{
    for (uint32_t i = from; i < to; i++)
        if (list[i] == t)
            return true;
    return false;
}

/* Whether the SQL matches of `row` give the same top-priority set and
 * overlays as the assignment. */
static bool sql_agrees(const credo_policy *policy, const uint8_t *matched, const credo_assignment *a,
                       size_t row)
{
    size_t stride = policy->territory_count;
    int best = INT32_MIN;
    for (size_t t = 0; t < stride; t++) {
        const credo_policy_type *type = matched[row * stride + t] ? &policy->types[policy->territories[t].type_index] : NULL;
        if (type != NULL && !type->overlay && type->priority > best)
            best = type->priority;
    }
    uint32_t tied = 0, overlays = 0;
    for (size_t t = 0; t < stride; t++) {
        if (!matched[row * stride + t])
            continue;
        const credo_policy_type *type = &policy->types[policy->territories[t].type_index];
        bool overlay = type->overlay;
        if (!overlay && type->priority != best)
            continue;
        const uint32_t *list = overlay ? a->overlays : a->tied;
        const uint32_t *start = overlay ? a->overlay_start : a->tied_start;
        if (!in_list(list, start[row], start[row + 1], (uint32_t)t))
            return false;
        *(overlay ? &overlays : &tied) += 1;
    }
    return tied == a->tied_start[row + 1] - a->tied_start[row] &&
           overlays == a->overlay_start[row + 1] - a->overlay_start[row];
}

static bool same_assignment(const credo_assignment *x, const credo_assignment *y)
{
    if (x->count != y->count || x->tied_start[x->count] != y->tied_start[y->count] ||
        x->overlay_start[x->count] != y->overlay_start[y->count])
        return false;
    size_t n = x->count;
    return memcmp(x->status, y->status, n) == 0 &&
           memcmp(x->territory, y->territory, n * sizeof *x->territory) == 0 &&
           memcmp(x->tied_start, y->tied_start, (n + 1) * sizeof *x->tied_start) == 0 &&
           memcmp(x->overlay_start, y->overlay_start, (n + 1) * sizeof *x->overlay_start) == 0 &&
           memcmp(x->tied, y->tied, x->tied_start[n] * sizeof *x->tied) == 0 &&
           memcmp(x->overlays, y->overlays, x->overlay_start[n] * sizeof *x->overlays) == 0;
}

/* ---- main ---- */

typedef struct results {
    size_t accounts, territories, sample, threads, repeat;
    double assign_runs_s[64];
    double read_s, load_s, policy_s, build_s, bind_s, assign_s, naive_s, sql_load_s, sql_s;
    bool sql_ok, agree_naive, agree_sql, agree_incremental;
    double incremental_rows_s, incremental_territories_s;
    size_t changed_rows, reevaluated_rows, changed_territories, reevaluated_territories;
    credo_rule_index_stats stats;
    size_t assigned, overlaps, gaps, overlay_entries;
    uint64_t digest;
} results;

/* Assigns every row on `threads` threads with credo_rule_bound_assign_threads,
 * which joins the chunks into one assignment. */
static credo_assignment *assign_threads(const credo_rule_bound *bound, size_t threads)
{
    credo_error err = {0};
    credo_assignment *a = NULL;
    if (credo_rule_bound_assign_threads(bound, threads, NULL, &a, &err) != CREDO_OK)
        die("assigning", &err);
    return a;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static bool same_assignment(const credo_assignment *x, const credo_assignment *y);

/* Gives `count` random accounts the postal code, region and employee count
 * of other random rows, so that every new value is one the binding already
 * ranked, and lists their rows. */
static void change_accounts(credo_snapshot *s, uint32_t *rows, size_t count)
{
    uint64_t state = 42;
    credo_accounts *a = &s->accounts;
    for (size_t i = 0; i < count; i++) {
        state = state * UINT64_C(6364136223846793005) + 1442695040888963407u;
        size_t row = (size_t)(state >> 33) % a->count;
        state = state * UINT64_C(6364136223846793005) + 1442695040888963407u;
        size_t other = (size_t)(state >> 33) % a->count;
        a->postal_code[row] = a->postal_code[other];
        a->region[row] = a->region[other];
        a->employees[row] = a->employees[(other * 7 + 3) % a->count];
        rows[i] = (uint32_t)row;
    }
}

/* Changes 1% of the accounts, times credo_assign_incremental against the
 * assignment before the change and checks it against a full run; then does
 * the same with 0.05% of the territories declared changed. */
static void measure_incremental(results *r, credo_snapshot *s, const credo_policy *policy,
                                const credo_rule_bound *bound, const credo_assignment *previous)
{
    credo_error err = {0};
    size_t count = s->accounts.count / 100 > 0 ? s->accounts.count / 100 : 1;
    uint32_t *rows = malloc(count * sizeof *rows);
    if (rows == NULL)
        die("allocating the changed rows", NULL);
    change_accounts(s, rows, count);
    credo_assignment *after = NULL, *full = NULL;
    double t0 = now_s();
    if (credo_assign_incremental(s, policy, bound, previous, rows, count, NULL, 0, &after, &r->reevaluated_rows,
                                 &err) != CREDO_OK)
        die("assigning incrementally", &err);
    r->incremental_rows_s = now_s() - t0;
    r->changed_rows = count;
    if (credo_rule_bound_assign(bound, 0, s->accounts.count, &full, &err) != CREDO_OK)
        die("assigning after the change", &err);
    r->agree_incremental = same_assignment(after, full);

    /* Territories declared changed without changing them: the rows they
     * reach are evaluated again and the result must not move. */
    size_t territories = policy->territory_count / 2000 > 0 ? policy->territory_count / 2000 : 1;
    uint32_t *changed = malloc(territories * sizeof *changed);
    credo_assignment *again = NULL;
    if (changed == NULL)
        die("allocating the changed territories", NULL);
    for (size_t i = 0; i < territories; i++)
        changed[i] = (uint32_t)((i * 7919 + 13) % policy->territory_count);
    t0 = now_s();
    if (credo_assign_incremental(s, policy, bound, full, NULL, 0, changed, territories, &again,
                                 &r->reevaluated_territories, &err) != CREDO_OK)
        die("assigning incrementally after territory changes", &err);
    r->incremental_territories_s = now_s() - t0;
    r->changed_territories = territories;
    r->agree_incremental = r->agree_incremental && same_assignment(again, full);
    credo_assignment_free(after);
    credo_assignment_free(full);
    credo_assignment_free(again);
    free(changed);
    free(rows);
}

static uint64_t fnv1a(uint64_t hash, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ bytes[i]) * UINT64_C(0x100000001B3);
    return hash;
}

/* FNV-1a over every array of the assignment, so that two builds can be
 * compared on all rows and not only on the sample. */
static uint64_t assignment_digest(const credo_assignment *a)
{
    size_t rows = a->count;
    uint64_t hash = fnv1a(UINT64_C(0xCBF29CE484222325), a->status, rows);
    hash = fnv1a(hash, a->territory, rows * sizeof *a->territory);
    hash = fnv1a(hash, a->tied_start, (rows + 1) * sizeof *a->tied_start);
    hash = fnv1a(hash, a->overlay_start, (rows + 1) * sizeof *a->overlay_start);
    hash = fnv1a(hash, a->tied, a->tied_start[rows] * sizeof *a->tied);
    return fnv1a(hash, a->overlays, a->overlay_start[rows] * sizeof *a->overlays);
}

static void measure_credo(results *r, const credo_snapshot *s, const credo_policy *policy)
{
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_assignment *assignment = NULL;
    double t0 = now_s();
    if (credo_rule_index_build(policy, &index, &err) != CREDO_OK)
        die("building the index", &err);
    double t1 = now_s();
    if (credo_rule_index_bind(index, s, &bound, &err) != CREDO_OK)
        die("binding the index", &err);
    double t2 = now_s();
    for (size_t run = 0; run < r->repeat; run++) {
        double start = now_s();
        credo_assignment *next = assign_threads(bound, r->threads);
        r->assign_runs_s[run] = now_s() - start;
        credo_assignment_free(assignment);
        assignment = next;
    }
    double sorted[64];
    memcpy(sorted, r->assign_runs_s, r->repeat * sizeof *sorted);
    qsort(sorted, r->repeat, sizeof *sorted, compare_doubles);
    r->build_s = t1 - t0;
    r->bind_s = t2 - t1;
    r->assign_s = sorted[r->repeat / 2];
    measure_incremental(r, (credo_snapshot *)s, policy, bound, assignment);
    credo_rule_index_stats_get(index, bound, &r->stats);
    for (size_t i = 0; i < assignment->count; i++) {
        r->assigned += assignment->status[i] == CREDO_ACCOUNT_ASSIGNED;
        r->overlaps += assignment->status[i] == CREDO_ACCOUNT_OVERLAP;
        r->gaps += assignment->status[i] == CREDO_ACCOUNT_GAP;
    }
    r->overlay_entries = assignment->overlay_start[assignment->count];
    r->digest = assignment_digest(assignment);
    credo_assignment_free(assignment);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
}

static void measure_baselines(results *r, const credo_snapshot *sample, const credo_policy *policy)
{
    credo_error err = {0};
    credo_assignment *naive = NULL, *indexed = NULL;
    credo_rule_index *index = NULL;
    double t0 = now_s();
    if (credo_assign_accounts(sample, policy, &naive, &err) != CREDO_OK)
        die("assigning with the per-territory loop", &err);
    r->naive_s = now_s() - t0;
    if (credo_rule_index_build(policy, &index, &err) != CREDO_OK ||
        credo_assign_accounts_indexed(sample, policy, index, &indexed, &err) != CREDO_OK)
        die("assigning the sample", &err);
    r->agree_naive = same_assignment(naive, indexed);

    double t1 = now_s();
    sqlite3 *db = sql_load(sample);
    double t2 = now_s();
    size_t stride = policy->territory_count;
    uint8_t *matched = calloc(sample->accounts.count * stride + 1, 1);
    if (matched == NULL)
        die("allocating the SQL matches", NULL);
    r->sql_ok = sql_match(db, policy, sample->accounts.count, matched) == 0;
    r->sql_s = now_s() - t2;
    r->sql_load_s = t2 - t1;
    sql_apply_lists(sample, policy, matched);
    r->agree_sql = r->sql_ok;
    for (size_t row = 0; r->agree_sql && row < sample->accounts.count; row++)
        r->agree_sql = sql_agrees(policy, matched, naive, row);
    free(matched);
    sqlite3_close(db);
    credo_assignment_free(naive);
    credo_assignment_free(indexed);
    credo_rule_index_free(index);
}

static void print_json(const results *r)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double credo_rate = (double)r->accounts / r->assign_s;
    double naive_rate = (double)r->sample / r->naive_s;
    double sql_rate = (double)r->sample / r->sql_s;
    printf("{\"accounts\": %zu, \"territories\": %zu, \"sample_accounts\": %zu,\n", r->accounts,
           r->territories, r->sample);
    printf(" \"threads\": %zu, \"assign_runs_s\": [", r->threads);
    for (size_t i = 0; i < r->repeat; i++)
        printf("%s%.3f", i > 0 ? ", " : "", r->assign_runs_s[i]);
    printf("],\n \"credo_accounts_per_s\": %.0f, \"credo_accounts_per_s_per_core\": %.0f,\n", credo_rate,
           credo_rate / (double)r->threads);
    printf(" \"sqlite_accounts_per_s\": %.1f,\n", sql_rate);
    printf(" \"naive_accounts_per_s\": %.1f, \"read_only_accounts_per_s\": %.0f,\n", naive_rate,
           (double)r->accounts / r->read_s);
    /* Both baselines run on one thread, so they are set against credo's
     * rate per core. */
    printf(" \"ratio_vs_sqlite\": %.1f, \"ratio_vs_naive\": %.1f,\n", credo_rate / (double)r->threads / sql_rate,
           credo_rate / (double)r->threads / naive_rate);
    printf(" \"index_build_s\": %.3f, \"index_compile_s\": %.3f, \"index_bind_s\": %.3f, \"assign_s\": %.3f,\n",
           r->build_s + r->bind_s, r->build_s, r->bind_s, r->assign_s);
    printf(" \"csv_load_s\": %.3f, \"policy_parse_s\": %.3f, \"sqlite_load_s\": %.3f,\n", r->load_s,
           r->policy_s, r->sql_load_s);
    printf(" \"peak_rss_bytes\": %ld, \"index_bytes\": %zu,\n", usage.ru_maxrss * 1024L, r->stats.bytes);
    printf(" \"conjunctions\": %zu, \"anchored\": %zu, \"composite\": %zu, \"always_checked\": %zu,"
           " \"postings\": %zu,\n",
           r->stats.conjunctions, r->stats.anchored, r->stats.composite, r->stats.always_checked,
           r->stats.postings);
    printf(" \"assigned\": %zu, \"overlaps\": %zu, \"gaps\": %zu, \"overlays_per_account\": %.2f,\n",
           r->assigned, r->overlaps, r->gaps, (double)r->overlay_entries / (double)r->accounts);
    printf(" \"assignment_digest\": \"%016" PRIx64 "\", \"order_codes\": %zu,\n", r->digest,
           r->stats.order_codes);
    printf(" \"baselines_sampled\": %s, \"sqlite_translated\": %s,\n", r->sample < r->accounts ? "true" : "false",
           r->sql_ok ? "true" : "false");
    printf(" \"incremental_changed_rows\": %zu, \"incremental_reevaluated\": %zu, \"incremental_s\": %.4f,\n",
           r->changed_rows, r->reevaluated_rows, r->incremental_rows_s);
    printf(" \"incremental_changed_territories\": %zu, \"incremental_territories_reevaluated\": %zu,"
           " \"incremental_territories_s\": %.4f,\n",
           r->changed_territories, r->reevaluated_territories, r->incremental_territories_s);
    printf(" \"agree_incremental\": %s,\n", r->agree_incremental ? "true" : "false");
    printf(" \"agree\": %s}\n", r->agree_naive && r->agree_sql ? "true" : "false");
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    size_t sample = 1000, threads = 1, repeat = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--sample") == 0 && i + 1 < argc)
            sample = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = strtoull(argv[++i], NULL, 10);
    }
    if (dir == NULL || sample == 0 || threads == 0 || threads > 64 || repeat == 0 || repeat > 64) {
        fprintf(stderr, "usage: credo_bench_run --dir DIR [--sample K] [--threads 1-64] [--repeat 1-64]\n");
        return 2;
    }
    char accounts_path[4096], policy_path[4096];
    snprintf(accounts_path, sizeof accounts_path, "%s/accounts.csv", dir);
    snprintf(policy_path, sizeof policy_path, "%s/policy.yaml", dir);

    results r = {.threads = threads, .repeat = repeat};
    double t0 = now_s();
    r.accounts = read_only(accounts_path);
    double t1 = now_s();
    credo_snapshot *snapshot = load_accounts(accounts_path, 0);
    double t2 = now_s();
    credo_error err = {0};
    credo_policy *policy = NULL;
    if (credo_policy_load(policy_path, &policy, &err) != CREDO_OK)
        die("loading the policy", &err);
    double t3 = now_s();
    r.read_s = t1 - t0;
    r.load_s = t2 - t1;
    r.policy_s = t3 - t2;
    r.territories = policy->territory_count;

    measure_credo(&r, snapshot, policy);
    credo_snapshot_free(snapshot);
    credo_snapshot *sampled = load_accounts(accounts_path, sample);
    r.sample = sampled->accounts.count;
    measure_baselines(&r, sampled, policy);
    credo_snapshot_free(sampled);
    print_json(&r);
    credo_policy_free(policy);
    return r.agree_naive && r.agree_sql && r.agree_incremental ? 0 : 1;
}
