/* Preview: the owner, protection, conflict and credit of a deal before it
 * is logged, computed by the engines of a run over a copy of the snapshot
 * with the deal and its registration added. */
#include "credo/engagement.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"
#include "credo/run.h"
#include "engage_internal.h"

static char *copy_text(const char *text, bool *failed)
{
    if (text == NULL)
        return NULL;
    char *copy = strdup(text);
    *failed = *failed || copy == NULL;
    return copy;
}

static credo_str intern(credo_snapshot *snapshot, const char *text, credo_status *status)
{
    if (text == NULL || *status != CREDO_OK)
        return CREDO_STR_NONE;
    return credo_strpool_intern_cstr(snapshot->strings, text, status);
}

static credo_status check_request(const credo_snapshot *snapshot, const credo_preview_request *request,
                                  credo_error *err)
{
    if (request->account_id == NULL || request->rep_id == NULL || request->date == CREDO_DATE_NONE)
        return credo_error_set(err, CREDO_ERR_INVALID, "a preview needs an account, a rep and a date");
    if (request->amount <= 0)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "invalid preview amount %lld minor units; a previewed deal needs an amount above 0",
                               (long long)request->amount);
    credo_str account = credo_strpool_find(snapshot->strings, request->account_id, strlen(request->account_id));
    if (account == CREDO_STR_NONE || credo_snapshot_find_account(snapshot, account) == CREDO_NO_ROW)
        return credo_error_set(err, CREDO_ERR_NOT_FOUND,
                               "account '%s' is not in the data; check the id (ids are case-sensitive) or import "
                               "the account first",
                               request->account_id);
    credo_str rep = credo_strpool_find(snapshot->strings, request->rep_id, strlen(request->rep_id));
    if (rep == CREDO_STR_NONE || credo_snapshot_find_rep(snapshot, rep) == CREDO_NO_ROW)
        return credo_error_set(err, CREDO_ERR_NOT_FOUND,
                               "rep '%s' is not in the data; check the id (ids are case-sensitive)", request->rep_id);
    return CREDO_OK;
}

/* Adds the request as one registration and one won deal to the copy. */
static credo_status add_request(credo_snapshot *copy, const credo_preview_request *request, credo_error *err)
{
    size_t deal_row, registration_row;
    credo_status status = credo_snapshot_add_deal(copy, &deal_row, err);
    if (status == CREDO_OK)
        status = credo_snapshot_add_registration(copy, &registration_row, err);
    if (status != CREDO_OK)
        return status;

    credo_deals *deals = &copy->deals;
    deals->id[deal_row] = intern(copy, CREDO_PREVIEW_DEAL_ID, &status);
    deals->account_id[deal_row] = intern(copy, request->account_id, &status);
    deals->owner_id[deal_row] = intern(copy, request->rep_id, &status);
    deals->currency[deal_row] = intern(copy, request->currency != NULL ? request->currency : "USD", &status);
    deals->source[deal_row] = intern(copy, request->source, &status);
    deals->partner[deal_row] = intern(copy, request->partner, &status);
    deals->product[deal_row] = intern(copy, request->product, &status);
    deals->amount[deal_row] = request->amount;
    deals->status[deal_row] = CREDO_DEAL_WON;
    deals->created[deal_row] = deals->close_date[deal_row] = request->date;

    credo_registrations *registrations = &copy->registrations;
    registrations->id[registration_row] = intern(copy, CREDO_PREVIEW_REGISTRATION_ID, &status);
    registrations->rep_id[registration_row] = deals->owner_id[deal_row];
    registrations->account_id[registration_row] = deals->account_id[deal_row];
    registrations->product[registration_row] = deals->product[deal_row];
    registrations->source[registration_row] = deals->source[deal_row];
    registrations->partner[registration_row] = deals->partner[deal_row];
    registrations->deal_id[registration_row] = deals->id[deal_row];
    registrations->date[registration_row] = request->date;
    if (status != CREDO_OK)
        return credo_error_set(err, status, "out of memory adding the previewed deal");
    return credo_snapshot_finish(copy, err);
}

/* The window that protects the deal: its registrant's claim, when that
 * claim covers the deal. */
