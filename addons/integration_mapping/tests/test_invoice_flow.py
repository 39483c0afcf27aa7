"""invoice flow: Odoo's own totals and taxes, refunds, currencies, drafts, idempotency."""

from datetime import timedelta

import psycopg2.errors

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .invoice_common import DATE, InvoiceCase


@tagged("post_install", "-at_install")
class TestInvoiceFlow(InvoiceCase):
    # ------------------------------------------------------------- totals
    def test_customer_invoice_three_lines_two_taxes_as_odoo_computes(self):
        payload = self._invoice(lines=self._three_lines())
        move = self._result(self._run("inv-1", payload))
        reference = self._reference_invoice("out_invoice", self.customer, payload["lines"])
        self._assert_same_amounts(move, reference)
        self.assertRecordValues(
            move,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "company_id": self.be01.id,
                    "partner_id": self.customer.id,
                    "invoice_date": fields.Date.to_date(DATE),
                    "invoice_date_due": fields.Date.to_date("2026-12-30"),
                    "integration_external_number": "SHOP-2026-0042",
                    "currency_id": self.be01.currency_id.id,
                }
            ],
        )
        self.assertEqual(move.journal_id.type, "sale")
        self.assertEqual(len(move.invoice_line_ids), 3)
        self.assertEqual(set(move.line_ids.tax_line_id.ids), {self.tax_21.id, self.tax_6.id})
        self.assertTrue(move.payment_reference, "Odoo's own payment reference when the sender gives none")
        message = self._message(self.endpoint, "inv-1")
        self.assertEqual(move.integration_message_id, message)
        self.assertEqual(move.integration_correlation_id, message.correlation_id)
        self.assertEqual(message.result_name, move.name)

    def test_vendor_bill_keeps_the_number_as_reference(self):
        payload = self._invoice("BILL-77", "in_invoice", "SUP-7", lines=self._three_lines(sale=False))
        move = self._result(self._run("bill-1", payload))
        self._assert_same_amounts(move, self._reference_invoice("in_invoice", self.vendor, payload["lines"]))
        self.assertEqual(move.journal_id.type, "purchase")
        self.assertEqual(move.ref, "BILL-77")
        self.assertEqual(move.integration_external_number, "BILL-77")
        self.assertEqual(move.state, "posted")
        self.assertEqual(set(move.line_ids.tax_line_id.ids), {self.tax_21_m.id, self.tax_6_m.id})

    def test_refunds(self):
        out_refund = self._result(self._run("cn-1", self._invoice("CN-1", "out_refund")))
        in_refund = self._result(self._run("dn-1", self._invoice("DN-1", "in_refund", "SUP-7")))
        for move, reference_type, partner in (
            (out_refund, "out_refund", self.customer),
            (in_refund, "in_refund", self.vendor),
        ):
            self.assertEqual(move.move_type, reference_type)
            self.assertEqual(move.state, "posted")
            self.assertAlmostEqual(move.amount_total, 121.0)
            reference = self._reference_invoice(
                reference_type, partner, self._invoice(move_type=reference_type)["lines"]
            )
            self._assert_same_amounts(move, reference)
        self.assertLess(out_refund.amount_total_signed, 0)
        self.assertGreater(in_refund.amount_total_signed, 0)

    def test_foreign_currency_invoice_converted_by_odoo_rates(self):
        payload = self._invoice("USD-1", currency="USD", lines=self._three_lines())
        move = self._result(self._run("inv-usd", payload))
        reference = self._reference_invoice("out_invoice", self.customer, payload["lines"], currency="USD")
        self.assertEqual(move.currency_id.name, "USD")
        self._assert_same_amounts(move, reference)
        usd = self.env.ref("base.USD")
        expected = usd._convert(move.amount_total, self.be01.currency_id, self.be01, DATE)
        self.assertAlmostEqual(move.amount_total_in_currency_signed, move.amount_total, places=2)
        self.assertAlmostEqual(move.amount_total_signed, expected, delta=0.02, msg="company currency (EUR)")
        self.assertLess(move.amount_total_signed, move.amount_total, "1 EUR buys 1.12 USD on that date")
        receivable = move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertAlmostEqual(receivable.amount_currency, move.amount_total, places=2)
        self.assertAlmostEqual(receivable.balance, move.amount_total_signed, places=2)
        self.assertAlmostEqual(sum(move.line_ids.mapped("balance")), 0.0, places=6)

    # ------------------------------------------------------------ options
    def test_post_false_leaves_a_draft(self):
        message = self._run("inv-draft", self._invoice("DRAFT-1", post=False))
        move = self._result(message)
        self.assertEqual(move.state, "draft")
        self.assertIn("Draft", message.result_name)
        self.assertAlmostEqual(move.amount_total, 121.0)
        payload = self._invoice("DRAFT-2")
        del payload["post"]
        self.assertEqual(self._result(self._run("inv-draft-2", payload)).state, "draft")

    def test_payment_term_decides_the_due_date(self):
        move = self._result(self._run("inv-term", self._invoice("TERM-1", payment_term="30 Days")))
        self.assertEqual(move.invoice_payment_term_id.name, "30 Days")
        self.assertEqual(move.invoice_date_due, fields.Date.to_date(DATE) + timedelta(days=30))

    def test_sender_due_date_beats_the_partner_default_term(self):
        self.customer.property_payment_term_id = self.env.ref("account.account_payment_term_immediate")
        move = self._result(self._run("inv-due", self._invoice("DUE-1")))
        self.assertFalse(move.invoice_payment_term_id)
        self.assertEqual(move.invoice_date_due, fields.Date.to_date("2026-12-30"))

    def test_journal_code_and_analytic_per_line(self):
        plan = self.env["account.analytic.plan"].create({"name": "Cost centers"})
        sales = self.env["account.analytic.account"].create(
            {"name": "Sales", "code": "CC-SALES", "plan_id": plan.id, "company_id": self.be01.id}
        )
        payload = self._invoice("AN-1", journal="INV")
        payload["lines"][0]["analytic"] = {"cost_center": "CC-SALES"}
        move = self._result(self._run("inv-an", payload))
        self.assertEqual(move.journal_id.code, "INV")
        self.assertEqual(move.invoice_line_ids.analytic_distribution, {str(sales.id): 100.0})

    def test_wrong_journal_type_is_refused(self):
        message = self._run("inv-bill-journal", self._invoice("J-1", journal="BILL"))
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.errors[0]["code"], "invalid_document")

    def test_unknown_codes_give_one_exception_naming_all(self):
        payload = self._invoice("BAD-1", partner="CUS-404", payment_term="Someday")
        payload["lines"][0].update(account="999999", taxes=["21% M"])  # a purchase tax on a sale
        message = self._run("inv-bad", payload)
        self.assertEqual(message.state, "exception")
        found = sorted((error["type"], error["value"]) for error in message.errors)
        self.assertEqual(
            found,
            [("account", "999999"), ("partner", "CUS-404"), ("payment_term", "Someday"), ("tax", "21% M")],
        )
        self.assertEqual(len(message.exception_ids), 1)
        self.assertFalse(self.Move.search([("integration_message_id", "=", message.id)]))

    def test_locked_period_is_an_exception_naming_the_lock(self):
        self.be01.sudo().sale_lock_date = "2026-11-30"
        message = self._run("inv-lock", self._invoice("LOCK-1"))
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.errors[0]["code"], "locked_period")
        self.assertEqual(message.errors[0]["lock"], "sale_lock_date")
        self.assertEqual(message.errors[0]["lock_date"], "2026-11-30")
        self.assertFalse(self.Move.search([("integration_external_number", "=", "LOCK-1")]))
        bill = self._run("bill-lock", self._invoice("LOCK-2", "in_invoice", "SUP-7"))
        self.assertEqual(bill.state, "done", "the sales lock does not close purchases")

    # -------------------------------------------------------- idempotency
    def test_replay_and_resend_make_nothing_twice(self):
        message = self._run("inv-rep", self._invoice("REP-1"))
        move = self._result(message)
        message.action_replay()
        self._process()
        self.assertEqual(self._result(message), move)
        resent = self._run("inv-rep-again", self._invoice("REP-1"))
        self.assertEqual(
            self._result(resent), move, "same business key, other idempotency key: the same invoice"
        )
        self.assertEqual(resent.result_name, move.name)
        self.assertEqual(self.Move.search_count([("integration_external_number", "=", "REP-1")]), 1)
        # The same number for another partner or type is another invoice.
        other_type = self._result(self._run("inv-rep-cn", self._invoice("REP-1", "out_refund")))
        self.assertNotEqual(other_type, move)

    def test_the_database_refuses_a_twin_of_the_business_key(self):
        # What protects two workers processing the same invoice at once: the loser's
        # unique violation is retried by the engine and then finds the winner's invoice.
        move = self._result(self._run("inv-db", self._invoice("DB-1", post=False)))
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            move.copy({"integration_external_number": "DB-1"})

    def test_the_same_invoice_twice_in_one_batch_is_made_once(self):
        first = self._send("invoice", "inv-twin-1", self._invoice("TWIN-1"))
        second = self._send("invoice", "inv-twin-2", self._invoice("TWIN-1"))
        other = self._send("invoice", "inv-twin-3", self._invoice("TWIN-2"))
        self._process()
        self.assertEqual(self._result(first), self._result(second))
        self.assertNotEqual(self._result(first), self._result(other))
        self.assertEqual(self.Move.search_count([("integration_external_number", "=", "TWIN-1")]), 1)

    def test_sender_number_is_searchable(self):
        move = self._result(self._run("inv-search", self._invoice("SHOP-2026-0777")))
        self.assertEqual(self.Move.search([("integration_external_number", "ilike", "0777")]), move)
        view = self.env.ref("account.view_account_invoice_filter")
        arch = self.Move.get_views([(view.id, "search")])["views"]["search"]["arch"]
        self.assertIn('name="integration_external_number"', arch)

    def test_batch_posts_many_invoices_each_once(self):
        messages = self.env["integration.message"]
        for index in range(20):
            messages |= self._send(
                "invoice", f"inv-batch-{index}", self._invoice(f"B-{index}", lines=self._three_lines())
            )
        bad = self._send("invoice", "inv-batch-bad", self._invoice("B-BAD", partner="NOBODY"))
        self._process()
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(bad.state, "exception")
        moves = self.Move.search([("integration_message_id", "in", messages.ids)])
        self.assertEqual(len(moves), 20)
        self.assertEqual(set(moves.mapped("state")), {"posted"})

    def test_partner_from_the_partner_flow_is_usable_at_once(self):
        partner_message = self._send("partner", "p-new", self._partner_payload("CUS-NEW", roles=["customer"]))
        self._process()
        self.assertEqual(partner_message.state, "done", partner_message.errors)
        move = self._result(self._run("inv-new", self._invoice("NEW-1", partner="CUS-NEW")))
        self.assertEqual(move.partner_id.id, partner_message.result_id)

    def test_invoice_waits_for_its_partner_still_queued(self):
        invoice_message = self._send("invoice", "inv-wait", self._invoice("WAIT-1", partner="CUS-LATE"))
        partner_message = self._send(
            "partner", "p-late", self._partner_payload("CUS-LATE", roles=["customer"])
        )
        # The invoice is processed while its partner still waits in the queue.
        partner_message.sudo().write({"state": "retry", "next_attempt_at": "2999-01-01 00:00:00"})
        self._process()
        self.assertEqual(invoice_message.state, "retry", invoice_message.errors)
        self.assertFalse(invoice_message.exception_ids)
        partner_message.sudo().write({"next_attempt_at": False})
        self._process()
        self.assertEqual(partner_message.state, "done", partner_message.errors)
        invoice_message.sudo().write({"next_attempt_at": False})  # its retry is due
        self._process()
        self.assertEqual(self._result(invoice_message).partner_id.id, partner_message.result_id)
        # A partner nobody is sending stays a problem for a finance user.
        lost = self._run("inv-lost", self._invoice("LOST-1", partner="CUS-NEVER"))
        self.assertEqual(lost.state, "exception")
