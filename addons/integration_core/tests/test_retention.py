"""Retention: payloads of done messages removed after their flow's period; the rest kept."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .monitoring_common import MonitoringCase


@tagged("post_install", "-at_install")
class TestRetention(MonitoringCase):
    def _done_ago(self, messages, days):
        self.env.cr.execute(
            "UPDATE integration_message SET done_at = %s WHERE id = ANY(%s)",
            (fields.Datetime.now() - timedelta(days=days), messages.ids),
        )
        messages.invalidate_recordset()

    def _purged(self, messages):
        return messages.filtered("payload_purged_at")

    def _purge_audit(self):
        return self.env["integration.audit.log"].search(
            [
                ("action", "=", "payload_purged"),
                ("res_model", "=", "integration.flow"),
                ("res_id", "=", self.flow_echo.id),
            ]
        )

    def test_done_messages_past_the_period_lose_their_payload_only(self):
        self.flow_echo.max_attempts = 1
        old = self._send_many(self.da01, "ok", 2, prefix="old")
        old |= self._send_many(self.da02, "ok", 1, prefix="old2")
        recent = self._send_many(self.da01, "ok", 1, prefix="recent")
        failed = self._send_many(self.da01, "business", 1) | self._send_many(self.da01, "transient", 1)
        self._process()
        waiting = self._send_many(self.da01, "ok", 1, prefix="waiting")
        self._done_ago(old | failed, 40)
        self._done_ago(recent, 10)
        self._age(waiting | failed, days=40)
        before = {
            m.id: (m.payload_hash, m.idempotency_key, m.correlation_id, m.result_id, len(m.audit_ids))
            for m in old
        }
        self.flow_echo.retention_days = 30

        counts = self.env["integration.message"]._purge_payloads()

        self.assertEqual(counts, {(self.flow_echo.id, self.da01.id): 2, (self.flow_echo.id, self.da02.id): 1})
        self.assertEqual(self._purged(old), old)
        for message in old:
            self.assertEqual(message.payload, "{}")
            self.assertEqual(message.state, "done")
            self.assertEqual(
                (message.payload_hash, message.idempotency_key, message.correlation_id, message.result_id),
                before[message.id][:4],
            )
            self.assertEqual(len(message.audit_ids), before[message.id][4])
        # Done within the period, in exception, dead or waiting: untouched.
        self.assertFalse(self._purged(recent | failed | waiting))
        self.assertIn('"outcome"', failed[0].payload)
        self.assertTrue(all(failed.exception_ids.mapped("details")))
        # One audit row per flow and entity, with the count.
        audit = self._purge_audit()
        self.assertEqual(sorted(row.new_values["count"] for row in audit), [1, 2])
        self.assertEqual(audit.company_id, self.da01 | self.da02)

        # A second run finds nothing more to remove and says nothing.
        self.assertEqual(self.env["integration.message"]._purge_payloads(), {})
        self.assertEqual(self._purge_audit(), audit)

    def test_period_is_per_flow_and_zero_keeps_everything(self):
        message = self._send_many(self.da01, "ok", 1)
        self._process()
        self._done_ago(message, 40)
        self.env["integration.message"]._purge_payloads()
        self.assertFalse(self._purged(message), "0 days keeps payloads")
        self.flow_echo.retention_days = 50
        self.env["integration.message"]._purge_payloads()
        self.assertFalse(self._purged(message), "done 40 days ago, kept 50")
        self.flow_echo.retention_days = 30
        self.env["integration.message"]._purge_payloads()
        self.assertTrue(self._purged(message))

    def test_a_purged_message_cannot_be_replayed(self):
        message = self._send_many(self.da01, "ok", 1)
        self._process()
        self._done_ago(message, 40)
        self.flow_echo.retention_days = 30
        self.env["integration.message"]._purge_payloads()
        user = self._user("retention_finance", ["integration_core.group_integration_user"], self.da01)
        with self.assertRaisesRegex(UserError, "removed"):
            message.with_user(user).action_replay()
        self.assertEqual(message.state, "done")