static credo_date protection_of(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t deal)
{
    uint32_t registration = engagement->claim[deal];
    if (registration == CREDO_NO_ROW || !engage_claim_covers(snapshot, engagement, registration, deal))
        return CREDO_DATE_NONE;
    return engagement->claims[registration].protected_until;
}

static void fill_claim(const credo_run *run, uint32_t deal, uint32_t registration, credo_preview_result *out,
                       bool *failed)
{
    const credo_engagement *engagement = run->engagement;
    if (engagement == NULL)
        return;
    const credo_claim *claim = &engagement->claims[registration];
    out->engagement_rule = copy_text(credo_engagement_rule_name(engagement->rule[deal]), failed);
    out->claim_status = copy_text(credo_claim_status_name(claim->status), failed);
    out->protected_until = protection_of(run->snapshot, engagement, deal);
    if (claim->status == CREDO_CLAIM_CONFLICT) {
        out->conflict = copy_text(claim->reason, failed);
        out->conflict_key = copy_text(claim->key, failed);
    }
}

static void fill_lines(const credo_run *run, uint32_t deal, credo_preview_result *out, bool *failed)
{
    const credo_credit *credit = run->credit;
    size_t count = 0;
    for (size_t i = 0; i < credit->count; i++)
        count += credit->lines[i].deal == deal;
    out->lines = calloc(count == 0 ? 1 : count, sizeof *out->lines);
    if (out->lines == NULL) {
        *failed = true;
        return;
    }
    for (size_t i = 0; i < credit->count; i++) {
        const credo_credit_line *line = &credit->lines[i];
        if (line->deal != deal)
            continue;
        credo_preview_line *copy = &out->lines[out->line_count++];
        copy->rep_id = copy_text(line->rep_id, failed);
        copy->kind = copy_text(line->kind, failed);
        copy->rule = copy_text(line->rule, failed);
        copy->role = copy_text(line->role, failed);
        copy->hold = copy_text(line->hold, failed);
        copy->amount = line->amount;
    }
}

static credo_status fill_result(const credo_run *run, credo_preview_result *out, credo_error *err)
{
    const credo_snapshot *snapshot = run->snapshot;
    credo_str deal_id = credo_strpool_find(snapshot->strings, CREDO_PREVIEW_DEAL_ID, strlen(CREDO_PREVIEW_DEAL_ID));
    credo_str registration_id = credo_strpool_find(snapshot->strings, CREDO_PREVIEW_REGISTRATION_ID,
                                                   strlen(CREDO_PREVIEW_REGISTRATION_ID));
    uint32_t deal = credo_snapshot_find_deal(snapshot, deal_id);
    uint32_t registration = credo_snapshot_find_registration(snapshot, registration_id);
    bool failed = false;
    uint32_t territory = run->ownership->territory[deal];

    out->protected_until = CREDO_DATE_NONE;
    out->owner = copy_text(run->ownership->owner[deal], &failed);
    out->territory_id = copy_text(territory == CREDO_NO_ROW ? NULL : run->policy->territories[territory].id, &failed);
    out->status = copy_text(credo_deal_territory_status_name(run->ownership->status[deal]), &failed);
    out->problem = copy_text(run->credit->problem[deal], &failed);
    fill_claim(run, deal, registration, out, &failed);
    fill_lines(run, deal, out, &failed);
    if (failed) {
        credo_preview_result_clear(out);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory copying the preview's result");
    }
    return CREDO_OK;
}

credo_status credo_preview(const credo_snapshot *snapshot, const credo_policy *policy,
                           const credo_conflict_decision *decisions, size_t decision_count,
                           const credo_preview_request *request, credo_preview_result *out, credo_error *err)
{
    memset(out, 0, sizeof *out);
    out->protected_until = CREDO_DATE_NONE;
    credo_status status = check_request(snapshot, request, err);
    if (status != CREDO_OK)
        return status;

    credo_snapshot *copy = NULL;
    credo_run *run = NULL;
    status = credo_snapshot_copy(snapshot, &copy, err);
    if (status == CREDO_OK)
        status = add_request(copy, request, err);
    if (status == CREDO_OK)
        status = credo_run_compute_with(copy, policy, request->date, decisions, decision_count, &run, err);
    if (status == CREDO_OK)
        status = fill_result(run, out, err);
    credo_run_free(run);
    credo_snapshot_free(copy);
    return status;
}

