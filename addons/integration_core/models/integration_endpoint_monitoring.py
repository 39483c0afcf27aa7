from odoo import fields, models


class IntegrationEndpoint(models.Model):
    _inherit = "integration.endpoint"

    monitoring = fields.Boolean(
        string="May read monitoring figures",
        tracking=True,
        help="May read the queue's figures of its allowed entities (message counts, backlog, waiting "
        "times, processing times, deliveries) at GET /integration/v1/metrics, for a monitoring tool "
        "such as Prometheus. Read-only: it grants no flow and shows no message's content.",
    )
