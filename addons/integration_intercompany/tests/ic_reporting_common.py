"""Fixtures of the intercompany reporting tests: four demo entities in four currencies (BE01 EUR, US01 USD,
UK01 GBP, PL01 PLN), their IC accounts mapped to IC group accounts, rules both ways, and documents whose
two sides agree or differ in each of the ways the reconciliation explains.

Period 2025-01-01 to 2025-11-30, cut-off 2025-11-30 (the demo group's own documents are dated 2026, so
they stay out). Rates per EUR change on 2025-07-01:

- BE01 -> US01: invoice of 1,000.00 USD on 2025-03-10 (BE01 books 909.09 EUR), mirrored as US01's bill
  of 1,000.00 USD: the same amount at different rates, ``fx`` 909.09 - 833.33 = 75.76.
- BE01 -> UK01: invoice of 500.00 EUR on 2025-11-28, UK01's mirror dated 2025-12-02: ``timing`` 500.00.
- PL01 -> BE01: invoice of 4,300.00 PLN on 2025-05-05, BE01's mirror for 4,200.00 PLN: ``amount``
  100 PLN at the closing rate (23.81) and ``fx`` for the rest.
- US01 -> BE01: invoice of 300.00 USD on 2025-06-01 never mirrored: ``one_sided`` 250.00.
- UK01 pays BE01 100.00 EUR on 2025-11-20, booked by both (not linked): they agree, nothing to explain.
- BE01 books 40.00 EUR on its IC payable to PL01 by hand on 2025-09-30: nothing explains it.
"""

from datetime import timedelta

from odoo import Command, fields

from odoo.addons.integration_mapping.models.integration_trial_balance import GROUP_CURRENCY_PARAM
from odoo.addons.integration_mapping.tests.trial_balance_common import TrialBalanceFixtures

DATE_FROM, DATE_TO = fields.Date.to_date("2025-01-01"), fields.Date.to_date("2025-11-30")
ENTITIES = ("BE01", "PL01", "UK01", "US01")
# Units of the currency per EUR from each day on.
RATES = {
    "USD": {"2025-01-01": 1.10, "2025-07-01": 1.20},
    "GBP": {"2025-01-01": 0.85, "2025-07-01": 0.90},
    "PLN": {"2025-01-01": 4.30, "2025-07-01": 4.20},
}
IC_GROUP_ACCOUNTS = {
    "receivable": ("X1250", "Intercompany receivables", "balance_sheet"),
    "payable": ("X2250", "Intercompany payables", "balance_sheet"),
    "revenue": ("X7050", "Intercompany revenue", "income_expense"),
    "expense": ("X6050", "Intercompany expense", "income_expense"),
}


