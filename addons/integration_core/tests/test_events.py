from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries

from .common import IntegrationCase
from .receiver import Receiver, closed_port_url


class TestOutboundEvents(IntegrationCase):
    """Events written in the business transaction, delivered signed, in order, once delivered."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sender = cls._create_endpoint("SENDER")
        cls.hook = cls._create_endpoint("HOOK", flows=cls.flow_echo, breaker_threshold=3, breaker_cooldown=60)
        cls.event_exception = cls.env.ref("integration_core.event_message_exception")
        cls.event_dead = cls.env.ref("integration_core.event_message_dead")
        cls.hook.subscription_ids = [Command.create({"event_type_id": cls.event_exception.id})]
        action = cls.hook.action_rotate_outbound_secret()
        cls.secret = action["context"]["integration_secret"]

    def _fail_message(self, key):
        """A message that ends in exception: the event 'message.exception' is written with it."""
        self._receive(self.sender, self._envelope(key=key, payload={"ref": key, "outcome": "business"}))
        self._process()
        return self._message(self.sender, key)

    def _events(self):
        return self.env["integration.message"].search(
            [("direction", "=", "out"), ("endpoint_id", "=", self.hook.id)], order="id"
        )

    def _deliver(self):
        return self.env["integration.message"]._deliver_outbound()

    def _due_now(self, events):
        events.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})

    def test_exception_event_delivered_signed(self):
        with Receiver() as receiver:
            self.hook.outbound_url = receiver.url
            message = self._fail_message("ev-1")
            event = self._events()
            self.assertEqual(len(event), 1)
            self.assertEqual(event.state, "received")
            self.assertEqual(self._deliver(), 1)
            self.assertEqual(event.state, "done")
            [(headers, body)] = receiver.received
        self.assertTrue(Receiver.verify(self.secret, headers, body), "the signature checks with the secret")
        self.assertEqual(headers["X-Event-Id"], event.idempotency_key)
        document = receiver.events()[0]
        self.assertEqual(document["id"], event.idempotency_key)
        self.assertEqual(document["type"], "message.exception")
        self.assertEqual(document["entity"], "BE01")
        self.assertEqual(document["correlation_id"], message.correlation_id)
        self.assertEqual(document["data"]["idempotency_key"], "ev-1")
        self.assertEqual(document["data"]["errors"][0]["code"], "unknown_reference")
        self.assertTrue(document["occurred_at"].endswith("Z"))
        attempt = event.delivery_attempt_ids
        self.assertEqual((attempt.outcome, attempt.status_code), ("delivered", 200))

    def test_order_kept_behind_a_failure(self):
        with Receiver() as receiver:
            self.hook.outbound_url = receiver.url
            for n in range(3):
                self._fail_message(f"ord-{n}")
            events = self._events()
            receiver.answers = [503]
            self.assertEqual(self._deliver(), 0)
            self.assertEqual(events.mapped("state"), ["retry", "received", "received"])
            self.assertEqual(len(receiver.received), 1, "nothing overtakes the event waiting for its retry")
            self.assertEqual(self._deliver(), 0, "the retry is not due yet")
            self._due_now(events[0])
            self.assertEqual(self._deliver(), 3)
            keys = [event["data"]["idempotency_key"] for event in receiver.events()]
        self.assertEqual(keys, ["ord-0", "ord-0", "ord-1", "ord-2"])
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertEqual(len({headers["X-Event-Id"] for headers, _body in receiver.received[:2]}), 1)

    def test_dead_after_attempts_then_replayed(self):
        self.event_exception.max_attempts = 2
        with Receiver() as receiver:
            self.hook.outbound_url = receiver.url
            self._fail_message("dead-1")
            self._fail_message("dead-2")
            first, second = self._events()
            receiver.answers = [422, 422]
            self._deliver()
            self._due_now(first)
            self._deliver()
            self.assertEqual(first.state, "dead")
            self.assertEqual(first.exception_ids.code, "delivery_failed")
            self.assertIn("422", first.errors[0]["message"])
            self.assertEqual(second.state, "done", "a dead event no longer holds the others back")
            self.assertEqual(self.hook.breaker_state, "closed", "a receiver that answers is not down")
            first.action_retry()
            self.assertEqual(self._deliver(), 1)
        self.assertEqual(first.state, "done")
        self.assertEqual(first.delivery_attempt_ids.mapped("outcome"), ["delivered", "failed", "failed"])

    def test_breaker_pauses_and_resumes(self):
        self.hook.outbound_url = closed_port_url()
        self._fail_message("br-1")
        event = self._events()
        for _ in range(3):
            self._due_now(event)
            self._deliver()
        self.assertEqual(self.hook.breaker_state, "open")
        self.assertEqual(event.attempts, 3)
        self.assertIn("paused", self.hook.message_ids[:1].body)
        self._due_now(event)
        self._deliver()
        self.assertEqual(event.attempts, 3, "while paused, nothing is tried before the probe")
        self.hook.sudo().breaker_probe_at = fields.Datetime.now() - timedelta(seconds=1)
        self._deliver()
        self.assertEqual(event.attempts, 3, "a failed probe spends none of the event's attempts")
        self.assertEqual(event.delivery_attempt_ids.sorted("id")[-1:].outcome, "probe")
        with Receiver() as receiver:
            self.hook.outbound_url = receiver.url
            self.hook.action_resume_deliveries()
            self.assertEqual(self._deliver(), 1)
        self.assertEqual(event.state, "done")
        self.assertEqual(self.hook.breaker_state, "closed")
        self.assertEqual(self.hook.consecutive_failures, 0)

    def test_test_database_never_calls_production(self):
        self.hook.environment = "prod"
        with Receiver() as receiver:
            self.hook.outbound_url = receiver.url
            self._fail_message("env-1")
            event = self._events()
            self._deliver()
            self.assertFalse(receiver.received)
        self.assertEqual(event.state, "exception")
        self.assertEqual(event.exception_ids.code, "environment")
        self.assertIn("never delivers to the production endpoint", event.errors[0]["message"])

    def test_neutralized_copy_delivers_nothing(self):
        with Receiver() as receiver:
            self.hook.outbound_url = receiver.url
            self._fail_message("neutral-1")
            self.env.flush_all()
            for query in get_neutralization_queries(["integration_core"]):
                self.env.cr.execute(query)
            self.env.invalidate_all()
            self.assertEqual(self._deliver(), 0)
            self.assertFalse(receiver.received)
        self.assertEqual(self._events().state, "received", "held, not lost: it waits in the outbox")

    def test_entities_filter_and_rollback(self):
        self.hook.company_ids |= self.us01
        self.hook.subscription_ids.entity_ids = self.us01
        self._fail_message("filter-1")
        self.assertFalse(self._events(), "BE01's events do not reach a subscription to US01")
        self.hook.subscription_ids.entity_ids = False
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            self._fail_message("rolled-back")
            self.assertTrue(self._events())
            raise ZeroDivisionError
        self.assertFalse(self._events(), "an event goes with the change that made it")

    def test_secrets_encrypted_and_attempts_guarded(self):
        self.hook.outbound_url = "https://user:pw@receiver.example.com/hooks?token=abc"
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT outbound_url_encrypted, outbound_secret_encrypted FROM integration_endpoint WHERE id = %s",
            [self.hook.id],
        )
        url_at_rest, secret_at_rest = self.env.cr.fetchone()
        self.assertNotIn("token=abc", url_at_rest)
        self.assertNotIn(self.secret, secret_at_rest)
        self.assertEqual(self.hook.outbound_address_shown, "https://receiver.example.com/hooks")
        manager = self._user("ev_manager", ["integration_core.group_integration_manager"], self.be01)
        self.hook.outbound_url = closed_port_url()
        self._fail_message("guard-1")
        self._deliver()
        attempt = self._events().delivery_attempt_ids
        with self.assertRaises(AccessError):
            attempt.with_user(manager).write({"outcome": "delivered"})
        with self.assertRaises(AccessError):
            self._events().with_user(manager).write({"payload": "{}"})
        for forged in (
            {"breaker_state": "closed"},
            {"consecutive_failures": 0},
            {"outbound_url_encrypted": "x"},
        ):
            with self.assertRaises(AccessError):
                self.hook.with_user(manager).write(forged)
        self.hook.with_user(manager).outbound_url = "https://receiver.example.com/other"
        self.assertEqual(self.hook._outbound_url(), "https://receiver.example.com/other")
