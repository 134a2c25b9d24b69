/* The audit entries of a saved run: a changed policy, claims whose outcome
 * changed, and credit changes per rep (run_diff.c). They are appended in
 * the transaction of credo_run_save, so a run and its record commit or
 * roll back together. */
#include "engage_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/audit.h"
#include "credo/parse.h"
#include "credo/run.h"

static credo_status policy_hashes(const char *before, const char *after, char *hash_before, char *hash_after,
                                  credo_error *err)
{
    credo_status status = credo_sha256_hex(before, strlen(before), hash_before, err);
    if (status == CREDO_OK)
        status = credo_sha256_hex(after, strlen(after), hash_after, err);
    return status;
}

/* Appends "policy_change" when the policy text differs from the previous
 * run's. */
static credo_status audit_policy(credo_store *store, const credo_run *run, int64_t run_id, credo_error *err)
{
    int64_t previous = 0;
    credo_error probe = {0};
    if (credo_run_previous(store, run_id, &previous, &probe) != CREDO_OK)
        return CREDO_OK; /* the first run: the "run" entry records its policy */
    credo_run_info info = {0};
    credo_status status = credo_store_get_run(store, previous, &info, err);
    const char *before = info.policy_text != NULL ? info.policy_text : "";
    const char *after = run->policy->text != NULL ? run->policy->text : "";
    if (status != CREDO_OK || strcmp(before, after) == 0) {
        credo_run_info_clear(&info);
        return status;
    }

    char hash_before[CREDO_AUDIT_HASH_SIZE], hash_after[CREDO_AUDIT_HASH_SIZE], subject[32], reason[256];
    status = policy_hashes(before, after, hash_before, hash_after, err);
    credo_buf payload = CREDO_BUF_INIT;
    credo_buf_printf(&payload, "{\"run\":%lld,\"previous_run\":%lld,\"sha256\":\"%s\",\"previous_sha256\":\"%s\","
                               "\"policy_path\":",
                     (long long)run_id, (long long)previous, hash_after, hash_before);
    credo_buf_json_string(&payload, run->policy->path);
    credo_buf_puts(&payload, "}");
    snprintf(subject, sizeof subject, "%lld", (long long)run_id);
    snprintf(reason, sizeof reason, "run %lld uses a policy text that differs from run %lld's", (long long)run_id,
             (long long)previous);
    if (status == CREDO_OK && credo_buf_failed(&payload))
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory auditing the policy change");
    if (status == CREDO_OK)
        status = credo_audit_append(store, NULL, "policy_change", subject, reason, credo_buf_text(&payload), err);
    credo_buf_free(&payload);
    credo_run_info_clear(&info);
    return status;
}

/* The last logged payload of each claim subject, sorted by subject. */
typedef struct logged_claim {
    char *subject, *payload;
    int64_t seq;
} logged_claim;

typedef struct claim_log {
    logged_claim *items;
    size_t count, capacity;
} claim_log;

static int collect_claim(void *ctx, const credo_audit_entry *entry, credo_error *err)
{
    claim_log *log = ctx;
    if (strcmp(entry->action, "claim") != 0 || entry->subject == NULL)
        return 0;
    if (log->count == log->capacity) {
        size_t grown = log->capacity == 0 ? 64 : log->capacity * 2;
        logged_claim *items = realloc(log->items, grown * sizeof *items);
        if (items == NULL) {
            credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading the audit log");
            return 1;
        }
        log->items = items;
        log->capacity = grown;
    }
    logged_claim *item = &log->items[log->count++];
    *item = (logged_claim){strdup(entry->subject), strdup(entry->payload != NULL ? entry->payload : ""), entry->seq};
    if (item->subject == NULL || item->payload == NULL) {
        credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading the audit log");
        return 1;
    }
    return 0;
}

