from collections import defaultdict

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..reconcile.facts import facts_of_vals
from ..reconcile.open_items import OpenItems, item_of
from .integration_bank_reconciler import BATCH_SIZE, Decision


class IntegrationBankReconcilerApply(models.AbstractModel):
    """How a match is written: lines created straight on the document's account, or rewritten after.

    Split from the matching rules (``integration_bank_reconciler.py``) to keep
    each file to one concern; it is the same model.
    """

    _inherit = "integration.bank.reconciler"

    # ---------------------------------------------- lines about to be created
    @api.model
    def _plan_new_lines(self, journal, vals_list):
        """Decide the matches of the lines a feed is about to create, before they exist.

        A line that pays one open item of its document entirely, in the entity's
        currency, is created straight on that item's account and contact (Odoo's
        ``counterpart_account_id``), so that reconciling it is only Odoo's
        reconciliation plan; other matches are written after creation as usual.
        Changes ``vals_list`` in place and returns {line identity: decision} for
        ``_reconcile_planned``. Lines without a match get their note here.
        """
        company = journal.company_id
        product = (
            self.sudo()
            .with_company(company)
            .with_context(allowed_company_ids=company.ids, tracking_disable=True)
        )
        return product._plan_entity(journal.with_env(product.env), vals_list)

    def _plan_entity(self, journal, vals_list):
        index = OpenItems(self.env, journal.company_id)
        taken = defaultdict(float)  # what earlier lines of the statement take of each document item
        plan = {}
        for vals in vals_list:
            facts = facts_of_vals(self.env, journal, vals)
            decision = self._decide(facts, index)
            if not decision.item:
                vals["integration_match_note"] = decision.note
                continue
            decision.item.residual -= self._applied(facts.amount, decision.item)
            target = self._straight_target(facts, vals, decision.item, taken)
            if target:
                taken[target.id] += facts.amount
                decision.target = target
                vals.update(
                    counterpart_account_id=target.account_id.id,
                    partner_id=target.partner_id.id,
                    integration_matched_by=decision.rule,
                    integration_match_note=self._matched_note(facts.currency, facts.amount, decision, 0.0),
                )
            plan[vals["integration_line_identity"]] = decision
        return plan

    @staticmethod
    def _straight_target(facts, vals, item, taken):
        """The document's item the line pays within entirely, where the line can be created on it."""
        company_currency = facts.company.currency_id
        if (
            facts.currency != company_currency
            or (facts.journal.currency_id or company_currency) != company_currency
        ):
            return None  # another currency: the exchange difference is Odoo's reconciliation's to make
        for target in item.lines:
            residual = target.amount_residual_currency - taken[target.id]
            if company_currency.is_zero(residual) or (residual > 0) != (facts.amount > 0):
                continue
            if company_currency.compare_amounts(abs(facts.amount), abs(residual)) > 0:
                return None  # the line pays more than this item: the rest is split after creation
            line_partner = vals.get("partner_id") or item.partner_id
            return target if target.partner_id.id == line_partner else None
        return None

    @api.model
    def _reconcile_planned(self, st_lines, plan):
        """Reconcile the lines ``_plan_new_lines`` decided, now that they exist. Never raises for a line."""
        if not st_lines or not plan:
            return
        company = st_lines.company_id
        product = (
            self.sudo()
            .with_company(company)
            .with_context(allowed_company_ids=company.ids, tracking_disable=True)
        )
        straight, after = [], []
        for line in st_lines.with_env(product.env):
            decision = plan.get(line.integration_line_identity)
            if decision:
                (straight if decision.target else after).append((line, decision))
        for start in range(0, len(straight), BATCH_SIZE):
            product._reconcile_straight_batch(straight[start : start + BATCH_SIZE])
        for start in range(0, len(after), BATCH_SIZE):
            product._reconcile_batch(after[start : start + BATCH_SIZE])

    def _reconcile_straight_batch(self, batch):
        # Each batch's reconciliation drops the cache: records prefetching among the whole statement's
        # lines would read all of them again for every batch (quadratic in the statement's size).
        line_ids = [line.id for line, _decision in batch]
        target_ids = [decision.target.id for _line, decision in batch]
        plan = [
            line.with_prefetch(line_ids)._seek_for_lines()[2] | decision.target.with_prefetch(target_ids)
            for line, decision in batch
        ]
        try:
            with self.env.cr.savepoint():
                self.env["account.move.line"]._reconcile_plan(plan)
            return
        except psycopg2.OperationalError:
            raise  # a lock or serialization failure: the whole message is retried
        except Exception:
            if len(batch) == 1:
                line, decision = batch[0]
                # Back on suspense, as an unmatched line is, for a person to reconcile.
                line.action_undo_reconciliation()
                line.write({"integration_matched_by": False})
                return self._record_failure(line, decision)
        for pair in batch:
            self._reconcile_straight_batch([pair])

    # ------------------------------------------- lines already created
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
            notes[line] = self._matched_note(*self._line_currency_amount(line), decision, rest)
        counterparts = self._replace_suspense(suspense_lines, vals_list, liquidity_by_partner)
        AML._reconcile_plan(
            [item | target for item, target in zip(counterparts, targets, strict=True) if target]
        )
        for line, decision in pairs:
            vals = {"integration_matched_by": decision.rule, "integration_match_note": notes[line]}
            if line.reconcile_data:
                vals["reconcile_data"] = False  # OCA's widget computes its proposal again
            # The product's record of the match, also when a person picked it with their own rights.
            line.sudo().write(vals)

    @api.model
    def _replace_suspense(self, suspense_lines, vals_list, liquidity_by_partner=None):
        """Replace bank lines' suspense items by the items of ``vals_list``; the entries stay balanced.

        ``liquidity_by_partner``: {contact id: liquidity items} to take that contact. Then Odoo's own
        sync: the statement lines take the contact of their liquidity item, as a manual match does.
        """
        moves = suspense_lines.move_id
        # Bank entries have no invoice lines to keep in step: Odoo's invoice sync would only cost time.
        quiet = {
            "skip_account_move_synchronization": True,
            "skip_invoice_sync": True,
            "skip_invoice_line_sync": True,
        }
        with moves._check_balanced({"records": moves}):
            suspense_lines.with_context(force_delete=True, **quiet).unlink()
            for partner_id, liquidity in (liquidity_by_partner or {}).items():
                liquidity.with_context(**quiet).write({"partner_id": partner_id})
            created = self.env["account.move.line"].with_context(**quiet).create(vals_list)
        moves._synchronize_business_models({"line_ids"})
        return created

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

    def _matched_note(self, currency, amount, decision, rest):
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
