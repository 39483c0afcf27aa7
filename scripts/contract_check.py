#!/usr/bin/env python3
"""Black-box check of a running server against the external API contract v1.

Written from ``api-contract.md`` only: it talks HTTP to ``/integration/v1`` as an
external system would, and prints one ``PASS``/``FAIL``/``SKIP`` line per check,
``NOTE`` lines for things that pass but look odd, and a summary. Exit status is 1
when any check fails, 0 otherwise.

Usage (from the repository root, against the server ``scripts/run.sh`` started)::

    .venv/bin/python scripts/contract_check.py
    .venv/bin/python scripts/contract_check.py --url http://localhost:8069 \\
        --payroll-key ik_... --shop-key ik_... --shop-secret 7a9c...

Credentials (option, else environment variable, else issued on the fly):

* ``--payroll-key`` / ``CONTRACT_PAYROLL_KEY``: an API key of endpoint DEMO_PAYROLL
  (entities BE01 and US01, flow journal_entry).
* ``--shop-key`` / ``CONTRACT_SHOP_KEY`` and ``--shop-secret`` / ``CONTRACT_SHOP_SECRET``:
  an API key and the current signing secret of endpoint DEMO_SHOP (entity BE01,
  flows partner and invoice).
* ``--bank-key`` / ``CONTRACT_BANK_KEY``: an API key of endpoint DEMO_BANK (flow bank_statement).
* ``--gateway-key`` / ``CONTRACT_GATEWAY_KEY``: an API key of endpoint DEMO_GATEWAY (flow payment_status).

``--only bank`` runs the bank checks alone (bank_statement, camt.053, reconciliation by
payment reference, payment_status); it needs no DEMO_PAYROLL key nor DEMO_SHOP secret. The bank
checks create a BE01 bank journal of their own (JSON-RPC, with a fresh IBAN) so that statement
continuity starts from nothing, and read statements and invoices back through JSON-RPC.

When a value is missing, and always for the throw-away keys of the revoke and
expiry checks, the script runs ``scripts/issue_key.sh`` (``--issue-cmd``), the
way an Odoo administrator issues keys (keys it issues for missing values stay
active; the throw-away ones are revoked). Issuing a DEMO_SHOP secret makes a new
signing secret current, so pass key and secret together or neither.

Outside the contract, and as an Odoo administrator would, the script uses Odoo's
standard external JSON-RPC API (``--db``, ``--rpc-uid``, ``--rpc-password``;
``CONTRACT_DB``, ``CONTRACT_RPC_UID``, ``CONTRACT_RPC_PASSWORD``) to: switch
``require_signature``, ``reporting``, ``hold``, ``backlog_limit`` and ``max_body_kb`` on
``integration.endpoint``; revoke or expire a throw-away ``integration.api.key``;
set and clear BE01's ``fiscalyear_lock_date``; and read the produced journal
entries back. Every setting changed is restored in a ``finally`` block.

Only the standard library and ``requests`` are used. The checks live in
``scripts/contract_checks/``, one module per part of the contract; this file runs them.
"""

from __future__ import annotations

import argparse
import os
import sys

