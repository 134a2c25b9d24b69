/* Tokens of the match-expression language, and the exact decimal syntax
 * shared by number literals and custom attributes compared as numbers. */
#include "expr_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Largest integer part that still fits an int64_t once scaled. */
#define MAX_INTEGER_PART (INT64_MAX / CREDO_NUMBER_SCALE)

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_char(char c)
{
    return is_letter(c) || is_digit(c) || c == '_' || c == '.';
}

/* ---- exact decimals ---- */

/* Scans digits from text[*i], adds them to *value (saturating at
 * MAX_INTEGER_PART + 1) and returns how many there were. */
static size_t scan_digits(const char *text, size_t len, size_t *i, uint64_t *value)
{
    size_t count = 0;
    for (; *i < len && is_digit(text[*i]); (*i)++, count++) {
        if (*value <= MAX_INTEGER_PART)
            *value = *value * 10 + (uint64_t)(text[*i] - '0');
    }
    return count;
}

expr_decimal_status credo__expr_parse_decimal(const char *text, size_t len, credo_number *out)
{
    size_t i = 0;
    bool negative = len > 0 && text[0] == '-';
    if (negative)
        i++;

    uint64_t integer = 0;
    if (scan_digits(text, len, &i, &integer) == 0)
        return DECIMAL_SYNTAX;

    uint64_t fraction = 0;
    size_t decimals = 0;
    if (i < len && text[i] == '.') {
        i++;
        decimals = scan_digits(text, len, &i, &fraction);
        if (decimals == 0)
            return DECIMAL_SYNTAX;
    }
    if (i != len)
        return DECIMAL_SYNTAX;
    if (decimals > EXPR_NUMBER_DECIMALS)
        return DECIMAL_TOO_PRECISE;
    if (integer > MAX_INTEGER_PART)
        return DECIMAL_TOO_LARGE;

    for (size_t d = decimals; d < EXPR_NUMBER_DECIMALS; d++)
        fraction *= 10;
    uint64_t magnitude = integer * CREDO_NUMBER_SCALE + fraction;
    if (magnitude > (uint64_t)INT64_MAX)
        return DECIMAL_TOO_LARGE;
    *out = negative ? -(credo_number)magnitude : (credo_number)magnitude;
    return DECIMAL_OK;
}

/* ---- text helpers for messages ---- */

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

size_t credo__expr_utf8_length(const char *text, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        count += !is_continuation((unsigned char)text[i]);
    return count;
}

void credo__expr_clip(const char *text, size_t len, size_t max_bytes, char *out, size_t size)
{
    size_t keep = len;
    if (len > max_bytes) {
        keep = max_bytes;
        while (keep > 0 && is_continuation((unsigned char)text[keep]))
            keep--;
    }
    snprintf(out, size, "%.*s%s", (int)keep, text, keep < len ? "..." : "");
}

/* Length of the UTF-8 sequence starting at text, or 0 when it is not a
 * complete, well-formed lead and continuation bytes. */
static size_t utf8_sequence_length(const char *text, size_t avail)
{
    unsigned char lead = (unsigned char)text[0];
    size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4
                  : lead >= 0xE0 ? 3
                  : lead >= 0xC2 && lead <= 0xDF ? 2
                  : 0;
    if (lead >= 0xF5)
        length = 0;
    if (length == 0 || length > avail)
        return 0;
    for (size_t i = 1; i < length; i++) {
        if (!is_continuation((unsigned char)text[i]))
            return 0;
    }
    return length;
}

/* Writes the character at text for a message: printable ASCII and whole
 * UTF-8 characters as themselves, other bytes as \xNN. Returns its length
 * in bytes. */
static size_t describe_char(const char *text, size_t avail, char *out, size_t size)
{
    unsigned char c = (unsigned char)text[0];
    if (c >= 0x20 && c < 0x7F) {
        snprintf(out, size, "%c", c);
        return 1;
    }
    size_t length = utf8_sequence_length(text, avail);
    if (length > 0) {
        snprintf(out, size, "%.*s", (int)length, text);
        return length;
    }
    snprintf(out, size, "\\x%02X", c);
    return 1;
}

