"""Events published to an AMQP 0-9-1 broker (contract extension 1.4), with publisher confirms.

An event leaves the outbox only once the broker has it: the channel is in
confirm mode and the publish is mandatory, so a broker that refuses it (nack)
or cannot route it to any queue (return) is a failed attempt, retried like an
HTTP receiver that did not answer. The body, event id (AMQP ``message_id``),
timestamp and signature are the HTTP delivery's, so one receiver code checks
both.

pika is the reference pure-Python AMQP 0-9-1 client; its blocking adapter fits
the sender cron, which delivers one event after another anyway.
"""

import contextlib
import logging
import time

import pika
import pika.exceptions

from . import sender

# pika narrates every connection's opening and closing at INFO: one line per event delivered.
logging.getLogger("pika").setLevel(logging.WARNING)


class Connections:
    """Open broker connections of one sender run, one per address, closed at its end."""

    def __init__(self):
        self._channels = {}

    def channel(self, url, timeout):
        channel = self._channels.get(url)
        if channel is not None and channel.is_open and channel.connection.is_open:
            return channel
        parameters = pika.URLParameters(url)
        parameters.socket_timeout = timeout
        parameters.blocked_connection_timeout = timeout
        parameters.connection_attempts = 1
        connection = pika.BlockingConnection(parameters)
        channel = connection.channel()
        channel.confirm_delivery()
        self._channels[url] = channel
        return channel

    def drop(self, url):
        channel = self._channels.pop(url, None)
        if channel is not None:
            _close(channel)

    def close(self):
        for channel in self._channels.values():
            _close(channel)
        self._channels.clear()


def _close(channel):
    with contextlib.suppress(pika.exceptions.AMQPError):  # already gone: nothing to release
        channel.connection.close()


def routing_key(message):
    return f"{message.company_id.entity_code}.{message.flow_id.code}"


def publish(env, endpoint, message, connections=None):
    """Publish one event and wait for the broker's confirm; raise when it does not take it."""
    own = connections is None
    connections = connections or Connections()
    url = endpoint._outbound_url()
    try:
        channel = connections.channel(url, endpoint.outbound_timeout or 10)
        exchange = endpoint.amqp_exchange or "integration.events"
        # Declared as the receivers expect it (durable topic); an existing one of another type
        # makes the broker close the channel: a failed attempt with the broker's reason.
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        body = message.payload.encode()
        timestamp = str(int(time.time()))
        headers = {"X-Event-Id": message.idempotency_key, "X-Timestamp": timestamp}
        secret = endpoint._outbound_secret()
        if secret:
            headers["X-Signature"] = sender.sign(secret, timestamp, body)
        channel.basic_publish(
            exchange,
            routing_key(message),
            body,
            properties=pika.BasicProperties(
                content_type="application/json",
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=message.idempotency_key,
                correlation_id=message.correlation_id,
                timestamp=int(timestamp),
                type=message.flow_id.code,
                headers=headers,
            ),
            mandatory=True,
        )
    except pika.exceptions.UnroutableError as error:
        raise BrokerRefused("the broker has no queue bound for this event's routing key") from error
    except pika.exceptions.NackError as error:
        raise BrokerRefused("the broker refused the event (nack)") from error
    except Exception:
        connections.drop(url)
        raise
    finally:
        if own:
            connections.close()


class BrokerRefused(Exception):
    """The broker answered but did not take the event."""
