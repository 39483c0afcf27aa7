"""Processing the inbound queue.

A run claims batches of ready messages with SKIP LOCKED and marks them
'processing' in a short committed transaction, then processes each group
(one endpoint, entity and flow) in a second transaction that holds the rows'
locks: a live worker's messages are never recovered by another, and a dead
worker's are, after the timeout.
"""

import json
import logging
import traceback
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from ..exceptions import BusinessError, IntegrationError
from . import claim, retry, text
from .logcontext import correlation

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
        # The attempt counts at the claim: a run that dies (crash, time limit, memory) has used it.
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
                if remaining:
                    # Odoo reschedules a partly done cron but wakes no worker for it:
                    # without this, the rest waits for the next poll (up to a minute).
                    Message._trigger_processing()
                    env.cr.commit()
                return processed
    if commit:
        due = claim.next_due(env.cr, flow_ids)
        if due:  # the next retry runs at its time, not at the next poll
            Message._trigger_processing(at=due)
            env.cr.commit()
    return processed


def recover_stuck(env, timeout=STUCK_TIMEOUT):
    """Messages left 'processing' by a worker that died on them.

    The attempt they were claimed with counts: they go back to the queue to
    run alone (so they cannot take a batch down again), or end ``dead`` with
    an exception once the flow's attempts are used.
    """
    env.flush_all()
    ids = claim.claim_stuck(env.cr, timeout)
    if not ids:
        return env["integration.message"]
    messages = env["integration.message"].browse(ids)
    spent = messages.filtered(lambda m: m.attempts >= m.flow_id.max_attempts)
    again = messages - spent
    if again:
        again._set_state("retry", next_attempt_at=False, processing_started_at=False, run_alone=True)
        env["integration.audit.log"]._log_messages(
            "recovered",
            again,
            description=f"still processing after {timeout} s: its worker stopped; queued again, to run alone",
        )
    for message in spent:
        errors = [
            {
                "code": "unexpected",
                "message": (
                    f"Processing this message stopped the worker running it {message.attempts} times "
                    "(a crash, the time limit or the memory limit). It was set aside so that it cannot "
                    "stop other messages; administrators have the details in the server log."
                ),
            }
        ]
        message._set_state("dead", errors=errors, next_attempt_at=False, run_alone=True)
        env["integration.audit.log"]._log_messages("dead", message, description=errors[0]["message"])
        env["integration.exception"]._raise_for(message, errors)
    for message in messages:
        _logger.warning(
            "integration: message %s [%s] recovered from a stopped worker (attempt %s)",
            message.id,
            text.for_log(message.correlation_id),
            message.attempts,
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
            # A service user following every document it makes would be told of each one's chatter.
            mail_create_nosubscribe=True,
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
                text.for_log(str(error)),
            )
    return {message.id: _run_one(env, handler, message) for message in hmessages}


def _run_one(env, handler, message):
    with correlation(message.correlation_id):
        return _run_one_traced(env, handler, message)


def _run_one_traced(env, handler, message):
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
    """Record each message's outcome; a failure while recording one stays with that one."""
    now = fields.Datetime.now()
    succeeded = messages.filtered(lambda message: _succeeded(outcomes.get(message.id)))
    done = _record_all_done(env, succeeded, outcomes, now)
    for message in messages - done:
        with correlation(message.correlation_id):
            done |= _apply_outcome(env, message, outcomes.get(message.id), flow, now)
    if done:
        env["integration.exception"]._resolve_by_success(done, now)
        env["integration.audit.log"]._log_messages("processed", done, description="processed")


def _succeeded(outcome):
    return outcome is not None and not isinstance(outcome, BaseException)


