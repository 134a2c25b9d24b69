/* Tests of date and decimal parsing and formatting. Expected day numbers
 * were computed with Python's datetime module, not with credo. */
#include "test_support.h"

#include <string.h>

#include "credo/parse.h"

/* ---- Helpers ---------------------------------------------------------- */

static credo_date parse_date_ok(const char *text, const char *format)
{
    credo_error err = {0};
    credo_date date = CREDO_DATE_NONE;
    credo_status status = credo_parse_date(text, strlen(text), format, &date, &err);
    if (status != CREDO_OK)
        fail_msg("parsing \"%s\" failed: %s", text, err.message);
    return date;
}

/* Parses text that must be rejected and returns the error for inspection. */
static credo_error parse_date_fails(const char *text, const char *format)
{
    credo_error err = {0};
    credo_date date = 12345;
    credo_status status = credo_parse_date(text, strlen(text), format, &date, &err);
    assert_int_equal(status, CREDO_ERR_INVALID);
    assert_int_equal(err.status, CREDO_ERR_INVALID);
    assert_int_equal(date, 12345);
    return err;
}

static int64_t parse_decimal_ok(const char *text, int scale)
{
    credo_error err = {0};
    int64_t value = -1;
    credo_status status = credo_parse_decimal(text, strlen(text), scale, &value, &err);
    if (status != CREDO_OK)
        fail_msg("parsing \"%s\" failed: %s", text, err.message);
    return value;
}

