from odoo import fields, models

RATE_TYPES = [
    ("closing", "Closing Rate"),
    ("average", "Average Rate"),
    ("translation", "Translation Difference"),
]


class IntegrationTrialBalanceLine(models.TransientModel):
    """One account of an entity's computed trial balance, in the company and the group currency."""

    _name = "integration.trial.balance.line"
    _description = "Trial Balance Line"
    _order = "entity_code, is_translation, account_code, id"
    _rec_name = "account_code"

    wizard_id = fields.Many2one(
        "integration.trial.balance.wizard", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    # The entity by its code, not its company record: lines of entities switched off in the
    # company menu are listed and grouped too.
    entity_code = fields.Char(string="Entity", readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    account_code = fields.Char(string="Code", readonly=True)
    account_name = fields.Char(string="Name", readonly=True)
    group_account_id = fields.Many2one(
        "integration.group.account", string="Group Chart Account", readonly=True
    )
    group_account_label = fields.Char(string="Group Account", readonly=True)
    rate_type = fields.Selection(RATE_TYPES, string="Rate", readonly=True)
    is_translation = fields.Boolean(string="Translation Difference Row", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    group_currency_id = fields.Many2one("res.currency", string="Group Currency", readonly=True)
    opening = fields.Monetary(readonly=True)
    debit = fields.Monetary(readonly=True)
    credit = fields.Monetary(readonly=True)
    closing = fields.Monetary(readonly=True)
    group_opening = fields.Monetary(string="Group Opening", currency_field="group_currency_id", readonly=True)
    group_debit = fields.Monetary(string="Group Debit", currency_field="group_currency_id", readonly=True)
    group_credit = fields.Monetary(string="Group Credit", currency_field="group_currency_id", readonly=True)
    group_closing = fields.Monetary(string="Group Closing", currency_field="group_currency_id", readonly=True)
