/* Compiling territory rules into conjunctions of tests. "not" is pushed down
 * to the tests (De Morgan), "or" concatenates conjunction lists and "and"
 * multiplies them. Where a product would pass CREDO_RULE_INDEX_MAX_CONJUNCTIONS
 * or CREDO_RULE_INDEX_MAX_LITERALS, the operand is kept whole as one opaque
 * literal, so that every rule compiles. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

/* A rule in disjunctive form: conjunction i is lits[starts[i], starts[i + 1]). */
typedef struct dnf {
    ri_literal *lits;
    size_t lit_count, lit_capacity;
    uint32_t *starts;
    size_t count, start_capacity;
    bool failed;
} dnf;

static void dnf_free(dnf *d)
{
    free(d->lits);
    free(d->starts);
    memset(d, 0, sizeof *d);
}

static bool grow(void **items, size_t *capacity, size_t needed, size_t size)
{
    if (needed <= *capacity)
        return true;
    size_t next = *capacity == 0 ? 8 : *capacity;
    while (next < needed)
        next *= 2;
    void *grown = realloc(*items, next * size);
    if (grown == NULL)
        return false;
    *items = grown;
    *capacity = next;
    return true;
}

/* Appends one conjunction made of a[ab, ae) followed by b[bb, be). */
static void dnf_push(dnf *d, const ri_literal *a, size_t a_count, const ri_literal *b, size_t b_count)
{
    if (d->failed)
        return;
    if (!grow((void **)&d->lits, &d->lit_capacity, d->lit_count + a_count + b_count, sizeof *d->lits) ||
        !grow((void **)&d->starts, &d->start_capacity, d->count + 2, sizeof *d->starts)) {
        d->failed = true;
        return;
    }
    if (d->count == 0)
        d->starts[0] = 0;
    if (a_count > 0)
        memcpy(d->lits + d->lit_count, a, a_count * sizeof *a);
    if (b_count > 0)
        memcpy(d->lits + d->lit_count + a_count, b, b_count * sizeof *b);
    d->lit_count += a_count + b_count;
    d->count++;
    d->starts[d->count] = (uint32_t)d->lit_count;
}

static size_t conj_size(const dnf *d, size_t i)
{
    return d->starts[i + 1] - d->starts[i];
}

static dnf dnf_literal(const credo_expr_node *node, bool negated, bool opaque)
{
    dnf d = {0};
    ri_literal literal = {node, negated, opaque};
    dnf_push(&d, &literal, 1, NULL, 0);
    return d;
}

/* Every conjunction of a joined with every conjunction of b. */
static dnf dnf_product(const dnf *a, const dnf *b)
{
    dnf d = {0};
    for (size_t i = 0; i < a->count; i++)
        for (size_t j = 0; j < b->count; j++)
            dnf_push(&d, a->lits + a->starts[i], conj_size(a, i), b->lits + b->starts[j],
                     conj_size(b, j));
    return d;
}

static bool too_large(size_t conjunctions, size_t literals)
{
    return conjunctions > CREDO_RULE_INDEX_MAX_CONJUNCTIONS || literals > CREDO_RULE_INDEX_MAX_LITERALS;
}

static dnf expand(const credo_expr_node *node, bool negated);

/* The operands of an and/or chain (which nests to the right). */
static const credo_expr_node **chain_operands(const credo_expr_node *node, size_t *count)
{
    size_t n = 1;
    for (const credo_expr_node *at = node; at->kind == node->kind; at = at->right)
        n++;
    const credo_expr_node **operands = malloc(n * sizeof *operands);
    if (operands == NULL)
        return NULL;
    size_t i = 0;
    const credo_expr_node *at = node;
    for (; at->kind == node->kind; at = at->right)
        operands[i++] = at->left;
    operands[i++] = at;
    *count = i;
    return operands;
}

/* Disjunction of the operands; the whole chain stays opaque when too large. */
static dnf expand_any(const credo_expr_node *node, const credo_expr_node **operands, size_t count,
                      bool negated)
{
    dnf d = {0};
    for (size_t i = 0; i < count && !d.failed; i++) {
        dnf part = expand(operands[i], negated);
        if (part.failed || too_large(d.count + part.count, d.lit_count + part.lit_count)) {
            bool failed = part.failed;
            dnf_free(&part);
            dnf_free(&d);
            if (failed)
                return (dnf){.failed = true};
            return dnf_literal(node, negated, true);
        }
        for (size_t j = 0; j < part.count; j++)
            dnf_push(&d, part.lits + part.starts[j], conj_size(&part, j), NULL, 0);
        dnf_free(&part);
    }
    return d;
}

/* Conjunction of the operands; an operand whose expansion would make the
 * product too large joins as one opaque literal. */
