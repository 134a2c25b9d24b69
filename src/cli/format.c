/* Counts and amounts with thousands separators for the text reports. */
#include "format.h"

#include <stdio.h>
#include <string.h>

#include "credo/parse.h"

/* Copies the sign, the whole digits of `plain` grouped by three, and the
 * rest of `plain` from its decimal point on. */
static const char *group_digits(const char *plain, char *out)
{
    bool negative = plain[0] == '-';
    const char *digits = negative ? plain + 1 : plain;
    size_t whole = strcspn(digits, ".");
    char *cursor = out;
    if (negative)
        *cursor++ = '-';
    for (size_t i = 0; i < whole; i++) {
        if (i > 0 && (whole - i) % 3 == 0)
            *cursor++ = ',';
        *cursor++ = digits[i];
    }
    strcpy(cursor, digits + whole);
    return out;
}

const char *cli_format_count(uint64_t count, char *out)
{
    char plain[24];
    snprintf(plain, sizeof plain, "%llu", (unsigned long long)count);
    return group_digits(plain, out);
}

const char *cli_format_amount(credo_money amount, char *out)
{
    char plain[32];
    credo_format_decimal(amount, 2, plain);
    return group_digits(plain, out);
}
