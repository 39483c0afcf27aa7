from odoo import api, fields, models


class IntegrationIcReconciliationLine(models.Model):
    """One ordered pair of a reconciliation: what A shows with B against what B shows with A."""

    _name = "integration.ic.reconciliation.line"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Intercompany Reconciliation Pair"
    _order = "reconciliation_id, entity_code, counterparty_code"

    reconciliation_id = fields.Many2one(
        "integration.ic.reconciliation", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(related="reconciliation_id.date", store=True)
    company_id = fields.Many2one("res.company", string="Entity", required=True, index=True)
    counterparty_id = fields.Many2one("res.company", string="Counterparty", required=True)
    entity_code = fields.Char(related="company_id.entity_code", store=True, string="Entity Code")
    counterparty_code = fields.Char(
        related="counterparty_id.entity_code", store=True, string="Counterparty Code"
    )
    currency_id = fields.Many2one(related="reconciliation_id.group_currency_id", string="Group Currency")
    receivable = fields.Monetary(
        string="Entity's Balance",
        help="The entity's net IC receivable (payable negative) with the counterparty.",
    )
    payable_of_counterparty = fields.Monetary(
        string="Counterparty's Balance",
        help="The counterparty's net IC payable (receivable negative) with the entity.",
    )
    difference = fields.Monetary()
    explained = fields.Monetary(compute="_compute_explained", store=True)
    unexplained = fields.Monetary(help="The difference no document explains: someone must look.")
    above_threshold = fields.Boolean(compute="_compute_above_threshold", store=True, string="To Look At")
    item_ids = fields.One2many("integration.ic.reconciliation.item", "line_id", string="Explained Documents")

    @api.depends("item_ids.amount")
    def _compute_explained(self):
        for line in self:
            line.explained = sum(line.item_ids.mapped("amount"))

    @api.depends("unexplained", "company_id")
    def _compute_above_threshold(self):
        for line in self:
            line.above_threshold = abs(line.unexplained) > line.company_id._ic_unexplained_threshold()

    @api.depends("entity_code", "counterparty_code")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.entity_code} → {line.counterparty_code}"

    def _ask_controller(self):
        """An activity for the group controller on each pair above its threshold."""
        activity_type = self.env.ref("integration_intercompany.mail_activity_type_ic_unexplained")
        for line in self.filtered("above_threshold"):
            controller = line.company_id._ic_group_controller()
            if not controller:
                continue
            line.sudo().activity_schedule(
                activity_type_id=activity_type.id,
                user_id=controller.id,
                summary=self.env._(
                    "Unexplained intercompany difference %(entity)s → %(counterparty)s",
                    entity=line.entity_code,
                    counterparty=line.counterparty_code,
                ),
                note=self.env._(
                    "At %(date)s, %(amount)s %(currency)s of the difference between %(entity)s and "
                    "%(counterparty)s is explained by no document (above the threshold of %(threshold)s).",
                    date=line.date,
                    amount=line.unexplained,
                    currency=line.currency_id.name,
                    entity=line.entity_code,
                    counterparty=line.counterparty_code,
                    threshold=line.company_id._ic_unexplained_threshold(),
                ),
            )
