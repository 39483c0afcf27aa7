from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class IntegrationStatementAccept(models.TransientModel):
    """Accept the difference of a bank statement that does not add up, with a reason, and import it."""

    _name = "integration.statement.accept"
    _description = "Accept Statement Difference"

    exception_id = fields.Many2one("integration.exception", required=True, readonly=True)
    message_id = fields.Many2one(related="exception_id.message_id")
    difference = fields.Char(compute="_compute_difference")
    explanation = fields.Char(related="exception_id.name", string="Problem")
    reason = fields.Text(required=True, help="Why the figures may be imported as the bank sent them.")

    @api.depends("exception_id")
    def _compute_difference(self):
        for wizard in self:
            wizard.difference = wizard.exception_id.bank_difference

    def action_accept(self):
        self.ensure_one()
        exception = self.exception_id
        if not self.env.user.has_group("integration_core.group_integration_user"):
            raise AccessError(self.env._("Only integration users may accept a statement difference."))
        exception.check_access("read")
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the difference is accepted."))
        item = next((e for e in exception.details or [] if e.get("difference_kind")), None)
        if exception.state != "open" or not item:
            raise UserError(self.env._("This exception has no statement difference to accept."))
        message = exception.message_id
        acceptance = (
            self.env["integration.bank.balance.acceptance"]
            .sudo()
            .create(
                {
                    "message_id": message.id,
                    "company_id": exception.company_id.id,
                    "statement_ref": message._payload_dict().get("statement_id"),
                    "kind": item["difference_kind"],
                    "difference": item["difference"],
                    "reason": reason,
                    "user_id": self.env.uid,
                    "accepted_at": fields.Datetime.now(),
                }
            )
        )
        self.env["integration.audit.log"]._log(
            "other",
            acceptance,
            message_id=message.id,
            correlation_id=message.correlation_id,
            description=self.env._(
                "Statement difference of %(difference)s accepted: %(reason)s",
                difference=item["difference"],
                reason=reason,
            ),
        )
        # Processing again finds the acceptance; a difference other than the accepted one still stops it.
        message.action_retry()
        return {"type": "ir.actions.act_window_close"}
