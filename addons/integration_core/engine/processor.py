"""Processing the inbound queue.

A run claims batches of ready messages with SKIP LOCKED and marks them
'processing' in a short committed transaction, then processes each group
(one endpoint, entity and flow) in a second transaction that holds the rows'
locks: a live worker's messages are never recovered by another, and a dead
worker's are, after the timeout.
"""

import logging
import traceback
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from ..exceptions import BusinessError, IntegrationError
from . import claim, retry

_logger = logging.getLogger(__name__)

STUCK_TIMEOUT = 600  # seconds a claim may stay 'processing' before it is recovered


def run(env, batch_size=50, commit=True):
    """Process ready messages until none is left (or the cron's time is up); return how many."""
    env = env(su=True)
    Message = env["integration.message"]
    recover_stuck(env)
    if commit:
        env.cr.commit()
    flow_ids = env["integration.flow"]._processable_flow_ids()
    processed = 0
    while True:
        env.flush_all()  # the claim is raw SQL: it must see every pending write (holds, due times)
        ids = claim.claim_ready(env.cr, flow_ids, batch_size)
        if not ids:
            break
        messages = Message.browse(ids)
        now = fields.Datetime.now()
        env.cr.execute(
            "UPDATE integration_message SET state = 'processing', processing_started_at = %s, "
            "attempts = COALESCE(attempts, 0) + 1 WHERE id = ANY(%s)",
            (now, ids),
        )
        messages.invalidate_recordset(["state", "processing_started_at", "attempts"])
        if commit:
            env.cr.commit()
        process_claimed(env, messages)
        processed += len(ids)
        if commit:
            # Odoo's cron calls this again while work remains and time allows,
            # then reschedules itself at once: no batch overruns the cron's limit.
            remaining = claim.count_ready(env.cr, flow_ids)
            if not env["ir.cron"]._commit_progress(len(ids), remaining=remaining):
                break
    return processed


def recover_stuck(env, timeout=STUCK_TIMEOUT):
    """Messages left 'processing' by a worker that died go back to the queue."""
    env.flush_all()
    ids = claim.claim_stuck(env.cr, timeout)
    if not ids:
        return env["integration.message"]
    messages = env["integration.message"].browse(ids)
    messages._set_state("retry", next_attempt_at=False, processing_started_at=False)
    env["integration.audit.log"]._log_messages(
        "recovered", messages, description=f"still processing after {timeout} s: worker stopped; queued again"
    )
    for message in messages:
        _logger.warning(
            "integration: message %s [%s] recovered from a stopped worker", message.id, message.correlation_id
        )
    return messages


def process_claimed(env, messages):
    # Only rows still ours: a claim recovered meanwhile is someone else's now.
    env.flush_all()
    mine = messages.browse(claim.lock_claimed(env.cr, messages.ids))
    groups = defaultdict(messages.browse)
    for message in mine:
        groups[(message.endpoint_id, message.company_id, message.flow_id)] |= message
    for (endpoint, company, flow), group in groups.items():
        outcomes = _run_handler(env, endpoint, company, flow, group)
        _apply_outcomes(env, group, outcomes, flow)


def _handler(env, endpoint, company, flow):
    """The flow's handler, as the endpoint's service user, in the entity's company."""
    henv = env(
        user=endpoint.user_id.id,
        su=False,
        context=dict(
            env.context,
            allowed_company_ids=[company.id],
            mail_create_nolog=True,
            mail_notrack=True,
        ),
    )
    return henv[flow.handler_model]


def _run_handler(env, endpoint, company, flow, messages):
    """Outcomes ``{message_id: record or exception}``: the whole group at once when the
    handler manages, else each message alone to isolate the one at fault."""
    handler = _handler(env, endpoint, company, flow)
    hmessages = messages.with_env(handler.env)
    if len(messages) > 1:
        try:
            with mute_logger("odoo.sql_db"), env.cr.savepoint():
                return handler._process_batch(hmessages)
        except Exception as error:
            _logger.info(
                "integration: batch of %d %s messages failed (%s); one by one",
                len(messages),
                flow.code,
                error,
            )
    return {message.id: _run_one(env, handler, message) for message in hmessages}


