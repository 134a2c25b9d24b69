/* Credit by the policy's credit rules: the partner sourcing share off the
 * top, then the first matching rule's revenue shares by role (a role that
 * no rep holds passes its share to the closer), overlay shares, roll-up to
 * managers and holds. Without a matching rule, the plain rules of
 * credit.c apply to what is left after sourcing. */
#include "engage_internal.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

bool credit_push_line(credit_line_list *list, const credo_credit_line *line)
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

void credit_split_weights(credo_money amount, const int64_t *weights, size_t count, credo_money *parts)
{
    /* Work on the magnitude, as credo_split_amount does, so that refunds
     * round the same way; 128-bit products of an int64 amount and an int64
     * weight cannot overflow. */
    bool negative = amount < 0;
    unsigned __int128 magnitude = negative ? (unsigned __int128)(-(__int128)amount) : (unsigned __int128)amount;
    unsigned __int128 total = 0, assigned = 0;
    for (size_t i = 0; i < count; i++)
        total += (unsigned __int128)weights[i];

    unsigned __int128 *remainders = calloc(count == 0 ? 1 : count, sizeof *remainders);
    bool *given = calloc(count == 0 ? 1 : count, sizeof *given);
    for (size_t i = 0; i < count; i++) {
        unsigned __int128 product = magnitude * (unsigned __int128)weights[i];
        unsigned __int128 part = total == 0 ? 0 : product / total;
        if (remainders != NULL)
            remainders[i] = total == 0 ? 0 : product % total;
        parts[i] = (credo_money)part;
        assigned += part;
    }

    /* Fewer than count units are left; one each to the largest remainders,
     * ties to the lower index. Without memory for the remainders, the
     * units go in index order, which still conserves the amount. */
    for (unsigned __int128 left = total == 0 ? 0 : magnitude - assigned; left > 0; left--) {
        size_t best = count;
        for (size_t i = 0; i < count; i++) {
            if ((given != NULL && given[i]) || weights[i] == 0)
                continue;
            if (best == count || (remainders != NULL && remainders[i] > remainders[best]))
                best = i;
        }
        parts[best]++;
        if (given != NULL)
            given[best] = true;
    }
    if (negative)
        for (size_t i = 0; i < count; i++)
            parts[i] = -parts[i];
    free(remainders);
    free(given);
}

static void free_entries(credit_entry *entries, size_t count)
{
    for (size_t i = 0; entries != NULL && i < count; i++)
        free(entries[i].holders);
    free(entries);
}

bool credit_push_entries(const credit_engine *engine, uint32_t deal, const char *rule, const credit_entry *entries,
                         size_t count, credo_bp rest_share, const char *hold, credit_line_list *lines)
{
    (void)engine;
    for (size_t e = 0; e < count; e++) {
        const credit_entry *entry = &entries[e];
        if (entry->holder_count == 0)
            continue;
        credo_money *parts = malloc(entry->holder_count * sizeof *parts);
        int64_t *ones = malloc(entry->holder_count * sizeof *ones);
        bool pushed = parts != NULL && ones != NULL;
        for (size_t h = 0; pushed && h < entry->holder_count; h++)
            ones[h] = 1;
        if (pushed)
            credit_split_weights(entry->amount, ones, entry->holder_count, parts);
        credo_bp share = (credo_bp)(entry->weight * rest_share / CREDO_BP_WHOLE / (int64_t)entry->holder_count);
        for (size_t h = 0; pushed && h < entry->holder_count; h++) {
            const credo_credit_line line = {deal, entry->holders[h], "revenue", rule, share, parts[h], entry->role, hold};
            pushed = credit_push_line(lines, &line);
        }
        free(parts);
        free(ones);
        if (!pushed)
            return false;
    }
    return true;
}

void credit_split_entries(credit_entry *entries, size_t count, credo_money amount, bool *failed)
{
    int64_t *weights = calloc(count == 0 ? 1 : count, sizeof *weights);
    credo_money *parts = malloc((count == 0 ? 1 : count) * sizeof *parts);
    if (weights == NULL || parts == NULL) {
        *failed = true;
    } else {
        for (size_t e = 0; e < count; e++)
            weights[e] = entries[e].holder_count > 0 ? entries[e].weight : 0;
        credit_split_weights(amount, weights, count, parts);
        for (size_t e = 0; e < count; e++)
            entries[e].amount = parts[e];
    }
    free(weights);
    free(parts);
}

