"""integration_mapping benchmark (issue: mapping tables and the invoice flow).

(a) The invoice flow end to end (stored messages to posted invoices, three
    lines and two taxes each) against Odoo's ORM creating and posting the same
    invoices in batches, in the same run.
(b) The resolver's cost per code with a warm cache, reading the entity's own
    codes and reading an approved mapping table.
"""

import argparse
import time
import uuid

from _harness import ensure_database, orm_env, table

LINES = [
    ("Widget", "2", "50.00", "700000", ["21%"]),
    ("Book", "3", "12.50", "700000", ["6%"]),
    ("Service", "1", "200.00", "700000", ["21%"]),
]


def invoice_payload(index, partner_code):
    return {
        "move_type": "out_invoice",
        "partner": partner_code,
        "number": f"BENCH-{index}",
        "invoice_date": "2026-11-30",
        "due_date": "2026-12-30",
        "currency": "EUR",
        "lines": [
            {"label": label, "quantity": qty, "price_unit": price, "account": account, "taxes": taxes}
            for label, qty, price, account, taxes in LINES
        ],
        "post": True,
    }


def setup(env, run):
    from odoo import Command

    be01 = env["res.company"]._find_by_entity_code("BE01")
    endpoint = env["integration.endpoint"].create(
        {
            "name": f"Benchmark shop {run}",
            "code": f"BSHOP_{run}",
            "company_id": be01.id,
            "company_ids": [Command.set(be01.ids)],
            "flow_ids": [Command.set(env.ref("integration_mapping.flow_invoice").ids)],
            "backlog_limit": 1_000_000,
        }
    )
    partner = env["res.partner"].create(
        {"name": f"Bench customer {run}", "ref": f"CUS-{run}", "company_id": be01.id, "is_company": True}
    )
    env.cr.commit()
    return endpoint, partner, be01


def orm_baseline(env, be01, partner, count, *, batch_size, run):
    """Odoo's ORM: the same invoices created in batches and posted, committing each batch."""
    from odoo import Command

    Account = env["account.account"].with_company(be01)
    account = Account.search([*Account._check_company_domain(be01), ("code", "=", "700000")])
    taxes = {
        tax.name: tax
        for tax in env["account.tax"].search(
            [("company_id", "=", be01.id), ("type_tax_use", "=", "sale"), ("name", "in", ["21%", "6%"])]
        )
    }
    journal = env["account.journal"].search([("company_id", "=", be01.id), ("type", "=", "sale")], limit=1)
    Move = env["account.move"].with_context(
        allowed_company_ids=[be01.id], mail_create_nolog=True, mail_notrack=True
    )
    start = time.perf_counter()
    for first in range(0, count, batch_size):
        vals_list = [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "journal_id": journal.id,
                "invoice_date": "2026-11-30",
                "invoice_date_due": "2026-12-30",
                "ref": f"ORM-{run}-{index}",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": label,
                            "quantity": float(qty),
                            "price_unit": float(price),
                            "account_id": account.id,
                            "tax_ids": [Command.set([taxes[t].id for t in tx])],
                        }
                    )
                    for label, qty, price, _account, tx in LINES
                ],
            }
            for index in range(first, min(first + batch_size, count))
        ]
        Move.create(vals_list).action_post()
        env.cr.commit()
    return time.perf_counter() - start


def resolver_cost(env, endpoint, be01, calls):
    """Microseconds per resolve() with a warm cache, own codes and through an approved table."""
    Message = env["integration.message"]
    message = Message.search([("endpoint_id", "=", endpoint.id)], limit=1)
    codes = ["700000", "400000", "620200", "455000", "440000"]
    figures = {}
    resolver = env["integration.code.resolver"]._for_messages(message)
    problems = []
    for code in codes:
        resolver.resolve("account", code, problems, date=None)
    start = time.perf_counter()
    for index in range(calls):
        resolver.resolve("account", codes[index % len(codes)], problems)
    figures["own codes"] = (time.perf_counter() - start) / calls * 1e6
    figures["mapping table"] = _resolver_with_table(env, endpoint, be01, message, codes=codes, calls=calls)
    return figures


