import json
import os
import uuid

import pika

from odoo import Command

from .common import IntegrationCase
from .receiver import Receiver

# The broker the set-up makes sure answers (scripts/setup.sh).
BROKER = f"amqp://guest:guest@127.0.0.1:{os.environ.get('AMQP_PORT', '5672')}/%2F"


class TestAmqpEvents(IntegrationCase):
    """Events published to the RabbitMQ broker the test command makes sure is running."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exchange = f"integration.test.{uuid.uuid4().hex[:8]}"
        cls.sender = cls._create_endpoint("AMQPSENDER")
        cls.hook = cls._create_endpoint(
            "AMQPHOOK", flows=cls.flow_echo, outbound_transport="amqp", amqp_exchange=cls.exchange
        )
        cls.hook.outbound_url = BROKER
        cls.hook.subscription_ids = [
            Command.create({"event_type_id": cls.env.ref("integration_core.event_message_exception").id})
        ]
        cls.secret = cls.hook.action_rotate_outbound_secret()["context"]["integration_secret"]
        cls.connection = pika.BlockingConnection(pika.URLParameters(BROKER))
        cls.addClassCleanup(cls.connection.close)
        cls.channel = cls.connection.channel()
        cls.channel.exchange_declare(cls.exchange, exchange_type="topic", durable=True)
        cls.addClassCleanup(cls.channel.exchange_delete, cls.exchange)

    def _queue(self, routing_key):
        queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(queue, self.exchange, routing_key=routing_key)
        self.addCleanup(self.channel.queue_delete, queue)
        return queue

    def _fail_message(self, key):
        self._receive(self.sender, self._envelope(key=key, payload={"ref": key, "outcome": "business"}))
        self._process()

    def _events(self):
        return self.env["integration.message"].search(
            [("direction", "=", "out"), ("endpoint_id", "=", self.hook.id)], order="id"
        )

    def test_published_with_confirm_in_order(self):
        queue = self._queue("BE01.message.*")
        for n in range(3):
            self._fail_message(f"amqp-{n}")
        events = self._events()
        self.assertEqual(self.env["integration.message"]._deliver_outbound(), 3)
        self.assertEqual(set(events.mapped("state")), {"done"})
        got = []
        for _ in range(3):
            method, properties, body = self.channel.basic_get(queue, auto_ack=True)
            self.assertIsNotNone(method, "the broker holds every event")
            got.append((method.routing_key, properties, body))
        self.assertEqual(
            [properties.message_id for _key, properties, _body in got], events.mapped("idempotency_key")
        )
        routing_key, properties, body = got[0]
        self.assertEqual(routing_key, "BE01.message.exception")
        self.assertEqual(body, events[0].payload.encode(), "the same body as the HTTP delivery")
        self.assertEqual(json.loads(body)["data"]["idempotency_key"], "amqp-0")
        self.assertEqual(properties.delivery_mode, 2, "persistent")
        self.assertTrue(Receiver.verify(self.secret, properties.headers, body))

    def test_unroutable_event_stays_in_the_outbox(self):
        self._fail_message("amqp-lost")
        event = self._events()
        self.assertEqual(self.env["integration.message"]._deliver_outbound(), 0)
        self.assertEqual(event.state, "retry", "a broker that cannot route it has not got it")
        self.assertIn("no queue bound", event.errors[0]["message"])
        queue = self._queue("BE01.#")
        event.sudo().next_attempt_at = False
        self.assertEqual(self.env["integration.message"]._deliver_outbound(), 1)
        _method, properties, _body = self.channel.basic_get(queue, auto_ack=True)
        self.assertEqual(properties.message_id, event.idempotency_key)
