from odoo import fields, models


class IntegrationGroupAccount(models.Model):
    """Where a mirrored intercompany line lands in the group chart."""

    _inherit = "integration.group.account"

    ic_mirror_group_account_id = fields.Many2one(
        "integration.group.account",
        string="Mirrored As",
        help="For intercompany revenue: the group account of the counterparty's matching expense "
        "(IC revenue -> IC purchases). A mirrored line takes the counterparty's account reporting there. "
        "Empty: the counterparty's expense account reporting in this same group account.",
    )