def _resolver_with_table(env, endpoint, be01, message, *, codes, calls):
    """The same lookups through an approved account table (external codes EXT-<code>)."""
    from odoo import Command

    Account = env["account.account"].with_company(be01)
    accounts = Account.search([*Account._check_company_domain(be01), ("code", "in", codes)])
    table_ = env["integration.mapping.table"].create(
        {"endpoint_id": endpoint.id, "company_id": be01.id, "mapping_type": "account"}
    )
    version = env["integration.mapping.version"].create(
        {
            "table_id": table_.id,
            "effective_date": "2026-01-01",
            "line_ids": [
                Command.create({"external_code": f"EXT-{a.code}", "account_id": a.id}) for a in accounts
            ],
        }
    )
    approver = env["res.users"].create(
        {
            "name": f"Bench approver {uuid.uuid4().hex[:6]}",
            "login": f"bench-approver-{uuid.uuid4().hex[:6]}",
            "company_id": be01.id,
            "company_ids": [Command.set(be01.ids)],
            "group_ids": [Command.set([env.ref("integration_core.group_integration_manager").id])],
        }
    )
    version.action_submit()
    version.with_user(approver).action_approve()
    resolver = env["integration.code.resolver"]._for_messages(message)
    problems = []
    date = version.effective_date
    for code in codes:
        resolver.resolve("account", f"EXT-{code}", problems, date=date)
    assert not problems, problems
    start = time.perf_counter()
    for index in range(calls):
        resolver.resolve("account", f"EXT-{codes[index % len(codes)]}", problems, date=date)
    elapsed = (time.perf_counter() - start) / calls * 1e6
    env.cr.rollback()
    return elapsed


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--batch", type=int, default=50, help="engine batch size")
    parser.add_argument("--orm-batch", type=int, default=50, help="ORM baseline batch size")
    parser.add_argument("--calls", type=int, default=100_000, help="resolve() calls timed")
    args = parser.parse_args()
    ensure_database()
    run = uuid.uuid4().hex[:6].upper()
    with orm_env() as env:
        env.cr.execute(
            "UPDATE integration_message SET state = 'cancelled', cancel_reason = 'benchmark leftover' "
            "WHERE state IN ('received', 'retry', 'processing')"
        )
        env.cr.commit()
        endpoint, partner, be01 = setup(env, run)
        envelopes = [
            {
                "flow": "invoice",
                "schema_version": "1.0",
                "entity": "BE01",
                "idempotency_key": f"inv-{run}-{i}",
                "payload": invoice_payload(i, partner.ref),
            }
            for i in range(args.invoices)
        ]
        for first in range(0, len(envelopes), 500):
            outcomes = env["integration.message"]._api_receive(endpoint, envelopes[first : first + 500])
            assert {o[0] for o in outcomes} == {202}, outcomes[:3]
        env.cr.commit()
        start = time.perf_counter()
        env["integration.message"]._process_queue(batch_size=args.batch, commit=True)
        engine_seconds = time.perf_counter() - start
        env.cr.execute(
            "SELECT m.state, count(*) FROM integration_message m WHERE m.endpoint_id = %s GROUP BY m.state",
            [endpoint.id],
        )
        states = dict(env.cr.fetchall())
        orm_seconds = orm_baseline(env, be01, partner, args.invoices, batch_size=args.orm_batch, run=run)
        costs = resolver_cost(env, endpoint, be01, args.calls)

    engine_rate = args.invoices / engine_seconds
    orm_rate = args.invoices / orm_seconds
    print()
    print(f"invoice messages: {states}")
    table(
        [
            (f"invoice flow: engine (batch {args.batch})", f"{engine_rate:,.1f} invoices/s", "", ""),
            (
                f"baseline: ORM batches of {args.orm_batch}",
                f"{orm_rate:,.1f} invoices/s",
                f"{engine_rate / orm_rate:.2f}x",
                ">= 0.75x",
            ),
            ("resolver, warm cache, own codes", f"{costs['own codes']:.2f} us/code", "", "< 50 us"),
            ("resolver, warm cache, mapping table", f"{costs['mapping table']:.2f} us/code", "", "< 50 us"),
        ],
        ("measure", "figure", "engine / ORM", "target"),
    )


if __name__ == "__main__":
    main()
