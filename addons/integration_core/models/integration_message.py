import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine import intake, jsondoc, processor
from .integration_guarded_mixin import IntegrationGuardedMixin

_logger = logging.getLogger(__name__)

STATES = [
    ("received", "Received"),
    ("processing", "Processing"),
    ("done", "Done"),
    ("exception", "Exception"),
    ("retry", "Retry"),
    ("dead", "Dead"),
    ("cancelled", "Cancelled"),
]
# Which states each state may be entered from.
ALLOWED_FROM = {
    "received": {"exception", "dead", "retry", "done", "cancelled", "processing"},
    "processing": {"received", "retry"},
    "done": {"processing"},
    "exception": {"processing"},
    "retry": {"processing"},
    "dead": {"processing"},
    "cancelled": {"received", "retry", "exception", "dead"},
}
PENDING = ("received", "processing", "retry")


class IntegrationMessage(models.Model):
    _name = "integration.message"
    # mail.thread after the guard: the guard's create stays the one _needs_orm_create sees, so
    # intake keeps its SQL insert (no follower, no "created" note: a message is not a document).
    _inherit = ["integration.guarded.mixin", "mail.thread"]
    _description = "Integration Message"
    _order = "id desc"
    _check_company_auto = True
    # Nobody writes a message directly, yet the people who see it discuss it.
    _mail_post_access = "read"
    # What people type to find a message: its key, its correlation id, the document made, the
    # sender's reference or number (see integration_message_readable.py).
    _rec_names_search = ["idempotency_key", "correlation_id", "result_name", "reference"]

    # Indexes are few on purpose: every one costs on each of thousands of inserts a
    # second. (endpoint_id, idempotency_key) is served by the unique index below.
    direction = fields.Selection(
        [("in", "Inbound"), ("out", "Outbound")], required=True, default="in", readonly=True
    )
    endpoint_id = fields.Many2one("integration.endpoint", required=True, readonly=True, ondelete="restrict")
    flow_id = fields.Many2one(
        "integration.flow", required=True, index=True, readonly=True, ondelete="restrict"
    )
    schema_version = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", string="Entity", required=True, index=True, readonly=True, ondelete="restrict"
    )
    entity_code = fields.Char(related="company_id.entity_code", string="Entity Code")
    idempotency_key = fields.Char(required=True, readonly=True)
    correlation_id = fields.Char(required=True, index=True, readonly=True)
    payload = fields.Text(required=True, readonly=True, help="The payload as received (JSON).")
    payload_hash = fields.Char(readonly=True, help="SHA-256 of the canonical payload.")
    payload_pretty = fields.Text(compute="_compute_payload_pretty", string="Payload (formatted)")
    state = fields.Selection(STATES, required=True, default="received", index=True, readonly=True)
    attempts = fields.Integer(readonly=True, default=0)
    next_attempt_at = fields.Datetime(readonly=True)
    run_alone = fields.Boolean(
        readonly=True,
        help="Its processing stopped a worker (crash, time limit, memory): it is tried alone, "
        "so it cannot take other messages down with it.",
    )
    processing_started_at = fields.Datetime(readonly=True)
    done_at = fields.Datetime(readonly=True)
    errors = fields.Json(readonly=True, help="Contract error items: code, message and details.")
    error_summary = fields.Text(compute="_compute_error_summary")
    error_traceback = fields.Text(readonly=True, groups="base.group_system")
    result_model = fields.Char(readonly=True)
    result_id = fields.Many2oneReference(model_field="result_model", readonly=True)
    result_name = fields.Char(readonly=True)
    cancel_reason = fields.Text(readonly=True)
    exception_ids = fields.One2many("integration.exception", "message_id", readonly=True)
    open_exception_count = fields.Integer(compute="_compute_open_exception_count")
    audit_ids = fields.One2many("integration.audit.log", "message_id", readonly=True)

    _endpoint_key_unique = models.UniqueIndex(
        "(endpoint_id, idempotency_key) WHERE direction = 'in'",
        "This idempotency key was already used by this endpoint.",
    )
    _pending_idx = models.Index("(state, next_attempt_at) WHERE state IN ('received', 'retry', 'processing')")
    # The dashboard's windows (last 24 hours, 7 days) read messages by receipt date. With 200,000
    # stored, its query takes 34 ms instead of 150, messages by hour 9 instead of 148; storing
    # 10,000 messages moved within 2% (an ever-growing date only appends to the index's last
    # page). Measured by benchmarks/bench_dashboard.py (README).
    _received_idx = models.Index("(create_date)")

    @api.depends("flow_id.name", "idempotency_key")
    def _compute_display_name(self):
        for message in self:
            message.display_name = self._name_of(message.flow_id.name, message.idempotency_key, message.id)

    @api.model
    def _name_of(self, flow_name, idempotency_key, message_id):
        """A message's display name from its parts (intake names the messages it stores without
        reading them back)."""
        return f"{flow_name or ''} · {idempotency_key or message_id}"

    @api.depends("payload")
    def _compute_payload_pretty(self):
        for message in self:
            try:
                message.payload_pretty = jsondoc.pretty(jsondoc.loads(message.payload or "null"))
            except ValueError:
                message.payload_pretty = message.payload

    @api.depends("errors")
    def _compute_error_summary(self):
        # The kind of problem as the exception screens name it, never the contract's code.
        Exception_ = self.env["integration.exception"]
        labels = dict(Exception_._fields["code"]._description_selection(self.env))
        for message in self:
            message.error_summary = "\n".join(
                f"{labels.get(error.get('code')) or self.env._('Problem')}: {error.get('message')}"
                for error in message.errors or []
            )

    def _compute_open_exception_count(self):
        for message in self:
            message.open_exception_count = len(message.exception_ids.filtered(lambda e: e.state == "open"))

    # ---------------------------------------------------------------- states
    def _set_state(self, target, **vals):
        """Move to ``target`` the messages allowed to go there; already there is a no-op.

        Returns the messages that changed. Refuses (UserError) a move from a
        state the target does not accept.
        """
        changing = self.filtered(lambda m: m.state != target)
        wrong = changing.filtered(lambda m: m.state not in ALLOWED_FROM[target])
        if wrong:
            raise UserError(
                self.env._(
                    "Message %(name)s is %(state)s and cannot become %(target)s.",
                    name=wrong[0].display_name,
                    state=wrong[0].state,
                    target=target,
                )
            )
        if changing:
            changing.write(dict(vals, state=target))
        return changing

    def write(self, vals):
        # No message field is tracked or names a follower: the engine's many state writes
        # skip mail.thread's tracking and follower bookkeeping.
        return super(IntegrationMessage, self.with_context(tracking_disable=True)).write(vals)

    def _payload_dict(self):
        """The payload with its numbers as the sender wrote them (Decimal), never through float."""
        self.ensure_one()
        return jsondoc.loads(self.payload)

    # ---------------------------------------------------------------- guards
    # Messages change only through receive, process, retry, replay and cancel
    # (see integration.guarded.mixin). What was received never changes, not even
    # as superuser: a rewritten payload or entity would be processed as if sent.
    _guard_frozen_fields = frozenset(
        {
            "direction",
            "endpoint_id",
            "flow_id",
            "schema_version",
            "company_id",
            "idempotency_key",
            "correlation_id",
            "payload",
            "payload_hash",
        }
    )
    _guard_actions_hint = "Retry, Replay, Cancel"

    def _check_user_action(self):
        """People act on messages as integration users, on messages of their entities only."""
        if not self.env.su and not self.env.user.has_group("integration_core.group_integration_user"):
            raise AccessError(self.env._("Only integration users retry, replay or cancel messages."))
        self.check_access("read")

    # ------------------------------------------------------------ user actions
    def _user_requeue(self, action, from_states, reset_attempts=False):
        self._check_user_action()
        messages = self.filtered(lambda m: m.state in from_states)
        if not messages:
            raise UserError(self.env._("None of the selected messages can be %s.", action))
        vals = {"next_attempt_at": False, "errors": False}
        if reset_attempts:
            vals["attempts"] = 0
        messages.sudo()._set_state("received", **vals)
        self.env["integration.audit.log"]._log_messages(action, messages)
        self._trigger_processing()
        return messages

    def action_retry(self):
        """Try again after someone fixed the cause (mapping, account, period...)."""
        self._user_requeue("retry", ("exception", "dead", "retry"), reset_attempts=True)

    def action_replay(self):
        """Process again a message already done: its handler finds what it made and makes nothing twice."""
        self._user_requeue("replay", ("done", "cancelled"))

    def _cancel(self, reason):
        if not reason or not reason.strip():
            raise UserError(self.env._("Say why the message is cancelled."))
        self._check_user_action()
        messages = self.filtered(lambda m: m.state in ALLOWED_FROM["cancelled"])
        if not messages:
            raise UserError(self.env._("None of the selected messages can be cancelled."))
        messages.sudo()._set_state("cancelled", cancel_reason=reason.strip(), next_attempt_at=False)
        messages.sudo().exception_ids.filtered(lambda e: e.state == "open").write(
            {
                "state": "cancelled",
                "resolution_note": reason.strip(),
                "resolved_at": fields.Datetime.now(),
                "resolved_by": self.env.uid,
            }
        )
        self.env["integration.audit.log"]._log_messages("cancel", messages, description=reason.strip())
        return messages

    def action_cancel(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel Messages"),
            "res_model": "integration.message.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
        }

    def action_open_result(self):
        self.ensure_one()
        if not self.result_model or not self.result_id:
            return False
        return {
            "type": "ir.actions.act_window",
            "name": self.result_name,
            "res_model": self.result_model,
            "res_id": self.result_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------- API
    # What an answer shows of a message: what reads fetch, rather than every column (the payload
    # may weigh megabytes; an entity's row has a hundred columns, only its code is shown).
    _api_fields = (
        "flow_id",
        "schema_version",
        "company_id",
        "idempotency_key",
        "state",
        "attempts",
        "correlation_id",
        "errors",
        "next_attempt_at",
        "result_model",
        "result_id",
        "result_name",
    )

    @api.model
    def _api_search(self, domain):
        """Messages for an API answer: one query for what the answer shows."""
        return self.search_fetch(domain, list(self._api_fields))

    def _api_dict(self, duplicate=None):
        self.ensure_one()
        self.fetch(list(self._api_fields))  # nothing to do when read by _api_search
        self.flow_id.fetch(["code"])
        self.company_id.fetch(["entity_code"])
        data = {
            "id": self.id,
            "flow": self.flow_id.code,
            "schema_version": self.schema_version,
            "entity": self.company_id.entity_code,
            "idempotency_key": self.idempotency_key,
            "state": self.state,
            "attempts": self.attempts,
            "correlation_id": self.correlation_id,
            "errors": self.errors or [],
            "result": None,
        }
        if self.next_attempt_at and self.state == "retry":
            data["next_attempt_at"] = fields.Datetime.to_string(self.next_attempt_at) + "Z"
        if self.result_model and self.result_id:
            data["result"] = {"model": self.result_model, "id": self.result_id, "name": self.result_name}
        if duplicate is not None:
            data["duplicate"] = duplicate
        return data

    @api.model
    def _insert_received(self, vals_list):
        """Create received messages: the ingestion hot path.

        Same result as ``create`` for this model (the caller's access rights
        and companies checked, defaults applied, create/write users and dates
        set) in one INSERT from column arrays: storing thousands of messages
        a second, the ORM's per-record bookkeeping took a third of the time.
        Where an extension adds a stored computed field or overrides create,
        the ORM's create is used instead.
        """
        if not vals_list:
            return self.browse()
        self.check_access("create")
        allowed = set(self.env.user.company_ids.ids)
        if any(vals["company_id"] not in allowed for vals in vals_list):
            raise AccessError(self.env._("This user may not store messages for that entity."))
        if self._needs_orm_create():
            # Checked above as the caller; only the superuser creates through the ORM.
            return self.sudo().create(vals_list).with_env(self.env)
        given = set(vals_list[0])
        defaults = self.default_get([name for name in self._insert_columns() if name not in given])
        names = sorted(given | set(defaults))
        arrays = SQL(", ").join(
            SQL(
                f"%s::{self._fields[name].column_type[1]}[]",
                [vals.get(name, defaults.get(name)) for vals in vals_list],
            )
            for name in names
        )
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                "INSERT INTO integration_message (%s, create_uid, write_uid, create_date, write_date) "
                "SELECT *, %s, %s, %s, %s FROM unnest(%s) RETURNING id",
                SQL(", ").join(SQL.identifier(name) for name in names),
                self.env.uid,
                self.env.uid,
                now,
                now,
                arrays,
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _insert_columns(self):
        magic = {"id", "create_uid", "create_date", "write_uid", "write_date"}
        return [
            name
            for name, field in self._fields.items()
            if field.store and field.column_type and name not in magic
        ]

    @api.model
    def _needs_orm_create(self):
        # The guard's create only checks the caller, which the fast path does itself.
        overridden = type(self).create not in (models.BaseModel.create, IntegrationGuardedMixin.create)
        computed = any(field.store and field.compute for field in self._fields.values())
        return overridden or computed

    @api.model
    def _api_receive(self, endpoint, envelopes):
        """Store the envelopes of one request; one (status, body, headers) per envelope."""
        return intake.receive(self.env, endpoint, envelopes)

    # ---------------------------------------------------------------- engine
    @api.model
    def _processing_lanes(self):
        """The crons that process the queue: Odoo runs one cron in one worker at a time, so
        parallel processing takes one cron per lane (an administrator may add lanes by
        duplicating one)."""
        return (
            self.env["ir.cron"]
            .sudo()
            .search([("model_id.model", "=", self._name), ("code", "=like", "model._cron_process_inbound(%")])
        )

    @api.model
    def _trigger_processing(self, at=None):
        for lane in self._processing_lanes():
            lane._trigger(at)

    @api.model
    def _cron_process_inbound(self, batch_size=50):
        processor.run(self.env, batch_size=batch_size, commit=True)

    @api.model
    def _process_queue(self, batch_size=50, commit=False):
        """Process everything ready now (tests and scripts; the cron commits between batches)."""
        return processor.run(self.env, batch_size=batch_size, commit=commit)
