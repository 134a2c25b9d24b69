/* Positions in a policy text: line table and the mapping of offsets inside
 * a scalar's value back to the file. */
#include "policy_internal.h"

#include <stdlib.h>
#include <string.h>

/* Returns the length of the line break at p (0 when there is none). */
static size_t break_length(const char *p, const char *end)
{
    size_t left = (size_t)(end - p);
    if (left == 0)
        return 0;
    if (p[0] == '\n')
        return 1;
    if (p[0] == '\r')
        return left >= 2 && p[1] == '\n' ? 2 : 1;
    if (left >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0x85)
        return 2; /* NEL */
    if (left >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
        ((unsigned char)p[2] == 0xA8 || (unsigned char)p[2] == 0xA9))
        return 3; /* LS, PS */
    return 0;
}

static bool is_continuation_byte(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

credo_status policy_lines_init(policy_lines *lines, const char *text, size_t length)
{
    memset(lines, 0, sizeof *lines);
    lines->text = text;
    lines->length = length;

    size_t capacity = 64;
    lines->starts = malloc(capacity * sizeof *lines->starts);
    if (lines->starts == NULL)
        return CREDO_ERR_NOMEM;

    size_t first = length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    lines->starts[lines->count++] = first;
    const char *end = text + length;
    for (const char *p = text + first; p < end;) {
        size_t width = break_length(p, end);
        if (width == 0) {
            p++;
            continue;
        }
        p += width;
        if (lines->count == capacity) {
            capacity *= 2;
            size_t *grown = realloc(lines->starts, capacity * sizeof *grown);
            if (grown == NULL)
                return CREDO_ERR_NOMEM;
            lines->starts = grown;
        }
        lines->starts[lines->count++] = (size_t)(p - text);
    }
    return CREDO_OK;
}

void policy_lines_free(policy_lines *lines)
{
    if (lines == NULL)
        return;
    free(lines->starts);
    lines->starts = NULL;
    lines->count = 0;
}

size_t policy_lines_offset(const policy_lines *lines, credo_policy_pos pos)
{
    if (pos.line == 0 || lines->count == 0)
        return 0;
    size_t line = pos.line - 1 < lines->count ? pos.line - 1 : lines->count - 1;
    size_t offset = lines->starts[line];
    const char *end = lines->text + lines->length;

    /* Step over column - 1 characters: a character is a lead byte and its
     * continuation bytes. */
    for (unsigned column = 1; column < pos.column && offset < lines->length; column++) {
        if (break_length(lines->text + offset, end) != 0)
            break;
        offset++;
        while (offset < lines->length && is_continuation_byte(lines->text[offset]))
            offset++;
    }
    return offset;
}

credo_policy_pos policy_lines_position(const policy_lines *lines, size_t offset)
{
    if (offset > lines->length)
        offset = lines->length;

    /* Last line whose start is at or before offset. */
    size_t low = 0, high = lines->count;
    while (high - low > 1) {
        size_t mid = low + (high - low) / 2;
        if (lines->starts[mid] <= offset)
            low = mid;
        else
            high = mid;
    }

    unsigned column = 1;
    for (size_t i = lines->starts[low]; i < offset; i++) {
        if (!is_continuation_byte(lines->text[i]))
            column++;
    }
    return (credo_policy_pos){(unsigned)low + 1, column};
}

size_t policy_text_offset(const char *text, size_t length, unsigned line, unsigned column)
{
    size_t offset = 0;
    for (unsigned current = 1; current < line && offset < length; offset++) {
        if (text[offset] == '\n')
            current++;
    }
    for (unsigned current = 1; current < column && offset < length; current++) {
        if (text[offset] == '\n')
            break;
        offset++;
    }
    return offset;
}

typedef enum scalar_style { STYLE_PLAIN, STYLE_SINGLE_QUOTED, STYLE_DOUBLE_QUOTED, STYLE_BLOCK } scalar_style;

/* A cursor over the source of one scalar, kept in step with its value. */
typedef struct scalar_walk {
    const char *text;
    size_t at, end;
    scalar_style style;
} scalar_walk;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Returns the number of hex digits after an escape letter (\x, \u, \U). */
static size_t hex_digit_count(char kind)
{
    if (kind == 'x')
        return 2;
    if (kind == 'u')
        return 4;
    if (kind == 'U')
        return 8;
    return 0;
}

/* Returns the UTF-8 length of a code point. */
static size_t utf8_length(unsigned long code)
{
    if (code < 0x80)
        return 1;
    if (code < 0x800)
        return 2;
    if (code < 0x10000)
        return 3;
    return 4;
}

/* Returns the number of UTF-8 bytes that the escape at walk->at produces
 * and stores its source length in *source_length. */
static size_t escape_output(const scalar_walk *walk, size_t *source_length)
{
    size_t left = walk->end - walk->at;
    char kind = left >= 2 ? walk->text[walk->at + 1] : '\0';
    size_t digits = hex_digit_count(kind);
    if (digits == 0 || left < 2 + digits) {
        /* A one-letter escape: \N (NEL) is 2 bytes, \L and \P (LS, PS)
         * are 3, \_ (no-break space) is 2, the rest are 1. */
        *source_length = left >= 2 ? 2 : left;
        if (kind == 'N' || kind == '_')
            return 2;
        if (kind == 'L' || kind == 'P')
            return 3;
        return 1;
    }

    unsigned long code = 0;
    for (size_t i = 0; i < digits; i++) {
        int digit = hex_value(walk->text[walk->at + 2 + i]);
        code = code * 16 + (unsigned long)(digit < 0 ? 0 : digit);
    }
    *source_length = 2 + digits;
    return utf8_length(code);
}

/* Moves the cursor over blanks, line breaks and, in double quotes, escaped
 * line breaks, none of which leave a non-blank byte in the value. */
static void skip_layout(scalar_walk *walk)
{
    const char *end = walk->text + walk->end;
    while (walk->at < walk->end) {
        const char *p = walk->text + walk->at;
        size_t width = break_length(p, end);
        if (is_blank(*p))
            walk->at++;
        else if (width != 0)
            walk->at += width;
        else if (walk->style == STYLE_DOUBLE_QUOTED && *p == '\\' && break_length(p + 1, end) != 0)
            walk->at += 1 + break_length(p + 1, end);
        else
            break;
    }
}

/* Moves the cursor past the source of value byte c and returns how many
 * further value bytes that source produced (a multi-byte escape). */
static size_t step(scalar_walk *walk, char c)
{
    const char *end = walk->text + walk->end;
    if (walk->at >= walk->end)
        return 0;
    const char *p = walk->text + walk->at;

    if (walk->style == STYLE_DOUBLE_QUOTED && *p == '\\' && break_length(p + 1, end) == 0) {
        size_t source_length;
        size_t produced = escape_output(walk, &source_length);
        walk->at += source_length;
        return produced - 1;
    }
    if (walk->style == STYLE_SINGLE_QUOTED && *p == '\'' && c == '\'') {
        walk->at += 2; /* '' stands for one quote */
        return 0;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
        /* A blank or break of the value comes from a blank, or from a line
         * break that folding turned into a space. When the source has
         * neither here, the cursor stays. */
        size_t width = break_length(p, end);
        walk->at += width != 0 ? width : is_blank(*p) ? 1 : 0;
        return 0;
    }
    walk->at++;
    return 0;
}

/* Places the cursor on the first byte of the scalar's content. */
static scalar_walk walk_start(const policy_lines *lines, credo_policy_pos scalar_pos)
{
    scalar_walk walk = {lines->text, policy_lines_offset(lines, scalar_pos), lines->length, STYLE_PLAIN};
    char first = walk.at < walk.end ? lines->text[walk.at] : '\0';
    if (first == '"' || first == '\'') {
        walk.style = first == '"' ? STYLE_DOUBLE_QUOTED : STYLE_SINGLE_QUOTED;
        walk.at++;
    } else if (first == '|' || first == '>') {
        /* The content of a block scalar starts on the line after its
         * header ("|", "|-", ">2" and the like, maybe with a comment). */
        walk.style = STYLE_BLOCK;
        const char *end = lines->text + lines->length;
        while (walk.at < walk.end && break_length(lines->text + walk.at, end) == 0)
            walk.at++;
        walk.at += break_length(lines->text + walk.at, end);
    }
    return walk;
}

/* The cursor walks the source and the value together. Every non-blank
 * value byte is the next non-blank source byte after layout (indentation,
 * line breaks, escaped breaks), or the escape or doubled quote that stands
 * for it, so the non-blank bytes map exactly. Folding may turn a line
 * break into a space or drop it, so blank bytes map approximately. */
credo_policy_pos policy_scalar_position(const policy_lines *lines, credo_policy_pos scalar_pos,
                                        const char *value, size_t value_length, size_t offset)
{
    scalar_walk walk = walk_start(lines, scalar_pos);
    if (offset > value_length)
        offset = value_length;

    for (size_t i = 0; i <= offset && i < value_length; i++) {
        char c = value[i];
        if (!is_blank(c) && c != '\n')
            skip_layout(&walk);
        if (i == offset)
            break;
        i += step(&walk, c);
    }
    return policy_lines_position(lines, walk.at);
}

credo_policy_pos policy_expr_position(const policy_lines *lines, credo_policy_pos match_pos,
                                      const credo_expr *expr, unsigned line, unsigned column)
{
    const char *text = credo_expr_text(expr);
    size_t length = strlen(text);
    size_t offset = policy_text_offset(text, length, line, column);
    return policy_scalar_position(lines, match_pos, text, length, offset);
}
