from odoo import fields, models

from ..models.integration_consolidated_tb import ELIMINATIONS


class IntegrationConsolidatedTbLine(models.TransientModel):
    """A group account's balance in one column of the consolidation: an entity, or the eliminations.

    The consolidated total of a group account is the sum of its lines' group balances.
    """

    _name = "integration.consolidated.tb.line"
    _description = "Consolidated Trial Balance Line"
    _order = "account_code, is_elimination, column, id"
    _rec_name = "account_code"

    wizard_id = fields.Many2one(
        "integration.consolidated.tb.wizard", required=True, ondelete="cascade", index=True
    )
    account_code = fields.Char(string="Group Account", readonly=True)
    account_name = fields.Char(string="Name", readonly=True)
    rate_type = fields.Selection(
        [("closing", "Closing Rate"), ("average", "Average Rate"), ("translation", "Translation Difference")],
        string="Rate",
        readonly=True,
    )
    column = fields.Char(string="Entity", readonly=True, help=f"An entity's code, or {ELIMINATIONS}.")
    is_elimination = fields.Boolean(readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    group_currency_id = fields.Many2one("res.currency", string="Group Currency", readonly=True)
    balance = fields.Monetary(string="Balance", readonly=True)
    group_balance = fields.Monetary(string="Group Balance", currency_field="group_currency_id", readonly=True)
