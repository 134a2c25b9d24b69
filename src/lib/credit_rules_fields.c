/* The fields of credit conditions: deal, account and rep (the closer)
 * fields, read from the snapshot and the results of ownership and
 * engagement. */
#include "engage_internal.h"

#include <stdlib.h>
#include <string.h>

#include "account_fields.h"
#include "credo/parse.h"

#define CUSTOM_PREFIX "account.attr."

static const credo_expr_field deal_fields[CREDIT_FIELD_COUNT] = {
    [CREDIT_FIELD_DEAL_ID] = {"deal.id", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_ACCOUNT] = {"deal.account", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_OWNER] = {"deal.owner", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_RECORDED_OWNER] = {"deal.recorded_owner", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_STAGE] = {"deal.stage", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_STATUS] = {"deal.status", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_SOURCE] = {"deal.source", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_PARTNER] = {"deal.partner", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_PRODUCT] = {"deal.product", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_CURRENCY] = {"deal.currency", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_CREATED] = {"deal.created", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_CLOSE_DATE] = {"deal.close_date", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_TERRITORY] = {"deal.territory", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_TERRITORY_STATUS] = {"deal.territory_status", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_REGISTRANT] = {"deal.registrant", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_PARTNER_SOURCED] = {"deal.partner_sourced", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_ENGAGEMENT_RULE] = {"deal.engagement_rule", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_DEAL_AMOUNT_MINOR] = {"deal.amount_minor", CREDO_VALUE_NUMBER},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_ID] = {"account.id", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_NAME] = {"account.name", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_COUNTRY] = {"account.country", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_REGION] = {"account.region", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_POSTAL_CODE] = {"account.postal_code", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_CITY] = {"account.city", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_INDUSTRY] = {"account.industry", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_PARENT] = {"account.parent", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_EMPLOYEES] = {"account.employees", CREDO_VALUE_NUMBER},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_ANNUAL_REVENUE] = {"account.annual_revenue", CREDO_VALUE_NUMBER},
    [CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_POTENTIAL] = {"account.potential", CREDO_VALUE_NUMBER},
    [CREDIT_FIELD_REP_ID] = {"rep.id", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_REP_NAME] = {"rep.name", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_REP_TITLE] = {"rep.title", CREDO_VALUE_TEXT},
    [CREDIT_FIELD_REP_MANAGER] = {"rep.manager", CREDO_VALUE_TEXT},
};

const credo_expr_schema credo_deal_schema = {deal_fields, CREDIT_FIELD_COUNT, CUSTOM_PREFIX};

void credit_deal_ref_init(credit_deal_ref *ref, const credo_snapshot *snapshot, const credo_policy *policy,
                          const credo_ownership *ownership, const credo_engagement *engagement,
                          uint32_t deal)
{
    memset(ref, 0, sizeof *ref);
    ref->snapshot = snapshot;
    ref->policy = policy;
    ref->ownership = ownership;
    ref->engagement = engagement;
    ref->deal = deal;
    ref->registrant = engagement != NULL ? engage_registrant(snapshot, engagement, deal) : NULL;
    credo_format_date(snapshot->deals.created[deal], ref->created);
    credo_format_date(snapshot->deals.close_date[deal], ref->close_date);

    ref->rep = CREDO_NO_ROW;
    const char *owner = ownership->owner[deal];
    if (owner != NULL) {
        credo_str id = credo_strpool_find(snapshot->strings, owner, strlen(owner));
        if (id != CREDO_STR_NONE)
            ref->rep = credo_snapshot_find_rep(snapshot, id);
    }
}

static void set_text(const char *text, credo_value *out)
{
    if (text == NULL || text[0] == '\0') {
        out->kind = CREDO_VALUE_MISSING;
        return;
    }
    out->kind = CREDO_VALUE_TEXT;
    out->text = text;
    out->length = strlen(text);
}

