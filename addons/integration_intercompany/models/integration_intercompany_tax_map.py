from odoo import fields, models


class IntegrationIntercompanyTaxMap(models.Model):
    """A sales tax of the issuing entity and the purchase tax its mirrored lines take."""

    _name = "integration.intercompany.tax.map"
    _description = "Intercompany Tax Map"

    rule_id = fields.Many2one("integration.intercompany.rule", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    source_tax_id = fields.Many2one("account.tax", string="Entity's Tax", required=True)
    target_tax_id = fields.Many2one(
        "account.tax", string="Counterparty's Tax", help="Empty: the mirrored line is untaxed."
    )

    _source_unique = models.Constraint(
        "UNIQUE (rule_id, source_tax_id)", "This tax is already mapped in this rule."
    )
