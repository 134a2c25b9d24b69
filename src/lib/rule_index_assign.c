/* The per-account loop of indexed assignment: gather the conjunctions that
 * the account's values select, verify them, apply the named and excluded
 * lists, then pick the top-priority primary territories and the overlays as
 * assign.c does. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Growable list of territory indices. */
typedef struct index_list {
    uint32_t *items;
    size_t count, capacity;
} index_list;

static bool list_push(index_list *list, uint32_t value)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity == 0 ? 1024 : list->capacity * 2;
        uint32_t *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL)
            return false;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = value;
    return true;
}

/* State of one assignment call, reused from account to account. A
 * territory t is matched for the current account when stamp[t] equals
 * generation, which saves clearing an array per account. */
typedef struct scratch {
    const credo_rule_bound *bound;
    uint32_t *stamp;
    uint32_t generation;
    uint32_t *matched;
    size_t matched_count;
    int64_t *values;              /* the account's slot values, see ri_test */
    /* The previous account's value id in each text column, its map entry
     * (or NULL) and its slot value stay in last_id, slots and values, so
     * that an account with the same value skips the lookup. Likewise the
     * previous key and entry of each pair table. Consecutive accounts share
     * values often, because ranges are assigned grouped by order code. */
    credo_str *last_id;
    const ri_slot **slots;
    uint64_t *last_pair_key;
    const ri_pair_slot **pair_slots;
    uint32_t *record;             /* the current row's record, when rows come in row order */
    size_t named_at, excluded_at; /* cursors into the binding's sorted lists */
    bool ordered;                 /* rows arrive out of row order, so the cursors are found by binary search */
} scratch;

static void try_conjunction(scratch *s, uint32_t c, const ri_filter *filter, uint32_t row)
{
    uint32_t t = filter->territory;
    if (s->stamp[t] == s->generation || (!filter->decides && !ri_conjunction_holds(s->bound, c, row, s->values)))
        return;
    s->stamp[t] = s->generation;
    s->matched[s->matched_count++] = t;
}

static void try_list(scratch *s, const uint32_t *list, const ri_filter *filters, size_t count, uint32_t row)
{
    const int64_t *values = s->values;
    for (size_t i = 0; i < count; i++) {
        const ri_filter *filter = &filters[i];
        int64_t value = values[filter->slot];
        if (value >= filter->low && value <= filter->high &&
            ((uint64_t)filter->high - (uint64_t)filter->low >= 64 ||
             ((filter->mask >> (value - filter->low)) & 1) != 0)) {
            try_conjunction(s, list[i], filter, row);
        }
    }
}

/* Verifies the conjunctions of the pair tables that the account's key
 * selects in each (see ri_pair_slot). */
static void gather_pairs(scratch *s, const uint32_t *record)
{
    const credo_rule_bound *bound = s->bound;
    uint32_t row = record[RI_RECORD_ROW];
    int64_t codes[RI_NUMBER_FIELDS];
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        codes[n] = bound->pair_bound_count[n] == 0 || s->values[n] == CREDO_NUMBER_NONE
                       ? -1
                       : ri_pair_number_code(bound, n, s->values[n]);
    for (size_t p = 0; p < bound->pair_count; p++) {
        const ri_pair_table *table = &bound->pairs[p];
        credo_str id = record[RI_RECORD_IDS + table->column];
        int64_t code = table->slot < RI_NUMBER_FIELDS ? codes[table->slot] : s->values[table->slot];
        if (id == CREDO_STR_NONE || code < 0)
            continue;
        if (table->dense_start != NULL) {
            /* The anchor's column is ranked, so its slot value is the rank. */
            uint32_t start = 0;
            uint32_t count = ri_pair_dense_slice(table, s->values[RI_NUMBER_FIELDS + table->column], code, &start);
            try_list(s, table->postings + start, table->filters + start, count, row);
            continue;
        }
        uint64_t key = (uint64_t)id << 32 | (uint32_t)code;
        if (key != s->last_pair_key[p]) {
            s->last_pair_key[p] = key;
            s->pair_slots[p] = ri_pair_find(&table->map, key);
        }
        const ri_pair_slot *slot = s->pair_slots[p];
        if (slot != NULL)
            try_list(s, table->postings + slot->start, table->filters + slot->start, slot->count, row);
    }
}

/* Reads the account's slot values (see ri_test) from its record, then
 * verifies every conjunction that an anchor of the account selects. */
