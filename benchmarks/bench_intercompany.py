"""integration_intercompany benchmark (issue 13, item 8).

(a) Intercompany invoices mirrored end to end: a client POSTs N ``invoice``
    messages of BE01 to US01's partner (/integration/v1/messages, in batches,
    with a key of its own endpoint) to a real server started as the README's
    run command does (threaded, Odoo's cron threads); the clock runs from the
    first POST until the last mirror bill is posted in US01 (watched in the
    database from outside: moves with ic_source_move_id and state posted).
    Beside it, in the same run, in-process (labelled so): Odoo's ORM creating
    and posting the same N bills in US01 in batches.
(b) The intercompany reconciliation (``integration.ic.reconciliation.engine``
    ``_compute``, what /reporting/intercompany calls) of the five demo
    entities with N documents issued by each (plus their mirrors), timed
    in-process at a smaller and a larger N to show how it grows; and the API
    call GET /integration/v1/reporting/intercompany?date=... through the
    server once at the larger N.

Prints figures, ratios and targets; asserts nothing. Documents left by earlier
runs are read by the reconciliation too: the table says how many it read
(--fresh starts from a new database).
"""

import argparse
import time
import uuid
from _queue import cancel_pending

import requests
from _harness import DB, CpuMeter, ensure_database, odoo_server, orm_env, pg_connect, table
from _ic_workload import (
    CUTOFF,
    ENTITIES,
    IcBooks,
    ensure_rules,
    ic_document_count,
    income_account,
    invoice_envelopes,
    orm_bills,
)
from _workload import encode_batches, post_bodies

FAILED = ("exception", "dead", "cancelled")


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


class MirrorWatch:
    """Posted mirrors of this run's invoices, and its messages that failed, as seen from outside."""

    def __init__(self, conn, endpoint_id, prefix):
        self.conn, self.endpoint_id, self.prefix = conn, endpoint_id, prefix

    def counts(self):
        with self.conn.cursor() as cr:
            cr.execute(
                """
                SELECT count(*) FROM account_move m
                  JOIN account_move s ON s.id = m.ic_source_move_id
                  JOIN integration_message im ON im.id = s.integration_message_id
                 WHERE im.endpoint_id = %s AND im.idempotency_key LIKE %s AND m.state = 'posted'
                """,
                [self.endpoint_id, f"{self.prefix}%"],
            )
            posted = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM integration_message WHERE correlation_id LIKE %s AND state = ANY(%s)",
                [f"{self.prefix}%", list(FAILED)],
            )
            return posted, cr.fetchone()[0]

    def wait(self, count, start, timeout):
        """Seconds from ``start`` until ``count`` mirrors are posted (or the others failed)."""
        while True:
            posted, failed = self.counts()
            if posted + failed >= count or time.perf_counter() - start > timeout:
                return time.perf_counter() - start, posted, failed
            time.sleep(0.2)  # observing from outside, as a client would poll


def mirrored_end_to_end(server, ctx, run, count, post_batch, warmup, timeout):
    conn = pg_connect()
    code = ctx["account_code"]
    if warmup:  # a served instance is warm: its first requests are not what users wait for
        bodies = encode_batches(invoice_envelopes(run, "W", warmup, code, "US01"), post_batch)
        start, _seconds, _ids = post_bodies(server.url, ctx["billing_key"], bodies)
        MirrorWatch(conn, ctx["billing"], f"icb-{run}-W-").wait(warmup, start, timeout)
    bodies = encode_batches(invoice_envelopes(run, "E", count, code, "US01"), post_batch)
    cpu = CpuMeter(server, conn)
    cpu.start()
    start, post_seconds, _ids = post_bodies(server.url, ctx["billing_key"], bodies)
    seconds, posted, failed = MirrorWatch(conn, ctx["billing"], f"icb-{run}-E-").wait(count, start, timeout)
    used = cpu.stop()
    conn.close()
    return {"seconds": seconds, "post_seconds": post_seconds, "posted": posted, "failed": failed, "cpu": used}


def reconcile(env, companies, repeat):
    """Best of ``repeat`` runs of the product's computation (seconds), with its pairs and explained items."""
    Engine = env["integration.ic.reconciliation.engine"]
    best = None
    for _attempt in range(repeat):
        env.invalidate_all()
        start = time.perf_counter()
        report = Engine._compute(companies, CUTOFF)
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    explained = sum(len(pair["explained"]) for pair in report["pairs"])
    return best, len(report["pairs"]), explained


def api_reconciliation(server, key):
    start = time.perf_counter()
    response = requests.get(
        f"{server.url}/integration/v1/reporting/intercompany",
        params={"date": CUTOFF},
        headers={"Authorization": f"Bearer {key}"},
        timeout=3600,
    )
    seconds = time.perf_counter() - start
    pairs = len(response.json().get("pairs", [])) if response.status_code == 200 else 0
    return {
        "seconds": seconds,
        "status": response.status_code,
        "pairs": pairs,
        "kb": len(response.content) / 1024,
    }


