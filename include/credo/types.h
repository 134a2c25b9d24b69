/* Scalar types of the credo domain: interned strings, dates, numbers, money.
 *
 * Money is integer minor units of its currency (cents for USD) and shares
 * are basis points (10000 = 100%); no floating point is used for either. */
#ifndef CREDO_TYPES_H
#define CREDO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Index of a string in a credo_strpool. 0 is the missing value (SQL NULL),
 * which is distinct from the empty string. */
typedef uint32_t credo_str;
#define CREDO_STR_NONE ((credo_str)0)

/* Civil date as days since 1970-01-01 (proleptic Gregorian). A date without
 * a time is a whole day in the policy's time zone. */
typedef int32_t credo_date;
#define CREDO_DATE_NONE INT32_MIN
/* Open ends of a [from, to) interval. */
#define CREDO_DATE_MIN (INT32_MIN + 1)
#define CREDO_DATE_MAX INT32_MAX

/* Exact decimal number scaled by CREDO_NUMBER_SCALE (4 decimal places), used
 * for account attributes such as employee counts, revenue and potential.
 * CREDO_NUMBER_NONE is the missing value. */
typedef int64_t credo_number;
#define CREDO_NUMBER_SCALE 10000
#define CREDO_NUMBER_NONE INT64_MIN

/* Amount in minor units of a currency. */
typedef int64_t credo_money;

/* Share in basis points: 10000 is 100%. */
typedef int32_t credo_bp;
#define CREDO_BP_WHOLE 10000

#endif
