"""The open documents of one entity a bank line may pay, indexed once per reconciliation run.

Open invoices, bills and credit notes are indexed by payment reference, by number
and by (contact, currency) and amount; payments registered without a bank line
yet (a gateway's, say) by reference and by (bank journal, currency) and amount.
Looking a line up is then a few dictionary reads and a bisection, whatever the
number of lines or documents.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from . import references

INVOICE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
PARTNER_ACCOUNT_TYPES = ("asset_receivable", "liability_payable")
INVOICE_FIELDS = [
    "name",
    "payment_reference",
    "ref",
    "integration_external_number",
    "move_type",
    "currency_id",
    "commercial_partner_id",
]
PAYMENT_FIELDS = [
    "move_id",
    "outstanding_account_id",
    "journal_id",
    "memo",
    "payment_reference",
    "name",
    "partner_id",
    "invoice_ids",
]


@dataclass(eq=False)
class Item:
    """One open document: its open journal items (oldest due first) and what is left to pay, signed."""

    kind: str  # "invoice" or "payment"
    record: object  # account.move or account.payment
    lines: object  # account.move.line
    currency: object
    partner_id: int
    residual: float
    journal_id: int = 0
    invoice_ids: frozenset = field(default_factory=frozenset)

    @property
    def is_open(self):
        return not self.currency.is_zero(self.residual)

    def cents(self, amount=None):
        return to_cents(self.currency, self.residual if amount is None else amount)


def to_cents(currency, amount):
    return round(abs(amount) * 10**currency.decimal_places)


class OpenItems:
    def __init__(self, env, company):
        self.env = env
        self.company = company
        self.by_reference = defaultdict(list)
        self.by_number = defaultdict(list)
        # (partner, currency) / (journal, currency) / currency -> [(amount in cents, sequence, item)], sorted
        self.by_partner_amount = defaultdict(list)
        self.payments_by_journal_amount = defaultdict(list)
        self.by_amount = defaultdict(list)
        self._sequence = 0
        self._load_invoices()
        self._load_payments()
        for index in (self.by_partner_amount, self.payments_by_journal_amount, self.by_amount):
            for entries in index.values():
                entries.sort(key=lambda entry: entry[:2])

    # ------------------------------------------------------------------ loading
    def _open_lines(self, domain):
        return self.env["account.move.line"].search_fetch(
            [
                ("company_id", "=", self.company.id),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                *domain,
            ],
            [
                "move_id",
                "account_id",
                "partner_id",
                "currency_id",
                "amount_residual_currency",
                "date_maturity",
            ],
            order="date_maturity, id",
        )

    def _add_amounts(self, item, *indexes):
        self._sequence += 1
        entry = (item.cents(), self._sequence, item)
        for index, key in indexes:
            index[key].append(entry)

    def _load_invoices(self):
        lines = self._open_lines(
            [
                ("move_id.move_type", "in", INVOICE_TYPES),
                ("account_id.account_type", "in", PARTNER_ACCOUNT_TYPES),
            ]
        )
        lines.move_id.fetch(INVOICE_FIELDS)
        for move, move_lines in lines.grouped("move_id").items():
            item = Item(
                "invoice",
                move,
                move_lines,
                move.currency_id,
                move.commercial_partner_id.id,
                move.currency_id.round(sum(move_lines.mapped("amount_residual_currency"))),
            )
            if not item.is_open:
                continue
            numbers = [move.name, move.integration_external_number]
            if move.move_type in ("in_invoice", "in_refund"):
                numbers.append(move.ref)  # the vendor's own number
            self._add_keys(self.by_reference, item, [move.payment_reference])
            self._add_keys(self.by_number, item, numbers)
            self._add_amounts(
                item,
                (self.by_partner_amount, (item.partner_id, item.currency.id)),
                (self.by_amount, item.currency.id),
            )

    def _load_payments(self):
        payments = self.env["account.payment"].search_fetch(
            [
                ("company_id", "=", self.company.id),
                ("is_matched", "=", False),
                ("state", "in", ("in_process", "paid")),
                ("outstanding_account_id", "!=", False),
                ("move_id", "!=", False),
            ],
            PAYMENT_FIELDS,
        )
        if not payments:
            return
        payment_of = {payment.move_id.id: payment for payment in payments}
        lines = self._open_lines([("move_id", "in", list(payment_of))])
        for move, all_lines in lines.grouped("move_id").items():
            payment = payment_of[move.id]
            move_lines = all_lines.filtered(lambda aml, p=payment: aml.account_id == p.outstanding_account_id)
            if not move_lines:
                continue
            currency = move_lines[0].currency_id
            item = Item(
                "payment",
                payment,
                move_lines,
                currency,
                payment.partner_id.commercial_partner_id.id,
                currency.round(sum(move_lines.mapped("amount_residual_currency"))),
                journal_id=payment.journal_id.id,
                invoice_ids=frozenset(payment.invoice_ids.ids),
            )
            if not item.is_open:
                continue
            self._add_keys(self.by_reference, item, [payment.memo, payment.payment_reference, payment.name])
            self._add_amounts(
                item,
                (self.payments_by_journal_amount, (item.journal_id, currency.id)),
                (self.by_amount, currency.id),
            )

    @staticmethod
    def _add_keys(index, item, texts):
        for key in {references.document_key(text) for text in texts} - {None}:
            index[key].append(item)

    # ------------------------------------------------------------------ lookups
    @staticmethod
    def find(index, keys):
        """The open items any of the keys names, each once, in a stable order."""
        found = {}
        for key in keys:
            for item in index.get(key, ()):
                if item.is_open:
                    found[id(item)] = item
        return list(found.values())

    @staticmethod
    def near(index, key, cents, tolerance_cents):
        """The open items of index[key] whose open amount is within the tolerance of cents."""
        entries = index.get(key)
        if not entries:
            return []
        low = bisect_left(entries, (cents - tolerance_cents,))
        high = bisect_right(entries, (cents + tolerance_cents, float("inf")))
        return [
            item
            for _cents, _seq, item in entries[low:high]
            if item.is_open and abs(item.cents() - cents) <= tolerance_cents
        ]


def item_of(record):
    """The open item of one invoice or payment, as the index would hold it (for a finance user's match)."""
    if record._name == "account.payment":
        lines = record.move_id.line_ids.filtered(
            lambda aml: aml.account_id == record.outstanding_account_id and not aml.reconciled
        )
        kind, partner, journal = "payment", record.partner_id.commercial_partner_id, record.journal_id
    else:
        lines = record.line_ids.filtered(
            lambda aml: aml.account_id.account_type in PARTNER_ACCOUNT_TYPES and not aml.reconciled
        ).sorted(lambda aml: (aml.date_maturity or aml.date, aml.id))
        kind, partner, journal = "invoice", record.commercial_partner_id, record.journal_id
    currency = lines[:1].currency_id or record.currency_id
    residual = currency.round(sum(lines.mapped("amount_residual_currency")))
    return Item(kind, record, lines, currency, partner.id, residual, journal_id=journal.id)
