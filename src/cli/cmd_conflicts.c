/* credo conflicts: the conflict queue of registrations, and the decisions
 * that settle it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "credo/audit.h"
#include "credo/engagement.h"
#include "credo/parse.h"
#include "credo/run.h"

static const char conflicts_usage[] =
    "Usage: credo conflicts --db DB [--all] [--json]\n"
    "       credo conflicts decide KEY --db DB (--award REP | --accept | --reject)\n"
    "                       --reason TEXT [--by NAME]\n"
    "\n"
    "Lists the conflict queue: later registrations that claim an account (and\n"
    "product) inside another rep's protected window, found by replaying the newest\n"
    "run's policy over the stored data. 'decide' records a decision on the claim\n"
    "with key KEY, who made it and why; the next run applies it. Until then the\n"
    "list shows the claim as the newest run left it, still waiting, with the\n"
    "decision marked as applying at the next run.\n"
    "\n"
    "Options:\n"
    "  --db DB         the database file\n"
    "  --all           also list decided conflicts\n"
    "  --json          print one JSON object with the list\n"
    "  --award REP     give the protection to REP, the claimant or the holder\n"
    "  --accept        give the protection to the claimant (the later registration)\n"
    "  --reject        reject the claim; the earlier holder keeps the account\n"
    "  --reason TEXT   why; required with decide\n"
    "  --by NAME       who decides; default $CREDO_ACTOR, else the login name\n"
    "  -h, --help      print this help\n";

static bool listed(const credo_claim *claim, bool all)
{
    if (claim->status == CREDO_CLAIM_CONFLICT)
        return true;
    return all && (claim->status == CREDO_CLAIM_AWARDED || claim->status == CREDO_CLAIM_REJECTED);
}

/* Decisions recorded after the newest run, which that run did not apply:
 * borrowed from the replay's loaded decisions, in key order. */
typedef struct pending_list {
    const credo_conflict_decision **items;
    size_t count;
} pending_list;

/* Audit positions of the newest run and of each decision entry. */
typedef struct audit_scan {
    const char *run_subject;
    int64_t run_seq;
    char **keys;      /* keys of decision entries after run_seq, repeats allowed */
    size_t key_count, key_capacity;
} audit_scan;

static int scan_entry(void *ctx, const credo_audit_entry *entry, credo_error *err)
{
    audit_scan *scan = ctx;
    if (strcmp(entry->action, "run") == 0 && entry->subject != NULL && strcmp(entry->subject, scan->run_subject) == 0) {
        scan->run_seq = entry->seq;
        for (size_t i = 0; i < scan->key_count; i++)
            free(scan->keys[i]);
        scan->key_count = 0; /* decisions before the run's entry are applied */
        return 0;
    }
    if (strcmp(entry->action, "conflict_decision") != 0 || entry->subject == NULL)
        return 0;
    char *key = strdup(entry->subject);
    if (key != NULL && scan->key_count == scan->key_capacity) {
        size_t grown = scan->key_capacity == 0 ? 16 : scan->key_capacity * 2;
        char **keys = realloc(scan->keys, grown * sizeof *keys);
        if (keys != NULL) {
            scan->keys = keys;
            scan->key_capacity = grown;
        }
    }
    if (key == NULL || scan->key_count == scan->key_capacity) {
        free(key);
        credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading the audit log");
        return 1;
    }
    scan->keys[scan->key_count++] = key;
    return 0;
}

static void free_scan(audit_scan *scan)
{
    for (size_t i = 0; i < scan->key_count; i++)
        free(scan->keys[i]);
    free(scan->keys);
}

static bool scan_has_key(const audit_scan *scan, const char *key)
{
    for (size_t i = 0; i < scan->key_count; i++)
        if (strcmp(scan->keys[i], key) == 0)
            return true;
    return false;
}

/* Finds the stored decisions whose audit entry comes after the newest
 * run's "run" entry.
 * NOTE: the store keeps only the latest decision per key. When a pending
 * decision replaced one that the run applied, the claim is listed as if
 * the run had applied no decision to it. */
