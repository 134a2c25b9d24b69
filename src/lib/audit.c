/* The hash-chained audit log: appending entries and verifying the chain.
 * The SQL is in the backend (audit_last_seq, audit_append, select_rows),
 * and this file computes hashes and decides what a broken chain means. */
#include "credo/audit.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_backend.h"

/* Digits of a SHA-256 digest in hex. */
#define HASH_HEX_LENGTH 64

/* Size of the buffer getpwuid_r fills with the password entry's strings. */
#define PASSWD_BUFFER_SIZE 4096

/* prev_hash of the first entry. */
static const char genesis_hash[CREDO_AUDIT_HASH_SIZE] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- Hashing --------------------------------------------------------------- */

/* The fields that an entry's hash covers, in the order they are hashed. */
enum audit_field {
    FIELD_SEQ, FIELD_CREATED_AT, FIELD_ACTOR, FIELD_ACTION, FIELD_SUBJECT, FIELD_REASON,
    FIELD_PAYLOAD, FIELD_PREV_HASH, HASHED_FIELD_COUNT
};

static void to_hex(const unsigned char *digest, size_t length, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < length; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0x0f];
    }
    out[2 * length] = '\0';
}

/* Feeds one field in its canonical form: byte 0 for NULL, or else byte 1,
 * the length as 8 bytes big-endian, and the bytes. Because every field
 * states its length and the field count is fixed, two different entries
 * never feed the same bytes. */
static int digest_field(EVP_MD_CTX *context, const store_value *field)
{
    unsigned char header[9] = {0};
    if (field->text == NULL)
        return EVP_DigestUpdate(context, header, 1);
    header[0] = 1;
    uint64_t length = field->length;
    for (int i = 8; i >= 1; i--) {
        header[i] = (unsigned char)(length & 0xff);
        length >>= 8;
    }
    if (EVP_DigestUpdate(context, header, sizeof header) != 1)
        return 0;
    return field->length == 0 ? 1 : EVP_DigestUpdate(context, field->text, field->length);
}

/* Computes the hash of an entry from its fields (seq as decimal text). */
static credo_status hash_fields(const store_value fields[HASHED_FIELD_COUNT],
                                char out[CREDO_AUDIT_HASH_SIZE], credo_error *err)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    int ok = context != NULL && EVP_DigestInit_ex(context, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < HASHED_FIELD_COUNT; i++)
        ok = digest_field(context, &fields[i]) == 1;
    ok = ok && EVP_DigestFinal_ex(context, digest, &digest_length) == 1 &&
         digest_length * 2 == HASH_HEX_LENGTH;
    EVP_MD_CTX_free(context);
    if (!ok)
        return credo_error_set(err, CREDO_ERR_NOMEM,
                               "cannot compute a SHA-256 hash: OpenSSL failed, most likely out "
                               "of memory");
    to_hex(digest, digest_length, out);
    return CREDO_OK;
}

credo_status credo_sha256_hex(const void *data, size_t len, char out[CREDO_AUDIT_HASH_SIZE],
                              credo_error *err)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    if (EVP_Digest(data, len, digest, &digest_length, EVP_sha256(), NULL) != 1 ||
        digest_length * 2 != HASH_HEX_LENGTH)
        return credo_error_set(err, CREDO_ERR_NOMEM,
                               "cannot compute a SHA-256 hash: OpenSSL failed, most likely out "
                               "of memory");
    to_hex(digest, digest_length, out);
    return CREDO_OK;
}

static store_value text_value(const char *text)
{
    return (store_value){text, text != NULL ? strlen(text) : 0};
}

static credo_status hash_entry(const credo_audit_entry *entry, char out[CREDO_AUDIT_HASH_SIZE],
                               credo_error *err)
{
    char seq[32];
    snprintf(seq, sizeof seq, "%lld", (long long)entry->seq);
    const store_value fields[HASHED_FIELD_COUNT] = {
        [FIELD_SEQ] = text_value(seq),
        [FIELD_CREATED_AT] = text_value(entry->created_at),
        [FIELD_ACTOR] = text_value(entry->actor),
        [FIELD_ACTION] = text_value(entry->action),
        [FIELD_SUBJECT] = text_value(entry->subject),
        [FIELD_REASON] = text_value(entry->reason),
        [FIELD_PAYLOAD] = text_value(entry->payload),
        [FIELD_PREV_HASH] = text_value(entry->prev_hash),
    };
    return hash_fields(fields, out, err);
}

/* ---- Actor ----------------------------------------------------------------- */

