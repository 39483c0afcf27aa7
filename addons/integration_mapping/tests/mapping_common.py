"""Factories for the mapping tests: an endpoint serving two entities, people for four-eyes, tables."""

from odoo import Command, fields

from odoo.addons.integration_core.tests.common import IntegrationCase


class MappingCase(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("PAYROLL", companies=cls.be01 | cls.us01)
        both = cls.be01 | cls.us01
        finance = ["account.group_account_invoice"]
        cls.author = cls._user("map_author", ["integration_core.group_integration_manager", *finance], both)
        cls.approver = cls._user(
            "map_approver", ["integration_core.group_integration_manager", *finance], both
        )
        cls.clerk = cls._user("map_clerk", ["integration_core.group_integration_user", *finance], both)
        cls.Table = cls.env["integration.mapping.table"]
        cls.Version = cls.env["integration.mapping.version"]
        cls.Move = cls.env["account.move"]

    @classmethod
    def _account(cls, code, company=None):
        company = company or cls.be01
        Account = cls.env["account.account"].with_company(company)
        account = Account.search([("code", "=", code), *Account._check_company_domain(company)])
        assert account, f"no account {code} in {company.entity_code}"
        return account

    @classmethod
    def _table(cls, kind, company=None, **vals):
        return cls.Table.create(
            {
                "endpoint_id": cls.endpoint.id,
                "company_id": company.id if company else False,
                "mapping_type": kind,
                **vals,
            }
        )

    @classmethod
    def _draft(cls, table, mapping, effective_date="2026-01-01", user=None):
        """A draft version of ``table`` mapping each code to its record, drafted by ``user``."""
        fname = {
            "account": "account_id",
            "journal": "journal_id",
            "currency": "currency_id",
            "analytic": "analytic_account_id",
            "partner": "partner_id",
            "tax": "tax_id",
            "payment_term": "payment_term_id",
        }[table.mapping_type]
        return (
            cls.Version.with_user(user or cls.author)
            .create(
                {
                    "table_id": table.id,
                    "effective_date": effective_date,
                    "line_ids": [
                        Command.create({"external_code": code, fname: record.id})
                        for code, record in mapping.items()
                    ],
                }
            )
            .with_user(cls.env.user)
        )

    @classmethod
    def _approved(cls, table, mapping, effective_date="2026-01-01"):
        version = cls._draft(table, mapping, effective_date)
        version.with_user(cls.author).action_submit()
        version.with_user(cls.approver).action_approve()
        return version

    def _send(self, key, payload, entity="BE01"):
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(flow="journal_entry", key=key, entity=entity, payload=payload)
        )[0]
        self.assertEqual(status, 202, body)
        return self._message(self.endpoint, key)

    def _send_and_process(self, key, payload, entity="BE01"):
        """Send a journal entry and process the queue; the message and its entry."""
        message = self._send(key, payload, entity)
        self._process()
        return message, self.Move.browse(message.result_id) if message.result_id else self.Move

    @staticmethod
    def _date(value):
        return fields.Date.to_date(value)
