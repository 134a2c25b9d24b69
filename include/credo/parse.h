/* Parsing and formatting of scalar values found in source files and
 * policies: dates, exact decimals, money. All functions are pure. */
#ifndef CREDO_PARSE_H
#define CREDO_PARSE_H

#include "credo/error.h"
#include "credo/types.h"

/* Converts a civil date to days since 1970-01-01 and back. Valid years are
 * 1..9999; credo_date_from_civil returns CREDO_DATE_NONE for an impossible
 * date such as 2023-02-29. credo_date_to_civil sets year, month and day to 0
 * for a date outside 0001-01-01..9999-12-31 (CREDO_DATE_NONE included). */
credo_date credo_date_from_civil(int year, int month, int day);
void credo_date_to_civil(credo_date date, int *year, int *month, int *day);

/* Parses text of len bytes as a date in format, a strftime-like pattern.
 * In it, %Y is a 4-digit year, %m a 1- or 2-digit month, %d a 1- or 2-digit
 * day, %b an English month abbreviation (Jan..Dec, any case) and %% a '%'.
 * A space matches one or more spaces, and any other byte matches itself.
 * The time parts %H (hour 0..23, 1-2 digits), %I (hour 1..12, 1-2 digits),
 * %M (minute, 2 digits), %S (second 0..60, 2 digits) and %p (AM or PM, any
 * case) are checked and ignored. For example, SQL Server's
 * "May 31 2011 12:00AM" parses with "%b %d %Y %I:%M%p". The whole text must
 * be consumed.
 * NULL format means ISO 8601 "%Y-%m-%d", optionally followed by 'T' or ' '
 * and a time "HH:MM[:SS[.fraction]]" with an optional zone "Z", "+HH",
 * "+HH:MM" or "+HHMM" (or '-'). The time is checked and ignored, so the
 * result is the date as written, without conversion between zones.
 * On failure returns CREDO_ERR_INVALID with a message that quotes the text,
 * names the expected format and explains what is wrong. A format with a
 * directive other than those above, or without a year, a month and a day,
 * is also CREDO_ERR_INVALID. */
credo_status credo_parse_date(const char *text, size_t len, const char *format,
                              credo_date *out, credo_error *err);

/* Writes date as "YYYY-MM-DD" into out (at least 11 bytes); "" for
 * CREDO_DATE_NONE and any other date outside 0001-01-01..9999-12-31.
 * Returns out. */
char *credo_format_date(credo_date date, char *out);

/* Parses an exact decimal such as "-1234.5" or "0.0001" with at most
 * `scale` digits after the point (more digits are rejected, never rounded,
 * even when they are zeros) and returns it multiplied by 10^scale. A leading
 * '+' or '-' is allowed. The point may have digits on one side only: ".5"
 * and "5." are accepted because some tools write decimals that way, but "."
 * alone is not. Exponents, thousands separators and leading or trailing
 * spaces are rejected (the caller trims). scale is 0..9.
 * Errors: CREDO_ERR_INVALID for a malformed number, excess decimals or a
 * scale outside 0..9, CREDO_ERR_LIMIT when the scaled value overflows
 * int64_t; the message quotes the text. */
credo_status credo_parse_decimal(const char *text, size_t len, int scale, int64_t *out,
                                 credo_error *err);

/* Parses an amount of money as minor units with `minor_digits` decimal
 * places (2 for USD, 0 for JPY); see credo_parse_decimal. */
credo_status credo_parse_money(const char *text, size_t len, int minor_digits,
                               credo_money *out, credo_error *err);

/* Parses a number into credo_number (scale CREDO_NUMBER_SCALE). */
credo_status credo_parse_number(const char *text, size_t len, credo_number *out,
                                credo_error *err);

/* Formats value / 10^scale as an exact decimal with `scale` digits after
 * the point into out, which has room for at least 32 bytes. Writes "" when
 * scale is outside 0..9. Returns out. */
char *credo_format_decimal(int64_t value, int scale, char *out);

/* Formats a credo_number without trailing zeros ("12", "12.5"); "" for
 * CREDO_NUMBER_NONE. out holds at least 32 bytes. Returns out. */
char *credo_format_number(credo_number value, char *out);

#endif