static const char *deal_status_name(uint8_t status)
{
    switch ((credo_deal_status)status) {
    case CREDO_DEAL_OPEN: return "open";
    case CREDO_DEAL_WON: return "won";
    case CREDO_DEAL_LOST: return "lost";
    }
    return NULL;
}

/* Text of a deal column field, or NULL when the field is not one. */
static bool deal_column_text(const credit_deal_ref *ref, int field, const char **text)
{
    const credo_deals *deals = &ref->snapshot->deals;
    const credo_snapshot *snapshot = ref->snapshot;
    uint32_t deal = ref->deal;
    switch (field) {
    case CREDIT_FIELD_DEAL_ID: *text = credo_snapshot_text(snapshot, deals->id[deal]); return true;
    case CREDIT_FIELD_DEAL_ACCOUNT: *text = credo_snapshot_text(snapshot, deals->account_id[deal]); return true;
    case CREDIT_FIELD_DEAL_RECORDED_OWNER: *text = credo_snapshot_text(snapshot, deals->owner_id[deal]); return true;
    case CREDIT_FIELD_DEAL_STAGE: *text = credo_snapshot_text(snapshot, deals->stage[deal]); return true;
    case CREDIT_FIELD_DEAL_STATUS: *text = deal_status_name(deals->status[deal]); return true;
    case CREDIT_FIELD_DEAL_SOURCE: *text = credo_snapshot_text(snapshot, deals->source[deal]); return true;
    case CREDIT_FIELD_DEAL_PARTNER: *text = credo_snapshot_text(snapshot, deals->partner[deal]); return true;
    case CREDIT_FIELD_DEAL_PRODUCT: *text = credo_snapshot_text(snapshot, deals->product[deal]); return true;
    case CREDIT_FIELD_DEAL_CURRENCY: *text = credo_snapshot_text(snapshot, deals->currency[deal]); return true;
    case CREDIT_FIELD_DEAL_CREATED: *text = ref->created; return true;
    case CREDIT_FIELD_DEAL_CLOSE_DATE: *text = ref->close_date; return true;
    default: return false;
    }
}

/* Text of a field that comes from the results of ownership and
 * engagement, or false when the field is not one. */
static bool deal_result_text(const credit_deal_ref *ref, int field, const char **text)
{
    const credo_ownership *ownership = ref->ownership;
    const credo_engagement *engagement = ref->engagement;
    uint32_t deal = ref->deal, territory = ownership->territory[deal];
    switch (field) {
    case CREDIT_FIELD_DEAL_OWNER: *text = ownership->owner[deal]; return true;
    case CREDIT_FIELD_DEAL_TERRITORY:
        *text = territory == CREDO_NO_ROW ? NULL : ref->policy->territories[territory].id;
        return true;
    case CREDIT_FIELD_DEAL_TERRITORY_STATUS:
        *text = credo_deal_territory_status_name(ownership->status[deal]);
        return true;
    case CREDIT_FIELD_DEAL_REGISTRANT: *text = ref->registrant; return true;
    case CREDIT_FIELD_DEAL_PARTNER_SOURCED:
        *text = engagement != NULL && engagement->partner_sourced[deal] ? "true" : "false";
        return true;
    case CREDIT_FIELD_DEAL_ENGAGEMENT_RULE:
        *text = credo_engagement_rule_name(engagement != NULL ? engagement->rule[deal] : CREDO_ENGAGE_NONE);
        return true;
    default: return false;
    }
}

static void rep_field(const credit_deal_ref *ref, int field, credo_value *out)
{
    const credo_reps *reps = &ref->snapshot->reps;
    if (ref->rep == CREDO_NO_ROW) {
        /* The closer may be a rep id that the rep table lacks. */
        set_text(field == CREDIT_FIELD_REP_ID ? ref->ownership->owner[ref->deal] : NULL, out);
        return;
    }
    credo_str id = CREDO_STR_NONE;
    switch (field) {
    case CREDIT_FIELD_REP_ID: id = reps->id[ref->rep]; break;
    case CREDIT_FIELD_REP_NAME: id = reps->name[ref->rep]; break;
    case CREDIT_FIELD_REP_TITLE: id = reps->title[ref->rep]; break;
    case CREDIT_FIELD_REP_MANAGER: id = reps->manager_id[ref->rep]; break;
    default: break;
    }
    set_text(credo_snapshot_text(ref->snapshot, id), out);
}

