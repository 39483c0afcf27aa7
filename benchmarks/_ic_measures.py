"""The intercompany benchmark's measures: mirroring through a real server, the ORM beside it, the
reconciliation at growing sizes. See bench_intercompany.py for what each one means."""

import os
import time

import requests
from _harness import CpuMeter, orm_env, pg_connect
from _ic_workload import CUTOFF, IcBooks, ic_document_count, invoice_envelopes, orm_bills, orm_invoices
from _workload import JsonRpc, encode_batches, post_bodies

FAILED = ("exception", "dead", "cancelled")


def analyze():
    """VACUUM ANALYZE the database, as autovacuum would after bulk inserts (it is off on these machines):
    without statistics the planner reads whole tables for Odoo's numbering and matching queries, a cost
    that grows run after run. Returns the load averages, printed beside each figure."""
    conn = pg_connect()
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE")
    conn.close()
    return load()


def load():
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


class MirrorWatch:
    """Posted mirrors of given sources, and the messages that failed, as seen from outside.

    ``sources``: an SQL condition on the source move ``s`` and its parameters."""

    def __init__(self, conn, sources, params, failed_like):
        self.conn, self.sources, self.params, self.failed_like = conn, sources, params, failed_like

    def counts(self):
        with self.conn.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM account_move m JOIN account_move s ON s.id = m.ic_source_move_id "
                f"WHERE m.state = 'posted' AND {self.sources}",
                self.params,
            )
            posted = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM integration_message WHERE idempotency_key LIKE ANY(%s) AND state = ANY(%s)",
                [self.failed_like, list(FAILED)],
            )
            return posted, cr.fetchone()[0]

    def wait(self, count, start, timeout):
        """Seconds from ``start`` until ``count`` mirrors are posted (or the others failed)."""
        while True:
            posted, failed = self.counts()
            if posted + failed >= count or time.perf_counter() - start > timeout:
                return time.perf_counter() - start, posted, failed
            time.sleep(0.2)  # observing from outside, as a client would poll


def _message_watch(conn, ctx, prefix):
    sources = (
        "s.integration_message_id IN (SELECT id FROM integration_message "
        "WHERE endpoint_id = %s AND idempotency_key LIKE %s)"
    )
    return MirrorWatch(conn, sources, [ctx["billing"], f"{prefix}%"], [f"{prefix}%"])


def _drafts_watch(conn, draft_ids):
    """The mirrors of draft invoices made beforehand, and their failed messages."""
    return MirrorWatch(
        conn, "s.id = ANY(%s)", [list(draft_ids)], [f"ic-{move_id}-r%-post" for move_id in draft_ids]
    )


def _clocked(server, conn, watch, count, timeout, requests):
    """Call ``requests`` (what starts the clocked work) and wait for ``count`` mirrors posted: the
    seconds to the last one, the requests' own seconds, CPU used meanwhile and the load."""
    cpu = CpuMeter(server, conn)
    before = load()
    cpu.start()
    start = time.perf_counter()
    try:
        requests()
        request_seconds = time.perf_counter() - start
        seconds, posted, failed = watch.wait(count, start, timeout)
    finally:
        used = cpu.stop()
    return {
        "seconds": seconds,
        "post_seconds": request_seconds,
        "posted": posted,
        "failed": failed,
        "cpu": used,
        "load": f"{before} / {load()}",
    }


def mirrored_from_messages(server, ctx, run, count, post_batch, warmup, timeout):
    """(a) ``invoice`` messages POSTed; each makes and posts an invoice in BE01, whose posting queues a
    mirror message, processed into a posted bill in US01. First POST to last mirror posted."""
    conn = pg_connect()
    code = ctx["account_code"]
    if warmup:  # a served instance is warm: its first requests are not what users wait for
        bodies = encode_batches(invoice_envelopes(run, "W", warmup, code, "US01"), post_batch)
        start, _seconds, _ids = post_bodies(server.url, ctx["billing_key"], bodies)
        _message_watch(conn, ctx, f"icb-{run}-W-").wait(warmup, start, timeout)
    bodies = encode_batches(invoice_envelopes(run, "E", count, code, "US01"), post_batch)
    try:
        return _clocked(
            server,
            conn,
            _message_watch(conn, ctx, f"icb-{run}-E-"),
            count,
            timeout,
            lambda: post_bodies(server.url, ctx["billing_key"], bodies),
        )
    finally:
        conn.close()


def mirrored_from_posting(server, db, ctx, draft_ids, post_batch, timeout):
    """(b) Draft IC invoices made beforehand, posted through Odoo's JSON-RPC (``action_post``, batches of
    ``post_batch``, as a user or a script posts them): the posting queues the mirror messages, processed
    into posted bills in US01. First ``action_post`` call to last mirror posted."""
    rpc = JsonRpc(server.url, db)
    context = {"allowed_company_ids": [ctx["companies"]["BE01"].id]}

    def post_all():
        for first in range(0, len(draft_ids), post_batch):
            rpc.call("account.move", "action_post", draft_ids[first : first + post_batch], context=context)

    conn = pg_connect()
    try:
        return _clocked(server, conn, _drafts_watch(conn, draft_ids), len(draft_ids), timeout, post_all)
    finally:
        conn.close()


