/* ISO 3166 country and subdivision codes from the JSON files of Debian's
 * iso-codes package. Names are folded (see fold_name) and stored in sorted
 * arrays, so that each lookup is a binary search. */
#include "credo/iso3166.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CREDO_ISO_CODES_DIR
#define CREDO_ISO_CODES_DIR "/usr/share/iso-codes/json"
#endif

#define COUNTRIES_FILE "iso_3166-1.json"
#define SUBDIVISIONS_FILE "iso_3166-2.json"

/* Lookup text up to this many bytes is folded in a stack buffer, and
 * longer text in a heap buffer. */
#define FOLD_STACK_BYTES 256

/* A country or subdivision. Both strings are borrowed from the parsed
 * JSON, which lives as long as the credo_iso3166. */
struct iso_entry {
    const char *code; /* "US" or "US-CA" */
    const char *name; /* the "name" field: "United States", "California" */
};

/* A key of an index. entry is NULL when the key names several entries, so
 * that an ambiguous name matches nothing. */
struct index_item {
    char *key;
    const struct iso_entry *entry;
};

/* Keys sorted by strcmp once index_finish has run. */
struct key_index {
    struct index_item *items;
    size_t count, capacity;
};

struct credo_iso3166 {
    json_t *countries_json;
    json_t *subdivisions_json;
    struct iso_entry *countries;
    size_t country_count;
    struct iso_entry *subdivisions;
    size_t subdivision_count;
    struct key_index country_codes;     /* "US" and "USA" */
    struct key_index country_names;     /* folded name, official and common name */
    struct key_index subdivision_codes; /* "US-CA" */
    struct key_index subdivision_names; /* alpha-2 code + folded name: "UScalifornia" */
};

/* ---- Folding ---------------------------------------------------------- */

/* Base letters of U+00C0..U+017F (Latin-1 Supplement letters and Latin
 * Extended-A), one per code point: 'ç' and 'č' give 'c', 'ł' gives 'l'.
 * '+' marks a letter that folds to two letters (see two_letter_folds) and
 * '*' a sign (× and ÷) that is kept as it is. */
static const char latin_base_letters[192 + 1] =
    "aaaaaa+ceeeeiiiidnooooo*ouuuuy++" /* U+00C0..U+00DF */
    "aaaaaa+ceeeeiiiidnooooo*ouuuuy+y" /* U+00E0..U+00FF */
    "aaaaaaccccccccddddeeeeeeeeeegggg" /* U+0100..U+011F */
    "gggghhhhiiiiiiiiii++jjkkklllllll" /* U+0120..U+013F */
    "lllnnnnnnnnnoooooo++rrrrrrssssss" /* U+0140..U+015F */
    "ssttttttuuuuuuuuuuuuwwyyyzzzzzzs"; /* U+0160..U+017F */

static const struct {
    uint16_t code_point;
    char letters[3];
} two_letter_folds[] = {
    {0x00C6, "ae"}, {0x00DE, "th"}, {0x00DF, "ss"}, {0x00E6, "ae"}, {0x00FE, "th"},
    {0x0132, "ij"}, {0x0133, "ij"}, {0x0152, "oe"}, {0x0153, "oe"},
};

/* Writes the folded form of one code point: a letter or two, "" to drop
 * it, " " for a separator, or NULL when the bytes are kept as they are. */
static const char *fold_code_point(uint32_t code_point, char *letter)
{
    if (code_point >= 0xC0 && code_point <= 0x17F) {
        char base = latin_base_letters[code_point - 0xC0];
        if (base == '*')
            return NULL;
        if (base != '+') {
            letter[0] = base;
            letter[1] = '\0';
            return letter;
        }
        for (size_t i = 0; i < sizeof two_letter_folds / sizeof two_letter_folds[0]; i++) {
            if (two_letter_folds[i].code_point == code_point)
                return two_letter_folds[i].letters;
        }
        return NULL;
    }
    if (code_point >= 0x300 && code_point <= 0x36F)
        return ""; /* combining diacritical marks, as in decomposed "e\u0301" */
    if (code_point == 0xA0 || code_point == 0x2BB || code_point == 0x2BC)
        return " "; /* no-break space, modifier letter apostrophes */
    if ((code_point >= 0x2010 && code_point <= 0x2015) || code_point == 0x2018 ||
        code_point == 0x2019)
        return " "; /* hyphens and dashes, single quotation marks */
    return NULL;
}

