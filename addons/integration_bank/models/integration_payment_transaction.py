from odoo import api, fields, models

STATUSES = [("succeeded", "Succeeded"), ("failed", "Failed"), ("refunded", "Refunded")]


class IntegrationPaymentTransaction(models.Model):
    """One status a payment gateway reported for one of its transactions.

    A transaction's history is its rows: at most one per status, which is the
    contract's business key (a replay or a re-sent status finds its row and
    makes nothing). Scoped to the endpoint and the entity: transaction ids are
    the gateway's own, so two gateways may use the same one.
    """

    _name = "integration.payment.transaction"
    _description = "Payment Status from a Gateway"
    _order = "date desc, id desc"
    _rec_name = "transaction_id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", string="Entity", required=True, readonly=True, index=True)
    endpoint_id = fields.Many2one(
        "integration.endpoint", string="Gateway", required=True, readonly=True, ondelete="restrict"
    )
    transaction_id = fields.Char(string="Transaction ID", required=True, readonly=True, index=True)
    status = fields.Selection(STATUSES, required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", readonly=True)
    reason = fields.Char(readonly=True, help="Why the gateway says the payment failed, as it wrote it.")
    invoice_id = fields.Many2one("account.move", readonly=True, check_company=True, ondelete="restrict")
    payment_id = fields.Many2one("account.payment", readonly=True, check_company=True, ondelete="restrict")
    payment_state = fields.Selection(related="payment_id.state", string="Payment Status")
    invoice_payment_state = fields.Selection(related="invoice_id.payment_state", string="Invoice Payment")
    message_id = fields.Many2one("integration.message", required=True, readonly=True, ondelete="restrict")
    correlation_id = fields.Char(related="message_id.correlation_id", string="Correlation ID")

    _status_once = models.Constraint(
        "UNIQUE (endpoint_id, company_id, transaction_id, status)",
        "This gateway already reported this status for this transaction.",
    )

    @api.depends("transaction_id", "status")
    def _compute_display_name(self):
        labels = dict(self._fields["status"]._description_selection(self.env))
        for row in self:
            row.display_name = f"{row.transaction_id} ({labels.get(row.status, '')})"

    def _result(self):
        """What a message of this status names as its result: the payment, else the invoice."""
        self.ensure_one()
        return self.payment_id or self.invoice_id

    def action_open_message(self):
        self.ensure_one()
        return self.message_id.with_env(self.env).get_formview_action()
