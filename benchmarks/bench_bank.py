"""integration_bank benchmark: a camt.053 file through the running server, auto-reconciled.

End to end: a client POSTs one camt.053.001.08 statement of N entries (each
paying one of N open customer invoices by its payment reference) to
/integration/v1/bank/camt053 of a real server started as the README's run
command does (threaded, Odoo's cron threads); the clock runs from the POST
until the statement's message is done, its N lines imported and reconciled
(watched in the database, as an outside observer would).

Beside it, in the same run, in-process (labelled so): Odoo's ORM creating
the same statement lines (one statement, one create), and the product's
reconciliation of those lines against their own N open invoices, timed
alone at 1,000 and at 5,000 lines to show how it grows. Prints figures,
ratios and targets; asserts nothing.
"""

import argparse
import time
import uuid
from decimal import Decimal

import requests
from _harness import DB, ensure_database, odoo_server, orm_env, pg_connect, table

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
DATE = "2026-11-30"


def amount_of(index):
    """Invoice i's total: distinct enough that amounts alone do not decide the match."""
    return Decimal(100 + index % 97) + Decimal(index % 100) / 100


def setup(env, run):
    """A bank journal named by the bank's account id, a feed endpoint and its key, a customer."""
    from odoo import Command

    be01 = env["res.company"]._find_by_entity_code("BE01")
    journal = env["account.journal"].create(
        {
            "name": f"Bench bank {run}",
            "code": f"Z{run[:4]}",
            "type": "bank",
            "company_id": be01.id,
            "integration_bank_account_ref": f"BENCH-{run}",
        }
    )
    endpoint = env["integration.endpoint"].create(
        {
            "name": f"Benchmark bank {run}",
            "code": f"BBANK_{run}",
            "company_id": be01.id,
            "company_ids": [Command.set(be01.ids)],
            "flow_ids": [Command.set(env.ref("integration_bank.flow_bank_statement").ids)],
            "backlog_limit": 1_000_000,
        }
    )
    _key, raw = env["integration.api.key"]._issue(endpoint)
    customer = env["res.partner"].create(
        {"name": f"Bench payer {run}", "company_id": be01.id, "is_company": True}
    )
    env.cr.commit()
    return be01, journal, endpoint, raw, customer


def open_invoices(env, be01, customer, run, tag, count, batch=500):
    """``count`` posted customer invoices, each with its own payment reference; committed."""
    from odoo import Command

    Account = env["account.account"].with_company(be01)
    income = Account.search([*Account._check_company_domain(be01), ("account_type", "=", "income")], limit=1)
    Move = env["account.move"].with_context(
        allowed_company_ids=[be01.id], mail_create_nolog=True, mail_notrack=True, tracking_disable=True
    )
    references = []
    for first in range(0, count, batch):
        vals_list = []
        for index in range(first, min(first + batch, count)):
            reference = f"BENCH-{run}-{tag}-{index}"
            references.append((reference, amount_of(index)))
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": DATE,
                    "payment_reference": reference,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "price_unit": float(amount_of(index)),
                                "account_id": income.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        moves = Move.create(vals_list)
        moves.action_post()
        env.cr.commit()
    return references


