/* The in-memory snapshot: every entity of the store as columns of equal
 * length (one array per field), with strings interned in one pool.
 *
 * Engines read a snapshot and never change it. Rows are kept in ascending
 * order of id (by code point), so that results do not depend on the order
 * in which rows were imported or loaded. */
#ifndef CREDO_MODEL_H
#define CREDO_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "credo/error.h"
#include "credo/strpool.h"
#include "credo/types.h"

/* Row index meaning "no row", for example a deal whose account is unknown. */
#define CREDO_NO_ROW UINT32_MAX

typedef struct credo_reps {
    size_t count;
    credo_str *id;
    credo_str *name;
    credo_str *email;
    credo_str *title;
    credo_str *manager_id;   /* rep id of the manager, or CREDO_STR_NONE */
    credo_date *active_from; /* CREDO_DATE_MIN when open */
    credo_date *active_to;   /* exclusive; CREDO_DATE_MAX when open */
} credo_reps;

/* Custom account attribute: one text column per attribute name. */
typedef struct credo_attribute_column {
    credo_str name;    /* without the "attr." prefix */
    credo_str *values; /* one per account; CREDO_STR_NONE when missing */
} credo_attribute_column;

typedef struct credo_accounts {
    size_t count;
    credo_str *id;
    credo_str *name;
    credo_str *country;     /* ISO 3166-1 alpha-2, or the source text when unmatched */
    credo_str *region;      /* ISO 3166-2 code, or the source text when unmatched */
    credo_str *postal_code; /* normalised as the mapping says */
    credo_str *city;
    credo_str *industry;
    credo_str *parent_id;
    credo_str *owner_id;    /* named owner from the source, if any */
    credo_number *employees;
    credo_number *annual_revenue;
    credo_number *potential;
    credo_number *latitude;
    credo_number *longitude;
    size_t attribute_count;
    credo_attribute_column *attributes;
} credo_accounts;

typedef enum credo_deal_status {
    CREDO_DEAL_OPEN = 0,
    CREDO_DEAL_WON = 1,
    CREDO_DEAL_LOST = 2
} credo_deal_status;

typedef struct credo_deals {
    size_t count;
    credo_str *id;
    credo_str *account_id;
    uint32_t *account_row;  /* index into credo_accounts, or CREDO_NO_ROW */
    credo_str *owner_id;    /* recorded owner (the rep who logged it), if any */
    credo_str *currency;    /* ISO 4217 code */
    credo_money *amount;    /* minor units */
    credo_str *stage;
    uint8_t *status;        /* credo_deal_status */
    credo_str *source;      /* inbound, outbound, partner, referral, ... */
    credo_str *partner;
    credo_str *product;
    credo_date *created;    /* the date the deal was logged */
    credo_date *close_date;
} credo_deals;

/* Deal team membership with optional split; sorted by deal id, then rep id. */
typedef struct credo_deal_team {
    size_t count;
    credo_str *deal_id;
    uint32_t *deal_row;     /* index into credo_deals, or CREDO_NO_ROW */
    credo_str *rep_id;
    credo_str *role;
    credo_bp *split;        /* basis points, or -1 when not given */
} credo_deal_team;

/* Activities of reps on accounts (email, call, meeting, demo, ...), sorted
 * by account id, then date, rep id, type and deal id. */
typedef struct credo_activities {
    size_t count;
    credo_str *rep_id;
    credo_str *account_id;
    uint32_t *account_row;  /* index into credo_accounts, or CREDO_NO_ROW */
    credo_str *deal_id;     /* optional */
    uint32_t *deal_row;     /* index into credo_deals, or CREDO_NO_ROW */
    credo_str *type;
    credo_date *date;       /* the day it happened */
} credo_activities;

/* Past states of deals, one row per change, as CRM history tables keep them
 * (the deal's stage, amount and expected close date from `date` on). Sorted
 * by deal id, then date; rows of one day keep their load order. */
