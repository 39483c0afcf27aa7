"""payment_status flow, the less common cases: foreign currencies, vendor bills, partial refunds,
locked periods, ambiguous numbers."""

from odoo.tests import tagged

from .payment_common import PaymentCase


@tagged("post_install", "-at_install")
class TestPaymentStatusEdges(PaymentCase):
    def test_foreign_currency_invoice_paid_in_its_currency(self):
        invoice = self._invoice("WEB-USD-1", currency="USD")
        # The dollar moved between the invoice and the payment: Odoo books the exchange difference
        # while matching, an entry the service user may not make (that step is the product's).
        self.env["res.currency.rate"].create(
            {
                "name": "2026-12-01",
                "rate": 1.25,
                "currency_id": invoice.currency_id.id,
                "company_id": self.be01.id,
            }
        )
        payment = self._done(
            self._status("pay-1", invoice="WEB-USD-1", currency="USD", transaction_id="pi_usd")
        )
        self.assertEqual(payment.currency_id.name, "USD")
        self.assertEqual(payment.amount, 121.0)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid")
        receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        self.assertTrue(receivable.matched_credit_ids.exchange_move_id, "the exchange difference is booked")
        # Refunded: the matching and its exchange difference are undone with the payment.
        refund = self._status("refund-1", status="refunded", currency="USD", transaction_id="pi_usd")
        self.assertEqual(self._done(refund), payment)
        invoice.invalidate_recordset()
        self.assertEqual((invoice.payment_state, payment.state), ("not_paid", "canceled"))

    def test_vendor_bill_paid_outbound(self):
        bill = self._invoice("BILL-9", move_type="in_invoice")
        payment = self._done(self._status("pay-1", invoice="BILL-9", transaction_id="po_1"))
        self.assertEqual(payment.payment_type, "outbound")
        bill.invalidate_recordset()
        self.assertEqual(bill.payment_state, "paid")

    def test_a_partial_refund_is_left_to_a_finance_user(self):
        invoice = self._invoice()
        payment = self._done(self._status("pay-1"))
        error = self._exception(
            self._status("refund-1", status="refunded", amount="21.00"), "invalid_document"
        )
        self.assertIn(payment.name, error["message"])
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertNotEqual(payment.state, "canceled")

    def test_a_payment_date_in_a_locked_period_is_refused(self):
        invoice = self._invoice()
        self.be01.fiscalyear_lock_date = "2026-12-31"
        error = self._exception(self._status("pay-1"), "locked_period")
        self.assertEqual(error["lock_date"], "2026-12-31")
        self.assertFalse(self._payments(invoice))

    def test_a_number_two_invoices_carry_is_not_guessed(self):
        self._invoice("WEB-DUP")
        other = self.env["res.partner"].create({"name": "Other", "company_id": self.be01.id})
        self.env["integration.partner.link"].create(
            {
                "endpoint_id": self.shop.id,
                "company_id": self.be01.id,
                "external_id": "CUS-10",
                "partner_id": other.id,
            }
        )
        payload = {
            "move_type": "out_invoice",
            "partner": "CUS-10",
            "number": "WEB-DUP",
            "invoice_date": "2026-11-30",
            "currency": "EUR",
            "lines": [{"label": "Widget", "quantity": "1", "price_unit": "10.00", "account": "700000"}],
            "post": True,
        }
        self._done(
            self._processed(self._send(self.shop_key, "invoice", payload, "inv-dup-2")), "account.move"
        )
        error = self._exception(self._status("pay-1", invoice="WEB-DUP"), "invalid_document")
        self.assertIn("WEB-DUP", error["message"])
