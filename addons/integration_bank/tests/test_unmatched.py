"""The Unmatched Bank Lines workbench: candidates and why, one-click match, audited write-off, rights, alert."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .reconcile_common import ReconcileCase


@tagged("post_install", "-at_install")
class TestUnmatched(ReconcileCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._finance_user("unmatched_be01", cls.be01)
        cls.expense = cls.env["account.account"].search(
            [("company_ids", "in", cls.be01.ids), ("account_type", "=", "expense")], limit=1
        )
        cls.Audit = cls.env["integration.audit.log"]

    def _audit(self, line, action):
        return self.Audit.search(
            [("res_model", "=", line._name), ("res_id", "=", line.id), ("action", "=", action)]
        )

    def test_candidates_say_why(self):
        quoted = self._invoice(self.acme, 121.0, payment_reference="CAND-REF-1")
        same_contact = self._invoice(self.acme, 121.0, payment_reference="CAND-REF-2")
        other_contact = self._invoice(self.globex, 121.0, payment_reference="CAND-REF-3")
        wrong_currency = self._invoice(self.acme, 121.0, currency=self.usd, payment_reference="CAND-REF-4")
        line = self._line(121.0, partner_id=self.acme.id, payment_ref="Invoice CAND-REF-1")

        action = line.with_user(self.accountant).action_integration_open_match()

        self.assertEqual((action["res_model"], action["res_id"]), (line._name, line.id))
        candidates = line.with_user(self.accountant).integration_candidate_ids
        why = {candidate.move_id: candidate for candidate in candidates}
        self.assertEqual(why[quoted].reason, "reference")
        self.assertIn("CAND-REF-1", why[quoted].explanation)
        self.assertEqual(why[same_contact].reason, "amount_partner")
        self.assertIn("Acme NV", why[same_contact].explanation)
        self.assertEqual(why[other_contact].reason, "amount")
        self.assertIn("another contact", why[other_contact].explanation)
        self.assertNotIn(wrong_currency, why, "a document in another currency cannot be paid by this line")
        self.assertEqual(candidates[0].move_id, quoted, "the surest reason first")

    def test_one_click_reconcile_is_audited(self):
        first = self._invoice(self.acme, 121.0, payment_reference="CLICK-1")
        second = self._invoice(self.acme, 121.0, payment_reference="CLICK-2")
        line = self._line(121.0, partner_id=self.acme.id, payment_ref="Transfer")
        self.Reconciler._auto_reconcile(line)
        self.assertOpen(line, "2 open invoices")

        as_accountant = line.with_user(self.accountant)
        as_accountant.action_integration_open_match()
        candidate = as_accountant.integration_candidate_ids.filtered(lambda c: c.move_id == second)
        action = candidate.action_reconcile()

        self.assertEqual(action["res_model"], line._name)
        self.assertTrue(line.is_reconciled)
        self.assertEqual((first.payment_state, second.payment_state), ("not_paid", "paid"))
        self.assertEqual(line.integration_matched_by, "manual")
        audit = self._audit(line, "bank_line_matched")
        self.assertEqual(audit.user_id, self.accountant)
        self.assertIn(second.name, audit.description)
        self.assertEqual(audit.company_id, self.be01)

    def test_write_off_needs_a_reason_and_is_audited(self):
        line = self._line(-7.5, payment_ref="BANK FEES NOVEMBER")
        Wizard = self.env["integration.bank.writeoff"].with_user(self.accountant)
        blank = Wizard.create({"st_line_id": line.id, "account_id": self.expense.id, "reason": "   "})
        with self.assertRaises(UserError):
            blank.action_confirm()

        wizard = Wizard.create(
            {"st_line_id": line.id, "account_id": self.expense.id, "reason": "Monthly bank fees"}
        )
        self.assertAlmostEqual(wizard.open_amount, -7.5)
        wizard.action_confirm()

        self.assertTrue(line.is_reconciled)
        self.assertEqual(line.integration_matched_by, "write_off")
        booked = line.move_id.line_ids.filtered(lambda aml: aml.account_id == self.expense)
        self.assertAlmostEqual(booked.balance, 7.5)
        self.assertEqual(booked.name, "Monthly bank fees")
        audit = self._audit(line, "bank_line_written_off")
        self.assertEqual(audit.user_id, self.accountant)
        self.assertEqual(audit.new_values["reason"], "Monthly bank fees")
        self.assertEqual(audit.new_values["amount"], -7.5)

    def test_write_off_of_what_an_overpayment_left_open(self):
        invoice = self._invoice(self.acme, 100.0, payment_reference="OVER-1")
        line = self._line(103.0, payment_ref="OVER-1")
        self.Reconciler._auto_reconcile(line)
        self.assertEqual(invoice.payment_state, "paid")

        wizard = (
            self.env["integration.bank.writeoff"]
            .with_user(self.accountant)
            .create(
                {"st_line_id": line.id, "account_id": self.expense.id, "reason": "Customer paid fees twice"}
            )
        )
        self.assertAlmostEqual(wizard.open_amount, 3.0)
        wizard.action_confirm()
        self.assertTrue(line.is_reconciled)

    def test_open_in_reconciliation_opens_oca_widget_on_the_line(self):
        line = self._line(42.0, payment_ref="Something")

        action = line.with_user(self.accountant).action_integration_open_reconciliation()

        oca = self.env.ref("account_reconcile_oca.action_bank_statement_line_move_view_reconcile")
        self.assertEqual(action["id"], oca.id)
        self.assertEqual(action["res_model"], "account.bank.statement.line")
        self.assertEqual(action["domain"], [("id", "=", line.id)])
        self.assertEqual(action["context"]["search_default_move_id"], line.move_id.id)
        kanban = self.env.ref("account_reconcile_oca.bank_statement_line_reconcile_view")
        self.assertIn(kanban.id, [view_id for view_id, _mode in action["views"]])

    def test_an_accountant_sees_the_lines_of_their_entities_only(self):
        here = self._line(11.0, payment_ref="BE line")
        there = self._line(12.0, journal=self.bank_us, payment_ref="US line")
        action = self.env["ir.actions.act_window"]._for_xml_id("integration_bank.action_bank_unmatched_lines")
        domain = [*safe_eval(action["domain"]), ("id", "in", (here | there).ids)]

        self.assertEqual(self.Line.with_user(self.accountant).search(domain), here)
        with self.assertRaises(AccessError):
            there.with_user(self.accountant).action_integration_open_match()
        with self.assertRaises(AccessError):
            self.env["integration.bank.writeoff"].with_user(self.accountant).create(
                {"st_line_id": there.id, "account_id": self.expense.id, "reason": "Not mine"}
            ).action_confirm()

    def test_lines_unmatched_too_long_raise_the_alert(self):
        self.be01.integration_unmatched_alert_days = 5
        rule = self.env["integration.alert.rule"].create(
            {
                "metric": "bank_unmatched",
                "threshold": 0,
                "company_id": self.be01.id,
                "user_id": self.accountant.id,
            }
        )
        recent = self._line(15.0, date=self._days_ago(2), payment_ref="Recent")
        old = self._line(16.0, date=self._days_ago(9), payment_ref="Old")
        rule._evaluate()
        self.assertEqual((rule.state, rule.last_value), ("alert", 1.0))
        self.assertEqual(
            self.Line.search([("integration_overdue", "=", True), ("id", "in", (recent | old).ids)]), old
        )
        self.assertEqual(old.integration_age_days, 9)

        self.be01.integration_unmatched_alert_days = 10  # the entity's own patience
        rule._evaluate()
        self.assertEqual((rule.state, rule.last_value), ("ok", 0.0))

    def test_settings_are_per_entity(self):
        settings = (
            self.env["res.config.settings"]
            .with_company(self.us01)
            .create({"integration_match_tolerance": 0.02, "integration_unmatched_alert_days": 3})
        )
        settings.execute()
        self.assertEqual(
            (self.us01.integration_match_tolerance, self.us01.integration_unmatched_alert_days), (0.02, 3)
        )
        self.assertEqual(self.be01.integration_unmatched_alert_days, 5)

    def test_the_workbench_opens_for_an_accountant(self):
        line = self._line(21.0, payment_ref="Screen check")
        action = self.env["ir.actions.act_window"]._for_xml_id("integration_bank.action_bank_unmatched_lines")
        as_accountant = self.Line.with_user(self.accountant)
        views = as_accountant.get_views(
            [(view_id, mode) for view_id, mode in action["views"]] + [(False, "search")]
        )
        self.assertEqual(set(views["views"]), {"list", "form", "search"})
        line.with_user(self.accountant).action_integration_open_match()
        [record] = line.with_user(self.accountant).web_read(
            {
                "integration_age_days": {},
                "integration_match_note": {},
                "integration_candidate_ids": {"fields": {"document": {}, "reason": {}, "explanation": {}}},
            }
        )
        self.assertEqual(record["id"], line.id)
