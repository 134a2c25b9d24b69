/* Parsing and formatting of dates and exact decimals with integer
 * arithmetic only. */
#include "credo/parse.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- Civil dates ------------------------------------------------------ */

/* The day arithmetic counts "shifted years" that start on March 1, so that
 * the leap day is the last day of a shifted year. Shifted year 0 starts on
 * 0000-03-01, and 1970-01-01 is this many days after that. */
#define EPOCH_SHIFTED_DAY 719468
/* Days in 400 Gregorian years, the length of the calendar's cycle. */
#define DAYS_PER_400_YEARS 146097
#define YEAR_FIRST 1
#define YEAR_LAST 9999
/* Day numbers of 0001-01-01 and 9999-12-31. */
#define DATE_FIRST (-719162)
#define DATE_LAST 2932896

/* Days from March 1 to the first day of each month, March first. */
static const int days_before_shifted_month[12] = {0,   31,  61,  92,  122, 153,
                                                   184, 214, 245, 275, 306, 337};

static const char *const month_abbreviations[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};

static bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap_year(year))
        return 29;
    return lengths[month - 1];
}

/* Days from 0000-03-01 to March 1 of shifted year y (y >= 0). */
static int64_t shifted_year_start(int64_t y)
{
    return 365 * y + y / 4 - y / 100 + y / 400;
}

credo_date credo_date_from_civil(int year, int month, int day)
{
    if (year < YEAR_FIRST || year > YEAR_LAST || month < 1 || month > 12)
        return CREDO_DATE_NONE;
    if (day < 1 || day > days_in_month(year, month))
        return CREDO_DATE_NONE;

    int shifted_year = month <= 2 ? year - 1 : year;
    int shifted_month = month <= 2 ? month + 9 : month - 3;
    int64_t days = shifted_year_start(shifted_year) + days_before_shifted_month[shifted_month] +
                   (day - 1);
    return (credo_date)(days - EPOCH_SHIFTED_DAY);
}

void credo_date_to_civil(credo_date date, int *year, int *month, int *day)
{
    if (date < DATE_FIRST || date > DATE_LAST) {
        *year = *month = *day = 0;
        return;
    }

    int64_t shifted_day = (int64_t)date + EPOCH_SHIFTED_DAY;
    /* The estimate is off by at most one year, which the loops correct. */
    int64_t y = shifted_day * 400 / DAYS_PER_400_YEARS;
    while (shifted_year_start(y + 1) <= shifted_day)
        y++;
    while (shifted_year_start(y) > shifted_day)
        y--;

    int day_of_year = (int)(shifted_day - shifted_year_start(y));
    int shifted_month = 11;
    while (days_before_shifted_month[shifted_month] > day_of_year)
        shifted_month--;

    *day = day_of_year - days_before_shifted_month[shifted_month] + 1;
    *month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
    *year = (int)y + (*month <= 2 ? 1 : 0);
}

char *credo_format_date(credo_date date, char *out)
{
    if (date < DATE_FIRST || date > DATE_LAST) {
        out[0] = '\0';
        return out;
    }
    int year, month, day;
    credo_date_to_civil(date, &year, &month, &day);
    snprintf(out, 11, "%04d-%02d-%02d", year, month, day);
    return out;
}

/* ---- Date parsing ----------------------------------------------------- */

/* Quoted text in messages is cut to this many bytes. */
#define QUOTE_MAX 80

/* Position in the text being parsed and the date fields found so far; 0
 * means that a field was not found. reason is filled on failure. */
struct date_scan {
    const char *text;
    size_t len;
    size_t pos;
    int year, month, day;
    char reason[192];
};