static credo_status find_pending(credo_store *store, const credo_replay *replay, pending_list *out, credo_error *err)
{
    char subject[32];
    snprintf(subject, sizeof subject, "%lld", (long long)replay->info.id);
    audit_scan scan = {subject, 0, NULL, 0, 0};
    credo_status status = credo_audit_each(store, scan_entry, &scan, err);
    if (status == CREDO_ERR_IO && err->status == CREDO_ERR_NOMEM)
        status = CREDO_ERR_NOMEM;
    const credo_run *run = replay->run;
    if (status == CREDO_OK && scan.key_count > 0) {
        out->items = calloc(run->owned_decision_count, sizeof *out->items);
        if (out->items == NULL)
            status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing pending decisions");
    }
    for (size_t i = 0; status == CREDO_OK && out->items != NULL && i < run->owned_decision_count; i++)
        if (scan_has_key(&scan, run->owned_decisions[i].key))
            out->items[out->count++] = &run->owned_decisions[i];
    free_scan(&scan);
    return status;
}

static const credo_conflict_decision *pending_for(const pending_list *pending, const char *key)
{
    for (size_t i = 0; key != NULL && i < pending->count; i++)
        if (strcmp(pending->items[i]->key, key) == 0)
            return pending->items[i];
    return NULL;
}

/* The newest run's queue as that run left it: the engines computed again
 * with only the decisions it applied, and the decisions recorded since. */
typedef struct queue_view {
    const credo_engagement *engagement; /* the replay's, or the run's below */
    credo_run *run;                     /* NULL when no decision is pending */
    credo_conflict_decision *applied;   /* shallow copies; the run borrows them */
    pending_list pending;
} queue_view;

static void queue_view_free(queue_view *view)
{
    credo_run_free(view->run);
    free(view->applied);
    free(view->pending.items);
}

static credo_status compute_as_run(const credo_replay *replay, queue_view *view, credo_error *err)
{
    const credo_run *run = replay->run;
    view->applied = malloc((run->owned_decision_count + 1) * sizeof *view->applied);
    if (view->applied == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing pending decisions");
    size_t count = 0;
    for (size_t i = 0; i < run->owned_decision_count; i++)
        if (pending_for(&view->pending, run->owned_decisions[i].key) == NULL)
            view->applied[count++] = run->owned_decisions[i];
    credo_date as_of = CREDO_DATE_NONE;
    if (!cli_parse_date(replay->info.as_of, &as_of))
        return credo_error_set(err, CREDO_ERR_STORE, "run %lld has an invalid as-of date '%s'",
                               (long long)replay->info.id, replay->info.as_of);
    credo_status status =
        credo_run_compute_with(replay->snapshot, replay->policy, as_of, view->applied, count, &view->run, err);
    if (status == CREDO_OK)
        view->engagement = view->run->engagement;
    return status;
}

static credo_status load_view(credo_store *store, const credo_replay *replay, queue_view *view, credo_error *err)
{
    view->engagement = replay->run->engagement;
    credo_status status = find_pending(store, replay, &view->pending, err);
    if (status == CREDO_OK && view->pending.count > 0)
        status = compute_as_run(replay, view, err);
    return status;
}

/* Appends "award to bob", "accept" or "reject". */
static void describe_decision(const credo_conflict_decision *decision, credo_buf *out)
{
    credo_buf_puts(out, decision->decision);
    if (decision->winner_rep_id != NULL)
        credo_buf_printf(out, " to %s", decision->winner_rep_id);
}

static void decision_json(const credo_conflict_decision *decision, credo_buf *out)
{
    credo_buf_puts(out, "{\"decision\":");
    credo_buf_json_string(out, decision->decision);
    credo_buf_puts(out, ",\"winner\":");
    if (decision->winner_rep_id == NULL)
        credo_buf_puts(out, "null");
    else
        credo_buf_json_string(out, decision->winner_rep_id);
    credo_buf_puts(out, ",\"decider\":");
    credo_buf_json_string(out, decision->decider);
    credo_buf_puts(out, ",\"reason\":");
    credo_buf_json_string(out, decision->reason != NULL ? decision->reason : "");
    credo_buf_puts(out, ",\"created_at\":");
    credo_buf_json_string(out, decision->created_at != NULL ? decision->created_at : "");
    credo_buf_puts(out, "}");
}

static void claim_json(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t r,
                       const credo_conflict_decision *pending, credo_buf *out)
{
    const credo_registrations *registrations = &snapshot->registrations;
    const credo_claim *claim = &engagement->claims[r];
    const char *product = credo_snapshot_text(snapshot, registrations->product[r]);
    char day[16], until[16];
    credo_buf_puts(out, "{\"key\":");
    credo_buf_json_string(out, claim->key);
    credo_buf_printf(out, ",\"status\":\"%s\",\"registration\":", credo_claim_status_name(claim->status));
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->id[r]));
    credo_buf_puts(out, ",\"rep\":");
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->rep_id[r]));
    credo_buf_puts(out, ",\"account\":");
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->account_id[r]));
    credo_buf_puts(out, ",\"product\":");
    if (product == NULL)
        credo_buf_puts(out, "null");
    else
        credo_buf_json_string(out, product);
    credo_buf_printf(out, ",\"date\":\"%s\",\"holder_registration\":", credo_format_date(registrations->date[r], day));
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->id[claim->holder]));
    credo_buf_puts(out, ",\"holder_rep\":");
    credo_buf_json_string(out, credo_snapshot_text(snapshot, registrations->rep_id[claim->holder]));
    credo_buf_printf(out, ",\"holder_protected_until\":\"%s\",\"reason\":",
                     credo_format_date(engagement->claims[claim->holder].protected_until, until));
    credo_buf_json_string(out, claim->reason);
    credo_buf_puts(out, ",\"decision\":");
    if (claim->decision == NULL)
        credo_buf_puts(out, "null");
    else
        decision_json(claim->decision, out);
    credo_buf_puts(out, ",\"pending_decision\":");
    if (pending == NULL)
        credo_buf_puts(out, "null");
    else
        decision_json(pending, out);
    credo_buf_puts(out, "}");
}

