from odoo import fields, models


class IntegrationIntercompanyReject(models.TransientModel):
    """Why an approver refuses intercompany bills: the issuing entity reads it in its exception."""

    _name = "integration.intercompany.reject"
    _description = "Reject Intercompany Bill"

    move_ids = fields.Many2many(
        "account.move", string="Bills", default=lambda self: self._default_move_ids(), readonly=True
    )
    reason = fields.Text(required=True, help="Sent to the entity that issued the invoice.")

    def _default_move_ids(self):
        if self.env.context.get("active_model") != "account.move":
            return self.env["account.move"]
        return self.env["account.move"].browse(self.env.context.get("active_ids", []))

    def action_reject(self):
        self.ensure_one()
        self.move_ids._ic_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