static bool is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-' || c == '\'' ||
           c == '.' || c == ',';
}

/* Decodes a 2- or 3-byte UTF-8 sequence at text[0..available) into
 * *code_point and returns its length, or 0 when there is none. */
static size_t decode_utf8(const unsigned char *text, size_t available, uint32_t *code_point)
{
    if (available >= 2 && text[0] >= 0xC2 && text[0] <= 0xDF && (text[1] & 0xC0) == 0x80) {
        *code_point = ((uint32_t)(text[0] & 0x1F) << 6) | (text[1] & 0x3F);
        return 2;
    }
    if (available >= 3 && (text[0] & 0xF0) == 0xE0 && (text[1] & 0xC0) == 0x80 &&
        (text[2] & 0xC0) == 0x80) {
        *code_point = ((uint32_t)(text[0] & 0x0F) << 12) | ((uint32_t)(text[1] & 0x3F) << 6) |
                      (text[2] & 0x3F);
        return 3;
    }
    return 0;
}

/* Appends piece to out at *used, turning separators into single spaces
 * between words. *pending_space records a separator seen since the last
 * word, so that leading and trailing separators vanish. */
static void append_folded(char *out, size_t *used, bool *pending_space, const char *piece,
                          size_t piece_len)
{
    for (size_t i = 0; i < piece_len; i++) {
        char c = piece[i];
        if (is_separator(c)) {
            *pending_space = true;
            continue;
        }
        if (*pending_space && *used > 0)
            out[(*used)++] = ' ';
        *pending_space = false;
        out[(*used)++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
}

/* Folds a name into out, which has room for len + 1 bytes: ASCII letters
 * become lower case, Latin letters of U+00C0..U+017F lose their accents
 * (ß becomes "ss"), combining marks are dropped, and runs of spaces,
 * hyphens, dashes, apostrophes, periods and commas become one space, with
 * none at either end. Other bytes, invalid UTF-8 included, are kept. The
 * result is never longer than the input because every fold of a multibyte
 * sequence is at most as long as the sequence. Returns the folded length. */
static size_t fold_name(const char *text, size_t len, char *out)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t used = 0;
    bool pending_space = false;
    size_t pos = 0;
    while (pos < len) {
        uint32_t code_point;
        char letter[2];
        size_t width = bytes[pos] >= 0x80 ? decode_utf8(bytes + pos, len - pos, &code_point) : 0;
        const char *folded = width > 0 ? fold_code_point(code_point, letter) : NULL;
        if (folded == NULL) {
            width = width > 0 ? width : 1;
            append_folded(out, &used, &pending_space, text + pos, width);
        } else {
            append_folded(out, &used, &pending_space, folded, strlen(folded));
        }
        pos += width;
    }
    out[used] = '\0';
    return used;
}

/* ---- Sorted indexes --------------------------------------------------- */

/* Adds key, which the index takes over (and frees on failure). */
static credo_status index_add(struct key_index *index, char *key, const struct iso_entry *entry)
{
    if (key == NULL)
        return CREDO_ERR_NOMEM;
    if (index->count == index->capacity) {
        size_t capacity = index->capacity == 0 ? 256 : index->capacity * 2;
        struct index_item *items = realloc(index->items, capacity * sizeof *items);
        if (items == NULL) {
            free(key);
            return CREDO_ERR_NOMEM;
        }
        index->items = items;
        index->capacity = capacity;
    }
    index->items[index->count++] = (struct index_item){key, entry};
    return CREDO_OK;
}

static int compare_items(const void *a, const void *b)
{
    const struct index_item *left = a, *right = b;
    return strcmp(left->key, right->key);
}

/* Sorts the keys and merges duplicates. A key that names two different
 * entries keeps entry NULL, so that lookups of it fail. */
static void index_finish(struct key_index *index)
{
    if (index->count == 0)
        return;
    qsort(index->items, index->count, sizeof *index->items, compare_items);

    size_t kept = 0;
    for (size_t i = 0; i < index->count; i++) {
        struct index_item *last = kept > 0 ? &index->items[kept - 1] : NULL;
        if (last != NULL && strcmp(last->key, index->items[i].key) == 0) {
            if (last->entry != index->items[i].entry)
                last->entry = NULL;
            free(index->items[i].key);
            continue;
        }
        index->items[kept++] = index->items[i];
    }
    index->count = kept;
}

static const struct iso_entry *index_find(const struct key_index *index, const char *key)
{
    struct index_item probe = {(char *)key, NULL};
    const struct index_item *item =
        bsearch(&probe, index->items, index->count, sizeof *index->items, compare_items);
    return item == NULL ? NULL : item->entry;
}

static void index_free(struct key_index *index)
{
    for (size_t i = 0; i < index->count; i++)
        free(index->items[i].key);
    free(index->items);
}

/* Returns a heap copy of prefix followed by text folded, or NULL when out
 * of memory. */
static char *make_folded_key(const char *prefix, const char *text)
{
    size_t prefix_len = strlen(prefix), len = strlen(text);
    char *key = malloc(prefix_len + len + 1);
    if (key == NULL)
        return NULL;
    memcpy(key, prefix, prefix_len);
    fold_name(text, len, key + prefix_len);
    return key;
}

/* ---- Loading ---------------------------------------------------------- */

/* Longest path of an iso-codes file, terminating NUL included. */
#define PATH_MAX_BYTES 4096

static credo_status join_path(const char *dir, const char *file, char path[PATH_MAX_BYTES],
                              credo_error *err)
{
    int written = snprintf(path, PATH_MAX_BYTES, "%s/%s", dir, file);
    if (written < 0 || written >= PATH_MAX_BYTES)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "iso-codes folder path is longer than %d bytes: %s",
                               PATH_MAX_BYTES - 1, dir);
    return CREDO_OK;
}