class IcReportingFixtures(TrialBalanceFixtures):
    @classmethod
    def _setup_ic_reporting(cls):
        env = cls.env
        env["ir.config_parameter"].sudo().set_param(GROUP_CURRENCY_PARAM, "EUR")
        cls.eur = env.ref("base.EUR")
        Company = env["res.company"]
        cls.entities = {code: Company._find_by_entity_code(code) for code in ENTITIES}
        assert all(cls.entities.values()), "the demo group's entities must be loaded"
        cls.be01, cls.pl01, cls.uk01, cls.us01 = (cls.entities[code] for code in ENTITIES)
        cls.elim = Company._ic_elimination_entity()
        assert cls.elim, "the demo elimination entity (ELIM) must be loaded"
        cls.group_entities = Company._ic_group_entities()
        Rate = env["res.currency.rate"]
        for code, rates in RATES.items():
            currency = env.ref(f"base.{code}")
            Rate.search([("currency_id", "=", currency.id), ("name", "<", "2026-01-01")]).unlink()
            Rate.create(
                [
                    {"name": day, "currency_id": currency.id, "rate": rate, "company_id": False}
                    for day, rate in rates.items()
                ]
            )
        cls.everyone = cls.group_entities | cls.elim
        managers = ["integration_core.group_integration_manager", "account.group_account_manager"]
        cls.map_author = cls._user("icr_author", managers, cls.everyone)
        cls.map_approver = cls._user("icr_approver", managers, cls.everyone)
        cls.controller = cls._user("icr_controller", managers, cls.everyone)

        GroupAccount = env["integration.group.account"]
        cls.ga = {
            key: GroupAccount.create({"code": code, "name": name, "account_kind": kind})
            for key, (code, name, kind) in IC_GROUP_ACCOUNTS.items()
        }
        cls.ic = {code: cls._ic_accounts(company) for code, company in cls.entities.items()}
        for code, company in cls.entities.items():
            mapping = {cls.ic[code][key]: cls.ga[key] for key in IC_GROUP_ACCOUNTS}
            cls._group_map(company, mapping, effective_date="2025-01-01")
        cls.rules = {}
        for a, b in (("BE01", "US01"), ("BE01", "UK01"), ("BE01", "PL01")):
            cls._rule(a, b)
            cls._rule(b, a)
        cls._documents()

    @classmethod
    def _ic_accounts(cls, company):
        Account = cls.env["account.account"].with_company(company)
        specs = {
            "receivable": ("ICREC", "Intercompany receivable", "asset_receivable"),
            "payable": ("ICPAY", "Intercompany payable", "liability_payable"),
            "revenue": ("ICREV", "Intercompany revenue", "income"),
            "expense": ("ICEXP", "Intercompany expense", "expense"),
        }
        return {
            key: Account.create(
                {
                    "code": code,
                    "name": name,
                    "account_type": account_type,
                    "reconcile": account_type in ("asset_receivable", "liability_payable"),
                    "company_ids": [Command.link(company.id)],
                }
            )
            for key, (code, name, account_type) in specs.items()
        }

    @classmethod
    def _rule(cls, code, target_code):
        """The rule (code -> target): its partner books on the entity's dedicated IC accounts."""
        company, target = cls.entities[code], cls.entities[target_code]
        accounts = cls.ic[code]
        target.partner_id.with_company(company).write(
            {
                "property_account_receivable_id": accounts["receivable"].id,
                "property_account_payable_id": accounts["payable"].id,
            }
        )
        Rule = cls.env["integration.intercompany.rule"]
        rule = Rule._for_pair(company, target)
        vals = {
            "partner_id": target.partner_id.id,
            "target_partner_id": company.partner_id.id,
            "receivable_account_id": accounts["receivable"].id,
            "payable_account_id": accounts["payable"].id,
        }
        if rule:
            rule.write(vals)
        else:
            rule = Rule.create({"company_id": company.id, "target_company_id": target.id, **vals})
        cls.rules[code, target_code] = rule

    @classmethod
    def _invoice(cls, code, target_code, move_type, *, date, amount, currency="EUR"):
        """A posted invoice (or bill) of entity ``code`` to ``target_code``'s partner, on the IC accounts."""
        company, target = cls.entities[code], cls.entities[target_code]
        sale = move_type.startswith("out_")
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale" if sale else "purchase")], limit=1
        )
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "journal_id": journal.id,
                    "partner_id": target.partner_id.id,
                    "invoice_date": date,
                    "date": date,
                    "currency_id": cls.env.ref(f"base.{currency}").id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Intercompany services",
                                "quantity": 1,
                                "price_unit": amount,
                                "account_id": cls.ic[code]["revenue" if sale else "expense"].id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _link(cls, source, mirror):
        """Link a source and its mirror as the mirroring does (when the mirroring is installed)."""
        Move = cls.env["account.move"]
        if "ic_mirror_move_id" in Move._fields:
            source.sudo().ic_mirror_move_id = mirror
            mirror.sudo().ic_source_move_id = source

    @classmethod
    def _ic_entry(cls, code, target_code, date, lines, currency=None):
        """A posted journal entry of ``code``: ``lines`` as (account, balance, amount in ``currency``,
        with the counterparty's partner)."""
        company, target = cls.entities[code], cls.entities[target_code]
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "general")], limit=1
        )
        vals = []
        for account, balance, amount_currency, with_partner in lines:
            line = {
                "account_id": account.id,
                "name": "intercompany test",
                "debit": max(balance, 0),
                "credit": max(-balance, 0),
                "partner_id": target.partner_id.id if with_partner else False,
            }
            if currency:
                line.update(
                    {"currency_id": cls.env.ref(f"base.{currency}").id, "amount_currency": amount_currency}
                )
            vals.append(Command.create(line))
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create({"move_type": "entry", "journal_id": journal.id, "date": date, "line_ids": vals})
        )
        move.action_post()
        return move

    @classmethod
    def _documents(cls):
        ic = cls.ic
        cls.fx_source = cls._invoice(
            "BE01", "US01", "out_invoice", date="2025-03-10", amount=1000.0, currency="USD"
        )
        cls.fx_mirror = cls._invoice(
            "US01", "BE01", "in_invoice", date="2025-03-10", amount=1000.0, currency="USD"
        )
        cls._link(cls.fx_source, cls.fx_mirror)
        cls.timing_source = cls._invoice(
            "BE01", "UK01", "out_invoice", date="2025-11-28", amount=500.0, currency="EUR"
        )
        cls.timing_mirror = cls._invoice(
            "UK01", "BE01", "in_invoice", date="2025-12-02", amount=500.0, currency="EUR"
        )
        cls._link(cls.timing_source, cls.timing_mirror)
        cls.amount_source = cls._invoice(
            "PL01", "BE01", "out_invoice", date="2025-05-05", amount=4300.0, currency="PLN"
        )
        cls.amount_mirror = cls._invoice(
            "BE01", "PL01", "in_invoice", date="2025-05-05", amount=4200.0, currency="PLN"
        )
        cls._link(cls.amount_source, cls.amount_mirror)
        cls.one_sided = cls._invoice(
            "US01", "BE01", "out_invoice", date="2025-06-01", amount=300.0, currency="USD"
        )
        be_bank = cls._account_of(cls.be01, "asset_cash")
        uk_bank = cls._account_of(cls.uk01, "asset_cash")
        cls.be_receipt = cls._ic_entry(
            "BE01",
            "UK01",
            "2025-11-20",
            [(be_bank, 100.0, 100.0, False), (ic["BE01"]["receivable"], -100.0, -100.0, True)],
        )
        cls.uk_payment = cls._ic_entry(
            "UK01",
            "BE01",
            "2025-11-20",
            [(ic["UK01"]["payable"], 90.0, 100.0, True), (uk_bank, -90.0, -100.0, False)],
            currency="EUR",
        )
        be_expense = cls._account_of(cls.be01, "expense")
        cls.manual = cls._ic_entry(
            "BE01",
            "PL01",
            "2025-09-30",
            [(be_expense, 40.0, 40.0, False), (ic["BE01"]["payable"], -40.0, -40.0, True)],
        )

    # ------------------------------------------------ what a reader computes
    def _rate(self, company, day):
        """EUR per unit of the entity's currency on ``day`` (Odoo's rate in force that day)."""
        return self.env["res.currency"]._get_conversion_rate(company.currency_id, self.eur, company, day)

    def _average(self, company):
        days = [DATE_FROM + timedelta(days=n) for n in range((DATE_TO - DATE_FROM).days + 1)]
        return sum(self._rate(company, day) for day in days) / len(days)