typedef struct credo_deal_history {
    size_t count;
    credo_str *deal_id;
    uint32_t *deal_row;     /* index into credo_deals, or CREDO_NO_ROW */
    credo_date *date;       /* the day the state began */
    credo_str *stage;       /* CREDO_STR_NONE when the row does not give it */
    credo_money *amount;    /* INT64_MIN when the row does not give it */
    credo_date *close_date; /* CREDO_DATE_NONE when the row does not give it */
} credo_deal_history;

/* Sales quotas: one amount per rep and period [start, end). Sorted by rep
 * id, then start. */
typedef struct credo_quotas {
    size_t count;
    credo_str *rep_id;
    credo_date *start;
    credo_date *end;        /* exclusive */
    credo_str *currency;
    credo_money *amount;    /* minor units */
} credo_quotas;

/* Deal registrations: a rep's claim on an account (and product), with its
 * source and partner, the day it was logged. Sorted by id. */
typedef struct credo_registrations {
    size_t count;
    credo_str *id;
    credo_str *rep_id;
    credo_str *account_id;
    uint32_t *account_row;  /* index into credo_accounts, or CREDO_NO_ROW */
    credo_str *product;     /* optional */
    credo_str *source;
    credo_str *partner;
    credo_str *deal_id;     /* the deal the registration became, if known */
    credo_date *date;
} credo_registrations;

typedef struct credo_snapshot {
    credo_strpool *strings;
    credo_reps reps;
    credo_accounts accounts;
    credo_deals deals;
    credo_deal_team team;
    credo_activities activities;
    credo_deal_history history;
    credo_quotas quotas;
    credo_registrations registrations;
} credo_snapshot;

/* Missing amount in a credo_deal_history row. */
#define CREDO_MONEY_NONE INT64_MIN

/* Creates an empty snapshot with its own string pool. */
credo_status credo_snapshot_new(credo_snapshot **out, credo_error *err);

/* Frees the snapshot, its columns and its pool. snapshot may be NULL. */
void credo_snapshot_free(credo_snapshot *snapshot);

/* Appends one zero-filled row (all strings missing, numbers and dates
 * missing, account_row CREDO_NO_ROW) and returns its index through *row.
 * Used by loaders, which then fill the columns. */
credo_status credo_snapshot_add_rep(credo_snapshot *snapshot, size_t *row, credo_error *err);
credo_status credo_snapshot_add_account(credo_snapshot *snapshot, size_t *row, credo_error *err);
credo_status credo_snapshot_add_deal(credo_snapshot *snapshot, size_t *row, credo_error *err);
credo_status credo_snapshot_add_team_member(credo_snapshot *snapshot, size_t *row, credo_error *err);
credo_status credo_snapshot_add_activity(credo_snapshot *snapshot, size_t *row, credo_error *err);
credo_status credo_snapshot_add_history(credo_snapshot *snapshot, size_t *row, credo_error *err);
credo_status credo_snapshot_add_quota(credo_snapshot *snapshot, size_t *row, credo_error *err);
credo_status credo_snapshot_add_registration(credo_snapshot *snapshot, size_t *row, credo_error *err);

/* Returns the column of custom attribute `name`, adding it when absent. */
credo_status credo_snapshot_attribute(credo_snapshot *snapshot, const char *name,
                                      credo_attribute_column **out, credo_error *err);

/* Sorts every table (by id, or by the keys each table's comment names),
 * resolves the row links (deal, team, activity, history and registration to
 * their account and deal rows), and rejects duplicate ids of reps,
 * accounts, deals and registrations (CREDO_ERR_INVALID naming the id).
 * Loaders call it once after filling the columns. */
credo_status credo_snapshot_finish(credo_snapshot *snapshot, credo_error *err);

/* Binary searches a sorted table for id; returns CREDO_NO_ROW when absent. */
uint32_t credo_snapshot_find_rep(const credo_snapshot *snapshot, credo_str id);
uint32_t credo_snapshot_find_account(const credo_snapshot *snapshot, credo_str id);
uint32_t credo_snapshot_find_deal(const credo_snapshot *snapshot, credo_str id);
uint32_t credo_snapshot_find_registration(const credo_snapshot *snapshot, credo_str id);

/* Shorthand for credo_strpool_get(snapshot->strings, id). */
const char *credo_snapshot_text(const credo_snapshot *snapshot, credo_str id);

#endif
