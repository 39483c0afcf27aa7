"""integration_core benchmark (issue: message engine).

(a) Ingestion: 10,000 journal_entry envelopes POSTed in batches of 1,000 to a
    real Odoo server (2 workers): messages stored per second.
(b) Processing: 2,000 queued two-line entries to posted moves by the engine,
    against two baselines on the same data in the same run:
      - Odoo's ORM creating and posting them in batches (what Odoo does at best);
      - Odoo's external JSON-RPC API, create then post, one entry per call
        (the "direct API integration" a team would otherwise write).
Prints the figures, the ratios and the targets side by side.
"""

import argparse
import json
import sys
import threading
import time
import uuid

import requests
from _harness import ensure_database, odoo_server, orm_env, peak_rss_mb, table

DEBIT, CREDIT = "620200", "455000"
# A journal of its own per run: a journal grown by earlier runs would slow every measure.
JOURNAL = "MISC"


def entry_payload(index):
    amount = f"{100 + index % 900}.{index % 100:02d}"
    return {
        "journal": JOURNAL,
        "date": "2026-11-30",
        "ref": f"BENCH-{index}",
        "lines": [
            {"account": DEBIT, "debit": amount, "credit": "0", "label": "Salaries"},
            {"account": CREDIT, "debit": "0", "credit": amount, "label": "Net pay"},
        ],
    }


def setup_endpoint(env, code):
    from odoo import Command

    be01 = env["res.company"]._find_by_entity_code("BE01")
    endpoint = env["integration.endpoint"].with_context(active_test=False).search([("code", "=", code)])
    if not endpoint:
        endpoint = env["integration.endpoint"].create(
            {
                "name": f"Benchmark {code}",
                "code": code,
                "company_id": be01.id,
                "company_ids": [Command.set(be01.ids)],
                "flow_ids": [Command.set(env.ref("integration_mapping.flow_journal_entry").ids)],
                "backlog_limit": 1_000_000,
                "max_body_kb": 65536,
            }
        )
    _key, raw = env["integration.api.key"]._issue(endpoint)
    env.cr.commit()
    return endpoint, raw, be01


def post_batches(url, key, envelopes, batch_size=1000, threads=2):
    # Bodies are encoded before the clock starts: the figure is the server's, not the client's JSON encoder's.
    bodies = [
        json.dumps({"messages": envelopes[i : i + batch_size]}).encode()
        for i in range(0, len(envelopes), batch_size)
    ]
    responses = []

    def worker(my_bodies):
        session = requests.Session()
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        for body in my_bodies:
            response = session.post(f"{url}/integration/v1/messages", data=body, headers=headers, timeout=300)
            responses.append(response)  # checked once the clock has stopped

    pool = [threading.Thread(target=worker, args=(bodies[i::threads],)) for i in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    errors = []
    for response in responses:
        statuses = {item["status"] for item in response.json()["results"]}
        if response.status_code != 200 or statuses != {"accepted"}:
            errors.append((response.status_code, statuses))
    if len(responses) != len(bodies) or errors:
        sys.exit(f"ingestion refused envelopes: {errors[:3]}")
    return elapsed


def envelopes_for(run, count, prefix):
    return [
        {
            "flow": "journal_entry",
            "schema_version": "1.0",
            "entity": "BE01",
            "idempotency_key": f"{prefix}-{run}-{index}",
            "payload": entry_payload(index),
        }
        for index in range(count)
    ]


def orm_baseline(env, be01, count, batch_size):
    """Odoo's ORM: create and post the same entries in batches, committing each batch."""
    from odoo import Command

    account = env["account.account"].with_company(be01)
    accounts = {
        a.code: a
        for a in account.search([*account._check_company_domain(be01), ("code", "in", [DEBIT, CREDIT])])
    }
    journal = env["account.journal"].search([("company_id", "=", be01.id), ("code", "=", JOURNAL)])
    Move = env["account.move"].with_context(
        allowed_company_ids=[be01.id], mail_create_nolog=True, mail_notrack=True
    )
    start = time.perf_counter()
    for first in range(0, count, batch_size):
        vals_list = []
        for index in range(first, min(first + batch_size, count)):
            payload = entry_payload(index)
            vals_list.append(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": payload["date"],
                    "ref": payload["ref"],
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": accounts[line["account"]].id,
                                "name": line["label"],
                                "balance": float(line["debit"]) - float(line["credit"]),
                            }
                        )
                        for line in payload["lines"]
                    ],
                }
            )
        Move.create(vals_list)._post(soft=False)
        env.cr.commit()
    return time.perf_counter() - start