static bool scan_fail(struct date_scan *scan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool scan_fail(struct date_scan *scan, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(scan->reason, sizeof scan->reason, fmt, args);
    va_end(args);
    return false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Reads min_digits..max_digits decimal digits as a value in lo..hi. */
static bool scan_field(struct date_scan *scan, const char *what, int min_digits, int max_digits,
                       int lo, int hi, int *value)
{
    size_t start = scan->pos;
    int result = 0;
    while (scan->pos < scan->len && scan->pos - start < (size_t)max_digits &&
           is_digit(scan->text[scan->pos])) {
        result = result * 10 + (scan->text[scan->pos] - '0');
        scan->pos++;
    }

    size_t count = scan->pos - start;
    if (count < (size_t)min_digits) {
        if (min_digits == max_digits)
            return scan_fail(scan, "expected a %d-digit %s at column %zu", min_digits, what,
                             start + 1);
        return scan_fail(scan, "expected a %s of %d to %d digits at column %zu", what,
                         min_digits, max_digits, start + 1);
    }
    if (result < lo || result > hi)
        return scan_fail(scan, "%s %d at column %zu is out of range %d..%d", what, result,
                         start + 1, lo, hi);
    *value = result;
    return true;
}

/* Matches word case-insensitively at the current position. */
static bool scan_word(struct date_scan *scan, const char *word)
{
    size_t word_len = strlen(word);
    if (scan->len - scan->pos < word_len)
        return false;
    for (size_t i = 0; i < word_len; i++) {
        if (ascii_lower(scan->text[scan->pos + i]) != ascii_lower(word[i]))
            return false;
    }
    scan->pos += word_len;
    return true;
}

static bool scan_month_abbreviation(struct date_scan *scan)
{
    for (int i = 0; i < 12; i++) {
        if (scan_word(scan, month_abbreviations[i])) {
            scan->month = i + 1;
            return true;
        }
    }
    return scan_fail(scan, "expected an English month abbreviation (Jan..Dec) at column %zu",
                     scan->pos + 1);
}

static bool scan_meridiem(struct date_scan *scan)
{
    if (scan_word(scan, "AM") || scan_word(scan, "PM"))
        return true;
    return scan_fail(scan, "expected AM or PM at column %zu", scan->pos + 1);
}

/* A space matches a run of one or more spaces, and any other byte matches
 * itself. */
static bool scan_literal(struct date_scan *scan, char expected)
{
    if (scan->pos >= scan->len || scan->text[scan->pos] != expected) {
        if (scan->pos >= scan->len)
            return scan_fail(scan, "text ends where '%c' was expected", expected);
        return scan_fail(scan, "expected '%c' at column %zu", expected, scan->pos + 1);
    }
    scan->pos++;
    if (expected == ' ') {
        while (scan->pos < scan->len && scan->text[scan->pos] == ' ')
            scan->pos++;
    }
    return true;
}

static bool scan_directive(struct date_scan *scan, char directive)
{
    int ignored;
    switch (directive) {
    case 'Y': return scan_field(scan, "year", 4, 4, YEAR_FIRST, YEAR_LAST, &scan->year);
    case 'm': return scan_field(scan, "month", 1, 2, 1, 12, &scan->month);
    case 'd': return scan_field(scan, "day", 1, 2, 1, 31, &scan->day);
    case 'b': return scan_month_abbreviation(scan);
    case 'H': return scan_field(scan, "hour", 1, 2, 0, 23, &ignored);
    case 'I': return scan_field(scan, "12-hour clock hour", 1, 2, 1, 12, &ignored);
    case 'M': return scan_field(scan, "minute", 2, 2, 0, 59, &ignored);
    case 'S': return scan_field(scan, "second", 2, 2, 0, 60, &ignored);
    case 'p': return scan_meridiem(scan);
    case '%': return scan_literal(scan, '%');
    }
    return scan_fail(scan, "unsupported directive %%%c", directive);
}

static bool scan_format(struct date_scan *scan, const char *format)
{
    for (const char *f = format; *f != '\0'; f++) {
        bool ok = *f == '%' ? scan_directive(scan, *++f) : scan_literal(scan, *f);
        if (!ok)
            return false;
    }
    return true;
}

/* Checks an ISO 8601 time of day "HH:MM[:SS[.fraction]]" followed by an
 * optional zone "Z", "+HH", "+HH:MM" or "+HHMM" (or '-'). */
static bool scan_iso_time(struct date_scan *scan)
{
    int ignored;
    if (!scan_field(scan, "hour", 2, 2, 0, 23, &ignored) || !scan_literal(scan, ':') ||
        !scan_field(scan, "minute", 2, 2, 0, 59, &ignored))
        return false;

    if (scan->pos < scan->len && scan->text[scan->pos] == ':') {
        scan->pos++;
        if (!scan_field(scan, "second", 2, 2, 0, 60, &ignored))
            return false;
        if (scan->pos < scan->len && scan->text[scan->pos] == '.') {
            scan->pos++;
            if (!scan_field(scan, "fraction of a second", 1, 9, 0, 999999999, &ignored))
                return false;
            while (scan->pos < scan->len && is_digit(scan->text[scan->pos]))
                scan->pos++;
        }
    }

    if (scan->pos >= scan->len)
        return true;
    char zone = scan->text[scan->pos];
    if (zone == 'Z') {
        scan->pos++;
        return true;
    }
    if (zone != '+' && zone != '-')
        return true; /* the caller reports the unexpected text */
    scan->pos++;
    if (!scan_field(scan, "zone hour", 2, 2, 0, 23, &ignored))
        return false;
    if (scan->pos < scan->len && scan->text[scan->pos] == ':') {
        scan->pos++;
        return scan_field(scan, "zone minute", 2, 2, 0, 59, &ignored);
    }
    if (scan->pos < scan->len && is_digit(scan->text[scan->pos]))
        return scan_field(scan, "zone minute", 2, 2, 0, 59, &ignored);
    return true;
}

static bool scan_iso_date(struct date_scan *scan)
{
    if (!scan_format(scan, "%Y-%m-%d"))
        return false;
    if (scan->pos < scan->len && (scan->text[scan->pos] == 'T' || scan->text[scan->pos] == ' ')) {
        scan->pos++;
        return scan_iso_time(scan);
    }
    return true;
}

/* Converts the scanned fields to a date, or explains why there is none. */
static bool scan_finish(struct date_scan *scan, credo_date *out)
{
    if (scan->pos < scan->len)
        return scan_fail(scan, "unexpected '%c' at column %zu", scan->text[scan->pos],
                         scan->pos + 1);
    if (scan->day > days_in_month(scan->year, scan->month))
        return scan_fail(scan, "day %d does not exist in %s %d", scan->day,
                         month_names[scan->month - 1], scan->year);
    *out = credo_date_from_civil(scan->year, scan->month, scan->day);
    return true;
}

/* Checks that format uses only supported directives and names a year, a
 * month and a day, so that a wrong format is reported even for empty text. */
static credo_status check_date_format(const char *format, credo_error *err)
{
    bool has_year = false, has_month = false, has_day = false;
    for (const char *f = format; *f != '\0'; f++) {
        if (*f != '%')
            continue;
        f++;
        if (*f == '\0' || strchr("YmdbHIMSp%", *f) == NULL)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "date format \"%s\" contains unsupported directive %%%.1s; "
                                   "use %%Y, %%m, %%d, %%b, %%H, %%I, %%M, %%S, %%p or %%%%",
                                   format, f);
        has_year |= *f == 'Y';
        has_month |= *f == 'm' || *f == 'b';
        has_day |= *f == 'd';
    }
    if (!has_year || !has_month || !has_day)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "date format \"%s\" needs a year (%%Y), a month (%%m or %%b) "
                               "and a day (%%d)",
                               format);
    return CREDO_OK;
}

