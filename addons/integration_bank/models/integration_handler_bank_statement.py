from odoo import models


class IntegrationHandlerBankStatement(models.AbstractModel):
    """bank_statement (stub, being built)."""

    _name = "integration.handler.bank_statement"
    _inherit = "integration.handler"
    _description = "Bank Statement Flow"