static void print_claim_text(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t r,
                             const credo_conflict_decision *pending, credo_buf *out)
{
    const char *key = engagement->claims[r].key;
    credo_buf_printf(out, "%s\n  ", key != NULL ? key : "(no key)");
    credo_explain_claim(snapshot, engagement, r, out);
    credo_buf_puts(out, "\n");
    if (pending == NULL)
        return;
    credo_buf_puts(out, "  decided: ");
    describe_decision(pending, out);
    credo_buf_printf(out, ", applies at the next run (by %s: %s)\n", pending->decider,
                     pending->reason != NULL ? pending->reason : "no reason given");
}

static void print_list(const credo_replay *replay, const queue_view *view, bool all, bool json)
{
    const credo_snapshot *snapshot = replay->snapshot;
    const credo_engagement *engagement = view->engagement;
    credo_buf out = CREDO_BUF_INIT;
    size_t count = 0;
    if (json) {
        credo_buf_printf(&out, "{\"run_id\":%lld,\"waiting\":%zu,\"pending_decisions\":%zu,\"conflicts\":[",
                         (long long)replay->info.id, engagement != NULL ? engagement->conflicts : 0,
                         view->pending.count);
    } else {
        credo_buf_printf(&out, "conflict queue of run %lld (policy %s): %zu waiting", (long long)replay->info.id,
                         replay->info.policy_path, engagement != NULL ? engagement->conflicts : 0);
        if (view->pending.count > 0)
            credo_buf_printf(&out, "; %zu decision%s recorded since, applied at the next run", view->pending.count,
                             view->pending.count == 1 ? "" : "s");
        credo_buf_puts(&out, "\n");
    }
    for (uint32_t r = 0; engagement != NULL && r < engagement->claim_count; r++) {
        if (!listed(&engagement->claims[r], all))
            continue;
        const credo_conflict_decision *pending = pending_for(&view->pending, engagement->claims[r].key);
        if (json) {
            credo_buf_puts(&out, count == 0 ? "" : ",");
            claim_json(snapshot, engagement, r, pending, &out);
        } else {
            print_claim_text(snapshot, engagement, r, pending, &out);
        }
        count++;
    }
    if (json)
        credo_buf_puts(&out, "]}\n");
    fputs(credo_buf_text(&out), stdout);
    credo_buf_free(&out);
}

static int list_conflicts(const char *db, bool all, bool json)
{
    credo_error err = {0};
    credo_store *store = NULL;
    credo_replay replay = {0};
    queue_view view = {0};
    credo_status status = cli_open_existing_store(db, &store, &err);
    if (status == CREDO_OK)
        status = credo_replay_latest(store, &replay, &err);
    if (status == CREDO_OK)
        status = load_view(store, &replay, &view, &err);
    int code = status == CREDO_OK ? EXIT_OK : cli_fail("conflicts", &err);
    if (status == CREDO_OK)
        print_list(&replay, &view, all, json);
    queue_view_free(&view);
    credo_replay_free(&replay);
    credo_store_close(store);
    return code;
}

/* The claim with key, among the queued and decided ones, or CREDO_NO_ROW. */
static uint32_t find_claim(const credo_engagement *engagement, const char *key)
{
    for (uint32_t r = 0; engagement != NULL && r < engagement->claim_count; r++)
        if (listed(&engagement->claims[r], true) && strcmp(engagement->claims[r].key, key) == 0)
            return r;
    return CREDO_NO_ROW;
}

