from odoo import fields, models


class IntegrationDeliveryAttempt(models.Model):
    """One try at delivering an event: when, the receiver's answer, how long it took."""

    _name = "integration.delivery.attempt"
    _inherit = ["integration.guarded.mixin"]
    _description = "Event Delivery Attempt"
    _order = "id desc"
    _check_company_auto = True
    _guard_frozen_fields = frozenset(
        {"message_id", "attempted_at", "status_code", "outcome", "duration_ms", "error", "response_excerpt"}
    )
    _guard_actions_hint = "Retry, Replay"

    message_id = fields.Many2one(
        "integration.message", string="Event", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="message_id.company_id", store=True, string="Entity")
    endpoint_id = fields.Many2one(related="message_id.endpoint_id", store=True)
    attempted_at = fields.Datetime("When", required=True, readonly=True)
    outcome = fields.Selection(
        [("delivered", "Delivered"), ("failed", "Failed"), ("probe", "Probe failed (paused)")],
        required=True,
        readonly=True,
    )
    status_code = fields.Integer("Receiver's Answer", readonly=True, help="HTTP status; 0 when none came.")
    duration_ms = fields.Integer("Took (ms)", readonly=True)
    error = fields.Text(readonly=True)
    response_excerpt = fields.Text("What the Receiver Said", readonly=True)
