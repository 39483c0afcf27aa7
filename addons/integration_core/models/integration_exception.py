from odoo import api, fields, models
from odoo.exceptions import UserError


class IntegrationException(models.Model):
    """A business problem with a message that a finance user resolves in Odoo."""

    _name = "integration.exception"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Integration Exception"
    _order = "id desc"
    _check_company_auto = True

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
    resolution_note = fields.Text(tracking=True)
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

    def action_assign_to_me(self):
        self.write({"user_id": self.env.uid})
        self.env["integration.audit.log"]._log(
            "exception_assigned",
            self,
            description=f"assigned to {self.env.user.name}",
            correlation_id=self[:1].correlation_id,
        )

    def action_retry(self):
        """Retry the messages after the cause was fixed; the exception resolves itself when they pass."""
        self.message_id.action_retry()

    def action_resolve(self):
        """Close without retrying: the problem was handled outside the message."""
        for exception in self:
            if exception.state != "open":
                continue
            if not exception.resolution_note:
                raise UserError(self.env._("Write a resolution note before resolving."))
            exception.write(
                {"state": "resolved", "resolved_at": fields.Datetime.now(), "resolved_by": self.env.uid}
            )
            self.env["integration.audit.log"]._log(
                "exception_resolved",
                exception,
                description=exception.resolution_note,
                message_id=exception.message_id.id,
                correlation_id=exception.correlation_id,
            )

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