from contract_checks.access import check_auth, check_forbidden, check_isolation, check_signature
from contract_checks.bank import Bank, check_statement_edges, check_statement_exactness, check_statements
from contract_checks.bank_camt import check_camt, check_camt_edges, check_camt_variants
from contract_checks.bank_camt_hostile import check_camt_refused
from contract_checks.bank_payments import (
    check_camt_reconciliation,
    check_payment_status,
    check_reconciliation,
)
from contract_checks.envelopes import (
    check_accept_and_duplicate,
    check_health,
    check_invalid,
    check_malformed,
    check_media_type,
)
from contract_checks.events import event_steps
from contract_checks.harness import ROOT, RUN, TODAY, Api, R, Rpc, issue_key
from contract_checks.hostile import check_hostile_batch, check_hostile_envelopes, check_hostile_requests
from contract_checks.intercompany import intercompany_steps
from contract_checks.limits import check_batch, check_busy, check_hold, check_too_large
from contract_checks.processing import check_concurrency, check_locked_period, check_processing
from contract_checks.signed_reads import check_signed_reads


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    env = os.environ.get
    p.add_argument("--url", default=env("CONTRACT_URL", "http://localhost:8069"))
    p.add_argument("--payroll-key", default=env("CONTRACT_PAYROLL_KEY"))
    p.add_argument("--shop-key", default=env("CONTRACT_SHOP_KEY"))
    p.add_argument("--shop-secret", default=env("CONTRACT_SHOP_SECRET"))
    p.add_argument("--bank-key", default=env("CONTRACT_BANK_KEY"))
    p.add_argument("--gateway-key", default=env("CONTRACT_GATEWAY_KEY"))
    p.add_argument(
        "--only",
        choices=["bank", "events", "intercompany"],
        help="run only one group of checks (bank: statements, camt.053, payments; events: webhooks, AMQP, "
        "metrics, OpenAPI; intercompany: mirrors, allocation, IC reconciliation, consolidated TB, close)",
    )
    p.add_argument("--db", default=env("CONTRACT_DB", "integration_demo"))
    p.add_argument("--rpc-uid", type=int, default=int(env("CONTRACT_RPC_UID", "2")))
    p.add_argument("--rpc-password", default=env("CONTRACT_RPC_PASSWORD", "admin"))
    p.add_argument("--issue-cmd", default=env("CONTRACT_ISSUE_CMD", str(ROOT / "scripts" / "issue_key.sh")))
    a = p.parse_args()

    api = Api(a.url)
    rpc = Rpc(a.url, a.db, a.rpc_uid, a.rpc_password)
    issue_cmd = a.issue_cmd.split()
    if not a.payroll_key and a.only != "bank":  # the events checks post entries with it too
        a.payroll_key = issue_key(issue_cmd, "DEMO_PAYROLL")
    if a.only == "bank":
        a.shop_key = a.shop_key or issue_key(issue_cmd, "DEMO_SHOP")
    elif not (a.shop_key and a.shop_secret):
        a.shop_key, a.shop_secret = issue_key(issue_cmd, "DEMO_SHOP", secret=True)
    a.bank_key, a.gateway_key = (
        a.bank_key or issue_key(issue_cmd, "DEMO_BANK"),
        a.gateway_key or issue_key(issue_cmd, "DEMO_GATEWAY"),
    )
    print(
        f"run {RUN} against {a.url} on {TODAY} (payroll key {(a.payroll_key or '-')[:11]}..., "
        f"shop key {a.shop_key[:11]}..., bank key {a.bank_key[:11]}..., gateway key {a.gateway_key[:11]}...)"
    )

    basic = {}  # the first accepted message, which the batch checks resend

    def accept_and_duplicate():
        basic["id"], basic["envelope"] = check_accept_and_duplicate(api, a.payroll_key)

    def batch():
        if not basic.get("id"):
            R.skip("batch", "the basic message was not accepted")
            return
        check_batch(api, a.payroll_key, basic["envelope"], basic["id"])

    steps = [
        ("health", lambda: check_health(api)),
        ("accept/duplicate/conflict/read", accept_and_duplicate),
        ("batch", batch),
        ("malformed", lambda: check_malformed(api, a.payroll_key)),
        ("media type", lambda: check_media_type(api, a.payroll_key)),
        ("auth", lambda: check_auth(api, a.payroll_key, rpc, issue_cmd)),
        ("signature", lambda: check_signature(api, rpc, a.shop_key, a.shop_secret)),
        ("signed reads", lambda: check_signed_reads(api, rpc, a.shop_key, a.shop_secret)),
        ("forbidden", lambda: check_forbidden(api, a.payroll_key, a.shop_key)),
        ("invalid", lambda: check_invalid(api, a.payroll_key)),
        ("hostile envelopes", lambda: check_hostile_envelopes(api, a.payroll_key)),
        ("hostile batch", lambda: check_hostile_batch(api, a.payroll_key)),
        ("hostile requests", lambda: check_hostile_requests(api, a.payroll_key)),
        ("too large", lambda: check_too_large(api, rpc, a.payroll_key)),
        ("busy", lambda: check_busy(api, rpc, a.payroll_key)),
        ("hold", lambda: check_hold(api, rpc, a.payroll_key)),
        ("isolation", lambda: check_isolation(api, rpc, a.payroll_key, a.shop_key)),
        ("processing", lambda: check_processing(api, rpc, a.payroll_key)),
        ("concurrency", lambda: check_concurrency(api, rpc, a.payroll_key)),
        ("locked period", lambda: check_locked_period(api, rpc, a.payroll_key)),
    ]
    bank = {}  # the run's own BE01 bank journal (made on the first bank step), shared by the bank steps

    def bank_step(check):
        def run():
            if "b" not in bank:
                bank["b"] = Bank(api, rpc, a.bank_key, a.gateway_key, a.shop_key)
            check(bank["b"])

        return run

    bank_steps = [
        ("bank statements", bank_step(check_statements)),
        ("bank statement edges", bank_step(check_statement_edges)),
        ("bank statement exactness", bank_step(check_statement_exactness)),
        ("camt.053", bank_step(check_camt)),
        ("camt.053 variants", bank_step(check_camt_variants)),
        ("camt.053 versions, entity, size", bank_step(check_camt_edges)),
        ("camt.053 refused", bank_step(check_camt_refused)),
        ("bank reconciliation", bank_step(check_reconciliation)),
        ("camt.053 reconciliation", bank_step(check_camt_reconciliation)),
        ("payment status", bank_step(check_payment_status)),
    ]
    events_steps, events_cleanup = event_steps(
        api, rpc, lambda: a.payroll_key, lambda code: issue_key(issue_cmd, code)
    )
    ic_steps = intercompany_steps(api, rpc, lambda code: issue_key(issue_cmd, code))
    groups = {"bank": bank_steps, "events": events_steps, "intercompany": ic_steps}
    steps = groups[a.only] if a.only else steps + bank_steps + events_steps + ic_steps
    for name, step in steps:
        print(f"\n--- {name}")
        try:
            step()
        except Exception as exc:  # a crash in one group must not hide the others
            R.check(f"{name}: check group ran to the end", False, name, "no exception", repr(exc))
    events_cleanup()
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
