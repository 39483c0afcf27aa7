from odoo import fields, models


class IntegrationEndpoint(models.Model):
    _inherit = "integration.endpoint"

    reporting = fields.Boolean(
        tracking=True,
        help="May read the standardized balances of its allowed entities for group reporting "
        "(GET /integration/v1/reporting/...). Read-only: it grants no flow.",
    )