static void gather(scratch *s, const uint32_t *record)
{
    const credo_rule_bound *bound = s->bound;
    const ri_slot **slots = s->slots;
    uint32_t row = record[RI_RECORD_ROW];
    const uint32_t *numbers = record + RI_RECORD_IDS + bound->text_count;
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        if (bound->number_read[n]) {
            memcpy(&s->values[n], numbers, sizeof(credo_number));
            numbers += 2;
        }
    }
    for (size_t k = 0; k < bound->text_count; k++) {
        const ri_text_column *column = &bound->text[k];
        credo_str id = record[RI_RECORD_IDS + k];
        if (id == s->last_id[k])
            continue;
        s->last_id[k] = id;
        const ri_slot *slot = id == CREDO_STR_NONE ? NULL : ri_map_find(&column->map, id);
        slots[k] = slot;
        if (id == CREDO_STR_NONE)
            s->values[RI_NUMBER_FIELDS + k] = INT64_MIN;
        else if (!column->ranked)
            s->values[RI_NUMBER_FIELDS + k] = id;
        else
            s->values[RI_NUMBER_FIELDS + k] = slot == NULL ? -1 : (int64_t)slot->rank;
    }
    for (size_t k = 0; k < bound->text_count; k++)
        if (slots[k] != NULL)
            try_list(s, bound->text[k].postings + slots[k]->start, bound->text[k].filters + slots[k]->start,
                     slots[k]->count, row);
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        const ri_number_field *field = &bound->number[n];
        size_t count = 0;
        const uint32_t *list = field->posting_count == 0 ? NULL : ri_number_lookup(field, s->values[n], &count);
        try_list(s, list, list == NULL ? NULL : field->filters + (list - field->postings), count, row);
    }
    try_list(s, bound->always, bound->always_filters, bound->always_count, row);
    if (bound->pair_count > 0)
        gather_pairs(s, record);
}

static bool is_named(const scratch *s, uint32_t row, uint32_t t)
{
    const credo_policy_binding *binding = &s->bound->binding;
    for (size_t i = s->named_at; i < binding->named_count && binding->named[i].account == row; i++)
        if (binding->named[i].territory == t)
            return true;
    return false;
}

static void unmatch(scratch *s, uint32_t t)
{
    s->stamp[t] = s->generation - 1;
    for (size_t i = 0; i < s->matched_count; i++) {
        if (s->matched[i] == t) {
            s->matched[i] = s->matched[--s->matched_count];
            return;
        }
    }
}

static size_t lower_bound_pairs(const credo_listed_pair *pairs, size_t count, uint32_t row)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (pairs[middle].account < row)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* Moves the named and excluded cursors to the first entries of row: forward
 * when rows ascend, by binary search, and only for listed rows, when they
 * come in another order. Returns false when row is on neither list. */
static bool seek_lists(scratch *s, uint32_t row, bool listed)
{
    const credo_policy_binding *binding = &s->bound->binding;
    if (s->ordered) {
        if (!listed)
            return false;
        s->named_at = lower_bound_pairs(binding->named, binding->named_count, row);
        s->excluded_at = lower_bound_pairs(binding->excluded, binding->excluded_count, row);
        return true;
    }
    while (s->named_at < binding->named_count && binding->named[s->named_at].account < row)
        s->named_at++;
    while (s->excluded_at < binding->excluded_count && binding->excluded[s->excluded_at].account < row)
        s->excluded_at++;
    return true;
}

/* Excluded accounts never match their territory and named accounts always
 * do; named wins when an account is both (as credo_binding_matches). */
static void apply_lists(scratch *s, const uint32_t *record)
{
    const credo_policy_binding *binding = &s->bound->binding;
    const credo_policy *policy = s->bound->index->policy;
    uint32_t row = record[RI_RECORD_ROW];
    if (!seek_lists(s, row, record[RI_RECORD_LISTED] != 0))
        return;

    for (size_t i = s->excluded_at; i < binding->excluded_count && binding->excluded[i].account == row; i++) {
        uint32_t t = binding->excluded[i].territory;
        if (s->stamp[t] == s->generation && !is_named(s, row, t))
            unmatch(s, t);
    }
    for (size_t i = s->named_at; i < binding->named_count && binding->named[i].account == row; i++) {
        uint32_t t = binding->named[i].territory;
        if (policy->territories[t].type_id == NULL || s->stamp[t] == s->generation)
            continue;
        s->stamp[t] = s->generation;
        s->matched[s->matched_count++] = t;
    }
}