void credo_audit_default_actor(char *out, size_t size)
{
    if (size == 0)
        return;
    const char *actor = getenv("CREDO_ACTOR");
    if (actor != NULL && actor[0] != '\0') {
        snprintf(out, size, "%s", actor);
        return;
    }
    if (getlogin_r(out, size) == 0 && out[0] != '\0')
        return;

    struct passwd entry;
    struct passwd *found = NULL;
    char buffer[PASSWD_BUFFER_SIZE];
    if (getpwuid_r(geteuid(), &entry, buffer, sizeof buffer, &found) == 0 && found != NULL &&
        found->pw_name != NULL && found->pw_name[0] != '\0')
        snprintf(out, size, "%s", found->pw_name);
    else
        snprintf(out, size, "uid %lu", (unsigned long)geteuid());
}

/* ---- Head record ------------------------------------------------------------ */

enum head_column { HEAD_SEQ, HEAD_HASH, HEAD_COLUMN_COUNT };
static const char *const head_columns[HEAD_COLUMN_COUNT] = {
    [HEAD_SEQ] = "seq", [HEAD_HASH] = "hash",
};
static const store_query head_query = {"audit_head", head_columns, HEAD_COLUMN_COUNT, "id",
                                       "id"};

/* The head record as read. hash is cut to 64 characters, and hash_valid
 * tells whether the stored text was exactly 64 lowercase hex digits. */
typedef struct audit_head {
    bool found;
    int64_t seq;
    char hash[CREDO_AUDIT_HASH_SIZE];
    bool hash_valid;
    const credo_store *store;
} audit_head;

static bool is_hash(const char *text, size_t length)
{
    return text != NULL && length == HASH_HEX_LENGTH &&
           strspn(text, "0123456789abcdef") == HASH_HEX_LENGTH;
}

/* Parses a stored seq; returns false for anything but a decimal integer. */
static bool parse_seq(const store_value *value, int64_t *out)
{
    if (value->text == NULL || value->length == 0)
        return false;
    char *end = NULL;
    errno = 0;
    long long seq = strtoll(value->text, &end, 10);
    if (errno != 0 || end != value->text + value->length)
        return false;
    *out = seq;
    return true;
}

static credo_status read_head_row(void *ctx, const store_value *row, credo_error *err)
{
    audit_head *head = ctx;
    if (!parse_seq(&row[HEAD_SEQ], &head->seq))
        return credo_error_set(err, CREDO_ERR_STORE,
                               "the audit head of %s has an invalid seq '%s'; run `credo audit "
                               "verify` and restore the database from a backup",
                               head->store->name,
                               row[HEAD_SEQ].text != NULL ? row[HEAD_SEQ].text : "");
    head->found = true;
    head->hash_valid = is_hash(row[HEAD_HASH].text, row[HEAD_HASH].length);
    snprintf(head->hash, sizeof head->hash, "%s",
             row[HEAD_HASH].text != NULL ? row[HEAD_HASH].text : "");
    return CREDO_OK;
}

static credo_status read_head(credo_store *store, audit_head *head, credo_error *err)
{
    memset(head, 0, sizeof *head);
    head->store = store;
    return store->ops->select_rows(store, &head_query, 1, read_head_row, head, err);
}

/* ---- Appending --------------------------------------------------------------- */

/* Sets the entry's seq and prev_hash from the head and the log, then its
 * hash, and writes it inside the caller's write transaction. The new entry
 * links to the head's hash, not to the last stored entry, so that an
 * append after a deleted tail still shows the deletion. */
static credo_status append_entry(credo_store *store, credo_audit_entry *entry,
                                 credo_error *err)
{
    audit_head head;
    int64_t last_seq = 0;
    credo_status status = read_head(store, &head, err);
    if (status == CREDO_OK)
        status = store->ops->audit_last_seq(store, &last_seq, err);
    if (status != CREDO_OK)
        return status;
    if (head.found && !head.hash_valid)
        return credo_error_set(err, CREDO_ERR_STORE,
                               "cannot append to the audit log of %s: its head record holds "
                               "'%s', not a SHA-256 hash; run `credo audit verify` and restore "
                               "the database from a backup",
                               store->name, head.hash);

    entry->seq = (head.found && head.seq > last_seq ? head.seq : last_seq) + 1;
    entry->prev_hash = head.found ? head.hash : genesis_hash;
    char hash[CREDO_AUDIT_HASH_SIZE];
    status = hash_entry(entry, hash, err);
    if (status != CREDO_OK)
        return status;
    entry->hash = hash;
    status = store->ops->audit_append(store, entry, err);
    entry->prev_hash = entry->hash = NULL;
    return status;
}