static int compare_logged(const void *a, const void *b)
{
    const logged_claim *x = a, *y = b;
    int order = strcmp(x->subject, y->subject);
    return order != 0 ? order : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The last payload logged for subject, or NULL. */
static const char *last_payload(const claim_log *log, const char *subject)
{
    size_t low = 0, high = log->count;
    while (low < high) { /* the first entry past subject */
        size_t middle = low + (high - low) / 2;
        if (strcmp(log->items[middle].subject, subject) <= 0)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0 || strcmp(log->items[low - 1].subject, subject) != 0)
        return NULL;
    return log->items[low - 1].payload;
}

static void free_log(claim_log *log)
{
    for (size_t i = 0; i < log->count; i++) {
        free(log->items[i].subject);
        free(log->items[i].payload);
    }
    free(log->items);
}

static void claim_payload(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t r,
                          credo_buf *out)
{
    const credo_registrations *registrations = &snapshot->registrations;
    const credo_claim *claim = &engagement->claims[r];
    char day[16];
    credo_buf_puts(out, "{\"registration\":");
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->id[r]));
    credo_buf_puts(out, ",\"rep\":");
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->rep_id[r]));
    credo_buf_puts(out, ",\"account\":");
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->account_id[r]));
    credo_buf_printf(out, ",\"date\":\"%s\"", credo_format_date(registrations->date[r], day));
    credo_buf_printf(out, ",\"status\":\"%s\",\"protected_until\":", credo_claim_status_name(claim->status));
    if (claim->protected_until == CREDO_DATE_NONE)
        credo_buf_puts(out, "null");
    else
        credo_buf_printf(out, "\"%s\"", credo_format_date(claim->protected_until, day));
    credo_buf_puts(out, ",\"key\":");
    if (claim->key == NULL)
        credo_buf_puts(out, "null");
    else
        credo_buf_json_string(out, claim->key);
    credo_buf_puts(out, "}");
}

/* Whether a claim's outcome is worth a record: it won protection, waits
 * in the queue or was decided. */
static bool notable(const credo_claim *claim)
{
    return claim->status == CREDO_CLAIM_PROTECTED || claim->status == CREDO_CLAIM_CONFLICT ||
           claim->status == CREDO_CLAIM_AWARDED || claim->status == CREDO_CLAIM_REJECTED;
}

/* Appends "claim" for each registration whose outcome differs from the
 * last one logged: a new protected, queued or decided claim, or a change
 * of a claim logged before. */
static credo_status audit_claims(credo_store *store, const credo_run *run, credo_error *err)
{
    const credo_snapshot *snapshot = run->snapshot;
    claim_log log = {0};
    credo_status status = credo_audit_each(store, collect_claim, &log, err);
    if (status == CREDO_ERR_IO && err != NULL && err->status == CREDO_ERR_NOMEM)
        status = CREDO_ERR_NOMEM;
    if (log.count > 0)
        qsort(log.items, log.count, sizeof *log.items, compare_logged);

    credo_buf payload = CREDO_BUF_INIT, subject = CREDO_BUF_INIT;
    for (uint32_t r = 0; status == CREDO_OK && r < run->engagement->claim_count; r++) {
        credo_buf_reset(&subject);
        credo_buf_printf(&subject, "registration:%s", credo_snapshot_text(snapshot, snapshot->registrations.id[r]));
        const char *logged = last_payload(&log, credo_buf_text(&subject));
        if (logged == NULL && !notable(&run->engagement->claims[r]))
            continue;
        credo_buf_reset(&payload);
        claim_payload(snapshot, run->engagement, r, &payload);
        if (credo_buf_failed(&payload) || credo_buf_failed(&subject))
            status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory auditing claims");
        else if (logged == NULL || strcmp(logged, credo_buf_text(&payload)) != 0)
            status = credo_audit_append(store, NULL, "claim", credo_buf_text(&subject),
                                        run->engagement->claims[r].reason, credo_buf_text(&payload), err);
    }
    credo_buf_free(&payload);
    credo_buf_free(&subject);
    free_log(&log);
    return status;
}

credo_status credo_run_audit_changes(credo_store *store, const credo_run *run, int64_t run_id, credo_error *err)
{
    credo_status status = audit_policy(store, run, run_id, err);
    if (status == CREDO_OK && run->engagement != NULL)
        status = audit_claims(store, run, err);
    if (status == CREDO_OK)
        status = run_audit_credit(store, run_id, err);
    return status;
}
