from odoo import models


class IntegrationHandlerPaymentStatus(models.AbstractModel):
    """payment_status: a gateway's news about one payment of an invoice (stub, being built)."""

    _name = "integration.handler.payment_status"
    _inherit = "integration.handler"
    _description = "Payment Status Flow"