void credo_preview_result_clear(credo_preview_result *result)
{
    if (result == NULL)
        return;
    free(result->owner);
    free(result->territory_id);
    free(result->status);
    free(result->engagement_rule);
    free(result->claim_status);
    free(result->conflict);
    free(result->conflict_key);
    free(result->problem);
    for (size_t i = 0; i < result->line_count; i++) {
        free(result->lines[i].rep_id);
        free(result->lines[i].kind);
        free(result->lines[i].rule);
        free(result->lines[i].role);
        free(result->lines[i].hold);
    }
    free(result->lines);
    memset(result, 0, sizeof *result);
    result->protected_until = CREDO_DATE_NONE;
}

static void json_text_or_null(credo_buf *out, const char *key, const char *text, bool comma)
{
    credo_buf_printf(out, "%s\"%s\":", comma ? "," : "", key);
    if (text == NULL)
        credo_buf_puts(out, "null");
    else
        credo_buf_json_string(out, text);
}

void credo_preview_json(const credo_preview_result *result, credo_buf *out)
{
    char day[16];
    credo_buf_puts(out, "{");
    json_text_or_null(out, "owner", result->owner, false);
    json_text_or_null(out, "territory", result->territory_id, true);
    json_text_or_null(out, "status", result->status, true);
    json_text_or_null(out, "engagement_rule", result->engagement_rule, true);
    json_text_or_null(out, "claim", result->claim_status, true);
    json_text_or_null(out, "protected_until",
                      result->protected_until == CREDO_DATE_NONE ? NULL : credo_format_date(result->protected_until, day),
                      true);
    json_text_or_null(out, "conflict", result->conflict, true);
    json_text_or_null(out, "conflict_key", result->conflict_key, true);
    json_text_or_null(out, "problem", result->problem, true);
    credo_buf_puts(out, ",\"credit\":[");
    for (size_t i = 0; i < result->line_count; i++) {
        const credo_preview_line *line = &result->lines[i];
        credo_buf_puts(out, i == 0 ? "{" : ",{");
        json_text_or_null(out, "rep", line->rep_id, false);
        json_text_or_null(out, "kind", line->kind, true);
        credo_buf_printf(out, ",\"amount_minor\":%lld", (long long)line->amount);
        json_text_or_null(out, "rule", line->rule, true);
        json_text_or_null(out, "role", line->role, true);
        json_text_or_null(out, "hold", line->hold, true);
        credo_buf_puts(out, "}");
    }
    credo_buf_puts(out, "]}");
}

void credo_preview_text(const credo_preview_result *result, credo_buf *out)
{
    char day[16], amount[32];
    credo_buf_printf(out, "owner: %s (%s%s%s)\n", result->owner != NULL ? result->owner : "nobody",
                     result->status != NULL ? result->status : "?", result->territory_id != NULL ? ", territory " : "",
                     result->territory_id != NULL ? result->territory_id : "");
    if (result->claim_status != NULL)
        credo_buf_printf(out, "registration: %s; rules of engagement: %s\n", result->claim_status,
                         result->engagement_rule != NULL ? result->engagement_rule : "none");
    credo_buf_printf(out, "protected until: %s\n",
                     result->protected_until == CREDO_DATE_NONE ? "not protected"
                                                                : credo_format_date(result->protected_until, day));
    credo_buf_printf(out, "conflict: %s\n", result->conflict != NULL ? result->conflict : "none");
    if (result->problem != NULL)
        credo_buf_printf(out, "not credited: %s\n", result->problem);
    credo_buf_puts(out, result->line_count == 0 ? "credit: none\n" : "credit:\n");
    /* NOTE: amounts print with 2 decimals, right for USD and EUR but not
     * for currencies such as JPY; amount_minor is exact. */
    for (size_t i = 0; i < result->line_count; i++) {
        const credo_preview_line *line = &result->lines[i];
        credo_buf_printf(out, "  %-10s %-8s %14s (%lld minor units) rule %s, role %s%s%s\n", line->rep_id, line->kind,
                         credo_format_decimal(line->amount, 2, amount), (long long)line->amount, line->rule,
                         line->role != NULL ? line->role : "-", line->hold != NULL ? ", held " : "",
                         line->hold != NULL ? line->hold : "");
    }
}
