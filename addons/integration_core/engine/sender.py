"""Delivering outbound events: the outbox's sender.

An event is an ``integration.message`` with direction 'out', written in the
transaction of the business change that causes it (see
``integration.message._emit_event``): no event without its posting, no
posting without its event. This sender takes them out of the outbox.

Order: events of one endpoint and entity go out in the order they were
written. A group (endpoint, entity) is served only while its oldest pending
event is ready; a failure ends the group's batch, so nothing overtakes an
event that is waiting for its retry. A dead event no longer holds the
others back: it waits, visible, for someone to replay it.

Delivery is at least once: the network call happens outside any open
database change, and each outcome is committed before the next event goes,
so a worker that dies loses at most the record of one delivery, which is
then delivered again with the same event id (receivers dedupe on it).

Circuit breaker, per endpoint: after ``breaker_threshold`` consecutive
failures of a receiver that cannot be reached (no answer, time-out, 5xx,
408, 429) deliveries pause; one event probes the receiver after the
cool-down and its success resumes them. While paused, no attempt is
spent, so a receiver down for hours gets everything afterwards, in order.
"""

import hashlib
import hmac
import logging
import time
from datetime import timedelta

import requests

from odoo import fields

from . import claim, retry, text
from .logcontext import correlation

_logger = logging.getLogger(__name__)

# High bits of the advisory lock keys: not the inbound claim's, not another module's.
LOCK_NAMESPACE = 0x1A7F << 40
RESPONSE_EXCERPT = 500
PENDING = ("received", "retry", "processing")

HEADS = """
    WITH heads AS (
        SELECT DISTINCT ON (m.endpoint_id, m.company_id)
               m.endpoint_id, m.company_id, m.id, m.state, m.next_attempt_at, m.flow_id
          FROM integration_message m
         WHERE m.direction = 'out' AND m.state IN ('received', 'retry', 'processing')
         ORDER BY m.endpoint_id, m.company_id, m.id
    )
    SELECT h.endpoint_id, h.company_id, h.id,
           e.breaker_state = 'open' AS probe
      FROM heads h
      JOIN integration_endpoint e ON e.id = h.endpoint_id
      JOIN integration_flow f ON f.id = h.flow_id
      JOIN res_company c ON c.id = h.company_id
     WHERE h.state <> 'processing'
       AND (h.next_attempt_at IS NULL OR h.next_attempt_at <= %(now)s)
       AND e.active AND NOT COALESCE(e.hold, false)
       AND NOT COALESCE(f.hold, false) AND NOT COALESCE(c.integration_hold, false)
       AND (COALESCE(e.breaker_state, 'closed') <> 'open' OR e.breaker_probe_at <= %(now)s)
     ORDER BY h.id
"""

GROUP_ROWS = """
    SELECT id, state, next_attempt_at
      FROM integration_message
     WHERE direction = 'out' AND endpoint_id = %(endpoint_id)s AND company_id = %(company_id)s
       AND state IN ('received', 'retry')
     ORDER BY id
     LIMIT %(limit)s
       FOR UPDATE SKIP LOCKED
"""


def claim_group(cr, limit):
    """Lock and mark 'processing' the next events of one group, oldest first; ``(ids, probe)``."""
    now = claim._now()
    cr.execute(HEADS, {"now": now})
    for endpoint_id, company_id, head_id, probe in cr.fetchall():
        cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s)",
            [LOCK_NAMESPACE | (endpoint_id << 20) | (company_id & 0xFFFFF)],
        )
        if not cr.fetchone()[0]:
            continue
        cr.execute(GROUP_ROWS, {"endpoint_id": endpoint_id, "company_id": company_id, "limit": limit})
        rows = cr.fetchall()
        if not rows or rows[0][0] != head_id:
            continue  # the head is someone else's right now: never send behind its back
        ids = []
        for message_id, _state, due in rows:
            if due and due > now:
                break
            ids.append(message_id)
            if probe:
                break  # a paused receiver is probed with one event
        cr.execute(
            "UPDATE integration_message SET state = 'processing', processing_started_at = %s WHERE id = ANY(%s)",
            (now, ids),
        )
        return ids, probe
    return [], False


