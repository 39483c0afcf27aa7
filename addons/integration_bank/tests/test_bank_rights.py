"""A bank feed's service user makes statements in its entities' bank journals and nothing else."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .bank_common import BankCase

FORGED = "changes only through the product's own actions"


@tagged("post_install", "-at_install")
class TestBankRights(BankCase):
    def _as_service(self, model):
        return self.env[model].with_user(self.endpoint.user_id).with_company(self.be01)

    def test_service_user_holds_the_bank_statement_rights_only(self):
        user = self.endpoint.user_id
        self.assertTrue(user.has_group("integration_bank.group_flow_bank_statement"))
        for group in (
            "integration_mapping.group_flow_invoice",
            "integration_mapping.group_flow_journal_entry",
            "integration_mapping.group_flow_partner",
            "account.group_account_invoice",
        ):
            self.assertFalse(user.has_group(group), group)

    def test_bank_feed_cannot_write_invoices_entries_or_contacts(self):
        account = self.env["account.account"].search(
            [("company_ids", "in", self.be01.id), ("account_type", "=", "income")], limit=1
        )
        customer = self.env["res.partner"].create({"name": "Customer"})
        invoice_vals = {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_date": "2026-11-30",
            "invoice_line_ids": [
                Command.create({"name": "Widget", "price_unit": 10.0, "account_id": account.id})
            ],
        }
        misc = self.env["account.journal"].search(
            [("company_id", "=", self.be01.id), ("type", "=", "general")], limit=1
        )
        entry_vals = {
            "move_type": "entry",
            "journal_id": misc.id,
            "line_ids": [
                Command.create({"account_id": account.id, "debit": 1.0}),
                Command.create({"account_id": account.id, "credit": 1.0}),
            ],
        }
        for model, vals in (
            ("account.move", invoice_vals),
            ("account.move", entry_vals),
            ("res.partner", {"name": "Forged"}),
        ):
            with (
                self.subTest(model=model, vals=vals.get("move_type")),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                self._as_service(model).create(vals)
        invoice = self.env["account.move"].with_company(self.be01).create(invoice_vals)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            invoice.with_user(self.endpoint.user_id).write({"ref": "changed by a bank feed"})

    def test_bank_feed_cannot_read_another_entitys_statements(self):
        uk_journal = self._bank_journal(self.env["res.company"]._find_by_entity_code("UK01"), "TUK")
        statement = self.Statement.create(
            {
                "name": "UK",
                "line_ids": [
                    Command.create(
                        {
                            "journal_id": uk_journal.id,
                            "date": "2026-11-30",
                            "payment_ref": "UK line",
                            "amount": 5.0,
                        }
                    )
                ],
            }
        )
        self.assertEqual(statement.company_id.entity_code, "UK01")
        with self.assertRaises(AccessError):
            statement.with_user(self.endpoint.user_id).read(["name"])

    def test_what_the_feed_wrote_is_not_a_finance_users_to_change(self):
        payload = self._statement("RIGHTS-1", "0.00", "12.00", [self._line("RB-1", "12.00")])
        statement = self._statement_of(self._import("rights-1", payload))
        line = statement.line_ids
        accountant = self._user(
            "bank_acct", ["account.group_account_manager", "account.group_account_basic"], self.be01
        )
        for record, vals in (
            (line, {"integration_line_identity": "id:FORGED"}),
            (line, {"integration_reference": "+++000/0000/00097+++"}),
            (line, {"integration_matched_by": "reference"}),
            (line, {"integration_message_id": False}),
            (statement, {"integration_statement_ref": "RIGHTS-2"}),
            (statement, {"integration_correlation_id": "forged"}),
        ):
            with (
                self.subTest(field=next(iter(vals))),
                self.assertRaisesRegex(AccessError, FORGED),
                self.env.cr.savepoint(),
            ):
                record.with_user(accountant).write(vals)
        # A line made by hand cannot take the identity of a line the bank has yet to send.
        with self.assertRaisesRegex(AccessError, FORGED), self.env.cr.savepoint():
            self.Line.with_user(accountant).with_company(self.be01).create(
                {
                    "journal_id": self.journal.id,
                    "date": "2026-11-30",
                    "payment_ref": "by hand",
                    "amount": 3.0,
                    "integration_line_identity": "id:RB-2",
                }
            )
        # What a person may change stays theirs, and writing a value unchanged is no change.
        line.with_user(accountant).write({"payment_ref": "Entry RB-1, checked"})
        line.with_user(accountant).write({"integration_line_identity": line.integration_line_identity})
        self.assertEqual(line.integration_line_identity, "id:RB-1")
        self.assertEqual(line.integration_message_id, statement.integration_message_id)
