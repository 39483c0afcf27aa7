"""The ready-to-close checklist: each item counts what it says and opens those records."""

from odoo import fields
from odoo.tests import tagged

from .close_cockpit_common import DATE_TO, CloseCockpitCase


@tagged("post_install", "-at_install")
class TestCloseChecklist(CloseCockpitCase):
    def test_a_quiet_period_is_ready_with_every_item_ok(self):
        period = self._period()
        self.assertEqual(period.name, "UK01 · 2025-03")
        self.assertEqual(
            [check.code for check in period.check_ids],
            [
                "exceptions",
                "dead",
                "queued",
                "held",
                "bank_overdue",
                "bank_recent",
                "ic_unexplained",
                "unmapped_accounts",
            ],
        )
        self.assertEqual({status for _count, status in self._counts(period).values()}, {"ok"})
        self.assertTrue(period.ready)
        self.assertFalse(period.blocking_summary)

    def test_open_exceptions_dead_and_queued_messages_block(self):
        refused = self._send("close-biz", outcome="business")
        self._process()
        gave_up = self._send("close-dead", outcome="transient")
        self._run_until_dead(gave_up)
        waiting = self._send("close-waiting")  # stored, not processed yet

        period = self._period()
        counts = self._counts(period)
        # The dead message has its own open exception too: both are in the finance user's list.
        self.assertEqual(counts["exceptions"], (2, "blocking"))
        self.assertEqual(counts["dead"], (1, "blocking"))
        self.assertEqual(counts["queued"], (1, "blocking"))
        self.assertFalse(period.ready)
        self.assertEqual(period.blocking_count, 3)
        self.assertIn("Open exceptions: 2", period.blocking_summary)
        # Each button opens exactly what it counts, the oldest stuck message included.
        self.assertEqual(self._opened(period, "exceptions"), (refused | gave_up).exception_ids)
        self.assertEqual(self._opened(period, "dead"), gave_up)
        self.assertEqual(self._opened(period, "queued"), waiting)

        # Resolved: the next check is ready again.
        (refused | gave_up | waiting)._cancel("Sent by mistake: the sender sends them again")
        period.action_refresh()
        self.assertEqual(self._counts(period)["exceptions"], (0, "ok"))
        self.assertEqual(self._counts(period)["dead"], (0, "ok"))
        self.assertEqual(self._counts(period)["queued"], (0, "ok"))
        self.assertTrue(period.ready)

    def test_another_entitys_messages_are_not_counted(self):
        other = self._create_endpoint("CLOSE_US", companies=self.us01, flows=self.flow_echo)
        self._receive(other, self._envelope(key="us-waiting", entity="US01"))
        self.assertEqual(self._counts(self._period())["queued"], (0, "ok"))
        self.assertEqual(self._counts(self._period(self.us01))["queued"], (1, "blocking"))

    def test_a_held_flow_is_a_warning_and_its_waiting_messages_block(self):
        self._send("close-behind-hold")
        self.flow_echo.hold = True
        period = self._period()
        counts = self._counts(period)
        self.assertEqual(counts["held"], (1, "warning"))
        self.assertEqual(self._opened(period, "held"), self.flow_echo)
        self.assertEqual(counts["queued"], (1, "blocking"))
        self.assertIn("1 of them wait behind a hold", self._check(period, "queued").note)
        # A flow held that no endpoint of the entity brings in does not concern it.
        self.assertEqual(self._counts(self._period(self.us01))["held"], (0, "ok"))

    def test_a_held_endpoint_holds_its_flows_for_its_entities(self):
        self.endpoint.hold = True
        period = self._period()
        self.assertEqual(self._counts(period)["held"], (1, "warning"))
        self.assertEqual(self._opened(period, "held"), self.flow_echo)
        self.assertTrue(period.ready, "a hold alone does not prevent the close")

    def test_unmatched_bank_lines_older_than_the_cut_off_block(self):
        self.uk01.integration_unmatched_alert_days = 5
        old = self._bank_line(self.uk01, "2025-03-10")
        self._bank_line(self.uk01, "2025-04-02")  # after the period: another close's business
        period = self._period()
        self.assertEqual(self._counts(period)["bank_overdue"], (1, "blocking"))
        self.assertEqual(self._counts(period)["bank_recent"], (0, "ok"))
        self.assertEqual(self._opened(period, "bank_overdue"), old)
        self.assertIn("more than 5 days", self._check(period, "bank_overdue").note)

    def test_recent_unmatched_bank_lines_are_a_warning(self):
        self.uk01.integration_unmatched_alert_days = 5
        today = fields.Date.context_today(self.Period)
        # The demo group's own unmatched lines, if any, are counted too: the new line is compared with them.
        first = self._period(date_from=today.replace(day=1), date_to=today)
        overdue, recent = self._opened(first, "bank_overdue"), self._opened(first, "bank_recent")
        line = self._bank_line(self.uk01, today)
        period = self._period(date_from=today.replace(day=1), date_to=today)
        period.action_refresh()
        self.assertEqual(self._counts(period)["bank_overdue"][0], len(overdue), "a line of today is not late")
        self.assertEqual(self._counts(period)["bank_recent"], (len(recent) + 1, "warning"))
        self.assertEqual(self._opened(period, "bank_recent"), recent | line)
        # With a cut-off of zero days it is still not late.
        self.uk01.integration_unmatched_alert_days = 0
        period.action_refresh()
        self.assertNotIn(line, self._opened(period, "bank_overdue"), "a line of today is not late yet")

    def test_accounts_moved_without_a_group_account_block(self):
        expense = self._account(self.uk01, "expense")
        bank = self._account(self.uk01, "asset_cash")
        self._entry(self.uk01, "2025-03-15", [(expense, 80.0), (bank, -80.0)])
        self._entry(self.uk01, "2025-04-15", [(expense, 10.0), (bank, -10.0)])  # outside the period
        period = self._period()
        self.assertEqual(self._counts(period)["unmapped_accounts"], (2, "blocking"))
        # The button opens the group-account completeness report of the entity and period.
        gaps = self._opened(period, "unmapped_accounts")
        self.assertEqual(gaps.account_id, expense | bank)
        self.assertEqual(set(gaps.mapped("item_count")), {1})
        self.assertEqual(sum(gaps.mapped("debit")), 80.0)

    def test_unexplained_intercompany_difference_blocks(self):
        receivable = self._account(self.uk01, "asset_receivable")
        Rule = self.env["integration.intercompany.rule"].with_context(active_test=False)
        rule = Rule._for_pair(self.uk01, self.be01) or Rule.create(
            {
                "company_id": self.uk01.id,
                "target_company_id": self.be01.id,
                "partner_id": self.be01.partner_id.id,
                "target_partner_id": self.uk01.partner_id.id,
            }
        )  # the demo group may have it already
        rule.write({"receivable_account_id": receivable.id, "active": True})
        # A receivable from BE01 booked by hand in UK01 only: no document on BE01's side explains it.
        income = self._account(self.uk01, "income")
        self._entry(
            self.uk01, "2025-03-20", [(receivable, 500.0), (income, -500.0)], partner=self.be01.partner_id
        )
        period = self._period()
        self.assertEqual(self._counts(period)["ic_unexplained"], (1, "blocking"))
        pairs = self._opened(period, "ic_unexplained")
        self.assertEqual((pairs.company_id, pairs.counterparty_id), (self.uk01, self.be01))
        self.assertTrue(pairs.unexplained)
        # At a date before the entry, nothing is unexplained.
        earlier = self._period(
            date_from=DATE_TO.replace(month=2, day=1), date_to=DATE_TO.replace(month=2, day=28)
        )
        self.assertEqual(self._counts(earlier)["ic_unexplained"], (0, "ok"))