def count_ready(cr):
    cr.execute(HEADS, {"now": claim._now()})
    return len(cr.fetchall())


def run(env, batch_size=50, commit=True, session=None):
    """Deliver ready events until none is left (or the cron's time is up); return how many went."""
    env = env(su=True)
    Message = env["integration.message"]
    links = Links(session)
    try:
        return _run(env, Message, batch_size, commit, links)
    finally:
        links.close()


class Links:
    """The run's open ways out: an HTTP session (kept-alive connections) and broker channels."""

    def __init__(self, session=None):
        self.session = session or requests.Session()
        self._own_session = session is None
        self._broker = None

    @property
    def broker(self):
        if self._broker is None:
            from . import amqp  # only endpoints on a broker need the AMQP client

            self._broker = amqp.Connections()
        return self._broker

    def close(self):
        if self._broker is not None:
            self._broker.close()
        if self._own_session:
            self.session.close()


def _run(env, Message, batch_size, commit, links):
    delivered = 0
    while True:
        env.flush_all()
        ids, probe = claim_group(env.cr, batch_size)
        if not ids:
            break
        messages = Message.browse(ids)
        messages.invalidate_recordset(["state", "processing_started_at"])
        if commit:
            env.cr.commit()
        delivered += deliver_group(env, messages, probe, commit=commit, links=links)
        if commit and not env["ir.cron"]._commit_progress(len(ids), remaining=count_ready(env.cr)):
            break
    if commit:
        env.cr.execute(
            "SELECT min(next_attempt_at) FROM integration_message "
            "WHERE direction = 'out' AND state = 'retry' AND next_attempt_at > %s",
            [claim._now()],
        )
        due = env.cr.fetchone()[0]
        env.cr.execute(
            "SELECT min(breaker_probe_at) FROM integration_endpoint "
            "WHERE breaker_state = 'open' AND breaker_probe_at > %s",
            [claim._now()],
        )
        probe_at = env.cr.fetchone()[0]
        wake = min(filter(None, (due, probe_at)), default=None)
        if wake:
            Message._trigger_delivery(at=wake)
        env.cr.commit()
    return delivered


def deliver_group(env, messages, probe, commit=True, links=None):
    """Send the events in order; the first failure puts the rest back untouched."""
    endpoint = messages[:1].endpoint_id
    sent = 0
    for index, message in enumerate(messages):
        with correlation(message.correlation_id):
            outcome = _attempt(env, endpoint, message, links or Links())
            ok = _record(env, endpoint, message, outcome, probe)
        if commit:
            env.cr.commit()
        if not ok:
            rest = messages[index + 1 :]
            if rest:
                rest._set_state("received", processing_started_at=False)
                if commit:
                    env.cr.commit()
            break
        sent += 1
    return sent


class Outcome:
    """What one attempt gave: delivered, or why not, and whether the receiver was unreachable."""

    def __init__(
        self, delivered, *, status=None, error=None, unavailable=False, excerpt=None, ms=0, final=None
    ):
        self.delivered = delivered
        self.status = status
        self.error = error
        self.unavailable = unavailable
        self.excerpt = excerpt
        self.ms = ms
        self.final = final  # an error no retry can cure (wrong environment, no address)


def _attempt(env, endpoint, message, links):
    refusal = endpoint._delivery_refusal()
    if refusal:
        return Outcome(False, error=refusal, final="environment")
    started = time.monotonic()
    try:
        if endpoint.outbound_transport == "amqp":
            if not endpoint._outbound_url():
                return Outcome(
                    False, error="No broker address is set on the endpoint.", final="delivery_failed"
                )
            from . import amqp  # only endpoints on a broker need the AMQP client

            amqp.publish(env, endpoint, message, links.broker)
            return Outcome(True, ms=_ms(started))
        return _post(env, endpoint, message, links.session, started)
    except Exception as error:  # every failure of the network or broker is the attempt's outcome
        reason = text.for_log(f"{type(error).__name__}: {error}")
        return Outcome(False, error=reason, unavailable=True, ms=_ms(started))


