"""Receiving envelopes: validate, deduplicate, apply holds and back-pressure, store.

Everything here runs before the HTTP answer; processing happens later, in
the queue. Each envelope gets a contract outcome ``(status, body, headers)``.
"""

import hashlib
import logging
import uuid

import psycopg2.errors

from odoo.exceptions import ConcurrencyError
from odoo.tools import mute_logger

from . import jsondoc, schemas, text
from .intake_audit import RETRIED_BY_ODOO, audit_intake

_logger = logging.getLogger(__name__)

ENVELOPE_SCHEMA = "integration_core/schemas/envelope.json"
HOLD_RETRY_AFTER = "300"
BUSY_RETRY_AFTER = "30"
MAX_CORRELATION_ID = 255


def canonical_hash(payload, decimals=None):
    # Numbers exactly as sent (1.10 is not 1.1); without Decimals, the same text as json.dumps gave.
    return hashlib.sha256(jsondoc.dumps(payload, sort_keys=True, decimals=decimals).encode()).hexdigest()


def _invalid(errors):
    """A 422 whose messages quote at most ``text.LIMIT`` characters of any value, whatever produced them."""
    return 422, {"error": "invalid", "errors": text.clean_json(errors, text.LIMIT)}, {}


def _forbidden(detail):
    return 403, {"error": "forbidden", "detail": detail}, {}


def _internal_error(what, envelope, correlation_id):
    """The outcome of one envelope the product failed on: logged for administrators, answered alone."""
    request_id = uuid.uuid4().hex
    key = envelope.get("idempotency_key") if isinstance(envelope, dict) else None
    _logger.exception(
        "integration: %s failed for the envelope with correlation id %s, idempotency key %s; request id %s",
        what,
        text.for_log(correlation_id),
        text.for_log(key if isinstance(key, str) else repr(key)),
        request_id,
    )
    return 500, {"error": "internal_error", "request_id": request_id}, {}