/* Sorts list items [from, count) by territory id rank. */
static void sort_by_rank(index_list *list, size_t from, const uint32_t *rank)
{
    for (size_t i = from + 1; i < list->count; i++) {
        uint32_t value = list->items[i];
        size_t j = i;
        while (j > from && rank[list->items[j - 1]] > rank[value]) {
            list->items[j] = list->items[j - 1];
            j--;
        }
        list->items[j] = value;
    }
}

/* Splits the matched territories into top-priority primaries and overlays. */
static bool resolve(const scratch *s, index_list *tied, index_list *overlays)
{
    const ri_territory_class *classes = s->bound->classes;
    size_t tied_from = tied->count, overlay_from = overlays->count;
    int32_t best_priority = 0;
    for (size_t i = 0; i < s->matched_count; i++) {
        uint32_t t = s->matched[i];
        const ri_territory_class *type = &classes[t];
        if (type->overlay) {
            if (!list_push(overlays, t))
                return false;
            continue;
        }
        if (tied->count > tied_from && type->priority < best_priority)
            continue;
        if (tied->count > tied_from && type->priority > best_priority)
            tied->count = tied_from;
        best_priority = type->priority;
        if (!list_push(tied, t))
            return false;
    }
    sort_by_rank(tied, tied_from, s->bound->binding.rank_by_id);
    sort_by_rank(overlays, overlay_from, s->bound->binding.rank_by_id);
    return true;
}

static credo_assignment *assignment_new(size_t count)
{
    credo_assignment *assignment = calloc(1, sizeof *assignment);
    if (assignment == NULL)
        return NULL;
    assignment->count = count;
    size_t rows = count == 0 ? 1 : count;
    assignment->status = malloc(rows * sizeof *assignment->status);
    assignment->territory = malloc(rows * sizeof *assignment->territory);
    assignment->tied_start = malloc((count + 1) * sizeof *assignment->tied_start);
    assignment->overlay_start = malloc((count + 1) * sizeof *assignment->overlay_start);
    if (assignment->status == NULL || assignment->territory == NULL ||
        assignment->tied_start == NULL || assignment->overlay_start == NULL) {
        credo_assignment_free(assignment);
        return NULL;
    }
    return assignment;
}

static bool scratch_init(scratch *s, const credo_rule_bound *bound, size_t first)
{
    size_t territories = bound->index->policy->territory_count;
    memset(s, 0, sizeof *s);
    s->bound = bound;
    s->stamp = calloc(territories == 0 ? 1 : territories, sizeof *s->stamp);
    s->matched = malloc((territories == 0 ? 1 : territories) * sizeof *s->matched);
    s->values = malloc(bound->slot_count * sizeof *s->values);
    for (int n = 0; s->values != NULL && n < RI_NUMBER_FIELDS; n++)
        s->values[n] = CREDO_NUMBER_NONE; /* stays so for the fields gather does not read */
    /* The remembered values start as those of a missing value. */
    for (size_t k = 0; s->values != NULL && k < bound->text_count; k++)
        s->values[RI_NUMBER_FIELDS + k] = INT64_MIN;
    s->last_id = calloc(bound->text_count + 1, sizeof *s->last_id);
    s->slots = calloc(bound->text_count + 1, sizeof *s->slots);
    s->last_pair_key = calloc(bound->pair_count + 1, sizeof *s->last_pair_key);
    s->pair_slots = calloc(bound->pair_count + 1, sizeof *s->pair_slots);
    s->record = malloc(ri_record_words(bound) * sizeof *s->record);
    s->named_at = lower_bound_pairs(bound->binding.named, bound->binding.named_count, (uint32_t)first);
    s->excluded_at = lower_bound_pairs(bound->binding.excluded, bound->binding.excluded_count, (uint32_t)first);
    return s->stamp != NULL && s->matched != NULL && s->values != NULL && s->last_id != NULL &&
           s->slots != NULL && s->last_pair_key != NULL && s->pair_slots != NULL &&
           s->record != NULL;
}

/* Starts a new account: a fresh generation, and a cleared stamp array when
 * the counter wraps. */
static void scratch_next(scratch *s)
{
    s->matched_count = 0;
    if (++s->generation == 0) {
        memset(s->stamp, 0, s->bound->index->policy->territory_count * sizeof *s->stamp);
        s->generation = 1;
    }
}

