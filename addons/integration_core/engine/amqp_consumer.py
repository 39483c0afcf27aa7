"""Messages read from an AMQP queue into the same intake as the HTTP API (contract extension 1.4).

A broker message's body is what ``POST /messages`` takes (one envelope or
``{"messages": [...]}``), with the same size limit, signature headers
(``X-Timestamp``, ``X-Signature`` over the body) and envelope checks;
idempotency, audit and rejected requests are the intake's. The broker's
credentials stand for the API key: they are the endpoint's.

At least once, never lost: the messages are stored and committed before
the broker's deliveries are acknowledged. A consumer that dies in between
gets them again, and the idempotency keys answer them as duplicates. What
back-pressure or a hold refuses (429, 503) goes back to the queue for a
later run; a body that can never be taken (not JSON, bad signature, too
large) is rejected without requeue, so a dead-letter exchange on the queue
keeps it, and it is listed among the rejected requests. When the sender
gives ``reply_to``, the answer the API would have given is published there
with the sender's ``correlation_id``.
"""

import json
import time

import pika

from . import amqp, intake_audit, jsondoc, sender, text

REQUEUED = {429, 503}
SIGNATURE_WINDOW = 300


class Refused(Exception):
    def __init__(self, status, body):
        super().__init__(body.get("error"))
        self.status = status
        self.body = body


def consume(env, endpoint, limit=500, commit=True):
    """Take up to ``limit`` broker messages of the endpoint's queue; return how many were stored."""
    connections = amqp.Connections()
    try:
        channel = connections.channel(endpoint._amqp_inbound_url(), endpoint.outbound_timeout or 10)
        deliveries = []
        for _index in range(limit):
            method, properties, body = channel.basic_get(endpoint.amqp_inbound_queue, auto_ack=False)
            if method is None:
                break
            deliveries.append((method.delivery_tag, properties, body))
        if not deliveries:
            return 0
        answers = [_take(env, endpoint, properties, body) for _tag, properties, body in deliveries]
        if commit:
            env.cr.commit()  # stored before the broker lets go of them
        stored = 0
        for (tag, properties, _body), (status, body, whole) in zip(deliveries, answers, strict=True):
            if status in REQUEUED:
                channel.basic_nack(tag, requeue=True)
                continue
            if whole:
                channel.basic_nack(tag, requeue=False)
            else:
                channel.basic_ack(tag)
                stored += sum(1 for item in body.get("results", [body]) if item.get("id"))
            if properties.reply_to:
                channel.basic_publish(
                    "",
                    properties.reply_to,
                    json.dumps(dict(body, http_status=status), default=str).encode(),
                    properties=pika.BasicProperties(
                        content_type="application/json", correlation_id=properties.correlation_id
                    ),
                )
        return stored
    finally:
        connections.close()


def _take(env, endpoint, properties, body):
    """``(status, answer body, refused whole)`` as ``POST /messages`` would answer this broker message."""
    try:
        envelopes, batch = _envelopes(endpoint, properties, body)
    except Refused as refused:
        intake_audit.audit_refused_request(env, endpoint, refused.status, refused.body)
        return refused.status, refused.body, True
    outcomes = env["integration.message"]._api_receive(endpoint, envelopes)
    if not batch:
        status, answer, _headers = outcomes[0]
        return status, answer, False
    results = [dict(answer, http_status=status) for status, answer, _headers in outcomes]
    worst = max((status for status, _answer, _headers in outcomes if status in REQUEUED), default=200)
    return worst, {"results": results}, False


def _envelopes(endpoint, properties, body):
    if len(body) > endpoint.max_body_kb * 1024:
        raise Refused(413, {"error": "too_large"})
    if endpoint.require_signature:
        _check_signature(endpoint, properties.headers or {}, body)
    try:
        document = jsondoc.loads(body)
    except jsondoc.NotJson as error:
        raise Refused(400, {"error": "malformed_json", "detail": text.clean(str(error), 200)}) from error
    if not isinstance(document, dict):
        raise Refused(400, {"error": "malformed_json", "detail": "the body must be a JSON object"})
    if "messages" not in document:
        return [document], False
    envelopes = document["messages"]
    if not isinstance(envelopes, list) or not 1 <= len(envelopes) <= 1000:
        raise Refused(
            422,
            {
                "error": "invalid",
                "errors": [{"path": "$.messages", "message": "a batch is a list of 1 to 1000 envelopes"}],
            },
        )
    return envelopes, True


def _check_signature(endpoint, headers, body):
    timestamp = str(headers.get("X-Timestamp") or "")
    signature = str(headers.get("X-Signature") or "").lower()
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW:
        raise Refused(401, {"error": "unauthorized", "detail": "missing or stale X-Timestamp"})
    Secret = endpoint.env["integration.signing.secret"]
    if not signature.startswith("sha256=") or not Secret._verify(endpoint, timestamp, body, signature):
        raise Refused(401, {"error": "unauthorized", "detail": "bad signature"})


# What a sender puts in X-Signature: the webhook's own signing, one definition for both ways.
sign = sender.sign
