from odoo import models
from odoo.tools import float_repr

PENDING = "integration.events.moves"


class AccountMove(models.Model):
    """Outbound events about entries and invoices (contract extension 1.4).

    Written in the transaction that posts the entry or changes its payment state (the outbox):
    the changes are collected as they happen and turned into events once, just before the
    transaction's changes are written for good (Odoo's pre-commit step, which savepoints also
    run), from the entries' final values. A change rolled back takes its events with it.
    """

    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._integration_note_event("posted")
        return posted

    def _compute_payment_state(self):
        before = {move.id: move.payment_state for move in self if move.id and move.state == "posted"}
        result = super()._compute_payment_state()
        changed = self.filtered(
            lambda m: m.id in before and m.payment_state != before[m.id] and m.is_invoice(True)
        )
        changed._integration_note_event("payment_state")
        return result

    def _integration_note_event(self, kind):
        if not self:
            return
        data = self.env.cr.precommit.data
        pending = data.get(PENDING)
        if pending is None:
            pending = data[PENDING] = {"posted": set(), "payment_state": set()}
            self.env.cr.precommit.add(self._integration_emit_noted)
        pending[kind].update(self.ids)

    def _integration_emit_noted(self):
        pending = self.env.cr.precommit.data.pop(PENDING, None)
        if not pending:
            return
        Message = self.env["integration.message"]
        if not Message._subscribed_codes() & {
            "move.posted",
            "invoice.posted",
            "invoice.payment_state_changed",
        }:
            return
        Move = self.env["account.move"].sudo()
        posted = Move.browse(sorted(pending["posted"])).exists().filtered(lambda m: m.state == "posted")
        # In the order Odoo numbered them (its _compute_name's key), so that the events of one
        # journal follow its sequence: by id, a batch's 0043 could go out before its 0006.
        posted = posted.sorted(lambda m: (m.date, m.ref or "", m.id))
        paid = Move.browse(sorted(pending["payment_state"])).exists().filtered(lambda m: m.state == "posted")
        Message._emit_events("move.posted", [move._integration_event_item(journal=True) for move in posted])
        invoices = posted.filtered(lambda m: m.is_invoice(True))
        Message._emit_events("invoice.posted", [move._integration_event_item() for move in invoices])
        # A payment state decided at posting (paid at once) is in the posting's event.
        Message._emit_events(
            "invoice.payment_state_changed", [move._integration_event_item() for move in paid - invoices]
        )

    def _integration_event_item(self, journal=False):
        self.ensure_one()
        data = {
            "model": self._name,
            "id": self.id,
            "name": self.name,
            "number": self.integration_external_number or self.ref or None,
            "move_type": self.move_type,
            "date": self.date.isoformat(),
            "amount_total": float_repr(self.amount_total, self.currency_id.decimal_places),
            "currency": self.currency_id.name,
            "partner": self.partner_id.name or None,
        }
        if self.is_invoice(True):
            data["payment_state"] = self.payment_state
            data["amount_residual"] = float_repr(self.amount_residual, self.currency_id.decimal_places)
            data["payment_reference"] = self.payment_reference or None
        if journal:
            data["journal"] = self.journal_id.code
        correlation = self.integration_correlation_id or None
        return self.company_id, data, self.journal_id if journal else None, correlation
