"""Factories for the bank statement flow tests: a feed endpoint and bank journals with their accounts."""

from odoo import Command

from odoo.addons.integration_core.tests.common import IntegrationCase

# Not the demo group's own account (BE68539007547034): a journal of the tests' own.
IBAN_BE = "BE43068999999501"
IBAN_PAYER = "BE71096123456769"


class BankCase(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow_bank = cls.env.ref("integration_bank.flow_bank_statement")
        cls.endpoint = cls._create_endpoint("BANKFEED", companies=cls.be01 | cls.us01, flows=cls.flow_bank)
        cls.Statement = cls.env["account.bank.statement"]
        cls.Line = cls.env["account.bank.statement.line"]
        cls.journal = cls._bank_journal(cls.be01, "TBNK", IBAN_BE)
        cls.payer = cls.env["res.partner"].create(
            {"name": "Acme NV", "is_company": True, "bank_ids": [Command.create({"acc_number": IBAN_PAYER})]}
        )

    @classmethod
    def _bank_journal(cls, company, code, iban=None, **vals):
        bank_account = iban and cls.env["res.partner.bank"].create(
            {"acc_number": iban, "partner_id": company.partner_id.id, "company_id": company.id}
        )
        return cls.env["account.journal"].create(
            {
                "name": f"Test bank {code}",
                "code": code,
                "type": "bank",
                "company_id": company.id,
                "bank_account_id": bank_account.id if bank_account else False,
                **vals,
            }
        )

    @staticmethod
    def _line(line_id, amount, date="2026-11-30", **extra):
        line = {"date": date, "amount": amount, "label": f"Entry {line_id}", **extra}
        if line_id:
            line["id"] = line_id
        return line

    @staticmethod
    def _statement(statement_id, opening, closing, lines, account=IBAN_BE, **extra):
        payload = {
            "account": account,
            "statement_id": statement_id,
            "date": "2026-11-30",
            "currency": "EUR",
            "closing_balance": closing,
            "lines": lines,
            **extra,
        }
        if opening is not None:
            payload["opening_balance"] = opening
        return payload

    def _import(self, key, payload, entity="BE01", status=202):
        envelope = self._envelope(flow="bank_statement", key=key, entity=entity, payload=payload)
        code, body, _headers = self._receive(self.endpoint, envelope)[0]
        self.assertEqual(code, status, body)
        if status not in (200, 202):
            return body
        self._process()
        return self._message(self.endpoint, key)

    def _statement_of(self, message):
        self.assertEqual(message.state, "done", message.exception_ids.mapped("name"))
        self.assertEqual(message.result_model, "account.bank.statement")
        return self.Statement.browse(message.result_id)
