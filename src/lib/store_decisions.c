/* Conflict decisions: stored by key, each one also written to the audit
 * log in the same transaction. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "credo/audit.h"
#include "credo/buf.h"
#include "credo/store.h"
#include "store_backend.h"

static const char *const decision_names[] = {"accept", "reject", "award"};

static bool is_decision(const char *decision)
{
    for (size_t i = 0; i < sizeof decision_names / sizeof decision_names[0]; i++)
        if (decision != NULL && strcmp(decision, decision_names[i]) == 0)
            return true;
    return false;
}

static credo_status check_decision(const credo_store *store, const char *key,
                                   const char *decision, const char *winner_rep_id,
                                   credo_error *err)
{
    if (key == NULL || key[0] == '\0')
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store a conflict decision in %s: the conflict key is "
                               "missing or empty",
                               store->name);
    if (strlen(key) >= CREDO_CONFLICT_KEY_MAX)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store a conflict decision in %s: the conflict key is %zu "
                               "bytes, over the maximum of %d",
                               store->name, strlen(key), CREDO_CONFLICT_KEY_MAX - 1);
    if (!is_decision(decision))
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store the decision on conflict %s: unknown decision '%s'; "
                               "use accept, reject or award",
                               key, decision != NULL ? decision : "");
    if (strcmp(decision, "award") == 0 && (winner_rep_id == NULL || winner_rep_id[0] == '\0'))
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot store the decision on conflict %s: an award needs the rep "
                               "id of the winner",
                               key);
    return CREDO_OK;
}

/* Writes the decision and its audit entry; the caller holds a transaction. */
static credo_status write_decision(credo_store *store, const credo_conflict_decision *row,
                                   credo_error *err)
{
    credo_buf payload = CREDO_BUF_INIT;
    credo_buf_puts(&payload, "{\"decision\":");
    credo_buf_json_string(&payload, row->decision);
    credo_buf_puts(&payload, ",\"winner_rep_id\":");
    if (row->winner_rep_id != NULL)
        credo_buf_json_string(&payload, row->winner_rep_id);
    else
        credo_buf_puts(&payload, "null");
    credo_buf_puts(&payload, "}");

    credo_status status = CREDO_OK;
    if (credo_buf_failed(&payload))
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory storing the decision on "
                                 "conflict %s", row->key);
    if (status == CREDO_OK)
        status = store->ops->put_conflict_decision(store, row, err);
    if (status == CREDO_OK)
        status = credo_audit_append(store, row->decider, "conflict_decision", row->key,
                                    row->reason, credo_buf_text(&payload), err);
    credo_buf_free(&payload);
    return status;
}

credo_status credo_store_put_conflict_decision(credo_store *store, const char *key,
                                               const char *decision, const char *winner_rep_id,
                                               const char *decider, const char *reason,
                                               credo_error *err)
{
    credo_status status = check_decision(store, key, decision, winner_rep_id, err);
    if (status != CREDO_OK)
        return status;

    char created_at[STORE_TIMESTAMP_SIZE];
    char default_actor[CREDO_AUDIT_ACTOR_MAX];
    status = store_timestamp(created_at, err);
    if (status != CREDO_OK)
        return status;
    if (decider == NULL) {
        credo_audit_default_actor(default_actor, sizeof default_actor);
        decider = default_actor;
    }
    bool has_winner = winner_rep_id != NULL && winner_rep_id[0] != '\0';
    const credo_conflict_decision row = {
        (char *)key, (char *)decision, has_winner ? (char *)winner_rep_id : NULL,
        (char *)decider, (char *)reason, created_at,
    };

    bool own_transaction = !store->ops->in_transaction(store);
    if (own_transaction && (status = credo_store_begin(store, err)) != CREDO_OK)
        return status;
    status = write_decision(store, &row, err);
    if (own_transaction && status == CREDO_OK)
        status = credo_store_commit(store, err);
    if (own_transaction && status != CREDO_OK)
        credo_store_rollback(store);
    return status;
}

/* ---- Reading ------------------------------------------------------------- */