static bool equals_ignoring_case(const char *text, size_t len, const char *word)
{
    size_t i = 0;
    for (; i < len && word[i] != '\0'; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return i == len && word[i] == '\0';
}

static const char *const KEYWORDS[] = {"and", "or", "not", "in", "starts_with"};
static const expr_token_kind KEYWORD_TOKENS[] = {TOKEN_AND, TOKEN_OR, TOKEN_NOT, TOKEN_IN,
                                                 TOKEN_STARTS_WITH};
#define KEYWORD_COUNT (sizeof KEYWORDS / sizeof KEYWORDS[0])

/* Returns the keyword that name spells in another case, or NULL. */
static const char *keyword_in_other_case(const char *name, size_t len)
{
    for (size_t i = 0; i < KEYWORD_COUNT; i++) {
        if (equals_ignoring_case(name, len, KEYWORDS[i]))
            return KEYWORDS[i];
    }
    return NULL;
}

void credo__expr_describe_token(const expr_token *token, char *out, size_t size)
{
    char clipped[EXPR_DESCRIBE_MAX];
    credo__expr_clip(token->start, token->length, 40, clipped, sizeof clipped);
    const char *keyword = NULL;

    switch (token->kind) {
    case TOKEN_END:
        snprintf(out, size, "the end of the text");
        break;
    case TOKEN_STRING:
        snprintf(out, size, "the string %s", clipped);
        break;
    case TOKEN_NUMBER:
        snprintf(out, size, "the number %s", clipped);
        break;
    case TOKEN_FIELD:
        keyword = keyword_in_other_case(token->start, token->length);
        if (keyword != NULL)
            snprintf(out, size, "'%s' (keywords are lower case: write '%s')", clipped, keyword);
        else
            snprintf(out, size, "'%s'", clipped);
        break;
    default:
        snprintf(out, size, "'%s'", clipped);
        break;
    }
}

/* ---- the lexer ---- */

void credo__expr_lex_init(expr_lexer *lexer, const char *text, size_t len)
{
    lexer->text = text;
    lexer->length = len;
    lexer->offset = 0;
    lexer->line = 1;
    lexer->line_start = 0;
}

static char peek(const expr_lexer *lexer, size_t ahead)
{
    size_t at = lexer->offset + ahead;
    return at < lexer->length ? lexer->text[at] : '\0';
}

static bool at_end(const expr_lexer *lexer)
{
    return lexer->offset >= lexer->length;
}

static void skip_space(expr_lexer *lexer)
{
    for (; !at_end(lexer); lexer->offset++) {
        char c = lexer->text[lexer->offset];
        if (c == '\n') {
            lexer->line++;
            lexer->line_start = lexer->offset + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
    }
}

static unsigned column_of(const expr_lexer *lexer, size_t offset)
{
    return (unsigned)(offset - lexer->line_start + 1);
}

static credo_status lex_fail(const expr_lexer *lexer, size_t offset, credo_expr_error *where,
                             const char *message)
{
    return credo__expr_fail(where, lexer->line, column_of(lexer, offset), CREDO_ERR_INVALID,
                            "%s", message);
}

/* Reads a string token; the opening quote is at lexer->offset. Escapes are
 * checked here and decoded when the parser copies the literal. */
static credo_status lex_string(expr_lexer *lexer, expr_token *token, credo_expr_error *where)
{
    size_t open = lexer->offset;
    size_t i = open + 1;
    for (; i < lexer->length; i++) {
        char c = lexer->text[i];
        if (c == '"')
            break;
        if (c == '\n' || c == '\r')
            return lex_fail(lexer, open, where,
                            "unterminated string: close it with '\"' on the line where it starts");
        if (c != '\\')
            continue;
        char next = i + 1 < lexer->length ? lexer->text[i + 1] : '\0';
        if (next != '"' && next != '\\') {
            char shown[EXPR_DESCRIBE_MAX] = "end of text";
            if (i + 1 < lexer->length)
                describe_char(lexer->text + i + 1, lexer->length - i - 1, shown, sizeof shown);
            char message[256];
            snprintf(message, sizeof message,
                     "invalid escape '\\%s' in string; only \\\" and \\\\ are escapes", shown);
            return lex_fail(lexer, i, where, message);
        }
        i++;
    }
    if (i >= lexer->length)
        return lex_fail(lexer, open, where, "unterminated string: add the closing '\"'");

    token->kind = TOKEN_STRING;
    token->length = i + 1 - open;
    lexer->offset = i + 1;
    return CREDO_OK;
}

/* Reports why the number token at `start` (len bytes) does not parse. */
static credo_status fail_number(const expr_lexer *lexer, size_t start, size_t len,
                                expr_decimal_status status, credo_expr_error *where)
{
    char shown[EXPR_DESCRIBE_MAX];
    credo__expr_clip(lexer->text + start, len, 40, shown, sizeof shown);
    char message[256];

    if (status == DECIMAL_SYNTAX && len == 1)
        snprintf(message, sizeof message,
                 "expected digits after '-', as in -5; a minus sign needs a number right "
                 "after it");
    else if (status == DECIMAL_SYNTAX)
        snprintf(message, sizeof message,
                 "invalid number '%s'; write digits with an optional '.' and up to %d decimals, "
                 "such as 1250.75",
                 shown, EXPR_NUMBER_DECIMALS);
    else if (status == DECIMAL_TOO_PRECISE)
        snprintf(message, sizeof message,
                 "number %s has more than %d decimals; numbers keep %d decimal places", shown,
                 EXPR_NUMBER_DECIMALS, EXPR_NUMBER_DECIMALS);
    else
        snprintf(message, sizeof message,
                 "number %s is too large; numbers must lie between -%lld.%04lld and %lld.%04lld",
                 shown, (long long)MAX_INTEGER_PART, (long long)(INT64_MAX % CREDO_NUMBER_SCALE),
                 (long long)MAX_INTEGER_PART, (long long)(INT64_MAX % CREDO_NUMBER_SCALE));
    return lex_fail(lexer, start, where, message);
}

/* Reads a number token starting at '-' or a digit. The token extends over
 * every following letter, digit, '_' and single '.', so that "12abc" is
 * reported as one malformed number. A ".." ends it, as in 1..5. */
static credo_status lex_number(expr_lexer *lexer, expr_token *token, credo_expr_error *where)
{
    size_t start = lexer->offset;
    size_t i = start + (lexer->text[start] == '-');
    while (i < lexer->length && is_name_char(lexer->text[i])) {
        if (lexer->text[i] == '.' && i + 1 < lexer->length && lexer->text[i + 1] == '.')
            break;
        i++;
    }

    expr_decimal_status status =
        credo__expr_parse_decimal(lexer->text + start, i - start, &token->number);
    if (status != DECIMAL_OK)
        return fail_number(lexer, start, i - start, status, where);
    token->kind = TOKEN_NUMBER;
    token->length = i - start;
    lexer->offset = i;
    return CREDO_OK;
}

static void lex_name(expr_lexer *lexer, expr_token *token)
{
    size_t start = lexer->offset;
    size_t i = start + 1;
    while (i < lexer->length && is_name_char(lexer->text[i]))
        i++;
    token->kind = TOKEN_FIELD;
    token->length = i - start;
    lexer->offset = i;

    for (size_t k = 0; k < KEYWORD_COUNT; k++) {
        if (strlen(KEYWORDS[k]) == token->length &&
            memcmp(KEYWORDS[k], lexer->text + start, token->length) == 0)
            token->kind = KEYWORD_TOKENS[k];
    }
}

/* Sets a token of `length` bytes at the current offset and moves past it. */
static credo_status take(expr_lexer *lexer, expr_token *token, expr_token_kind kind, size_t length)
{
    token->kind = kind;
    token->length = length;
    lexer->offset += length;
    return CREDO_OK;
}

/* Reports a character that starts no token, with a hint for the usual
 * mistakes. */
static credo_status lex_unexpected(const expr_lexer *lexer, credo_expr_error *where)
{
    char c = peek(lexer, 0);
    char next = peek(lexer, 1);
    const char *hint = "";
    if (c == '=' && next == '=')
        return lex_fail(lexer, lexer->offset, where, "'==' is not an operator; write '=' for equality");
    if (c == '<' && next == '>')
        return lex_fail(lexer, lexer->offset, where, "'<>' is not an operator; write '!='");
    if (c == '&' && next == '&')
        return lex_fail(lexer, lexer->offset, where, "'&&' is not an operator; write 'and'");
    if (c == '|' && next == '|')
        return lex_fail(lexer, lexer->offset, where, "'||' is not an operator; write 'or'");
    if (c == '\'')
        return lex_fail(lexer, lexer->offset, where,
                        "single quotes do not delimit strings; use double quotes, as in \"US\"");
    if (c == '!')
        hint = "; write '!=' for 'not equal' or 'not' to negate a test";
    else if (c == '.')
        hint = "; write '..' between the two ends of a range";

    char shown[EXPR_DESCRIBE_MAX];
    describe_char(lexer->text + lexer->offset, lexer->length - lexer->offset, shown, sizeof shown);
    char message[256];
    snprintf(message, sizeof message, "unexpected character '%s'%s", shown, hint);
    return lex_fail(lexer, lexer->offset, where, message);
}

/* Reads a token made of punctuation; returns CREDO_ERR_INVALID (without a
 * message) when the character starts none. */
static credo_status lex_operator(expr_lexer *lexer, expr_token *token)
{
    char c = peek(lexer, 0);
    char next = peek(lexer, 1);
    switch (c) {
    case '(': return take(lexer, token, TOKEN_LPAREN, 1);
    case ')': return take(lexer, token, TOKEN_RPAREN, 1);
    case ',': return take(lexer, token, TOKEN_COMMA, 1);
    case '=': return next == '=' ? CREDO_ERR_INVALID : take(lexer, token, TOKEN_EQ, 1);
    case '!': return next == '=' ? take(lexer, token, TOKEN_NE, 2) : CREDO_ERR_INVALID;
    case '.': return next == '.' ? take(lexer, token, TOKEN_RANGE, 2) : CREDO_ERR_INVALID;
    case '<':
        if (next == '>')
            return CREDO_ERR_INVALID;
        return next == '=' ? take(lexer, token, TOKEN_LE, 2) : take(lexer, token, TOKEN_LT, 1);
    case '>':
        return next == '=' ? take(lexer, token, TOKEN_GE, 2) : take(lexer, token, TOKEN_GT, 1);
    default: return CREDO_ERR_INVALID;
    }
}

credo_status credo__expr_lex(expr_lexer *lexer, expr_token *token, credo_expr_error *where)
{
    skip_space(lexer);
    token->start = lexer->text + lexer->offset;
    token->line = lexer->line;
    token->column = column_of(lexer, lexer->offset);
    token->number = 0;

    if (at_end(lexer))
        return take(lexer, token, TOKEN_END, 0);
    char c = peek(lexer, 0);
    if (c == '"')
        return lex_string(lexer, token, where);
    if (is_digit(c) || c == '-')
        return lex_number(lexer, token, where);
    if (is_letter(c)) {
        lex_name(lexer, token);
        return CREDO_OK;
    }
    if (lex_operator(lexer, token) == CREDO_OK)
        return CREDO_OK;
    return lex_unexpected(lexer, where);
}
