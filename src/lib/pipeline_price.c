/* List prices: an open deal without an amount is priced at its product's
 * list price. The product name must be equal to a listed name or, failing
 * that, equal when spaces, tabs and ASCII case are ignored. The report
 * lists every name matched the second way. */
#include "pipeline_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void pipeline_fold_name(const char *name, char *out)
{
    for (; *name != '\0'; name++) {
        if (*name != ' ' && *name != '\t')
            *out++ = (char)tolower((unsigned char)*name);
    }
    *out = '\0';
}

static credo_amount_source find_price(const pipeline_context *context, const char *product, uint32_t *price)
{
    const credo_pipeline_policy *rules = context->rules;
    for (size_t i = 0; i < rules->price_count; i++) {
        if (strcmp(rules->prices[i].product, product) == 0) {
            *price = (uint32_t)i;
            return CREDO_AMOUNT_LIST_PRICE;
        }
    }

    char *folded = malloc(strlen(product) + 1);
    if (folded == NULL)
        return CREDO_AMOUNT_UNPRICED; /* NOTE: out of memory leaves the deal unpriced, and the report shows it */
    pipeline_fold_name(product, folded);
    credo_amount_source source = CREDO_AMOUNT_UNPRICED;
    for (size_t i = 0; i < rules->price_count && source == CREDO_AMOUNT_UNPRICED; i++) {
        if (strcmp(context->folded_prices[i], folded) == 0) {
            *price = (uint32_t)i;
            source = CREDO_AMOUNT_LIST_FOLDED;
        }
    }
    free(folded);
    return source;
}

credo_amount_source pipeline_price_lookup(const pipeline_context *context, credo_str product,
                                          credo_str currency, uint32_t *price)
{
    const credo_pipeline_policy *rules = context->rules;
    *price = CREDO_NO_ROW;
    if (rules == NULL || rules->price_count == 0 || product == CREDO_STR_NONE)
        return CREDO_AMOUNT_UNPRICED;
    const char *currency_text = credo_snapshot_text(context->snapshot, currency);
    if (currency_text == NULL || strcmp(currency_text, rules->price_currency) != 0)
        return CREDO_AMOUNT_UNPRICED;

    if (product < context->string_count && context->product_source[product] != 0xFF) {
        *price = context->product_price[product];
        return (credo_amount_source)context->product_source[product];
    }
    credo_amount_source source = find_price(context, credo_snapshot_text(context->snapshot, product), price);
    if (product < context->string_count) {
        context->product_source[product] = (uint8_t)source;
        context->product_price[product] = *price;
    }
    return source;
}
