from odoo import fields, models


class IntegrationEndpoint(models.Model):
    _inherit = "integration.endpoint"

    partner_scope = fields.Selection(
        [("entity", "Owned by each entity"), ("shared", "Shared across the group")],
        string="Partners",
        default="entity",
        required=True,
        tracking=True,
        help="Contacts sent by this endpoint's partner flow: owned by the entity the message names "
        "(one contact per entity), or shared by every company (one contact for the whole group).",
    )