enum decision_column {
    DECISION_KEY, DECISION_DECISION, DECISION_WINNER, DECISION_DECIDER, DECISION_REASON,
    DECISION_CREATED_AT, DECISION_COLUMN_COUNT
};
static const char *const decision_columns[DECISION_COLUMN_COUNT] = {
    [DECISION_KEY] = "conflict_key", [DECISION_DECISION] = "decision",
    [DECISION_WINNER] = "winner_rep_id", [DECISION_DECIDER] = "decider",
    [DECISION_REASON] = "reason", [DECISION_CREATED_AT] = "created_at",
};
static const store_query decision_query = {"conflict_decisions", decision_columns,
                                           DECISION_COLUMN_COUNT, NULL, "conflict_key"};

typedef struct decision_walk {
    credo_conflict_decision_visitor visit;
    void *ctx;
} decision_walk;

static credo_status visit_decision(void *ctx, const store_value *row, credo_error *err)
{
    const decision_walk *walk = ctx;
    const credo_conflict_decision decision = {
        (char *)row[DECISION_KEY].text,     (char *)row[DECISION_DECISION].text,
        (char *)row[DECISION_WINNER].text,  (char *)row[DECISION_DECIDER].text,
        (char *)row[DECISION_REASON].text,  (char *)row[DECISION_CREATED_AT].text,
    };
    return walk->visit(walk->ctx, &decision, err) == 0 ? CREDO_OK : CREDO_ERR_IO;
}

credo_status credo_store_each_conflict_decision(credo_store *store,
                                                credo_conflict_decision_visitor visit, void *ctx,
                                                credo_error *err)
{
    decision_walk walk = {visit, ctx};
    return store->ops->select_rows(store, &decision_query, 0, visit_decision, &walk, err);
}

/* Growing copy of the stored decisions. */
typedef struct decision_copy {
    const credo_store *store;
    credo_conflict_decision *items;
    size_t count, capacity;
} decision_copy;

static char *copy_text(const char *text, bool *failed)
{
    if (text == NULL)
        return NULL;
    char *copy = strdup(text);
    if (copy == NULL)
        *failed = true;
    return copy;
}

static void clear_decision(credo_conflict_decision *decision)
{
    free(decision->key);
    free(decision->decision);
    free(decision->winner_rep_id);
    free(decision->decider);
    free(decision->reason);
    free(decision->created_at);
}

static credo_status copy_row(void *ctx, const store_value *row, credo_error *err)
{
    decision_copy *copy = ctx;
    if (copy->count == copy->capacity) {
        size_t grown = copy->capacity == 0 ? 16 : copy->capacity * 2;
        credo_conflict_decision *items = realloc(copy->items, grown * sizeof *items);
        if (items == NULL)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading conflict "
                                   "decisions of %s", copy->store->name);
        copy->items = items;
        copy->capacity = grown;
    }

    bool failed = false;
    credo_conflict_decision *item = &copy->items[copy->count];
    item->key = copy_text(row[DECISION_KEY].text, &failed);
    item->decision = copy_text(row[DECISION_DECISION].text, &failed);
    item->winner_rep_id = copy_text(row[DECISION_WINNER].text, &failed);
    item->decider = copy_text(row[DECISION_DECIDER].text, &failed);
    item->reason = copy_text(row[DECISION_REASON].text, &failed);
    item->created_at = copy_text(row[DECISION_CREATED_AT].text, &failed);
    if (failed) {
        clear_decision(item);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading conflict decisions "
                               "of %s", copy->store->name);
    }
    copy->count++;
    return CREDO_OK;
}

credo_status credo_store_load_conflict_decisions(credo_store *store,
                                                 credo_conflict_decision **out, size_t *count,
                                                 credo_error *err)
{
    *out = NULL;
    *count = 0;
    decision_copy copy = {store, NULL, 0, 0};
    credo_status status = store->ops->select_rows(store, &decision_query, 0, copy_row, &copy,
                                                  err);
    if (status != CREDO_OK) {
        credo_conflict_decisions_free(copy.items, copy.count);
        return status;
    }
    *out = copy.items;
    *count = copy.count;
    return CREDO_OK;
}

void credo_conflict_decisions_free(credo_conflict_decision *decisions, size_t count)
{
    if (decisions == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        clear_decision(&decisions[i]);
    free(decisions);
}
