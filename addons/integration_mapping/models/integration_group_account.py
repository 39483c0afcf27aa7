from odoo import api, fields, models


class IntegrationGroupAccount(models.Model):
    """An account of the group's reporting chart, to which each entity's accounts are mapped."""

    _name = "integration.group.account"
    _inherit = ["integration.audited.mixin"]
    _description = "Group Account"
    _order = "code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, index=True)
    name = fields.Char(required=True, translate=True)
    account_kind = fields.Selection(
        [("balance_sheet", "Balance Sheet"), ("income_expense", "Income / Expense")],
        string="Kind",
        required=True,
        default="balance_sheet",
        help="Balance-sheet accounts translate to the group currency at the closing rate, "
        "income and expense accounts at the period's average rate.",
    )
    active = fields.Boolean(default=True)

    _code_unique = models.Constraint("UNIQUE (code)", "A group account with this code already exists.")

    @api.depends("code", "name")
    def _compute_display_name(self):
        for account in self:
            account.display_name = " ".join(filter(None, [account.code, account.name]))
