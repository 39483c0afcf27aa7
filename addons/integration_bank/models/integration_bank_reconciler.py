import logging
from dataclasses import dataclass

import psycopg2

from odoo import api, models
from odoo.tools import format_amount

from ..reconcile import references
from ..reconcile.facts import facts_of_line
from ..reconcile.open_items import Item, OpenItems, to_cents

_logger = logging.getLogger(__name__)

# Lines reconciled together in one savepoint; a failing batch is redone line by line.
# Few savepoints keep PostgreSQL's subtransaction cache (64 per transaction) from overflowing.
BATCH_SIZE = 50


@dataclass
class Decision:
    item: Item = None
    rule: str = None
    note: str = ""
    target: object = None  # the document's item a line about to be created is created on


class IntegrationBankReconciler(models.AbstractModel):
    """Matches bank statement lines to the open documents of their entity and reconciles them.

    Rules, in order: (a) a payment reference of an open document found in the
    line's reference, communication or label; (b) a document number found there;
    (c) the amount (within the entity's tolerance) and the line's contact, with
    exactly one open invoice; (d) the amount of exactly one payment registered in
    the line's bank journal and not yet matched to a bank line. A line is matched
    only to one document in its own currency whose open amount goes its way.

    Reconciling is Odoo's own: the line's suspense item is replaced by items on
    the document's receivable, payable or outstanding account, which are then
    reconciled with the document's. A line paying more than the document's open
    amount pays it in full and keeps the rest on suspense, still unmatched: the
    difference is for a person to decide, never written off here.
    """

    _name = "integration.bank.reconciler"
    _description = "Bank Line Matching"

    @api.model
    def _auto_reconcile(self, st_lines):
        """Match and reconcile what can be; leave the others open with the reason. Never raises for a line."""
        lines = st_lines.filtered(lambda line: not line.is_reconciled and line.move_id.state == "posted")
        for company, company_lines in lines.grouped("company_id").items():
            # The bank feed's user may not touch invoices; matching is the product's own step,
            # bounded to the lines' entity.
            product = (
                self.sudo()
                .with_company(company)
                .with_context(allowed_company_ids=company.ids, tracking_disable=True)
            )
            product._reconcile_entity(company_lines.with_env(product.env))

    def _reconcile_entity(self, lines):
        index = OpenItems(self.env, lines.company_id)
        matched = []
        for line in lines:
            facts = facts_of_line(line, *self._line_currency_amount(line))
            decision = self._decide(facts, index)
            if decision.item:
                # Later lines of this run see what this one takes.
                decision.item.residual -= self._applied(facts.amount, decision.item)
                matched.append((line, decision))
            else:
                line.integration_match_note = decision.note
        for start in range(0, len(matched), BATCH_SIZE):
            self._reconcile_batch(matched[start : start + BATCH_SIZE])

    def _reconcile_batch(self, batch):
        try:
            with self.env.cr.savepoint():
                self._reconcile_lines(batch)
            return
        except psycopg2.OperationalError:
            raise  # a lock or serialization failure: the whole message is retried
        except Exception:
            if len(batch) == 1:
                return self._record_failure(*batch[0])
        for pair in batch:
            self._reconcile_batch([pair])

    def _record_failure(self, line, decision):
        _logger.exception(
            "integration: bank line %s could not be reconciled with %s", line.id, decision.item.record
        )
        line.integration_match_note = self.env._(
            "Matched to %(document)s (%(rule)s), but Odoo refused the reconciliation: reconcile it by hand.",
            document=decision.item.record.display_name,
            rule=self._rule_label(decision.rule),
        )

    # --------------------------------------------------------------- matching
    @staticmethod
    def _line_currency_amount(line):
        """The line's transaction currency and what is still unmatched of it, signed as the line.

        That is its suspense item: the whole line at first, what a partial match left after.
        """
        currency = line.foreign_currency_id or line.currency_id
        suspense = line._seek_for_lines()[1]
        if len(suspense) != 1:
            return currency, 0.0
        if suspense.currency_id != currency:
            return currency, line.amount_currency if line.foreign_currency_id else line.amount
        return currency, -suspense.amount_currency

    def _line_keys(self, line):
        return references.line_keys(line.integration_reference, line.ref, line.payment_ref)

    def _tolerance_cents(self, line, currency):
        return self._tolerance_of(line.company_id, currency)

    @staticmethod
    def _tolerance_of(company, currency):
        # The tolerance is an amount of the entity's currency: other currencies match exactly.
        if currency != company.currency_id:
            return 0
        return to_cents(currency, company.integration_match_tolerance)

    @staticmethod
    def _fits(item, currency, amount):
        return item.currency == currency and (item.residual > 0) == (amount > 0)

    def _decide(self, facts, index):
        """The one open document the line surely pays, or a note saying why there is none."""
        currency, amount = facts.currency, facts.amount
        if currency.is_zero(amount):
            return Decision(note=self.env._("Nothing is left to match on this line."))
        keys = facts.keys
        for rule, found in (
            ("reference", index.find(index.by_reference, keys)),
            ("number", index.find(index.by_number, keys)),
        ):
            if found:
                return self._sure_match(rule, found, currency, amount)
        cents = to_cents(currency, amount)
        tolerance = self._tolerance_of(facts.company, currency)
        partner = facts.partner
        if partner:
            found = [
                item
                for item in index.near(index.by_partner_amount, (partner.id, currency.id), cents, tolerance)
                if self._fits(item, currency, amount)
            ]
            if len(found) == 1:
                return Decision(found[0], "amount_partner")
            if found:
                return Decision(
                    note=self.env._(
                        "%(count)s open invoices of %(amount)s for %(partner)s: %(names)s.",
                        count=len(found),
                        amount=format_amount(self.env, abs(amount), currency),
                        partner=partner.display_name,
                        names=self._names(found),
                    )
                )
        found = [
            item
            for item in index.near(
                index.payments_by_journal_amount, (facts.journal.id, currency.id), cents, tolerance
            )
            if self._fits(item, currency, amount)
        ]
        if len(found) == 1:
            return Decision(found[0], "payment_amount")
        if found:
            return Decision(
                note=self.env._(
                    "%(count)s payments of %(amount)s registered in %(journal)s wait for their bank line: %(names)s.",
                    count=len(found),
                    amount=format_amount(self.env, abs(amount), currency),
                    journal=facts.journal.display_name,
                    names=self._names(found),
                )
            )
        if partner:
            return Decision(
                note=self.env._(
                    "No open document carries this line's reference or number, and %(partner)s has no open "
                    "invoice of %(amount)s.",
                    partner=partner.display_name,
                    amount=format_amount(self.env, abs(amount), currency),
                )
            )
        return Decision(
            note=self.env._(
                "No open document carries this line's reference or number, and the counterparty (%(who)s) "
                "is not a known contact, so its amount alone cannot say which invoice it pays.",
                who=facts.who or self.env._("no name or account given"),
            )
        )

    def _sure_match(self, rule, found, currency, amount):
        # A payment the gateway already registered against an invoice is what the bank pays out,
        # not the invoice itself.
        paid_by_payments = set().union(*(item.invoice_ids for item in found if item.kind == "payment"))
        found = [item for item in found if item.kind == "payment" or item.record.id not in paid_by_payments]
        fitting = [item for item in found if self._fits(item, currency, amount)]
        if len(fitting) == 1:
            return Decision(fitting[0], rule)
        what = self._rule_label(rule)
        if fitting:
            return Decision(
                note=self.env._(
                    "The %(what)s names %(count)s open documents: %(names)s.",
                    what=what,
                    count=len(fitting),
                    names=self._names(fitting),
                )
            )
        item = found[0]
        if item.currency != currency:
            return Decision(
                note=self.env._(
                    "The %(what)s names %(document)s, which is in %(its)s; the line is in %(line)s.",
                    what=what,
                    document=item.record.display_name,
                    its=item.currency.name,
                    line=currency.name,
                )
            )
        return Decision(
            note=self.env._(
                "The %(what)s names %(document)s, but the line's money goes the other way (%(amount)s).",
                what=what,
                document=item.record.display_name,
                amount=format_amount(self.env, amount, currency),
            )
        )

    def _names(self, items, limit=5):
        names = [item.record.display_name for item in items[:limit]]
        if len(items) > limit:
            names.append(self.env._("and %s more", len(items) - limit))
        return ", ".join(names)

    def _rule_label(self, rule):
        labels = dict(self.env["account.bank.statement.line"]._fields["integration_matched_by"].selection)
        return labels.get(rule, rule).lower()

    @staticmethod
    def _applied(amount, item):
        """What a line of ``amount`` pays of the item, signed as the item's open amount."""
        return amount if abs(amount) < abs(item.residual) else item.residual
