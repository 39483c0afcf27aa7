"""Exact amounts at the door: what the books cannot hold exactly is a 422 at its path, nothing is rounded,
and the stored payload keeps every number as the sender wrote it."""

from odoo.tests import tagged

from .exact_amounts_common import CREDIT_ACCOUNT, DEBIT_ACCOUNT, ExactAmountsCase

DEBIT_PATH, CREDIT_PATH = "$.payload.lines[0].debit", "$.payload.lines[1].credit"


@tagged("post_install", "-at_install")
class TestExactAmountsRefused(ExactAmountsCase):
    def test_forty_digit_amount_is_refused(self):
        amount = "1" + "0" * 39
        errors = self._invalid(self._post_text("big-40", self._balanced(amount)))
        self.assertIn(DEBIT_PATH, errors)
        self.assertIn(CREDIT_PATH, errors)
        self.assertIn("999,999,999,999.99", errors[DEBIT_PATH])
        quoted = self._invalid(self._post_text("big-40s", self._balanced(f'"{amount}"')))
        self.assertIn(DEBIT_PATH, quoted)

    def test_three_hundred_nines_are_refused_and_quoted_short(self):
        errors = self._invalid(self._post_text("nines", self._balanced("9" * 300)))
        self.assertIn(DEBIT_PATH, errors)
        self.assertNotIn("9" * 201, errors[DEBIT_PATH])
        self.assertFalse(self._message(self.endpoint, "nines"))

    def test_amounts_below_a_millionth_are_refused(self):
        errors = self._invalid(self._post_text("tiny", self._balanced("1e-7")))
        self.assertEqual(set(errors), {DEBIT_PATH, CREDIT_PATH})
        self.assertIn("decimals", errors[DEBIT_PATH])

    def test_lines_finer_than_the_payload_currency_are_refused_at_their_path(self):
        # They balance only after rounding: 0.333333 + 0.333333 + 0.333334 = 1.000000, in cents nowhere.
        payload = self._entry_text(
            (DEBIT_ACCOUNT, "debit", '"0.333333"'),
            (DEBIT_ACCOUNT, "debit", '"0.333333"'),
            (DEBIT_ACCOUNT, "debit", '"0.333334"'),
            (CREDIT_ACCOUNT, "credit", '"1.00"'),
            currency="USD",
        )
        errors = self._invalid(self._post_text("thirds-usd", payload))
        self.assertEqual(
            set(errors), {"$.payload.lines[0].debit", "$.payload.lines[1].debit", "$.payload.lines[2].debit"}
        )
        self.assertIn("USD", errors["$.payload.lines[0].debit"])
        # A currency without decimals, one with three: ISO 4217 says which, no database needed.
        errors = self._invalid(self._post_text("jpy", self._balanced('"10.5"', currency="JPY")))
        self.assertIn(DEBIT_PATH, errors)
        self._accepted(self._post_text("kwd", self._balanced('"10.125"', currency="KWD")))

    def test_non_finite_numbers_are_refused_at_their_path(self):
        for index, token in enumerate(("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E+15")):
            with self.subTest(token=token):
                payload = self._entry_text(
                    (DEBIT_ACCOUNT, "debit", "100"),
                    (CREDIT_ACCOUNT, "credit", token),
                )
                errors = self._invalid(self._post_text(f"nonfinite-{index}", payload))
                self.assertIn(CREDIT_PATH, errors)
        invoice = self._invoice_text("NAN-1", "NaN", quantity="Infinity")
        errors = self._invalid(self._post_text("nan-invoice", invoice, flow="invoice"))
        self.assertLessEqual({"$.payload.lines[0].quantity", "$.payload.lines[0].price_unit"}, set(errors))

    def test_largest_amount_and_one_cent_more(self):
        self._accepted(self._post_text("max", self._balanced("999999999999.99")))
        invoice = self._invoice_text("MAX-1", '"-999999999999.99"')
        self._accepted(self._post_text("max-neg-invoice", invoice, flow="invoice"))
        errors = self._invalid(self._post_text("max+1", self._balanced("1000000000000.00")))
        self.assertIn(DEBIT_PATH, errors)
        errors = self._invalid(self._post_text("max+1s", self._balanced('"1000000000000.00"')))
        self.assertIn(DEBIT_PATH, errors)

    def test_sixteen_significant_digits_are_refused(self):
        for index, amount in enumerate(('"1234567890.123456"', "1234567890.123456", '"12345678901234.5"')):
            with self.subTest(amount=amount):
                errors = self._invalid(self._post_text(f"sixteen-{index}", self._balanced(amount)))
                self.assertIn(DEBIT_PATH, errors)
        # Fifteen are fine.
        self._accepted(self._post_text("fifteen", self._balanced('"123456789.123456"')))

    def test_unit_price_carries_six_decimals_not_seven(self):
        self._accepted(self._post_text("price-6", self._invoice_text("P6", '"0.123456"'), flow="invoice"))
        for index, price in enumerate(('"0.1234567"', "0.1234567")):
            invoice = self._invoice_text(f"P7-{index}", price)
            errors = self._invalid(self._post_text(f"price-7-{index}", invoice, flow="invoice"))
            self.assertIn("$.payload.lines[0].price_unit", errors)

    def test_an_amount_with_a_trailing_newline_is_refused(self):
        errors = self._invalid(self._post_text("newline", self._balanced('"100.00\\n"')))
        self.assertIn(DEBIT_PATH, errors)

    def test_long_values_are_quoted_short(self):
        payload = self._entry_text((DEBIT_ACCOUNT, "debit", "100"), (CREDIT_ACCOUNT, "credit", "100"))
        long_ref = payload.replace('"ref": "EXACT"', '"ref": "' + "r" * 100_000 + '"')
        errors = self._invalid(self._post_text("long-ref", long_ref))
        self.assertIn("$.payload.ref", errors)
        self.assertNotIn("r" * 201, errors["$.payload.ref"])

    @staticmethod
    def _invoice_text(number, price_unit, quantity='"1"'):
        return (
            f'{{"move_type": "out_invoice", "partner": "CUS-9", "number": "{number}", '
            f'"invoice_date": "2026-11-30", "lines": [{{"account": "700000", "quantity": {quantity}, '
            f'"price_unit": {price_unit}}}]}}'
        )


@tagged("post_install", "-at_install")
class TestStoredPayloadIsExact(ExactAmountsCase):
    def test_numbers_are_stored_as_sent_and_a_resend_is_a_duplicate(self):
        payload = self._entry_text(
            (DEBIT_ACCOUNT, "debit", "1.10"),
            (CREDIT_ACCOUNT, "credit", "1.10"),
        )
        message = self._accepted(self._post_text("as-sent", payload))
        self.assertIn('"debit":1.10', message.payload)
        self.assertIn('"credit":1.10', message.payload)
        again = self._post_text("as-sent", payload)
        self.assertEqual(again.status_code, 200, again.text)
        self.assertIs(again.json()["duplicate"], True)
        self.assertEqual(again.json()["id"], message.id)
        # The same document with its keys in another order and other spacing is the same payload.
        reordered = (
            '{"lines": [{"label": "line 1", "debit": 1.10, "account": "620200"},'
            ' {"credit": 1.10, "account": "455000", "label": "line 2"}],'
            ' "ref": "EXACT", "journal": "MISC", "date": "2026-11-30"}'
        )
        self.assertEqual(self._post_text("as-sent", reordered).status_code, 200)
        changed = self._post_text("as-sent", self._balanced("1.20"))
        self.assertEqual(changed.status_code, 409, changed.text)
