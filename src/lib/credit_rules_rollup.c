/* Roll-up credit: every manager above a rep with revenue credit on a deal
 * gets one line for the deal, whatever the number of reps and paths below
 * him, with the sum of their revenue credit. */
#include "engage_internal.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

/* Maximum depth of a manager chain that roll-up follows; deeper chains
 * are cut there. */
#define ROLLUP_MAX_DEPTH 64

/* A rep's or a manager's total while a deal's roll-up is computed. */
typedef struct rollup_total {
    const char *manager; /* the rep id, for the totals of reps with revenue credit */
    credo_money amount;
} rollup_total;

/* The manager of rep, or NULL when the rep is unknown or has none. */
static const char *manager_of(const credo_snapshot *snapshot, const char *rep)
{
    credo_str id = credo_strpool_find(snapshot->strings, rep, strlen(rep));
    uint32_t row = id == CREDO_STR_NONE ? CREDO_NO_ROW : credo_snapshot_find_rep(snapshot, id);
    return row == CREDO_NO_ROW ? NULL : credo_snapshot_text(snapshot, snapshot->reps.manager_id[row]);
}

static bool add_total(rollup_total **totals, size_t *count, size_t *capacity, const char *manager, credo_money amount)
{
    for (size_t i = 0; i < *count; i++) {
        if (strcmp((*totals)[i].manager, manager) == 0) {
            (*totals)[i].amount += amount;
            return true;
        }
    }
    if (*count == *capacity) {
        size_t grown = *capacity == 0 ? 8 : *capacity * 2;
        rollup_total *items = realloc(*totals, grown * sizeof *items);
        if (items == NULL)
            return false;
        *totals = items;
        *capacity = grown;
    }
    (*totals)[(*count)++] = (rollup_total){manager, amount};
    return true;
}

static bool is_revenue_of(const credo_credit_line *line, const char *rep)
{
    return strcmp(line->kind, "revenue") == 0 && strcmp(line->rep_id, rep) == 0;
}

/* Appends "rep (total)" to the trace, or "rep (total = part + part ...)"
 * when the rep has several revenue lines on the deal. */
static void trace_rep(const credit_engine *engine, const credit_line_list *lines, size_t first, size_t end,
                      const rollup_total *rep)
{
    char text[32];
    credo_buf_printf(engine->trace, "    %s (%s", rep->manager, credo_format_decimal(rep->amount, 2, text));
    size_t parts = 0;
    for (size_t i = first; i < end; i++)
        parts += is_revenue_of(&lines->items[i], rep->manager);
    const char *separator = " = ";
    for (size_t i = first; parts > 1 && i < end; i++) {
        if (!is_revenue_of(&lines->items[i], rep->manager))
            continue;
        credo_buf_printf(engine->trace, "%s%s", separator, credo_format_decimal(lines->items[i].amount, 2, text));
        separator = " + ";
    }
    credo_buf_puts(engine->trace, ")");
}

/* Walks up from rep and adds amount to every manager on the way, each
 * once: the walk stops at a rep already on the path (a cycle in the
 * manager data) and after ROLLUP_MAX_DEPTH steps. */
static bool climb(const credit_engine *engine, const char *rep, credo_money amount, rollup_total **totals,
                  size_t *count, size_t *capacity)
{
    const char *path[ROLLUP_MAX_DEPTH + 1];
    size_t length = 0;
    path[length++] = rep;
    credo_buf *trace = engine->trace;
    for (const char *manager = manager_of(engine->snapshot, rep); manager != NULL && length <= ROLLUP_MAX_DEPTH;
         manager = manager_of(engine->snapshot, manager)) {
        bool cycle = false;
        for (size_t i = 0; i < length && !cycle; i++)
            cycle = strcmp(path[i], manager) == 0;
        if (cycle) {
            if (trace != NULL)
                credo_buf_printf(trace, " -> %s (a cycle in the manager data; stopped)", manager);
            break;
        }
        if (trace != NULL)
            credo_buf_printf(trace, " -> %s", manager);
        if (!add_total(totals, count, capacity, manager, amount))
            return false;
        path[length++] = manager;
    }
    if (trace != NULL)
        credo_buf_puts(trace, "\n");
    return true;
}

static bool push_rollup(const credit_engine *engine, uint32_t deal, const rollup_total *totals, size_t count,
                        const char *hold, credit_line_list *lines)
{
    credo_money deal_amount = engine->snapshot->deals.amount[deal];
    for (size_t i = 0; i < count; i++) {
        credo_bp share = deal_amount == 0 ? 0
                                          : (credo_bp)((__int128)totals[i].amount * CREDO_BP_WHOLE / deal_amount);
        const credo_credit_line line = {deal, totals[i].manager, "rollup", CREDO_RULE_ROLLUP, share,
                                        totals[i].amount, "manager", hold};
        if (!credit_push_line(lines, &line))
            return false;
        if (engine->trace != NULL) {
            char amount[32];
            credo_buf_printf(engine->trace, "    manager %s: one roll-up line of %s, the revenue credit of the reps "
                                            "below\n",
                             totals[i].manager, credo_format_decimal(totals[i].amount, 2, amount));
        }
    }
    return true;
}

bool credit_rollup(const credit_engine *engine, uint32_t deal, credit_line_list *lines, size_t first, size_t end,
                   const char *hold)
{
    rollup_total *reps = NULL, *totals = NULL;
    size_t rep_count = 0, rep_capacity = 0, count = 0, capacity = 0;
    bool ok = true;
    if (engine->trace != NULL)
        credo_buf_puts(engine->trace, "  roll-up through the manager chain (each manager once per deal):\n");

    /* One walk per rep with the sum of the rep's revenue lines, so that a
     * rep holding several roles shows one path. */
    for (size_t i = first; i < end && ok; i++) {
        const credo_credit_line *line = &lines->items[i];
        if (strcmp(line->kind, "revenue") == 0)
            ok = add_total(&reps, &rep_count, &rep_capacity, line->rep_id, line->amount);
    }
    for (size_t r = 0; r < rep_count && ok; r++) {
        if (engine->trace != NULL)
            trace_rep(engine, lines, first, end, &reps[r]);
        ok = climb(engine, reps[r].manager, reps[r].amount, &totals, &count, &capacity);
    }
    if (ok)
        ok = push_rollup(engine, deal, totals, count, hold, lines);
    free(reps);
    free(totals);
    return ok;
}