static credo_status check_payload(const char *action, const char *payload_json,
                                  credo_error *err)
{
    if (payload_json == NULL)
        return CREDO_OK;
    json_error_t error;
    json_t *parsed = json_loads(payload_json, JSON_DECODE_ANY, &error);
    if (parsed != NULL) {
        json_decref(parsed);
        return CREDO_OK;
    }
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "cannot append a '%s' audit entry: its payload is not JSON (%s at "
                           "column %d)",
                           action, error.text, error.column);
}

credo_status credo_audit_append(credo_store *store, const char *actor, const char *action,
                                const char *subject, const char *reason,
                                const char *payload_json, credo_error *err)
{
    if (action == NULL || action[0] == '\0')
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "cannot append an audit entry to %s: the action is missing",
                               store->name);
    char created_at[STORE_TIMESTAMP_SIZE];
    credo_status status = check_payload(action, payload_json, err);
    if (status == CREDO_OK)
        status = store_timestamp(created_at, err);
    if (status != CREDO_OK)
        return status;

    char default_actor[CREDO_AUDIT_ACTOR_MAX];
    if (actor == NULL || actor[0] == '\0') {
        credo_audit_default_actor(default_actor, sizeof default_actor);
        actor = default_actor;
    }
    credo_audit_entry entry = {0, created_at, actor, action, subject, reason, payload_json,
                               NULL, NULL};

    bool own_transaction = !store->ops->in_transaction(store);
    if (own_transaction && (status = credo_store_begin(store, err)) != CREDO_OK)
        return status;
    status = append_entry(store, &entry, err);
    if (own_transaction && status == CREDO_OK)
        status = credo_store_commit(store, err);
    if (own_transaction && status != CREDO_OK)
        credo_store_rollback(store);
    return status;
}

/* ---- Reading entries ----------------------------------------------------------- */

/* The hashed fields come first, in the order they are hashed, so that a
 * stored row can be hashed as it is read. */
enum entry_column {
    ENTRY_SEQ, ENTRY_CREATED_AT, ENTRY_ACTOR, ENTRY_ACTION, ENTRY_SUBJECT, ENTRY_REASON,
    ENTRY_PAYLOAD, ENTRY_PREV_HASH, ENTRY_HASH, ENTRY_COLUMN_COUNT
};
_Static_assert((int)ENTRY_PREV_HASH == (int)FIELD_PREV_HASH && (int)ENTRY_HASH == (int)HASHED_FIELD_COUNT,
               "the hashed columns of an entry come first, in hash order");
static const char *const entry_columns[ENTRY_COLUMN_COUNT] = {
    [ENTRY_SEQ] = "seq", [ENTRY_CREATED_AT] = "created_at", [ENTRY_ACTOR] = "actor",
    [ENTRY_ACTION] = "action", [ENTRY_SUBJECT] = "subject", [ENTRY_REASON] = "reason",
    [ENTRY_PAYLOAD] = "payload", [ENTRY_PREV_HASH] = "prev_hash", [ENTRY_HASH] = "hash",
};
static const store_query entry_query = {"audit_log", entry_columns, ENTRY_COLUMN_COUNT, NULL,
                                        "seq"};

static credo_status invalid_seq(const credo_store *store, const store_value *value,
                                credo_error *err)
{
    return credo_error_set(err, CREDO_ERR_STORE,
                           "the audit log of %s has an entry with the invalid seq '%s'; restore "
                           "the database from a backup",
                           store->name, value->text != NULL ? value->text : "");
}

typedef struct entry_walk {
    const credo_store *store;
    credo_audit_visitor visit;
    void *ctx;
} entry_walk;

static credo_status visit_entry(void *ctx, const store_value *row, credo_error *err)
{
    const entry_walk *walk = ctx;
    credo_audit_entry entry = {
        0, row[ENTRY_CREATED_AT].text, row[ENTRY_ACTOR].text, row[ENTRY_ACTION].text,
        row[ENTRY_SUBJECT].text, row[ENTRY_REASON].text, row[ENTRY_PAYLOAD].text,
        row[ENTRY_PREV_HASH].text, row[ENTRY_HASH].text,
    };
    if (!parse_seq(&row[ENTRY_SEQ], &entry.seq))
        return invalid_seq(walk->store, &row[ENTRY_SEQ], err);
    return walk->visit(walk->ctx, &entry, err) == 0 ? CREDO_OK : CREDO_ERR_IO;
}