/* Assigns the row of record (see ri_record_fill): appends its top-priority
 * territories to tied and its overlays to overlays, and sets its status
 * and single territory. */
static bool assign_one(scratch *s, const uint32_t *record, index_list *tied, index_list *overlays, uint8_t *status,
                       uint32_t *territory)
{
    size_t tied_from = tied->count;
    scratch_next(s);
    gather(s, record);
    apply_lists(s, record);
    if (!resolve(s, tied, overlays))
        return false;
    size_t matches = tied->count - tied_from;
    *territory = CREDO_NO_ROW;
    if (matches == 0) {
        *status = CREDO_ACCOUNT_GAP;
    } else if (matches == 1) {
        *status = CREDO_ACCOUNT_ASSIGNED;
        *territory = tied->items[tied->count - 1];
    } else {
        *status = CREDO_ACCOUNT_OVERLAP;
    }
    return true;
}

/* Assigns entry i of assignment to row rows[i], or first + i when rows is
 * NULL. Rows must ascend, because the named and excluded cursors only move
 * forward. */
static bool assign_rows(scratch *s, credo_assignment *assignment, size_t first, const uint32_t *rows,
                        index_list *tied, index_list *overlays)
{
    for (size_t i = 0; i < assignment->count; i++) {
        uint32_t row = rows == NULL ? (uint32_t)(first + i) : rows[i];
        assignment->tied_start[i] = (uint32_t)tied->count;
        assignment->overlay_start[i] = (uint32_t)overlays->count;
        ri_record_fill(s->bound, row, s->record);
        if (!assign_one(s, s->record, tied, overlays, &assignment->status[i], &assignment->territory[i]))
            return false;
    }
    assignment->tied_start[assignment->count] = (uint32_t)tied->count;
    assignment->overlay_start[assignment->count] = (uint32_t)overlays->count;
    return true;
}

/* An ordered pass over count rows: the rows' records in the order
 * assigned (see ri_record_fill), the position of the first row of
 * each order code (see ri_order_rows), and the lists. */
typedef struct ordered_pass {
    uint32_t *records;
    size_t words; /* per record */
    const uint32_t *code;       /* bound->order_code */
    uint32_t *code_start;
    index_list tied, overlays;
    size_t assigned;
} ordered_pass;

/* Once the row at position p is assigned, its record is no longer read, so
 * its first four words (see RI_RECORD_MIN_WORDS) are overwritten with its
 * result. RESULT_TIED is the single territory of an assigned row, the
 * start of an overlap's tied territories in the pass's list, or
 * CREDO_NO_ROW for a gap. RESULT_TIED_COUNT is 0 unless the row is an
 * overlap. RESULT_OVERLAY_AT and RESULT_OVERLAY_COUNT place its overlays in
 * the pass's list. An assigned row's territory is not kept in the list. */
enum { RESULT_TIED, RESULT_TIED_COUNT, RESULT_OVERLAY_AT, RESULT_OVERLAY_COUNT };

static void ordered_pass_free(ordered_pass *pass)
{
    free(pass->records);
    free(pass->code_start);
    free(pass->tied.items);
    free(pass->overlays.items);
}

/* Assigns the rows of pass->records, replacing each record with the row's
 * result. */
static bool assign_in_order(scratch *s, size_t count, ordered_pass *pass)
{
    for (size_t p = 0; p < count; p++) {
        uint32_t *record = pass->records + p * pass->words;
        uint32_t tied_at = (uint32_t)pass->tied.count, overlay_at = (uint32_t)pass->overlays.count;
        uint8_t status;
        uint32_t territory;
        if (!assign_one(s, record, &pass->tied, &pass->overlays, &status, &territory))
            return false;
        if (status == CREDO_ACCOUNT_ASSIGNED) {
            pass->tied.count--;
            pass->assigned++;
        }
        record[RESULT_TIED] = status == CREDO_ACCOUNT_OVERLAP ? tied_at : territory;
        record[RESULT_TIED_COUNT] = (uint32_t)pass->tied.count - tied_at;
        record[RESULT_OVERLAY_AT] = overlay_at;
        record[RESULT_OVERLAY_COUNT] = (uint32_t)pass->overlays.count - overlay_at;
    }
    return true;
}

