"""Fixtures of the allocation tests: PL01 as the shared-service centre, its IT costs, keys and drivers.

Costs are posted on accounts made for the tests, in a month no demo
document touches (2026-08), so that every figure asserted is one the test
posted.
"""

from odoo import Command

from odoo.addons.integration_core.tests.common import IntegrationCaseMixin

PERIOD = "2026-08"
DAY = "2026-08-20"
RECEIVERS = ("BE01", "US01", "UK01", "SG01")


class AllocationCaseMixin(IntegrationCaseMixin):
    @classmethod
    def _setup_allocations(cls):
        cls._setup_integration()
        Company = cls.env["res.company"]
        cls.pl01 = Company._find_by_entity_code("PL01")
        cls.receivers = {code: Company._find_by_entity_code(code) for code in RECEIVERS}
        cls.uk01, cls.sg01 = cls.receivers["UK01"], cls.receivers["SG01"]
        cls.Run = cls.env["integration.allocation.run"]
        cls.Key = cls.env["integration.allocation.key"]
        # PL01's IT costs on two accounts of their own, and a cost that is not IT.
        cls.it_hosting = cls._new_account(cls.pl01, "40.099.001", "IT hosting", "expense")
        cls.it_licences = cls._new_account(cls.pl01, "40.099.002", "IT licences", "expense")
        cls.office = cls._new_account(cls.pl01, "40.099.003", "Office rent", "expense")
        cls.payables = cls._new_account(cls.pl01, "24.099.001", "Accrued costs", "liability_current")
        cls.recharge_income = cls._new_account(cls.pl01, "70.099.001", "IT services recharged", "income")
        cls.pool = cls.env["integration.allocation.pool"].create(
            {
                "name": "IT costs",
                "company_id": cls.pl01.id,
                "account_ids": [Command.set((cls.it_hosting | cls.it_licences).ids)],
            }
        )

    # ------------------------------------------------------------ factories
    @classmethod
    def _new_account(cls, company, code, name, account_type):
        return (
            cls.env["account.account"]
            .with_company(company)
            .create({"code": code, "name": name, "account_type": account_type, "company_ids": [company.id]})
        )

    @classmethod
    def _entry(cls, company, debit_account, credit_account, amount, *, date=DAY, post=True, analytic=None):
        """A journal entry of ``amount`` (a decimal string) in the company's currency."""
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "general")], order="sequence, id", limit=1
        )
        debit_vals = {"account_id": debit_account.id, "debit": float(amount), "name": "Cost"}
        if analytic:
            debit_vals["analytic_distribution"] = {str(analytic.id): 100}
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": date,
                    "line_ids": [
                        Command.create(debit_vals),
                        Command.create(
                            {"account_id": credit_account.id, "credit": float(amount), "name": "Cost"}
                        ),
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _cost(cls, account, amount, **kwargs):
        return cls._entry(cls.pl01, account, cls.payables, amount, **kwargs)

    @classmethod
    def _key(cls, method="fixed", shares=None, code="TEST-IT", markup=0.0, **vals):
        """A PL01 key over the IT pool; ``shares`` maps entity codes to a percentage, headcount or
        analytic account, as the method reads them."""
        field = {"fixed": "percent", "headcount": "headcount", "analytic": "analytic_account_id"}.get(method)
        lines = []
        for entity, value in (shares or {}).items():
            line = {"receiver_company_id": cls.receivers[entity].id, "period_from": "2026-01"}
            if field:
                line[field] = value.id if field == "analytic_account_id" else value
            lines.append(Command.create(line))
        return cls.Key.create(
            {
                "name": f"IT services ({code})",
                "code": code,
                "company_id": cls.pl01.id,
                "pool_id": cls.pool.id,
                "method": method,
                "markup_percent": markup,
                "income_account_id": cls.recharge_income.id,
                "label": "IT services",
                "line_ids": lines,
                **vals,
            }
        )

    @classmethod
    def _ic_rules(cls, receivers):
        """PL01's intercompany rules to ``receivers``, the recharge income mapped to an expense of each:
        the receiving entity's expense accounts, by receiver."""
        Rule = cls.env["integration.intercompany.rule"]
        expenses = {}
        for receiver in receivers:
            expenses[receiver] = cls._new_account(receiver, "629901", "IT services from PL01", "expense")
            Rule.with_context(active_test=False).search(
                [("company_id", "=", cls.pl01.id), ("target_company_id", "=", receiver.id)]
            ).unlink()
            Rule.create(
                {
                    "company_id": cls.pl01.id,
                    "target_company_id": receiver.id,
                    "partner_id": receiver.partner_id.id,
                    "target_partner_id": cls.pl01.partner_id.id,
                    "mirror_state": "posted",
                    "account_map_ids": [
                        Command.create(
                            {
                                "source_account_id": cls.recharge_income.id,
                                "target_account_id": expenses[receiver].id,
                            }
                        )
                    ],
                }
            )
        return expenses

    # -------------------------------------------------------------- helpers
    def _new_run(self, key, period=PERIOD):
        return self.Run.create({"key_id": key.id, "period": period})

    @staticmethod
    def _shares(run):
        """``{entity code: (cost, markup, invoiced)}`` as strings with two decimals."""
        return {
            line.receiver_company_id.entity_code: tuple(
                f"{value:.2f}" for value in (line.cost_amount, line.markup_amount, line.amount)
            )
            for line in run.line_ids
        }
