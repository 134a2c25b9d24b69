/* Integer arithmetic of the pipeline measures: sorting and percentiles of
 * day counts, and ratios in basis points. No floating point is used. */
#include "pipeline_internal.h"

#include <stdlib.h>

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void pipeline_sort_ints(int *values, size_t count)
{
    if (count > 1)
        qsort(values, count, sizeof *values, compare_ints);
}

int pipeline_percentile(const int *sorted, size_t count, int percentile)
{
    if (count == 0)
        return -1;
    /* Nearest rank: the smallest value with at least P% of the values at or
     * below it, rank ceil(P * N / 100), 1-based. */
    size_t rank = ((size_t)percentile * count + 99) / 100;
    if (rank == 0)
        rank = 1;
    return sorted[rank - 1];
}

credo_bp pipeline_ratio_bp(credo_money numerator, credo_money denominator)
{
    /* NOTE: above 922 trillion minor units both sides are halved until the
     * product fits in 64 bits, which may move the result by a basis point. */
    while (numerator > INT64_MAX / CREDO_BP_WHOLE) {
        numerator /= 2;
        denominator /= 2;
    }
    if (denominator <= 0)
        return INT32_MAX;
    int64_t ratio = numerator * CREDO_BP_WHOLE / denominator;
    return ratio > INT32_MAX ? INT32_MAX : (credo_bp)ratio;
}
