from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    integration_external_number = fields.Char(
        string="Sender's Number",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The invoice's number in the system that sent it. With the entity, the type and the "
        "partner, it identifies the invoice: sending it again never makes a second one.",
    )

    # The invoice flow's business key, so that two workers racing on one invoice cannot both
    # make it: the loser's unique violation is retried and then finds the winner's invoice.
    _integration_business_key_unique = models.UniqueIndex(
        "(company_id, move_type, partner_id, integration_external_number) "
        "WHERE integration_external_number IS NOT NULL",
        "An invoice with this sender's number already exists for this partner.",
    )