static dnf expand_all(const credo_expr_node **operands, size_t count, bool negated)
{
    dnf d = {0};
    dnf_push(&d, NULL, 0, NULL, 0);
    for (size_t i = 0; i < count && !d.failed; i++) {
        dnf part = expand(operands[i], negated);
        if (!part.failed && too_large(d.count * part.count, d.lit_count * part.count + part.lit_count * d.count)) {
            dnf_free(&part);
            part = dnf_literal(operands[i], negated, true);
        }
        dnf next = part.failed ? (dnf){.failed = true} : dnf_product(&d, &part);
        dnf_free(&part);
        dnf_free(&d);
        d = next;
    }
    return d;
}

/* Disjunctive form of node, inverted when negated. */
static dnf expand(const credo_expr_node *node, bool negated)
{
    while (node->kind == CREDO_EXPR_NOT) {
        negated = !negated;
        node = node->left;
    }
    if (node->kind != CREDO_EXPR_AND && node->kind != CREDO_EXPR_OR)
        return dnf_literal(node, negated, false);

    size_t count = 0;
    const credo_expr_node **operands = chain_operands(node, &count);
    if (operands == NULL)
        return (dnf){.failed = true};
    bool any = (node->kind == CREDO_EXPR_OR) != negated;
    dnf d = any ? expand_any(node, operands, count, negated) : expand_all(operands, count, negated);
    free(operands);
    return d;
}

static size_t count_opaque(const dnf *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->lit_count; i++)
        n += d->lits[i].opaque;
    return n;
}

/* Appends the conjunctions of territory t to the index. */
static bool add_territory(credo_rule_index *index, uint32_t t, size_t *conj_capacity,
                          size_t *lit_capacity)
{
    dnf d = expand(credo_expr_root(index->policy->territories[t].match), false);
    bool ok = !d.failed &&
              grow((void **)&index->conjunctions, conj_capacity, index->conjunction_count + d.count,
                   sizeof *index->conjunctions) &&
              grow((void **)&index->literals, lit_capacity, index->literal_count + d.lit_count,
                   sizeof *index->literals);
    if (ok) {
        for (size_t i = 0; i < d.count; i++)
            index->conjunctions[index->conjunction_count++] = (ri_conjunction){
                t, (uint32_t)(index->literal_count + d.starts[i]), (uint32_t)conj_size(&d, i)};
        memcpy(index->literals + index->literal_count, d.lits, d.lit_count * sizeof *d.lits);
        index->literal_count += d.lit_count;
        index->opaque_count += count_opaque(&d);
    }
    dnf_free(&d);
    return ok;
}

credo_status credo_rule_index_build(const credo_policy *policy, credo_rule_index **out,
                                    credo_error *err)
{
    credo_rule_index *index = calloc(1, sizeof *index);
    if (index == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory compiling the territory rules");
    index->policy = policy;

    size_t conj_capacity = 0, lit_capacity = 0;
    for (size_t t = 0; t < policy->territory_count; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        if (territory->type_id == NULL)
            continue;
        index->typed_territories++;
        if (territory->match == NULL)
            continue;
        if (!add_territory(index, (uint32_t)t, &conj_capacity, &lit_capacity)) {
            credo_rule_index_free(index);
            return credo_error_set(err, CREDO_ERR_NOMEM,
                                   "out of memory compiling the rule of territory '%s'", territory->id);
        }
    }
    *out = index;
    return CREDO_OK;
}

void credo_rule_index_free(credo_rule_index *index)
{
    if (index == NULL)
        return;
    free(index->conjunctions);
    free(index->literals);
    free(index);
}

void credo_rule_index_stats_get(const credo_rule_index *index, const credo_rule_bound *bound,
                                credo_rule_index_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    stats->territories = index->typed_territories;
    stats->conjunctions = index->conjunction_count;
    stats->literals = index->literal_count;
    stats->opaque_literals = index->opaque_count;
    stats->bytes = sizeof *index + index->conjunction_count * sizeof *index->conjunctions +
                   index->literal_count * sizeof *index->literals;
    if (bound == NULL)
        return;
    for (size_t c = 0; c < index->conjunction_count; c++) {
        stats->always_checked += bound->anchor[c] == RI_ANCHOR_ALWAYS;
        stats->never_true += bound->anchor[c] == RI_ANCHOR_NEVER;
    }
    stats->anchored = index->conjunction_count - stats->always_checked - stats->never_true;
    for (size_t i = 0; i < bound->text_count; i++)
        stats->postings += bound->text[i].posting_count;
    for (size_t n = 0; n < RI_NUMBER_FIELDS; n++)
        stats->postings += bound->number[n].posting_count;
    for (size_t p = 0; p < bound->pair_count; p++)
        stats->postings += bound->pairs[p].posting_count;
    stats->composite = bound->composite_count;
    stats->order_codes = bound->order_code == NULL ? 0 : bound->order_codes;
    stats->bytes += bound->bytes;
}

const credo_snapshot *credo_rule_bound_snapshot(const credo_rule_bound *bound)
{
    return bound->snapshot;
}

const credo_rule_index *credo_rule_bound_index(const credo_rule_bound *bound)
{
    return bound->index;
}

const credo_policy *credo_rule_index_policy(const credo_rule_index *index)
{
    return index->policy;
}
