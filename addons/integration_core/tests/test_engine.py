"""The queue: claimed, routed, retried, dead, recovered, replayed, cancelled."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.integration_core.engine import processor, retry

from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestEngine(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("ENGINE")
        cls.Record = cls.env["test.integration.record"]

    def _send(self, key, **payload):
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(key=key, payload={"ref": key, **payload})
        )[0]
        self.assertEqual(status, 202, body)
        return self._message(self.endpoint, key)

    def _due_now(self, message):
        message.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})

    def test_ok_message_is_done_and_traced(self):
        message = self._send("ok-1", outcome="ok")
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(message.attempts, 1)
        record = self.Record.browse(message.result_id)
        self.assertEqual(message.result_model, "test.integration.record")
        self.assertEqual(record.integration_message_id, message)
        self.assertEqual(record.integration_correlation_id, message.correlation_id)
        self.assertEqual(record.company_id, self.be01)
        # The handler ran as the endpoint's service user, not as a superuser.
        self.assertEqual(record.create_uid, self.endpoint.user_id)
        actions = message.audit_ids.mapped("action")
        self.assertIn("received", actions)
        self.assertIn("processed", actions)

    def test_transient_fault_retries_with_backoff_then_done(self):
        # A delay no queue run outlasts, however busy the machine: the retry is not due within the run.
        self.flow_echo.retry_delay = 600
        message = self._send("tr-1", outcome="transient", fail_times=1)
        self._process()
        self.assertEqual(message.state, "retry")
        self.assertTrue(message.next_attempt_at > fields.Datetime.now() + timedelta(minutes=5))
        self.assertEqual(message.errors[0]["code"], "unexpected")
        # Not due yet: a second run leaves it alone.
        self._process()
        self.assertEqual(message.attempts, 1)
        self._due_now(message)
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(message.attempts, 2)
        self.assertFalse(message.exception_ids)

    def test_dead_after_max_attempts_with_an_exception_to_see(self):
        message = self._send("dead-1", outcome="transient")
        for _attempt in range(self.flow_echo.max_attempts):
            self._due_now(message)
            self._process()
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.attempts, self.flow_echo.max_attempts)
        self.assertEqual(message.exception_ids.state, "open")
        self.assertIn("dead", message.audit_ids.mapped("action"))
        # A user retries it: attempts start again.
        message.action_retry()
        self.assertEqual(message.state, "received")
        self.assertEqual(message.attempts, 0)

    def test_business_error_is_an_exception_not_retried(self):
        message = self._send("biz-1", outcome="business")
        self._process()
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.errors[0]["code"], "unknown_reference")
        exception = message.exception_ids
        self.assertEqual(
            (exception.state, exception.code, exception.company_id), ("open", "unknown_reference", self.be01)
        )
        self._process()
        self.assertEqual(message.attempts, 1, "an exception waits for a person")
        # Fixed, then retried by the user: done, and the exception resolves itself.
        self.Record.create({"name": "allow:biz-1", "company_id": self.be01.id})
        exception.action_retry()
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(exception.state, "resolved")
        self.assertIn("retry", message.audit_ids.mapped("action"))

    def test_bug_is_unexpected_with_traceback_kept_apart(self):
        message = self._send("bug-1", outcome="bug")
        self._process()
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.errors[0]["code"], "unexpected")
        self.assertNotIn("ZeroDivisionError", message.errors[0]["message"])
        self.assertIn("ZeroDivisionError", message.sudo().error_traceback)

    def test_one_bad_message_does_not_stop_the_batch(self):
        good = self._send("mix-1") | self._send("mix-2")
        bad = self._send("mix-3", outcome="bug")
        self._process()
        self.assertEqual(set(good.mapped("state")), {"done"})
        self.assertEqual(bad.state, "exception")
        self.assertEqual(self.Record.search_count([("name", "in", ["mix-1", "mix-2"])]), 2)

    def test_replay_of_done_message_creates_nothing(self):
        message = self._send("rep-1")
        self._process()
        first_result = message.result_id
        message.action_replay()
        self.assertEqual(message.state, "received")
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(message.result_id, first_result)
        self.assertEqual(self.Record.search_count([("name", "=", "rep-1")]), 1)
        self.assertIn("replay", message.audit_ids.mapped("action"))

    def test_cancel_needs_a_reason_and_closes_exceptions(self):
        message = self._send("can-1", outcome="business")
        self._process()
        with self.assertRaises(UserError):
            message._cancel("  ")
        wizard = (
            self.env["integration.message.cancel"]
            .with_context(active_ids=message.ids)
            .create({"reason": "Sent by mistake"})
        )
        wizard.action_confirm()
        self.assertEqual(message.state, "cancelled")
        self.assertEqual(message.cancel_reason, "Sent by mistake")
        self.assertEqual(message.exception_ids.state, "cancelled")
        self._process()
        self.assertEqual(message.state, "cancelled")

    def test_state_setter_refuses_illegal_moves_and_ignores_repeats(self):
        message = self._send("st-1")
        with self.assertRaises(UserError):
            message._set_state("done")
        self.assertFalse(message._set_state("received"), "already received: nothing to do")

    def test_stuck_processing_message_is_recovered(self):
        message = self._send("stuck-1")
        message.sudo().write(
            {
                "state": "processing",
                "processing_started_at": fields.Datetime.now() - timedelta(hours=1),
                "attempts": 1,
            }
        )
        recent = self._send("stuck-2")
        recent.sudo().write(
            {"state": "processing", "processing_started_at": fields.Datetime.now(), "attempts": 1}
        )
        recovered = processor.recover_stuck(self.env(su=True))
        self.assertEqual(recovered, message)
        self.assertEqual(message.state, "retry")
        self.assertEqual(recent.state, "processing")
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.Record.search_count([("name", "=", "stuck-1")]), 1)
        self.assertIn("recovered", message.audit_ids.mapped("action"))

    def test_held_messages_wait(self):
        message = self._send("held-1")
        self.endpoint.hold = True
        self._process()
        self.assertEqual(message.state, "received")
        self.endpoint.hold = False
        self.be01.integration_hold = True
        self._process()
        self.assertEqual(message.state, "received")
        self.be01.integration_hold = False
        self._process()
        self.assertEqual(message.state, "done")

    def test_batch_flow_waits_for_its_window(self):
        message = self._send("win-1")
        self.flow_echo.write({"mode": "batch", "window_start": 0.0, "window_end": 0.0001, "window_tz": "UTC"})
        closed = fields.Datetime.now().replace(hour=12)
        with patch.object(
            type(self.flow_echo), "_is_window_open", lambda flow, now=None: flow.mode == "realtime"
        ):
            self._process()
        self.assertEqual(message.state, "received")
        self.flow_echo.mode = "realtime"
        self._process()
        self.assertEqual(message.state, "done")
        self.assertTrue(closed)

    def test_window_hours(self):
        import datetime

        import pytz

        flow = self.flow_echo
        flow.write({"mode": "batch", "window_start": 22.0, "window_end": 6.0, "window_tz": "Europe/Brussels"})
        at = lambda h: pytz.timezone("Europe/Brussels").localize(datetime.datetime(2026, 11, 30, h, 30))  # noqa: E731
        self.assertTrue(flow._is_window_open(at(23)))
        self.assertTrue(flow._is_window_open(at(5)))
        self.assertFalse(flow._is_window_open(at(12)))
        flow.write({"window_start": 9.0, "window_end": 17.0})
        self.assertTrue(flow._is_window_open(at(12)))
        self.assertFalse(flow._is_window_open(at(18)))

    def test_backoff_grows_exponentially_with_jitter(self):
        class Fixed:
            @staticmethod
            def uniform(low, high):
                return high

        self.assertAlmostEqual(retry.backoff_delay(1, 30, Fixed), 36.0)
        self.assertAlmostEqual(retry.backoff_delay(3, 30, Fixed), 144.0)
        self.assertAlmostEqual(retry.backoff_delay(30, 30, Fixed), retry.MAX_DELAY * 1.2)
        delays = {round(retry.backoff_delay(2, 30), 3) for _i in range(20)}
        self.assertGreater(len(delays), 1, "jitter spreads retries")
        self.assertTrue(all(48 <= d <= 72 for d in delays))