credo_status credo_audit_each(credo_store *store, credo_audit_visitor visit, void *ctx,
                              credo_error *err)
{
    entry_walk walk = {store, visit, ctx};
    return store->ops->select_rows(store, &entry_query, 0, visit_entry, &walk, err);
}

/* ---- Verifying -------------------------------------------------------------------- */

const char *credo_audit_problem_name(credo_audit_problem problem)
{
    switch (problem) {
    case CREDO_AUDIT_INTACT: return "intact";
    case CREDO_AUDIT_EDITED: return "edited";
    case CREDO_AUDIT_DELETED: return "deleted";
    case CREDO_AUDIT_INSERTED: return "inserted";
    case CREDO_AUDIT_HEAD: return "head mismatch";
    }
    return "unknown";
}

/* State of the walk over the chain. The last entry is the last one that
 * passed every check, so its hash and prev_hash are 64 hex digits. */
typedef struct chain_walk {
    const credo_store *store;
    const audit_head *head;
    credo_audit_report *report;
    int64_t expected_seq;
    bool has_last;
    char last_hash[CREDO_AUDIT_HASH_SIZE];
    char last_prev_hash[CREDO_AUDIT_HASH_SIZE];
    char last_action[CREDO_AUDIT_ACTION_MAX];
} chain_walk;

/* Status that stops the walk at the first bad entry. It is only a signal,
 * and credo_audit_verify turns it back into CREDO_OK. */
#define STOP_WALK CREDO_ERR_CONFLICT

