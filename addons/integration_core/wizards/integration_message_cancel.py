from odoo import fields, models


class IntegrationMessageCancel(models.TransientModel):
    _name = "integration.message.cancel"
    _description = "Cancel Integration Messages"

    reason = fields.Text(
        required=True, help="Why these messages will not be processed; kept in the audit log."
    )

    def action_confirm(self):
        messages = self.env["integration.message"].browse(self.env.context.get("active_ids", []))
        messages._cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
