"""What matching needs to know of a bank line, from a line already stored or from the values about to create one.

Deciding a line's match before it is created lets the import create it straight
on the document's receivable or payable account (Odoo's own
``counterpart_account_id``), instead of creating it on suspense and rewriting
its entry afterwards: the same decision, half the writes.
"""

from dataclasses import dataclass

from . import references


@dataclass(eq=False)
class LineFacts:
    company: object
    journal: object
    currency: object  # the transaction's currency (the foreign one where the bank gave one)
    amount: float  # what is still unmatched of the line, signed as the line, in that currency
    keys: set
    partner: object  # the line's commercial contact, or an empty record
    who: str  # the counterparty as the bank named it, for notes


def facts_of_line(line, currency, amount):
    return LineFacts(
        company=line.company_id,
        journal=line.journal_id,
        currency=currency,
        amount=amount,
        keys=references.line_keys(line.integration_reference, line.ref, line.payment_ref),
        partner=line.partner_id.commercial_partner_id,
        who=line.partner_name or line.account_number or "",
    )


def facts_of_vals(env, journal, vals):
    """Facts of a line to be created in ``journal`` from ``vals`` (as the bank statement flow prepares them)."""
    journal_currency = journal.currency_id or journal.company_id.currency_id
    foreign = vals.get("foreign_currency_id")
    if foreign and foreign != journal_currency.id:
        currency, amount = env["res.currency"].browse(foreign), vals.get("amount_currency") or 0.0
    else:
        currency, amount = journal_currency, vals.get("amount") or 0.0
    return LineFacts(
        company=journal.company_id,
        journal=journal,
        currency=currency,
        amount=amount,
        keys=references.line_keys(
            vals.get("integration_reference"), vals.get("ref"), vals.get("payment_ref")
        ),
        partner=env["res.partner"].browse(vals.get("partner_id") or []).commercial_partner_id,
        who=vals.get("partner_name") or vals.get("account_number") or "",
    )
