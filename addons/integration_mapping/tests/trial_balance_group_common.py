"""Fixtures of the group trial-balance tests: the five demo entities with the demo's rates, and the
figures a reader computes on their own from Odoo's posted journal items and rates.

Period under test: 2026-01-01 to 2026-11-30, across the demo's rate change
of 2026-07-01 (the average rate mixes two rates; the closing rate is the
second). The demo's own posted entries of the period count as any other.
"""

from datetime import timedelta
from decimal import Decimal

from odoo import fields

from odoo.addons.integration_mapping.models.integration_trial_balance import GROUP_CURRENCY_PARAM

from .trial_balance_common import TrialBalanceFixtures

DATE_FROM, DATE_TO = fields.Date.to_date("2026-01-01"), fields.Date.to_date("2026-11-30")
ENTITIES = ("BE01", "PL01", "SG01", "UK01", "US01")
AMOUNTS = ("opening", "debit", "credit", "closing")


class GroupTrialBalanceFixtures(TrialBalanceFixtures):
    @classmethod
    def _setup_group_trial_balance(cls):
        env = cls.env
        env["ir.config_parameter"].sudo().set_param(GROUP_CURRENCY_PARAM, "EUR")
        cls.eur = env.ref("base.EUR")
        Company = env["res.company"]
        cls.entities = {code: Company._find_by_entity_code(code) for code in ENTITIES}
        assert all(cls.entities.values()), "the demo group's five entities must be loaded"
        cls.uk01, cls.sg01, cls.pl01 = (cls.entities[code] for code in ("UK01", "SG01", "PL01"))
        cls.all_entities = Company.union(*cls.entities.values())

        managers = ["integration_core.group_integration_manager", "account.group_account_invoice"]
        cls.map_author = cls._user("tbg_author", managers, cls.all_entities)
        cls.map_approver = cls._user("tbg_approver", managers, cls.all_entities)

        # Entries of each entity: one before the period (an opening balance), some in it, on both
        # sides of the rate change, and one after it (out of the report).
        accounts = {
            code: {
                kind: cls._account_of(company, kind)
                for kind in ("asset_receivable", "income", "expense", "liability_payable", "equity")
            }
            for code, company in cls.entities.items()
        }
        cls.accounts = accounts
        amounts = {"BE01": 250, "PL01": 12345.67, "SG01": 3333.33, "UK01": 1200, "US01": 777.77}
        for code, amount in amounts.items():
            company, acc = cls.entities[code], accounts[code]
            cls._entry(company, "2025-12-15", [(acc["asset_receivable"], 5000), (acc["equity"], -5000)])
            cls._entry(company, "2026-03-10", [(acc["asset_receivable"], amount), (acc["income"], -amount)])
            quarter = round(amount / 4, 2)
            payable = [(acc["expense"], quarter), (acc["liability_payable"], -quarter)]
            cls._entry(company, "2026-08-05", payable)
            cls._entry(company, "2026-12-10", [(acc["expense"], 99), (acc["liability_payable"], -99)])

        # UK01 reports its receivables and revenue through the group chart; the rest reads Odoo's groups.
        GroupAccount = env["integration.group.account"]
        cls.ga_receivables = GroupAccount.create(
            {"code": "G1200", "name": "Trade receivables", "account_kind": "balance_sheet"}
        )
        cls.ga_revenue = GroupAccount.create(
            {"code": "G7000", "name": "Revenue", "account_kind": "income_expense"}
        )
        uk_receivable, uk_income = accounts["UK01"]["asset_receivable"], accounts["UK01"]["income"]
        uk_map = {uk_receivable: cls.ga_receivables, uk_income: cls.ga_revenue}
        cls._group_map(cls.uk01, uk_map, effective_date="2026-01-01")
        cls.mapped_rate_types = {uk_receivable: "closing", uk_income: "average"}

    # ------------------------------------------------ what a reader computes
    def _reader_rates(self, company):
        """``(closing, average)`` company currency -> EUR as a reader takes them from Odoo's rate table:
        the closing rate is Odoo's conversion rate on the last day; the average, the mean over every day
        of the period of the rate in force that day (the latest rate on or before it)."""
        Currency = self.env["res.currency"]
        currency = company.currency_id
        closing = Currency._get_conversion_rate(currency, self.eur, company, DATE_TO)
        if currency == self.eur:
            return closing, 1.0
        # Rates are units of the currency per EUR, the demo group's base currency.
        table = self.env["res.currency.rate"].search(
            [("currency_id", "=", currency.id), ("company_id", "in", [False, company.root_id.id])],
            order="name desc",
        )
        days = [DATE_FROM + timedelta(days=day) for day in range((DATE_TO - DATE_FROM).days + 1)]
        daily = [1 / next(rate.rate for rate in table if rate.name <= day) for day in days]
        # The reader's reading of the table is Odoo's, on the first day and on the day the rate changes.
        for day in (DATE_FROM, fields.Date.to_date("2026-07-01"), DATE_TO):
            self.assertAlmostEqual(
                daily[(day - DATE_FROM).days],
                Currency._get_conversion_rate(currency, self.eur, company, day),
                places=12,
            )
        return closing, sum(daily) / len(days)

    def _reader_rate_type(self, account):
        """How the reader expects ``account`` to translate: by its group account, else by Odoo's group."""
        if account in self.mapped_rate_types:
            return self.mapped_rate_types[account]
        return "average" if account.internal_group in ("income", "expense") else "closing"

    def _reader_trial_balance(self, company):
        """``{code: {"opening", ..., "group": {...}}}`` in Decimal, the CTA row included where translated,
        summed item by item from the posted journal items and translated at Odoo's rates."""
        currency, eur = company.currency_id, self.eur
        figures = self._expected_figures(company, DATE_FROM, DATE_TO)
        closing_rate, average_rate = self._reader_rates(company)
        Account = self.env["account.account"].with_company(company)
        rows = {}
        for code, (opening, debit, credit) in figures.items():
            account = Account.search([*Account._check_company_domain(company), ("code", "=", code)])
            rate = closing_rate if self._reader_rate_type(account) == "closing" else average_rate
            own = [currency.round(value) for value in (opening, debit, credit)]
            group = [eur.round(value * rate) for value in own]
            rows[code] = {
                **dict(zip(AMOUNTS, _decimals(*own, own[0] + own[1] - own[2]), strict=True)),
                "group": dict(zip(AMOUNTS, _decimals(*group, group[0] + group[1] - group[2]), strict=True)),
            }
        if currency != eur:
            sums = {key: sum(row["group"][key] for row in rows.values()) for key in AMOUNTS[:3]}
            gap = sums["debit"] - sums["credit"]
            cta = [-sums["opening"], max(-gap, Decimal(0)), max(gap, Decimal(0))]
            rows["CTA"] = {
                **dict.fromkeys(AMOUNTS, Decimal("0.00")),
                "group": dict(zip(AMOUNTS, [*cta, cta[0] + cta[1] - cta[2]], strict=True)),
            }
        return rows


def _decimals(*values):
    return [Decimal(f"{value:.2f}") for value in values]


def decimal_rows(body_rows):
    """The account rows of a document as ``{(entity, code): row}``, amounts as Decimal."""
    return {
        (row["entity"], row["code"]): {
            **{key: Decimal(row[key]) for key in AMOUNTS},
            "group": {key: Decimal(row["group"][key]) for key in AMOUNTS},
        }
        for row in body_rows
    }
