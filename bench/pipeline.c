/* Pipeline benchmark: from the accounts CSV file to a stored assignment,
 * stage by stage, then an incremental run after 1% of the accounts change.
 *
 *   credo_bench_pipeline --dir DIR [--threads T] [--db PATH] [--store packed|rows]
 *
 * DIR contains accounts.csv and policy.yaml (see gen.c). The stages are:
 * ingest (credo_ingest_accounts on T threads), policy (credo_policy_load),
 * index (compile and bind), assign (credo_rule_bound_assign_threads on T
 * threads), store (the whole assignment in one transaction, into a new
 * SQLite file at PATH, default DIR/pipeline.db, removed first). The
 * incremental part changes 1% of the rows as runner.c does, re-assigns
 * them with credo_assign_incremental and overwrites only their stored
 * results, in one transaction. --store packed (the default) stores with
 * credo_store_put_assignment_packed and credo_store_update_assignment_packed;
 * --store rows with credo_store_put_assignment_rows, one row per account,
 * for comparison. Prints one JSON object. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credo/assign_incremental.h"
#include "credo/ingest.h"
#include "credo/policy.h"
#include "credo/rule_index.h"
#include "credo/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(credo_status status, const char *what, const credo_error *err)
{
    if (status == CREDO_OK)
        return;
    fprintf(stderr, "credo_bench_pipeline: %s: %s\n", what, err->message);
    exit(3);
}

typedef enum store_mode { STORE_PACKED, STORE_ROWS } store_mode;

typedef struct timings {
    double ingest, policy, index, assign, store, total;
    double incremental_assign, incremental_store;
    size_t bytes, accounts, changed;
    int64_t stored[3];
} timings;

static int compare_rows(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Gives 1% of the rows the postal code, region and employee count of
 * other rows (as runner.c does) and returns the changed rows, sorted and
 * without repeats. */
static uint32_t *change_accounts(credo_snapshot *s, size_t *count)
{
    uint64_t state = 42;
    credo_accounts *a = &s->accounts;
    size_t n = a->count / 100 > 0 ? a->count / 100 : 1;
    uint32_t *rows = malloc(n * sizeof *rows);
    if (rows == NULL)
        exit(3);
    for (size_t i = 0; i < n; i++) {
        state = state * UINT64_C(6364136223846793005) + 1442695040888963407u;
        size_t row = (size_t)(state >> 33) % a->count;
        state = state * UINT64_C(6364136223846793005) + 1442695040888963407u;
        size_t other = (size_t)(state >> 33) % a->count;
        a->postal_code[row] = a->postal_code[other];
        a->region[row] = a->region[other];
        a->employees[row] = a->employees[(other * 7 + 3) % a->count];
        rows[i] = (uint32_t)row;
    }
    qsort(rows, n, sizeof *rows, compare_rows);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (kept == 0 || rows[kept - 1] != rows[i])
            rows[kept++] = rows[i];
    *count = kept;
    return rows;
}

/* Counts the stored results of run_id by status, outside the timed part. */
static void count_stored(credo_store *store, store_mode mode, int64_t run_id, int64_t counts[3])
{
    credo_error err = {0};
    if (mode == STORE_ROWS) {
        check(credo_store_count_assignment_rows(store, run_id, counts, &err), "counting", &err);
        return;
    }
    uint8_t *status = NULL;
    uint32_t *territory = NULL;
    size_t count = 0;
    check(credo_store_read_assignment_packed(store, run_id, &status, &territory, &count, &err), "reading back",
          &err);
    for (size_t row = 0; row < count; row++)
        if (status[row] < 3)
            counts[status[row]]++;
    credo_store_packed_free(status, territory);
}

static void store_all(timings *t, store_mode mode, const char *db, const credo_snapshot *s,
                      const credo_policy *policy, const credo_assignment *a, int64_t *run_id)
{
    credo_error err = {0};
    credo_store *store = NULL;
    double t0 = now_s();
    check(credo_store_open(db, &store, &err), "opening the store", &err);
    check(credo_store_begin(store, &err), "beginning", &err);
    credo_run_record record = {"2026-12-04", policy->path, policy->text, "{}"};
    check(credo_store_add_run(store, &record, run_id, &err), "adding the run", &err);
    if (mode == STORE_ROWS)
        check(credo_store_put_assignment_rows(store, *run_id, s, policy, a, NULL, 0, NULL, &err), "storing", &err);
    else
        check(credo_store_put_assignment_packed(store, *run_id, a, policy, NULL, &err), "storing", &err);
    check(credo_store_commit(store, &err), "committing", &err);
    t->store = now_s() - t0;
    count_stored(store, mode, *run_id, t->stored);
    credo_store_close(store);
}