def _ms(started):
    return int((time.monotonic() - started) * 1000)


def sign(secret, timestamp, body):
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _post(env, endpoint, message, session, started):
    url = endpoint._outbound_url()
    if not url:
        return Outcome(False, error="No delivery address is set on the endpoint.", final="delivery_failed")
    body = message.payload.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Event-Id": message.idempotency_key,
        "X-Timestamp": timestamp,
        "X-Correlation-Id": message.correlation_id,
        "User-Agent": "odoo-integration-hub/1.4",
    }
    secret = endpoint._outbound_secret()
    if secret:
        headers["X-Signature"] = sign(secret, timestamp, body)
    timeout = endpoint.outbound_timeout or 10
    response = session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    excerpt = text.clean(response.text[:RESPONSE_EXCERPT]) if response.content else ""
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(True, status=status, excerpt=excerpt, ms=_ms(started))
    unavailable = status >= 500 or status in (408, 429)
    return Outcome(
        False,
        status=status,
        error=f"HTTP {status}",
        unavailable=unavailable,
        excerpt=excerpt,
        ms=_ms(started),
    )


def _record(env, endpoint, message, outcome, probe):
    """Write the attempt, the event's new state and the breaker's; True when delivered."""
    now = fields.Datetime.now()
    counts = not (probe and not outcome.delivered)  # a failed probe spends none of the event's attempts
    attempts = message.attempts + (1 if counts else 0)
    env["integration.delivery.attempt"].create(
        {
            "message_id": message.id,
            "attempted_at": now,
            "status_code": outcome.status or 0,
            "outcome": "delivered" if outcome.delivered else ("probe" if probe else "failed"),
            "duration_ms": outcome.ms,
            "error": text.clean(outcome.error, 2000),
            "response_excerpt": outcome.excerpt,
        }
    )
    log = env["integration.audit.log"]
    if outcome.delivered:
        message._set_state(
            "done",
            attempts=attempts,
            done_at=now,
            errors=False,
            next_attempt_at=False,
            processing_started_at=False,
        )
        log._log_messages("event_delivered", message, description=f"delivered ({outcome.status or 'broker'})")
        endpoint._breaker_success()
        return True
    _logger.info(
        "integration: event %s [%s] to endpoint %s not delivered: %s",
        message.idempotency_key,
        text.for_log(message.correlation_id),
        text.for_log(endpoint.code),
        text.for_log(outcome.error),
    )
    errors = [{"code": outcome.final or "delivery_failed", "message": _explain(outcome, attempts)}]
    if outcome.final:
        message._set_state(
            "exception", attempts=attempts, errors=errors, next_attempt_at=False, processing_started_at=False
        )
        log._log_messages("delivery_failed", message, description=errors[0]["message"])
        env["integration.exception"]._raise_for(message, errors)
        return False
    if outcome.unavailable:
        endpoint._breaker_failure()
    if attempts >= message.flow_id.max_attempts:
        message._set_state(
            "dead", attempts=attempts, errors=errors, next_attempt_at=False, processing_started_at=False
        )
        log._log_messages("dead", message, description=errors[0]["message"])
        env["integration.exception"]._raise_for(message, errors)
        return False
    delay = retry.backoff_delay(max(attempts, 1), message.flow_id.retry_delay)
    # Paused, the breaker's probe decides when the receiver is tried again, not the event's backoff.
    due = False if endpoint.breaker_state == "open" else now + timedelta(seconds=delay)
    message._set_state(
        "retry", attempts=attempts, errors=errors, next_attempt_at=due, processing_started_at=False
    )
    log._log_messages("delivery_failed", message, description=errors[0]["message"])
    return False


def _explain(outcome, attempts):
    if outcome.final:
        return outcome.error
    what = (
        f"the receiver answered {outcome.error}"
        if outcome.status
        else f"the receiver could not be reached ({outcome.error})"
    )
    return f"Not delivered after {attempts} attempt(s): {what}."
