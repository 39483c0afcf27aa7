"""Alert thresholds: raised once as activities, cleared when back under, audited."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .monitoring_common import MonitoringCase

ACTIVITY_TYPE = "integration_core.mail_activity_type_integration_alert"


@tagged("post_install", "-at_install")
class TestAlerts(MonitoringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._user(
            "alert_manager", ["integration_core.group_integration_manager"], cls.da01 | cls.da02
        )
        cls.watcher = cls._user("alert_watcher", ["integration_core.group_integration_user"], cls.da01)
        cls.Rule = cls.env["integration.alert.rule"]

    def _rule(self, metric, threshold, **vals):
        return self.Rule.with_user(self.manager).create(
            {"metric": metric, "threshold": threshold, "user_id": self.watcher.id, **vals}
        )

    def _open_activities(self, rule):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", rule._name),
                ("res_id", "=", rule.id),
                ("activity_type_id", "=", self.env.ref(ACTIVITY_TYPE).id),
            ]
        )

    def _audit(self, rule, action):
        return self.env["integration.audit.log"].search(
            [("res_model", "=", rule._name), ("res_id", "=", rule.id), ("action", "=", action)]
        )

    def test_raised_once_then_cleared(self):
        rule = self._rule("backlog", 2, company_id=self.da01.id, flow_id=self.flow_echo.id)
        self.Rule._cron_evaluate()
        self.assertEqual(rule.state, "ok")
        self.assertFalse(self._open_activities(rule))

        self._send_many(self.da01, "ok", 3)
        self._send_many(self.da02, "ok", 5)  # another entity's queue is not this rule's
        self.Rule._cron_evaluate()
        self.assertEqual((rule.state, rule.last_value), ("alert", 3))
        activity = self._open_activities(rule)
        self.assertEqual(activity.user_id, self.watcher)
        self.assertIn("3", activity.summary)
        self.assertEqual(len(self._audit(rule, "alert_raised")), 1)

        # Still over: nothing new, neither activity nor audit row.
        self.Rule._cron_evaluate()
        self.assertEqual(self._open_activities(rule), activity)
        self.assertEqual(len(self._audit(rule, "alert_raised")), 1)

        self._process()
        self.Rule._cron_evaluate()
        self.assertEqual((rule.state, rule.last_value), ("ok", 0))
        self.assertFalse(self._open_activities(rule))
        self.assertTrue(
            rule.message_ids.filtered(lambda m: "Cleared" in (m.body or "")),
            "the activity is marked done with a note on the alert",
        )
        cleared = self._audit(rule, "alert_cleared")
        self.assertEqual(len(cleared), 1)
        self.assertEqual(cleared.company_id, self.da01)

    def test_group_members_with_access_to_the_entity_are_told(self):
        outsider = self._user("alert_outsider", ["integration_core.group_integration_user"], self.da02)
        team = self.env["res.groups"].create(
            {"name": "Integration night watch", "user_ids": [Command.set((self.watcher | outsider).ids)]}
        )
        rule = self._rule("dead", 0, company_id=self.da01.id, user_id=False, group_id=team.id)
        self.flow_echo.max_attempts = 1
        self._send_many(self.da01, "transient", 1)
        self._process()
        rule._evaluate()
        self.assertEqual(rule.state, "alert")
        self.assertEqual(self._open_activities(rule).user_id, self.watcher)

    def test_failure_rate_is_failed_over_finished_of_the_scope(self):
        self._send_many(self.da01, "ok", 9)
        self._send_many(self.da01, "business", 1)
        self._send_many(self.da02, "ok", 1)
        self._send_many(self.da02, "business", 1)
        self._process()
        # Both entities together: 2 failed of 12 (16.7 %), not the average of 10 % and 50 %.
        rule = self._rule("failure_rate", 20, flow_id=self.flow_echo.id)
        self.assertAlmostEqual(rule._metric_value(), 100.0 * 2 / 12)
        rule._evaluate()
        self.assertEqual(rule.state, "ok")
        da02 = self._rule("failure_rate", 20, company_id=self.da02.id)
        da02._evaluate()
        self.assertEqual((da02.state, da02.last_value), ("alert", 50))

    def test_open_exceptions_and_oldest_pending(self):
        self._send_many(self.da01, "business", 2)
        self._process()
        waiting = self._send_many(self.da01, "ok", 1, prefix="DA01-waiting")
        self._age(waiting, minutes=45)
        exceptions = self._rule("open_exceptions", 1, company_id=self.da01.id)
        oldest = self._rule("oldest_pending", 30, company_id=self.da01.id)
        (exceptions | oldest)._evaluate()
        self.assertEqual((exceptions.state, exceptions.last_value), ("alert", 2))
        self.assertEqual(oldest.state, "alert")
        self.assertAlmostEqual(oldest.last_value, 45, delta=1)

    def test_archiving_an_alert_closes_its_activities(self):
        rule = self._rule("backlog", 0, company_id=self.da01.id)
        self._send_many(self.da01, "ok", 1)
        rule._evaluate()
        self.assertTrue(self._open_activities(rule))
        rule.with_user(self.manager).action_archive()
        self.assertFalse(self._open_activities(rule))
        self.assertEqual(rule.state, "ok")
        self.assertEqual(len(self._audit(rule, "alert_cleared")), 1)

    def test_managers_configure_alerts_of_their_entities(self):
        with self.assertRaises(AccessError):
            self.Rule.with_user(self.watcher).create(
                {"metric": "backlog", "threshold": 1, "user_id": self.watcher.id}
            )
        rule = self._rule("backlog", 10, company_id=self.da02.id)
        self.assertEqual(self._audit(rule, "create").user_id, self.manager)
        # The watcher works for DA01 only: DA02's alert is not theirs to see.
        self.assertFalse(self.Rule.with_user(self.watcher).search([("id", "=", rule.id)]))
        everywhere = self._rule("dead", 0)
        self.assertTrue(self.Rule.with_user(self.watcher).search([("id", "=", everywhere.id)]))