static credo_status report_problem(chain_walk *walk, credo_audit_problem problem, int64_t seq,
                                   const char *action, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static credo_status report_problem(chain_walk *walk, credo_audit_problem problem, int64_t seq,
                                   const char *action, const char *fmt, ...)
{
    credo_audit_report *report = walk->report;
    report->problem = problem;
    report->seq = seq;
    snprintf(report->action, sizeof report->action, "%s", action != NULL ? action : "");
    va_list args;
    va_start(args, fmt);
    vsnprintf(report->detail, sizeof report->detail, fmt, args);
    va_end(args);
    return STOP_WALK;
}

static bool value_equals(const store_value *value, const char *text)
{
    return value->text != NULL && value->length == strlen(text) &&
           memcmp(value->text, text, value->length) == 0;
}

/* Classifies an entry whose seq is the expected one but whose hash or link
 * is wrong. */
static credo_status classify_break(chain_walk *walk, const store_value *row, bool hash_ok,
                                   bool link_ok)
{
    int64_t seq = walk->expected_seq;
    const char *action = row[ENTRY_ACTION].text;
    /* Two consecutive entries that name the same predecessor: the first of
     * them was put in between, and later entries were renumbered. */
    if (!link_ok && walk->has_last && value_equals(&row[ENTRY_PREV_HASH], walk->last_prev_hash))
        return report_problem(walk, CREDO_AUDIT_INSERTED, seq - 1, walk->last_action,
                              "entries %lld and %lld both link to the entry before %lld, so entry "
                              "%lld was inserted and the entries after it renumbered",
                              (long long)seq - 1, (long long)seq, (long long)seq - 1,
                              (long long)seq - 1);
    if (!hash_ok && link_ok)
        return report_problem(walk, CREDO_AUDIT_EDITED, seq, action,
                              "the fields of entry %lld no longer give its stored hash, so the "
                              "entry was edited after it was written",
                              (long long)seq);
    if (!hash_ok)
        return report_problem(walk, CREDO_AUDIT_EDITED, seq, action,
                              "the fields of entry %lld no longer give its stored hash and it "
                              "does not link to entry %lld, so it was edited or moved, or "
                              "entries before it were deleted and the rest renumbered",
                              (long long)seq, (long long)seq - 1);
    return report_problem(walk, CREDO_AUDIT_DELETED, seq, action,
                          "entry %lld does not link to the hash of entry %lld before it, so an "
                          "entry between them was deleted and the rest renumbered, or entry "
                          "%lld was replaced",
                          (long long)seq, (long long)seq - 1, (long long)seq - 1);
}

/* Checks one entry's seq, hash and link. */
static credo_status check_entry(void *ctx, const store_value *row, credo_error *err)
{
    chain_walk *walk = ctx;
    int64_t seq = 0;
    if (!parse_seq(&row[ENTRY_SEQ], &seq))
        return invalid_seq(walk->store, &row[ENTRY_SEQ], err);
    int64_t expected = walk->expected_seq;
    const char *action = row[ENTRY_ACTION].text;
    if (seq < expected)
        return report_problem(walk, CREDO_AUDIT_EDITED, seq, action,
                              "entry %lld has a seq below %lld, where the log starts, so its seq "
                              "was edited",
                              (long long)seq, (long long)expected);
    if (seq > expected && expected == 1)
        return report_problem(walk, CREDO_AUDIT_DELETED, expected, NULL,
                              "entry 1 is missing: the log starts at entry %lld, so the entries "
                              "before it were deleted",
                              (long long)seq);
    if (seq > expected)
        return report_problem(walk, CREDO_AUDIT_DELETED, expected, NULL,
                              "entry %lld is missing: entry %lld follows entry %lld, so the "
                              "entries between them were deleted",
                              (long long)expected, (long long)seq, (long long)expected - 1);

    char computed[CREDO_AUDIT_HASH_SIZE];
    credo_status status = hash_fields(row, computed, err);
    if (status != CREDO_OK)
        return status;
    bool hash_ok = value_equals(&row[ENTRY_HASH], computed);
    bool link_ok = value_equals(&row[ENTRY_PREV_HASH], walk->has_last ? walk->last_hash
                                                                      : genesis_hash);
    if (!hash_ok || !link_ok)
        return classify_break(walk, row, hash_ok, link_ok);

    const audit_head *head = walk->head;
    if (head->found && seq == head->seq + 1)
        return report_problem(walk, CREDO_AUDIT_INSERTED, seq, action,
                              "entry %lld comes after entry %lld, which the head record names as "
                              "the last, so it was added without credo or the head was moved "
                              "back",
                              (long long)seq, (long long)head->seq);

    walk->has_last = true;
    walk->expected_seq = seq + 1;
    memcpy(walk->last_hash, computed, sizeof computed);
    memcpy(walk->last_prev_hash, row[ENTRY_PREV_HASH].text, HASH_HEX_LENGTH + 1);
    snprintf(walk->last_action, sizeof walk->last_action, "%s", action != NULL ? action : "");
    walk->report->entries++;
    return CREDO_OK;
}

/* Compares the end of an unbroken chain with the head record. */
static void check_tail(chain_walk *walk)
{
    const audit_head *head = walk->head;
    int64_t last_seq = walk->expected_seq - 1;
    if (!head->found && last_seq == 0)
        return;
    if (!head->found) {
        report_problem(walk, CREDO_AUDIT_HEAD, last_seq, walk->last_action,
                       "the head record is missing, so entries after %lld may have been "
                       "deleted; it was removed outside credo",
                       (long long)last_seq);
        return;
    }
    if (head->seq > last_seq) {
        report_problem(walk, CREDO_AUDIT_DELETED, last_seq + 1, NULL,
                       "the head record names entry %lld as the last, but the log ends at "
                       "entry %lld, so entries %lld to %lld were deleted",
                       (long long)head->seq, (long long)last_seq, (long long)last_seq + 1,
                       (long long)head->seq);
        return;
    }
    if (strcmp(head->hash, walk->last_hash) != 0 || !head->hash_valid)
        report_problem(walk, CREDO_AUDIT_HEAD, last_seq, walk->last_action,
                       "the head record's hash differs from the hash of entry %lld, so that "
                       "entry was replaced or the head record was edited",
                       (long long)last_seq);
}

credo_status credo_audit_verify(credo_store *store, credo_audit_report *report,
                                credo_error *err)
{
    memset(report, 0, sizeof *report);
    bool started = false;
    audit_head head;
    chain_walk walk = {store, &head, report, 1, false, "", "", ""};

    /* One read transaction, so that an entry appended meanwhile cannot
     * make the head and the log disagree. */
    credo_status status = store->ops->begin_read(store, &started, err);
    if (status == CREDO_OK)
        status = read_head(store, &head, err);
    if (status == CREDO_OK)
        status = store->ops->select_rows(store, &entry_query, 0, check_entry, &walk, err);
    if (started)
        store->ops->rollback(store);

    if (status == STOP_WALK && report->problem != CREDO_AUDIT_INTACT)
        status = CREDO_OK;
    else if (status == CREDO_OK)
        check_tail(&walk);
    if (status == CREDO_OK && head.found) {
        report->head_seq = head.seq;
        memcpy(report->head_hash, head.hash, sizeof head.hash);
    }
    return status;
}
