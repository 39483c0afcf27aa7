from odoo import fields, models


class IntegrationIntercompanyAccountMap(models.Model):
    """One account of the issuing entity and the counterparty's account its mirrored lines take.

    Accounts not listed go through the group chart: the counterparty account
    in the same group account class, the revenue side becoming the matching
    expense side (see the mirroring).
    """

    _name = "integration.intercompany.account.map"
    _description = "Intercompany Account Map"

    rule_id = fields.Many2one("integration.intercompany.rule", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    source_account_id = fields.Many2one("account.account", string="Entity's Account", required=True)
    target_account_id = fields.Many2one("account.account", string="Counterparty's Account", required=True)

    _source_unique = models.Constraint(
        "UNIQUE (rule_id, source_account_id)", "This account is already mapped in this rule."
    )
