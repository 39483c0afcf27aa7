"""Fixtures of the trial-balance tests: rates, a group chart, its maps, and posted (and draft) entries.

Period under test: 2025-01-01 to 2025-11-30 (the demo group's own entries
are dated 2026, so they stay out of it). Each entity has an entry dated
before the period (opening), entries in it, one after it and a draft.
"""

from collections import defaultdict

from odoo import Command, fields

from odoo.addons.integration_mapping.models.integration_trial_balance import GROUP_CURRENCY_PARAM

DATE_FROM, DATE_TO = fields.Date.to_date("2025-01-01"), fields.Date.to_date("2025-11-30")
# USD per EUR from each day on (Odoo's rates are per unit of the base currency, EUR here).
USD_RATES = {"2025-01-01": 1.10, "2025-04-01": 1.20, "2025-10-01": 1.25}


class TrialBalanceFixtures:
    @classmethod
    def _setup_trial_balance(cls):
        env = cls.env
        env["ir.config_parameter"].sudo().set_param(GROUP_CURRENCY_PARAM, "EUR")
        cls.usd, cls.eur = env.ref("base.USD"), env.ref("base.EUR")
        env["res.currency.rate"].create(
            [
                {"name": day, "currency_id": cls.usd.id, "rate": rate, "company_id": False}
                for day, rate in USD_RATES.items()
            ]
        )
        both = cls.be01 | cls.us01
        managers = ["integration_core.group_integration_manager", "account.group_account_invoice"]
        cls.map_author = cls._user("tb_author", managers, both)
        cls.map_approver = cls._user("tb_approver", managers, both)

        GroupAccount = env["integration.group.account"]
        cls.ga_receivables = GroupAccount.create(
            {"code": "T1200", "name": "Trade receivables", "account_kind": "balance_sheet"}
        )
        cls.ga_revenue = GroupAccount.create(
            {"code": "T7000", "name": "Revenue", "account_kind": "income_expense"}
        )
        cls.ga_expense = GroupAccount.create(
            {"code": "T6000", "name": "Operating expenses", "account_kind": "income_expense"}
        )
        cls.ga_taxes = GroupAccount.create(
            {"code": "T2400", "name": "Taxes payable", "account_kind": "balance_sheet"}
        )

        be, us = cls.be01, cls.us01
        cls.be_receivable = cls._account_of(be, "asset_receivable")
        cls.be_income = cls._account_of(be, "income")
        cls.be_tax = cls._account_of(be, "liability_current")
        cls.be_bank = cls._account_of(be, "asset_cash")
        cls.be_equity = cls._account_of(be, "equity")
        cls.us_receivable = cls._account_of(us, "asset_receivable")
        cls.us_income = cls._account_of(us, "income")
        cls.us_expense = cls._account_of(us, "expense")
        cls.us_payable = cls._account_of(us, "liability_payable")

        # BE01 in EUR: an opening entry, two in the period, one after it, a draft.
        cls._entry(be, "2024-12-15", [(cls.be_receivable, 500), (cls.be_equity, -500)])
        cls._entry(be, "2025-02-10", [(cls.be_receivable, 121), (cls.be_income, -100), (cls.be_tax, -21)])
        cls._entry(be, "2025-11-20", [(cls.be_bank, 50), (cls.be_receivable, -50)])
        cls._entry(be, "2025-12-05", [(cls.be_bank, 70), (cls.be_receivable, -70)])
        cls.draft = cls._entry(
            be, "2025-03-01", [(cls.be_receivable, 999), (cls.be_income, -999)], post=False
        )
        # US01 in USD.
        cls._entry(us, "2024-12-20", [(cls.us_receivable, 1000), (cls.us_income, -1000)])
        cls._entry(us, "2025-03-15", [(cls.us_expense, 300), (cls.us_payable, -300)])
        cls._entry(us, "2025-08-01", [(cls.us_receivable, 200), (cls.us_income, -200)])

        # Group chart maps: BE01's lines name accounts, US01's name codes; taxes, bank and payables unmapped.
        cls.be_map = cls._group_map(
            be, {cls.be_receivable: cls.ga_receivables, cls.be_income: cls.ga_revenue}
        )
        cls.us_map = cls._group_map(
            us,
            {
                cls.us_receivable: cls.ga_receivables,
                cls.us_income: cls.ga_revenue,
                cls.us_expense: cls.ga_expense,
            },
            by_code=True,
        )

    @classmethod
    def _account_of(cls, company, account_type):
        Account = cls.env["account.account"].with_company(company)
        account = Account.search(
            [*Account._check_company_domain(company), ("account_type", "=", account_type)],
            order="code",
            limit=1,
        )
        assert account, f"no {account_type} account in {company.entity_code}"
        return account

    @classmethod
    def _entry(cls, company, date, amounts, post=True):
        """A journal entry of ``company``: one line per (account, signed amount in company currency)."""
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "general")], limit=1
        )
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": date,
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": account.id,
                                "name": "trial balance test",
                                "debit": max(amount, 0),
                                "credit": max(-amount, 0),
                            }
                        )
                        for account, amount in amounts
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _group_map(cls, company, mapping, effective_date="2025-01-01", by_code=False, table=None):
        """An approved group-account version of ``company``'s map (four eyes: an author, an approver)."""
        Table = cls.env["integration.mapping.table"]
        table = table or Table.search(
            [
                ("company_id", "=", company.id),
                ("mapping_type", "=", "group_account"),
                ("endpoint_id", "=", False),
            ]
        )
        table = table or Table.create({"company_id": company.id, "mapping_type": "group_account"})
        version = (
            cls.env["integration.mapping.version"]
            .with_user(cls.map_author)
            .create(
                {
                    "table_id": table.id,
                    "effective_date": effective_date,
                    "line_ids": [
                        Command.create(
                            {
                                "external_code": account.with_company(company).code,
                                "account_id": False if by_code else account.id,
                                "group_account_id": group_account.id,
                            }
                        )
                        for account, group_account in mapping.items()
                    ],
                }
            )
        )
        version.action_submit()
        version.with_user(cls.map_approver).action_approve()
        return version.with_user(cls.env.user)

    def _expected_figures(self, company, date_from=DATE_FROM, date_to=DATE_TO):
        """``{code: [opening, debit, credit]}`` summed item by item from the posted journal items."""
        lines = self.env["account.move.line"].search(
            [("company_id", "=", company.id), ("parent_state", "=", "posted"), ("date", "<=", date_to)]
        )
        figures, moved = defaultdict(lambda: [0.0, 0.0, 0.0]), set()
        for line in lines:
            code = line.account_id.with_company(company).code
            if line.date < date_from:
                figures[code][0] += line.balance
            else:
                moved.add(code)
                figures[code][1] += line.debit
                figures[code][2] += line.credit
        currency = company.currency_id
        return {
            code: [currency.round(value) for value in row]
            for code, row in figures.items()
            if code in moved or not currency.is_zero(row[0])
        }

    @staticmethod
    def _expected_rates():
        """EUR per USD from USD_RATES: the closing rate of 2025-11-30 and the daily average of the period.

        2025-01-01..03-31: 90 days at 1.10; 04-01..09-30: 183 days at 1.20;
        10-01..11-30: 61 days at 1.25 (334 days).
        """
        closing = 1 / 1.25
        average = (90 / 1.10 + 183 / 1.20 + 61 / 1.25) / 334
        return closing, average
