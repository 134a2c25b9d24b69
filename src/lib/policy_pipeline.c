/* The pipeline section of the policy: stages with their forecast categories
 * and maximum days, stall rules, the derivation of stage history, latency
 * settings and list prices. docs/pipeline.md is the reference. */
#include "policy_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"
#include "pipeline_internal.h"

/* Defaults of the latency settings, in days. */
#define DEFAULT_LOOKBACK_DAYS 180
#define DEFAULT_RECENT_DAYS 30
/* Minimum number of won deals of a derived limit when min_deals is not given. */
#define DEFAULT_MIN_DEALS 10

static credo_status out_of_memory(const policy_reader *reader)
{
    return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);
}

void policy_pipeline_free(credo_pipeline_policy *pipeline)
{
    if (pipeline == NULL)
        return;
    for (size_t i = 0; i < pipeline->stage_count; i++) {
        free(pipeline->stages[i].name);
        free(pipeline->stages[i].category);
    }
    free(pipeline->stages);
    for (size_t i = 0; i < pipeline->category_count; i++)
        free(pipeline->categories[i]);
    free(pipeline->stage_at_logging);
    for (size_t i = 0; i < pipeline->qualifying_count; i++)
        free(pipeline->qualifying_types[i]);
    free(pipeline->qualifying_types);
    free(pipeline->price_currency);
    for (size_t i = 0; i < pipeline->price_count; i++)
        free(pipeline->prices[i].product);
    free(pipeline->prices);
    free(pipeline);
}

/* Reads an integer that must lie in [min, max]. */
static credo_status read_bounded(const policy_reader *reader, const policy_node *node, const char *key,
                                 int min, int max, int *out)
{
    credo_status status = policy_read_int(reader, node, key, out);
    if (status == CREDO_OK && (*out < min || *out > max))
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID, "%s %d is out of range; use a value from %d to %d",
                           key, *out, min, max);
    return status;
}

static credo_status read_period(const policy_reader *reader, const policy_node *node,
                                credo_pipeline_period *out)
{
    static const char *const names[] = {"month", "quarter", "year"};
    if (node->kind == POLICY_NODE_SCALAR) {
        for (int i = 0; i < 3; i++) {
            if (strcmp(node->text, names[i]) == 0) {
                *out = (credo_pipeline_period)i;
                return CREDO_OK;
            }
        }
    }
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "invalid period '%s'; use month, quarter or year",
                       node->kind == POLICY_NODE_SCALAR ? node->text : "(not text)");
}

/* max_days is a number of days, or a mapping {percentile, min_deals,
 * fallback} for a limit derived from won deals. */
static credo_status read_limit(const policy_reader *reader, const policy_node *node, const char *stage,
                               credo_pipeline_limit *limit)
{
    limit->set = true;
    limit->days = -1;
    if (node->kind != POLICY_NODE_MAPPING)
        return read_bounded(reader, node, "max_days", 0, 100000, &limit->days);

    static const char *const keys[] = {"percentile", "min_deals", "fallback"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "a derived max_days", keys, 3, values);
    if (status != CREDO_OK)
        return status;
    if (values[0] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "max_days of stage '%s' has no percentile; write `max_days: 30` for a fixed "
                           "limit or `{percentile: 90}` for one derived from won deals",
                           stage);
    limit->min_deals = DEFAULT_MIN_DEALS;
    status = read_bounded(reader, values[0], "percentile", 1, 100, &limit->percentile);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_bounded(reader, values[1], "min_deals", 1, 1000000, &limit->min_deals);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_bounded(reader, values[2], "fallback", 0, 100000, &limit->days);
    return status;
}

