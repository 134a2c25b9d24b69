/* Pipeline benchmark: from the accounts CSV file to a stored assignment,
 * stage by stage, then an incremental run after 1% of the accounts change.
 *
 *   credo_bench_pipeline --dir DIR [--threads T] [--db PATH] [--store packed|rows]
 *                        [--incremental update|copy] [--verify]
 *
 * DIR contains accounts.csv and policy.yaml (see gen.c). The stages are:
 * ingest (credo_ingest_accounts on T threads), policy (credo_policy_load),
 * index (compile and bind), assign (credo_rule_bound_assign_threads on T
 * threads), store (the whole assignment in one transaction, into a new
 * SQLite file at PATH, default DIR/pipeline.db, removed first). The
 * incremental part changes 1% of the rows as runner.c does, re-assigns
 * them and overwrites only their stored results, in one transaction.
 * --incremental update (the default) re-assigns with
 * credo_assign_incremental_update, in place; copy with
 * credo_assign_incremental, into a new assignment. --store packed (the
 * default) stores with credo_store_put_assignment_packed and
 * credo_store_update_assignment_packed; --store rows with
 * credo_store_put_assignment_rows, one row per account, for comparison.
 * The incremental store time runs from opening the store to closing it;
 * incremental_write_s and incremental_commit_s are the update call and the
 * commit within it. --verify (with --store packed) then assigns the
 * changed accounts again in full, on a new binding, and compares the
 * incremental result with it, in memory and as stored. The output then
 * contains "verified", and the process exits with 1 on a difference.
 * Prints one JSON object, whose peak RSS is taken before that check. */
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
typedef enum incremental_mode { INCREMENTAL_UPDATE, INCREMENTAL_COPY } incremental_mode;

