from odoo import fields, models


class IntegrationBankBalanceAcceptance(models.Model):
    """A finance user's decision that a bank statement's figures may be imported as they are.

    Rare bank files do not add up (an entry booked but left out of the closing
    balance) or do not start where the previous statement ended. The import
    stops with an exception; accepting the difference records who, why and
    which amount, then processes the message again. The record is the
    product's (only the acceptance action makes it) so it stays as evidence.
    """

    _name = "integration.bank.balance.acceptance"
    _inherit = ["integration.guarded.mixin"]
    _description = "Accepted Bank Statement Difference"
    _order = "id desc"
    _check_company_auto = True

    message_id = fields.Many2one("integration.message", required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", string="Entity", required=True, readonly=True, index=True)
    statement_ref = fields.Char(string="Bank's Statement Id", readonly=True)
    kind = fields.Selection(
        [
            ("continuity", "Opening balance differs from the previous closing balance"),
            ("lines", "Lines do not add up to the closing balance"),
        ],
        required=True,
        readonly=True,
    )
    difference = fields.Char(required=True, readonly=True, help="The exact difference accepted.")
    reason = fields.Text(required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Accepted By", required=True, readonly=True)
    accepted_at = fields.Datetime(string="Accepted On", required=True, readonly=True)
