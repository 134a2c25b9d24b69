/* Builders of small in-memory snapshots for the engagement and credit-rule
 * tests: one call per row, dates as "YYYY-MM-DD" text, NULL for a missing
 * value. Every builder fails the current test on error. Included by
 * tests/test_engage*.c, test_credit_rules*.c and test_preview.c. */
#ifndef CREDO_TEST_ENGAGE_FIXTURE_H
#define CREDO_TEST_ENGAGE_FIXTURE_H

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/engagement.h"
#include "credo/parse.h"
#include "credo/run.h"

static inline credo_str fx_str(credo_snapshot *snapshot, const char *text)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    assert_int_equal(status, CREDO_OK);
    return id;
}

static inline credo_date fx_date(const char *text)
{
    if (text == NULL)
        return CREDO_DATE_NONE;
    credo_date date;
    credo_error err;
    if (credo_parse_date(text, strlen(text), NULL, &date, &err) != CREDO_OK)
        fail_msg("bad fixture date %s", text);
    return date;
}

static inline credo_snapshot *fx_new(void)
{
    credo_snapshot *snapshot = NULL;
    credo_error err;
    assert_int_equal(credo_snapshot_new(&snapshot, &err), CREDO_OK);
    return snapshot;
}

static inline void fx_rep(credo_snapshot *s, const char *id, const char *manager)
{
    size_t row;
    credo_error err;
    assert_int_equal(credo_snapshot_add_rep(s, &row, &err), CREDO_OK);
    s->reps.id[row] = fx_str(s, id);
    s->reps.manager_id[row] = fx_str(s, manager);
}

static inline void fx_account(credo_snapshot *s, const char *id, const char *region)
{
    size_t row;
    credo_error err;
    assert_int_equal(credo_snapshot_add_account(s, &row, &err), CREDO_OK);
    s->accounts.id[row] = fx_str(s, id);
    s->accounts.country[row] = fx_str(s, "US");
    s->accounts.region[row] = fx_str(s, region);
}

/* A deal; status is "open", "won" or "lost". */
static inline void fx_deal(credo_snapshot *s, const char *id, const char *account, const char *owner, credo_money amount,
                    const char *status, const char *created, const char *closed)
{
    size_t row;
    credo_error err;
    assert_int_equal(credo_snapshot_add_deal(s, &row, &err), CREDO_OK);
    s->deals.id[row] = fx_str(s, id);
    s->deals.account_id[row] = fx_str(s, account);
    s->deals.owner_id[row] = fx_str(s, owner);
    s->deals.currency[row] = fx_str(s, "USD");
    s->deals.amount[row] = amount;
    s->deals.status[row] = strcmp(status, "won") == 0 ? CREDO_DEAL_WON
                           : strcmp(status, "lost") == 0 ? CREDO_DEAL_LOST
                                                         : CREDO_DEAL_OPEN;
    s->deals.created[row] = fx_date(created);
    s->deals.close_date[row] = fx_date(closed);
}

/* Sets text columns of the deal added last. */
static inline void fx_deal_source(credo_snapshot *s, const char *source, const char *product, const char *stage)
{
    size_t row = s->deals.count - 1;
    s->deals.source[row] = fx_str(s, source);
    s->deals.product[row] = fx_str(s, product);
    s->deals.stage[row] = fx_str(s, stage);
}

static inline void fx_team(credo_snapshot *s, const char *deal, const char *rep, const char *role, credo_bp split)
{
    size_t row;
    credo_error err;
    assert_int_equal(credo_snapshot_add_team_member(s, &row, &err), CREDO_OK);
    s->team.deal_id[row] = fx_str(s, deal);
    s->team.rep_id[row] = fx_str(s, rep);
    s->team.role[row] = fx_str(s, role);
    s->team.split[row] = split;
}

static inline void fx_activity(credo_snapshot *s, const char *rep, const char *account, const char *deal, const char *type,
                        const char *date)
{
    size_t row;
    credo_error err;
    assert_int_equal(credo_snapshot_add_activity(s, &row, &err), CREDO_OK);
    s->activities.rep_id[row] = fx_str(s, rep);
    s->activities.account_id[row] = fx_str(s, account);
    s->activities.deal_id[row] = fx_str(s, deal);
    s->activities.type[row] = fx_str(s, type);
    s->activities.date[row] = fx_date(date);
}

static inline void fx_history(credo_snapshot *s, const char *deal, const char *date, const char *stage)
{
    size_t row;
    credo_error err;
    assert_int_equal(credo_snapshot_add_history(s, &row, &err), CREDO_OK);
    s->history.deal_id[row] = fx_str(s, deal);
    s->history.date[row] = fx_date(date);
    s->history.stage[row] = fx_str(s, stage);
}