/* Results ahead of the current row that lay_out prefetches: consecutive
 * rows' results lie far apart after an ordered pass. */
#define RI_PREFETCH_AHEAD 32

/* Where lay_out writes: entry `at` of a and onwards, and the next free
 * entries of a's tied and overlay lists. */
typedef struct lay_out_cursor {
    credo_assignment *a;
    size_t at;
    uint32_t tied_to, overlay_to;
} lay_out_cursor;

/* Copies the result at pass position p into the next entry of the
 * cursor's assignment. */
static void lay_out_one(lay_out_cursor *to, const ordered_pass *pass, uint32_t p)
{
    credo_assignment *a = to->a;
    size_t i = to->at++;
    const uint32_t *result = pass->records + (size_t)p * pass->words;
    uint32_t tied_count = result[RESULT_TIED_COUNT];
    a->tied_start[i] = to->tied_to;
    a->overlay_start[i] = to->overlay_to;
    /* Plain loops, because the lists hold a few entries each and the
     * memcpy calls took about 5% of a profile of the 20k benchmark. */
    if (tied_count > 0) {
        a->status[i] = CREDO_ACCOUNT_OVERLAP;
        a->territory[i] = CREDO_NO_ROW;
        for (uint32_t k = 0; k < tied_count; k++)
            a->tied[to->tied_to++] = pass->tied.items[result[RESULT_TIED] + k];
    } else {
        uint32_t territory = result[RESULT_TIED];
        a->status[i] = territory == CREDO_NO_ROW ? CREDO_ACCOUNT_GAP : CREDO_ACCOUNT_ASSIGNED;
        a->territory[i] = territory;
        if (territory != CREDO_NO_ROW)
            a->tied[to->tied_to++] = territory;
    }
    for (uint32_t k = 0; k < result[RESULT_OVERLAY_COUNT]; k++)
        a->overlays[to->overlay_to++] = pass->overlays.items[result[RESULT_OVERLAY_AT] + k];
}

/* Copies the results of an ordered pass over rows [first, first + count)
 * to the cursor in row order. It writes neither the offsets nor anything
 * else past the last row, so that ranges next to each other may be laid
 * out at once. The position of each row in the pass is found again by
 * replaying the counting sort of ri_order_rows on pass->code_start, which
 * costs less than storing it. */
static void lay_out(lay_out_cursor *to, ordered_pass *pass, size_t first, size_t count)
{
    /* positions[i % ring] is the pass position of row first + i, found
     * 2 * RI_PREFETCH_AHEAD rows ahead of the row laid out, so that its
     * result is fetched then and its overlays RI_PREFETCH_AHEAD rows ahead. */
    enum { ring = 2 * RI_PREFETCH_AHEAD };
    uint32_t positions[ring];
    const uint32_t *code = pass->code + first;
    for (size_t i = 0; i < count + ring; i++) {
        /* Row i - ring first, because row i reuses its entry. */
        if (i >= ring)
            lay_out_one(to, pass, positions[(i - ring) % ring]);
        if (i < count) {
            uint32_t p = pass->code_start[code[i]]++;
            positions[i % ring] = p;
            __builtin_prefetch(pass->records + (size_t)p * pass->words);
        }
        if (i >= RI_PREFETCH_AHEAD && i - RI_PREFETCH_AHEAD < count) {
            const uint32_t *result = pass->records + (size_t)positions[(i - RI_PREFETCH_AHEAD) % ring] * pass->words;
            if (pass->overlays.items != NULL)
                __builtin_prefetch(&pass->overlays.items[result[RESULT_OVERLAY_AT]]);
        }
    }
}

/* Transparent huge page size on x86-64 and most arm64 kernels. */
#define RI_HUGE_PAGE_BYTES ((size_t)2 << 20)

/* Allocates the records of an ordered pass. They are written and read at
 * random, so a buffer of 2 MiB or more is aligned to huge pages and asked
 * for them, which saves a TLB miss on most accesses. Freed with free.
 * NOTE: only the records get huge pages. Asking for them for the result's
 * arrays too made every other run of 1M accounts at 100k territories on 2
 * threads about 30% slower (Linux with THP defrag set to madvise), likely
 * from direct compaction in page faults. */
