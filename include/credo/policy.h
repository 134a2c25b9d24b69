/* The policy file: territory types, roles and territories with their match
 * rules and members, read from YAML. docs/policy.md is the reference.
 *
 * Every element keeps the line and column (1-based) where it was written,
 * so that engines and `credo check` can point back into the file. */
#ifndef CREDO_POLICY_H
#define CREDO_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "credo/buf.h"
#include "credo/error.h"
#include "credo/expr.h"
#include "credo/model.h"
#include "credo/types.h"

/* Position of an element in the policy file. */
typedef struct credo_policy_pos {
    unsigned line, column;
} credo_policy_pos;

/* A member role. Members in a selling role may own deals in the territory.
 * When single is true, two members with this role may not overlap in time
 * within one territory. */
typedef struct credo_policy_role {
    char *id;
    bool selling;
    bool single;
    credo_policy_pos pos;
} credo_policy_role;

/* A territory type. Primary types compete by priority (higher wins); two
 * matches of equal priority are an overlap. Overlay types may overlap
 * anything and never take part in primary assignment. */
typedef struct credo_policy_type {
    char *id;
    int priority;
    bool overlay;
    credo_policy_pos pos;
} credo_policy_type;

/* A membership interval [from, to). Open ends are CREDO_DATE_MIN and
 * CREDO_DATE_MAX. role_index and type_index point into the policy's arrays. */
typedef struct credo_policy_member {
    char *rep_id;
    char *role_id;
    size_t role_index;
    credo_date from, to;
    credo_policy_pos pos;
} credo_policy_member;

typedef struct credo_policy_territory {
    char *id;
    char *name;
    char *parent_id;        /* NULL for a root */
    size_t parent_index;    /* SIZE_MAX for a root */
    char *type_id;          /* NULL for a roll-up node that matches nothing */
    size_t type_index;      /* SIZE_MAX when type_id is NULL */
    credo_expr *match;      /* NULL when the territory has no rule */
    char **named_accounts;  /* always included */
    size_t named_count;
    char **excluded_accounts; /* never included */
    size_t excluded_count;
    credo_policy_member *members;
    size_t member_count;
    credo_policy_pos pos;
    credo_policy_pos match_pos;
} credo_policy_territory;

/* Optional sections, each defined by the module that reads it:
 * pipeline (stall rules and forecast categories, credo/pipeline.h),
 * engagement (rules of engagement, credo/engagement.h) and credit (credit
 * rules, credo/engagement.h). */
typedef struct credo_pipeline_policy credo_pipeline_policy;
typedef struct credo_engagement_policy credo_engagement_policy;
typedef struct credo_credit_policy credo_credit_policy;

typedef struct credo_policy {
    char *path;             /* file name used in messages */
    char *text;             /* the whole file, for storing with a run */
    char *name;
    int version;            /* value of credo_policy: (1) */
    credo_policy_role *roles;
    size_t role_count;
    credo_policy_type *types;
    size_t type_count;
    credo_policy_territory *territories; /* in file order */
    size_t territory_count;
    credo_pipeline_policy *pipeline;     /* NULL when the file has no pipeline section */
    credo_engagement_policy *engagement; /* NULL when the file has no engagement section */
    credo_credit_policy *credit;         /* NULL when the file has no credit section */
} credo_policy;

/* Account fields that match rules may name, in field-id order, and the
 * prefix of custom attributes ("attr."). Shared with the rule engines. */
extern const credo_expr_schema credo_account_schema;

/* Field ids of credo_account_schema. */
enum credo_account_field {
    CREDO_FIELD_ID,
    CREDO_FIELD_NAME,
    CREDO_FIELD_COUNTRY,
    CREDO_FIELD_REGION,
    CREDO_FIELD_POSTAL_CODE,
    CREDO_FIELD_CITY,
    CREDO_FIELD_INDUSTRY,
    CREDO_FIELD_PARENT,
    CREDO_FIELD_EMPLOYEES,
    CREDO_FIELD_ANNUAL_REVENUE,
    CREDO_FIELD_POTENTIAL,
    CREDO_FIELD_ACCOUNT_COUNT /* number of built-in fields */
};

/* Parses a policy from text (len bytes, named `path` in messages). Syntax
 * errors, unknown keys, wrong value types, duplicate ids, unknown roles,
 * types and parents, parent cycles and expression errors are errors; the
 * message reads "PATH:LINE:COLUMN: what is wrong; what to do". The policy is
 * freed with credo_policy_free. */
credo_status credo_policy_parse(const char *text, size_t len, const char *path,
                                credo_policy **out, credo_error *err);

/* Reads and parses the file at path. */
credo_status credo_policy_load(const char *path, credo_policy **out, credo_error *err);

void credo_policy_free(credo_policy *policy);

/* Checks the policy against the data: member reps that do not exist in the
 * snapshot, named or excluded accounts that do not exist, and overlapping
 * intervals of a role marked single within one territory. Appends one line
 * per problem to `problems` ("PATH:LINE:COLUMN: error: ..." or "warning:")
 * and returns the number of errors (warnings do not count). snapshot may be
 * NULL, and then only data-independent checks run. */
size_t credo_policy_check(const credo_policy *policy, const credo_snapshot *snapshot,
                          credo_buf *problems);

/* credo_policy_check that also stores the number of warnings in *warnings. */
size_t credo_policy_check_counted(const credo_policy *policy, const credo_snapshot *snapshot,
                                  credo_buf *problems, size_t *warnings);

/* Index of the territory with id, or SIZE_MAX. */
size_t credo_policy_find_territory(const credo_policy *policy, const char *id);

#endif
