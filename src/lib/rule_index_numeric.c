/* Anchor tables of number fields: the band ends of all number anchors cut
 * the number line into elementary intervals, and each interval lists the
 * conjunctions whose band covers it, so that one binary search finds every
 * band that holds a value. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

const int ri_number_field_ids[RI_NUMBER_FIELDS] = {
    CREDO_FIELD_EMPLOYEES, CREDO_FIELD_ANNUAL_REVENUE, CREDO_FIELD_POTENTIAL,
};

int ri_number_slot(int field)
{
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        if (ri_number_field_ids[n] == field)
            return n;
    return -1;
}

static const credo_number *number_column(const credo_accounts *accounts, int n)
{
    switch (ri_number_field_ids[n]) {
    case CREDO_FIELD_EMPLOYEES: return accounts->employees;
    case CREDO_FIELD_ANNUAL_REVENUE: return accounts->annual_revenue;
    default: return accounts->potential;
    }
}

static int compare_numbers(const void *a, const void *b)
{
    credo_number left = *(const credo_number *)a, right = *(const credo_number *)b;
    return (left > right) - (left < right);
}

bool ri_number_sample(credo_rule_bound *bound)
{
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        ri_number_field *field = &bound->number[n];
        field->values = number_column(&bound->snapshot->accounts, n);
        field->sample = malloc((bound->sample_rows == 0 ? 1 : bound->sample_rows) * sizeof *field->sample);
        if (field->sample == NULL)
            return false;
        for (size_t i = 0; i < bound->sample_rows; i++) {
            credo_number value = field->values[ri_sample_row(bound, i)];
            if (value != CREDO_NUMBER_NONE)
                field->sample[field->sample_count++] = value;
        }
        qsort(field->sample, field->sample_count, sizeof *field->sample, compare_numbers);
    }
    return true;
}

/* First index of values[0, count) at or above value. */
static size_t lower_bound(const credo_number *values, size_t count, credo_number value)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (values[middle] < value)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* First index of values[0, count) above value. */
static size_t upper_bound(const credo_number *values, size_t count, credo_number value)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (values[middle] <= value)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

size_t ri_number_estimate(const credo_rule_bound *bound, int n, credo_number low, credo_number high)
{
    const ri_number_field *field = &bound->number[n];
    size_t from = lower_bound(field->sample, field->sample_count, low);
    size_t to = upper_bound(field->sample, field->sample_count, high);
    return to > from ? to - from : 0;
}

/* Collects the distinct band ends of field n: each low, and high + 1 unless
 * the band is open above. */
static bool collect_bounds(ri_number_field *field, int n, const ri_band *bands, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += bands[i].field == (uint32_t)n ? 2 : 0;
    field->bounds = malloc((total == 0 ? 1 : total) * sizeof *field->bounds);
    if (field->bounds == NULL)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        if (bands[i].field != (uint32_t)n)
            continue;
        field->bounds[k++] = bands[i].low;
        if (bands[i].high != INT64_MAX)
            field->bounds[k++] = bands[i].high + 1;
    }
    qsort(field->bounds, k, sizeof *field->bounds, compare_numbers);
    size_t unique = 0;
    for (size_t i = 0; i < k; i++)
        if (unique == 0 || field->bounds[unique - 1] != field->bounds[i])
            field->bounds[unique++] = field->bounds[i];
    field->bound_count = unique;
    return true;
}

/* Elementary intervals [from, to) covered by band. */
static void band_cover(const ri_number_field *field, const ri_band *band, size_t *from, size_t *to)
{
    *from = lower_bound(field->bounds, field->bound_count, band->low);
    *to = band->high == INT64_MAX ? field->bound_count
                                  : lower_bound(field->bounds, field->bound_count, band->high + 1);
}

/* NOTE: the table holds one entry per (band, elementary interval it covers),
 * so many nested bands (each territory anchored on its own "employees >= N")
 * grow it quadratically; no limit guards that yet. */
static bool fill_field(credo_rule_bound *bound, int n, const ri_band *bands, size_t count)
{
    ri_number_field *field = &bound->number[n];
    if (!collect_bounds(field, n, bands, count))
        return false;
    field->start = calloc(field->bound_count + 1, sizeof *field->start);
    if (field->start == NULL)
        return false;

    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        size_t from, to;
        if (bands[i].field != (uint32_t)n)
            continue;
        band_cover(field, &bands[i], &from, &to);
        for (size_t k = from; k < to; k++)
            field->start[k + 1]++;
        total += to - from;
    }
    for (size_t k = 0; k < field->bound_count; k++)
        field->start[k + 1] += field->start[k];
    field->postings = malloc((total == 0 ? 1 : total) * sizeof *field->postings);
    uint32_t *fill = calloc(field->bound_count + 1, sizeof *fill);
    if (field->postings == NULL || fill == NULL) {
        free(fill);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        size_t from, to;
        if (bands[i].field != (uint32_t)n)
            continue;
        band_cover(field, &bands[i], &from, &to);
        for (size_t k = from; k < to; k++)
            field->postings[field->start[k] + fill[k]++] = bands[i].conjunction;
    }
    free(fill);
    field->posting_count = total;
    bound->bytes += total * sizeof *field->postings +
                    field->bound_count * (sizeof *field->bounds + sizeof *field->start);
    return true;
}

bool ri_number_build(credo_rule_bound *bound, const ri_band *bands, size_t count)
{
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        if (!fill_field(bound, n, bands, count))
            return false;
    return true;
}

const uint32_t *ri_number_lookup(const ri_number_field *field, credo_number value, size_t *count)
{
    size_t k = upper_bound(field->bounds, field->bound_count, value);
    if (k == 0 || value == CREDO_NUMBER_NONE) {
        *count = 0;
        return NULL;
    }
    k--;
    *count = field->start[k + 1] - field->start[k];
    return field->postings + field->start[k];
}

void ri_number_field_free(ri_number_field *field)
{
    free(field->bounds);
    free(field->start);
    free(field->postings);
    free(field->filters);
    free(field->sample);
    memset(field, 0, sizeof *field);
}
