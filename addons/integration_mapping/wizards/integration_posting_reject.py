from odoo import api, fields, models


class IntegrationPostingReject(models.TransientModel):
    """The approver's reason for not posting documents sent by another system."""

    _name = "integration.posting.reject"
    _description = "Reject Documents Waiting for Approval"

    move_ids = fields.Many2many("account.move", string="Documents", readonly=True)
    reason = fields.Text(
        required=True,
        help="Sent back to the system that sent the documents, as the message's error, and kept in the "
        "audit log.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "move_ids" in fields_list and self.env.context.get("active_model") == "account.move":
            values["move_ids"] = [fields.Command.set(self.env.context.get("active_ids", []))]
        return values

    def action_confirm(self):
        self.ensure_one()
        self.move_ids._integration_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