static void amount_field(const credit_deal_ref *ref, credo_value *out)
{
    credo_money amount = ref->snapshot->deals.amount[ref->deal];
    if (amount > INT64_MAX / CREDO_NUMBER_SCALE || amount < -(INT64_MAX / CREDO_NUMBER_SCALE)) {
        out->kind = CREDO_VALUE_MISSING; /* beyond the range of credo_number */
        return;
    }
    out->kind = CREDO_VALUE_NUMBER;
    out->number = amount * CREDO_NUMBER_SCALE;
}

static void account_field(const credit_deal_ref *ref, int account_field_id, credo_value *out)
{
    uint32_t account = ref->snapshot->deals.account_row[ref->deal];
    if (account == CREDO_NO_ROW) {
        out->kind = CREDO_VALUE_MISSING;
        return;
    }
    const credo_account_row_ref row = {ref->snapshot, account, ref->custom_columns, ref->custom_count};
    credo_account_field_get(&row, account_field_id, out);
}

void credit_field_get(const void *ctx, int field, credo_value *out)
{
    const credit_deal_ref *ref = ctx;
    memset(out, 0, sizeof *out);
    const char *text = NULL;

    if (deal_column_text(ref, field, &text) || deal_result_text(ref, field, &text)) {
        set_text(text, out);
    } else if (field == CREDIT_FIELD_DEAL_AMOUNT_MINOR) {
        amount_field(ref, out);
    } else if (field >= CREDIT_FIELD_ACCOUNT_FIRST && field < CREDIT_FIELD_REP_ID) {
        account_field(ref, field - CREDIT_FIELD_ACCOUNT_FIRST, out);
    } else if (field >= CREDIT_FIELD_REP_ID && field < CREDIT_FIELD_COUNT) {
        rep_field(ref, field, out);
    } else {
        /* A custom attribute: credo_account_field_get numbers them from
         * CREDO_FIELD_ACCOUNT_COUNT. */
        account_field(ref, CREDO_FIELD_ACCOUNT_COUNT + (field - CREDIT_FIELD_COUNT), out);
    }
}

/* Looks up the attribute columns of the condition's custom fields. */
static const credo_attribute_column **custom_columns(const credo_snapshot *snapshot, const credo_expr *condition,
                                                     bool *failed)
{
    size_t count = credo_expr_custom_count(condition);
    *failed = false;
    if (count == 0)
        return NULL;
    const credo_attribute_column **columns = calloc(count, sizeof *columns);
    if (columns == NULL) {
        *failed = true;
        return NULL;
    }
    const credo_accounts *accounts = &snapshot->accounts;
    for (size_t i = 0; i < count; i++) {
        const char *name = credo_expr_custom_name(condition, i) + strlen(CUSTOM_PREFIX);
        for (size_t a = 0; a < accounts->attribute_count; a++)
            if (strcmp(credo_snapshot_text(snapshot, accounts->attributes[a].name), name) == 0)
                columns[i] = &accounts->attributes[a];
    }
    return columns;
}

bool credit_condition_holds(const credo_expr *condition, credit_deal_ref *ref, credo_buf *trace, int indent,
                            bool *failed)
{
    ref->custom_columns = custom_columns(ref->snapshot, condition, failed);
    ref->custom_count = ref->custom_columns != NULL ? credo_expr_custom_count(condition) : 0;
    if (*failed)
        return false;
    bool holds = trace != NULL ? credo_expr_explain(condition, credit_field_get, ref, NULL, indent, trace)
                               : credo_expr_eval(condition, credit_field_get, ref);
    free(ref->custom_columns);
    ref->custom_columns = NULL;
    ref->custom_count = 0;
    return holds;
}