static credo_error parse_decimal_fails(const char *text, int scale, credo_status expected)
{
    credo_error err = {0};
    int64_t value = 777;
    credo_status status = credo_parse_decimal(text, strlen(text), scale, &value, &err);
    assert_int_equal(status, expected);
    assert_int_equal(value, 777);
    return err;
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* ---- Civil dates ------------------------------------------------------ */

static int test_days_in_month(int year, int month)
{
    if (month == 2) {
        bool leap = year % 400 == 0 || (year % 4 == 0 && year % 100 != 0);
        return leap ? 29 : 28;
    }
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

/* Walks every day of years 1..9999 with a y/m/d counter and a day counter
 * that starts at -719162, the day number of 0001-01-01. */
static void civil_round_trip_every_day(void **state)
{
    int year = 1, month = 1, day = 1;
    int32_t expected = -719162;
    for (;;) {
        assert_int_equal(credo_date_from_civil(year, month, day), expected);
        int y, m, d;
        credo_date_to_civil(expected, &y, &m, &d);
        assert_int_equal(y, year);
        assert_int_equal(m, month);
        assert_int_equal(d, day);
        if (year == 1970 && month == 1 && day == 1)
            assert_int_equal(expected, 0);
        if (year == 9999 && month == 12 && day == 31)
            break;

        expected++;
        if (++day > test_days_in_month(year, month)) {
            day = 1;
            if (++month > 12) {
                month = 1;
                year++;
            }
        }
    }
    assert_int_equal(expected, 2932896);
}

static void civil_known_days(void **state)
{
    assert_int_equal(credo_date_from_civil(1970, 1, 1), 0);
    assert_int_equal(credo_date_from_civil(1969, 12, 31), -1);
    assert_int_equal(credo_date_from_civil(2000, 1, 1), 10957);
    assert_int_equal(credo_date_from_civil(2011, 5, 31), 15125);
    assert_int_equal(credo_date_from_civil(1, 1, 1), -719162);
    assert_int_equal(credo_date_from_civil(9999, 12, 31), 2932896);
}

static void civil_leap_years(void **state)
{
    assert_int_equal(credo_date_from_civil(1900, 2, 29), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(1900, 3, 1), -25508);
    assert_int_equal(credo_date_from_civil(2000, 2, 29), 11016);
    assert_int_equal(credo_date_from_civil(2000, 3, 1), 11017);
    assert_int_equal(credo_date_from_civil(2023, 2, 29), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(2024, 2, 29), 19782);
}

static void civil_rejects_impossible(void **state)
{
    assert_int_equal(credo_date_from_civil(2023, 13, 1), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(2023, 0, 1), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(2023, 1, 0), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(2023, 1, 32), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(2023, 4, 31), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(0, 12, 31), CREDO_DATE_NONE);
    assert_int_equal(credo_date_from_civil(10000, 1, 1), CREDO_DATE_NONE);
}

static void civil_out_of_range_gives_zeros(void **state)
{
    int y = -1, m = -1, d = -1;
    credo_date_to_civil(CREDO_DATE_NONE, &y, &m, &d);
    assert_int_equal(y, 0);
    assert_int_equal(m, 0);
    assert_int_equal(d, 0);
    credo_date_to_civil(2932897, &y, &m, &d);
    assert_int_equal(y, 0);
    credo_date_to_civil(-719163, &y, &m, &d);
    assert_int_equal(y, 0);
}

static void format_date_values(void **state)
{
    char out[11];
    assert_string_equal(credo_format_date(15125, out), "2011-05-31");
    assert_string_equal(credo_format_date(-719162, out), "0001-01-01");
    assert_string_equal(credo_format_date(2932896, out), "9999-12-31");
    assert_string_equal(credo_format_date(CREDO_DATE_NONE, out), "");
    assert_string_equal(credo_format_date(CREDO_DATE_MAX, out), "");
}

/* ---- Date parsing: accepted forms ------------------------------------- */

static void date_iso_default(void **state)
{
    assert_int_equal(parse_date_ok("2011-05-31", NULL), 15125);
    assert_int_equal(parse_date_ok("2000-02-29", NULL), 11016);
}

static void date_iso_with_time(void **state)
{
    assert_int_equal(parse_date_ok("2011-05-31T13:45", NULL), 15125);
    assert_int_equal(parse_date_ok("2011-05-31T13:45:59", NULL), 15125);
    assert_int_equal(parse_date_ok("2011-05-31 00:00:00.000", NULL), 15125);
    assert_int_equal(parse_date_ok("2011-05-31T23:59:60.123456789123Z", NULL), 15125);
    assert_int_equal(parse_date_ok("2011-05-31T23:30:00-05:00", NULL), 15125);
    assert_int_equal(parse_date_ok("2011-05-31T23:30:00+0530", NULL), 15125);
    assert_int_equal(parse_date_ok("2011-05-31T23:30+01", NULL), 15125);
}

static void date_format_slashes_ymd(void **state)
{
    assert_int_equal(parse_date_ok("2011/05/31", "%Y/%m/%d"), 15125);
    assert_int_equal(parse_date_ok("2011/5/1", "%Y/%m/%d"), 15095);
}

static void date_format_dashes_ymd(void **state)
{
    assert_int_equal(parse_date_ok("2012-12-25", "%Y-%m-%d"), 15699);
}

static void date_format_us_mdy(void **state)
{
    assert_int_equal(parse_date_ok("5/31/2011", "%m/%d/%Y"), 15125);
    assert_int_equal(parse_date_ok("07/01/2011", "%m/%d/%Y"), 15156);
}

static void date_format_sql_server(void **state)
{
    const char *format = "%b %d %Y %I:%M%p";
    assert_int_equal(parse_date_ok("May 31 2011 12:00AM", format), 15125);
    assert_int_equal(parse_date_ok("May  1 2011 12:00AM", format), 15095);
    assert_int_equal(parse_date_ok("Jul  1 2011  3:15PM", format), 15156);
    assert_int_equal(parse_date_ok("DEC 25 2012 11:59pm", format), 15699);
}

static void date_format_24_hour_time(void **state)
{
    assert_int_equal(parse_date_ok("2011-05-31 23:59:59", "%Y-%m-%d %H:%M:%S"), 15125);
    assert_int_equal(parse_date_ok("31.05.2011 7:05", "%d.%m.%Y %H:%M"), 15125);
}

static void date_format_percent_literal(void **state)
{
    assert_int_equal(parse_date_ok("%2011-05-31", "%%%Y-%m-%d"), 15125);
}

/* ---- Date parsing: rejected forms ------------------------------------- */

static void date_rejects_february_29(void **state)
{
    credo_error err = parse_date_fails("2023-02-29", "%Y-%m-%d");
    assert_contains(err.message, "\"2023-02-29\"");
    assert_contains(err.message, "%Y-%m-%d");
    assert_contains(err.message, "day 29 does not exist in February 2023");
}

static void date_rejects_1900_leap_day(void **state)
{
    credo_error err = parse_date_fails("1900-02-29", NULL);
    assert_contains(err.message, "\"1900-02-29\"");
    assert_contains(err.message, "YYYY-MM-DD");
}

static void date_rejects_month_13(void **state)
{
    credo_error err = parse_date_fails("2011-13-01", NULL);
    assert_contains(err.message, "month 13 at column 6 is out of range 1..12");
}

static void date_rejects_day_0(void **state)
{
    credo_error err = parse_date_fails("5/0/2011", "%m/%d/%Y");
    assert_contains(err.message, "\"5/0/2011\"");
    assert_contains(err.message, "%m/%d/%Y");
    assert_contains(err.message, "day 0 at column 3 is out of range 1..31");
}

static void date_rejects_april_31(void **state)
{
    credo_error err = parse_date_fails("2011/04/31", "%Y/%m/%d");
    assert_contains(err.message, "day 31 does not exist in April 2011");
}

static void date_rejects_year_0(void **state)
{
    credo_error err = parse_date_fails("0000-01-01", NULL);
    assert_contains(err.message, "year 0 at column 1 is out of range 1..9999");
}

static void date_rejects_short_year(void **state)
{
    credo_error err = parse_date_fails("11-05-31", NULL);
    assert_contains(err.message, "expected a 4-digit year at column 1");
}

static void date_rejects_wrong_separator(void **state)
{
    credo_error err = parse_date_fails("2011/05/31", NULL);
    assert_contains(err.message, "expected '-' at column 5");
}

static void date_rejects_trailing_text(void **state)
{
    credo_error err = parse_date_fails("2011-05-31x", NULL);
    assert_contains(err.message, "unexpected 'x' at column 11");
    err = parse_date_fails("2011/05/31 ", "%Y/%m/%d");
    assert_contains(err.message, "unexpected ' ' at column 11");
}

static void date_rejects_truncated_text(void **state)
{
    credo_error err = parse_date_fails("2011-05", NULL);
    assert_contains(err.message, "text ends where '-' was expected");
}

static void date_rejects_empty_text(void **state)
{
    credo_error err = parse_date_fails("", NULL);
    assert_contains(err.message, "\"\"");
    assert_contains(err.message, "expected a 4-digit year at column 1");
}

static void date_rejects_unknown_month_name(void **state)
{
    credo_error err = parse_date_fails("Mai 31 2011 12:00AM", "%b %d %Y %I:%M%p");
    assert_contains(err.message, "expected an English month abbreviation (Jan..Dec) at column 1");
}

static void date_rejects_bad_meridiem(void **state)
{
    credo_error err = parse_date_fails("May 31 2011 12:00XM", "%b %d %Y %I:%M%p");
    assert_contains(err.message, "expected AM or PM at column 18");
}

static void date_rejects_hour_13_on_12_hour_clock(void **state)
{
    credo_error err = parse_date_fails("May 31 2011 13:00PM", "%b %d %Y %I:%M%p");
    assert_contains(err.message, "12-hour clock hour 13 at column 13 is out of range 1..12");
}

static void date_rejects_hour_0_on_12_hour_clock(void **state)
{
    parse_date_fails("May 31 2011 0:00AM", "%b %d %Y %I:%M%p");
}

static void date_rejects_missing_space(void **state)
{
    credo_error err = parse_date_fails("May 312011 12:00AM", "%b %d %Y %I:%M%p");
    assert_contains(err.message, "expected ' ' at column 7");
}

static void date_rejects_hour_24(void **state)
{
    credo_error err = parse_date_fails("2011-05-31T24:00", NULL);
    assert_contains(err.message, "hour 24 at column 12 is out of range 0..23");
}

static void date_rejects_minute_60(void **state)
{
    credo_error err = parse_date_fails("2011-05-31 10:60", "%Y-%m-%d %H:%M");
    assert_contains(err.message, "minute 60 at column 15 is out of range 0..59");
}

static void date_rejects_one_digit_minute(void **state)
{
    credo_error err = parse_date_fails("2011-05-31T10:5", NULL);
    assert_contains(err.message, "expected a 2-digit minute at column 15");
}

static void date_rejects_second_61(void **state)
{
    credo_error err = parse_date_fails("2011-05-31 10:00:61", "%Y-%m-%d %H:%M:%S");
    assert_contains(err.message, "second 61 at column 18 is out of range 0..60");
}

static void date_rejects_empty_fraction(void **state)
{
    credo_error err = parse_date_fails("2011-05-31T10:00:00.", NULL);
    assert_contains(err.message, "fraction of a second");
}

static void date_rejects_bad_zone(void **state)
{
    parse_date_fails("2011-05-31T10:00+25:00", NULL);
    parse_date_fails("2011-05-31T10:00+05:", NULL);
    parse_date_fails("2011-05-31T10:00+5", NULL);
    credo_error err = parse_date_fails("2011-05-31T10:00 UTC", NULL);
    assert_contains(err.message, "unexpected ' ' at column 17");
}

static void date_rejects_lone_time_separator(void **state)
{
    parse_date_fails("2011-05-31T", NULL);
    parse_date_fails("2011-05-31 ", NULL);
}

static void date_rejects_three_digit_month(void **state)
{
    credo_error err = parse_date_fails("2011/123/01", "%Y/%m/%d");
    assert_contains(err.message, "expected '/' at column 8");
}

static void date_long_text_is_cut_in_message(void **state)
{
    char text[200];
    memset(text, '9', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    credo_error err = parse_date_fails(text, NULL);
    assert_contains(err.message, "...\"");
    assert_true(strlen(err.message) < 300);
}

static void date_text_length_is_respected(void **state)
{
    credo_error err = {0};
    credo_date date = 0;
    const char *text = "2011-05-31 and more";
    assert_int_equal(credo_parse_date(text, 10, NULL, &date, &err), CREDO_OK);
    assert_int_equal(date, 15125);
}

static void date_format_unsupported_directive(void **state)
{
    credo_error err = parse_date_fails("2011-05-31", "%Y-%m-%d%q");
    assert_contains(err.message, "date format \"%Y-%m-%d%q\" contains unsupported directive %q");
}

static void date_format_trailing_percent(void **state)
{
    credo_error err = parse_date_fails("2011-05-31%", "%Y-%m-%d%");
    assert_contains(err.message, "unsupported directive");
}

static void date_format_missing_day(void **state)
{
    credo_error err = parse_date_fails("2011-05", "%Y-%m");
    assert_contains(err.message, "date format \"%Y-%m\" needs a year (%Y), a month (%m or %b) "
                                 "and a day (%d)");
}

/* ---- Decimals: accepted forms ----------------------------------------- */

static void decimal_plain_values(void **state)
{
    assert_int_equal(parse_decimal_ok("0", 2), 0);
    assert_int_equal(parse_decimal_ok("12", 2), 1200);
    assert_int_equal(parse_decimal_ok("12.3", 2), 1230);
    assert_int_equal(parse_decimal_ok("12.34", 2), 1234);
    assert_int_equal(parse_decimal_ok("0.0001", 4), 1);
    assert_int_equal(parse_decimal_ok("007", 0), 7);
    assert_int_equal(parse_decimal_ok("1.000000001", 9), 1000000001);
}

static void decimal_signs(void **state)
{
    assert_int_equal(parse_decimal_ok("-1234.5", 2), -123450);
    assert_int_equal(parse_decimal_ok("+1234.5", 2), 123450);
    assert_int_equal(parse_decimal_ok("-0.5", 2), -50);
    assert_int_equal(parse_decimal_ok("-0", 2), 0);
}

static void decimal_point_without_leading_digit(void **state)
{
    assert_int_equal(parse_decimal_ok(".5", 2), 50);
    assert_int_equal(parse_decimal_ok("-.5", 2), -50);
}

static void decimal_point_without_trailing_digit(void **state)
{
    assert_int_equal(parse_decimal_ok("5.", 2), 500);
    assert_int_equal(parse_decimal_ok("5.", 0), 5);
}

static void decimal_int64_bounds_at_scale_0(void **state)
{
    assert_true(parse_decimal_ok("9223372036854775807", 0) == INT64_MAX);
    assert_true(parse_decimal_ok("-9223372036854775808", 0) == INT64_MIN);
    assert_true(parse_decimal_ok("+0009223372036854775807", 0) == INT64_MAX);
}

static void decimal_int64_bounds_at_scale_2(void **state)
{
    assert_true(parse_decimal_ok("92233720368547758.07", 2) == INT64_MAX);
    assert_true(parse_decimal_ok("-92233720368547758.08", 2) == INT64_MIN);
}

static void money_and_number_scales(void **state)
{
    credo_error err = {0};
    credo_money money = 0;
    assert_int_equal(credo_parse_money("19.99", 5, 2, &money, &err), CREDO_OK);
    assert_int_equal(money, 1999);
    assert_int_equal(credo_parse_money("1500", 4, 0, &money, &err), CREDO_OK);
    assert_int_equal(money, 1500);
    credo_number number = 0;
    assert_int_equal(credo_parse_number("2.5", 3, &number, &err), CREDO_OK);
    assert_int_equal(number, 25000);
}

static void decimal_text_length_is_respected(void **state)
{
    credo_error err = {0};
    int64_t value = 0;
    assert_int_equal(credo_parse_decimal("12.34xyz", 4, 2, &value, &err), CREDO_OK);
    assert_int_equal(value, 1230);
}

/* ---- Decimals: rejected forms ----------------------------------------- */

static void decimal_rejects_excess_decimals(void **state)
{
    credo_error err = parse_decimal_fails("1.234", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "\"1.234\"");
    assert_contains(err.message, "3 digits after the decimal point but at most 2 are allowed");
}

static void decimal_rejects_trailing_zero_decimals(void **state)
{
    credo_error err = parse_decimal_fails("1.500", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "at most 2 are allowed");
}

static void decimal_rejects_decimals_at_scale_0(void **state)
{
    credo_error err = parse_decimal_fails("3.5", 0, CREDO_ERR_INVALID);
    assert_contains(err.message, "at most 0 are allowed");
}

static void decimal_rejects_thousands_comma(void **state)
{
    credo_error err = parse_decimal_fails("1,234.50", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "thousands separators are not allowed; remove the ',' at column 2");
}

static void decimal_rejects_thousands_point(void **state)
{
    credo_error err = parse_decimal_fails("1.234.567", 4, CREDO_ERR_INVALID);
    assert_contains(err.message, "second decimal point at column 6");
}

static void decimal_rejects_inner_space(void **state)
{
    credo_error err = parse_decimal_fails("1 234", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "remove the ' ' at column 2");
}

static void decimal_rejects_empty_text(void **state)
{
    credo_error err = parse_decimal_fails("", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "empty");
}

static void decimal_rejects_lone_sign(void **state)
{
    credo_error err = parse_decimal_fails("-", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "invalid number \"-\": no digits");
    parse_decimal_fails("+", 2, CREDO_ERR_INVALID);
}

static void decimal_rejects_lone_point(void **state)
{
    parse_decimal_fails(".", 2, CREDO_ERR_INVALID);
    parse_decimal_fails("-.", 2, CREDO_ERR_INVALID);
}

static void decimal_rejects_surrounding_spaces(void **state)
{
    credo_error err = parse_decimal_fails(" 12", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "leading or trailing spaces");
    parse_decimal_fails("12 ", 2, CREDO_ERR_INVALID);
    parse_decimal_fails("12\t", 2, CREDO_ERR_INVALID);
}

static void decimal_rejects_exponent(void **state)
{
    credo_error err = parse_decimal_fails("1e3", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "unexpected 'e' at column 2");
}

static void decimal_rejects_double_sign(void **state)
{
    credo_error err = parse_decimal_fails("--5", 2, CREDO_ERR_INVALID);
    assert_contains(err.message, "unexpected '-' at column 2");
}

static void decimal_overflow_at_scale_0(void **state)
{
    credo_error err = parse_decimal_fails("9223372036854775808", 0, CREDO_ERR_LIMIT);
    assert_contains(err.message, "\"9223372036854775808\"");
    assert_contains(err.message, "-9223372036854775808..9223372036854775807");
    parse_decimal_fails("-9223372036854775809", 0, CREDO_ERR_LIMIT);
    parse_decimal_fails("99999999999999999999999", 0, CREDO_ERR_LIMIT);
}

static void decimal_overflow_at_scale_2(void **state)
{
    credo_error err = parse_decimal_fails("92233720368547758.08", 2, CREDO_ERR_LIMIT);
    assert_contains(err.message, "-92233720368547758.08..92233720368547758.07 for 2 decimal places");
    parse_decimal_fails("-92233720368547758.09", 2, CREDO_ERR_LIMIT);
    parse_decimal_fails("92233720368547759", 2, CREDO_ERR_LIMIT);
}

static void decimal_rejects_bad_scale(void **state)
{
    credo_error err = parse_decimal_fails("1", 10, CREDO_ERR_INVALID);
    assert_contains(err.message, "scale 10 is out of range 0..9");
    parse_decimal_fails("1", -1, CREDO_ERR_INVALID);
}

/* ---- Decimal formatting ----------------------------------------------- */

static void format_decimal_values(void **state)
{
    char out[32];
    assert_string_equal(credo_format_decimal(1234, 2, out), "12.34");
    assert_string_equal(credo_format_decimal(5, 2, out), "0.05");
    assert_string_equal(credo_format_decimal(-50, 2, out), "-0.50");
    assert_string_equal(credo_format_decimal(0, 2, out), "0.00");
    assert_string_equal(credo_format_decimal(0, 0, out), "0");
    assert_string_equal(credo_format_decimal(-7, 0, out), "-7");
    assert_string_equal(credo_format_decimal(1, 9, out), "0.000000001");
}

static void format_decimal_int64_bounds(void **state)
{
    char out[32];
    assert_string_equal(credo_format_decimal(INT64_MAX, 0, out), "9223372036854775807");
    assert_string_equal(credo_format_decimal(INT64_MIN, 0, out), "-9223372036854775808");
    assert_string_equal(credo_format_decimal(INT64_MIN, 9, out), "-9223372036.854775808");
}

static void format_decimal_bad_scale(void **state)
{
    char out[32] = "x";
    assert_string_equal(credo_format_decimal(1, 10, out), "");
}

static void format_number_trims_zeros(void **state)
{
    char out[32];
    assert_string_equal(credo_format_number(120000, out), "12");
    assert_string_equal(credo_format_number(125000, out), "12.5");
    assert_string_equal(credo_format_number(100000, out), "10");
    assert_string_equal(credo_format_number(1, out), "0.0001");
    assert_string_equal(credo_format_number(0, out), "0");
    assert_string_equal(credo_format_number(-5000, out), "-0.5");
    assert_string_equal(credo_format_number(CREDO_NUMBER_NONE, out), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_round_trip_every_day),
        cmocka_unit_test(civil_known_days),
        cmocka_unit_test(civil_leap_years),
        cmocka_unit_test(civil_rejects_impossible),
        cmocka_unit_test(civil_out_of_range_gives_zeros),
        cmocka_unit_test(format_date_values),
        cmocka_unit_test(date_iso_default),
        cmocka_unit_test(date_iso_with_time),
        cmocka_unit_test(date_format_slashes_ymd),
        cmocka_unit_test(date_format_dashes_ymd),
        cmocka_unit_test(date_format_us_mdy),
        cmocka_unit_test(date_format_sql_server),
        cmocka_unit_test(date_format_24_hour_time),
        cmocka_unit_test(date_format_percent_literal),
        cmocka_unit_test(date_rejects_february_29),
        cmocka_unit_test(date_rejects_1900_leap_day),
        cmocka_unit_test(date_rejects_month_13),
        cmocka_unit_test(date_rejects_day_0),
        cmocka_unit_test(date_rejects_april_31),
        cmocka_unit_test(date_rejects_year_0),
        cmocka_unit_test(date_rejects_short_year),
        cmocka_unit_test(date_rejects_wrong_separator),
        cmocka_unit_test(date_rejects_trailing_text),
        cmocka_unit_test(date_rejects_truncated_text),
        cmocka_unit_test(date_rejects_empty_text),
        cmocka_unit_test(date_rejects_unknown_month_name),
        cmocka_unit_test(date_rejects_bad_meridiem),
        cmocka_unit_test(date_rejects_hour_13_on_12_hour_clock),
        cmocka_unit_test(date_rejects_hour_0_on_12_hour_clock),
        cmocka_unit_test(date_rejects_missing_space),
        cmocka_unit_test(date_rejects_hour_24),
        cmocka_unit_test(date_rejects_minute_60),
        cmocka_unit_test(date_rejects_one_digit_minute),
        cmocka_unit_test(date_rejects_second_61),
        cmocka_unit_test(date_rejects_empty_fraction),
        cmocka_unit_test(date_rejects_bad_zone),
        cmocka_unit_test(date_rejects_lone_time_separator),
        cmocka_unit_test(date_rejects_three_digit_month),
        cmocka_unit_test(date_long_text_is_cut_in_message),
        cmocka_unit_test(date_text_length_is_respected),
        cmocka_unit_test(date_format_unsupported_directive),
        cmocka_unit_test(date_format_trailing_percent),
        cmocka_unit_test(date_format_missing_day),
        cmocka_unit_test(decimal_plain_values),
        cmocka_unit_test(decimal_signs),
        cmocka_unit_test(decimal_point_without_leading_digit),
        cmocka_unit_test(decimal_point_without_trailing_digit),
        cmocka_unit_test(decimal_int64_bounds_at_scale_0),
        cmocka_unit_test(decimal_int64_bounds_at_scale_2),
        cmocka_unit_test(money_and_number_scales),
        cmocka_unit_test(decimal_text_length_is_respected),
        cmocka_unit_test(decimal_rejects_excess_decimals),
        cmocka_unit_test(decimal_rejects_trailing_zero_decimals),
        cmocka_unit_test(decimal_rejects_decimals_at_scale_0),
        cmocka_unit_test(decimal_rejects_thousands_comma),
        cmocka_unit_test(decimal_rejects_thousands_point),
        cmocka_unit_test(decimal_rejects_inner_space),
        cmocka_unit_test(decimal_rejects_empty_text),
        cmocka_unit_test(decimal_rejects_lone_sign),
        cmocka_unit_test(decimal_rejects_lone_point),
        cmocka_unit_test(decimal_rejects_surrounding_spaces),
        cmocka_unit_test(decimal_rejects_exponent),
        cmocka_unit_test(decimal_rejects_double_sign),
        cmocka_unit_test(decimal_overflow_at_scale_0),
        cmocka_unit_test(decimal_overflow_at_scale_2),
        cmocka_unit_test(decimal_rejects_bad_scale),
        cmocka_unit_test(format_decimal_values),
        cmocka_unit_test(format_decimal_int64_bounds),
        cmocka_unit_test(format_decimal_bad_scale),
        cmocka_unit_test(format_number_trims_zeros),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
