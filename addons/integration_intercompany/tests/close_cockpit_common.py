"""Fixtures of the period-close cockpit tests.

The entity under test is UK01 (GBP), for March 2025: the demo group leaves
it without exceptions, queued messages, bank lines or entries in that month,
so every count the tests read is what they made.
"""

from datetime import date, timedelta

from odoo import Command, fields

from odoo.addons.integration_core.tests.common import IntegrationCase

DATE_FROM, DATE_TO = date(2025, 3, 1), date(2025, 3, 31)
MANAGER_GROUPS = ["integration_core.group_integration_manager", "account.group_account_manager"]


class CloseCockpitCase(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uk01 = cls.env["res.company"]._find_by_entity_code("UK01")
        cls.endpoint = cls._create_endpoint("CLOSE", companies=cls.uk01, flows=cls.flow_echo)
        cls.manager = cls._user("close_manager", MANAGER_GROUPS, cls.uk01 | cls.be01 | cls.us01)
        cls.finance_user = cls._user(
            "close_user", ["integration_core.group_integration_user"], cls.uk01 | cls.be01 | cls.us01
        )
        cls.Period = cls.env["integration.close.period"]

    # ------------------------------------------------------------ cockpit
    def _period(self, company=None, user=None, date_from=DATE_FROM, date_to=DATE_TO):
        env = self.env(user=user) if user else self.env
        return env["integration.close.period"]._open_for(company or self.uk01, date_from, date_to)

    @staticmethod
    def _check(period, code):
        return period.check_ids.filtered(lambda check: check.code == code)

    def _counts(self, period):
        """``{code: (count, status)}`` of every item, as the cockpit shows them."""
        return {check.code: (check.count, check.status) for check in period.check_ids}

    def _opened(self, period, code):
        """The records the item's button opens."""
        action = self._check(period, code).action_open_records()
        return self.env[action["res_model"]].search(action["domain"])

    # ------------------------------------------------------------ queue
    def _send(self, key, **payload):
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(key=key, entity="UK01", payload={"ref": key, **payload})
        )[0]
        self.assertEqual(status, 202, body)
        return self._message(self.endpoint, key)

    def _run_until_dead(self, message):
        for _attempt in range(self.flow_echo.max_attempts):
            message.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
            self._process()
        self.assertEqual(message.state, "dead")

    # ------------------------------------------------------------ books
    @classmethod
    def _account(cls, company, account_type):
        return (
            cls.env["account.account"]
            .with_company(company)
            .search([("company_ids", "in", company.id), ("account_type", "=", account_type)], limit=1)
        )

    @classmethod
    def _journal(cls, company, journal_type):
        return cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", journal_type)], limit=1
        )

    @classmethod
    def _entry(cls, company, day, lines, partner=None):
        """A posted journal entry: ``lines`` are (account, signed amount) pairs."""
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": cls._journal(company, "general").id,
                    "date": day,
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": account.id,
                                "debit": max(amount, 0),
                                "credit": max(-amount, 0),
                                "partner_id": partner and partner.id,
                                "name": "Close cockpit test",
                            }
                        )
                        for account, amount in lines
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _bank_line(cls, company, day, amount=250.0):
        return (
            cls.env["account.bank.statement.line"]
            .with_company(company)
            .create(
                {
                    "journal_id": cls._journal(company, "bank").id,
                    "date": day,
                    "payment_ref": "Transfer nobody recognises",
                    "amount": amount,
                }
            )
        )

    def _audit(self, period, action):
        return self.env["integration.audit.log"].search(
            [("res_model", "=", period._name), ("res_id", "=", period.id), ("action", "=", action)]
        )
