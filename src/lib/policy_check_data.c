/* Checks of a policy against the data: member reps and named or excluded
 * accounts that the snapshot does not have, and memberships outside a
 * rep's active dates. */
#include "policy_internal.h"

#include <string.h>

#include "credo/parse.h"

static uint32_t find_rep(const credo_snapshot *snapshot, const char *id)
{
    credo_str text = credo_strpool_find(snapshot->strings, id, strlen(id));
    return text == CREDO_STR_NONE ? CREDO_NO_ROW : credo_snapshot_find_rep(snapshot, text);
}

static uint32_t find_account(const credo_snapshot *snapshot, const char *id)
{
    credo_str text = credo_strpool_find(snapshot->strings, id, strlen(id));
    return text == CREDO_STR_NONE ? CREDO_NO_ROW : credo_snapshot_find_account(snapshot, text);
}

/* Returns the rep id closest to id within an edit distance of 2, or NULL. */
static const char *closest_rep(const credo_snapshot *snapshot, const char *id)
{
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < snapshot->reps.count; i++) {
        const char *candidate = credo_snapshot_text(snapshot, snapshot->reps.id[i]);
        if (candidate == NULL)
            continue;
        size_t distance = policy_edit_distance(id, candidate, 2);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

static void report_unknown_rep(const credo_policy_territory *territory, const credo_policy_member *member,
                               const credo_snapshot *snapshot, policy_problems *problems)
{
    const char *suggestion = closest_rep(snapshot, member->rep_id);
    if (suggestion != NULL)
        policy_report(problems, member->pos, true,
                      "rep '%s' of territory '%s' is not in the data; did you mean '%s'?", member->rep_id,
                      territory->id, suggestion);
    else
        policy_report(problems, member->pos, true,
                      "rep '%s' of territory '%s' is not in the data; import the rep or "
                      "correct the id",
                      member->rep_id, territory->id);
}

/* Warns when the membership and the rep's active interval do not
 * intersect. Both intervals are half open; a missing date is open. */
static void check_rep_active(const credo_policy_territory *territory, const credo_policy_member *member,
                             const credo_snapshot *snapshot, uint32_t row, policy_problems *problems)
{
    credo_date active_from = snapshot->reps.active_from[row];
    credo_date active_to = snapshot->reps.active_to[row];
    char rep_date[16], member_date[16];

    if (active_to != CREDO_DATE_NONE && active_to != CREDO_DATE_MAX && member->from != CREDO_DATE_MIN &&
        active_to <= member->from) {
        policy_report(problems, member->pos, false,
                      "rep '%s' is inactive from %s, before the membership of territory '%s' "
                      "starts on %s; end the membership earlier or correct the rep's dates",
                      member->rep_id, credo_format_date(active_to, rep_date), territory->id,
                      credo_format_date(member->from, member_date));
    } else if (active_from != CREDO_DATE_NONE && active_from != CREDO_DATE_MIN &&
               member->to != CREDO_DATE_MAX && active_from >= member->to) {
        policy_report(problems, member->pos, false,
                      "rep '%s' becomes active on %s, after the membership of territory '%s' "
                      "ends on %s; start the membership later or correct the rep's dates",
                      member->rep_id, credo_format_date(active_from, rep_date), territory->id,
                      credo_format_date(member->to, member_date));
    }
}

static void check_accounts(const credo_policy_territory *territory, char *const *ids, size_t count,
                           const char *list, const credo_snapshot *snapshot, policy_problems *problems)
{
    for (size_t i = 0; i < count; i++) {
        if (find_account(snapshot, ids[i]) == CREDO_NO_ROW)
            policy_report(problems, territory->pos, true,
                          "account '%s' in %s of territory '%s' is not in the data; import "
                          "the account or correct the id",
                          ids[i], list, territory->id);
    }
}

/* Most attribute names offered as suggestions. */
#define ATTRIBUTE_SUGGESTIONS_MAX 64

static bool has_attribute(const credo_snapshot *snapshot, const char *name)
{
    for (size_t a = 0; a < snapshot->accounts.attribute_count; a++) {
        const char *known = credo_snapshot_text(snapshot, snapshot->accounts.attributes[a].name);
        if (known != NULL && strcmp(known, name) == 0)
            return true;
    }
    return false;
}

/* Warns about each custom attribute the territory's rule reads that no
 * imported account has: the test is then false for every account, so a
 * misspelt name would silently leave the territory empty. */
static void check_attributes(const credo_policy_territory *territory, const credo_snapshot *snapshot,
                             policy_problems *problems)
{
    if (territory->match == NULL || credo_expr_custom_count(territory->match) == 0)
        return;
    const char *prefix = credo_account_schema.custom_prefix;
    const char *known[ATTRIBUTE_SUGGESTIONS_MAX];
    size_t known_count = 0;
    for (size_t a = 0; a < snapshot->accounts.attribute_count && known_count < ATTRIBUTE_SUGGESTIONS_MAX; a++)
        known[known_count++] = credo_snapshot_text(snapshot, snapshot->accounts.attributes[a].name);

    for (size_t i = 0; i < credo_expr_custom_count(territory->match); i++) {
        const char *name = credo_expr_custom_name(territory->match, i) + strlen(prefix);
        if (has_attribute(snapshot, name))
            continue;
        const char *suggestion = policy_closest(name, known, known_count);
        if (suggestion != NULL)
            policy_report(problems, territory->match_pos, false,
                          "territory '%s' matches on attribute '%s%s', which no imported account has, "
                          "so the test is false for every account; did you mean '%s%s'?",
                          territory->id, prefix, name, prefix, suggestion);
        else
            policy_report(problems, territory->match_pos, false,
                          "territory '%s' matches on attribute '%s%s', which no imported account has, "
                          "so the test is false for every account; map the attribute in the import or "
                          "correct the name",
                          territory->id, prefix, name);
    }
}

void policy_check_data(const credo_policy_territory *territory, const credo_snapshot *snapshot,
                       policy_problems *problems)
{
    check_attributes(territory, snapshot, problems);
    for (size_t m = 0; m < territory->member_count; m++) {
        const credo_policy_member *member = &territory->members[m];
        uint32_t row = find_rep(snapshot, member->rep_id);
        if (row == CREDO_NO_ROW)
            report_unknown_rep(territory, member, snapshot, problems);
        else
            check_rep_active(territory, member, snapshot, row, problems);
    }
    check_accounts(territory, territory->named_accounts, territory->named_count, "named_accounts", snapshot,
                   problems);
    check_accounts(territory, territory->excluded_accounts, territory->excluded_count, "excluded_accounts",
                   snapshot, problems);
}