/* Reads the file at path and returns its root and the array under
 * list_key. */
static credo_status load_json_list(const char *path, const char *list_key, json_t **root,
                                   json_t **list, credo_error *err)
{
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return credo_error_set(err, CREDO_ERR_NOT_FOUND,
                               "cannot find %s; install Debian's iso-codes package "
                               "(apt-get install iso-codes)",
                               path);

    json_error_t json_error;
    *root = json_load_file(path, 0, &json_error);
    if (*root == NULL && json_error.line < 1)
        return credo_error_set(err, CREDO_ERR_IO, "cannot read %s: %s", path, json_error.text);
    if (*root == NULL)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "%s:%d:%d: invalid JSON (%s); reinstall the iso-codes package",
                               path, json_error.line, json_error.column, json_error.text);

    *list = json_object_get(*root, list_key);
    if (!json_is_array(*list))
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "%s has no \"%s\" array; reinstall the iso-codes package", path,
                               list_key);
    return CREDO_OK;
}

/* Returns the string under key of object, or NULL when it is missing or
 * not a string. */
static const char *string_field(json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static credo_status missing_field(credo_error *err, const char *path, size_t position,
                                  const char *key)
{
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "%s: entry %zu has no valid \"%s\" string; reinstall the iso-codes "
                           "package",
                           path, position + 1, key);
}

static bool is_upper_letter(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_upper_code(const char *code, size_t len)
{
    if (code == NULL || strlen(code) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_upper_letter(code[i]))
            return false;
    }
    return true;
}

/* Indexes one country under its codes and each of its names. */
static credo_status add_country(credo_iso3166 *iso, json_t *item, const char *path,
                                size_t position, credo_error *err)
{
    struct iso_entry *entry = &iso->countries[position];
    const char *alpha_3 = string_field(item, "alpha_3");
    entry->code = string_field(item, "alpha_2");
    entry->name = string_field(item, "name");
    if (!is_upper_code(entry->code, 2))
        return missing_field(err, path, position, "alpha_2");
    if (!is_upper_code(alpha_3, 3))
        return missing_field(err, path, position, "alpha_3");
    if (entry->name == NULL)
        return missing_field(err, path, position, "name");

    credo_status status = index_add(&iso->country_codes, strdup(entry->code), entry);
    if (status == CREDO_OK)
        status = index_add(&iso->country_codes, strdup(alpha_3), entry);

    static const char *const name_keys[] = {"name", "official_name", "common_name"};
    for (size_t i = 0; i < 3 && status == CREDO_OK; i++) {
        const char *name = string_field(item, name_keys[i]);
        if (name != NULL)
            status = index_add(&iso->country_names, make_folded_key("", name), entry);
    }
    if (status != CREDO_OK)
        return credo_error_set(err, status, "out of memory indexing country names");
    return CREDO_OK;
}