static uint32_t *records_alloc(size_t bytes)
{
    if (bytes < RI_HUGE_PAGE_BYTES)
        return malloc(bytes == 0 ? 1 : bytes);
    void *records = NULL;
    if (posix_memalign(&records, RI_HUGE_PAGE_BYTES, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(records, bytes, MADV_HUGEPAGE); /* advice only; without it the pass is slower, not wrong */
#endif
    return records;
}

/* Assigns rows [first, first + count) grouped by order code (see
 * rule_index_order.c) into *pass, which keeps the results for lay_out. */
static bool assign_range_ordered(scratch *s, size_t first, size_t count, ordered_pass *pass)
{
    size_t words = ri_record_words(s->bound);
    *pass = (ordered_pass){.records = records_alloc(count * words * sizeof(uint32_t)),
                           .words = words,
                           .code = s->bound->order_code,
                           .code_start = malloc(((size_t)s->bound->order_codes + 1) * sizeof *pass->code_start)};
    s->ordered = true;
    if (pass->records == NULL || pass->code_start == NULL)
        return false;
    ri_order_rows(s->bound, first, count, pass->records, pass->code_start);
    return assign_in_order(s, count, pass);
}

/* Ranges shorter than this are assigned in row order: sorting them would
 * cost more than it saves. */
#define RI_ORDER_MIN_ROWS 16u

static bool use_order(const credo_rule_bound *bound, const uint32_t *rows, size_t count)
{
    return rows == NULL && bound->order_code != NULL && count >= RI_ORDER_MIN_ROWS &&
           count >= bound->order_codes / 64;
}

static void scratch_free(scratch *s)
{
    free(s->stamp);
    free(s->matched);
    free(s->values);
    free(s->last_id);
    free(s->slots);
    free(s->last_pair_key);
    free(s->pair_slots);
    free(s->record);
}

/* The result of one range of rows, kept until it is laid out: either an
 * assignment made in row order (`plain`) or an ordered pass. */
struct ri_range {
    size_t first, count;
    credo_assignment *plain;
    ordered_pass pass;
};

/* Assigns count rows into *assignment: rows[0, count) when rows is not
 * NULL, else the range starting at first. */
static bool assign_plain(const credo_rule_bound *bound, size_t first, const uint32_t *rows, size_t count,
                         credo_assignment **assignment)
{
    scratch s;
    index_list tied = {0}, overlays = {0};
    *assignment = assignment_new(count);
    bool ok = scratch_init(&s, bound, rows == NULL || count == 0 ? first : rows[0]) && *assignment != NULL &&
              assign_rows(&s, *assignment, first, rows, &tied, &overlays);
    scratch_free(&s);
    if (*assignment != NULL) {
        (*assignment)->tied = tied.items;
        (*assignment)->overlays = overlays.items;
    } else {
        free(tied.items);
        free(overlays.items);
    }
    return ok;
}

bool ri_range_assign(const credo_rule_bound *bound, size_t first, size_t count, ri_range **out)
{
    ri_range *range = calloc(1, sizeof *range);
    *out = range;
    if (range == NULL)
        return false;
    range->first = first;
    range->count = count;
    if (!use_order(bound, NULL, count))
        return assign_plain(bound, first, NULL, count, &range->plain);
    scratch s;
    bool ok = scratch_init(&s, bound, first) && assign_range_ordered(&s, first, count, &range->pass);
    scratch_free(&s);
    return ok;
}

void ri_range_list_sizes(const ri_range *range, size_t *tied, size_t *overlays)
{
    if (range->plain != NULL) {
        *tied = range->plain->tied_start[range->count];
        *overlays = range->plain->overlay_start[range->count];
        return;
    }
    *tied = range->pass.tied.count + range->pass.assigned;
    *overlays = range->pass.overlays.count;
}

/* Copies a plain range's result to the cursor, shifting its offsets. */
static void lay_out_plain(lay_out_cursor *to, const credo_assignment *p)
{
    credo_assignment *a = to->a;
    memcpy(a->status + to->at, p->status, p->count);
    memcpy(a->territory + to->at, p->territory, p->count * sizeof *a->territory);
    for (size_t k = 0; k < p->count; k++) {
        a->tied_start[to->at + k] = to->tied_to + p->tied_start[k];
        a->overlay_start[to->at + k] = to->overlay_to + p->overlay_start[k];
    }
    /* A list that never grew is NULL. */
    if (p->tied_start[p->count] > 0)
        memcpy(a->tied + to->tied_to, p->tied, p->tied_start[p->count] * sizeof *a->tied);
    if (p->overlay_start[p->count] > 0)
        memcpy(a->overlays + to->overlay_to, p->overlays, p->overlay_start[p->count] * sizeof *a->overlays);
}

void ri_range_lay_out(ri_range *range, credo_assignment *a, size_t at, uint32_t tied_at, uint32_t overlay_at)
{
    lay_out_cursor to = {a, at, tied_at, overlay_at};
    if (range->plain != NULL)
        lay_out_plain(&to, range->plain);
    else
        lay_out(&to, &range->pass, range->first, range->count);
}

void ri_range_free(ri_range *range)
{
    if (range == NULL)
        return;
    credo_assignment_free(range->plain);
    ordered_pass_free(&range->pass);
    free(range);
}

/* Assigns rows [first, first + count) grouped by order code and lays the
 * result out in row order. The result's row arrays are allocated before
 * the pass: with glibc 2.36, repeated calls on 1M rows then faulted in
 * fewer new pages and took about 10% less time than in the other order. */
static bool assign_ordered(const credo_rule_bound *bound, size_t first, size_t count, credo_assignment **out)
{
    ri_range *range = NULL;
    size_t tied = 0, overlays = 0;
    credo_assignment *a = assignment_new(count);
    bool ok = a != NULL && ri_range_assign(bound, first, count, &range);
    if (ok) {
        ri_range_list_sizes(range, &tied, &overlays);
        a->tied = tied == 0 ? NULL : malloc(tied * sizeof *a->tied);
        a->overlays = overlays == 0 ? NULL : malloc(overlays * sizeof *a->overlays);
        ok = (tied == 0 || a->tied != NULL) && (overlays == 0 || a->overlays != NULL);
    }
    if (ok) {
        ri_range_lay_out(range, a, 0, 0, 0);
        a->tied_start[count] = (uint32_t)tied;
        a->overlay_start[count] = (uint32_t)overlays;
        *out = a;
    } else {
        credo_assignment_free(a);
    }
    ri_range_free(range);
    return ok;
}

/* Assigns count rows: rows[0, count) when rows is not NULL, else the range
 * starting at first. */
static credo_status assign_some(const credo_rule_bound *bound, size_t first, const uint32_t *rows,
                                size_t count, credo_assignment **out, credo_error *err)
{
    bool ok;
    if (use_order(bound, rows, count)) {
        ok = assign_ordered(bound, first, count, out);
    } else {
        credo_assignment *assignment = NULL;
        ok = assign_plain(bound, first, rows, count, &assignment);
        if (ok)
            *out = assignment;
        else
            credo_assignment_free(assignment);
    }
    if (!ok)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory assigning %zu accounts", count);
    return CREDO_OK;
}

credo_status credo_rule_bound_assign(const credo_rule_bound *bound, size_t first, size_t count,
                                     credo_assignment **out, credo_error *err)
{
    size_t rows = bound->snapshot->accounts.count;
    if (first > rows || count > rows - first)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "account rows %zu to %zu are outside the snapshot's %zu rows; "
                               "pass a range within it", first, first + count, rows);
    return assign_some(bound, first, NULL, count, out, err);
}

credo_status credo_rule_bound_assign_rows(const credo_rule_bound *bound, const uint32_t *rows,
                                          size_t count, credo_assignment **out, credo_error *err)
{
    size_t total = bound->snapshot->accounts.count;
    for (size_t i = 0; i < count; i++) {
        if (rows[i] >= total)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "account row %u is outside the snapshot's %zu rows; pass rows below %zu",
                                   rows[i], total, total);
        if (i > 0 && rows[i] <= rows[i - 1])
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "account rows must ascend without repeats, but row %u follows row %u; "
                                   "sort them first", rows[i], rows[i - 1]);
    }
    return assign_some(bound, 0, rows, count, out, err);
}

credo_status credo_assign_accounts_indexed(const credo_snapshot *snapshot,
                                           const credo_policy *policy,
                                           const credo_rule_index *index,
                                           credo_assignment **out, credo_error *err)
{
    if (index->policy != policy)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the rule index was built from another policy; build it from this one");
    credo_rule_bound *bound = NULL;
    credo_status status = credo_rule_index_bind(index, snapshot, &bound, err);
    if (status != CREDO_OK)
        return status;
    status = credo_rule_bound_assign(bound, 0, snapshot->accounts.count, out, err);
    credo_rule_bound_free(bound);
    return status;
}