MIRROR_FLOW = "integration_intercompany.flow_intercompany_mirror"


def _closed_window():
    """A batch window that is not open now (UTC): an hour twelve hours away."""
    hour = time.gmtime().tm_hour
    return {
        "mode": "batch",
        "window_tz": "UTC",
        "window_start": (hour + 12) % 24,
        "window_end": (hour + 13) % 24,
    }


def _queue_behind_closed_window(draft_ids, post_batch):
    """Post the drafts (ORM) with the mirror flow's window closed: their mirror messages wait. The flow's
    id, its window as it was, the posting's seconds and how many mirror messages wait."""
    with orm_env() as env:
        flow = env.ref(MIRROR_FLOW)
        window = flow.read(["mode", "window_tz", "window_start", "window_end"])[0]
        window.pop("id")
        flow.write(_closed_window())
        env.cr.commit()
        try:
            moves = env["account.move"].browse(draft_ids)
            start = time.perf_counter()
            for first in range(0, len(draft_ids), post_batch):
                moves[first : first + post_batch]._post(soft=False)
                env.cr.commit()
            posting_seconds = time.perf_counter() - start
            env.cr.execute(
                "SELECT count(*) FROM integration_message WHERE idempotency_key LIKE ANY(%s) AND state = 'received'",
                [[f"ic-{move_id}-r%-post" for move_id in draft_ids]],
            )
            waiting = env.cr.fetchone()[0]
        except Exception:
            env.cr.rollback()
            flow.write(window)
            env.cr.commit()
            raise
        return flow.id, window, posting_seconds, waiting


def mirrored_in_a_batch_cycle(server, db, draft_ids, post_batch, timeout):
    """(c) The mirroring alone, as a group running it in batch cycles has it: the mirror flow in a batch
    window, the day's IC invoices posted (ORM, untimed: their mirror messages wait in the queue), then
    the window opened by a JSON-RPC write on the flow. First call to last mirror posted: the queue,
    the mapping and the bills, the work the issue compares with the ORM making the bills."""
    flow_id, window, posting_seconds, waiting = _queue_behind_closed_window(draft_ids, post_batch)
    rpc = JsonRpc(server.url, db)
    conn = pg_connect()
    try:
        result = _clocked(
            server,
            conn,
            _drafts_watch(conn, draft_ids),
            len(draft_ids),
            timeout,
            lambda: rpc.call("integration.flow", "write", [flow_id], window),
        )
    finally:
        rpc.call("integration.flow", "write", [flow_id], window)  # opened again if the measure failed
        conn.close()
    return {**result, "waiting": waiting, "posting_seconds": posting_seconds}


def orm_baselines(rule_id, run, count, batch):
    """Odoo's ORM, in-process, on what each end-to-end side makes: the bills alone; the invoices created
    and posted; drafts posted (drafts made first, untimed). The rule is paused meanwhile, so that the
    ORM's invoices queue nothing. Seconds for each, and the load."""
    with orm_env() as env:
        rule = env["integration.intercompany.rule"].browse(rule_id)
        rule.write({"active": False})
        env.cr.commit()
        try:
            before = load()
            bills = orm_bills(env, rule, run, count, batch)
            created = orm_invoices(env, rule, f"{run}C", count, batch, post=True)
            drafts = orm_invoices(env, rule, f"{run}D", count, batch, post=False)
            start = time.perf_counter()
            moves = env["account.move"].browse(drafts["ids"])
            for first in range(0, count, batch):
                moves[first : first + batch]._post(soft=False)
                env.cr.commit()
            posted = time.perf_counter() - start
        finally:
            env.cr.rollback()
            rule.write({"active": True})
            env.cr.commit()
    return {
        "bills": bills,
        "invoices": created["seconds"],
        "post": posted,
        "load": f"{before} / {load()}",
    }


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


def reconciliation_sizes(ctx_ids, run, sizes, repeat, statistics=True):
    """Documents made up to each size in turn, the computation timed at each (after VACUUM ANALYZE):
    [(size, docs read, seconds, pairs, explained, load)]."""
    conn = pg_connect()
    results, made = [], 0

    def progress(entity, done):
        if done % 2000 == 0:  # the numbering's lookups need fresh statistics as the journals grow
            with conn.cursor() as cr:
                cr.execute("ANALYZE account_move")
            print(f"    {entity}: {done:,} ({time.perf_counter() - began:,.0f} s, {load()})", flush=True)

    with orm_env() as env:
        rules = env["integration.intercompany.rule"].browse(ctx_ids["rules"])
        companies = env["res.company"].browse(ctx_ids["companies"])
        books = IcBooks(env, rules)
        for size in sizes:
            began = time.perf_counter()
            books.make(run, made, size - made, progress=progress)
            print(f"  {size:,} documents per entity made ({time.perf_counter() - began:,.0f} s)", flush=True)
            made = size
            documents = ic_document_count(conn, companies.ids)
            measured_load = analyze() if statistics else load()
            seconds, pairs, explained = reconcile(env, companies, repeat)
            print(
                f"  reconciliation of {documents:,} documents: {seconds:.2f} s ({measured_load})", flush=True
            )
            results.append((size, documents, seconds, pairs, explained, measured_load))
    conn.close()
    return results