static void incremental(timings *t, store_mode mode, const char *db, credo_snapshot *s, const credo_policy *policy,
                        const credo_rule_bound *bound, const credo_assignment *previous, int64_t run_id)
{
    credo_error err = {0};
    uint32_t *rows = change_accounts(s, &t->changed);
    credo_assignment *after = NULL;
    double t0 = now_s();
    check(credo_assign_incremental(s, policy, bound, previous, rows, t->changed, NULL, 0, &after, NULL, &err),
          "assigning incrementally", &err);
    double t1 = now_s();
    credo_store *store = NULL;
    check(credo_store_open(db, &store, &err), "opening the store", &err);
    check(credo_store_begin(store, &err), "beginning", &err);
    if (mode == STORE_ROWS)
        check(credo_store_put_assignment_rows(store, run_id, s, policy, after, rows, t->changed, NULL, &err),
              "storing the changed rows", &err);
    else
        check(credo_store_update_assignment_packed(store, run_id, after, rows, t->changed, &err),
              "storing the changed rows", &err);
    check(credo_store_commit(store, &err), "committing", &err);
    credo_store_close(store);
    t->incremental_assign = t1 - t0;
    t->incremental_store = now_s() - t1;
    credo_assignment_free(after);
    free(rows);
}

static void print_json(const timings *t, size_t threads, store_mode mode)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"accounts\": %zu, \"bytes\": %zu, \"threads\": %zu, \"store\": \"%s\",\n", t->accounts, t->bytes,
           threads, mode == STORE_ROWS ? "rows" : "packed");
    printf(" \"ingest_s\": %.3f, \"ingest_mb_per_s\": %.1f, \"policy_s\": %.3f, \"index_s\": %.3f,\n", t->ingest,
           (double)t->bytes / 1e6 / t->ingest, t->policy, t->index);
    printf(" \"assign_s\": %.3f, \"store_s\": %.3f, \"total_s\": %.3f,\n", t->assign, t->store, t->total);
    printf(" \"stored_assigned\": %lld, \"stored_overlap\": %lld, \"stored_gap\": %lld,\n",
           (long long)t->stored[0], (long long)t->stored[1], (long long)t->stored[2]);
    printf(" \"incremental_rows\": %zu, \"incremental_assign_s\": %.3f, \"incremental_store_s\": %.3f,\n",
           t->changed, t->incremental_assign, t->incremental_store);
    printf(" \"peak_rss_bytes\": %ld}\n", usage.ru_maxrss * 1024L);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *db_arg = NULL;
    size_t threads = 2;
    store_mode mode = STORE_PACKED;
    bool mode_known = true;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0)
            threads = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--db") == 0)
            db_arg = argv[i + 1];
        else if (strcmp(argv[i], "--store") == 0) {
            mode_known = strcmp(argv[i + 1], "packed") == 0 || strcmp(argv[i + 1], "rows") == 0;
            mode = strcmp(argv[i + 1], "rows") == 0 ? STORE_ROWS : STORE_PACKED;
        }
    }
    if (dir == NULL || threads == 0 || threads > CREDO_PARALLEL_MAX_THREADS || !mode_known) {
        fprintf(stderr, "usage: credo_bench_pipeline --dir DIR [--threads 1-64] [--db PATH] [--store packed|rows]\n");
        return 2;
    }
    char accounts[4096], policy_path[4096], db[4096], wal[4200];
    snprintf(accounts, sizeof accounts, "%s/accounts.csv", dir);
    snprintf(policy_path, sizeof policy_path, "%s/policy.yaml", dir);
    snprintf(db, sizeof db, "%s", db_arg != NULL ? db_arg : dir);
    if (db_arg == NULL)
        snprintf(db, sizeof db, "%s/pipeline.db", dir);
    unlink(db);
    snprintf(wal, sizeof wal, "%s-wal", db);
    unlink(wal);

    timings t = {0};
    struct stat info;
    t.bytes = stat(accounts, &info) == 0 ? (size_t)info.st_size : 0;
    credo_error err = {0};
    credo_snapshot *s = NULL;
    credo_policy *policy = NULL;
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_assignment *a = NULL;
    credo_ingest_options options = {threads, 0, NULL, NULL};
    double t0 = now_s();
    check(credo_ingest_accounts(accounts, &options, &s, &err), "ingesting", &err);
    double t1 = now_s();
    check(credo_policy_load(policy_path, &policy, &err), "loading the policy", &err);
    double t2 = now_s();
    check(credo_rule_index_build(policy, &index, &err), "compiling", &err);
    check(credo_rule_index_bind(index, s, &bound, &err), "binding", &err);
    double t3 = now_s();
    check(credo_rule_bound_assign_threads(bound, threads, NULL, &a, &err), "assigning", &err);
    double t4 = now_s();
    int64_t run_id = 0;
    store_all(&t, mode, db, s, policy, a, &run_id);
    t.total = now_s() - t0;
    t.ingest = t1 - t0;
    t.policy = t2 - t1;
    t.index = t3 - t2;
    t.assign = t4 - t3;
    t.accounts = s->accounts.count;
    incremental(&t, mode, db, s, policy, bound, a, run_id);
    print_json(&t, threads, mode);
    credo_assignment_free(a);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(s);
    return 0;
}