static void trace_holders(const credit_engine *engine, const credit_entry *entry)
{
    char share[32];
    credo_buf_printf(engine->trace, "    %s (%s%%): ", entry->role, credo_format_decimal(entry->weight, 2, share));
    for (size_t h = 0; h < entry->holder_count; h++)
        credo_buf_printf(engine->trace, "%s%s", h == 0 ? "" : ", ", entry->holders[h]);
    credo_buf_puts(engine->trace, entry->holder_count == 0 ? "nobody holds the role, so its share passes to the closer\n"
                                                           : "\n");
}

/* Resolves the holders of every revenue share of the rule. */
static credit_entry *resolve_entries(const credit_engine *engine, uint32_t deal, const credo_credit_rule *rule,
                                     bool *failed)
{
    credit_entry *entries = calloc(rule->revenue_count + 1, sizeof *entries);
    for (size_t e = 0; entries != NULL && e < rule->revenue_count; e++) {
        const credo_credit_share *share = &rule->revenue[e];
        entries[e].role = credit_role_name(share->role);
        entries[e].weight = share->share;
        if (engine->trace != NULL && share->role == CREDO_ROLE_DEAL_TEAM)
            credo_buf_printf(engine->trace, "    deal_team: contribution of each collaborator\n");
        entries[e].holders = malloc(credit_role_capacity(engine, deal, share) * sizeof *entries[e].holders);
        if (entries[e].holders == NULL) {
            free_entries(entries, rule->revenue_count);
            entries = NULL;
            break;
        }
        entries[e].holder_count = credit_role_holders(engine, deal, share, entries[e].holders);
        if (engine->trace != NULL)
            trace_holders(engine, &entries[e]);
    }
    *failed = *failed || entries == NULL;
    return entries;
}

/* Moves the shares of roles no rep holds to the closer's entry, adding
 * one at index `count` when the rule has none. Returns the entry count,
 * or 0 when a share must pass to the closer and the deal has none. */
static size_t pass_to_closer(const credit_engine *engine, uint32_t deal, credit_entry *entries, size_t count,
                             bool *failed)
{
    const char *closer = engine->ownership->owner[deal];
    int64_t unheld = 0;
    size_t closer_entry = count;
    for (size_t e = 0; e < count; e++) {
        if (entries[e].holder_count == 0)
            unheld += entries[e].weight;
        if (closer_entry == count && entries[e].holder_count > 0 && strcmp(entries[e].role, "closer") == 0)
            closer_entry = e;
    }
    if (unheld == 0)
        return count;
    if (closer == NULL)
        return 0;
    if (closer_entry == count) {
        entries[count].role = "closer";
        entries[count].holders = malloc(sizeof *entries[count].holders);
        if (entries[count].holders == NULL) {
            *failed = true;
            return 0;
        }
        entries[count].holders[0] = closer;
        entries[count].holder_count = 1;
    }
    entries[closer_entry].weight += unheld;
    return count + (closer_entry == count);
}

const char *credit_by_rule(const credit_engine *engine, uint32_t deal, const credo_credit_rule *rule,
                                  credo_money rest, credo_bp rest_share, const char *hold, credit_line_list *lines,
                                  bool *failed)
{
    credit_entry *entries = resolve_entries(engine, deal, rule, failed);
    if (entries == NULL)
        return NULL;
    size_t count = pass_to_closer(engine, deal, entries, rule->revenue_count, failed);
    const char *problem = NULL;
    if (count == 0 && !*failed)
        problem = "a role of the credit rule has no holder and the deal has no owner to pass its share to; record an "
                  "owner";
    if (count > 0) {
        credit_split_entries(entries, count, rest, failed);
        if (!*failed && !credit_push_entries(engine, deal, rule->id, entries, count, rest_share, hold, lines))
            *failed = true;
    }
    free_entries(entries, rule->revenue_count + 1);
    return problem;
}
