/* Numbers in text reports: counts and amounts with thousands separators. */
#ifndef CREDO_CLI_FORMAT_H
#define CREDO_CLI_FORMAT_H

#include <stdint.h>

#include "credo/types.h"

/* Bytes that a formatted count or amount needs, its terminating NUL included. */
#define CLI_NUMBER_TEXT_MAX 40

/* Writes count with a comma between groups of three digits ("1,234,567")
 * into out, which has CLI_NUMBER_TEXT_MAX bytes, and returns out. */
const char *cli_format_count(uint64_t count, char *out);

/* Writes minor units with two decimals and thousands separators
 * ("-77,548,570.20") into out, which has CLI_NUMBER_TEXT_MAX bytes, and
 * returns out. */
const char *cli_format_amount(credo_money amount, char *out);

#endif
