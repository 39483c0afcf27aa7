import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import text

AUDIT_ACTIONS = [
    ("create", "Created"),
    ("write", "Changed"),
    ("unlink", "Deleted"),
    ("key_issued", "API key issued"),
    ("key_revoked", "API key revoked"),
    ("key_expiry_shortened", "API key expiry brought forward"),
    ("secret_rotated", "Signing secret rotated"),
    ("received", "Message received"),
    ("rejected", "Message rejected"),
    ("processed", "Message processed"),
    ("exception", "Message exception"),
    ("retry_scheduled", "Retry scheduled"),
    ("dead", "Retries exhausted"),
    ("recovered", "Recovered from a stopped worker"),
    ("retry", "Retried by a user"),
    ("replay", "Replayed by a user"),
    ("cancel", "Cancelled by a user"),
    ("exception_assigned", "Exception assigned"),
    ("exception_resolved", "Exception resolved"),
    ("hold", "Hold changed"),
    ("alert_raised", "Alert raised"),
    ("alert_cleared", "Alert cleared"),
    ("payload_purged", "Payloads removed (retention)"),
    ("event_delivered", "Event delivered"),
    ("delivery_failed", "Delivery failed"),
    ("deliveries_paused", "Deliveries paused"),
    ("deliveries_resumed", "Deliveries resumed"),
    ("other", "Other"),
]


class IntegrationAuditLog(models.Model):
    """Append-only trail: rows are created, never changed or removed through the ORM."""

    _name = "integration.audit.log"
    _description = "Integration Audit Log"
    _order = "id desc"
    _log_access = False

    create_date = fields.Datetime("When", readonly=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", "Who", readonly=True, index=True, ondelete="set null")
    action = fields.Selection(AUDIT_ACTIONS, required=True, readonly=True)
    res_model = fields.Char("Model", readonly=True)
    res_id = fields.Many2oneReference("Record", model_field="res_model", readonly=True)
    res_name = fields.Char("Record Name", readonly=True)
    company_id = fields.Many2one("res.company", "Entity", readonly=True, index=True, ondelete="set null")
    message_id = fields.Many2one("integration.message", readonly=True, index=True, ondelete="set null")
    correlation_id = fields.Char(readonly=True, index=True)
    description = fields.Text(readonly=True)
    old_values = fields.Json(readonly=True)
    new_values = fields.Json(readonly=True)
    res_model_name = fields.Char("Record Type", compute="_compute_res_model_name")

    _record_idx = models.Index("(res_model, res_id)")
    # The Rejected Requests list reads these rows only, newest first, among all the log's rows.
    _rejected_idx = models.Index("(id) WHERE action = 'rejected'")

    @api.depends("action", "res_name")
    def _compute_display_name(self):
        labels = dict(self._fields["action"]._description_selection(self.env))
        for row in self:
            row.display_name = " · ".join(part for part in (labels.get(row.action), row.res_name) if part)

    @api.depends("res_model")
    def _compute_res_model_name(self):
        IrModel = self.env["ir.model"].sudo()
        for row in self:
            known = row.res_model and row.res_model in self.env
            row.res_model_name = IrModel._get(row.res_model).name if known else row.res_model

    def action_open_record(self):
        """The record the row is about, for whoever may read it."""
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env or not self.res_id:
            return False
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(self.env._("%s no longer exists.", self.res_name or self.res_model_name))
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.res_name,
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    @api.model_create_multi
    def create(self, vals_list):
        uid = self.env.uid
        for vals in vals_list:
            vals.setdefault("user_id", uid)
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise AccessError(self.env._("The integration audit log cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("The integration audit log cannot be deleted."))

    @api.model
    def _log(self, action, records=None, **vals):
        """Append one row per record (or one row without a record)."""
        rows = []
        for record in records or [None]:
            row = dict(vals, action=action)
            if record is not None:
                row.update(res_model=record._name, res_id=record.id, res_name=record.display_name)
                if "company_id" in record._fields and "company_id" not in vals:
                    row["company_id"] = record.company_id.id
            rows.append(row)
        return self.sudo().create(rows)

    @api.model
    def _log_messages(self, action, messages, description=None, details=None, known=None):
        """One row per message, with its correlation id.

        Written on every hot path (each receipt, each outcome), so the rows go
        in with one INSERT rather than through the ORM: the log is our own
        append-only table and holds no accounting data. ``known``: ``{message
        id: (display name, entity id, correlation id)}`` for every message, when
        the caller has them (intake, which has just stored the messages from
        these values): nothing is then read back.
        """
        if not messages:
            return
        count = len(messages)
        detail_of = (details or {}).get
        if known is None:
            known = {m.id: (m.display_name, m.company_id.id, m.correlation_id) for m in messages}
        rows = [known[message_id] for message_id in messages.ids]
        columns = [
            [fields.Datetime.now()] * count,
            [self.env.uid] * count,
            [action] * count,
            [messages._name] * count,
            messages.ids,
            [text.clean(name, 255) for name, _company, _correlation in rows],
            [company for _name, company, _correlation in rows],
            messages.ids,
            [correlation for _name, _company, correlation in rows],
            [text.clean(description, 2000)] * count,
            [json.dumps(detail_of(m.id)) if detail_of(m.id) is not None else None for m in messages],
        ]
        # One statement whatever the count: a column array each, unnested into rows.
        self.env.cr.execute(
            "INSERT INTO integration_audit_log (create_date, user_id, action, res_model, res_id, res_name, "
            "company_id, message_id, correlation_id, description, new_values) "
            "SELECT * FROM unnest(%s::timestamp[], %s::int[], %s::varchar[], %s::varchar[], %s::int[], "
            "%s::varchar[], %s::int[], %s::int[], %s::varchar[], %s::text[], %s::jsonb[])",
            columns,
        )
        messages.invalidate_recordset(["audit_ids"])
