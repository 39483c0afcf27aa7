from odoo import fields, models

RATE_TYPES = [("closing", "Closing Rate"), ("average", "Average Rate")]


class IntegrationTrialBalanceLine(models.TransientModel):
    """One account of a computed trial balance, in the company and the group currency."""

    _name = "integration.trial.balance.line"
    _description = "Trial Balance Line"
    _order = "account_code, id"
    _rec_name = "account_code"

    wizard_id = fields.Many2one(
        "integration.trial.balance.wizard", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    account_code = fields.Char(string="Code", readonly=True)
    account_name = fields.Char(string="Name", readonly=True)
    group_account_id = fields.Many2one("integration.group.account", readonly=True)
    rate_type = fields.Selection(RATE_TYPES, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    group_currency_id = fields.Many2one("res.currency", readonly=True)
    opening = fields.Monetary(readonly=True)
    debit = fields.Monetary(readonly=True)
    credit = fields.Monetary(readonly=True)
    closing = fields.Monetary(readonly=True)
    group_opening = fields.Monetary(currency_field="group_currency_id", readonly=True)
    group_debit = fields.Monetary(currency_field="group_currency_id", readonly=True)
    group_credit = fields.Monetary(currency_field="group_currency_id", readonly=True)
    group_closing = fields.Monetary(currency_field="group_currency_id", readonly=True)
