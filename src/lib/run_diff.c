/* Differences between the stored credit of two runs, per rep, deal and
 * kind of credit, with the reason of each change. */
#include "credo/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/audit.h"
#include "credo/parse.h"
#include "engage_internal.h"

/* A rep's credit of one kind on one deal in one run. */
typedef struct credit_total {
    char *deal_id, *rep_id, *kind;
    credo_money amount;
    char *rules; /* distinct rules in the store's order, joined by '+' */
    bool held;
} credit_total;

typedef struct total_list {
    credit_total *items;
    size_t count, capacity;
} total_list;

/* A deal's owner and revenue total in one run. */
typedef struct deal_fact {
    char *deal_id, *owner;
    credo_money revenue;
} deal_fact;

typedef struct fact_list {
    deal_fact *items;
    size_t count, capacity;
} fact_list;

/* Marker of a held line in the stored explanation (see run_save.c). */
#define HELD_MARKER "; held "

static int out_of_memory(credo_error *err)
{
    credo_error_set(err, CREDO_ERR_NOMEM, "out of memory comparing runs");
    return 1;
}

static bool same_key(const credit_total *total, const credo_credit_out *row)
{
    return strcmp(total->deal_id, row->deal_id) == 0 && strcmp(total->rep_id, row->rep_id) == 0 &&
           strcmp(total->kind, row->kind != NULL ? row->kind : "") == 0;
}

/* Adds rule to the '+'-joined list unless it is there. */
static bool add_rule(char **rules, const char *rule)
{
    const char *name = rule != NULL ? rule : "";
    size_t length = strlen(name);
    for (const char *p = *rules; p != NULL && *p != '\0';) {
        size_t part = strcspn(p, "+");
        if (part == length && strncmp(p, name, length) == 0)
            return true;
        p += part + (p[part] == '+');
    }
    size_t old = *rules != NULL ? strlen(*rules) : 0;
    char *joined = realloc(*rules, old + length + 2);
    if (joined == NULL)
        return false;
    snprintf(joined + old, length + 2, "%s%s", old > 0 ? "+" : "", name);
    *rules = joined;
    return true;
}

static int collect_credit(void *ctx, const credo_credit_out *row, credo_error *err)
{
    total_list *list = ctx;
    bool held = row->explanation != NULL && strstr(row->explanation, HELD_MARKER) != NULL;
    if (list->count > 0 && same_key(&list->items[list->count - 1], row)) {
        credit_total *total = &list->items[list->count - 1];
        total->amount += row->amount;
        total->held = total->held || held;
        return add_rule(&total->rules, row->rule) ? 0 : out_of_memory(err);
    }
    if (list->count == list->capacity) {
        size_t grown = list->capacity == 0 ? 256 : list->capacity * 2;
        credit_total *items = realloc(list->items, grown * sizeof *items);
        if (items == NULL)
            return out_of_memory(err);
        list->items = items;
        list->capacity = grown;
    }
    credit_total *total = &list->items[list->count++];
    *total = (credit_total){strdup(row->deal_id), strdup(row->rep_id), strdup(row->kind != NULL ? row->kind : ""),
                            row->amount, NULL, held};
    if (total->deal_id == NULL || total->rep_id == NULL || total->kind == NULL || !add_rule(&total->rules, row->rule))
        return out_of_memory(err);
    return 0;
}

static int collect_deal(void *ctx, const credo_deal_out *row, credo_error *err)
{
    fact_list *list = ctx;
    if (list->count == list->capacity) {
        size_t grown = list->capacity == 0 ? 256 : list->capacity * 2;
        deal_fact *items = realloc(list->items, grown * sizeof *items);
        if (items == NULL)
            return out_of_memory(err);
        list->items = items;
        list->capacity = grown;
    }
    deal_fact *fact = &list->items[list->count++];
    *fact = (deal_fact){strdup(row->deal_id), row->owner_id != NULL ? strdup(row->owner_id) : NULL, 0};
    if (fact->deal_id == NULL || (row->owner_id != NULL && fact->owner == NULL))
        return out_of_memory(err);
    return 0;
}

static void free_totals(total_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].deal_id);
        free(list->items[i].rep_id);
        free(list->items[i].kind);
        free(list->items[i].rules);
    }
    free(list->items);
}

static void free_facts(fact_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].deal_id);
        free(list->items[i].owner);
    }
    free(list->items);
}