/* Returns the index of category name, adding it when new. */
static credo_status add_category(const policy_reader *reader, credo_pipeline_policy *pipeline,
                                 const policy_node *node, const char *name, size_t *index)
{
    for (size_t i = 0; i < pipeline->category_count; i++) {
        if (strcmp(pipeline->categories[i], name) == 0) {
            *index = i;
            return CREDO_OK;
        }
    }
    if (pipeline->category_count == CREDO_PIPELINE_MAX_CATEGORIES)
        return policy_fail(reader, node->pos, CREDO_ERR_LIMIT,
                           "category '%s' is one more than the %d forecast categories allowed; "
                           "merge categories",
                           name, CREDO_PIPELINE_MAX_CATEGORIES);
    pipeline->categories[pipeline->category_count] = strdup(name);
    if (pipeline->categories[pipeline->category_count] == NULL)
        return out_of_memory(reader);
    *index = pipeline->category_count++;
    return CREDO_OK;
}

static credo_status read_stage(const policy_reader *reader, const policy_node *node,
                               credo_pipeline_policy *pipeline, credo_pipeline_stage *stage)
{
    static const char *const keys[] = {"stage", "category", "max_days"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "a pipeline stage", keys, 3, values);
    if (status != CREDO_OK)
        return status;

    stage->pos = node->pos;
    stage->category_index = SIZE_MAX;
    if (values[0] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "pipeline stage has no name; add `stage: <name as the source writes it>`");
    status = policy_read_id(reader, values[0], "stage", &stage->name);
    if (status == CREDO_OK && values[1] != NULL)
        status = policy_read_id(reader, values[1], "category", &stage->category);
    if (status == CREDO_OK && stage->category != NULL)
        status = add_category(reader, pipeline, values[1], stage->category, &stage->category_index);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_limit(reader, values[2], stage->name, &stage->max_days);
    return status;
}

static credo_status check_unique_stage(const policy_reader *reader, const credo_pipeline_policy *pipeline,
                                       size_t index)
{
    const credo_pipeline_stage *stage = &pipeline->stages[index];
    for (size_t i = 0; i < index; i++) {
        if (strcmp(pipeline->stages[i].name, stage->name) == 0)
            return policy_fail(reader, stage->pos, CREDO_ERR_INVALID,
                               "stage '%s' is listed twice (first on line %u); remove one of them", stage->name,
                               pipeline->stages[i].pos.line);
    }
    return CREDO_OK;
}

static credo_status read_stages(const policy_reader *reader, const policy_node *list,
                                credo_pipeline_policy *pipeline)
{
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, "stages");
    if (status != CREDO_OK || list->count == 0)
        return status;
    pipeline->stages = calloc(list->count, sizeof *pipeline->stages);
    if (pipeline->stages == NULL)
        return out_of_memory(reader);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        pipeline->stage_count++;
        status = read_stage(reader, list->items[i], pipeline, &pipeline->stages[i]);
        if (status == CREDO_OK)
            status = check_unique_stage(reader, pipeline, i);
    }
    return status;
}

static credo_status read_rules(const policy_reader *reader, const policy_node *node,
                               credo_pipeline_policy *pipeline)
{
    static const char *const keys[] = {"no_activity_days", "close_date_pushes", "amount_reduced_percent",
                                       "past_close_days"};
    const policy_node *values[4];
    credo_status status = policy_read_keys(reader, node, "the stall rules", keys, 4, values);
    if (status == CREDO_OK && values[0] != NULL)
        status = read_bounded(reader, values[0], "no_activity_days", 1, 100000, &pipeline->no_activity_days);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_bounded(reader, values[1], "close_date_pushes", 1, 100000, &pipeline->close_date_pushes);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_bounded(reader, values[2], "amount_reduced_percent", 0, 100,
                              &pipeline->amount_reduced_percent);
    if (status == CREDO_OK && values[3] != NULL)
        status = read_bounded(reader, values[3], "past_close_days", 0, 100000, &pipeline->past_close_days);
    return status;
}

/* Reads a stage name that must be one of the listed stages into *name
 * (may be NULL) and its index into *index. */
