/* The policy module's entry points: account schema, load, parse, free and
 * lookup. The stages of parsing live in policy_yaml.c, policy_parse.c and
 * policy_resolve.c; credo_policy_check lives in policy_check.c. */
#include "credo/policy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy_internal.h"

static const credo_expr_field account_fields[CREDO_FIELD_ACCOUNT_COUNT] = {
    [CREDO_FIELD_ID] = {"id", CREDO_VALUE_TEXT},
    [CREDO_FIELD_NAME] = {"name", CREDO_VALUE_TEXT},
    [CREDO_FIELD_COUNTRY] = {"country", CREDO_VALUE_TEXT},
    [CREDO_FIELD_REGION] = {"region", CREDO_VALUE_TEXT},
    [CREDO_FIELD_POSTAL_CODE] = {"postal_code", CREDO_VALUE_TEXT},
    [CREDO_FIELD_CITY] = {"city", CREDO_VALUE_TEXT},
    [CREDO_FIELD_INDUSTRY] = {"industry", CREDO_VALUE_TEXT},
    [CREDO_FIELD_PARENT] = {"parent", CREDO_VALUE_TEXT},
    [CREDO_FIELD_EMPLOYEES] = {"employees", CREDO_VALUE_NUMBER},
    [CREDO_FIELD_ANNUAL_REVENUE] = {"annual_revenue", CREDO_VALUE_NUMBER},
    [CREDO_FIELD_POTENTIAL] = {"potential", CREDO_VALUE_NUMBER},
};

const credo_expr_schema credo_account_schema = {account_fields, CREDO_FIELD_ACCOUNT_COUNT, "attr."};

static void free_territory(credo_policy_territory *territory)
{
    free(territory->id);
    free(territory->name);
    free(territory->parent_id);
    free(territory->type_id);
    credo_expr_free(territory->match);
    for (size_t i = 0; i < territory->named_count; i++)
        free(territory->named_accounts[i]);
    free(territory->named_accounts);
    for (size_t i = 0; i < territory->excluded_count; i++)
        free(territory->excluded_accounts[i]);
    free(territory->excluded_accounts);
    for (size_t i = 0; i < territory->member_count; i++) {
        free(territory->members[i].rep_id);
        free(territory->members[i].role_id);
    }
    free(territory->members);
}

void credo_policy_free(credo_policy *policy)
{
    if (policy == NULL)
        return;
    for (size_t i = 0; i < policy->territory_count; i++)
        free_territory(&policy->territories[i]);
    free(policy->territories);
    for (size_t i = 0; i < policy->type_count; i++)
        free(policy->types[i].id);
    free(policy->types);
    for (size_t i = 0; i < policy->role_count; i++)
        free(policy->roles[i].id);
    free(policy->roles);
    policy_pipeline_free(policy->pipeline);
    policy_engagement_free(policy->engagement);
    policy_credit_free(policy->credit);
    free(policy->name);
    free(policy->text);
    free(policy->path);
    free(policy);
}

static credo_policy *policy_new(const char *text, size_t len, const char *path)
{
    credo_policy *policy = calloc(1, sizeof *policy);
    if (policy == NULL)
        return NULL;
    policy->path = strdup(path);
    policy->text = malloc(len + 1);
    if (policy->path == NULL || policy->text == NULL) {
        credo_policy_free(policy);
        return NULL;
    }
    memcpy(policy->text, text, len);
    policy->text[len] = '\0';
    return policy;
}

credo_status credo_policy_parse(const char *text, size_t len, const char *path, credo_policy **out,
                                credo_error *err)
{
    *out = NULL;
    if (path == NULL)
        path = "policy";
    if (len > POLICY_MAX_BYTES)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "%s: the policy is %zu bytes, more than the limit of %zu bytes; "
                               "check that this is the right file",
                               path, len, POLICY_MAX_BYTES);

    credo_policy *policy = policy_new(text, len, path);
    if (policy == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "%s: out of memory", path);

    policy_lines lines;
    policy_node *root = NULL;
    policy_reader reader = {policy->path, &lines, policy, err};
    credo_status status = policy_lines_init(&lines, policy->text, len);
    if (status != CREDO_OK) {
        credo_error_set(err, status, "%s: out of memory", path);
        goto cleanup;
    }
    status = policy_tree_read(&lines, policy->path, &root, err);
    if (status == CREDO_OK)
        status = policy_build(&reader, root);
    if (status == CREDO_OK)
        status = policy_resolve(&reader, root);

cleanup:
    policy_node_free(root);
    policy_lines_free(&lines);
    if (status != CREDO_OK) {
        credo_policy_free(policy);
        return status;
    }
    *out = policy;
    return CREDO_OK;
}

/* Reads at most POLICY_MAX_BYTES + 1 bytes, so that an oversized file is
 * detected without reading all of it. */
static credo_status read_file(FILE *file, const char *path, char **text, size_t *len, credo_error *err)
{
    size_t capacity = 64 * 1024, used = 0;
    char *data = malloc(capacity);
    while (data != NULL) {
        used += fread(data + used, 1, capacity - used, file);
        if (used < capacity || used > POLICY_MAX_BYTES)
            break;
        size_t grown_capacity = capacity * 2 < POLICY_MAX_BYTES + 1 ? capacity * 2 : POLICY_MAX_BYTES + 1;
        char *grown = realloc(data, grown_capacity);
        if (grown == NULL)
            free(data);
        data = grown;
        capacity = grown_capacity;
    }
    if (data == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "%s: out of memory", path);
    if (ferror(file)) {
        free(data);
        return credo_error_set(err, CREDO_ERR_IO, "%s: read failed: %s", path, strerror(errno));
    }
    if (used > POLICY_MAX_BYTES) {
        free(data);
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "%s: the policy is larger than the limit of %zu bytes; check "
                               "that this is the right file",
                               path, POLICY_MAX_BYTES);
    }
    *text = data;
    *len = used;
    return CREDO_OK;
}

credo_status credo_policy_load(const char *path, credo_policy **out, credo_error *err)
{
    *out = NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return credo_error_set(err, errno == ENOENT ? CREDO_ERR_NOT_FOUND : CREDO_ERR_IO,
                               "%s: cannot open the policy: %s; check the path", path, strerror(errno));

    /* A regular file's size is known before reading it, so an oversized
     * policy is rejected without reading POLICY_MAX_BYTES of it. */
    struct stat info;
    if (fstat(fileno(file), &info) == 0 && S_ISREG(info.st_mode) &&
        (uintmax_t)info.st_size > POLICY_MAX_BYTES) {
        fclose(file);
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "%s: the policy is %jd bytes, more than the limit of %zu bytes; check that "
                               "this is the right file",
                               path, (intmax_t)info.st_size, POLICY_MAX_BYTES);
    }

    char *text = NULL;
    size_t len = 0;
    credo_status status = read_file(file, path, &text, &len, err);
    fclose(file);
    if (status == CREDO_OK)
        status = credo_policy_parse(text, len, path, out, err);
    free(text);
    return status;
}

size_t credo_policy_find_territory(const credo_policy *policy, const char *id)
{
    for (size_t i = 0; i < policy->territory_count; i++) {
        if (strcmp(policy->territories[i].id, id) == 0)
            return i;
    }
    return SIZE_MAX;
}