/* The fact of deal_id (the list is sorted by deal id), or NULL. */
static deal_fact *find_fact(const fact_list *list, const char *deal_id)
{
    size_t low = 0, high = list->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp(list->items[middle].deal_id, deal_id);
        if (order == 0)
            return &list->items[middle];
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

/* One run's stored results. */
typedef struct run_results {
    total_list totals;
    fact_list facts;
} run_results;

static credo_status load_results(credo_store *store, int64_t run_id, run_results *out, credo_error *err)
{
    memset(out, 0, sizeof *out);
    credo_run_info info = {0};
    credo_status status = credo_store_get_run(store, run_id, &info, err);
    credo_run_info_clear(&info);
    if (status == CREDO_OK)
        status = credo_store_each_credit(store, run_id, collect_credit, &out->totals, err);
    if (status == CREDO_OK)
        status = credo_store_each_deal_result(store, run_id, collect_deal, &out->facts, err);
    if (status == CREDO_ERR_IO && err != NULL && err->status == CREDO_ERR_NOMEM)
        status = CREDO_ERR_NOMEM; /* a visitor ran out of memory */
    for (size_t i = 0; status == CREDO_OK && i < out->totals.count; i++) {
        const credit_total *total = &out->totals.items[i];
        deal_fact *fact = strcmp(total->kind, "revenue") == 0 ? find_fact(&out->facts, total->deal_id) : NULL;
        if (fact != NULL)
            fact->revenue += total->amount;
    }
    return status;
}

static void free_results(run_results *results)
{
    free_totals(&results->totals);
    free_facts(&results->facts);
}

static int compare_keys(const credit_total *a, const credit_total *b)
{
    int order = strcmp(a->deal_id, b->deal_id);
    if (order == 0)
        order = strcmp(a->rep_id, b->rep_id);
    if (order == 0)
        order = strcmp(a->kind, b->kind);
    return order;
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const char *or_none(const char *text)
{
    return text != NULL ? text : "nobody";
}

/* Writes the reasons of a change, most telling first. */
/* Appends why a rep's lines of one kind left or joined a deal: the rule
 * that gave them no longer applies or now applies. Roll-up lines come from
 * the roll-up setting, not from a rule of their own. */
static void describe_line_move(const credo_credit_change *change, credo_buf *why)
{
    const char *verb = change->before_present ? "no longer applies" : "now applies";
    const char *rule = change->before_present ? change->rule_before : change->rule_after;
    if (strcmp(change->kind, "rollup") == 0)
        credo_buf_printf(why, "roll-up credit %s; ", verb);
    else
        credo_buf_printf(why, "%s credit by rule %s %s; ", change->kind, rule, verb);
}

static void explain_change(const credo_credit_change *change, const deal_fact *before, const deal_fact *after,
                           credo_buf *why)
{
    char from[32], to[32];
    if (before == NULL)
        credo_buf_puts(why, "deal added; ");
    if (after == NULL)
        credo_buf_puts(why, "deal removed; ");
    if (before != NULL && after != NULL && !same_text(before->owner, after->owner))
        credo_buf_printf(why, "owner changed from %s to %s; ", or_none(before->owner), or_none(after->owner));
    if (change->rule_before != NULL && change->rule_after != NULL && strcmp(change->rule_before, change->rule_after) != 0)
        credo_buf_printf(why, "rule changed from %s to %s; ", change->rule_before, change->rule_after);
    if (before != NULL && after != NULL && before->revenue != after->revenue)
        credo_buf_printf(why, "deal amount changed from %s to %s; ", credo_format_decimal(before->revenue, 2, from),
                         credo_format_decimal(after->revenue, 2, to));
    if (change->before_present && change->after_present && change->held_before != change->held_after)
        credo_buf_puts(why, change->held_after ? "now held; " : "hold released; ");
    /* With no reason above, a line that left or joined the deal did so
     * because its rule's condition changed, such as an overlay that no
     * longer covers the account. */
    if (why->length == 0 && change->before_present != change->after_present)
        describe_line_move(change, why);
    if (why->length == 0)
        credo_buf_puts(why, "amount changed; ");
    if (credo_buf_failed(why) || why->length < 2)
        return;
    why->length -= 2; /* the last "; " */
    why->data[why->length] = '\0';
}

typedef struct change_list {
    credo_credit_change *items;
    size_t count, capacity;
    bool failed;
} change_list;

static char *copy_or_null(const char *text, bool *failed)
{
    char *copy = text != NULL ? strdup(text) : NULL;
    *failed = *failed || (text != NULL && copy == NULL);
    return copy;
}

/* Records the change between two totals of one key (either may be NULL)
 * when they differ. */
static void add_change(change_list *list, const credit_total *before, const credit_total *after,
                       const run_results *from, const run_results *to)
{
    const credit_total *key = before != NULL ? before : after;
    credo_credit_change change = {0};
    change.before = before != NULL ? before->amount : 0;
    change.after = after != NULL ? after->amount : 0;
    change.held_before = before != NULL && before->held;
    change.held_after = after != NULL && after->held;
    change.before_present = before != NULL;
    change.after_present = after != NULL;
    const char *rules_before = before != NULL ? before->rules : NULL, *rules_after = after != NULL ? after->rules : NULL;
    if (change.before == change.after && change.held_before == change.held_after && same_text(rules_before, rules_after) &&
        before != NULL && after != NULL)
        return;

    const deal_fact *fact_before = find_fact(&from->facts, key->deal_id);
    const deal_fact *fact_after = find_fact(&to->facts, key->deal_id);
    change.rep_id = copy_or_null(key->rep_id, &list->failed);
    change.deal_id = copy_or_null(key->deal_id, &list->failed);
    change.kind = copy_or_null(key->kind, &list->failed);
    change.rule_before = copy_or_null(rules_before, &list->failed);
    change.rule_after = copy_or_null(rules_after, &list->failed);
    change.owner_before = copy_or_null(fact_before != NULL ? fact_before->owner : NULL, &list->failed);
    change.owner_after = copy_or_null(fact_after != NULL ? fact_after->owner : NULL, &list->failed);
    credo_buf why = CREDO_BUF_INIT;
    explain_change(&change, fact_before, fact_after, &why);
    change.why = copy_or_null(credo_buf_text(&why), &list->failed);
    list->failed = list->failed || credo_buf_failed(&why);
    credo_buf_free(&why);

    if (list->count == list->capacity) {
        size_t grown = list->capacity == 0 ? 64 : list->capacity * 2;
        credo_credit_change *items = realloc(list->items, grown * sizeof *items);
        if (items == NULL) {
            list->failed = true;
            return;
        }
        list->items = items;
        list->capacity = grown;
    }
    list->items[list->count++] = change;
}

/* Walks both runs' totals, which are sorted by deal, rep and kind. */
static void merge_totals(const run_results *from, const run_results *to, change_list *changes)
{
    size_t i = 0, j = 0;
    while ((i < from->totals.count || j < to->totals.count) && !changes->failed) {
        const credit_total *a = i < from->totals.count ? &from->totals.items[i] : NULL;
        const credit_total *b = j < to->totals.count ? &to->totals.items[j] : NULL;
        int order;
        if (a == NULL)
            order = 1;
        else if (b == NULL)
            order = -1;
        else
            order = compare_keys(a, b);
        add_change(changes, order <= 0 ? a : NULL, order >= 0 ? b : NULL, from, to);
        i += order <= 0;
        j += order >= 0;
    }
}

static int compare_changes(const void *a, const void *b)
{
    const credo_credit_change *x = a, *y = b;
    int order = strcmp(x->rep_id, y->rep_id);
    if (order == 0)
        order = strcmp(x->deal_id, y->deal_id);
    if (order == 0)
        order = strcmp(x->kind, y->kind);
    return order;
}

credo_status credo_run_diff_compute(credo_store *store, int64_t from, int64_t to, credo_run_diff **out,
                                    credo_error *err)
{
    run_results before, after;
    credo_status status = load_results(store, from, &before, err);
    if (status == CREDO_OK)
        status = load_results(store, to, &after, err);
    else
        memset(&after, 0, sizeof after);

    change_list changes = {0};
    credo_run_diff *diff = status == CREDO_OK ? calloc(1, sizeof *diff) : NULL;
    if (status == CREDO_OK && diff == NULL)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory comparing runs");
    if (status == CREDO_OK)
        merge_totals(&before, &after, &changes);
    if (status == CREDO_OK && changes.failed)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory comparing runs %lld and %lld",
                                 (long long)from, (long long)to);
    if (diff != NULL) {
        if (changes.count > 0)
            qsort(changes.items, changes.count, sizeof *changes.items, compare_changes);
        *diff = (credo_run_diff){from, to, changes.items, changes.count};
    }
    if (status != CREDO_OK) {
        credo_run_diff_free(diff);
        diff = NULL;
    }
    free_results(&before);
    free_results(&after);
    *out = diff;
    return status;
}

void credo_run_diff_free(credo_run_diff *diff)
{
    if (diff == NULL)
        return;
    for (size_t i = 0; i < diff->count; i++) {
        credo_credit_change *change = &diff->changes[i];
        free(change->rep_id);
        free(change->deal_id);
        free(change->kind);
        free(change->rule_before);
        free(change->rule_after);
        free(change->owner_before);
        free(change->owner_after);
        free(change->why);
    }
    free(diff->changes);
    free(diff);
}

credo_status credo_run_previous(credo_store *store, int64_t run_id, int64_t *previous, credo_error *err)
{
    /* Run ids only grow and runs are never deleted, but probe downwards
     * all the same rather than assume run_id - 1 exists. */
    for (int64_t id = run_id - 1; id > 0; id--) {
        credo_run_info info = {0};
        credo_error probe = {0};
        credo_status status = credo_store_get_run(store, id, &info, &probe);
        credo_run_info_clear(&info);
        if (status == CREDO_OK) {
            *previous = id;
            return CREDO_OK;
        }
        if (status != CREDO_ERR_NOT_FOUND) {
            if (err != NULL)
                *err = probe;
            return status;
        }
    }
    return credo_error_set(err, CREDO_ERR_NOT_FOUND, "run %lld is the first run; there is no earlier run to compare "
                                                     "with", (long long)run_id);
}

static void json_text(credo_buf *out, const char *key, const char *text)
{
    credo_buf_printf(out, ",\"%s\":", key);
    if (text == NULL)
        credo_buf_puts(out, "null");
    else
        credo_buf_json_string(out, text);
}

static void change_json(const credo_credit_change *change, credo_buf *out)
{
    credo_buf_puts(out, "{\"rep\":");
    credo_buf_json_string(out, change->rep_id);
    json_text(out, "deal", change->deal_id);
    json_text(out, "kind", change->kind);
    credo_buf_printf(out, ",\"before_minor\":%lld,\"after_minor\":%lld", (long long)change->before,
                     (long long)change->after);
    json_text(out, "rule_before", change->rule_before);
    json_text(out, "rule_after", change->rule_after);
    json_text(out, "owner_before", change->owner_before);
    json_text(out, "owner_after", change->owner_after);
    credo_buf_printf(out, ",\"held_before\":%s,\"held_after\":%s", change->held_before ? "true" : "false",
                     change->held_after ? "true" : "false");
    json_text(out, "why", change->why);
    credo_buf_puts(out, "}");
}

/* Kinds of credit line, in the order a rep's changes are summed up. */
static const char *const CREDIT_KINDS[] = {"revenue", "overlay", "rollup"};
#define CREDIT_KIND_COUNT (sizeof CREDIT_KINDS / sizeof CREDIT_KINDS[0])

/* The change of one rep's credit in each kind of CREDIT_KINDS, and whether
 * any line of that kind changed. */
typedef struct rep_deltas {
    credo_money amount[CREDIT_KIND_COUNT];
    bool changed[CREDIT_KIND_COUNT];
} rep_deltas;

/* Returns the end of the group of changes of the rep at `first` and sums
 * them by kind into *deltas. */
static size_t rep_group(const credo_run_diff *diff, size_t first, rep_deltas *deltas)
{
    size_t end = first;
    memset(deltas, 0, sizeof *deltas);
    while (end < diff->count && strcmp(diff->changes[end].rep_id, diff->changes[first].rep_id) == 0) {
        const credo_credit_change *change = &diff->changes[end];
        for (size_t k = 0; k < CREDIT_KIND_COUNT; k++) {
            if (strcmp(change->kind, CREDIT_KINDS[k]) == 0) {
                deltas->amount[k] += change->after - change->before;
                deltas->changed[k] = true;
            }
        }
        end++;
    }
    return end;
}

/* Appends ",\"delta_minor\":R,\"overlay_delta_minor\":O,\"rollup_delta_minor\":U". */
static void deltas_json(const rep_deltas *deltas, credo_buf *out)
{
    credo_buf_printf(out, ",\"delta_minor\":%lld,\"overlay_delta_minor\":%lld,\"rollup_delta_minor\":%lld",
                     (long long)deltas->amount[0], (long long)deltas->amount[1], (long long)deltas->amount[2]);
}

/* Appends "revenue +R; overlay -O" with each kind that changed, revenue
 * always. */
static void deltas_text(const rep_deltas *deltas, credo_buf *out)
{
    char amount[32];
    for (size_t k = 0; k < CREDIT_KIND_COUNT; k++) {
        if (k > 0 && !deltas->changed[k])
            continue;
        credo_buf_printf(out, "%s%s %s%s", k == 0 ? "" : "; ", CREDIT_KINDS[k], deltas->amount[k] > 0 ? "+" : "",
                         credo_format_decimal(deltas->amount[k], 2, amount));
    }
}

void credo_run_diff_json(const credo_run_diff *diff, credo_buf *out)
{
    credo_buf_printf(out, "{\"from\":%lld,\"to\":%lld,\"changes\":[", (long long)diff->from, (long long)diff->to);
    for (size_t i = 0; i < diff->count; i++) {
        credo_buf_puts(out, i == 0 ? "" : ",");
        change_json(&diff->changes[i], out);
    }
    credo_buf_puts(out, "],\"reps\":[");
    for (size_t first = 0, end; first < diff->count; first = end) {
        rep_deltas deltas;
        end = rep_group(diff, first, &deltas);
        credo_buf_puts(out, first == 0 ? "{\"rep\":" : ",{\"rep\":");
        credo_buf_json_string(out, diff->changes[first].rep_id);
        deltas_json(&deltas, out);
        credo_buf_printf(out, ",\"changes\":%zu}", end - first);
    }
    credo_buf_puts(out, "]}");
}

void credo_run_diff_text(const credo_run_diff *diff, credo_buf *out)
{
    char before[32], after[32];
    credo_buf_printf(out, "credit changes from run %lld to run %lld: %zu\n", (long long)diff->from,
                     (long long)diff->to, diff->count);
    /* NOTE: amounts print with 2 decimals, right for USD and EUR but not
     * for currencies such as JPY; the JSON form gives minor units. */
    for (size_t first = 0, end; first < diff->count; first = end) {
        rep_deltas deltas;
        end = rep_group(diff, first, &deltas);
        credo_buf_printf(out, "rep %s: ", diff->changes[first].rep_id);
        deltas_text(&deltas, out);
        credo_buf_printf(out, " (%zu change%s)\n", end - first, end - first == 1 ? "" : "s");
        for (size_t i = first; i < end; i++) {
            const credo_credit_change *change = &diff->changes[i];
            credo_buf_printf(out, "  deal %s %s: %s -> %s: %s\n", change->deal_id, change->kind,
                             credo_format_decimal(change->before, 2, before),
                             credo_format_decimal(change->after, 2, after), change->why);
        }
    }
}

/* Appends one "credit_change" entry per rep with changes. */
static credo_status audit_reps(credo_store *store, const credo_run_diff *diff, credo_error *err)
{
    credo_status status = CREDO_OK;
    credo_buf payload = CREDO_BUF_INIT, reason = CREDO_BUF_INIT;
    for (size_t first = 0, end; first < diff->count && status == CREDO_OK; first = end) {
        rep_deltas deltas;
        end = rep_group(diff, first, &deltas);
        credo_buf_reset(&payload);
        credo_buf_reset(&reason);
        credo_buf_printf(&payload, "{\"from_run\":%lld,\"to_run\":%lld", (long long)diff->from,
                         (long long)diff->to);
        deltas_json(&deltas, &payload);
        credo_buf_puts(&payload, ",\"changes\":[");
        for (size_t i = first; i < end; i++) {
            credo_buf_puts(&payload, i == first ? "" : ",");
            change_json(&diff->changes[i], &payload);
        }
        credo_buf_puts(&payload, "]}");
        credo_buf_printf(&reason, "run %lld changes %zu credit total%s of the rep against run %lld (",
                         (long long)diff->to, end - first, end - first == 1 ? "" : "s", (long long)diff->from);
        deltas_text(&deltas, &reason);
        credo_buf_printf(&reason, "): %s", diff->changes[first].why);
        if (credo_buf_failed(&payload) || credo_buf_failed(&reason))
            status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory auditing credit changes");
        else
            status = credo_audit_append(store, NULL, "credit_change", diff->changes[first].rep_id,
                                        credo_buf_text(&reason), credo_buf_text(&payload), err);
    }
    credo_buf_free(&payload);
    credo_buf_free(&reason);
    return status;
}

/* Records the credit changes of run_id against the run before it; the
 * first run has nothing to compare with and records none. */
credo_status run_audit_credit(credo_store *store, int64_t run_id, credo_error *err)
{
    int64_t previous = 0;
    credo_error probe = {0};
    credo_status status = credo_run_previous(store, run_id, &previous, &probe);
    if (status == CREDO_ERR_NOT_FOUND)
        return CREDO_OK;
    if (status != CREDO_OK) {
        if (err != NULL)
            *err = probe;
        return status;
    }
    credo_run_diff *diff = NULL;
    status = credo_run_diff_compute(store, previous, run_id, &diff, err);
    if (status == CREDO_OK)
        status = audit_reps(store, diff, err);
    credo_run_diff_free(diff);
    return status;
}
