"""Automatic matching of bank lines: each rule, partial payments, what stays open and why."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .bank_common import IBAN_PAYER, BankCase
from .reconcile_common import ReconcileCase


@tagged("post_install", "-at_install")
class TestReconcile(ReconcileCase):
    def test_structured_references_are_compared_as_the_bank_writes_them(self):
        belgian = self._invoice(self.acme, 121.0, payment_reference="+++090/9337/55493+++")
        iso = self._invoice(self.globex, 80.0, payment_reference="RF18 5390 0754 7034")
        by_digits = self._line(121.0, integration_reference="090933755493")
        by_rf = self._line(80.0, payment_ref="Invoice rf18539007547034 thank you")

        self.Reconciler._auto_reconcile(by_digits | by_rf)

        self.assertEqual((belgian.payment_state, iso.payment_state), ("paid", "paid"))
        self.assertTrue(by_digits.is_reconciled and by_rf.is_reconciled)
        self.assertEqual(by_digits.integration_matched_by, "reference")
        self.assertEqual(by_digits.partner_id, self.acme, "the line takes the contact of what it paid")
        self.assertIn(belgian.name, by_digits.integration_match_note)

    def test_invoice_number_odoo_or_sender(self):
        by_sender = self._invoice(self.acme, 50.0, integration_external_number="WEB-77-0042")
        by_odoo = self._invoice(self.globex, 70.0)
        shop_line = self._line(50.0, payment_ref="Order WEB-77-0042, thanks")
        odoo_line = self._line(70.0, ref=by_odoo.name.lower())

        self.Reconciler._auto_reconcile(shop_line | odoo_line)

        self.assertEqual((by_sender.payment_state, by_odoo.payment_state), ("paid", "paid"))
        self.assertEqual(shop_line.integration_matched_by, "number")
        self.assertIn(
            odoo_line.integration_matched_by, ("reference", "number")
        )  # Odoo's reference is the number

    def test_amount_and_contact(self):
        invoice = self._invoice(self.acme, 121.0, payment_reference="ACME-A")
        self._invoice(self.acme, 99.0, payment_reference="ACME-B")
        other = self._invoice(self.globex, 121.0, payment_reference="GLOBEX-A")
        line = self._line(121.0, partner_id=self.acme.id, payment_ref="Transfer")

        self.Reconciler._auto_reconcile(line)

        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(other.payment_state, "not_paid")
        self.assertEqual(line.integration_matched_by, "amount_partner")

    def test_tolerance_matches_but_never_writes_off(self):
        self.be01.integration_match_tolerance = 0.05
        invoice = self._invoice(self.acme, 121.0, payment_reference="ACME-TOL")
        line = self._line(120.97, partner_id=self.acme.id, payment_ref="Transfer")

        self.Reconciler._auto_reconcile(line)

        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 0.03, places=2, msg="the difference stays open")

    def test_partial_payment_by_reference_then_overpayment(self):
        invoice = self._invoice(self.acme, 200.0, payment_reference="+++111/2222/33344+++")
        first = self._line(80.0, integration_reference="+++111/2222/33344+++")
        self.Reconciler._auto_reconcile(first)
        self.assertTrue(first.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 120.0)

        second = self._line(150.0, integration_reference="111/2222/33344")
        self.Reconciler._auto_reconcile(second)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(second.is_reconciled, "the 30.00 paid too much is for a person to decide")
        self.assertAlmostEqual(second.amount_residual, -30.0)
        self.assertIn("30.00", second.integration_match_note)
        suspense = second._seek_for_lines()[1]
        self.assertAlmostEqual(suspense.balance, -30.0, msg="the rest stays on the suspense account")

    def test_two_invoices_of_the_same_amount_stay_open_with_the_reason(self):
        first = self._invoice(self.acme, 121.0, payment_reference="AMB-1")
        second = self._invoice(self.acme, 121.0, payment_reference="AMB-2")
        line = self._line(121.0, partner_id=self.acme.id, payment_ref="Transfer")

        self.Reconciler._auto_reconcile(line)

        self.assertOpen(line, "2 open invoices of", "121.00", "Acme NV", first.name, second.name)
        self.assertEqual((first.payment_state, second.payment_state), ("not_paid", "not_paid"))

    def test_currency_mismatch_stays_open(self):
        invoice = self._invoice(self.acme, 121.0, currency=self.usd, payment_reference="USD-REF-1")
        line = self._line(121.0, payment_ref="USD-REF-1")

        self.Reconciler._auto_reconcile(line)

        self.assertOpen(line, "USD", "EUR", invoice.name)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_foreign_currency_line_pays_an_invoice_in_that_currency(self):
        invoice = self._invoice(self.acme, 100.0, currency=self.usd, payment_reference="USD-REF-2")
        line = self._line(
            92.0, foreign_currency_id=self.usd.id, amount_currency=100.0, payment_ref="USD-REF-2"
        )

        self.Reconciler._auto_reconcile(line)

        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "paid")

    def test_vendor_bill_paid_by_a_negative_line(self):
        bill = self._invoice(self.globex, 50.0, move_type="in_invoice", ref="GLX-7781")
        wrong_way = self._line(50.0, payment_ref="GLX-7781")
        line = self._line(-50.0, payment_ref="Payment GLX-7781")

        self.Reconciler._auto_reconcile(wrong_way | line)

        self.assertTrue(line.is_reconciled)
        self.assertEqual(bill.payment_state, "paid")
        self.assertOpen(wrong_way, "other way")

    def test_payout_line_matched_to_registered_payments(self):
        by_amount = self._register_payment(self._invoice(self.acme, 121.0), self.bank, "pi_3Nx")
        by_reference = self._register_payment(self._invoice(self.globex, 60.0), self.bank, "pi_9Zq")
        payout = self._line(121.0, payment_ref="STRIPE PAYOUT")
        quoted = self._line(60.0, payment_ref="Payout", ref="pi_9Zq")

        self.Reconciler._auto_reconcile(payout | quoted)

        self.assertTrue(payout.is_reconciled and quoted.is_reconciled)
        self.assertEqual(payout.integration_matched_by, "payment_amount")
        self.assertEqual(quoted.integration_matched_by, "reference")
        self.assertTrue(by_amount.is_matched and by_reference.is_matched)

    def test_unknown_counterparty_and_no_reference(self):
        self._invoice(self.acme, 121.0, payment_reference="NOPE-1")
        line = self._line(121.0, partner_name="Someone", payment_ref="Gift")

        self.Reconciler._auto_reconcile(line)

        self.assertOpen(line, "Someone", "not a known contact")

    def test_a_run_pays_each_invoice_once(self):
        invoice = self._invoice(self.acme, 121.0, payment_reference="ONCE-1")
        first = self._line(121.0, partner_id=self.acme.id, payment_ref="Transfer 1")
        second = self._line(121.0, partner_id=self.acme.id, payment_ref="Transfer 2")

        self.Reconciler._auto_reconcile(first | second)

        self.assertEqual(invoice.payment_state, "paid")
        self.assertTrue(first.is_reconciled)
        self.assertOpen(second, "no open invoice")

    def test_the_bank_feed_user_reconciles_without_rights_on_invoices(self):
        feed = new_test_user(
            self.env,
            login="feed_service_rec",
            groups="base.group_user,integration_core.group_integration_service,"
            "integration_bank.group_flow_bank_statement",
            company_id=self.be01.id,
            company_ids=self.be01.ids,
        )
        invoice = self._invoice(self.acme, 64.0, payment_reference="FEED-64")
        line = self._line(64.0, payment_ref="FEED-64")
        with self.assertRaises(AccessError):
            invoice.with_user(feed).check_access("write")

        self.Reconciler.with_user(feed)._auto_reconcile(line.with_user(feed))

        self.assertEqual(invoice.payment_state, "paid")

    def test_documents_of_another_entity_are_never_matched(self):
        us_invoice = self._invoice(self.acme, 33.0, company=self.us01, payment_reference="CROSS-33")
        line = self._line(33.0, payment_ref="CROSS-33")

        self.Reconciler._auto_reconcile(line)

        self.assertOpen(line, "No open document")
        self.assertEqual(us_invoice.payment_state, "not_paid")

    def test_what_an_overpayment_left_open_is_matched_later(self):
        first = self._invoice(self.acme, 100.0, payment_reference="LATER-1")
        line = self._line(130.0, payment_ref="LATER-1")
        self.Reconciler._auto_reconcile(line)
        self.assertEqual(first.payment_state, "paid")
        self.assertEqual(line.partner_id, self.acme)

        second = self._invoice(self.acme, 30.0, payment_reference="LATER-2")
        self.Reconciler._auto_reconcile(line)

        self.assertEqual(second.payment_state, "paid", "the 30.00 left open pays Acme's invoice of 30.00")
        self.assertTrue(line.is_reconciled)

    def test_two_lines_quoting_one_invoice_in_one_run(self):
        invoice = self._invoice(self.acme, 100.0, payment_reference="TWICE-1")
        first = self._line(80.0, payment_ref="TWICE-1 part 1")
        second = self._line(80.0, payment_ref="TWICE-1 part 2")

        self.Reconciler._auto_reconcile(first | second)

        self.assertEqual(invoice.payment_state, "paid")
        self.assertTrue(first.is_reconciled)
        self.assertFalse(second.is_reconciled)
        self.assertAlmostEqual(second._seek_for_lines()[1].balance, -60.0, msg="60.00 left open on the line")
        self.assertIn("60.00", second.integration_match_note)


@tagged("post_install", "-at_install")
class TestReconcileFromFeed(BankCase):
    def test_a_statement_from_the_bank_pays_the_invoice_it_quotes(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.payer.id,
                "company_id": self.be01.id,
                "invoice_date": "2026-11-20",
                "payment_reference": "+++090/9337/55493+++",
                "invoice_line_ids": [Command.create({"name": "Service", "price_unit": 121.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        lines = [
            self._line("FEED-1", "121.00", reference="090/9337/55493", counterparty_iban=IBAN_PAYER),
            self._line("FEED-2", "-5.00", label="Bank fees"),
        ]
        message = self._import("rec-feed-1", self._statement("REC-1", "0.00", "116.00", lines))

        statement = self._statement_of(message)
        paid, fees = statement.line_ids.sorted("amount", reverse=True)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertTrue(paid.is_reconciled)
        self.assertEqual(paid.integration_matched_by, "reference")
        self.assertFalse(fees.is_reconciled)
        self.assertTrue(fees.integration_match_note, "an unmatched line says why")