def _run_one(env, handler, message):
    try:
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            result = handler._process_batch(message)[message.id]
            if isinstance(result, Exception):
                raise result
        return result
    except Exception as error:
        return error


def _classify(error):
    """'business', 'transient' or 'unexpected', with the contract error items."""
    if isinstance(error, BusinessError):
        return "business", error.errors
    if retry.is_transient(error) or isinstance(error, psycopg2.errors.UniqueViolation):
        # A unique violation is a concurrent twin: retrying finds what it made.
        return "transient", [{"code": "unexpected", "message": f"Temporary problem, will retry: {error}"}]
    if isinstance(error, UserError) and not isinstance(error, AccessError):
        return "business", [
            {"code": "invalid_document", "message": str(error.args[0] if error.args else error)}
        ]
    return "unexpected", [
        {
            "code": "unexpected",
            "message": "The product failed on this message; administrators have the details.",
        }
    ]


def _apply_outcomes(env, messages, outcomes, flow):
    log = env["integration.audit.log"]
    now = fields.Datetime.now()
    done = messages.browse()
    for message in messages:
        outcome = outcomes.get(message.id)
        if isinstance(outcome, BaseException) or outcome is None:
            error = outcome or IntegrationError("handler returned nothing for this message")
            _record_failure(env, message, error, flow, now)
            continue
        record = outcome[:1]
        message._set_state(
            "done",
            done_at=now,
            errors=False,
            next_attempt_at=False,
            result_model=record._name,
            result_id=record.id,
            result_name=_result_name(record),
        )
        done |= message
    if done:
        done.exception_ids.filtered(lambda e: e.state == "open").write(
            {"state": "resolved", "resolution_note": "Processed successfully.", "resolved_at": now}
        )
        log._log_messages("processed", done, description="processed")
        for message in done:
            _logger.debug("integration: message %s [%s] done", message.id, message.correlation_id)


def _result_name(record):
    """The document's own name (MISC/2026/11/0001) where it has one, else its display name."""
    record = record.sudo()
    name = record["name"] if "name" in record._fields else None
    return name if isinstance(name, str) and name else record.display_name


def _record_failure(env, message, error, flow, now):
    log = env["integration.audit.log"]
    kind, errors = _classify(error)
    if kind == "transient" and message.attempts < flow.max_attempts:
        delay = getattr(error, "delay", None) or retry.backoff_delay(message.attempts, flow.retry_delay)
        message._set_state("retry", errors=errors, next_attempt_at=now + timedelta(seconds=delay))
        log._log_messages(
            "retry_scheduled", message, description=f"attempt {message.attempts} failed: {error}"
        )
        _logger.info(
            "integration: message %s [%s] will retry in %.0f s: %s",
            message.id,
            message.correlation_id,
            delay,
            error,
        )
        return
    if kind == "transient":
        errors = [
            {
                "code": "unexpected",
                "message": f"Could not be processed after {message.attempts} attempts; last error: {error}",
            }
        ]
        message._set_state("dead", errors=errors, next_attempt_at=False)
        log._log_messages("dead", message, description=str(error))
    else:
        vals = {"errors": errors, "next_attempt_at": False}
        if kind == "unexpected":
            vals["error_traceback"] = "".join(traceback.format_exception(error))
            _logger.error(
                "integration: message %s [%s] failed unexpectedly",
                message.id,
                message.correlation_id,
                exc_info=error,
            )
        message._set_state("exception", **vals)
        log._log_messages("exception", message, description="; ".join(e["message"] for e in errors))
    env["integration.exception"]._raise_for(message, errors)
