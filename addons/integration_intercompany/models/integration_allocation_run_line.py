from odoo import fields, models


class IntegrationAllocationRunLine(models.Model):
    """One receiver's share in a run: its driver, percentage, cost and markup, and the invoice made."""

    _name = "integration.allocation.run.line"
    _description = "Allocation Run Share"
    _order = "run_id, id"

    run_id = fields.Many2one("integration.allocation.run", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="run_id.currency_id")
    key_line_id = fields.Many2one(
        "integration.allocation.key.line",
        readonly=True,
        ondelete="set null",
        help="The line of the key in force for the period.",
    )
    receiver_company_id = fields.Many2one(
        "res.company", string="Receiving Entity", required=True, readonly=True
    )
    driver_source_amount = fields.Monetary(
        "Driver",
        currency_field="driver_source_currency_id",
        readonly=True,
        help="The driver as read or entered: a percentage, a headcount, or revenue or an analytic balance in the "
        "receiver's currency.",
    )
    driver_source_currency_id = fields.Many2one("res.currency", string="Driver Currency", readonly=True)
    driver_value = fields.Float(
        "Driver Weight",
        digits=(16, 2),
        readonly=True,
        help="The driver as weighed: money drivers in the service entity's currency at the period's last rate.",
    )
    percent = fields.Float("Share (%)", digits=(7, 4), readonly=True)
    cost_amount = fields.Monetary("Cost Share", readonly=True)
    markup_amount = fields.Monetary("Markup", readonly=True)
    amount = fields.Monetary("Invoiced", readonly=True)
    rounding_adjustment = fields.Monetary(
        readonly=True,
        help="What rounding the shares left over, given to the largest share so the total is exact.",
    )
    invoice_id = fields.Many2one("account.move", readonly=True, ondelete="restrict")
    invoice_state = fields.Selection(related="invoice_id.state", string="Invoice Status")
