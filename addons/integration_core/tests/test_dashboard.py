"""The dashboard's figures against messages with a known history."""

from datetime import timedelta

from odoo.tests import tagged

from .monitoring_common import MonitoringCase


@tagged("post_install", "-at_install")
class TestDashboard(MonitoringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow_echo.max_attempts = 1  # a passing fault is dead at once: one run makes a dead message

    def _history(self):
        """DA01: 9 done (1 to 9 s each), 1 exception; DA02: 2 done (20 s), 1 exception, 1 dead."""
        self.da01_done = self._send_many(self.da01, "ok", 9)
        self.da01_failed = self._send_many(self.da01, "business", 1)
        self.da02_done = self._send_many(self.da02, "ok", 2)
        self.da02_failed = self._send_many(self.da02, "business", 1)
        self.da02_failed |= self._send_many(self.da02, "transient", 1)
        self._process()
        for seconds, message in enumerate(self.da01_done.sorted("id"), start=1):
            self._set_latency(message, seconds)
        for message in self.da02_done:
            self._set_latency(message, 20)
        self.assertEqual(set(self.da02_failed.mapped("state")), {"exception", "dead"})

    def test_every_entity_appears_with_zeros(self):
        # DA02 has an endpoint and no message yet; DA03 has no endpoint at all.
        da02 = self._row(self.da02, self.flow_echo)
        self.assertEqual(
            (da02.backlog, da02.received_24h, da02.done_24h, da02.failed_24h),
            (0, 0, 0, 0),
        )
        self.assertEqual((da02.open_exceptions, da02.dead, da02.failure_rate), (0, 0, 0))
        da03 = self._row(self.da03)
        self.assertFalse(da03.flow_id)
        self.assertEqual((da03.backlog, da03.done_24h, da03.open_exceptions), (0, 0, 0))
        # Grouped by entity, as the dashboard opens: the idle entity has its own group.
        groups = self.Dashboard.formatted_read_group(
            [("company_id", "in", (self.da01 | self.da02 | self.da03).ids)], ["company_id"], ["backlog:sum"]
        )
        self.assertEqual({g["company_id"][0] for g in groups}, set((self.da01 | self.da02 | self.da03).ids))

    def test_counts_and_failure_rate_from_sums(self):
        self._history()
        da01, da02 = self._row(self.da01, self.flow_echo), self._row(self.da02, self.flow_echo)
        self.assertEqual((da01.received_24h, da01.done_24h, da01.failed_24h), (10, 9, 1))
        self.assertEqual((da02.received_24h, da02.done_24h, da02.failed_24h, da02.dead), (4, 2, 2, 1))
        self.assertAlmostEqual(da01.failure_rate, 10.0)
        self.assertAlmostEqual(da02.failure_rate, 50.0)
        # The flow's group row: 3 failed of 14 finished (21.4 %), not the average of 10 % and 50 %.
        domain = [("company_id", "in", (self.da01 | self.da02).ids)]
        [group] = self.Dashboard.formatted_read_group(
            domain, ["flow_id"], ["failed_24h:sum", "done_24h:sum", "failure_rate:max", "dead:sum"]
        )
        self.assertEqual((group["failed_24h:sum"], group["done_24h:sum"], group["dead:sum"]), (3, 11, 1))
        self.assertAlmostEqual(group["failure_rate:max"], 100.0 * 3 / 14)
        # Whatever aggregate the screen asks for, the rate is the ratio of the sums.
        [(rate,)] = self.Dashboard._read_group(domain, [], ["failure_rate:avg"])
        self.assertAlmostEqual(rate, 100.0 * 3 / 14)

    def test_window_is_the_last_24_hours(self):
        self._history()
        older = self._send_many(self.da01, "ok", 1, prefix="DA01-older")
        self._process()
        self._set_latency(older, 100, received_ago=timedelta(days=2))
        self.assertEqual(self._row(self.da01, self.flow_echo).done_24h, 9)

    def test_processing_time_percentiles(self):
        self._history()
        da01 = self._row(self.da01, self.flow_echo)
        # 1..9 seconds: the median is 5; the 95th percentile 1 + 0.95 * 8 = 8.6 (interpolated).
        self.assertAlmostEqual(da01.latency_median, 5.0)
        self.assertAlmostEqual(da01.latency_p95, 8.6)
        # The group's percentiles come from its messages (1..9, 20, 20), not from its rows' figures.
        [group] = self.Dashboard.formatted_read_group(
            [("company_id", "in", (self.da01 | self.da02).ids)],
            ["flow_id"],
            ["latency_median:max", "latency_p95:max"],
        )
        self.assertAlmostEqual(group["latency_median:max"], 6.0)
        self.assertAlmostEqual(group["latency_p95:max"], 20.0)

    def test_backlog_and_oldest_pending(self):
        waiting = self._send_many(self.da01, "ok", 3, prefix="DA01-waiting")
        self._age(waiting[:1], minutes=30)
        row = self._row(self.da01, self.flow_echo)
        self.assertEqual(row.backlog, 3)
        self.assertAlmostEqual(row.oldest_pending_minutes, 30, delta=1)

    def test_exceptions_by_age(self):
        self._history()
        exceptions = (self.da01_failed | self.da02_failed).exception_ids
        self.assertEqual(len(exceptions), 3)
        self._age(exceptions.filtered(lambda e: e.company_id == self.da01), hours=2)
        da02_exceptions = exceptions.filtered(lambda e: e.company_id == self.da02).sorted("id")
        self._age(da02_exceptions[0], days=2)
        self._age(da02_exceptions[1], days=5)
        da01, da02 = self._row(self.da01, self.flow_echo), self._row(self.da02, self.flow_echo)
        self.assertEqual((da01.open_exceptions, da01.exceptions_recent), (1, 1))
        self.assertEqual(
            (da02.open_exceptions, da02.exceptions_recent, da02.exceptions_1_3d, da02.exceptions_older),
            (2, 0, 1, 1),
        )

    def test_messages_by_hour(self):
        self._history()
        older = self._send_many(self.da01, "ok", 1, prefix="DA01-older")
        self._process()
        self._set_latency(older, 100, received_ago=timedelta(days=2))
        Activity = self.env["integration.message.activity"]
        da01 = [("company_id", "=", self.da01.id)]
        week = dict(Activity._read_group(da01, ["state"], ["__count"]))
        self.assertEqual((week["done"], week["exception"]), (10, 1))
        day = dict(Activity._read_group([*da01, ("last_24h", "=", True)], ["state"], ["__count"]))
        self.assertEqual(day["done"], 9)
        # By hour of receipt: the nine done in the last day were all received an hour ago.
        by_hour = Activity._read_group(
            [*da01, ("last_24h", "=", True), ("state", "=", "done")], ["received_at:hour"], ["__count"]
        )
        self.assertEqual([count for _hour, count in by_hour], [9])
        # Percentiles per group: the week's done messages took 1..9 and 100 seconds.
        [(median, p95)] = Activity._read_group(da01, [], ["latency_median:max", "latency_p95:max"])
        self.assertAlmostEqual(median, 5.5)
        self.assertAlmostEqual(p95, 9 + 0.55 * 91)

    def test_finance_user_sees_their_entities_only(self):
        user = self._user("dash_finance", ["integration_core.group_integration_user"], self.da01)
        rows = self.Dashboard.with_user(user).search([])
        self.assertEqual(rows.company_id, self.da01)
        action = rows[:1].action_open_backlog()
        self.assertEqual(action["context"]["search_default_company_id"], self.da01.id)
