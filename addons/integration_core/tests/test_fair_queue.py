"""The queue's fairness and its defences against poison messages.

Claimed by (entity, flow) group in turn; flows by priority, real time before
batch windows; a message that stopped its worker runs alone and, past its
attempts, ends dead; a failure while recording one outcome stays with it.
"""

import contextlib
import logging
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.integration_core.engine import claim, processor

from .common import IntegrationCase


@contextlib.contextmanager
def _captured_logs(name):
    """Every line logged under ``name`` while the block runs, as the server log would print it."""
    lines = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(handler.format(record))
    logger = logging.getLogger(name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@tagged("post_install", "-at_install")
class TestFairQueue(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("FAIR", companies=cls.be01 | cls.us01)
        cls.Message = cls.env["integration.message"]

    def _send(self, *envelopes):
        outcomes = self._receive(self.endpoint, *envelopes)
        self.assertEqual([status for status, _body, _headers in outcomes], [202] * len(envelopes))
        return self.Message.browse([body["id"] for _status, body, _headers in outcomes])

    def _processed_order(self, messages):
        """Messages in the order their outcome was recorded (the audit log's 'processed' rows)."""
        rows = self.env["integration.audit.log"].search(
            [("message_id", "in", messages.ids), ("action", "=", "processed")], order="id"
        )
        return rows.message_id

    def _claim(self, *flows, limit=50):
        self.env.flush_all()
        return self.Message.browse(claim.claim_ready(self.env.cr, [flow.id for flow in flows], limit))

    def test_quiet_entity_is_served_within_two_batches_of_another_entitys_backlog(self):
        backlog = self._send(*[self._envelope(key=f"be-{index}") for index in range(160)])
        quiet = self._send(self._envelope(key="us-1", entity="US01"))
        self.Message._process_queue(batch_size=50)
        self.assertEqual(set((backlog | quiet).mapped("state")), {"done"})
        order = self._processed_order(backlog | quiet)
        position = list(order).index(quiet)
        self.assertLessEqual(position, 100, f"US01's message waited behind {position} BE01 messages")

    def test_each_batch_is_one_entity_and_flow(self):
        self._send(
            *[self._envelope(key=f"mix-{index}", entity=("BE01", "US01")[index % 2]) for index in range(20)]
        )
        batch = self._claim(self.flow_echo)
        self.assertEqual(len(batch), 10)
        self.assertEqual(len(batch.company_id), 1)

    def test_priority_and_batch_windows_decide_which_group_goes_first(self):
        entries = self._send(
            *[
                self._envelope("journal_entry", self._journal_entry_payload(ref=f"je-{i}"), key=f"je-{i}")
                for i in range(3)
            ]
        )
        echo = self._send(self._envelope(key="pay-1"))
        self.flow_je.priority = "low"
        self.flow_echo.priority = "high"
        self.assertEqual(self._claim(self.flow_je, self.flow_echo), echo)
        self.env.cr.execute("DELETE FROM integration_queue_turn")
        self.flow_echo.mode = "batch"
        self.assertEqual(
            self._claim(self.flow_je, self.flow_echo),
            entries,
            "a batch-window flow never goes before real time",
        )

    def test_a_starving_group_goes_first_whatever_its_priority(self):
        old = self._send(
            self._envelope("journal_entry", self._journal_entry_payload(ref="je-old"), key="je-old")
        )
        self._send(self._envelope(key="pay-2"))
        self.flow_je.priority = "low"
        self.flow_echo.priority = "high"
        self.env.cr.execute(
            "UPDATE integration_message SET create_date = create_date - interval '1 hour' WHERE id = %s",
            old.ids,
        )
        self.assertEqual(self._claim(self.flow_je, self.flow_echo), old)

    def test_message_that_stopped_its_worker_runs_alone_then_dead(self):
        messages = self._send(*[self._envelope(key=f"crash-{index}") for index in range(5)])
        victim = messages[2]
        long_ago = fields.Datetime.now() - timedelta(seconds=processor.STUCK_TIMEOUT + 60)
        self.env.cr.execute(
            "UPDATE integration_message SET state = 'processing', processing_started_at = %s, attempts = 1 "
            "WHERE id = %s",
            (long_ago, victim.id),
        )
        victim.invalidate_recordset()
        recovered = processor.recover_stuck(self.env(su=True))
        self.assertEqual(recovered, victim)
        self.assertEqual((victim.state, victim.attempts, victim.run_alone), ("retry", 1, True))
        self.assertEqual(self._claim(self.flow_echo), victim, "a recovered message is claimed alone")
        self.env.cr.execute("UPDATE integration_message SET state = 'received' WHERE id = %s", victim.ids)

        # It stops its worker again and again: once its attempts are used, it is dead, with an exception.
        self.env.cr.execute(
            "UPDATE integration_message SET state = 'processing', processing_started_at = %s, attempts = %s "
            "WHERE id = %s",
            (long_ago, self.flow_echo.max_attempts, victim.id),
        )
        victim.invalidate_recordset()
        processor.recover_stuck(self.env(su=True))
        self.assertEqual(victim.state, "dead")
        self.assertIn("stopped the worker", victim.errors[0]["message"])
        exception = victim.exception_ids.filtered(lambda e: e.state == "open")
        self.assertEqual(exception.code, "unexpected")
        self.assertIn("dead", victim.audit_ids.mapped("action"))
        self.Message._process_queue()
        self.assertEqual(set((messages - victim).mapped("state")), {"done"})

    def test_poison_error_text_is_stored_safely_and_harms_no_other_message(self):
        messages = self._send(
            self._envelope(key="good-1"),
            self._envelope(key="poison-1", payload={"ref": "poison-1", "outcome": "poison"}),
            self._envelope(key="good-2"),
        )
        with _captured_logs("odoo.addons.integration_core") as lines:
            self.Message._process_queue()
        good, poison = messages[0] | messages[2], messages[1]
        self.assertEqual(set(good.mapped("state")), {"done"})
        self.assertEqual(poison.state, "exception")
        text = poison.errors[0]["message"]
        self.assertNotIn("\x00", text)
        self.assertIn("\\u0000", text)
        self.assertTrue(poison.exception_ids)
        self.assertNotIn("\x00", poison.exception_ids[0].name)
        for line in lines:
            self.assertNotIn("\r\nERROR forged", line)

    def test_failure_while_recording_one_outcome_stays_with_that_message(self):
        messages = self._send(*[self._envelope(key=f"book-{index}") for index in range(3)])
        broken = messages[1]
        record_done = processor._record_done

        def fail_for_broken(message, record, now):
            if message == broken:
                raise ValueError("bookkeeping fault injected for one message")
            return record_done(message, record, now)

        with (
            patch.object(processor, "_record_done", fail_for_broken),
            self.assertLogs("odoo.addons.integration_core", "ERROR"),
        ):
            self.Message._process_queue()
        broken.invalidate_recordset()
        self.assertEqual((messages - broken).mapped("state"), ["done", "done"])
        self.assertEqual(broken.state, "exception")
        self.assertEqual(broken.errors[0]["code"], "unexpected")
        self.assertEqual(broken.exception_ids.code, "unexpected")
