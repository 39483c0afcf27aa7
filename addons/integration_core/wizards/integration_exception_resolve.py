from odoo import fields, models


class IntegrationExceptionResolve(models.TransientModel):
    _name = "integration.exception.resolve"
    _description = "Resolve Integration Exceptions"

    note = fields.Text(
        string="Resolution Note",
        required=True,
        help="How the problem was handled outside the message; kept on the exception and in the audit log.",
    )

    def action_confirm(self):
        exceptions = self.env["integration.exception"].browse(self.env.context.get("active_ids", []))
        exceptions._resolve(self.note)
        return {"type": "ir.actions.act_window_close"}
