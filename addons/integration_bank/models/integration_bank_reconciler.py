import logging
from collections import defaultdict
from dataclasses import dataclass

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..reconcile import references
from ..reconcile.open_items import Item, OpenItems, item_of, to_cents

_logger = logging.getLogger(__name__)

# Lines reconciled together in one savepoint; a failing batch is redone line by line.
# Few savepoints keep PostgreSQL's subtransaction cache (64 per transaction) from overflowing.
BATCH_SIZE = 50


@dataclass
class Decision:
    item: Item = None
    rule: str = None
    note: str = ""


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
            decision = self._decide(line, index)
            if decision.item:
                # Later lines of this run see what this one takes.
                decision.item.residual -= self._applied(line, decision.item)
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
        company = line.company_id
        # The tolerance is an amount of the entity's currency: other currencies match exactly.
        if currency != company.currency_id:
            return 0
        return to_cents(currency, company.integration_match_tolerance)

    @staticmethod
    def _fits(item, currency, amount):
        return item.currency == currency and (item.residual > 0) == (amount > 0)

    def _decide(self, line, index):
        currency, amount = self._line_currency_amount(line)
        if currency.is_zero(amount):
            return Decision(note=self.env._("Nothing is left to match on this line."))
        keys = self._line_keys(line)
        for rule, found in (
            ("reference", index.find(index.by_reference, keys)),
            ("number", index.find(index.by_number, keys)),
        ):
            if found:
                return self._sure_match(rule, found, currency, amount)
        cents = to_cents(currency, amount)
        tolerance = self._tolerance_cents(line, currency)
        partner = line.partner_id.commercial_partner_id
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
                index.payments_by_journal_amount, (line.journal_id.id, currency.id), cents, tolerance
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
                    journal=line.journal_id.display_name,
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
                who=line.partner_name or line.account_number or self.env._("no name or account given"),
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

    def _applied(self, line, item):
        """What the line pays of the item, signed as the item's open amount."""
        _currency, amount = self._line_currency_amount(line)
        return amount if abs(amount) < abs(item.residual) else item.residual

    # ------------------------------------------------------------ reconciling
    def _reconcile_lines(self, pairs):
        """Replace each line's suspense item by counterparts of its document's items, then reconcile them.

        All the lines' entries are changed together and reconciled in one plan:
        Odoo checks each entry stays balanced and makes any exchange difference.
        """
        pairs = self._bounded(pairs)
        AML = self.env["account.move.line"]
        vals_list, targets, suspense_lines = [], [], AML
        liquidity_by_partner = {}
        notes = {}
        taken = defaultdict(float)  # what earlier lines of this batch pay of each document item
        for line, decision in pairs:
            liquidity, suspense, _other = line._seek_for_lines()
            if len(suspense) != 1:
                raise UserError(self.env._("%s has no open amount left to match.", line.display_name))
            line_vals, line_targets, rest = self._counterparts(line, suspense, decision.item, taken)
            vals_list += line_vals
            targets += line_targets
            suspense_lines |= suspense
            if not line.partner_id and decision.item.partner_id:
                liquidity_by_partner.setdefault(decision.item.partner_id, AML)
                liquidity_by_partner[decision.item.partner_id] |= liquidity
            notes[line] = self._matched_note(line, decision, rest)
        moves = suspense_lines.move_id
        # Bank entries have no invoice lines to keep in step: Odoo's invoice sync would only cost time.
        quiet = {
            "skip_account_move_synchronization": True,
            "skip_invoice_sync": True,
            "skip_invoice_line_sync": True,
        }
        with moves._check_balanced({"records": moves}):
            suspense_lines.with_context(force_delete=True, **quiet).unlink()
            for partner_id, liquidity in liquidity_by_partner.items():
                liquidity.with_context(**quiet).write({"partner_id": partner_id})
            counterparts = AML.with_context(**quiet).create(vals_list)
        # Odoo's own sync: the lines take the contact of their liquidity item, as a manual match does.
        moves._synchronize_business_models({"line_ids"})
        AML._reconcile_plan(
            [item | target for item, target in zip(counterparts, targets, strict=True) if target]
        )
        for line, decision in pairs:
            vals = {"integration_matched_by": decision.rule, "integration_match_note": notes[line]}
            if line.reconcile_data:
                vals["reconcile_data"] = False  # OCA's widget computes its proposal again
            line.write(vals)

    @staticmethod
    def _bounded(pairs):
        """The batch's records, prefetching among themselves only.

        Records read from the index prefetch all of a run's lines and documents; each batch's
        reconciliation drops the cache, so without this every batch would read them all again
        (quadratic in the size of the statement).
        """
        line_ids = [line.id for line, _decision in pairs]
        aml_ids = [aml_id for _line, decision in pairs for aml_id in decision.item.lines.ids]
        document_ids = defaultdict(list)
        for _line, decision in pairs:
            document_ids[decision.item.record._name].append(decision.item.record.id)
        for _line, decision in pairs:
            item = decision.item
            item.lines = item.lines.with_prefetch(aml_ids)
            item.record = item.record.with_prefetch(document_ids[item.record._name])
        return [(line.with_prefetch(line_ids), decision) for line, decision in pairs]

    def _counterparts(self, line, suspense, item, taken):
        """The items replacing the suspense one: one per open item of the document paid, then any rest."""
        currency, amount = self._line_currency_amount(line)
        same_currency = currency == line.company_id.currency_id
        vals_list, targets = [], []
        remaining = amount
        for target in item.lines:
            residual = currency.round(target.amount_residual_currency - taken[target.id])
            if currency.is_zero(remaining) or currency.is_zero(residual) or (residual > 0) != (remaining > 0):
                continue
            applied = currency.round(remaining if abs(remaining) < abs(residual) else residual)
            remaining = currency.round(remaining - applied)
            taken[target.id] += applied
            if same_currency:
                balance = -applied
            else:
                balance = line._prepare_counterpart_amounts_using_st_line_rate(currency, 0.0, -applied)[
                    "balance"
                ]
            vals_list.append(
                {
                    "move_id": line.move_id.id,
                    "account_id": target.account_id.id,
                    "partner_id": target.partner_id.id,
                    "currency_id": currency.id,
                    "amount_currency": -applied,
                    "balance": balance,
                    "name": line.payment_ref or item.record.display_name,
                }
            )
            targets.append(target)
        company_currency = line.company_id.currency_id
        left_balance = company_currency.round(suspense.balance - sum(vals["balance"] for vals in vals_list))
        if currency.is_zero(remaining):
            vals_list[-1]["balance"] += left_balance  # the bank's rate, to the cent
        else:
            vals_list.append(
                {
                    "move_id": line.move_id.id,
                    "account_id": suspense.account_id.id,
                    "partner_id": suspense.partner_id.id,
                    "currency_id": suspense.currency_id.id,
                    "amount_currency": -remaining,
                    "balance": left_balance,
                    "name": suspense.name,
                }
            )
            targets.append(None)
        return vals_list, targets, remaining

    def _matched_note(self, line, decision, rest):
        currency, amount = self._line_currency_amount(line)
        if currency.is_zero(rest):
            return self.env._(
                "Matched to %(document)s by %(rule)s.",
                document=decision.item.record.display_name,
                rule=self._rule_label(decision.rule),
            )
        return self.env._(
            "%(applied)s paid %(document)s in full (matched by %(rule)s); %(rest)s of the line is still open.",
            applied=format_amount(self.env, abs(amount - rest), currency),
            document=decision.item.record.display_name,
            rule=self._rule_label(decision.rule),
            rest=format_amount(self.env, abs(rest), currency),
        )

    # ------------------------------------------------------ a person's match
    def _reconcile_with(self, line, document):
        """Reconcile a line with the invoice or payment a finance user picked, with their own rights."""
        item = item_of(document)
        currency, amount = self._line_currency_amount(line)
        if line.is_reconciled:
            raise UserError(self.env._("%s is already matched.", line.display_name))
        if not item.is_open:
            raise UserError(self.env._("%s has nothing left to pay.", document.display_name))
        if not self._fits(item, currency, amount):
            raise UserError(
                self.env._(
                    "%(document)s cannot be paid by this line: it is in %(its)s and owes %(open)s; the line is "
                    "%(amount)s. Use the reconciliation screen for such a match.",
                    document=document.display_name,
                    its=item.currency.name,
                    open=format_amount(self.env, item.residual, item.currency),
                    amount=format_amount(self.env, amount, currency),
                )
            )
        self._reconcile_lines([(line, Decision(item, "manual"))])