static credo_status load_countries(credo_iso3166 *iso, const char *dir, credo_error *err)
{
    char path[PATH_MAX_BYTES];
    json_t *list;
    credo_status status = join_path(dir, COUNTRIES_FILE, path, err);
    if (status == CREDO_OK)
        status = load_json_list(path, "3166-1", &iso->countries_json, &list, err);
    if (status != CREDO_OK)
        return status;

    iso->country_count = json_array_size(list);
    iso->countries = calloc(iso->country_count + 1, sizeof *iso->countries);
    if (iso->countries == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory loading countries");
    for (size_t i = 0; i < iso->country_count; i++) {
        status = add_country(iso, json_array_get(list, i), path, i, err);
        if (status != CREDO_OK)
            return status;
    }
    index_finish(&iso->country_codes);
    index_finish(&iso->country_names);
    return CREDO_OK;
}

/* Checks the shape "XX-Y...": an upper-case alpha-2 prefix, a hyphen and
 * a non-empty part after it. */
static bool is_subdivision_code(const char *code)
{
    return code != NULL && strlen(code) >= 4 && is_upper_letter(code[0]) &&
           is_upper_letter(code[1]) && code[2] == '-';
}

/* Indexes one subdivision under its code and its name prefixed by the
 * alpha-2 code of its country. */
static credo_status add_subdivision(credo_iso3166 *iso, json_t *item, const char *path,
                                    size_t position, credo_error *err)
{
    struct iso_entry *entry = &iso->subdivisions[position];
    entry->code = string_field(item, "code");
    entry->name = string_field(item, "name");
    if (!is_subdivision_code(entry->code))
        return missing_field(err, path, position, "code");
    if (entry->name == NULL)
        return missing_field(err, path, position, "name");

    char country[3] = {entry->code[0], entry->code[1], '\0'};
    credo_status status = index_add(&iso->subdivision_codes, strdup(entry->code), entry);
    if (status == CREDO_OK)
        status = index_add(&iso->subdivision_names, make_folded_key(country, entry->name), entry);
    if (status != CREDO_OK)
        return credo_error_set(err, status, "out of memory indexing subdivision names");
    return CREDO_OK;
}

static credo_status load_subdivisions(credo_iso3166 *iso, const char *dir, credo_error *err)
{
    char path[PATH_MAX_BYTES];
    json_t *list;
    credo_status status = join_path(dir, SUBDIVISIONS_FILE, path, err);
    if (status == CREDO_OK)
        status = load_json_list(path, "3166-2", &iso->subdivisions_json, &list, err);
    if (status != CREDO_OK)
        return status;

    iso->subdivision_count = json_array_size(list);
    iso->subdivisions = calloc(iso->subdivision_count + 1, sizeof *iso->subdivisions);
    if (iso->subdivisions == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory loading subdivisions");
    for (size_t i = 0; i < iso->subdivision_count; i++) {
        status = add_subdivision(iso, json_array_get(list, i), path, i, err);
        if (status != CREDO_OK)
            return status;
    }
    index_finish(&iso->subdivision_codes);
    index_finish(&iso->subdivision_names);
    return CREDO_OK;
}

credo_status credo_iso3166_load(const char *dir, credo_iso3166 **out, credo_error *err)
{
    *out = NULL;
    if (dir == NULL)
        dir = CREDO_ISO_CODES_DIR;
    credo_iso3166 *iso = calloc(1, sizeof *iso);
    if (iso == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory loading ISO 3166 codes");

    credo_status status = load_countries(iso, dir, err);
    if (status == CREDO_OK)
        status = load_subdivisions(iso, dir, err);
    if (status != CREDO_OK) {
        credo_iso3166_free(iso);
        return status;
    }
    *out = iso;
    return CREDO_OK;
}

void credo_iso3166_free(credo_iso3166 *iso)
{
    if (iso == NULL)
        return;
    index_free(&iso->country_codes);
    index_free(&iso->country_names);
    index_free(&iso->subdivision_codes);
    index_free(&iso->subdivision_names);
    free(iso->countries);
    free(iso->subdivisions);
    json_decref(iso->countries_json);
    json_decref(iso->subdivisions_json);
    free(iso);
}

/* ---- Lookups ---------------------------------------------------------- */

/* Longer lookup text is never tried as a code. ISO 3166-2 codes have at
 * most 6 bytes ("FR-IDF"), and the margin costs nothing. */
#define CODE_MAX_BYTES 15

/* Copies text, without surrounding spaces, into code in upper case when
 * it looks like a code (letters, digits and hyphens only). */
static bool extract_code(const char *text, size_t len, char code[CODE_MAX_BYTES + 1])
{
    while (len > 0 && text[0] == ' ') {
        text++;
        len--;
    }
    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len == 0 || len > CODE_MAX_BYTES)
        return false;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
        code[i] = c;
    }
    code[len] = '\0';
    return true;
}

/* Folds text after prefix and returns the entry of that key in index. */
static const struct iso_entry *find_folded(const struct key_index *index, const char *prefix,
                                           const char *text, size_t len)
{
    char stack[FOLD_STACK_BYTES];
    size_t prefix_len = strlen(prefix);
    size_t size = prefix_len + len + 1;
    char *key = size <= sizeof stack ? stack : malloc(size);
    if (key == NULL)
        return NULL;

    memcpy(key, prefix, prefix_len);
    size_t folded_len = fold_name(text, len, key + prefix_len);
    const struct iso_entry *entry = folded_len == 0 ? NULL : index_find(index, key);
    if (key != stack)
        free(key);
    return entry;
}

const char *credo_iso3166_country(const credo_iso3166 *iso, const char *name, size_t len)
{
    if (iso == NULL || name == NULL)
        return NULL;

    char code[CODE_MAX_BYTES + 1];
    if (extract_code(name, len, code)) {
        const struct iso_entry *entry = index_find(&iso->country_codes, code);
        if (entry != NULL)
            return entry->code;
    }
    const struct iso_entry *entry = find_folded(&iso->country_names, "", name, len);
    return entry == NULL ? NULL : entry->code;
}

/* Finds a subdivision code given in full ("US-CA") or as the part after
 * the hyphen ("CA"), within the country with code prefix. */
static const struct iso_entry *find_subdivision_code(const credo_iso3166 *iso,
                                                     const char *prefix, const char *text,
                                                     size_t len)
{
    char code[CODE_MAX_BYTES + 1];
    if (!extract_code(text, len, code))
        return NULL;
    if (strchr(code, '-') != NULL) {
        if (strncmp(code, prefix, 2) != 0 || code[2] != '-')
            return NULL;
        return index_find(&iso->subdivision_codes, code);
    }

    char full[CODE_MAX_BYTES + 4];
    snprintf(full, sizeof full, "%s-%s", prefix, code);
    return index_find(&iso->subdivision_codes, full);
}

const char *credo_iso3166_subdivision(const credo_iso3166 *iso, const char *country,
                                      const char *name, size_t len)
{
    if (iso == NULL || country == NULL || name == NULL)
        return NULL;
    char prefix[CODE_MAX_BYTES + 1];
    if (!extract_code(country, strlen(country), prefix) || !is_upper_code(prefix, 2))
        return NULL;

    const struct iso_entry *entry = find_subdivision_code(iso, prefix, name, len);
    if (entry == NULL)
        entry = find_folded(&iso->subdivision_names, prefix, name, len);
    return entry == NULL ? NULL : entry->code;
}

const char *credo_iso3166_name(const credo_iso3166 *iso, const char *code)
{
    if (iso == NULL || code == NULL)
        return NULL;
    char upper[CODE_MAX_BYTES + 1];
    if (!extract_code(code, strlen(code), upper))
        return NULL;

    const struct iso_entry *entry = index_find(&iso->country_codes, upper);
    if (entry == NULL)
        entry = index_find(&iso->subdivision_codes, upper);
    return entry == NULL ? NULL : entry->name;
}
