from odoo import api, fields, models


class IntegrationExceptionAssign(models.TransientModel):
    _name = "integration.exception.assign"
    _description = "Assign Integration Exceptions"

    user_id = fields.Many2one(
        "res.users",
        string="Assign To",
        required=True,
        domain=lambda self: [
            ("all_group_ids", "in", self.env.ref("integration_core.group_integration_user").ids)
        ],
        default=lambda self: self.env.user,
    )
    exception_count = fields.Integer(compute="_compute_exception_count")

    @api.depends_context("active_ids")
    def _compute_exception_count(self):
        for wizard in self:
            wizard.exception_count = len(self.env.context.get("active_ids") or [])

    def action_confirm(self):
        exceptions = self.env["integration.exception"].browse(self.env.context.get("active_ids", []))
        exceptions._assign(self.user_id)
        return {"type": "ir.actions.act_window_close"}