class _Intake:
    """One request's worth of envelopes for one endpoint."""

    def __init__(self, env, endpoint):
        self.env = env
        self.endpoint = endpoint
        self.flows = {
            flow.code: flow for flow in env["integration.flow"].sudo().search([("direction", "=", "in")])
        }
        self.allowed_flows = set(endpoint.flow_ids.ids)
        self.allowed_companies = {c.entity_code: c for c in endpoint.company_ids if c.entity_code}
        self.flows_by_id = {flow.id: flow for flow in self.flows.values()}
        self.entity_codes = {company.id: code for code, company in self.allowed_companies.items()}
        self.holds = {}  # (flow id, company id) -> on hold

    # ----------------------------------------------------------- validation
    def check(self, envelope, correlation_id):
        """A rejection outcome, or the values of the message to store."""
        if not isinstance(envelope, dict):
            return _invalid([{"path": "$", "message": "an envelope must be a JSON object"}])
        # Text no field may hold (NUL, control characters, unpaired surrogates), non-finite
        # numbers and absurd nesting first: none of it may reach a schema, SQL or a log line.
        errors = jsondoc.problems(envelope, "$") or schemas.validate(ENVELOPE_SCHEMA, envelope, prefix=())
        if errors:
            return _invalid(errors)
        flow = self.flows.get(envelope["flow"])
        if not flow:
            return _invalid([{"path": "$.flow", "message": f"unknown flow {text.quote(envelope['flow'])}"}])
        if flow.id not in self.allowed_flows:
            return _forbidden(f"this key may not send flow '{flow.code}'")
        company = self.allowed_companies.get(envelope["entity"])
        if not company:
            return _forbidden(f"this key may not write to entity {text.quote(envelope['entity'])}")
        version = envelope["schema_version"]
        if not flow._supports_version(version):
            return _invalid(
                [
                    {
                        "path": "$.schema_version",
                        "message": f"flow '{flow.code}' has no schema version {text.quote(version)}",
                    }
                ]
            )
        errors = flow._validate_payload(version, envelope["payload"])
        if errors:
            return _invalid(errors)
        payload = envelope["payload"]
        decimals = jsondoc.has_decimal(payload)  # looked for once, for both texts below
        # Every defaulted field given: Odoo then skips its per-record default lookup.
        return {
            "direction": "in",
            "state": "received",
            "attempts": 0,
            "endpoint_id": self.endpoint.id,
            "flow_id": flow.id,
            "schema_version": version,
            "company_id": company.id,
            "idempotency_key": envelope["idempotency_key"],
            "correlation_id": correlation_id,
            "payload": jsondoc.dumps(payload, decimals=decimals),
            "payload_hash": canonical_hash(payload, decimals),
        }

    def hold_outcome(self, vals):
        pair = (vals["flow_id"], vals["company_id"])
        if pair not in self.holds:  # a thousand envelopes name a handful of (flow, entity) pairs
            flow = self.env["integration.flow"].sudo().browse(pair[0])
            company = self.env["res.company"].sudo().browse(pair[1])
            self.holds[pair] = bool(self.endpoint.hold or flow.hold or company.integration_hold)
        if self.holds[pair]:
            return 503, {"error": "on_hold"}, {"Retry-After": HOLD_RETRY_AFTER}
        return None

    # -------------------------------------------------------------- storage
    def existing_by_key(self, keys):
        """Messages of this endpoint already stored under these keys, as ``{key: message}``.

        One unique-index probe per key (LATERAL ... LIMIT 1): a plan the
        planner cannot trade for a scan of all the endpoint's messages, which
        it would do with ``key IN (...)`` whenever its statistics still count
        few messages for a busy new endpoint.
        """
        if not keys:
            return {}
        Message = self.env["integration.message"].sudo()
        Message.flush_model(["direction", "endpoint_id", "idempotency_key"])
        self.env.cr.execute(
            """
            SELECT m.id
              FROM unnest(%s::varchar[]) AS k(key)
             CROSS JOIN LATERAL (
                   SELECT id FROM integration_message
                    WHERE direction = 'in' AND endpoint_id = %s AND idempotency_key = k.key
                    LIMIT 1) AS m
            """,
            [list(keys), self.endpoint.id],
        )
        found = Message.browse([row[0] for row in self.env.cr.fetchall()])
        # A duplicate's answer shows the stored message: fetched as answers read it, payload left out.
        found.fetch(["payload_hash", *Message._api_fields])
        return {message.idempotency_key: message for message in found}

    def accepted_body(self, message, vals):
        """The answer for a message just stored, from the values it was made of (no read back)."""
        return {
            "id": message.id,
            "flow": self.flows_by_id[vals["flow_id"]].code,
            "schema_version": vals["schema_version"],
            "entity": self.entity_codes[vals["company_id"]],
            "idempotency_key": vals["idempotency_key"],
            "state": "received",
            "attempts": 0,
            "correlation_id": vals["correlation_id"],
            "errors": [],
            "result": None,
            "duplicate": False,
        }

    @staticmethod
    def duplicate_outcome(message, payload_hash):
        if message.payload_hash == payload_hash:
            return 200, message._api_dict(duplicate=True), {}
        return 409, {"error": "idempotency_conflict", "id": message.id}, {}

    def store_as_service_user(self, vals_list):
        """Store messages as the endpoint's service user (so its rights and companies apply)."""
        user = self.endpoint.user_id
        Message = self.env["integration.message"].with_user(user)
        return Message.with_context(allowed_company_ids=user.company_ids.ids)._insert_received(vals_list)


def receive(env, endpoint, envelopes):
    """Contract outcomes ``(status, body, headers)`` for the envelopes of one request, in order."""
    intake = _Intake(env, endpoint)
    correlation_ids = [_correlation_id(envelope) for envelope in envelopes]
    outcomes = [None] * len(envelopes)
    pending = {}  # index -> values of a message to store
    for index, envelope in enumerate(envelopes):
        # Each envelope on its own merits: a failure checking one answers that one alone.
        # (Checks read no database, so a failure leaves the transaction usable.)
        try:
            checked = intake.check(envelope, correlation_ids[index])
        except RETRIED_BY_ODOO:
            raise
        except Exception:
            checked = _internal_error("checking", envelope, correlation_ids[index])
        if isinstance(checked, tuple):
            outcomes[index] = checked
        else:
            pending[index] = checked
    repeats = _take_duplicates(intake, pending, outcomes)
    _take_held_and_busy(intake, pending, outcomes)
    stored = _store(env, intake, pending, envelopes, correlation_ids)
    for index, message in stored.items():
        outcomes[index] = (
            message
            if isinstance(message, tuple)
            else (202, intake.accepted_body(message, pending[index]), {})
        )
    _answer_repeats(repeats, outcomes)
    outcomes = [
        _with_correlation(outcome, cid) for outcome, cid in zip(outcomes, correlation_ids, strict=True)
    ]
    audit_intake(env, intake, envelopes, outcomes, stored, pending=pending)
    if stored:
        env["integration.message"]._trigger_processing()
    return outcomes