credo_status credo_parse_date(const char *text, size_t len, const char *format,
                              credo_date *out, credo_error *err)
{
    if (format != NULL) {
        credo_status status = check_date_format(format, err);
        if (status != CREDO_OK)
            return status;
    }

    struct date_scan scan = {.text = text, .len = text == NULL ? 0 : len};
    bool ok = format == NULL ? scan_iso_date(&scan) : scan_format(&scan, format);
    if (ok && scan_finish(&scan, out))
        return CREDO_OK;

    int quoted = scan.len > QUOTE_MAX ? QUOTE_MAX : (int)scan.len;
    const char *ellipsis = scan.len > QUOTE_MAX ? "..." : "";
    if (format == NULL)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "invalid date \"%.*s%s\" (expected ISO 8601 YYYY-MM-DD, "
                               "optionally followed by 'T' or a space and a time): %s",
                               quoted, scan.len > 0 ? text : "", ellipsis, scan.reason);
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "invalid date \"%.*s%s\" (expected format \"%s\"): %s", quoted,
                           scan.len > 0 ? text : "", ellipsis, format, scan.reason);
}

/* ---- Exact decimals --------------------------------------------------- */

#define SCALE_MAX 9
/* Decimal places of credo_number. */
#define NUMBER_DECIMALS 4
_Static_assert(CREDO_NUMBER_SCALE == 10000, "NUMBER_DECIMALS must match CREDO_NUMBER_SCALE");

