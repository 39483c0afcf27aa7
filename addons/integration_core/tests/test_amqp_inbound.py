import json
import time
import uuid

import pika

from odoo.addons.integration_core.engine import amqp_consumer

from .common import IntegrationCase
from .test_events_amqp import BROKER


class TestAmqpInbound(IntegrationCase):
    """Messages a system puts on a broker queue go through the API's intake: same checks, same answers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.queue = f"integration.test.inbound.{uuid.uuid4().hex[:8]}"
        cls.endpoint = cls._create_endpoint("AMQPIN", amqp_inbound_queue=cls.queue)
        cls.endpoint.amqp_inbound_url = BROKER
        cls.connection = pika.BlockingConnection(pika.URLParameters(BROKER))
        cls.addClassCleanup(cls.connection.close)
        cls.channel = cls.connection.channel()
        cls.channel.queue_declare(cls.queue, durable=True)
        cls.addClassCleanup(cls.channel.queue_delete, cls.queue)
        cls.replies = cls.channel.queue_declare("", exclusive=True).method.queue

    def _put(self, body, headers=None, reply=True):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        properties = pika.BasicProperties(
            headers=headers, reply_to=self.replies if reply else None, correlation_id=str(uuid.uuid4())
        )
        self.channel.basic_publish("", self.queue, data, properties=properties)
        return properties.correlation_id

    def _consume(self):
        return amqp_consumer.consume(self.env, self.endpoint, commit=False)

    def _reply(self):
        method, properties, body = self.channel.basic_get(self.replies, auto_ack=True)
        self.assertIsNotNone(method, "the sender gets the API's answer")
        return properties, json.loads(body)

    def _left_in_queue(self):
        return self.channel.queue_declare(self.queue, durable=True, passive=True).method.message_count

    def test_envelopes_stored_once_and_answered(self):
        correlation = self._put(self._envelope(key="amqp-in-1"))
        self._put({"messages": [self._envelope(key="amqp-in-2"), self._envelope(key="amqp-in-1")]})
        self.assertEqual(self._consume(), 3)
        self.assertEqual(self._left_in_queue(), 0, "acknowledged once stored")
        properties, answer = self._reply()
        self.assertEqual((properties.correlation_id, answer["http_status"]), (correlation, 202))
        _properties, batch = self._reply()
        self.assertEqual([item["http_status"] for item in batch["results"]], [202, 200])
        self.assertTrue(batch["results"][1]["duplicate"])
        self._process()
        self.assertEqual(self._message(self.endpoint, "amqp-in-1").state, "done")
        self.assertEqual(len(self._message(self.endpoint, "amqp-in-1")), 1)

    def test_refused_bodies_are_dead_lettered_and_listed(self):
        self._put(b"{not json")
        self._put(self._envelope(key="amqp-bad", flow="unknown_flow"))
        self.assertEqual(self._consume(), 0)
        self.assertEqual(self._left_in_queue(), 0, "never requeued: a dead-letter exchange would keep them")
        _properties, answer = self._reply()
        self.assertEqual(answer["error"], "malformed_json")
        _properties, answer = self._reply()
        self.assertEqual(answer["http_status"], 422)
        refused = self.env["integration.audit.log"].search(
            [
                ("action", "=", "rejected"),
                ("res_model", "=", "integration.endpoint"),
                ("res_id", "=", self.endpoint.id),
            ]
        )
        self.assertTrue(refused, "a body that can never be taken is among the rejected requests")

    def test_signature_and_back_pressure(self):
        self.endpoint.require_signature = True
        raw = self.env["integration.signing.secret"]._rotate(self.endpoint)
        body = json.dumps(self._envelope(key="amqp-signed")).encode()
        timestamp = str(int(time.time()))
        self._put(body, headers={"X-Timestamp": timestamp, "X-Signature": "sha256=" + "0" * 64})
        self._put(
            body, headers={"X-Timestamp": timestamp, "X-Signature": amqp_consumer.sign(raw, timestamp, body)}
        )
        self.assertEqual(self._consume(), 1)
        self.assertEqual(self._reply()[1]["error"], "unauthorized")
        self.assertTrue(self._message(self.endpoint, "amqp-signed"))
        self.endpoint.backlog_limit = 1
        body = json.dumps(self._envelope(key="amqp-busy")).encode()
        self._put(
            body, headers={"X-Timestamp": timestamp, "X-Signature": amqp_consumer.sign(raw, timestamp, body)}
        )
        self.assertEqual(self._consume(), 0)
        self.assertEqual(self._left_in_queue(), 1, "refused for back-pressure: back in the queue for later")
