"""What the core benchmark sends and what it compares with.

Two-line journal entries, as a payroll system sends them, for the demo
entities BE01 and US01 (codes of their own charts); the client that POSTs
them; and the two baselines measured on the same entries: Odoo's ORM in
batches and Odoo's JSON-RPC API one entry per call.
"""

import json
import sys
import threading
import time

import requests

# Each entity's own codes: a salaries expense account and the payroll liability.
ACCOUNTS = {"BE01": ("620200", "455000"), "US01": ("621000", "230000")}


class Workload:
    """The entries of one benchmark run: one journal of its own per entity (a journal grown by
    earlier runs would slow every measure), idempotency keys unique to the run."""

    def __init__(self, run, journal):
        self.run = run
        self.journal = journal

    def payload(self, index, entity="BE01"):
        debit, credit = ACCOUNTS[entity]
        amount = f"{100 + index % 900}.{index % 100:02d}"
        return {
            "journal": self.journal,
            "date": "2026-11-30",
            "ref": f"BENCH-{entity}-{index}",
            "lines": [
                {"account": debit, "debit": amount, "credit": "0", "label": "Salaries"},
                {"account": credit, "debit": "0", "credit": amount, "label": "Net pay"},
            ],
        }

    def envelopes(self, count, prefix, entity="BE01"):
        return [
            {
                "flow": "journal_entry",
                "schema_version": "1.0",
                "entity": entity,
                "idempotency_key": f"{prefix}-{self.run}-{entity}-{index}",
                "payload": self.payload(index, entity),
            }
            for index in range(count)
        ]


def encode_batches(envelopes, batch_size):
    """Request bodies, encoded before any clock starts: figures are the server's, not the client's."""
    return [
        json.dumps({"messages": envelopes[i : i + batch_size]}).encode()
        for i in range(0, len(envelopes), batch_size)
    ]


def post_bodies(url, key, bodies, threads=1):
    """POST the bodies from ``threads`` clients: (start on the perf_counter clock, seconds, message ids).

    Exits when the server refuses an envelope."""
    responses = []

    def client(my_bodies):
        session = requests.Session()
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        for body in my_bodies:
            response = session.post(f"{url}/integration/v1/messages", data=body, headers=headers, timeout=600)
            responses.append(response)  # checked once the clock has stopped

    pool = [threading.Thread(target=client, args=(bodies[i::threads],)) for i in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    return start, elapsed, accepted_ids(responses, len(bodies))


def accepted_ids(responses, expected):
    errors, ids = [], []
    for response in responses:
        try:
            items = response.json()["results"]
        except (ValueError, KeyError):
            items = [{"status": response.text[:200]}]
        statuses = {item["status"] for item in items}
        if response.status_code != 200 or statuses != {"accepted"}:
            errors.append((response.status_code, statuses))
        ids += [item.get("id") for item in items]
    if len(responses) != expected or errors:
        sys.exit(f"the server refused envelopes: {errors[:3]}")
    return ids


def orm_baseline(env, workload, company, count, batch_size, first=0):
    """Odoo's ORM: create and post the same entries in batches, committing each batch (seconds)."""
    from odoo import Command

    debit, credit = ACCOUNTS[company.entity_code]
    account = env["account.account"].with_company(company)
    domain = [*account._check_company_domain(company), ("code", "in", [debit, credit])]
    accounts = {a.code: a for a in account.search(domain)}
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("code", "=", workload.journal)]
    )
    Move = env["account.move"].with_context(
        allowed_company_ids=[company.id], mail_create_nolog=True, mail_notrack=True
    )
    start = time.perf_counter()
    for batch_first in range(first, first + count, batch_size):
        vals_list = []
        for index in range(batch_first, min(batch_first + batch_size, first + count)):
            payload = workload.payload(index, company.entity_code)
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


class JsonRpc:
    """Odoo's external API as a direct integration would call it (admin / admin of the demo)."""

    def __init__(self, url, db):
        self.url, self.db = url, db
        self.session = requests.Session()

    def call(self, model, method, *args, **kwargs):
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.db, 2, "admin", model, method, list(args), kwargs],
            },
        }
        result = self.session.post(f"{self.url}/jsonrpc", json=body, timeout=120).json()
        if "error" in result:
            sys.exit(f"JSON-RPC error: {result['error']['data']['message']}")
        return result["result"]


def jsonrpc_baseline(url, db, workload, company_id, count):
    """Odoo's JSON-RPC API: one entry per call, create then post, as a direct integration does (seconds)."""
    rpc = JsonRpc(url, db)
    context = {"allowed_company_ids": [company_id]}
    debit, credit = ACCOUNTS["BE01"]
    rows = rpc.call(
        "account.account", "search_read", [["code", "in", [debit, credit]]], fields=["code"], context=context
    )
    accounts = {row["code"]: row["id"] for row in rows}
    journal_id = rpc.call(
        "account.journal",
        "search",
        [["company_id", "=", company_id], ["code", "=", workload.journal]],
        context=context,
    )[0]
    start = time.perf_counter()
    for index in range(count):
        payload = workload.payload(index)
        lines = [
            {
                "account_id": accounts[line["account"]],
                "name": line["label"],
                "balance": float(line["debit"]) - float(line["credit"]),
            }
            for line in payload["lines"]
        ]
        move_id = rpc.call(
            "account.move",
            "create",
            {
                "move_type": "entry",
                "journal_id": journal_id,
                "date": payload["date"],
                "ref": payload["ref"],
                "line_ids": [[0, 0, vals] for vals in lines],
            },
            context=context,
        )
        rpc.call("account.move", "action_post", [move_id], context=context)
    return time.perf_counter() - start


class HttpWatch:
    """Waiting as an independent client does: GET /integration/v1/messages/<id> until every message is final.

    ``every=False`` walks the messages in order and asks again only about the
    first one not final yet (a careful client); ``every=True`` asks about every
    pending message each round (a naive one), which loads the server too.
    """

    FINAL = ("done", "exception", "dead", "cancelled")

    def __init__(self, url, key, ids, every=False):
        self.url, self.ids, self.every = url, list(ids), every
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"
        self.requests = 0

    def state(self, message_id):
        self.requests += 1
        response = self.session.get(f"{self.url}/integration/v1/messages/{message_id}", timeout=120)
        response.raise_for_status()
        return response.json()["state"]

    def wait(self, start, interval=0.25, timeout=1800):
        """Seconds from ``start`` (perf_counter) until every message is final."""
        pending = self.ids
        while True:
            still = []
            for index, message_id in enumerate(pending):
                if self.state(message_id) not in self.FINAL:
                    if not self.every:
                        still = pending[index:]
                        break
                    still.append(message_id)
            pending = still
            now = time.perf_counter()
            if not pending:
                return now - start
            if now - start > timeout:
                raise RuntimeError(f"{len(pending)} messages not processed after {timeout} s")
            time.sleep(interval)
