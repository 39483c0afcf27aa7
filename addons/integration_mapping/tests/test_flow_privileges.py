"""Least privilege per flow: a service user holds the rights of its endpoint's allowed flows, no more."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .invoice_common import DATE, InvoiceCase

JE_GROUP = "integration_mapping.group_flow_journal_entry"
INVOICE_GROUP = "integration_mapping.group_flow_invoice"
PARTNER_GROUP = "integration_mapping.group_flow_partner"


@tagged("post_install", "-at_install")
class TestFlowPrivileges(InvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow_je = cls.env.ref("integration_mapping.flow_journal_entry")
        cls.je_only = cls._create_endpoint("PAYROLL", flows=cls.flow_je)
        cls.invoice_only = cls._create_endpoint("BILLING", flows=cls.flow_invoice)
        cls.partner_only = cls._create_endpoint("CRM", flows=cls.flow_partner)
        # The invoice-only endpoint's invoices name contacts it knows by its own external ids.
        cls._linked_partner("CUS-9", cls.be01, "Customer Nine", endpoint=cls.invoice_only)
        cls.misc = cls.env["account.journal"].search(
            [("company_id", "=", cls.be01.id), ("code", "=", "MISC")], limit=1
        )

    # ------------------------------------------------------------- helpers
    def _as(self, endpoint, model):
        return self.env[model].with_user(endpoint.user_id).with_company(self.be01)

    def _entry_vals(self):
        return {
            "move_type": "entry",
            "journal_id": self.misc.id,
            "date": DATE,
            "line_ids": [
                Command.create({"account_id": self._account("620200").id, "debit": 10.0}),
                Command.create({"account_id": self._account("455000").id, "credit": 10.0}),
            ],
        }

    def _invoice_vals(self):
        return {
            "move_type": "out_invoice",
            "partner_id": self.customer.id,
            "invoice_date": DATE,
            "invoice_line_ids": [
                Command.create(
                    {"name": "Widget", "price_unit": 10.0, "account_id": self._account("700000").id}
                )
            ],
        }

    def assertRefused(self, endpoint, model, vals):
        """Creating ``vals`` as the endpoint's service user is refused by Odoo's access rights."""
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self._as(endpoint, model).create(vals)

    def _journal_entry(self, endpoint, key):
        payload = self._journal_entry_payload(debit="620200", credit="455000", amount="1000.00")
        message = self._send("journal_entry", key, payload, endpoint=endpoint)
        self._process()
        return message

    # ----------------------------------------------------------------- tests
    def test_service_users_hold_exactly_their_flows_rights(self):
        service = self.env.ref("integration_core.group_integration_service")
        expected = {
            self.je_only: service | self.env.ref(JE_GROUP),
            self.invoice_only: service | self.env.ref(INVOICE_GROUP),
            self.partner_only: service | self.env.ref(PARTNER_GROUP),
        }
        for endpoint, groups in expected.items():
            user = endpoint.user_id
            self.assertEqual(user.group_ids, groups, endpoint.code)
            self.assertEqual(user.company_ids, self.be01)
            self.assertFalse(user.has_group("account.group_account_invoice"), endpoint.code)
            self.assertFalse(user.has_group("base.group_partner_manager"), endpoint.code)

    def test_journal_entry_endpoint_posts_entries_but_makes_no_invoice_nor_partner(self):
        message = self._journal_entry(self.je_only, "priv-je-1")
        self.assertEqual(message.state, "done", message.errors)
        move = self.Move.browse(message.result_id)
        self.assertEqual((move.move_type, move.state), ("entry", "posted"))
        self.assertEqual(move.create_uid, self.je_only.user_id, "made with the service user's own rights")

        self.assertRefused(self.je_only, "account.move", self._invoice_vals())
        self.assertRefused(self.je_only, "res.partner", {"name": "Not from payroll"})
        bank_account = {"acc_number": "BE71096123456769", "partner_id": self.customer.id}
        self.assertRefused(self.je_only, "res.partner.bank", bank_account)
        invoice = self.Move.with_company(self.be01).create(self._invoice_vals())
        self.assertFalse(self._as(self.je_only, "account.move").search([("id", "=", invoice.id)]))
        with self.assertRaises(AccessError):
            self._as(self.je_only, "account.move.line").browse(invoice.line_ids[:1].id).read(["balance"])

    def test_invoice_endpoint_makes_invoices_but_no_journal_entry(self):
        message = self._send("invoice", "priv-inv-1", self._invoice(), endpoint=self.invoice_only)
        self._process()
        move = self._result(message)
        self.assertEqual((move.move_type, move.state), ("out_invoice", "posted"))
        self.assertEqual(move.create_uid, self.invoice_only.user_id)

        self.assertRefused(self.invoice_only, "account.move", self._entry_vals())
        self.assertRefused(self.invoice_only, "res.partner", {"name": "Not from billing"})
        entry = self.Move.with_company(self.be01).create(self._entry_vals())
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self._as(self.invoice_only, "account.move").browse(entry.id).write({"ref": "rewritten"})

    def test_partner_endpoint_makes_contacts_but_no_move(self):
        message = self._send("partner", "priv-p-1", self._partner_payload(), endpoint=self.partner_only)
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        partner = self.Partner.browse(message.result_id)
        self.assertEqual(partner.create_uid, self.partner_only.user_id)
        self.assertEqual(partner.bank_ids.sanitized_acc_number, "BE71096123456769")

        self.assertRefused(self.partner_only, "account.move", self._entry_vals())
        self.assertRefused(self.partner_only, "account.move", self._invoice_vals())

    def test_allowing_a_flow_grants_its_rights_and_removing_it_takes_them_away(self):
        user = self.je_only.user_id
        self.je_only.flow_ids = [Command.link(self.flow_invoice.id)]
        self.assertTrue(user.has_group(INVOICE_GROUP))
        with self.env.cr.savepoint():
            invoice = self._as(self.je_only, "account.move").create(self._invoice_vals())
            self.assertEqual(invoice.move_type, "out_invoice")

        self.je_only.flow_ids = [Command.unlink(self.flow_invoice.id)]
        self.assertFalse(user.has_group(INVOICE_GROUP))
        self.assertTrue(user.has_group(JE_GROUP), "the journal entry flow keeps its rights")
        self.assertRefused(self.je_only, "account.move", self._invoice_vals())

    def test_invoice_refused_at_intake_for_a_journal_entry_endpoint(self):
        body = self._send("invoice", "priv-403", self._invoice(), endpoint=self.je_only, status=403)
        self.assertEqual(body["error"], "forbidden")
        self.assertIn("invoice", body["detail"])
        self.assertFalse(self._message(self.je_only, "priv-403"))

    def test_handler_without_the_rights_it_needs_ends_in_exception_without_writing(self):
        # A flow declaring too little: its handler runs with what its endpoint's user holds, no more.
        self.flow_je.group_ids = [Command.clear()]
        self.assertFalse(self.je_only.user_id.has_group(JE_GROUP), "the flow's change reached its endpoints")
        message = self._journal_entry(self.je_only, "priv-norights")
        self.assertEqual(message.state, "exception")
        self.assertFalse(self.Move.search([("integration_message_id", "=", message.id)]))
        self.assertTrue(message.exception_ids.filtered(lambda exception: exception.state == "open"))

        self.flow_je.group_ids = [Command.set(self.env.ref(JE_GROUP).ids)]
        self.assertTrue(self.je_only.user_id.has_group(JE_GROUP))