def _correlation_id(envelope):
    """The sender's correlation id when it is a valid one, else a new one: every answer carries one.

    One holding a control character or an unpaired surrogate is refused at
    ``$.correlation_id`` and never echoed: it would forge log lines and
    cannot be stored.
    """
    given = envelope.get("correlation_id") if isinstance(envelope, dict) else None
    if isinstance(given, str) and 1 <= len(given) <= MAX_CORRELATION_ID and not jsondoc.problems(given):
        return given
    return str(uuid.uuid4())


def _with_correlation(outcome, correlation_id):
    """A rejection names the correlation id too, so the sender can quote it (it is in the audit log)."""
    status, body, headers = outcome
    if "correlation_id" in body:  # a stored message's own (a duplicate answers with the first send's)
        return outcome
    return status, dict(body, correlation_id=correlation_id), headers


def _take_duplicates(intake, pending, outcomes):
    """Answer keys already stored; return repeats within this request as {index: (first, same payload)}."""
    existing = intake.existing_by_key({vals["idempotency_key"] for vals in pending.values()})
    first_index = {}
    repeats = {}
    for index, vals in list(pending.items()):
        key = vals["idempotency_key"]
        if key in existing:
            outcomes[index] = intake.duplicate_outcome(existing[key], vals["payload_hash"])
            del pending[index]
        elif key in first_index:
            first = first_index[key]
            repeats[index] = (first, pending[first]["payload_hash"] == vals["payload_hash"])
            del pending[index]
        else:
            first_index[key] = index
    return repeats


def _take_held_and_busy(intake, pending, outcomes):
    for index, vals in list(pending.items()):
        held = intake.hold_outcome(vals)
        if held:
            outcomes[index] = held
            del pending[index]
    if pending:
        room = intake.endpoint.backlog_limit - intake.endpoint._pending_count()
        for index in sorted(pending)[max(room, 0) :]:
            outcomes[index] = (429, {"error": "busy"}, {"Retry-After": BUSY_RETRY_AFTER})
            del pending[index]


def _answer_repeats(repeats, outcomes):
    """A key repeated within one request answers like a resend of its first occurrence."""
    for index, (first, same_payload) in repeats.items():
        status, body, _headers = outcomes[first]
        if status == 202 and same_payload:
            outcomes[index] = (200, dict(body, duplicate=True), {})
        elif status == 202:
            outcomes[index] = (409, {"error": "idempotency_conflict", "id": body["id"]}, {})
        else:
            outcomes[index] = outcomes[first]


def _store(env, intake, pending, envelopes, correlation_ids):
    """Create all new messages in one call; when that fails, one by one, so that a key a concurrent
    request stored meanwhile answers as a duplicate and an envelope the database refuses answers
    alone while the others are stored."""
    if not pending:
        return {}
    indexes = sorted(pending)
    try:
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            messages = intake.store_as_service_user([pending[i] for i in indexes])
        return dict(zip(indexes, messages, strict=True))
    except RETRIED_BY_ODOO:
        raise
    except Exception:
        _logger.debug("integration: storing %d messages at once failed; one by one", len(indexes))
    stored = {}
    for index in indexes:
        vals = pending[index]
        try:
            with mute_logger("odoo.sql_db"), env.cr.savepoint():
                stored[index] = intake.store_as_service_user([vals])
        except psycopg2.errors.UniqueViolation as error:
            winner = intake.existing_by_key([vals["idempotency_key"]]).get(vals["idempotency_key"])
            if not winner:
                # Stored by a request that committed after this transaction began:
                # invisible here, so Odoo retries the request, which then answers 'duplicate'.
                raise ConcurrencyError("idempotency key stored concurrently") from error
            stored[index] = intake.duplicate_outcome(winner, vals["payload_hash"])
        except RETRIED_BY_ODOO:
            raise
        except Exception:
            stored[index] = _internal_error("storing", envelopes[index], correlation_ids[index])
    return stored