static credo_status read_listed_stage(const policy_reader *reader, const policy_node *node, const char *key,
                                      const credo_pipeline_policy *pipeline, char **name, size_t *index)
{
    char *value = NULL;
    credo_status status = policy_read_id(reader, node, key, &value);
    if (status != CREDO_OK)
        return status;
    for (size_t i = 0; i < pipeline->stage_count; i++) {
        if (strcmp(pipeline->stages[i].name, value) == 0)
            *index = i;
    }
    if (*index == SIZE_MAX)
        status = policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                             "%s '%s' is not one of the pipeline's stages; name a stage listed under stages", key,
                             value);
    if (status == CREDO_OK && name != NULL)
        *name = value;
    else
        free(value);
    return status;
}

static credo_status read_latency(const policy_reader *reader, const policy_node *node,
                                 credo_pipeline_policy *pipeline)
{
    static const char *const keys[] = {"qualifying_types", "lookback_days", "recent_days", "late_stage"};
    const policy_node *values[4];
    credo_status status = policy_read_keys(reader, node, "the latency settings", keys, 4, values);
    if (status == CREDO_OK && values[0] != NULL)
        status = policy_read_id_list(reader, values[0], "qualifying_types", &pipeline->qualifying_types,
                                     &pipeline->qualifying_count);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_bounded(reader, values[1], "lookback_days", 1, 100000, &pipeline->lookback_days);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_bounded(reader, values[2], "recent_days", 1, 100000, &pipeline->recent_days);
    if (status == CREDO_OK && values[3] != NULL)
        status = read_listed_stage(reader, values[3], "late_stage", pipeline, NULL, &pipeline->late_stage);
    return status;
}

/* Rejects two products whose names fold to the same text, because a
 * folded match could not choose between them. */
static credo_status check_folded_unique(const policy_reader *reader, const credo_pipeline_policy *pipeline,
                                        const policy_node *key, size_t index)
{
    const char *name = pipeline->prices[index].product;
    char *folded = malloc(strlen(name) + 1);
    if (folded == NULL)
        return out_of_memory(reader);
    pipeline_fold_name(name, folded);
    credo_status status = CREDO_OK;
    for (size_t i = 0; i < index && status == CREDO_OK; i++) {
        const char *other = pipeline->prices[i].product;
        char *other_folded = malloc(strlen(other) + 1);
        if (other_folded == NULL) {
            status = out_of_memory(reader);
            break;
        }
        pipeline_fold_name(other, other_folded);
        if (strcmp(folded, other_folded) == 0)
            status = policy_fail(reader, key->pos, CREDO_ERR_INVALID,
                                 "products '%s' and '%s' are the same name when spaces and case are "
                                 "ignored, so deals could not be matched to one of them; remove one",
                                 other, name);
        free(other_folded);
    }
    free(folded);
    return status;
}

static credo_status read_price(const policy_reader *reader, const policy_node *key, const policy_node *value,
                               int decimals, credo_pipeline_price *price)
{
    credo_status status = policy_read_id(reader, key, "product", &price->product);
    if (status == CREDO_OK)
        status = policy_expect_kind(reader, value, POLICY_NODE_SCALAR, "a list price");
    if (status != CREDO_OK)
        return status;
    credo_error detail;
    if (credo_parse_money(value->text, value->length, decimals, &price->amount, &detail) != CREDO_OK ||
        price->amount < 0)
        return policy_fail(reader, value->pos, CREDO_ERR_INVALID,
                           "invalid list price '%s' of product '%s'; write a non-negative amount in major "
                           "units with at most %d decimals, such as 550 or 4821.50",
                           value->text, price->product, decimals);
    return CREDO_OK;
}

static credo_status read_products(const policy_reader *reader, const policy_node *node, int decimals,
                                  credo_pipeline_policy *pipeline)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_MAPPING, "products");
    if (status != CREDO_OK || node->count == 0)
        return status;
    pipeline->prices = calloc(node->count / 2, sizeof *pipeline->prices);
    if (pipeline->prices == NULL)
        return out_of_memory(reader);
    for (size_t i = 0; i + 1 < node->count && status == CREDO_OK; i += 2) {
        pipeline->price_count++;
        status = read_price(reader, node->items[i], node->items[i + 1], decimals,
                            &pipeline->prices[pipeline->price_count - 1]);
        if (status == CREDO_OK)
            status = check_folded_unique(reader, pipeline, node->items[i], pipeline->price_count - 1);
    }
    return status;
}