/* Shape of a decimal found by a syntax check before any arithmetic. */
struct decimal_shape {
    bool negative;
    size_t digits_start;  /* first byte after the sign */
    size_t integer_digits;
    size_t fraction_digits;
};

static credo_status decimal_error(credo_error *err, credo_status status, const char *text,
                                  size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Sets "invalid number "<text>": <detail>" (or "number ... is out of range"
 * for CREDO_ERR_LIMIT) with the quoted text cut to QUOTE_MAX bytes. */
static credo_status decimal_error(credo_error *err, credo_status status, const char *text,
                                  size_t len, const char *fmt, ...)
{
    char detail[CREDO_ERROR_MESSAGE_MAX / 2];
    va_list args;
    va_start(args, fmt);
    vsnprintf(detail, sizeof detail, fmt, args);
    va_end(args);

    int quoted = len > QUOTE_MAX ? QUOTE_MAX : (int)len;
    const char *ellipsis = len > QUOTE_MAX ? "..." : "";
    const char *lead = status == CREDO_ERR_LIMIT ? "number" : "invalid number";
    return credo_error_set(err, status, "%s \"%.*s%s\": %s", lead, quoted,
                           len > 0 ? text : "", ellipsis, detail);
}

/* Validates the syntax [+-]digits[.digits] with at least one digit on
 * either side of the point, and counts the digits. */
static credo_status check_decimal_syntax(const char *text, size_t len,
                                         struct decimal_shape *shape, credo_error *err)
{
    if (len == 0)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "invalid number \"\": the text is empty; expected digits such "
                               "as 12 or -3.50");
    if (is_space(text[0]) || is_space(text[len - 1]))
        return decimal_error(err, CREDO_ERR_INVALID, text, len,
                             "leading or trailing spaces are not allowed; trim the value");

    size_t pos = 0;
    shape->negative = text[0] == '-';
    if (text[0] == '-' || text[0] == '+')
        pos++;
    shape->digits_start = pos;
    shape->integer_digits = shape->fraction_digits = 0;

    bool seen_point = false;
    for (; pos < len; pos++) {
        char c = text[pos];
        if (is_digit(c)) {
            if (seen_point)
                shape->fraction_digits++;
            else
                shape->integer_digits++;
        } else if (c == '.' && !seen_point) {
            seen_point = true;
        } else if (c == '.') {
            return decimal_error(err, CREDO_ERR_INVALID, text, len,
                                 "second decimal point at column %zu; thousands separators "
                                 "are not allowed",
                                 pos + 1);
        } else if (c == ',' || c == '\'' || c == '_' || c == ' ') {
            return decimal_error(err, CREDO_ERR_INVALID, text, len,
                                 "thousands separators are not allowed; remove the '%c' at "
                                 "column %zu",
                                 c, pos + 1);
        } else {
            return decimal_error(err, CREDO_ERR_INVALID, text, len,
                                 "unexpected '%c' at column %zu; expected digits with an "
                                 "optional sign and decimal point",
                                 c, pos + 1);
        }
    }

    if (shape->integer_digits + shape->fraction_digits == 0)
        return decimal_error(err, CREDO_ERR_INVALID, text, len,
                             "no digits; expected a number such as 12 or -3.50");
    return CREDO_OK;
}

