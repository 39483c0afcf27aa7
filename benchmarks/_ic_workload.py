"""What the intercompany benchmark sends, and the books it reconciles.

The demo group's intercompany rules (made here when the database predates
them); the ``invoice`` messages of BE01 to US01 and the ORM baseline making
the same bills in US01; and, for the reconciliation, N posted invoices issued
by each of the five entities to its counterparties with their mirrors in the
receiving books, a few of them different on purpose (one-sided, dated across
the cut-off, another amount) so that the computation has something to explain.
"""

import time

# As integration_demo/demo/demo_ic_rules.xml: both ways for each pair, BE01's approvers above 50,000.
DEMO_PAIRS = [
    ("BE01", "US01"),
    ("BE01", "UK01"),
    ("BE01", "SG01"),
    ("PL01", "BE01"),
    ("PL01", "US01"),
    ("PL01", "UK01"),
    ("PL01", "SG01"),
]
THRESHOLDS = {"BE01": 50000.0}
ENTITIES = ("BE01", "US01", "UK01", "SG01", "PL01")
DATE = "2026-11-16"  # documents
CUTOFF = "2026-11-30"  # the reconciliation's date
LATE = "2026-12-02"  # a mirror booked after the cut-off
QUIET = {"mail_create_nolog": True, "mail_notrack": True, "tracking_disable": True}


def ensure_rules(env):
    """The demo rules: the missing ones made as the demo makes them, paused ones of an interrupted run
    set going again."""
    Rule = env["integration.intercompany.rule"].with_context(active_test=False)
    Rule._setup_pairs(DEMO_PAIRS, THRESHOLDS)
    codes = set(ENTITIES)
    paused = Rule.search([("active", "=", False)]).filtered(
        lambda r: {r.company_id.entity_code, r.target_company_id.entity_code} <= codes
    )
    paused.write({"active": True})
    env.cr.commit()
    return Rule.search([("active", "=", True)]).filtered(
        lambda r: {r.company_id.entity_code, r.target_company_id.entity_code} <= codes
    )


def amount_of(index):
    """A document's first price: varied, and far below any approval threshold."""
    return f"{100 + index % 97}.{index % 100:02d}"


def invoice_lines(index):
    return [
        ("Consulting", "2", amount_of(index)),
        ("Licences", "3", "40.00"),
        ("Travel", "1", "85.50"),
    ]


def income_account(env, company):
    Account = env["account.account"].with_company(company)
    return Account.search([*Account._check_company_domain(company), ("account_type", "=", "income")], limit=1)


def mirror_account(rule, income):
    """Where the counterparty books a line of ``income``: the rule's account map."""
    line = rule.account_map_ids.filtered(lambda m: m.source_account_id == income)[:1]
    return line.target_account_id


def mirror_journal(env, rule):
    Journal = env["account.journal"]
    company = rule.target_company_id
    return rule.target_journal_id or Journal.search(
        [*Journal._check_company_domain(company), ("type", "=", "purchase")], limit=1
    )


def invoice_envelopes(run, tag, count, account_code, partner_code):
    """``invoice`` messages of BE01 to US01 as a billing system sends them (exact decimal text)."""
    return [
        {
            "flow": "invoice",
            "schema_version": "1.1",
            "entity": "BE01",
            "idempotency_key": f"icb-{run}-{tag}-{index}",
            "correlation_id": f"icb-{run}-{tag}-{index}",
            "payload": {
                "move_type": "out_invoice",
                "partner": partner_code,
                "number": f"ICB-{run}-{tag}-{index}",
                "invoice_date": DATE,
                "due_date": "2026-12-16",
                "currency": "EUR",
                "lines": [
                    {
                        "label": label,
                        "quantity": qty,
                        "price_unit": price,
                        "account": account_code,
                        "taxes": [],
                    }
                    for label, qty, price in invoice_lines(index)
                ],
                "post": True,
            },
        }
        for index in range(count)
    ]


def orm_bills(env, rule, run, count, batch_size):
    """Odoo's ORM: the bills the mirroring makes for those invoices, made in the receiving entity in
    batches and posted, committing each batch (seconds)."""
    from odoo import Command

    target = rule.target_company_id
    expense = mirror_account(rule, income_account(env, rule.company_id))
    journal = mirror_journal(env, rule)
    eur = env.ref("base.EUR")
    Move = env["account.move"].with_context(allowed_company_ids=[target.id], **QUIET)
    start = time.perf_counter()
    for first in range(0, count, batch_size):
        vals_list = []
        for index in range(first, min(first + batch_size, count)):
            number = f"ORM-{run}-{index}"
            vals_list.append(
                {
                    "move_type": "in_invoice",
                    "company_id": target.id,
                    "journal_id": journal.id,
                    "partner_id": rule.target_partner_id.id,
                    "currency_id": eur.id,
                    "invoice_date": DATE,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": "2026-12-16",
                    "ref": number,
                    "payment_reference": number,
                    "invoice_origin": f"BE01 {number}",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "quantity": float(qty),
                                "price_unit": float(price),
                                "discount": 0.0,
                                "account_id": expense.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for label, qty, price in invoice_lines(index)
                    ],
                }
            )
        Move.create(vals_list)._post(soft=False)
        env.cr.commit()
    return time.perf_counter() - start


