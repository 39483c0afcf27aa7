"""The audit of what the intake received: messages stored, envelopes and whole requests refused.

Every refusal leaves a row (the Rejected Requests list) quoting at most
``text.LIMIT`` characters of anything the sender wrote.
"""

import logging
import uuid

from odoo.exceptions import ConcurrencyError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import mute_logger

from . import text

_logger = logging.getLogger(__name__)

# Error items an audit row keeps of one rejected envelope (the answer carries them all).
AUDITED_ERRORS = 20
# Failures Odoo answers by running the whole request again: never contained per envelope.
RETRIED_BY_ODOO = (ConcurrencyError, *PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)


def audit_intake(env, intake, envelopes, outcomes, stored, *, pending):
    """The audit of one request's envelopes: a row per stored message, the refused ones in rows of their own."""
    endpoint = intake.endpoint
    Message = env["integration.message"]
    created = {index: m for index, m in stored.items() if not isinstance(m, tuple)}
    log = env["integration.audit.log"]
    if created:
        # Named from the values just stored, as the message names itself: nothing read back.
        known = {}
        flow_names = {flow_id: flow.name for flow_id, flow in intake.flows_by_id.items()}
        for index, message in created.items():
            vals = pending[index]
            name = Message._name_of(flow_names[vals["flow_id"]], vals["idempotency_key"], message.id)
            known[message.id] = (name, vals["company_id"], vals["correlation_id"])
        messages = Message.browse(known)
        log._log_messages("received", messages, description="received and validated", known=known)
    refused = [
        (index, status, body) for index, (status, body, _headers) in enumerate(outcomes) if status >= 400
    ]
    if not refused:
        return
    rows = [_rejection_row(endpoint, envelopes[index], status, body) for index, status, body in refused]
    try:
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            log.sudo().create(rows)
    except RETRIED_BY_ODOO:
        raise
    except Exception:
        # Sender text is made safe above; should a row still be refused, the rejections are
        # kept without their details rather than failing the envelopes that were stored.
        _logger.exception(
            "integration: endpoint %s: rejection audit rows refused", text.for_log(endpoint.code)
        )
        bare = [(row, row["new_values"]) for row in rows]
        log.sudo().create(
            [dict(row, description=f"{new['status']} {new['error']}", new_values=None) for row, new in bare]
        )
    _logger.info("integration: endpoint %s: %d envelope(s) rejected", text.for_log(endpoint.code), len(rows))
    if _logger.isEnabledFor(logging.DEBUG):
        for index, status, body in refused:
            envelope = envelopes[index] if isinstance(envelopes[index], dict) else {}
            _logger.debug(
                "integration: endpoint %s: envelope %d refused, %s %s "
                "(idempotency key %s, correlation id %s)",
                text.for_log(endpoint.code),
                index,
                status,
                body.get("error"),
                text.for_log(envelope.get("idempotency_key")),
                text.for_log(envelope.get("correlation_id")),
            )


def audit_refused_request(env, endpoint, status, body):
    """An audit row for a whole request refused after its key was recognised (400, 401 on a bad
    signature, 413, 415, 422 on the batch's shape), so it shows among the rejected requests too."""
    body = dict(body, correlation_id=body.get("correlation_id") or str(uuid.uuid4()))
    with mute_logger("odoo.sql_db"), env.cr.savepoint():
        env["integration.audit.log"].sudo().create([_rejection_row(endpoint, {}, status, body)])


def _rejection_row(endpoint, envelope, status, body):
    """An audit row of a refused envelope: at most ``text.LIMIT`` characters of any value it quotes."""
    envelope = envelope if isinstance(envelope, dict) else {}
    key = envelope.get("idempotency_key")
    # What the sender named, for the Rejected Requests list (text only: anything else was refused).
    named = {
        name: envelope[name]
        for name in ("idempotency_key", "entity", "flow")
        if isinstance(envelope.get(name), str)
    }
    values = {
        "status": status,
        **named,
        "error": body.get("error"),
        "detail": body.get("detail"),
        "errors": (body.get("errors") or [])[:AUDITED_ERRORS] or None,
        "request_id": body.get("request_id"),
    }
    return {
        "action": "rejected",
        "res_model": endpoint._name,
        "res_id": endpoint.id,
        "res_name": endpoint.display_name,
        "company_id": endpoint.company_id.id,
        "correlation_id": body["correlation_id"],
        "description": f"{status} {body.get('error')} for idempotency key {text.quote(key)}",
        "new_values": text.clean_json({k: v for k, v in values.items() if v is not None}, text.LIMIT),
    }
