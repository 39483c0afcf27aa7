"""Exact amounts in the books: what is posted is what was sent, to the cent (and beyond, where Odoo
keeps more); what the entity's currency cannot hold is an exception naming the line, never rounded."""

from decimal import Decimal

from odoo.tests import tagged

from .exact_amounts_common import CREDIT_ACCOUNT, DEBIT_ACCOUNT, ExactAmountsCase


@tagged("post_install", "-at_install")
class TestExactAmountsPosted(ExactAmountsCase):
    def test_largest_amount_is_posted_exactly(self):
        move = self._posted(self._accepted(self._post_text("max", self._balanced("999999999999.99"))))
        largest = Decimal("999999999999.99")
        self.assertEqual(self._stored_amounts(move, "debit"), [0, largest])
        self.assertEqual(self._stored_amounts(move, "credit"), [largest, 0])
        self.assertEqual(self._stored_amounts(move, "amount_currency"), [-largest, largest])

    def test_a_number_is_posted_as_written(self):
        message = self._accepted(self._post_text("number", self._balanced("100.10")))
        self.assertIn('"debit":100.10', message.payload)
        move = self._posted(message)
        self.assertEqual(self._stored_amounts(move, "balance"), [Decimal("-100.10"), Decimal("100.10")])

    def test_debits_must_equal_credits_exactly(self):
        lines = ((DEBIT_ACCOUNT, "debit", '"100.00"'), (CREDIT_ACCOUNT, "credit", '"100.001"'))
        payload = self._entry_text(*lines)
        errors = self._invalid(self._post_text("off-by-a-mill", payload))
        self.assertIn("$.payload.lines", errors)

    def test_a_line_finer_than_the_entity_currency_is_an_exception_naming_it(self):
        # No currency in the payload: the entity's (EUR, 2 decimals) decides, at processing.
        payload = self._entry_text(
            (DEBIT_ACCOUNT, "debit", '"0.333"'),
            (DEBIT_ACCOUNT, "debit", '"0.667"'),
            (CREDIT_ACCOUNT, "credit", "1"),
        )
        message = self._processed(self._accepted(self._post_text("mills-eur", payload)))
        self.assertEqual(message.state, "exception")
        self.assertEqual({error["code"] for error in message.errors}, {"invalid_document"})
        by_path = {error["path"]: error["message"] for error in message.errors}
        self.assertEqual(set(by_path), {"$.payload.lines[0].debit", "$.payload.lines[1].debit"})
        self.assertIn("Line 1 (account 620200)", by_path["$.payload.lines[0].debit"])
        self.assertIn("0.333", by_path["$.payload.lines[0].debit"])
        self.assertIn("EUR", by_path["$.payload.lines[0].debit"])
        self.assertFalse(self.Move.search([("integration_message_id", "=", message.id)]))
        exception = message.exception_ids
        self.assertEqual(exception.code, "invalid_document")

    def test_an_entry_without_journal_goes_to_the_first_general_journal(self):
        Journal = self.env["account.journal"]
        general = Journal.search([*Journal._check_company_domain(self.be01), ("type", "=", "general")])
        self.assertTrue(general)
        response = self._post_text("no-journal", self._balanced('"42"', journal=None))
        move = self._posted(self._accepted(response))
        self.assertEqual(move.journal_id, general[0])
        self.assertEqual(move.company_id, self.be01)
        # Odoo's order decides: the general journal put first is the one taken.
        last = general[-1]
        last.sequence = min(general.mapped("sequence")) - 1
        response = self._post_text("no-journal-2", self._balanced('"43"', journal=None))
        move = self._posted(self._accepted(response))
        self.assertEqual(move.journal_id, last)

    def test_an_entity_without_general_journal_says_so(self):
        Journal = self.env["account.journal"]
        Journal.search([*Journal._check_company_domain(self.be01), ("type", "=", "general")]).active = False
        message = self._processed(
            self._accepted(self._post_text("no-misc", self._balanced('"42.00"', journal=None)))
        )
        self.assertEqual(message.state, "exception")
        self.assertEqual(len(message.errors), 1)
        error = message.errors[0]
        self.assertEqual((error["code"], error["type"]), ("missing_mapping", "journal"))
        self.assertIn("miscellaneous-operations journal", error["message"])


@tagged("post_install", "-at_install")
class TestExactInvoiceAmounts(ExactAmountsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create({"name": "Exact Customer", "company_id": cls.be01.id})
        cls.env["integration.partner.link"].create(
            {
                "endpoint_id": cls.endpoint.id,
                "company_id": cls.be01.id,
                "external_id": "EXACT-CUS",
                "partner_id": customer.id,
            }
        )

    @staticmethod
    def _invoice_text(number, quantity, price_unit):
        return (
            f'{{"move_type": "out_invoice", "partner": "EXACT-CUS", "number": "{number}", '
            f'"invoice_date": "2026-11-30", "currency": "EUR", "post": true, "lines": '
            f'[{{"account": "700000", "quantity": {quantity}, "price_unit": {price_unit}}}]}}'
        )

    def test_unit_price_with_six_decimals_and_quantity_are_kept_exactly(self):
        payload = self._invoice_text("EX-1", "2.5", '"12.345678"')
        move = self._posted(self._accepted(self._post_text("ex-1", payload, flow="invoice")))
        product_line = move.invoice_line_ids
        product_line.flush_recordset()
        self.env.cr.execute(
            "SELECT price_unit::text, quantity::text FROM account_move_line WHERE id = %s", [product_line.id]
        )
        price_unit, quantity = self.env.cr.fetchone()
        self.assertEqual((Decimal(price_unit), Decimal(quantity)), (Decimal("12.345678"), Decimal("2.5")))
        # Odoo computes the total from them: 2.5 x 12.345678 = 30.864195, in cents.
        self.assertEqual(move.amount_untaxed, 30.86)

    def test_a_quantity_finer_than_odoo_keeps_is_an_exception_naming_the_line(self):
        places = self.env["decimal.precision"].precision_get("Product Unit")
        quantity = f'"1.{"3" * (places + 1)}"'
        payload = self._invoice_text("EX-2", quantity, '"10"')
        message = self._processed(self._accepted(self._post_text("ex-qty", payload, flow="invoice")))
        self.assertEqual(message.state, "exception")
        self.assertEqual([error["code"] for error in message.errors], ["invalid_document"])
        self.assertEqual(message.errors[0]["path"], "$.payload.lines[0].quantity")
        self.assertIn("Line 1 (account 700000)", message.errors[0]["message"])
        self.assertFalse(self.Move.search([("integration_message_id", "=", message.id)]))
