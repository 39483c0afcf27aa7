from odoo import api, fields, models

KINDS = [
    ("balance", "IC Receivable / Payable"),
    ("result", "IC Revenue / Expense"),
    ("difference", "Elimination Difference"),
]


class IntegrationEliminationLine(models.Model):
    """One proposed elimination: an entity's intercompany balance with a counterparty on a group account."""

    _name = "integration.elimination.line"
    _description = "Intercompany Elimination Line"
    _order = "elimination_id, entity_code, counterparty_code, kind, id"

    elimination_id = fields.Many2one("integration.elimination", required=True, ondelete="cascade", index=True)
    state = fields.Selection(related="elimination_id.state")
    entity_id = fields.Many2one("res.company", string="Entity", required=True)
    counterparty_id = fields.Many2one("res.company", string="Counterparty", required=True)
    entity_code = fields.Char(related="entity_id.entity_code", store=True, string="Entity Code")
    counterparty_code = fields.Char(
        related="counterparty_id.entity_code", store=True, string="Counterparty Code"
    )
    group_account_id = fields.Many2one("integration.group.account", string="Group Account")
    account_id = fields.Many2one("account.account", string="Account", required=True)
    kind = fields.Selection(KINDS, required=True)
    currency_id = fields.Many2one(related="elimination_id.currency_id")
    debit = fields.Monetary()
    credit = fields.Monetary()
    label = fields.Char(compute="_compute_label")

    @api.depends("entity_code", "counterparty_code", "group_account_id", "kind")
    def _compute_label(self):
        kinds = dict(KINDS)
        for line in self:
            what = line.group_account_id.display_name or kinds[line.kind]
            line.label = f"{line.entity_code} ↔ {line.counterparty_code}: {what}"
