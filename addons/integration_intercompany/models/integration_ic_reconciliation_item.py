from odoo import fields, models

from .integration_ic_reconciliation_engine import KINDS


class IntegrationIcReconciliationItem(models.Model):
    """A document explaining part of a pair's difference, and why (one-sided, amount, FX, timing)."""

    _name = "integration.ic.reconciliation.item"
    _description = "Intercompany Difference Explained"
    _order = "line_id, kind, document, id"
    _rec_name = "document"

    line_id = fields.Many2one(
        "integration.ic.reconciliation.line", required=True, ondelete="cascade", index=True
    )
    reconciliation_id = fields.Many2one(
        "integration.ic.reconciliation", required=True, ondelete="cascade", index=True
    )
    entity_code = fields.Char(related="line_id.entity_code", store=True, string="Entity")
    counterparty_code = fields.Char(related="line_id.counterparty_code", store=True, string="Counterparty")
    kind = fields.Selection(KINDS, required=True, string="Why")
    # The numbers as they were when computed: the documents may be renamed or cancelled since.
    document = fields.Char(required=True)
    counterparty_document = fields.Char()
    move_id = fields.Many2one("account.move", string="Journal Entry", ondelete="set null")
    counterparty_move_id = fields.Many2one("account.move", string="Counterpart Entry", ondelete="set null")
    currency_id = fields.Many2one(related="line_id.currency_id", string="Group Currency")
    amount = fields.Monetary()