def orm_invoices(env, rule, run, count, batch_size, post=True):
    """Odoo's ORM: the IC invoices the ``invoice`` messages make in the issuing entity (same lines), created
    in batches and posted or left in draft, committing each batch: {"seconds", "ids"}."""
    from odoo import Command

    source = rule.company_id
    income = income_account(env, source)
    journal = env["account.journal"].search([("company_id", "=", source.id), ("type", "=", "sale")], limit=1)
    Move = env["account.move"].with_context(allowed_company_ids=[source.id], **QUIET)
    ids = []
    start = time.perf_counter()
    for first in range(0, count, batch_size):
        moves = Move.create(
            [
                {
                    "move_type": "out_invoice",
                    "company_id": source.id,
                    "journal_id": journal.id,
                    "partner_id": rule.partner_id.id,
                    "currency_id": env.ref("base.EUR").id,
                    "invoice_date": DATE,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": "2026-12-16",
                    "ref": f"ORMI-{run}-{index}",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "quantity": float(qty),
                                "price_unit": float(price),
                                "account_id": income.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for label, qty, price in invoice_lines(index)
                    ],
                }
                for index in range(first, min(first + batch_size, count))
            ]
        )
        if post:
            moves._post(soft=False)
        ids += moves.ids
        env.cr.commit()
    return {"seconds": time.perf_counter() - start, "ids": ids}


def kind_of(index):
    """Most documents agree on both sides; a few differ the ways the reconciliation explains."""
    return {7: "one_sided", 19: "timing", 31: "amount"}.get(index % 50, "match")


class IcBooks:
    """Makes posted intercompany invoices of each entity and their mirrors, as the mirroring leaves them.

    The rules are paused while the invoices are posted (so no message is
    queued for them) and the mirrors and both links are written here
    directly: the queue's own speed is what part (a) measures, not setup.
    """

    def __init__(self, env, rules):
        self.env = env
        self.rules = rules
        self.by_issuer = {}
        for rule in rules.sorted(lambda r: (r.company_id.id, r.target_company_id.id)):
            self.by_issuer.setdefault(rule.company_id, []).append(rule)
        self.income = {company: income_account(env, company) for company in self.by_issuer}
        self.sale_journal = {
            company: env["account.journal"].search(
                [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
            )
            for company in self.by_issuer
        }
        self.expense = {rule: mirror_account(rule, self.income[rule.company_id]) for rule in rules}
        self.purchase_journal = {rule: mirror_journal(env, rule) for rule in rules}
        companies = rules.company_id | rules.target_company_id
        self.Move = env["account.move"].with_context(allowed_company_ids=companies.ids, **QUIET)

    def make(self, run, first, count, batch_size=250, progress=None):
        """Documents ``first`` .. ``first + count`` of every issuing entity; committed per batch."""
        self.rules.write({"active": False})
        self.env.cr.commit()
        try:
            for company, rules in self.by_issuer.items():
                for start in range(first, first + count, batch_size):
                    indexes = range(start, min(start + batch_size, first + count))
                    self._batch(run, company, rules, indexes)
                    self.env.cr.commit()
                    self.env.invalidate_all()  # 100,000 moves would otherwise stay in the cache
                    if progress:
                        progress(company.entity_code, indexes.stop - first)
        finally:
            self.env.cr.rollback()
            self.rules.write({"active": True})
            self.env.cr.commit()

    def _batch(self, run, company, rules, indexes):
        from odoo import Command

        chosen = [(index, rules[index % len(rules)]) for index in indexes]
        sources = self.Move.create(
            [
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "journal_id": self.sale_journal[company].id,
                    "partner_id": rule.partner_id.id,
                    "invoice_date": DATE,
                    "ref": f"ICR-{run}-{company.entity_code}-{index}",
                    "ic_rule_id": rule.id,
                    "ic_state": "queued" if kind_of(index) == "one_sided" else "mirrored",
                    "ic_revision": 1,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Intercompany service",
                                "price_unit": float(amount_of(index)),
                                "account_id": self.income[company].id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for index, rule in chosen
            ]
        )
        sources.action_post()
        mirrored = [
            (index, rule, source)
            for (index, rule), source in zip(chosen, sources, strict=True)
            if kind_of(index) != "one_sided"
        ]
        mirrors = self.Move.create(
            [self._mirror_vals(index, rule, source) for index, rule, source in mirrored]
        )
        mirrors.action_post()
        for (_index, _rule, source), mirror in zip(mirrored, mirrors, strict=True):
            source.ic_mirror_move_id = mirror

    def _mirror_vals(self, index, rule, source):
        from odoo import Command

        kind = kind_of(index)
        price = float(amount_of(index)) + (1.0 if kind == "amount" else 0.0)
        return {
            "move_type": "in_invoice",
            "company_id": rule.target_company_id.id,
            "journal_id": self.purchase_journal[rule].id,
            "partner_id": rule.target_partner_id.id,
            "currency_id": source.currency_id.id,
            "invoice_date": LATE if kind == "timing" else DATE,
            "ref": source.name,
            "ic_source_move_id": source.id,
            "ic_rule_id": rule.id,
            "ic_state": "mirrored",
            "ic_revision": 1,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Intercompany service",
                        "price_unit": price,
                        "account_id": self.expense[rule].id,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }


def ic_document_count(conn, companies):
    """Posted documents of ``companies`` with one another's partners: what the reconciliation reads."""
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT count(*) FROM account_move m
             WHERE m.state = 'posted' AND m.company_id = ANY(%(ids)s)
               AND m.commercial_partner_id IN (SELECT partner_id FROM res_company WHERE id = ANY(%(ids)s))
            """,
            {"ids": list(companies)},
        )
        return cr.fetchone()[0]