/* Adds one digit to *magnitude unless the result would exceed limit. */
static bool append_digit(uint64_t *magnitude, int digit, uint64_t limit)
{
    if (*magnitude > (limit - (uint64_t)digit) / 10)
        return false;
    *magnitude = *magnitude * 10 + (uint64_t)digit;
    return true;
}

/* Computes the digits scaled by 10^scale, with limit 2^63 for negative
 * and 2^63 - 1 for positive values. */
static bool accumulate_decimal(const char *text, size_t len, const struct decimal_shape *shape,
                               int scale, uint64_t *magnitude)
{
    uint64_t limit = shape->negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    *magnitude = 0;
    for (size_t pos = shape->digits_start; pos < len; pos++) {
        if (is_digit(text[pos]) && !append_digit(magnitude, text[pos] - '0', limit))
            return false;
    }
    for (size_t i = shape->fraction_digits; i < (size_t)scale; i++) {
        if (!append_digit(magnitude, 0, limit))
            return false;
    }
    return true;
}

credo_status credo_parse_decimal(const char *text, size_t len, int scale, int64_t *out,
                                 credo_error *err)
{
    if (scale < 0 || scale > SCALE_MAX)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "decimal scale %d is out of range 0..%d", scale, SCALE_MAX);
    if (text == NULL)
        len = 0;

    struct decimal_shape shape = {0};
    credo_status status = check_decimal_syntax(text, len, &shape, err);
    if (status != CREDO_OK)
        return status;
    if (shape.fraction_digits > (size_t)scale)
        return decimal_error(err, CREDO_ERR_INVALID, text, len,
                             "it has %zu digits after the decimal point but at most %d are "
                             "allowed (values are never rounded)",
                             shape.fraction_digits, scale);

    uint64_t magnitude;
    if (!accumulate_decimal(text, len, &shape, scale, &magnitude)) {
        char low[32], high[32];
        return decimal_error(err, CREDO_ERR_LIMIT, text, len,
                             "out of range %s..%s for %d decimal places",
                             credo_format_decimal(INT64_MIN, scale, low),
                             credo_format_decimal(INT64_MAX, scale, high), scale);
    }

    if (!shape.negative)
        *out = (int64_t)magnitude;
    else if (magnitude == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)magnitude;
    return CREDO_OK;
}

credo_status credo_parse_money(const char *text, size_t len, int minor_digits,
                               credo_money *out, credo_error *err)
{
    return credo_parse_decimal(text, len, minor_digits, out, err);
}

credo_status credo_parse_number(const char *text, size_t len, credo_number *out,
                                credo_error *err)
{
    return credo_parse_decimal(text, len, NUMBER_DECIMALS, out, err);
}

char *credo_format_decimal(int64_t value, int scale, char *out)
{
    if (scale < 0 || scale > SCALE_MAX) {
        out[0] = '\0';
        return out;
    }

    /* Digits are produced lowest first and padded with zeros so that at
     * least one digit precedes the point. */
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    while (count < scale + 1)
        digits[count++] = '0';

    char *cursor = out;
    if (value < 0)
        *cursor++ = '-';
    for (int i = count - 1; i >= 0; i--) {
        *cursor++ = digits[i];
        if (i == scale && scale > 0)
            *cursor++ = '.';
    }
    *cursor = '\0';
    return out;
}

char *credo_format_number(credo_number value, char *out)
{
    if (value == CREDO_NUMBER_NONE) {
        out[0] = '\0';
        return out;
    }

    credo_format_decimal(value, NUMBER_DECIMALS, out);
    size_t len = strlen(out);
    while (out[len - 1] == '0')
        len--;
    if (out[len - 1] == '.')
        len--;
    out[len] = '\0';
    return out;
}
