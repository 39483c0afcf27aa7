from decimal import Decimal

from odoo import api, models

from odoo.addons.integration_core.engine import schemas
from odoo.addons.integration_core.exceptions import BusinessError


def exact_amount(value):
    """A payload amount as the exact Decimal the sender wrote (absent: zero).

    Numbers arrive as Decimal from the stored payload, strings as the sender
    typed them; neither goes through float. None when the value is not an
    amount the books hold exactly (a message stored before the schema said
    so, say): the caller names the line.
    """
    if value is None or value == "":
        return Decimal(0)
    return None if schemas.amount_problem(value) else schemas.as_decimal(value)


def decimals_of(amount):
    """How many decimals an amount needs (``1.50`` needs 1, ``2.00`` none)."""
    exponent = amount.normalize().as_tuple().exponent if amount else 0
    return max(0, -exponent)


class IntegrationHandlerMove(models.AbstractModel):
    """What the flows making journal entries and invoices share."""

    _name = "integration.handler.move"
    _inherit = "integration.handler"
    _description = "Accounting Document Flow"

    @api.model
    def _resolver(self, messages):
        """Translates the sender's codes into the entity's records (mapping tables hook in here)."""
        return self.env["integration.code.resolver"]._for_messages(messages)

    @api.model
    def _post_or_hold(self, messages, moves):
        """Post the batch's new documents in one call, except those a posting approval holds.

        A held document stays in draft, waiting for the approvers of the flow's
        rule in the entity; its message still ends ``done`` with it as result,
        so a replay finds it and makes nothing twice.
        """
        if not moves:
            return
        Rule = self.env["integration.posting.approval.rule"]
        rule = Rule._rule_for(messages[:1].flow_id, messages[:1].company_id)
        held = moves[:0]
        if rule:
            held = moves.filtered(lambda move: rule._applies(move._integration_approval_amount()))
        if moves - held:
            (moves - held)._post(soft=False)
        if held:
            held._integration_hold(rule)

    @api.model
    def _refuse_rejected(self, found):
        """Documents found again (a replay, the same invoice resent) that an approver rejected are no
        success: their messages get the rejection instead, so the sender keeps reading why."""
        return {
            message_id: move._integration_rejection_error()
            if isinstance(move, models.BaseModel) and move.integration_approval_state == "rejected"
            else move
            for message_id, move in found.items()
        }

    @api.model
    def _first_journal(self, company, journal_type, journals):
        """The entity's first journal of a type in Odoo's order, as a new document in Odoo gets it.

        Looked up once per batch (``journals`` is the batch's cache); empty when the entity has none.
        """
        key = (company.id, journal_type)
        if key not in journals:
            Journal = self.env["account.journal"]
            journals[key] = Journal.search(
                [*Journal._check_company_domain(company), ("type", "=", journal_type)], limit=1
            )
        return journals[key]

    @api.model
    def _line_name(self, index, line):
        """A payload line as a finance user finds it in what the sender sent."""
        return self.env._("Line %(number)s (account %(account)s)", number=index + 1, account=line["account"])

    @api.model
    def _analytic_distribution(self, analytic):
        """A line's distribution from ``{dimension: analytic account}``: all of it on their combination."""
        accounts = [account for account in analytic.values() if account]
        if not accounts:
            return False
        return {",".join(str(account.id) for account in accounts): 100.0}

    @api.model
    def _check_lock_dates(self, company, date, journal, has_tax=False):
        """Odoo would silently move a locked date to the next open one: refuse it instead."""
        violated = company._get_violated_lock_dates(date, has_tax, journal)
        if violated:
            lock_date, lock_field = violated[-1]
            label = company._fields[lock_field].string if lock_field in company._fields else lock_field
            raise BusinessError(
                "locked_period",
                self.env._(
                    "The date %(date)s falls in a locked period (%(lock)s: %(lock_date)s). Reopen the "
                    "period or send the document with an open date.",
                    date=date,
                    lock=label,
                    lock_date=lock_date,
                ),
                lock=lock_field,
                lock_date=str(lock_date),
            )