typedef struct decide_options {
    const char *db, *key, *award, *reason, *by;
    const char *decision; /* "award", "accept" or "reject" */
} decide_options;

/* Checks the key and the awarded rep against the replayed queue. */
static int check_decision(const credo_replay *replay, const decide_options *options)
{
    const credo_snapshot *snapshot = replay->snapshot;
    uint32_t r = find_claim(replay->run->engagement, options->key);
    if (r == CREDO_NO_ROW) {
        fprintf(stderr, "credo conflicts: no conflict with key '%s' in the queue of run %lld; list the keys with "
                        "'credo conflicts --db %s --all'\n",
                options->key, (long long)replay->info.id, options->db);
        return EXIT_INPUT;
    }
    const credo_claim *claim = &replay->run->engagement->claims[r];
    const char *claimant = credo_snapshot_text(snapshot, snapshot->registrations.rep_id[r]);
    const char *holder = credo_snapshot_text(snapshot, snapshot->registrations.rep_id[claim->holder]);
    if (options->award != NULL && strcmp(options->award, claimant) != 0 && strcmp(options->award, holder) != 0) {
        fprintf(stderr, "credo conflicts: --award %s names neither the claimant %s nor the holder %s of %s; award "
                        "one of them\n",
                options->award, claimant, holder, options->key);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

static int decide(const decide_options *options)
{
    credo_error err = {0};
    credo_store *store = NULL;
    credo_replay replay = {0};
    credo_status status = cli_open_existing_store(options->db, &store, &err);
    if (status == CREDO_OK)
        status = credo_replay_latest(store, &replay, &err);
    int code = status == CREDO_OK ? check_decision(&replay, options) : cli_fail("conflicts", &err);
    if (code == EXIT_OK) {
        status = credo_store_put_conflict_decision(store, options->key, options->decision, options->award,
                                                   options->by, options->reason, &err);
        if (status != CREDO_OK)
            code = cli_fail("conflicts", &err);
        else
            printf("decided %s: %s%s%s; the next run applies it\n", options->key, options->decision,
                   options->award != NULL ? " to " : "", options->award != NULL ? options->award : "");
    }
    credo_replay_free(&replay);
    credo_store_close(store);
    return code;
}

static int set_decision(decide_options *options, const char *decision, const char *award)
{
    if (options->decision != NULL)
        return cli_usage_error("conflicts", "give one of --award REP, --accept and --reject");
    options->decision = decision;
    options->award = award;
    return EXIT_OK;
}

int cmd_conflicts(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},     {"all", no_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},         {"award", required_argument, NULL, 'w'},
        {"accept", no_argument, NULL, 'a'},       {"reject", no_argument, NULL, 'x'},
        {"reason", required_argument, NULL, 'r'}, {"by", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    decide_options decision = {0};
    bool all = false, json = false;
    int option, code = EXIT_OK;
    while (code == EXIT_OK && (option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'd': decision.db = optarg; break;
        case 'l': all = true; break;
        case 'j': json = true; break;
        case 'w': code = set_decision(&decision, "award", optarg); break;
        case 'a': code = set_decision(&decision, "accept", NULL); break;
        case 'x': code = set_decision(&decision, "reject", NULL); break;
        case 'r': decision.reason = optarg; break;
        case 'b': decision.by = optarg; break;
        case 'h': fputs(conflicts_usage, stdout); return EXIT_OK;
        default: return cli_option_error("conflicts", argv);
        }
    }
    if (code != EXIT_OK)
        return code;
    if (decision.db == NULL)
        return cli_usage_error("conflicts", "missing --db DB");
    if (optind == argc) {
        if (decision.decision != NULL || decision.reason != NULL)
            return cli_usage_error("conflicts", "--award, --accept, --reject and --reason go with 'decide KEY'");
        return list_conflicts(decision.db, all, json);
    }
    if (strcmp(argv[optind], "decide") != 0 || optind + 2 != argc)
        return cli_usage_error("conflicts", "expected 'decide KEY', not '%s'", argv[optind]);
    decision.key = argv[optind + 1];
    if (decision.decision == NULL)
        return cli_usage_error("conflicts", "missing --award REP, --accept or --reject");
    if (decision.reason == NULL || decision.reason[0] == '\0')
        return cli_usage_error("conflicts", "missing --reason TEXT; every decision records why");
    return decide(&decision);
}