def camt_file(run, account_ref, references):
    """One camt.053.001.08 statement paying each reference by a credit entry of its amount."""
    total = sum((amount for _ref, amount in references), Decimal(0))
    entries = "".join(
        f'<Ntry><NtryRef>{run}-{i}</NtryRef><Amt Ccy="EUR">{amount:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{DATE}</Dt></BookgDt><ValDt><Dt>{DATE}</Dt></ValDt>"
        f"<AcctSvcrRef>{run}-SVC-{i}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>"
        f"<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>"
        f"<EndToEndId>E2E-{run}-{i}</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>Bench payer {run}</Nm>"
        f"</Pty></Dbtr></RltdPties><RmtInf><Ustrd>{reference}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        for i, (reference, amount) in enumerate(references)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{CAMT_NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{run}</MsgId><CreDtTm>{DATE}T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>BENCH-{run}</Id><CreDtTm>{DATE}T18:00:00</CreDtTm>"
        f"<Acct><Id><Othr><Id>{account_ref}</Id></Othr></Id><Ccy>EUR</Ccy></Acct>"
        f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt>'
        f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{DATE}</Dt></Dt></Bal>"
        f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{total:.2f}</Amt>'
        f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{DATE}</Dt></Dt></Bal>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def planner_statistics(enabled):
    """VACUUM ANALYZE the database, as PostgreSQL's autovacuum does after bulk inserts; "off" or "on".

    These machines' PostgreSQL runs with autovacuum off, so without this the benchmark database is
    never analyzed: the planner guesses, and Odoo's reconciliation queries (matching numbers, the
    balance check, payment states) read every journal item of the database per batch, a cost that
    grows with the database, run after run. A production database has autovacuum on.
    """
    conn = pg_connect()
    with conn.cursor() as cr:
        cr.execute("SHOW autovacuum")
        autovacuum = cr.fetchone()[0]
        if enabled:
            cr.execute("VACUUM ANALYZE")
    conn.close()
    return autovacuum


def end_to_end(server, raw_key, body, key, journal_id, count):
    """Seconds from the POST to the statement's message done with every line reconciled."""
    conn = pg_connect()
    start = time.perf_counter()
    response = requests.post(
        f"{server.url}/integration/v1/bank/camt053?entity=BE01",
        data=body,
        headers={
            "Authorization": f"Bearer {raw_key}",
            "Content-Type": "application/xml",
            "Idempotency-Key": key,
        },
        timeout=600,
    )
    answered = time.perf_counter() - start
    response.raise_for_status()
    with conn.cursor() as cr:
        while True:
            cr.execute("SELECT state FROM integration_message WHERE idempotency_key = %s", [f"{key}/1"])
            state = (cr.fetchone() or [None])[0]
            if state in ("done", "exception", "dead", "cancelled"):
                break
            time.sleep(0.1)  # observing from outside, as a client would poll
        seconds = time.perf_counter() - start
        cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_reconciled) FROM account_bank_statement_line "
            "WHERE journal_id = %s",
            [journal_id],
        )
        lines, reconciled = cr.fetchone()
    conn.close()
    return {
        "seconds": seconds,
        "answered": answered,
        "state": state,
        "lines": lines,
        "reconciled": reconciled,
    }


def orm_statement(env, journal, references, run, tag):
    """Odoo's ORM: the same lines created as one statement (one create), committed; seconds and lines."""
    from odoo import Command

    # Plain creation, as Odoo itself does it: OCA's matcher on creation is off, as it is for the feed
    # (integration_bank_import), and no contact is guessed.
    Statement = env["account.bank.statement"].with_context(
        skip_retrieve_partner=True, integration_bank_import=True
    )
    start = time.perf_counter()
    statement = Statement.create(
        {
            "name": f"ORM-{run}-{tag}",
            "journal_id": journal.id,
            "balance_start": 0.0,
            "line_ids": [
                Command.create(
                    {
                        "date": DATE,
                        "amount": float(amount),
                        "payment_ref": reference,
                        "journal_id": journal.id,
                    }
                )
                for reference, amount in references
            ],
        }
    )
    env.cr.commit()
    return time.perf_counter() - start, statement.line_ids