typedef struct timings {
    double ingest, policy, index, assign, store, total;
    double incremental_assign, incremental_store, incremental_write, incremental_commit;
    size_t bytes, accounts, changed;
    long peak_rss;
    int verified; /* 1 or 0 after --verify, else -1 */
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

/* Re-assigns the changed rows of *a, in place or into a new assignment
 * that replaces *a. Returns the replaced assignment, for the caller to
 * free outside the timed part, or NULL. */
static credo_assignment *reassign(incremental_mode mode, const credo_snapshot *s, const credo_policy *policy,
                                  const credo_rule_bound *bound, credo_assignment **a, const uint32_t *rows,
                                  size_t count)
{
    credo_error err = {0};
    if (mode == INCREMENTAL_UPDATE) {
        check(credo_assign_incremental_update(s, policy, bound, *a, rows, count, NULL, 0, NULL, &err),
              "assigning incrementally in place", &err);
        return NULL;
    }
    credo_assignment *before = *a;
    check(credo_assign_incremental(s, policy, bound, before, rows, count, NULL, 0, a, NULL, &err),
          "assigning incrementally", &err);
    return before;
}

static void incremental(timings *t, store_mode mode, incremental_mode assign_mode, const char *db,
                        credo_snapshot *s, const credo_policy *policy, const credo_rule_bound *bound,
                        credo_assignment **a, int64_t run_id)
{
    credo_error err = {0};
    uint32_t *rows = change_accounts(s, &t->changed);
    double t0 = now_s();
    credo_assignment *replaced = reassign(assign_mode, s, policy, bound, a, rows, t->changed);
    t->incremental_assign = now_s() - t0;
    credo_assignment_free(replaced);
    double t1 = now_s();
    credo_store *store = NULL;
    check(credo_store_open(db, &store, &err), "opening the store", &err);
    check(credo_store_begin(store, &err), "beginning", &err);
    double t2 = now_s();
    if (mode == STORE_ROWS)
        check(credo_store_put_assignment_rows(store, run_id, s, policy, *a, rows, t->changed, NULL, &err),
              "storing the changed rows", &err);
    else
        check(credo_store_update_assignment_packed(store, run_id, *a, rows, t->changed, &err),
              "storing the changed rows", &err);
    double t3 = now_s();
    check(credo_store_commit(store, &err), "committing", &err);
    double t4 = now_s();
    credo_store_close(store);
    t->incremental_store = now_s() - t1;
    t->incremental_write = t3 - t2;
    t->incremental_commit = t4 - t3;
    free(rows);
}

static long peak_rss_bytes(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss * 1024L;
}

static void print_json(const timings *t, size_t threads, store_mode mode, incremental_mode assign_mode)
{
    printf("{\"accounts\": %zu, \"bytes\": %zu, \"threads\": %zu, \"store\": \"%s\",\n", t->accounts, t->bytes,
           threads, mode == STORE_ROWS ? "rows" : "packed");
    printf(" \"ingest_s\": %.3f, \"ingest_mb_per_s\": %.1f, \"policy_s\": %.3f, \"index_s\": %.3f,\n", t->ingest,
           (double)t->bytes / 1e6 / t->ingest, t->policy, t->index);
    printf(" \"assign_s\": %.3f, \"store_s\": %.3f, \"total_s\": %.3f,\n", t->assign, t->store, t->total);
    printf(" \"stored_assigned\": %lld, \"stored_overlap\": %lld, \"stored_gap\": %lld,\n",
           (long long)t->stored[0], (long long)t->stored[1], (long long)t->stored[2]);
    printf(" \"incremental\": \"%s\", \"incremental_rows\": %zu, \"incremental_assign_s\": %.3f,\n",
           assign_mode == INCREMENTAL_COPY ? "copy" : "update", t->changed, t->incremental_assign);
    printf(" \"incremental_store_s\": %.3f, \"incremental_write_s\": %.3f, \"incremental_commit_s\": %.3f,\n",
           t->incremental_store, t->incremental_write, t->incremental_commit);
    if (t->verified >= 0)
        printf(" \"verified\": %s,\n", t->verified ? "true" : "false");
    printf(" \"peak_rss_bytes\": %ld}\n", t->peak_rss);
}

/* Returns whether two assignments are equal entry by entry. Both lay their
 * lists out in row order, so equal entries mean equal arrays. */
static bool same_assignment(const credo_assignment *x, const credo_assignment *y)
{
    size_t n = x->count;
    if (n != y->count || memcmp(x->status, y->status, n) != 0 ||
        memcmp(x->territory, y->territory, n * sizeof *x->territory) != 0 ||
        memcmp(x->tied_start, y->tied_start, (n + 1) * sizeof *x->tied_start) != 0 ||
        memcmp(x->overlay_start, y->overlay_start, (n + 1) * sizeof *x->overlay_start) != 0)
        return false;
    size_t tied = x->tied_start[n], overlays = x->overlay_start[n];
    return (tied == 0 || memcmp(x->tied, y->tied, tied * sizeof *x->tied) == 0) &&
           (overlays == 0 || memcmp(x->overlays, y->overlays, overlays * sizeof *x->overlays) == 0);
}

/* Returns whether the stored packed records of run_id equal the entries of want. */
static bool same_stored(const char *db, int64_t run_id, const credo_assignment *want)
{
    credo_error err = {0};
    credo_store *store = NULL;
    uint8_t *status = NULL;
    uint32_t *territory = NULL;
    size_t count = 0;
    check(credo_store_open(db, &store, &err), "opening the store", &err);
    check(credo_store_read_assignment_packed(store, run_id, &status, &territory, &count, &err), "reading back",
          &err);
    credo_store_close(store);
    bool same = count == want->count && memcmp(status, want->status, count) == 0 &&
                memcmp(territory, want->territory, count * sizeof *territory) == 0;
    credo_store_packed_free(status, territory);
    return same;
}

/* Compares the incremental result a, in memory and as stored under
 * run_id, with a full run on a new binding of the changed snapshot. */
static bool verify(const char *db, int64_t run_id, const credo_snapshot *s, const credo_rule_index *index,
                   size_t threads, const credo_assignment *a)
{
    credo_error err = {0};
    credo_rule_bound *bound = NULL;
    credo_assignment *full = NULL;
    check(credo_rule_index_bind(index, s, &bound, &err), "binding the changed accounts", &err);
    check(credo_rule_bound_assign_threads(bound, threads, NULL, &full, &err), "assigning the changed accounts",
          &err);
    bool same = same_assignment(a, full) && same_stored(db, run_id, full);
    credo_assignment_free(full);
    credo_rule_bound_free(bound);
    return same;
}

typedef struct bench_options {
    const char *dir, *db;
    size_t threads;
    store_mode store;
    incremental_mode incremental;
    bool verify;
} bench_options;

/* Reads the command line into *o. Returns false on an unknown option or value, or without --dir. */
static bool parse_options(int argc, char **argv, bench_options *o)
{
    *o = (bench_options){NULL, NULL, 2, STORE_PACKED, INCREMENTAL_UPDATE, false};
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(name, "--verify") == 0) {
            o->verify = true;
            continue;
        }
        i++;
        if (strcmp(name, "--dir") == 0)
            o->dir = value;
        else if (strcmp(name, "--threads") == 0)
            o->threads = strtoull(value, NULL, 10);
        else if (strcmp(name, "--db") == 0)
            o->db = value;
        else if (strcmp(name, "--store") == 0 && (strcmp(value, "packed") == 0 || strcmp(value, "rows") == 0))
            o->store = strcmp(value, "rows") == 0 ? STORE_ROWS : STORE_PACKED;
        else if (strcmp(name, "--incremental") == 0 && (strcmp(value, "update") == 0 || strcmp(value, "copy") == 0))
            o->incremental = strcmp(value, "copy") == 0 ? INCREMENTAL_COPY : INCREMENTAL_UPDATE;
        else
            return false;
    }
    return o->dir != NULL && o->threads > 0 && o->threads <= CREDO_PARALLEL_MAX_THREADS;
}

int main(int argc, char **argv)
{
    bench_options o;
    if (!parse_options(argc, argv, &o)) {
        fprintf(stderr, "usage: credo_bench_pipeline --dir DIR [--threads 1-64] [--db PATH] [--store packed|rows] "
                        "[--incremental update|copy] [--verify]\n");
        return 2;
    }
    const char *dir = o.dir, *db_arg = o.db;
    size_t threads = o.threads;
    store_mode mode = o.store;
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
    incremental(&t, mode, o.incremental, db, s, policy, bound, &a, run_id);
    t.peak_rss = peak_rss_bytes();
    t.verified = !o.verify || mode == STORE_ROWS ? -1 : verify(db, run_id, s, index, threads, a);
    print_json(&t, threads, mode, o.incremental);
    credo_assignment_free(a);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(s);
    return t.verified == 0 ? 1 : 0;
}
