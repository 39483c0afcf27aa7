"""journal_entry flow: translated with the entity's own codes, posted, traced, idempotent."""

from odoo import fields
from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationCase


@tagged("post_install", "-at_install")
class TestJournalEntryFlow(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("PAYROLL", companies=cls.be01 | cls.us01)
        cls.Move = cls.env["account.move"]

    def _send(self, key, payload, entity="BE01"):
        status, body, _h = self._receive(
            self.endpoint, self._envelope(flow="journal_entry", key=key, entity=entity, payload=payload)
        )[0]
        self.assertEqual(status, 202, body)
        return self._message(self.endpoint, key)

    def _payroll(self, **extra):
        return self._journal_entry_payload(debit="620200", credit="455000", amount="1000.00", **extra)

    def test_entry_is_posted_balanced_and_traced(self):
        message = self._send("je-1", self._payroll())
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        move = self.Move.browse(message.result_id)
        self.assertEqual(message.result_model, "account.move")
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.company_id, self.be01)
        self.assertEqual(move.journal_id.code, "MISC")
        self.assertEqual(move.date, fields.Date.to_date("2026-11-30"))
        self.assertEqual(move.ref, "PAYROLL-TEST")
        self.assertEqual(move.integration_message_id, message)
        self.assertEqual(move.integration_correlation_id, message.correlation_id)
        self.assertEqual(message.result_name, move.name)
        lines = move.line_ids.sorted("balance")
        self.assertEqual(lines.account_id.with_company(self.be01).mapped("code"), ["455000", "620200"])
        self.assertEqual(lines.mapped("balance"), [-1000.0, 1000.0])
        self.assertEqual(sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit")))

    def test_foreign_currency_converted_by_odoo_rates(self):
        # 1000 USD in BE01 (EUR) on 2026-11-30: demo rate 1.12 USD per EUR.
        message = self._send("je-usd", self._payroll(currency="USD"))
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        move = self.Move.browse(message.result_id)
        expected = self.env.ref("base.USD")._convert(1000.0, self.be01.currency_id, self.be01, "2026-11-30")
        debit_line = move.line_ids.filtered(lambda line: line.balance > 0)
        self.assertEqual(debit_line.currency_id.name, "USD")
        self.assertEqual(debit_line.amount_currency, 1000.0)
        self.assertAlmostEqual(debit_line.balance, expected, places=2)
        self.assertAlmostEqual(debit_line.balance, 892.86, places=2)

    def test_rounding_keeps_the_entry_balanced_in_both_currencies(self):
        payload = self._payroll(currency="USD")
        payload["lines"] = [
            {"account": "620200", "debit": "0.01"},
            {"account": "620200", "debit": "0.01"},
            {"account": "620200", "debit": "0.01"},
            {"account": "455000", "credit": "0.03"},
        ]
        message = self._send("je-round", payload)
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        move = self.Move.browse(message.result_id)
        self.assertAlmostEqual(sum(move.line_ids.mapped("balance")), 0.0, places=6)
        self.assertAlmostEqual(sum(move.line_ids.mapped("amount_currency")), 0.0, places=6)

    def test_unknown_codes_give_one_exception_naming_all(self):
        payload = self._payroll()
        payload["journal"] = "NOPE"
        payload["lines"][0]["account"] = "999991"
        payload["lines"][1]["account"] = "999992"
        message = self._send("je-codes", payload)
        self._process()
        self.assertEqual(message.state, "exception")
        values = sorted((e["type"], e["value"]) for e in message.errors)
        self.assertEqual(values, [("account", "999991"), ("account", "999992"), ("journal", "NOPE")])
        self.assertEqual({e["code"] for e in message.errors}, {"missing_mapping"})
        # No table governs these kinds here: the chart or "Add mapping" fixes them (issue 11).
        self.assertTrue(message.exception_ids.has_missing_mapping)
        self.assertEqual(len(message.exception_ids), 1)
        self.assertIn("999992", message.exception_ids.explanation)
        self.assertFalse(self.Move.search([("integration_message_id", "=", message.id)]))

    def test_fixed_then_retried_to_done(self):
        payload = self._payroll()
        payload["lines"][0]["account"] = "620999"
        message = self._send("je-fix", payload)
        self._process()
        self.assertEqual(message.state, "exception")
        self.env["account.account"].create(
            {"code": "620999", "name": "Bonuses", "account_type": "expense", "company_ids": [self.be01.id]}
        )
        message.exception_ids.action_retry()
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(message.exception_ids.state, "resolved")

    def test_locked_period_is_an_exception_naming_the_lock(self):
        self.be01.sudo().fiscalyear_lock_date = "2026-10-31"
        message = self._send("je-lock", self._payroll(date="2026-10-15"))
        self._process()
        self.assertEqual(message.state, "exception")
        error = message.errors[0]
        self.assertEqual(error["code"], "locked_period")
        self.assertEqual(error["lock"], "fiscalyear_lock_date")
        self.assertEqual(error["lock_date"], "2026-10-31")
        self.assertEqual(message.exception_ids.code, "locked_period")
        self.assertFalse(self.Move.search([("integration_message_id", "=", message.id)]))

    def test_replay_never_creates_a_second_entry(self):
        message = self._send("je-rep", self._payroll())
        self._process()
        move = self.Move.browse(message.result_id)
        message.action_replay()
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(message.result_id, move.id)
        self.assertEqual(self.Move.search_count([("integration_message_id", "=", message.id)]), 1)

    def test_batch_of_many_entries_posts_each_once(self):
        messages = self.env["integration.message"]
        for index in range(30):
            messages |= self._send(f"je-batch-{index}", self._payroll(ref=f"RUN-{index}"))
        bad_payload = self._payroll()
        bad_payload["lines"][0]["account"] = "000000"
        bad = self._send("je-batch-bad", bad_payload)
        self._process()
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(bad.state, "exception")
        moves = self.Move.search([("integration_message_id", "in", messages.ids)])
        self.assertEqual(len(moves), 30)
        self.assertEqual(set(moves.mapped("state")), {"posted"})

    def test_each_entity_posts_in_its_own_books(self):
        payload = self._journal_entry_payload(debit="621000", credit="230000", amount="50")
        message = self._send("je-us", payload, entity="US01")
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        move = self.Move.browse(message.result_id)
        self.assertEqual(move.company_id, self.us01)
        self.assertEqual(move.currency_id.name, "USD")
