from markupsafe import Markup, escape

from odoo import api, fields, models

from odoo.addons.integration_core.exceptions import BusinessError
from odoo.addons.integration_mapping.models.integration_handler_move import decimals_of, exact_amount

INVOICE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
PAYMENT_JOURNAL_TYPES = ("bank", "cash", "credit")


class IntegrationHandlerPaymentStatus(models.AbstractModel):
    """payment_status: a gateway's news about one payment of an invoice.

    ``succeeded`` registers the payment through Odoo's Register Payment steps
    (partial payments allowed), ``failed`` leaves a note on the invoice and no
    accounting, ``refunded`` cancels the payment that transaction made (Odoo's
    Cancel: the entry stays, cancelled) or, once a bank statement line matched
    it, pays the money back by an opposite payment and reopens the invoice.
    Idempotent by (endpoint, entity, transaction id, status): each status
    reported is kept as an ``integration.payment.transaction`` row, which a
    replay or a re-send finds.

    Rights: the service user registers and posts the payment (its flow group
    may write payment entries only); matching the payment with the invoice
    writes the invoice's items and may make an exchange difference entry, so
    that one step runs as the product, once the handler has checked the
    invoice belongs to the message's entity.
    """

    _name = "integration.handler.payment_status"
    _inherit = "integration.handler.move"
    _description = "Payment Status Flow"

    # --------------------------------------------------------- processing
    @api.model
    def _find_existing(self, message):
        row = self._row(message, self._payload(message))
        return row._result() if row else self.env["ir.model"].browse()

    @api.model
    def _process_batch(self, messages):
        """One message after the other, in arrival order: a refund must see the payment of a
        success sent just before it, and a gateway sends few statuses at a time."""
        results = {}
        journals = {}
        for message in messages.sorted("id"):
            payload = self._payload(message)
            row = self._row(message, payload)
            if row:
                results[message.id] = row._result()
                continue
            try:
                results[message.id] = getattr(self, f"_process_{payload['status']}")(
                    message, payload, journals
                )
            except BusinessError as error:
                results[message.id] = error
        return results

    # ------------------------------------------------------------- statuses
    @api.model
    def _process_succeeded(self, message, payload, journals):
        invoice = self._invoice(message, payload)
        amount = self._checked_amount(payload, invoice.currency_id)
        if invoice.currency_id.compare_amounts(float(amount), invoice.amount_residual) > 0:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "%(amount)s %(currency)s is more than what is left to pay on %(invoice)s "
                    "(%(residual)s %(currency)s); nothing was registered.",
                    amount=amount,
                    currency=invoice.currency_id.name,
                    invoice=invoice.name,
                    residual=invoice.currency_id.round(invoice.amount_residual),
                ),
            )
        date = fields.Date.to_date(payload["date"])
        journal = self._journal(message, payload, invoice, journals)
        self._check_lock_dates(message.company_id, date, journal)
        payment = self._register_payment(invoice, journal, amount, date, payload["transaction_id"])
        self._record(message, payload, invoice, payment)
        return payment

    @api.model
    def _process_failed(self, message, payload, _journals):
        invoice = self._invoice(message, payload)
        reason = payload.get("reason")
        body = escape(
            self.env._(
                "%(gateway)s: payment %(transaction)s of %(amount)s %(currency)s failed on %(date)s.",
                gateway=message.endpoint_id.name,
                transaction=payload["transaction_id"],
                amount=payload["amount"],
                currency=payload["currency"],
                date=payload["date"],
            )
        )
        if reason:
            body += Markup("<br/>") + escape(self.env._("Reason given: %s", reason))
        invoice.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        self._record(message, payload, invoice, self.env["account.payment"])
        return invoice

    @api.model
    def _process_refunded(self, message, payload, _journals):
        success = self._row(message, dict(payload, status="succeeded"))
        if not success.payment_id:
            raise BusinessError(
                "unknown_reference",
                self.env._(
                    "%(gateway)s never reported transaction %(transaction)s as succeeded in %(entity)s: "
                    "there is no payment to refund.",
                    gateway=message.endpoint_id.name,
                    transaction=payload["transaction_id"],
                    entity=message.company_id.name,
                ),
                type="transaction",
                value=payload["transaction_id"],
            )
        payment = success.payment_id
        self._check_refund(payment, payload)
        # Statement lines are entries of bank journals, which this flow may not read: asked as the product.
        if payment.sudo().reconciled_statement_line_ids:
            # The bank booked the money already: it goes back out, by a payment of its own.
            date = fields.Date.to_date(payload["date"])
            self._check_lock_dates(message.company_id, date, payment.journal_id)
            payment = self._pay_back(payment, date, payload["transaction_id"])
        elif payment.state != "canceled":
            self._check_lock_dates(message.company_id, payment.date, payment.journal_id)
            self._cancel(payment)
        self._record(message, payload, success.invoice_id, payment)
        return payment

    # ------------------------------------------------------------- hooks
    @api.model
    def _payload(self, message):
        return self._upgrade_payload(message._payload_dict(), message.schema_version)

    @api.model
    def _row(self, message, payload):
        """The status already recorded for this transaction (the business key), if any."""
        return self.env["integration.payment.transaction"].search(
            [
                ("endpoint_id", "=", message.endpoint_id.id),
                ("company_id", "=", message.company_id.id),
                ("transaction_id", "=", payload["transaction_id"]),
                ("status", "=", payload["status"]),
            ],
            limit=1,
        )

    @api.model
    def _record(self, message, payload, invoice, payment):
        currency = self.env["res.currency"].search([("name", "=", payload["currency"])], limit=1)
        amount = exact_amount(payload["amount"])
        return self.env["integration.payment.transaction"].create(
            {
                "company_id": message.company_id.id,
                "endpoint_id": message.endpoint_id.id,
                "transaction_id": payload["transaction_id"],
                "status": payload["status"],
                "date": fields.Date.to_date(payload["date"]),
                "amount": float(amount) if amount is not None else 0.0,
                "currency_id": currency.id,
                "reason": payload.get("reason"),
                "invoice_id": invoice.id,
                "payment_id": payment.id,
                "message_id": message.id,
            }
        )

    @api.model
    def _invoice(self, message, payload):
        """The entity's posted invoice, bill or refund by the sender's number, else by Odoo's name."""
        Move = self.env["account.move"]
        number = payload["invoice"]
        base = [("company_id", "=", message.company_id.id), ("move_type", "in", INVOICE_TYPES)]
        found = Move.search([*base, ("integration_external_number", "=", number)]) or Move.search(
            [*base, ("name", "=", number)]
        )
        posted = found.filtered(lambda move: move.state == "posted")
        if len(posted) > 1:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "Several invoices of %(entity)s carry the number %(number)s (%(names)s): register this "
                    "payment by hand on the right one.",
                    entity=message.company_id.name,
                    number=number,
                    names=", ".join(posted.mapped("name")),
                ),
            )
        if not posted:
            state = self.env._(" (it exists but is not posted)") if found else ""
            raise BusinessError(
                "unknown_reference",
                self.env._(
                    "No posted invoice %(number)s exists in %(entity)s%(state)s.",
                    number=number,
                    entity=message.company_id.name,
                    state=state,
                ),
                type="invoice",
                value=number,
            )
        return posted

    @api.model
    def _checked_amount(self, payload, currency):
        """The amount as sent, when the invoice's currency can hold it; never rounded."""
        if payload["currency"] != currency.name:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "The payment is in %(sent)s but the invoice is in %(currency)s; nothing was "
                    "registered. A payment in another currency is registered by hand.",
                    sent=payload["currency"],
                    currency=currency.name,
                ),
            )
        amount = exact_amount(payload["amount"])
        if amount is None or amount <= 0 or decimals_of(amount) > currency.decimal_places:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "%(amount)s is not an amount of %(currency)s (positive, at most %(places)s decimals); "
                    "it was not rounded and nothing was registered.",
                    amount=payload["amount"],
                    currency=currency.name,
                    places=currency.decimal_places,
                ),
            )
        return amount

    @api.model
    def _journal(self, message, payload, invoice, journals):
        """The payload's journal (the sender's code), else the endpoint's for the entity, else the
        entity's first bank journal."""
        company = message.company_id
        if payload.get("journal"):
            problems = []
            resolver = self._resolver(message)
            journal = resolver.resolve("journal", payload["journal"], problems, date=payload["date"])
            if problems:
                raise BusinessError.from_errors(problems)
        else:
            journal = message.endpoint_id._payment_journal_for(company) or self._first_journal(
                company, "bank", journals
            )
        if not journal:
            raise BusinessError(
                "unknown_reference",
                self.env._("%s has no bank journal to register the payment in.", company.name),
                type="journal",
                value="bank",
            )
        if journal.type not in PAYMENT_JOURNAL_TYPES or journal.company_id != company:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "Journal %(journal)s is not a bank, cash or card journal of %(entity)s: no payment "
                    "can be registered there.",
                    journal=journal.code,
                    entity=company.name,
                ),
            )
        if journal.currency_id and journal.currency_id != invoice.currency_id:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "Journal %(journal)s keeps %(journal_currency)s but the invoice is in %(currency)s.",
                    journal=journal.code,
                    journal_currency=journal.currency_id.name,
                    currency=invoice.currency_id.name,
                ),
            )
        return journal

    @api.model
    def _register_payment(self, invoice, journal, amount, date, transaction_id):
        """Odoo's Register Payment, step by step: the payment is made and posted by the service
        user, and matched with the invoice by the product (see the class docstring)."""
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "payment_date": date,
                    "journal_id": journal.id,
                    "currency_id": invoice.currency_id.id,
                    "amount": float(amount),  # checked: exact in the currency's decimals
                    "payment_difference_handling": "open",
                    "communication": transaction_id,
                }
            )
        )
        if not wizard.payment_method_line_id:
            raise BusinessError(
                "invalid_document",
                self.env._("Journal %s has no payment method for this kind of payment.", journal.code),
            )
        batch = wizard.batches[0]
        to_process = [
            {
                "create_vals": wizard._create_payment_vals_from_wizard(batch),
                "to_reconcile": batch["lines"],
                "batch": batch,
            }
        ]
        payment = wizard._init_payments(to_process, edit_mode=True)
        wizard._post_payments(to_process, edit_mode=True)
        as_product = [dict(to_process[0], payment=payment.sudo(), to_reconcile=batch["lines"].sudo())]
        wizard.sudo()._reconcile_payments(as_product, edit_mode=True)
        return payment

    @api.model
    def _check_refund(self, payment, payload):
        """A refund undoes its whole payment: a partial one is a finance user's decision."""
        amount = exact_amount(payload["amount"])
        if (
            payload["currency"] != payment.currency_id.name
            or amount is None
            or (payment.currency_id.compare_amounts(float(amount), payment.amount) != 0)
        ):
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "The refund of %(amount)s %(currency)s does not match payment %(payment)s of "
                    "%(paid)s %(paid_currency)s: a partial refund is recorded by hand.",
                    amount=payload["amount"],
                    currency=payload["currency"],
                    payment=payment.name,
                    paid=payment.amount,
                    paid_currency=payment.currency_id.name,
                ),
            )

    @api.model
    def _cancel(self, payment):
        """Odoo's Cancel on a posted payment: its entry is cancelled, not deleted, so the trace
        stays. Unmatching it from the invoice writes the invoice's items: that step is the
        product's, as matching was."""
        payment.move_id.line_ids.sudo().remove_move_reconcile()
        payment.action_cancel()

    @api.model
    def _pay_back(self, payment, date, transaction_id):
        """A refund of a payment the bank statement already matched: cancelling it would undo the
        bank's matching, so the invoice is reopened and an opposite payment (the money going back to
        the customer, waiting for its bank line) settles the original one instead."""
        _liquidity, counterpart, _writeoff = payment._seek_for_lines()
        counterpart.sudo().remove_move_reconcile()
        refund = self.env["account.payment"].create(
            {
                "payment_type": "outbound" if payment.payment_type == "inbound" else "inbound",
                "partner_type": payment.partner_type,
                "partner_id": payment.partner_id.id,
                "amount": payment.amount,
                "currency_id": payment.currency_id.id,
                "journal_id": payment.journal_id.id,
                "date": date,
                "memo": transaction_id,
                "destination_account_id": counterpart.account_id.id,
            }
        )
        refund.action_post()
        _liquidity, refund_counterpart, _writeoff = refund._seek_for_lines()
        # An exchange difference may be booked between the two: the product's step, as matching is.
        (counterpart + refund_counterpart).sudo().reconcile()
        return refund