def _record_all_done(env, messages, outcomes, now):
    """The batch's successes recorded in one savepoint, one flush: the messages recorded, or none (then
    each is recorded alone, so that one failing to record cannot take the others with it)."""
    if len(messages) < 2:
        return messages.browse()
    try:
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            for message in messages:
                _record_done(message, outcomes[message.id][:1], now)
    except Exception as error:
        _logger.info(
            "integration: recording %d outcomes at once failed (%s); one by one",
            len(messages),
            text.for_log(str(error)),
        )
        return messages.browse()
    return messages


def _apply_outcome(env, message, outcome, flow, now):
    """Record one message's outcome; the message when it is done, else an empty set."""
    try:
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            if not _succeeded(outcome):
                error = outcome or IntegrationError("handler returned nothing for this message")
                _record_failure(env, message, error, flow, now)
                return message.browse()
            _record_done(message, outcome[:1], now)
            return message
    except Exception as error:
        _set_aside(env, message, error, now)
        return message.browse()


def _record_done(message, record, now):
    message._set_state(
        "done",
        done_at=now,
        errors=False,
        next_attempt_at=False,
        run_alone=False,
        result_model=record._name,
        result_id=record.id,
        result_name=text.clean(_result_name(record), 255),
    )


def _set_aside(env, message, error, now):
    """The bookkeeping of one message failed: keep it out of the way with an exception, never the batch."""
    _logger.error(
        "integration: message %s [%s]: recording its outcome failed",
        message.id,
        text.for_log(message.correlation_id),
        exc_info=error,
    )
    message.invalidate_recordset()
    errors = [
        {
            "code": "unexpected",
            "message": "The product could not record this message's outcome; administrators have the details.",
        }
    ]
    env.cr.execute(
        "UPDATE integration_message SET state = 'exception', errors = %s, next_attempt_at = NULL, "
        "error_traceback = %s WHERE id = %s",
        (json.dumps(errors), text.clean("".join(traceback.format_exception(error)), 20000), message.id),
    )
    message.invalidate_recordset()
    try:
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            env["integration.exception"]._raise_for(message, errors)
    except Exception:
        _logger.exception("integration: message %s: could not open its exception", message.id)


def _result_name(record):
    """The document's own name (MISC/2026/11/0001) where it has one, else its display name."""
    record = record.sudo()
    name = record["name"] if "name" in record._fields else None
    return name if isinstance(name, str) and name else record.display_name


def _record_failure(env, message, error, flow, now):
    log = env["integration.audit.log"]
    kind, errors = _classify(error)
    # Error texts quote what the sender wrote: made safe for jsonb, text and logs first.
    errors = text.clean_json(errors, limit=2000)
    error_text = text.clean(str(error), 2000)
    if kind == "transient" and message.attempts < flow.max_attempts:
        delay = getattr(error, "delay", None) or retry.backoff_delay(message.attempts, flow.retry_delay)
        message._set_state("retry", errors=errors, next_attempt_at=now + timedelta(seconds=delay))
        log._log_messages(
            "retry_scheduled", message, description=f"attempt {message.attempts} failed: {error_text}"
        )
        _logger.info(
            "integration: message %s [%s] will retry in %.0f s: %s",
            message.id,
            text.for_log(message.correlation_id),
            delay,
            text.for_log(error_text),
        )
        return
    if kind == "transient":
        errors = [
            {
                "code": "unexpected",
                "message": f"Could not be processed after {message.attempts} attempts; last error: {error_text}",
            }
        ]
        message._set_state("dead", errors=errors, next_attempt_at=False)
        log._log_messages("dead", message, description=error_text)
    else:
        vals = {"errors": errors, "next_attempt_at": False}
        if kind == "unexpected":
            vals["error_traceback"] = text.clean("".join(traceback.format_exception(error)), 20000)
            _logger.error(
                "integration: message %s [%s] failed unexpectedly: %s",
                message.id,
                text.for_log(message.correlation_id),
                text.for_log(error_text),
            )
        message._set_state("exception", **vals)
        log._log_messages("exception", message, description="; ".join(e["message"] for e in errors))
    env["integration.exception"]._raise_for(message, errors)
