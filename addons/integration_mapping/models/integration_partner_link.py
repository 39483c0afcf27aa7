from odoo import api, fields, models


class IntegrationPartnerLink(models.Model):
    """A sender's external id of a contact, made by the ``partner`` flow.

    The mapping resolver reads these for codes of kind ``partner``: a contact
    sent through the partner flow is usable by the same endpoint's invoices
    at once. ``company_id`` is empty for an endpoint whose partners are
    shared across its entities, else the entity owning the contact.
    """

    _name = "integration.partner.link"
    _description = "Integration Partner Link"
    _order = "endpoint_id, external_id"
    _rec_name = "external_id"
    _check_company_auto = True

    endpoint_id = fields.Many2one(
        "integration.endpoint", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        index=True,
        ondelete="cascade",
        readonly=True,
        help="Entity owning the contact; empty when it is shared by every entity of the endpoint.",
    )
    external_id = fields.Char(string="External ID", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, index=True, ondelete="cascade", check_company=True
    )

    # company_id may be NULL (shared): COALESCE keeps a shared external id unique too.
    _endpoint_external_id_unique = models.UniqueIndex(
        "(endpoint_id, COALESCE(company_id, 0), external_id)",
        "This external id is already linked to a contact for this endpoint and entity.",
    )

    @api.depends("endpoint_id", "external_id")
    def _compute_display_name(self):
        for link in self:
            link.display_name = f"{link.endpoint_id.code or ''}/{link.external_id or ''}"
