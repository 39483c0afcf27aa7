from odoo import fields, models


class IntegrationAllocationRunPoolLine(models.Model):
    """What a run found in its pool: the posted costs of one account (and cost centre) in the period."""

    _name = "integration.allocation.run.pool.line"
    _description = "Allocation Run Pool Line"
    _order = "run_id, id"

    run_id = fields.Many2one("integration.allocation.run", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="run_id.currency_id")
    account_id = fields.Many2one("account.account", readonly=True)
    analytic_account_id = fields.Many2one("account.analytic.account", string="Cost Centre", readonly=True)
    amount = fields.Monetary("Posted Costs", readonly=True)
    item_count = fields.Integer("Journal Items", readonly=True)
