"""Factories for the matching tests: posted invoices and bills, bank lines made as the feed makes them."""

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user

IBAN_ACME = "BE71096123456769"


class ReconcileCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Company = cls.env["res.company"]
        cls.be01 = Company._find_by_entity_code("BE01")
        cls.us01 = Company._find_by_entity_code("US01")
        cls.eur = cls.be01.currency_id
        cls.usd = cls.us01.currency_id
        cls.Line = cls.env["account.bank.statement.line"]
        cls.Reconciler = cls.env["integration.bank.reconciler"]
        cls.bank = cls._bank_journal(cls.be01, "RBNK")
        cls.bank_us = cls._bank_journal(cls.us01, "RBNU")
        cls.acme = cls.env["res.partner"].create(
            {"name": "Acme NV", "is_company": True, "bank_ids": [Command.create({"acc_number": IBAN_ACME})]}
        )
        cls.globex = cls.env["res.partner"].create({"name": "Globex SA", "is_company": True})
        cls.be01.integration_match_tolerance = 0.0

    @classmethod
    def _bank_journal(cls, company, code):
        return cls.env["account.journal"].create(
            {"name": f"Bank {code}", "code": code, "type": "bank", "company_id": company.id}
        )

    @classmethod
    def _invoice(
        cls, partner, amount, move_type="out_invoice", *, company=None, currency=None, post=True, **vals
    ):
        company = company or cls.be01
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": "2026-11-20",
                    "date": "2026-11-20",
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                        )
                    ],
                    **vals,
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _line(cls, amount, journal=None, date="2026-11-30", **vals):
        """A bank line as the bank statement flow stores it (its reference, label, counterparty)."""
        journal = journal or cls.bank
        return cls.Line.with_company(journal.company_id).create(
            {
                "journal_id": journal.id,
                "date": date,
                "amount": amount,
                "payment_ref": vals.pop("payment_ref", "Payment"),
                **vals,
            }
        )

    @classmethod
    def _finance_user(cls, login, companies, groups=("account.group_account_user",)):
        return new_test_user(
            cls.env,
            login=login,
            groups=",".join(["base.group_user", "integration_core.group_integration_user", *groups]),
            company_id=companies[:1].id,
            company_ids=companies.ids,
        )

    def _register_payment(self, invoice, journal, memo, amount=None):
        """A gateway's payment as the payment status flow registers it: outstanding, not yet on a bank line."""
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "payment_date": "2026-11-25",
                    "journal_id": journal.id,
                    "amount": amount or invoice.amount_residual,
                    "communication": memo,
                }
            )
        )
        return wizard._create_payments()

    def assertOpen(self, line, *fragments):
        self.assertFalse(line.is_reconciled)
        for fragment in fragments:
            self.assertIn(fragment, line.integration_match_note or "")

    def _days_ago(self, days):
        # The user's today, as the workbench counts days (the server's date may already be another day).
        return fields.Date.subtract(fields.Date.context_today(self.Line), days=days)
