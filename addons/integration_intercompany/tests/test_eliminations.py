"""Eliminations (issue #13 item 5): proposed in group currency on the IC group accounts, reviewed by
someone else, posted in the elimination entity and reversed on the next period's first day; after them
the IC group accounts of the consolidated trial balance total zero."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationCase

from .ic_reporting_common import DATE_FROM, DATE_TO, IcReportingFixtures


@tagged("post_install", "-at_install")
class TestEliminations(IcReportingFixtures, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_ic_reporting()
        cls.Consolidated = cls.env["integration.consolidated.tb"]

    def _elimination(self, user=None):
        Elimination = self.env["integration.elimination"].with_user(user or self.map_author)
        elimination = Elimination.with_company(self.elim).create(
            {"company_id": self.elim.id, "date_from": DATE_FROM, "date_to": DATE_TO}
        )
        elimination.action_propose()
        return elimination

    def _translated_ic_closing(self, code, key):
        """What the entity's trial balance for group reporting shows on its IC account ``key``."""
        company = self.entities[code]
        report = self.env["integration.trial.balance"]._compute(company, DATE_FROM, DATE_TO)
        account = self.ic[code][key]
        return sum(row["group"]["closing"] for row in report["accounts"] if row["account"] == account)

    def _ic_rows(self, report):
        codes = {group_account.code for group_account in self.ga.values()}
        return {row["code"]: row for row in report["accounts"] if row["code"] in codes}

    def test_proposal_cancels_each_entitys_translated_ic_balances(self):
        elimination = self._elimination()
        lines = elimination.line_ids
        self.assertEqual(elimination.state, "draft")
        self.assertEqual(elimination.proposed_by_id, self.map_author)
        self.assertAlmostEqual(elimination.total_debit, elimination.total_credit, places=2)
        for code in self.entities:
            for key, group_account in self.ga.items():
                eliminated = sum(
                    line.debit - line.credit
                    for line in lines
                    if line.entity_id == self.entities[code] and line.group_account_id == group_account
                )
                self.assertAlmostEqual(
                    eliminated, -self._translated_ic_closing(code, key), places=2, msg=f"{code} {key}"
                )
        # What does not offset within a pair goes to the difference account: translation at different rates
        # (BE01-US01, BE01-PL01); BE01-UK01 offsets (each side's own entries balance at one rate, EUR for
        # BE01, the closing rate for UK01's payment: the invoice not yet mirrored is BE01's revenue).
        differences = lines.filtered(lambda line: line.kind == "difference")
        self.assertEqual(
            {(line.entity_code, line.counterparty_code) for line in differences},
            {("BE01", "PL01"), ("BE01", "US01")},
        )
        self.assertEqual(differences.account_id, self.elim.ic_elimination_difference_account_id)
        for line in lines.filtered(lambda line: line.kind != "difference"):
            self.assertEqual(line.account_id.with_company(self.elim).code, line.group_account_id.code)
            self.assertEqual(
                line.kind, "result" if line.group_account_id.account_kind == "income_expense" else "balance"
            )

    def test_review_by_someone_else_then_post_and_reverse_next_period(self):
        elimination = self._elimination()
        with self.assertRaisesRegex(UserError, "other than who proposed"):
            elimination.with_user(self.map_author).action_review()
        with self.assertRaisesRegex(UserError, "needs it Reviewed"):
            elimination.with_user(self.map_approver).action_post()
        elimination.with_user(self.map_approver).action_review()
        self.assertEqual((elimination.state, elimination.reviewed_by_id), ("reviewed", self.map_approver))
        elimination.with_user(self.map_approver).action_post()
        move, reversal = elimination.move_id, elimination.reversal_move_id
        self.assertEqual(elimination.state, "posted")
        self.assertEqual((move.company_id, move.state, move.date), (self.elim, "posted", DATE_TO))
        self.assertEqual((reversal.state, reversal.date), ("posted", date(2025, 12, 1)))
        self.assertEqual(reversal.reversed_entry_id, move)
        self.assertEqual(
            sorted((line.account_id.id, round(line.balance, 2)) for line in move.line_ids),
            sorted((line.account_id.id, round(line.debit - line.credit, 2)) for line in elimination.line_ids),
        )
        self.assertEqual(sum(move.line_ids.mapped("balance")) + sum(reversal.line_ids.mapped("balance")), 0)
        with self.assertRaisesRegex(UserError, "reversal"):
            elimination.action_cancel()
        # The same period end is eliminated once.
        again = self._elimination()
        again.with_user(self.map_approver).action_review()
        with self.assertRaisesRegex(UserError, "already eliminates"):
            again.with_user(self.map_approver).action_post()

    def test_ic_group_accounts_total_zero_after_eliminations(self):
        before = self._ic_rows(self.Consolidated._compute(DATE_FROM, DATE_TO))
        self.assertTrue(any(row["total"] for row in before.values()))
        elimination = self._elimination()
        elimination.with_user(self.map_approver).action_review()
        elimination.with_user(self.map_approver).action_post()
        report = self.Consolidated._compute(DATE_FROM, DATE_TO)
        after = self._ic_rows(report)
        self.assertEqual(set(after), {group_account.code for group_account in self.ga.values()})
        for code, row in after.items():
            entities = sum(translated for _own, translated in row["entities"].values())
            self.assertAlmostEqual(row["eliminations"], -entities, places=2, msg=code)
            self.assertEqual(row["total"], 0.0, code)
        self.assertEqual(report["totals"]["debit"], report["totals"]["credit"])
        # The next period starts from the reversal: nothing stands eliminated until it is eliminated again.
        december = self._ic_rows(self.Consolidated._compute("2025-12-01", "2025-12-31"))
        self.assertTrue(all(row["eliminations"] == 0.0 for row in december.values()))

    def test_only_a_proposed_or_reviewed_elimination_is_cancelled(self):
        elimination = self._elimination()
        elimination.action_cancel()
        self.assertEqual(elimination.state, "cancelled")
        with self.assertRaises(UserError):
            elimination.action_propose()