/* Returns whether code is three capital letters, the form deals store. */
static bool is_currency_code(const char *code)
{
    if (strlen(code) != 3)
        return false;
    for (size_t i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z')
            return false;
    return true;
}

static credo_status read_list_prices(const policy_reader *reader, const policy_node *node,
                                     credo_pipeline_policy *pipeline)
{
    static const char *const keys[] = {"currency", "money_decimals", "products"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "the list prices", keys, 3, values);
    if (status != CREDO_OK)
        return status;
    if (values[0] == NULL || values[2] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "list_prices needs %s; add `%s`", values[0] == NULL ? "a currency" : "products",
                           values[0] == NULL ? "currency: USD" : "products: {NAME: PRICE, ...}");
    int decimals = 2;
    status = policy_read_id(reader, values[0], "currency", &pipeline->price_currency);
    if (status == CREDO_OK && !is_currency_code(pipeline->price_currency))
        return policy_fail(reader, values[0]->pos, CREDO_ERR_INVALID,
                           "invalid currency '%s'; write the ISO 4217 code in capitals, such as USD, as "
                           "deals store it", pipeline->price_currency);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_bounded(reader, values[1], "money_decimals", 0, 9, &decimals);
    if (status == CREDO_OK)
        status = read_products(reader, values[2], decimals, pipeline);
    return status;
}

static credo_pipeline_policy *pipeline_new(void)
{
    credo_pipeline_policy *pipeline = calloc(1, sizeof *pipeline);
    if (pipeline == NULL)
        return NULL;
    pipeline->period = CREDO_PERIOD_QUARTER;
    pipeline->no_activity_days = pipeline->close_date_pushes = -1;
    pipeline->amount_reduced_percent = pipeline->past_close_days = -1;
    pipeline->lookback_days = DEFAULT_LOOKBACK_DAYS;
    pipeline->recent_days = DEFAULT_RECENT_DAYS;
    pipeline->late_stage = pipeline->stage_at_logging_index = SIZE_MAX;
    return pipeline;
}

static credo_status read_sections(const policy_reader *reader, const policy_node *const *values,
                                  credo_pipeline_policy *pipeline)
{
    credo_status status = CREDO_OK;
    if (values[0] != NULL)
        status = read_period(reader, values[0], &pipeline->period);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_stages(reader, values[1], pipeline);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_listed_stage(reader, values[2], "stage_at_logging", pipeline, &pipeline->stage_at_logging,
                                   &pipeline->stage_at_logging_index);
    if (status == CREDO_OK && values[3] != NULL)
        status = read_rules(reader, values[3], pipeline);
    if (status == CREDO_OK && values[4] != NULL)
        status = read_latency(reader, values[4], pipeline);
    if (status == CREDO_OK && values[5] != NULL)
        status = read_list_prices(reader, values[5], pipeline);
    return status;
}

credo_status policy_read_pipeline(const policy_reader *reader, const policy_node *node,
                                  credo_pipeline_policy **out)
{
    static const char *const keys[] = {"period", "stages", "stage_at_logging", "rules", "latency", "list_prices"};
    const policy_node *values[6];
    *out = NULL;
    credo_status status = policy_read_keys(reader, node, "the pipeline section", keys, 6, values);
    if (status != CREDO_OK)
        return status;

    credo_pipeline_policy *pipeline = pipeline_new();
    if (pipeline == NULL)
        return out_of_memory(reader);
    status = read_sections(reader, values, pipeline);
    if (status != CREDO_OK) {
        policy_pipeline_free(pipeline);
        return status;
    }
    *out = pipeline;
    return CREDO_OK;
}
