/* Revenue credit for won deals, with exact largest-remainder rounding. */
#include "credo/engine.h"

#include <stdlib.h>
#include <string.h>

/* One part of a split while it is computed: the magnitude of the part and
 * the remainder of its exact value in 1/10000 units (-1 once the part has
 * received a leftover unit). */
typedef struct split_part {
    uint64_t magnitude;
    int64_t remainder;
} split_part;

/* Gives the left units one each to the parts with the largest remainders,
 * ties to the lower rep id. Fewer than count units are ever left, because
 * each remainder is below one unit. */
static void give_leftover_units(split_part *split, const char *const *rep_ids, size_t count,
                                size_t left)
{
    for (; left > 0; left--) {
        size_t best = count;
        for (size_t i = 0; i < count; i++) {
            if (split[i].remainder < 0)
                continue;
            if (best == count || split[i].remainder > split[best].remainder ||
                (split[i].remainder == split[best].remainder && strcmp(rep_ids[i], rep_ids[best]) < 0))
                best = i;
        }
        split[best].magnitude++;
        split[best].remainder = -1;
    }
}

credo_status credo_split_amount(credo_money amount, const credo_bp *shares,
                                const char *const *rep_ids, size_t count, credo_money *parts,
                                credo_error *err)
{
    int64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (shares[i] < 0)
            return credo_error_set(err, CREDO_ERR_INVALID, "split of rep %s is negative (%d bp)",
                                   rep_ids[i], shares[i]);
        total += shares[i];
    }
    if (total != CREDO_BP_WHOLE)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "splits sum to %lld bp, not %d bp (100%%); correct the deal team",
                               (long long)total, CREDO_BP_WHOLE);

    /* Work on the magnitude so that rounding toward zero and the leftover
     * units behave the same for refunds; 128-bit products cannot overflow.
     * Parts are kept as unsigned magnitudes until the end because the one
     * part of INT64_MIN at 10000 bp, 2^63, does not fit in int64_t. */
    bool negative = amount < 0;
    unsigned __int128 magnitude = negative ? (unsigned __int128)(-(__int128)amount) : (unsigned __int128)amount;
    unsigned __int128 assigned = 0;
    split_part *split = malloc((count == 0 ? 1 : count) * sizeof *split);
    if (split == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory splitting credit");

    for (size_t i = 0; i < count; i++) {
        unsigned __int128 product = magnitude * (unsigned)shares[i];
        split[i].magnitude = (uint64_t)(product / CREDO_BP_WHOLE);
        split[i].remainder = (int64_t)(product % CREDO_BP_WHOLE);
        assigned += split[i].magnitude;
    }

    give_leftover_units(split, rep_ids, count, (size_t)(magnitude - assigned));
    for (size_t i = 0; i < count; i++)
        parts[i] = negative ? (credo_money)(-(__int128)split[i].magnitude) : (credo_money)split[i].magnitude;
    free(split);
    return CREDO_OK;
}

void credo_credit_free(credo_credit *credit)
{
    if (credit == NULL)
        return;
    free(credit->lines);
    free(credit->problem);
    free(credit);
}

/* Growable array of credit lines. */
typedef struct line_list {
    credo_credit_line *items;
    size_t count, capacity;
} line_list;

static bool push_line(line_list *list, const credo_credit_line *line)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity == 0 ? 1024 : list->capacity * 2;
        credo_credit_line *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL)
            return false;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = *line;
    return true;
}

/* Credits one won deal by the splits of its team rows [first, end), which
 * are sorted by rep id; members without a split get no revenue credit.
 * Returns a problem text, or NULL when the lines were added. */
static const char *credit_by_team(const credo_snapshot *snapshot, uint32_t deal, size_t first,
                                  size_t end, line_list *lines, bool *failed)
{
    size_t count = end - first;
    credo_bp *shares = malloc(count * sizeof *shares);
    const char **rep_ids = malloc(count * sizeof *rep_ids);
    credo_money *parts = malloc(count * sizeof *parts);
    const char *problem = NULL;
    if (shares == NULL || rep_ids == NULL || parts == NULL) {
        *failed = true;
        goto out;
    }

    size_t with_split = 0;
    for (size_t row = first; row < end; row++) {
        if (snapshot->team.split[row] < 0)
            continue;
        shares[with_split] = snapshot->team.split[row];
        rep_ids[with_split] = credo_snapshot_text(snapshot, snapshot->team.rep_id[row]);
        with_split++;
    }
    count = with_split;
    credo_error err;
    credo_status status = credo_split_amount(snapshot->deals.amount[deal], shares, rep_ids, count,
                                             parts, &err);
    if (status == CREDO_ERR_NOMEM) {
        *failed = true;
        goto out;
    }
    if (status != CREDO_OK) {
        problem = "deal team splits do not sum to 100% (10000 bp); correct the deal team";
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        const credo_credit_line line = {deal, rep_ids[i], "revenue", CREDO_RULE_TEAM_SPLIT, shares[i], parts[i],
                                        NULL, NULL};
        if (!push_line(lines, &line)) {
            *failed = true;
            goto out;
        }
    }

out:
    free(shares);
    free(rep_ids);
    free(parts);
    return problem;
}

/* Finds the team rows of deal row `deal` in the team table, which is sorted
 * by deal id and so by deal row, with rows of unknown deals interleaved.
 * Sets [*first, *end) and returns how many of them carry a split. */
static size_t team_rows(const credo_snapshot *snapshot, uint32_t deal, size_t *cursor, size_t *first,
                        size_t *end)
{
    const credo_deal_team *team = &snapshot->team;
    while (*cursor < team->count &&
           (team->deal_row[*cursor] == CREDO_NO_ROW || team->deal_row[*cursor] < deal))
        (*cursor)++;

    size_t with_split = 0;
    *first = *end = *cursor;
    while (*end < team->count && team->deal_row[*end] == deal) {
        if (team->split[*end] >= 0)
            with_split++;
        (*end)++;
    }
    return with_split;
}

credo_status credo_credit_deals(const credo_snapshot *snapshot, const credo_ownership *ownership,
                                credo_credit **out, credo_error *err)
{
    const credo_deals *deals = &snapshot->deals;
    credo_credit *credit = calloc(1, sizeof *credit);
    if (credit == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory crediting deals");
    credit->deal_count = deals->count;
    credit->problem = calloc(deals->count == 0 ? 1 : deals->count, sizeof *credit->problem);
    if (credit->problem == NULL) {
        credo_credit_free(credit);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory crediting deals");
    }

    line_list lines = {0};
    bool failed = false;
    size_t cursor = 0;
    for (uint32_t deal = 0; deal < deals->count && !failed; deal++) {
        if (deals->status[deal] != CREDO_DEAL_WON)
            continue;

        size_t first, end;
        if (team_rows(snapshot, deal, &cursor, &first, &end) > 0) {
            credit->problem[deal] = credit_by_team(snapshot, deal, first, end, &lines, &failed);
            continue;
        }
        if (ownership->owner[deal] == NULL) {
            credit->problem[deal] = "the deal has no owner and no deal team splits; record an owner";
            continue;
        }
        const credo_credit_line line = {deal, ownership->owner[deal], "revenue", CREDO_RULE_OWNER_FULL,
                                        CREDO_BP_WHOLE, deals->amount[deal], NULL, NULL};
        failed = !push_line(&lines, &line);
    }

    credit->lines = lines.items;
    credit->count = lines.count;
    if (failed) {
        credo_credit_free(credit);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory crediting deals");
    }
    *out = credit;
    return CREDO_OK;
}