static inline void fx_registration(credo_snapshot *s, const char *id, const char *rep, const char *account,
                            const char *product, const char *source, const char *date, const char *deal)
{
    size_t row;
    credo_error err;
    assert_int_equal(credo_snapshot_add_registration(s, &row, &err), CREDO_OK);
    s->registrations.id[row] = fx_str(s, id);
    s->registrations.rep_id[row] = fx_str(s, rep);
    s->registrations.account_id[row] = fx_str(s, account);
    s->registrations.product[row] = fx_str(s, product);
    s->registrations.source[row] = fx_str(s, source);
    s->registrations.date[row] = fx_date(date);
    s->registrations.deal_id[row] = fx_str(s, deal);
}

static inline void fx_finish(credo_snapshot *s)
{
    credo_error err = {0};
    if (credo_snapshot_finish(s, &err) != CREDO_OK)
        fail_msg("finishing the fixture failed: %s", err.message);
}

static inline credo_policy *fx_policy(const char *text)
{
    credo_policy *policy = NULL;
    credo_error err = {0};
    if (credo_policy_parse(text, strlen(text), "policy.yaml", &policy, &err) != CREDO_OK)
        fail_msg("policy rejected: %s", err.message);
    return policy;
}

/* Parses a policy that must be rejected and returns the message. */
static inline credo_error fx_policy_error(const char *text)
{
    credo_policy *policy = NULL;
    credo_error err = {0};
    if (credo_policy_parse(text, strlen(text), "policy.yaml", &policy, &err) == CREDO_OK)
        fail_msg("policy accepted, expected an error:\n%s", text);
    return err;
}

static inline credo_run *fx_run(const credo_snapshot *snapshot, const credo_policy *policy, const char *as_of)
{
    credo_run *run = NULL;
    credo_error err = {0};
    if (credo_run_compute(snapshot, policy, fx_date(as_of), &run, &err) != CREDO_OK)
        fail_msg("run failed: %s", err.message);
    return run;
}

static inline uint32_t fx_deal_row(const credo_snapshot *s, const char *id)
{
    credo_str key = credo_strpool_find(s->strings, id, strlen(id));
    uint32_t row = credo_snapshot_find_deal(s, key);
    if (row == CREDO_NO_ROW)
        fail_msg("no deal %s in the fixture", id);
    return row;
}

static inline uint32_t fx_registration_row(const credo_snapshot *s, const char *id)
{
    credo_str key = credo_strpool_find(s->strings, id, strlen(id));
    uint32_t row = credo_snapshot_find_registration(s, key);
    if (row == CREDO_NO_ROW)
        fail_msg("no registration %s in the fixture", id);
    return row;
}

/* Sum of the credit lines of kind for rep on deal; -1 when there is none. */
static inline credo_money fx_credit(const credo_run *run, const char *deal, const char *rep, const char *kind)
{
    uint32_t row = fx_deal_row(run->snapshot, deal);
    credo_money total = 0;
    bool found = false;
    for (size_t i = 0; i < run->credit->count; i++) {
        const credo_credit_line *line = &run->credit->lines[i];
        if (line->deal == row && strcmp(line->rep_id, rep) == 0 && strcmp(line->kind, kind) == 0) {
            total += line->amount;
            found = true;
        }
    }
    return found ? total : -1;
}

/* Number of lines of kind for rep on deal. */
static inline size_t fx_line_count(const credo_run *run, const char *deal, const char *rep, const char *kind)
{
    uint32_t row = fx_deal_row(run->snapshot, deal);
    size_t count = 0;
    for (size_t i = 0; i < run->credit->count; i++) {
        const credo_credit_line *line = &run->credit->lines[i];
        count += line->deal == row && strcmp(line->rep_id, rep) == 0 && strcmp(line->kind, kind) == 0;
    }
    return count;
}

static inline const char *fx_owner(const credo_run *run, const char *deal)
{
    const char *owner = run->ownership->owner[fx_deal_row(run->snapshot, deal)];
    return owner != NULL ? owner : "(none)";
}

static inline void fx_assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

static inline char *fx_explain_deal(const credo_run *run, const char *deal)
{
    credo_buf out = CREDO_BUF_INIT;
    credo_explain_deal(run->snapshot, run->policy, run->assignment, run->ownership, run->credit,
                       fx_deal_row(run->snapshot, deal), &out);
    char *text = strdup(credo_buf_text(&out));
    credo_buf_free(&out);
    return text;
}

#endif
