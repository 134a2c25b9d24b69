/* Country (ISO 3166-1 alpha-2) and subdivision (ISO 3166-2) codes, read
 * from the JSON files of Debian's iso-codes package, so that credo carries
 * no hand-written country list.
 *
 * Name matching folds what exports vary on: case, accents of Latin letters
 * (é = e, ß = ss, for U+00C0..U+017F, and combining accents), hyphens,
 * dashes, apostrophes (' ’ ‘ ʻ), periods, commas and runs of spaces, so
 * "Hauts de Seine" matches "Hauts-de-Seine" and "Val d'Oise" matches
 * "Val-d’Oise". Spaces around the text are ignored. It also accepts a code
 * itself ("US", "USA", "US-CA", or "CA" within country US), and a code
 * takes precedence over a name. Anything else is not matched, not even a
 * part of a name ("Brunswick" for "New Brunswick"): the caller keeps the
 * name as written and reports it. */
#ifndef CREDO_ISO3166_H
#define CREDO_ISO3166_H

#include <stddef.h>

#include "credo/error.h"

typedef struct credo_iso3166 credo_iso3166;

/* Loads iso_3166-1.json and iso_3166-2.json from dir (the build's default,
 * /usr/share/iso-codes/json, when NULL). Returns CREDO_ERR_NOT_FOUND for a
 * missing file, with a message that names it and asks to install the
 * iso-codes package. Returns CREDO_ERR_IO for an unreadable file and
 * CREDO_ERR_INVALID for malformed JSON or an entry without its code or
 * name. Free with credo_iso3166_free. */
credo_status credo_iso3166_load(const char *dir, credo_iso3166 **out, credo_error *err);

void credo_iso3166_free(credo_iso3166 *iso);

/* Finds the alpha-2 code of a country given by name (common, official or
 * short name), alpha-2 or alpha-3 code. Returns a borrowed NUL-terminated
 * code such as "US", or NULL when nothing matches. */
const char *credo_iso3166_country(const credo_iso3166 *iso, const char *name, size_t len);

/* Finds the ISO 3166-2 code (such as "US-CA") of a subdivision of the
 * country with alpha-2 code `country` (any case), given by name or by code.
 * Returns a borrowed code, or NULL when nothing matches or the name is
 * ambiguous within that country. Every level of the file is searched, so
 * in France both departments ("Hauts-de-Seine", FR-92) and regions
 * ("Île-de-France", FR-IDF) match. A name shared by two levels, such as
 * "Guadeloupe" (department FR-971 and region FR-GP), is ambiguous. */
const char *credo_iso3166_subdivision(const credo_iso3166 *iso, const char *country,
                                      const char *name, size_t len);

/* Returns the English name (the "name" field of iso-codes, such as
 * "Korea, Republic of") of a country alpha-2 or alpha-3 code or of a
 * subdivision code, in any case, or NULL for an unknown code. */
const char *credo_iso3166_name(const credo_iso3166 *iso, const char *code);

#endif