def reconciliation_sizes(ctx_ids, run, sizes, repeat):
    """Documents made up to each size in turn, the computation timed at each: [(size, docs read, seconds,
    pairs, explained)]."""
    conn = pg_connect()
    results, made = [], 0
    with orm_env() as env:
        rules = env["integration.intercompany.rule"].browse(ctx_ids["rules"])
        companies = env["res.company"].browse(ctx_ids["companies"])
        books = IcBooks(env, rules)
        for size in sizes:
            began = time.perf_counter()
            books.make(run, made, size - made)
            print(f"  {size:,} documents per entity made ({time.perf_counter() - began:,.0f} s)", flush=True)
            made = size
            documents = ic_document_count(conn, companies.ids)
            seconds, pairs, explained = reconcile(env, companies, repeat)
            print(f"  reconciliation of {documents:,} documents: {seconds:.2f} s", flush=True)
            results.append((size, documents, seconds, pairs, explained))
    conn.close()
    return results


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=1_000, help="IC invoices mirrored end to end")
    parser.add_argument("--post-batch", type=int, default=100, help="envelopes per POST")
    parser.add_argument("--orm-batch", type=int, default=50, help="ORM baseline batch size")
    parser.add_argument("--warmup", type=int, default=20, help="invoices mirrored before the clock starts")
    parser.add_argument("--docs-small", type=int, default=1_000, help="documents issued per entity, smaller")
    parser.add_argument("--docs-large", type=int, default=10_000, help="documents issued per entity, larger")
    parser.add_argument("--repeat", type=int, default=2, help="reconciliation runs per size (best kept)")
    parser.add_argument("--timeout", type=int, default=7200, help="seconds end to end before giving up")
    parser.add_argument("--no-update", action="store_true", help="do not update the addons first")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the benchmark database first")
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
    print(f"database {DB}, run {run}", flush=True)

    # (b) first, so that the reconciliation reads its documents only (and what earlier runs left).
    sizes = [args.docs_small, args.docs_large]
    print(
        f"(b) reconciliation: 5 entities issuing {sizes[0]:,} then {sizes[-1]:,} documents each, with their "
        f"mirrors (~{10 * sizes[-1]:,} moves made by the ORM, not timed)...",
        flush=True,
    )
    recon = reconciliation_sizes(ids, run, sizes, args.repeat)

    print(f"(a) {args.invoices:,} invoices end to end, then the reconciliation API...", flush=True)
    with odoo_server(workers=0) as server:
        api = api_reconciliation(server, ctx["reporting_key"])
        e2e = mirrored_end_to_end(server, ctx, run, args.invoices, args.post_batch, args.warmup, args.timeout)
    print(f"  end to end: {e2e}; API: {api}", flush=True)
    with orm_env() as env:
        rule = env["integration.intercompany.rule"].browse(rule_id)
        orm_seconds = orm_bills(env, rule, run, args.invoices, args.orm_batch)

    e2e_rate = e2e["posted"] / e2e["seconds"]
    orm_rate = args.invoices / orm_seconds
    (small, small_docs, small_s, small_pairs, small_items) = recon[0]
    (large, large_docs, large_s, large_pairs, large_items) = recon[-1]
    per_small, per_large = small_s / small_docs * 1000, large_s / large_docs * 1000
    print()
    table(
        [
            (
                f"(a) {args.invoices:,} IC invoices BE01 -> US01 mirrored, server (threaded, as the README)",
                f"{e2e_rate:,.1f} mirrors/s",
                f"{e2e_rate / orm_rate:.2f}x",
                ">= 0.75x",
            ),
            (
                "    first POST to last mirror posted; POSTs took; failed",
                f"{e2e['seconds']:,.1f} s",
                f"{e2e['post_seconds']:,.1f} s",
                f"{e2e['posted']:,} posted, {e2e['failed']:,} failed",
            ),
            (
                "    CPU used meanwhile: Odoo server, PostgreSQL (cores busy = CPU s / s)",
                f"{e2e['cpu']['odoo']:,.1f} s",
                f"{e2e['cpu']['postgres']:,.1f} s",
                f"{(e2e['cpu']['odoo'] + e2e['cpu']['postgres']) / e2e['seconds']:.2f} cores busy",
            ),
            (
                f"    baseline: ORM, the same bills in US01, batches of {args.orm_batch} (in-process)",
                f"{orm_rate:,.1f} bills/s",
                "1.00x",
                "",
            ),
            (
                f"(b) IC reconciliation, 5 entities x {small:,} documents (in-process, best of {args.repeat})",
                f"{small_s:,.2f} s",
                f"{per_small:.3f} ms/doc",
                f"{small_docs:,} docs read, {small_pairs} pairs, {small_items:,} explained",
            ),
            (
                f"    5 entities x {large:,} documents (in-process, best of {args.repeat})",
                f"{large_s:,.2f} s",
                f"{per_large:.3f} ms/doc",
                f"{large_docs:,} docs read, {large_pairs} pairs, {large_items:,} explained",
            ),
            (
                f"    growth {small:,} -> {large:,} per entity",
                f"{large_s / small_s:.2f}x time",
                f"{per_large / per_small:.2f}x per doc",
                f"{large_docs / small_docs:.2f}x documents (linear: ~1x per doc)",
            ),
            (
                f"    GET /reporting/intercompany?date={CUTOFF} through the server, {large:,}",
                f"{api['seconds']:,.2f} s",
                f"HTTP {api['status']}",
                f"{api['pairs']} pairs, {api['kb']:,.0f} KB",
            ),
        ],
        ("measure", "figure", "ratio", "notes"),
    )


if __name__ == "__main__":
    main()