def reconcile_alone(env, lines):
    """The product's automatic reconciliation of existing lines, in-process; seconds and reconciled."""
    lines = lines.with_context(tracking_disable=True)
    for line in lines:
        line.integration_reference = line.payment_ref  # as the feed sets it
    env.cr.commit()
    start = time.perf_counter()
    env["integration.bank.reconciler"]._auto_reconcile(lines)
    env.cr.commit()
    seconds = time.perf_counter() - start
    lines.invalidate_recordset()
    return seconds, len(lines.filtered("is_reconciled"))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=5_000, help="entries of the camt.053 file end to end")
    parser.add_argument("--small", type=int, default=1_000, help="the smaller reconciliation measure")
    parser.add_argument("--no-update", action="store_true")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument(
        "--no-analyze", action="store_true", help="measure without planner statistics (autovacuum off)"
    )
    args = parser.parse_args()
    ensure_database(fresh=args.fresh, update=not args.no_update)
    run = uuid.uuid4().hex[:6].upper()
    print(
        f"database {DB}, run {run}: making {args.lines + args.lines + args.small:,} open invoices...",
        flush=True,
    )
    with orm_env() as env:
        be01, journal, _endpoint, raw_key, customer = setup(env, run)
        e2e_refs = open_invoices(env, be01, customer, run, "E", args.lines)
        big_refs = open_invoices(env, be01, customer, run, "B", args.lines)
        small_refs = open_invoices(env, be01, customer, run, "S", args.small)
        journal_id = journal.id
        orm_journal = journal.copy(
            {"name": f"Bench ORM {run}", "code": f"Y{run[:4]}", "integration_bank_account_ref": False}
        )
        env.cr.commit()
    autovacuum = planner_statistics(not args.no_analyze)
    print(
        f"autovacuum {autovacuum}; planner statistics "
        + ("left as they are" if args.no_analyze else "gathered now (VACUUM ANALYZE), before measuring"),
        flush=True,
    )
    body = camt_file(run, f"BENCH-{run}", e2e_refs)
    print(f"camt.053 file: {len(body) / 1e6:.1f} MB, {args.lines:,} entries", flush=True)
    with odoo_server(workers=0) as server:
        e2e = end_to_end(server, raw_key, body, f"bench-{run}", journal_id, args.lines)
    print(f"end to end: {e2e}", flush=True)
    with orm_env() as env:
        journal = env["account.journal"].browse(orm_journal.id)
        orm_seconds, big_lines = orm_statement(env, journal, big_refs, run, "B")
        big_seconds, big_done = reconcile_alone(env, big_lines)
        small_orm, small_lines = orm_statement(env, journal, small_refs, run, "S")
        small_seconds, small_done = reconcile_alone(env, small_lines)
    e2e_rate = e2e["lines"] / e2e["seconds"]
    orm_rate = args.lines / orm_seconds
    per_line_small = small_seconds / args.small * 1000
    per_line_big = big_seconds / args.lines * 1000
    print()
    table(
        [
            (
                f"end to end: camt.053 of {args.lines:,} entries, server (threaded, as run.sh)",
                f"{e2e_rate:,.1f} lines/s",
                f"{e2e_rate / orm_rate:.2f}x",
                ">= 0.75x",
            ),
            (
                "  (the POST's answer; reconciled lines)",
                f"{e2e['answered']:.1f} s",
                f"{e2e['reconciled']:,}/{e2e['lines']:,}",
                e2e["state"],
            ),
            (
                f"baseline: ORM, one statement of {args.lines:,} lines (in-process)",
                f"{orm_rate:,.1f} lines/s",
                "1.00x",
                "",
            ),
            (
                f"reconciliation alone, {args.small:,} lines (in-process)",
                f"{per_line_small:.2f} ms/line",
                f"{small_done:,} reconciled",
                "",
            ),
            (
                f"reconciliation alone, {args.lines:,} lines (in-process)",
                f"{per_line_big:.2f} ms/line",
                f"{big_done:,} reconciled",
                f"{per_line_big / per_line_small:.2f}x per line (linear: ~1x)",
            ),
            (
                "  ORM creating the smaller statement (in-process)",
                f"{args.small / small_orm:,.1f} lines/s",
                "",
                "",
            ),
        ],
        ("measure", "figure", "ratio", "target"),
    )


if __name__ == "__main__":
    main()
