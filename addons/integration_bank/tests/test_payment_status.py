"""payment_status flow: payments registered on the invoice as Odoo's Register Payment does, notes
for failures, refunds undone, idempotency by transaction id, and the service user's rights."""

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .payment_common import PAID_ON, PaymentCase


@tagged("post_install", "-at_install")
class TestPaymentStatus(PaymentCase):
    # ------------------------------------------------------------ succeeded
    def test_succeeded_pays_the_invoice_in_full(self):
        invoice = self._invoice()
        message = self._status("pay-1")
        payment = self._done(message)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(self._payments(invoice), payment)
        first_bank = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(self.be01), ("type", "=", "bank")], limit=1
        )
        self.assertRecordValues(
            payment,
            [
                {
                    "amount": 121.0,
                    "currency_id": invoice.currency_id.id,
                    "date": fields.Date.to_date(PAID_ON),
                    "memo": "pi_3Nx",
                    "partner_id": self.customer.id,
                    "payment_type": "inbound",
                    "journal_id": first_bank.id,
                    "company_id": self.be01.id,
                }
            ],
        )
        self.assertEqual(payment.move_id.state, "posted")
        self.assertEqual(message.result_name, payment.name)
        row = self.Transaction.search([("message_id", "=", message.id)])
        self.assertRecordValues(
            row,
            [
                {
                    "transaction_id": "pi_3Nx",
                    "status": "succeeded",
                    "invoice_id": invoice.id,
                    "payment_id": payment.id,
                    "amount": 121.0,
                    "endpoint_id": self.gateway.id,
                    "company_id": self.be01.id,
                }
            ],
        )

    def test_partial_payments_leave_the_rest_open(self):
        invoice = self._invoice()
        first = self._done(self._status("pay-1", amount="50.00", transaction_id="pi_a"))
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 71.0, places=2)
        self.assertEqual(first.amount, 50.0)
        second = self._done(self._status("pay-2", amount=71, transaction_id="pi_b"))
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._payments(invoice), first | second)

    def test_the_invoice_is_found_by_odoo_name_too(self):
        invoice = self._invoice()
        payment = self._done(self._status("pay-1", invoice=invoice.name))
        self.assertIn(invoice, payment.reconciled_invoice_ids)

    def test_replay_and_resend_create_nothing(self):
        invoice = self._invoice()
        message = self._status("pay-1")
        payment = self._done(message)
        envelope = self._envelope(
            flow="payment_status", key="pay-1", payload=message._payload_dict(), entity="BE01"
        )
        # Sent again as it was: the API answers with the stored message.
        response = self._post(self.gateway_key, envelope)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.json()["duplicate"])
        # Sent again under another key: done on the payment already registered.
        resent = self._status("pay-1-again")
        self.assertEqual(self._done(resent), payment)
        # A finance user replays the first one: still that payment.
        message.action_replay()
        self._processed(message)
        self.assertEqual(self._done(message), payment)
        self.assertEqual(self._payments(invoice), payment)
        self.assertEqual(self.Transaction.search_count([("transaction_id", "=", "pi_3Nx")]), 1)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid")

    def test_journal_named_by_the_sender_or_the_endpoint_default(self):
        invoice = self._invoice()
        gateway_journal = self.env["account.journal"].create(
            {"name": "Gateway payouts", "code": "GWPO", "type": "bank", "company_id": self.be01.id}
        )
        named = self.env["account.journal"].create(
            {"name": "Card payments", "code": "CARD", "type": "bank", "company_id": self.be01.id}
        )
        self.gateway.payment_journal_ids = [Command.set(gateway_journal.ids)]
        unknown = self._exception(
            self._status("pay-0", amount="1.00", transaction_id="pi_0", journal="NOPE"), "missing_mapping"
        )
        self.assertEqual((unknown["type"], unknown["value"]), ("journal", "NOPE"))
        by_default = self._done(self._status("pay-1", amount="21.00", transaction_id="pi_a"))
        self.assertEqual(by_default.journal_id, gateway_journal)
        by_code = self._done(self._status("pay-2", amount="100.00", transaction_id="pi_b", journal="CARD"))
        self.assertEqual(by_code.journal_id, named)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid")

    # ------------------------------------------------------------ refused
    def test_unknown_invoice(self):
        error = self._exception(self._status("pay-1", invoice="SHOP-404"), "unknown_reference")
        self.assertEqual((error["type"], error["value"]), ("invoice", "SHOP-404"))

    def test_another_currency_is_refused(self):
        invoice = self._invoice()
        error = self._exception(self._status("pay-1", currency="USD"), "invalid_document")
        self.assertIn("USD", error["message"])
        self.assertIn("EUR", error["message"])
        self.assertFalse(self._payments(invoice))

    def test_amount_above_the_residual_is_refused(self):
        invoice = self._invoice()
        self._done(self._status("pay-1", amount="100.00", transaction_id="pi_a"))
        error = self._exception(
            self._status("pay-2", amount="30.00", transaction_id="pi_b"), "invalid_document"
        )
        self.assertIn("21.0", error["message"])
        invoice.invalidate_recordset()
        self.assertAlmostEqual(invoice.amount_residual, 21.0, places=2)
        self.assertEqual(len(self._payments(invoice)), 1)

    def test_amount_finer_than_the_currency_is_not_rounded(self):
        invoice = self._invoice()
        error = self._exception(self._status("pay-1", amount="10.005"), "invalid_document")
        self.assertIn("10.005", error["message"])
        self.assertFalse(self._payments(invoice))

    # ------------------------------------------------------------ failed
    def test_failed_leaves_a_note_and_no_accounting(self):
        invoice = self._invoice()
        moves_before = self.env["account.move"].search_count([("company_id", "=", self.be01.id)])
        message = self._status("pay-1", status="failed", reason="card declined")
        self.assertEqual(self._done(message, "account.move"), invoice)
        note = invoice.message_ids.filtered(lambda m: "pi_3Nx" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("card declined", note.body)
        self.assertFalse(self._payments(invoice))
        self.assertEqual(
            self.env["account.move"].search_count([("company_id", "=", self.be01.id)]), moves_before
        )
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "not_paid")
        # The same failure sent again: no second note.
        self._done(self._status("pay-2", status="failed", reason="card declined"), "account.move")
        self.assertEqual(len(invoice.message_ids.filtered(lambda m: "pi_3Nx" in (m.body or ""))), 1)

    # ------------------------------------------------------------ refunded
    def test_refunded_cancels_the_payment_of_that_transaction(self):
        invoice = self._invoice()
        payment = self._done(self._status("pay-1"))
        refund = self._status("refund-1", status="refunded")
        self.assertEqual(self._done(refund), payment)
        invoice.invalidate_recordset()
        payment.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertAlmostEqual(invoice.amount_residual, 121.0, places=2)
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(payment.move_id.state, "cancel", "the entry is kept, cancelled, for the trail")
        history = self.Transaction.search([("transaction_id", "=", "pi_3Nx")], order="id")
        self.assertEqual(history.mapped("status"), ["succeeded", "refunded"])
        self.assertEqual(history.mapped("message_id"), self._message(self.gateway, "pay-1") | refund)
        # Re-sent: nothing more happens.
        self.assertEqual(self._done(self._status("refund-2", status="refunded")), payment)
        self.assertEqual(self.Transaction.search_count([("transaction_id", "=", "pi_3Nx")]), 2)

    def test_success_and_refund_processed_in_one_batch(self):
        invoice = self._invoice()
        payload = {
            "invoice": "WEB-T-0042",
            "transaction_id": "pi_fast",
            "amount": "121.00",
            "currency": "EUR",
            "date": PAID_ON,
        }
        paid = self._send(self.gateway_key, "payment_status", dict(payload, status="succeeded"), "fast-1")
        refunded = self._send(self.gateway_key, "payment_status", dict(payload, status="refunded"), "fast-2")
        self._process()
        (paid | refunded).invalidate_recordset()
        payment = self._done(paid)
        self.assertEqual(self._done(refunded), payment)
        invoice.invalidate_recordset()
        self.assertEqual((invoice.payment_state, payment.state), ("not_paid", "canceled"))

    def test_refunded_after_the_bank_matched_the_payment_pays_the_money_back(self):
        invoice = self._invoice()
        payment = self._done(self._status("pay-1"))
        statement_line = self._match_with_bank_line(payment)
        refund = self._status("refund-1", status="refunded", date="2026-12-05")
        back = self._done(refund)
        self.assertNotEqual(back, payment, "cancelling would undo the bank's matching")
        self.assertRecordValues(
            back,
            [
                {
                    "payment_type": "outbound",
                    "partner_id": self.customer.id,
                    "amount": 121.0,
                    "memo": "pi_3Nx",
                    "date": fields.Date.to_date("2026-12-05"),
                    "journal_id": payment.journal_id.id,
                    "is_reconciled": True,
                    "is_matched": False,
                }
            ],
        )
        invoice.invalidate_recordset()
        payment.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertAlmostEqual(invoice.amount_residual, 121.0, places=2)
        self.assertNotEqual(payment.state, "canceled")
        self.assertEqual(payment.reconciled_statement_line_ids, statement_line)
        # Re-sent: the same payment back, nothing more.
        self.assertEqual(self._done(self._status("refund-2", status="refunded", date="2026-12-05")), back)

    def _match_with_bank_line(self, payment):
        """The gateway's payout reaches the bank and is matched with the payment, as Odoo's own tests
        do without a reconciliation widget."""
        statement_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": payment.journal_id.id,
                "date": PAID_ON,
                "payment_ref": "Gateway payout",
                "partner_id": payment.partner_id.id,
                "amount": payment.amount,
            }
        )
        _st_liquidity, st_suspense, _other = statement_line.with_context(
            skip_account_move_synchronization=True
        )._seek_for_lines()
        liquidity = payment._seek_for_lines()[0]
        st_suspense.account_id = liquidity.account_id
        (st_suspense + liquidity).reconcile()
        payment.invalidate_recordset()
        self.assertTrue(payment.is_matched)
        return statement_line

    def test_refunded_of_an_unknown_transaction(self):
        self._invoice()
        error = self._exception(
            self._status("refund-1", status="refunded", transaction_id="pi_never"), "unknown_reference"
        )
        self.assertEqual((error["type"], error["value"]), ("transaction", "pi_never"))

    # ------------------------------------------------------------ rights
    def test_payment_service_user_makes_no_invoice_nor_journal_entry(self):
        invoice = self._invoice()
        user = self.gateway.user_id
        self.assertTrue(user.has_group("integration_bank.group_flow_payment_status"))
        Move = self.env["account.move"].with_user(user).with_company(self.be01)
        Account = self.env["account.account"].with_company(self.be01)
        income = Account.search([*Account._check_company_domain(self.be01), ("code", "=", "700000")])
        self.assertTrue(income)
        with self.assertRaises(AccessError):
            Move.create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [
                        Command.create({"name": "x", "price_unit": 10, "account_id": income.id})
                    ],
                }
            )
        misc = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(self.be01), ("type", "=", "general")], limit=1
        )
        with self.assertRaises(AccessError):
            Move.create(
                {
                    "move_type": "entry",
                    "journal_id": misc.id,
                    "line_ids": [
                        Command.create({"name": "a", "debit": 5, "account_id": income.id}),
                        Command.create({"name": "b", "credit": 5, "account_id": income.id}),
                    ],
                }
            )
        with self.assertRaises(AccessError):
            invoice.with_user(user).write({"ref": "changed by the gateway"})
        # What it may do, it did through the flow: the payment.
        self._done(self._status("pay-1"))

    def test_finance_users_see_the_payment_statuses_of_their_entities(self):
        invoice = self._invoice()
        payment = self._done(self._status("pay-1"))
        be_user = self._user("pay_be", ["integration_core.group_integration_user"], self.be01)
        us_user = self._user("pay_us", ["integration_core.group_integration_user"], self.us01)
        Transaction = self.Transaction
        self.assertEqual(Transaction.with_user(be_user).search([]).mapped("transaction_id"), ["pi_3Nx"])
        self.assertFalse(Transaction.with_user(us_user).search([]))
        # The list a finance user opens: the invoice, the payment and the message, by name.
        finance = self._user(
            "pay_fin", ["integration_core.group_integration_user", "account.group_account_invoice"], self.be01
        )
        spec = {name: {} for name in ("transaction_id", "status", "amount")} | {
            name: {"fields": {"display_name": {}}} for name in ("invoice_id", "payment_id", "message_id")
        }
        [row] = Transaction.with_user(finance).web_search_read([], spec)["records"]
        self.assertEqual(row["invoice_id"]["display_name"], invoice.display_name)
        self.assertEqual(row["payment_id"]["display_name"], payment.display_name)
        self.assertTrue(row["message_id"]["display_name"])

    def test_an_endpoint_has_one_payment_journal_per_entity_it_may_send_for(self):
        Journal = self.env["account.journal"]
        first, second = (
            Journal.create(
                {"name": f"Payouts {code}", "code": code, "type": "bank", "company_id": self.be01.id}
            )
            for code in ("PO1", "PO2")
        )
        with self.assertRaises(ValidationError):
            self.gateway.payment_journal_ids = [Command.set((first | second).ids)]
        outsider = self.env["res.company"]._find_by_entity_code("UK01")
        foreign = Journal.search([*Journal._check_company_domain(outsider), ("type", "=", "bank")], limit=1)
        self.assertTrue(foreign)
        with self.assertRaises(ValidationError):
            self.gateway.payment_journal_ids = [Command.set(foreign.ids)]
