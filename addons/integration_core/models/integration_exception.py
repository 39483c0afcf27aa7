from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class IntegrationException(models.Model):
    """A business problem with a message that a finance user resolves in Odoo."""

    _name = "integration.exception"
    _inherit = ["integration.guarded.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Integration Exception"
    _order = "id desc"
    _check_company_auto = True
    # Nobody writes an exception directly (integration.guarded.mixin), yet the
    # people who see it discuss it and plan activities on it.
    _mail_post_access = "read"
    _guard_frozen_fields = frozenset({"message_id", "company_id"})
    _guard_actions_hint = "Assign to Me, Resolve, Retry Message, Cancel Message"

    name = fields.Char(string="Problem", required=True, readonly=True)
    message_id = fields.Many2one(
        "integration.message", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", string="Entity", required=True, index=True, readonly=True)
    endpoint_id = fields.Many2one(related="message_id.endpoint_id", store=True, index=True)
    flow_id = fields.Many2one(related="message_id.flow_id", store=True, index=True)
    correlation_id = fields.Char(related="message_id.correlation_id")
    message_state = fields.Selection(related="message_id.state", string="Message State")
    code = fields.Selection(
        [
            ("missing_mapping", "Missing mapping"),
            ("unknown_reference", "Unknown reference"),
            ("locked_period", "Locked period"),
            ("invalid_document", "Document refused"),
            ("unexpected", "Unexpected error"),
        ],
        required=True,
        index=True,
        readonly=True,
    )
    details = fields.Json(readonly=True, help="The error items, as the API reports them.")
    explanation = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned To", tracking=True, index=True)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        index=True,
        tracking=True,
        readonly=True,
    )
    resolution_note = fields.Text(tracking=True, readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    resolved_by = fields.Many2one("res.users", readonly=True)

    @api.model
    def _raise_for(self, message, errors):
        """Open (or refresh) the exception of a message: one open exception per message."""
        code = (
            errors[0].get("code")
            if errors[0].get("code") in dict(self._fields["code"].selection)
            else "unexpected"
        )
        vals = {
            "name": errors[0]["message"][:250]
            if len(errors) == 1
            else self.env._(
                "%(count)s problems: %(first)s", count=len(errors), first=errors[0]["message"][:200]
            ),
            "code": code,
            "details": errors,
            "explanation": "\n".join(f"- {e['message']}" for e in errors),
        }
        current = self.sudo().search([("message_id", "=", message.id), ("state", "=", "open")], limit=1)
        if current:
            current.write(vals)
            return current
        return self.sudo().create(dict(vals, message_id=message.id, company_id=message.company_id.id))

    def _check_user_action(self):
        """People act on exceptions as integration users, on exceptions of their entities only."""
        if not self.env.su and not self.env.user.has_group("integration_core.group_integration_user"):
            raise AccessError(self.env._("Only integration users assign or resolve exceptions."))
        self.check_access("read")

    def action_assign_to_me(self):
        self._check_user_action()
        exceptions = self.filtered(lambda e: e.state == "open" and e.user_id != self.env.user)
        if not exceptions:
            return
        exceptions.sudo().write({"user_id": self.env.uid})
        for exception in exceptions:
            self.env["integration.audit.log"]._log(
                "exception_assigned",
                exception,
                description=f"assigned to {self.env.user.name}",
                message_id=exception.message_id.id,
                correlation_id=exception.correlation_id,
            )

    def action_retry(self):
        """Retry the messages after the cause was fixed; the exception resolves itself when they pass."""
        self.message_id.action_retry()

    def action_resolve(self):
        """Close without retrying, with a note saying how the problem was handled outside the message."""
        self._check_user_action()
        if not self.filtered(lambda e: e.state == "open"):
            raise UserError(self.env._("None of the selected exceptions is open."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Resolve Exceptions"),
            "res_model": "integration.exception.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
        }

    def _resolve(self, note):
        note = (note or "").strip()
        if not note:
            raise UserError(self.env._("Write a resolution note before resolving."))
        self._check_user_action()
        exceptions = self.filtered(lambda e: e.state == "open")
        if not exceptions:
            raise UserError(self.env._("None of the selected exceptions is open."))
        exceptions.sudo().write(
            {
                "state": "resolved",
                "resolution_note": note,
                "resolved_at": fields.Datetime.now(),
                "resolved_by": self.env.uid,
            }
        )
        for exception in exceptions:
            self.env["integration.audit.log"]._log(
                "exception_resolved",
                exception,
                description=note,
                message_id=exception.message_id.id,
                correlation_id=exception.correlation_id,
            )
        return exceptions

    def action_cancel_message(self):
        return self.message_id.action_cancel()

    def action_open_message(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.message",
            "res_id": self.message_id.id,
            "view_mode": "form",
        }
