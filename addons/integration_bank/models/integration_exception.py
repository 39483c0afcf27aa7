from odoo import api, fields, models


class IntegrationException(models.Model):
    _inherit = "integration.exception"

    bank_difference = fields.Char(
        string="Statement Difference",
        compute="_compute_bank_difference",
        help="The amount by which a bank statement does not add up, as the import found it.",
    )

    @api.depends("details")
    def _compute_bank_difference(self):
        for exception in self:
            item = next((e for e in exception.details or [] if e.get("difference_kind")), None)
            exception.bank_difference = (item and item.get("difference")) or False

    def action_accept_bank_difference(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Accept Statement Difference"),
            "res_model": "integration.statement.accept",
            "view_mode": "form",
            "target": "new",
            "context": {"default_exception_id": self.id},
        }
