"""integration_intercompany benchmark (issue 13, item 8).

Mirroring, through a real server started as the README's run command does
(threaded, Odoo's cron threads), watched in the database from outside until
the last mirror bill is posted in US01; two starting points:

(a) a client POSTs N ``invoice`` messages of BE01 to US01's partner: each
    makes and posts an invoice in BE01, whose posting queues a mirror
    message, processed into a posted bill in US01. First POST to last mirror.
(b) N draft IC invoices made beforehand (ORM, untimed) are posted through
    Odoo's JSON-RPC (``action_post``, batches of --post-batch): the posting is
    the trigger of mirroring. First call to last mirror posted.
(c) the mirroring alone, in a batch cycle: the mirror flow set to a batch
    window that is closed, N IC invoices posted (ORM, untimed: their mirror
    messages wait in the queue), then the window opened by a JSON-RPC write
    on the flow, as an administrator (or the window's hour) does. First call
    to last mirror posted: the queue, the mapping and the bills, which is
    what the issue compares with the ORM making the same bills.

Beside them, in the same run, in-process: Odoo's ORM making what each side
makes (the bills alone; the invoices created and posted; drafts posted), so
that each ratio is given against the same work and against the bills alone.

The intercompany reconciliation (``integration.ic.reconciliation.engine``
``_compute``, what /reporting/intercompany calls) of the five demo entities
with N documents issued by each (plus their mirrors), at each of --sizes,
after VACUUM ANALYZE; and GET /integration/v1/reporting/intercompany through
the server at the largest. Use a database of its own (BENCH_DB=...) for it:
documents left by earlier runs are read too (the table says how many).

Prints figures, ratios, targets and load averages; asserts nothing.
"""

import argparse
import uuid
from _queue import cancel_pending

from _harness import DB, ensure_database, odoo_server, orm_env, pg_connect
from _ic_measures import (
    analyze,
    api_reconciliation,
    load,
    mirrored_from_messages,
    mirrored_from_posting,
    mirrored_in_a_batch_cycle,
    orm_baselines,
    reconciliation_sizes,
)
from _ic_report import report
from _ic_workload import ENTITIES, ensure_rules, income_account, orm_invoices


def setup(env, run):
    """A billing endpoint of BE01 allowed the invoice flow, its key, US01 known to it as "US01";
    a reporting endpoint reading the five entities, its key; the demo rules."""
    from odoo import Command

    rules = ensure_rules(env)
    Company = env["res.company"]
    companies = {code: Company._find_by_entity_code(code) for code in ENTITIES}
    be01, us01 = companies["BE01"], companies["US01"]
    billing = env["integration.endpoint"].create(
        {
            "name": f"Bench IC billing {run}",
            "code": f"BICB_{run}",
            "company_id": be01.id,
            "company_ids": [Command.set(be01.ids)],
            "flow_ids": [Command.set(env.ref("integration_mapping.flow_invoice").ids)],
            "backlog_limit": 1_000_000,
            "max_body_kb": 65536,
        }
    )
    env["integration.partner.link"].create(
        {
            "endpoint_id": billing.id,
            "company_id": be01.id,
            "external_id": "US01",
            "partner_id": us01.partner_id.id,
        }
    )
    reporting = env["integration.endpoint"].create(
        {
            "name": f"Bench IC reporting {run}",
            "code": f"BICR_{run}",
            "company_id": be01.id,
            "company_ids": [Command.set([c.id for c in companies.values()])],
            "reporting": True,
        }
    )
    _key, billing_key = env["integration.api.key"]._issue(billing)
    _key, reporting_key = env["integration.api.key"]._issue(reporting)
    rule = rules.filtered(lambda r: (r.company_id, r.target_company_id) == (be01, us01))
    env.cr.commit()
    return {
        "rules": rules,
        "rule": rule,
        "companies": companies,
        "billing": billing.id,
        "billing_key": billing_key,
        "reporting_key": reporting_key,
        "account_code": income_account(env, be01).with_company(be01).code,
    }


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=("all", "mirror", "recon"), default="all")
    parser.add_argument("--invoices", type=int, default=1_000, help="IC invoices mirrored end to end")
    parser.add_argument(
        "--post-batch", type=int, default=100, help="envelopes per POST, invoices per action_post"
    )
    parser.add_argument("--orm-batch", type=int, default=50, help="ORM baseline batch size")
    parser.add_argument("--warmup", type=int, default=20, help="invoices mirrored before the clock starts")
    parser.add_argument("--sizes", default="1000,10000", help="documents issued per entity, in growing order")
    parser.add_argument("--repeat", type=int, default=2, help="reconciliation runs per size (best kept)")
    parser.add_argument("--timeout", type=int, default=7200, help="seconds end to end before giving up")
    parser.add_argument("--no-update", action="store_true", help="do not update the addons first")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the benchmark database first")
    parser.add_argument("--no-analyze", action="store_true", help="measure without planner statistics")
    return parser.parse_args()


def main():
    args = parse_args()
    ensure_database(fresh=args.fresh, update=not args.no_update)
    run = uuid.uuid4().hex[:6].upper()
    conn = pg_connect()
    cancel_pending(conn)  # an interrupted run's messages would be processed with this run's
    conn.close()
    with orm_env() as env:
        ctx = setup(env, run)
        ids = {"rules": ctx["rules"].ids, "companies": [c.id for c in ctx["companies"].values()]}
        rule_id = ctx["rule"].id
        drafts = cycle_drafts = []
        if args.only != "recon":  # (b)'s and (c)'s invoices, made as drafts before any clock
            drafts = orm_invoices(env, ctx["rule"], f"{run}B", args.invoices, args.orm_batch, post=False)[
                "ids"
            ]
            cycle_drafts = orm_invoices(
                env, ctx["rule"], f"{run}Q", args.invoices, args.orm_batch, post=False
            )["ids"]
    print(f"database {DB}, run {run}, {load()}", flush=True)
    results = {"args": args}
    if args.only != "mirror":
        # First, so that the reconciliation reads its documents only (and what earlier runs left).
        sizes = [int(size) for size in args.sizes.split(",")]
        print(
            f"reconciliation: 5 entities issuing up to {sizes[-1]:,} documents each, with mirrors...",
            flush=True,
        )
        results["recon"] = reconciliation_sizes(ids, run, sizes, args.repeat, statistics=not args.no_analyze)
    if args.only != "recon":
        print(
            f"mirroring: {args.invoices:,} invoices, {analyze() if not args.no_analyze else load()}",
            flush=True,
        )
    with odoo_server(workers=0) as server:
        if args.only != "mirror":
            results["api"] = api_reconciliation(server, ctx["reporting_key"])
            print(f"  API: {results['api']}", flush=True)
        if args.only != "recon":
            e2e = mirrored_from_messages(
                server, ctx, run, args.invoices, args.post_batch, args.warmup, args.timeout
            )
            print(f"  (a) from invoice messages: {e2e}", flush=True)
            posting = mirrored_from_posting(server, DB, ctx, drafts, args.post_batch, args.timeout)
            print(f"  (b) from posting drafts: {posting}", flush=True)
            cycle = mirrored_in_a_batch_cycle(server, DB, cycle_drafts, args.orm_batch, args.timeout)
            print(f"  (c) a batch cycle of queued mirrors: {cycle}", flush=True)
            results.update(e2e=e2e, posting=posting, cycle=cycle)
    if args.only != "recon":
        results["orm"] = orm_baselines(rule_id, run, args.invoices, args.orm_batch)
        print(f"  ORM: {results['orm']}", flush=True)
    print()
    report(results)


if __name__ == "__main__":
    main()
