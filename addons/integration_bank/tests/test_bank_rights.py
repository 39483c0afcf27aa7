"""A bank feed's service user makes statements in its entities' bank journals and nothing else."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .bank_common import BankCase


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