def jsonrpc_baseline(url, be01_id, count):
    """Odoo's external JSON-RPC API: one entry per call (create, then post)."""
    session = requests.Session()

    def call(model, method, *args, **kwargs):
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [DB_NAME[0], 2, "admin", model, method, list(args), kwargs],
            },
        }
        result = session.post(f"{url}/jsonrpc", json=body, timeout=60).json()
        if "error" in result:
            sys.exit(f"JSON-RPC error: {result['error']['data']['message']}")
        return result["result"]

    context = {"allowed_company_ids": [be01_id]}
    accounts = {
        row["code"]: row["id"]
        for row in call(
            "account.account",
            "search_read",
            [["code", "in", [DEBIT, CREDIT]]],
            fields=["code"],
            context=context,
        )
    }
    journal_id = call(
        "account.journal", "search", [["company_id", "=", be01_id], ["code", "=", JOURNAL]], context=context
    )[0]
    start = time.perf_counter()
    for index in range(count):
        payload = entry_payload(index)
        move_id = call(
            "account.move",
            "create",
            {
                "move_type": "entry",
                "journal_id": journal_id,
                "date": payload["date"],
                "ref": payload["ref"],
                "line_ids": [
                    [
                        0,
                        0,
                        {
                            "account_id": accounts[line["account"]],
                            "name": line["label"],
                            "balance": float(line["debit"]) - float(line["credit"]),
                        },
                    ]
                    for line in payload["lines"]
                ],
            },
            context=context,
        )
        call("account.move", "action_post", [move_id], context=context)
    return time.perf_counter() - start


DB_NAME = [None]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ingest", type=int, default=10_000)
    parser.add_argument("--process", type=int, default=2_000)
    parser.add_argument("--rpc", type=int, default=200, help="entries for the JSON-RPC baseline (slow)")
    parser.add_argument("--batch", type=int, default=50, help="engine batch size")
    parser.add_argument("--orm-batch", type=int, default=100, help="ORM baseline batch size")
    args = parser.parse_args()

    from _harness import DB

    DB_NAME[0] = DB
    ensure_database()
    run = uuid.uuid4().hex[:8]
    global JOURNAL  # noqa: PLW0603 - one journal for every measure of this run
    JOURNAL = f"B{run[:4].upper()}"
    with orm_env() as env:
        # Leftovers of an interrupted run would be processed with this run's messages.
        env.cr.execute(
            "UPDATE integration_message SET state = 'cancelled', cancel_reason = 'benchmark leftover' "
            "WHERE state IN ('received', 'retry', 'processing')"
        )
        env.cr.commit()
        _ingest_endpoint, ingest_key, be01 = setup_endpoint(env, "BENCH_INGEST")
        env["account.journal"].create(
            {"name": f"Benchmark {JOURNAL}", "code": JOURNAL, "type": "general", "company_id": be01.id}
        )
        env.cr.commit()
        process_endpoint, process_key, _be01 = setup_endpoint(env, "BENCH_PROCESS")
        with odoo_server(workers=2) as url:
            post_batches(url, ingest_key, envelopes_for(run, 2000, "warm"))  # workers load their caches
            ingest_seconds = post_batches(url, ingest_key, envelopes_for(run, args.ingest, "ing"))
            # Keep the ingestion benchmark's messages out of the processing one.
            env.cr.execute(
                "UPDATE integration_message SET state = 'cancelled', cancel_reason = 'benchmark' "
                "WHERE idempotency_key LIKE %s OR idempotency_key LIKE %s",
                [f"ing-{run}-%", f"warm-{run}-%"],
            )
            env.cr.commit()
            post_batches(url, process_key, envelopes_for(run, args.process, "proc"))
            rpc_seconds = jsonrpc_baseline(url, be01.id, args.rpc)

        rss_before = peak_rss_mb()
        start = time.perf_counter()
        processed = env["integration.message"]._process_queue(batch_size=args.batch, commit=True)
        engine_seconds = time.perf_counter() - start
        rss_engine = peak_rss_mb()
        env.cr.execute(
            "SELECT state, count(*) FROM integration_message WHERE endpoint_id = %s AND idempotency_key LIKE %s "
            "GROUP BY state",
            [process_endpoint.id, f"proc-{run}-%"],
        )
        states = dict(env.cr.fetchall())
        env.cr.execute(
            "SELECT count(*) FROM account_move m JOIN integration_message i ON i.id = m.integration_message_id "
            "WHERE i.idempotency_key LIKE %s AND m.state = 'posted'",
            [f"proc-{run}-%"],
        )
        posted = env.cr.fetchone()[0]
        orm_seconds = orm_baseline(env, be01, args.process, args.orm_batch)

    ingest_rate = args.ingest / ingest_seconds
    engine_rate = args.process / engine_seconds
    orm_rate = args.process / orm_seconds
    rpc_rate = args.rpc / rpc_seconds
    print()
    print(f"messages processed: {processed}; states: {states}; posted moves: {posted}")
    table(
        [
            ("ingestion (HTTP, batches of 1000)", f"{ingest_rate:,.0f} msg/s", "", "", ">= 2,000 msg/s"),
            (f"processing: engine (batch {args.batch})", f"{engine_rate:,.1f} entries/s", "", "", ""),
            (
                f"baseline: ORM batches of {args.orm_batch}",
                f"{orm_rate:,.1f} entries/s",
                f"{engine_rate / orm_rate:.2f}x",
                "engine / ORM",
                ">= 0.75x",
            ),
            (
                "baseline: JSON-RPC one per call",
                f"{rpc_rate:,.1f} entries/s",
                f"{engine_rate / rpc_rate:.1f}x",
                "engine / JSON-RPC",
                ">= 6x",
            ),
            ("engine process peak RSS", f"{rss_engine:,.0f} MB", f"(before: {rss_before:,.0f} MB)", "", ""),
        ],
        ("measure", "figure", "ratio", "", "target"),
    )


if __name__ == "__main__":
    main()
