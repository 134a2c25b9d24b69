/* The mapping file (internal to libcredo): which source files to read, and
 * which column fills which credo field. docs/mapping.md is the reference. */
#ifndef CREDO_MAPPING_H
#define CREDO_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "credo/error.h"
#include "credo/policy.h"

typedef enum mapping_entity {
    MAPPING_REPS,
    MAPPING_ACCOUNTS,
    MAPPING_DEALS,
    MAPPING_DEAL_TEAM,
    MAPPING_ACTIVITIES,
    MAPPING_DEAL_HISTORY,
    MAPPING_QUOTAS,
    MAPPING_REGISTRATIONS,
    MAPPING_ENTITY_COUNT
} mapping_entity;

/* How a field's text becomes a typed value. */
typedef enum mapping_field_type {
    FIELD_TEXT,
    FIELD_DATE,
    FIELD_NUMBER,
    FIELD_MONEY,       /* decimal in major units -> minor units */
    FIELD_DEAL_STATUS, /* open, won or lost */
    FIELD_SPLIT        /* percentage such as 30 or 33.33 -> basis points */
} mapping_field_type;

typedef struct mapping_field_def {
    const char *name;
    mapping_field_type type;
    bool required;
} mapping_field_def;

/* Fields of each entity, indexed by the field ids below. */
extern const mapping_field_def *const mapping_fields[MAPPING_ENTITY_COUNT];
extern const size_t mapping_field_counts[MAPPING_ENTITY_COUNT];
extern const char *const mapping_entity_names[MAPPING_ENTITY_COUNT];

enum { REP_ID, REP_NAME, REP_EMAIL, REP_TITLE, REP_MANAGER, REP_ACTIVE_FROM, REP_ACTIVE_TO, REP_FIELD_COUNT };
enum {
    ACCOUNT_ID, ACCOUNT_NAME, ACCOUNT_COUNTRY, ACCOUNT_REGION, ACCOUNT_POSTAL_CODE, ACCOUNT_CITY,
    ACCOUNT_INDUSTRY, ACCOUNT_PARENT, ACCOUNT_OWNER, ACCOUNT_EMPLOYEES, ACCOUNT_REVENUE,
    ACCOUNT_POTENTIAL, ACCOUNT_LATITUDE, ACCOUNT_LONGITUDE, ACCOUNT_FIELD_COUNT
};
enum {
    DEAL_ID, DEAL_ACCOUNT, DEAL_OWNER, DEAL_CURRENCY, DEAL_AMOUNT, DEAL_STAGE, DEAL_STATUS,
    DEAL_SOURCE, DEAL_PARTNER, DEAL_PRODUCT, DEAL_CREATED, DEAL_CLOSE_DATE, DEAL_FIELD_COUNT
};
enum { TEAM_DEAL, TEAM_REP, TEAM_ROLE, TEAM_SPLIT, TEAM_FIELD_COUNT };
/* ACTIVITY_ID and HISTORY_ID are the optional source keys that make a
 * re-import replace rows instead of adding them again. */
enum {
    ACTIVITY_ID, ACTIVITY_REP, ACTIVITY_ACCOUNT, ACTIVITY_DEAL, ACTIVITY_TYPE, ACTIVITY_DATE,
    ACTIVITY_FIELD_COUNT
};
enum {
    HISTORY_ID, HISTORY_DEAL, HISTORY_DATE, HISTORY_STAGE, HISTORY_AMOUNT, HISTORY_CLOSE_DATE,
    HISTORY_FIELD_COUNT
};
enum { QUOTA_REP, QUOTA_START, QUOTA_END, QUOTA_CURRENCY, QUOTA_AMOUNT, QUOTA_FIELD_COUNT };
enum {
    REGISTRATION_ID, REGISTRATION_REP, REGISTRATION_ACCOUNT, REGISTRATION_PRODUCT,
    REGISTRATION_SOURCE, REGISTRATION_PARTNER, REGISTRATION_DEAL, REGISTRATION_DATE,
    REGISTRATION_FIELD_COUNT
};

/* Maximum number of fields of one entity; sizes per-field arrays. */
#define MAPPING_FIELDS_MAX 16

typedef enum mapping_transform {
    TRANSFORM_NONE,
    TRANSFORM_ISO_COUNTRY,     /* country name or code -> ISO 3166-1 alpha-2 */
    TRANSFORM_ISO_SUBDIVISION, /* subdivision name -> ISO 3166-2, within the row's country */
    TRANSFORM_ZIP5,            /* US ZIP or ZIP+4 -> five digits, leading zeros restored */
    TRANSFORM_UPPER,
    TRANSFORM_LOWER
} mapping_transform;

/* One credo field (or custom attribute) and where its value comes from. */
typedef struct mapping_column {
    int field;              /* entity field id, or -1 for a custom attribute */
    char *attribute;        /* custom attribute name when field is -1 */
    char *column;           /* source column name; NULL for a constant */
    char *constant;         /* constant value; NULL when read from a column */
    mapping_transform transform;
    bool sum;               /* aggregate by summing when the source groups rows */
    credo_policy_pos sum_pos; /* the aggregate value, when sum is set */
    char **value_from;      /* optional value translation table */
    char **value_to;
    size_t value_count;
    credo_policy_pos pos;
    size_t column_index;    /* position in the header, set when the file is opened */
} mapping_column;

/* Largest max_record_bytes a mapping may set. */
#define MAPPING_MAX_RECORD_BYTES_LIMIT ((size_t)1 << 30)

typedef struct mapping_source {
    char *file;             /* as written */
    credo_policy_pos file_pos;
    char *path;             /* resolved against the mapping's folder */
    mapping_entity entity;
    char delimiter;
    char *date_format;      /* NULL for ISO 8601 */
    int money_decimals;     /* digits of the minor unit, 2 by default */
    char *group_by;         /* column whose equal values form one entity */
    credo_policy_pos group_by_pos;
    size_t group_index;
    size_t max_record_bytes; /* CSV record limit; 0 for CREDO_CSV_DEFAULT_MAX_RECORD */
    mapping_column *columns;
    size_t column_count;
    credo_policy_pos pos;
} mapping_source;

typedef struct mapping {
    char *path;
    mapping_source *sources;
    size_t source_count;
} mapping;

/* Reads and checks a mapping file. Errors read "PATH:LINE:COLUMN: what is
 * wrong; what to do". Free with mapping_free. */
credo_status mapping_load(const char *path, mapping **out, credo_error *err);
void mapping_free(mapping *map);

#endif
