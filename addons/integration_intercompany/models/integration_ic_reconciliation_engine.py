import csv
import io
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.integration_mapping.models.integration_trial_balance import _strings

KINDS = [
    ("one_sided", "On One Side Only"),
    ("amount", "Amounts Differ"),
    ("fx", "Exchange Rates"),
    ("timing", "Dates Across the Cut-off"),
]


class IntegrationIcReconciliationEngine(models.AbstractModel):
    """Intercompany balances at a date, per ordered pair of entities, in the group currency (extension 1.3).

    For the pair (A, B): ``receivable`` is A's net balance on its IC
    receivable and payable accounts with B's partner (debit positive),
    translated at the closing rate of the date; ``payable_of_counterparty``
    is B's net balance with A's partner, credit positive, translated alike.
    Both come from one ``_read_group`` per side over the posted journal items
    (grouped by document), so the cost grows with the number of documents,
    not with a query per document.

    The difference is explained document by document, only for the documents
    whose two sides do not agree. A document of A and one of B are the two
    sides of one transaction when the mirroring links them (source and mirror),
    else when they are in the same currency for the same amount (a payment
    booked by both). Each pair whose translated sides differ is, in order:
    ``timing`` when one side is dated after the date and the other not;
    ``amount`` (the difference of the document amounts, at the closing rate
    of the document's currency) and ``fx`` (the rest: the same amount booked
    at different rates) when both count; ``one_sided`` when an invoice, bill
    or refund has no counterpart at all. A journal entry or payment with no
    counterpart explains nothing: it stays in ``unexplained`` (difference
    minus the explained), the figure someone must look at.
    """

    _name = "integration.ic.reconciliation.engine"
    _description = "Intercompany Reconciliation (computation)"

    # ---------------------------------------------------------------- sides
    @api.model
    def _sides(self, companies):
        """``{(A, B): (partners of B in A's books, IC accounts of A)}`` for every pair of ``companies``
        with an intercompany rule in either direction."""
        Rule = self.env["integration.intercompany.rule"].sudo()
        rules = Rule.search([("company_id", "in", companies.ids), ("target_company_id", "in", companies.ids)])
        by_pair = {(rule.company_id, rule.target_company_id): rule for rule in rules}
        sides = {}
        for company, target in list(by_pair):
            for a, b in ((company, target), (target, company)):
                if (a, b) in sides:
                    continue
                own, other = by_pair.get((a, b)), by_pair.get((b, a))
                partner = own.partner_id if own else other.target_partner_id
                if own:
                    accounts = own._ic_accounts()
                else:
                    scoped = partner.with_company(a)
                    accounts = (scoped.property_account_receivable_id, scoped.property_account_payable_id)
                commercial = partner.commercial_partner_id
                partners = self.env["res.partner"].sudo().search([("id", "child_of", commercial.id)])
                sides[a, b] = (partners, self.env["account.account"].union(*accounts))
        return sides

    @api.model
    def _documents(self, company, partners, accounts):
        """``{move id: {"balance", "date", "currencies": {currency id: amount}}}``: every posted document of
        ``company`` on ``accounts`` with ``partners``, whatever its date (one after the date may be the
        other side of one before it)."""
        groups = (
            self.env["account.move.line"]
            .with_company(company)
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("parent_state", "=", "posted"),
                    ("partner_id", "in", partners.ids),
                    ("account_id", "in", accounts.ids),
                ],
                ["move_id", "date:day", "currency_id"],
                ["balance:sum", "amount_currency:sum"],
            )
        )
        documents = {}
        for move, date, currency, balance, amount_currency in groups:
            document = documents.setdefault(move.id, {"balance": 0.0, "date": date, "currencies": {}})
            document["balance"] += balance
            document["currencies"][currency.id] = (
                document["currencies"].get(currency.id, 0.0) + amount_currency
            )
        return documents

    @api.model
    def _document_info(self, move_ids):
        """``{move id: (move type, linked move ids)}`` in one read of the moves' own columns: the pairing
        needs them for every document (tens of thousands in a group), the names only the few that differ.
        The ids come from a read with the caller's rights."""
        Move = self.env["account.move"]
        links = [name for name in ("ic_mirror_move_id", "ic_source_move_id") if name in Move._fields]
        Move.flush_model(["move_type", *links])
        columns = SQL(", ").join(SQL.identifier(name) for name in ("id", "move_type", *links))
        self.env.cr.execute(SQL("SELECT %s FROM account_move WHERE id = ANY(%s)", columns, list(move_ids)))
        return {row[0]: (row[1], {link for link in row[2:] if link}) for row in self.env.cr.fetchall()}

    # --------------------------------------------------------------- report
    @api.model
    def _compute(self, companies, date):
        """The reconciliation of ``companies`` at ``date``: ``{"date", "group_currency", "pairs": [...]}``,
        amounts as floats rounded to the group currency, documents as records."""
        date = fields.Date.to_date(date)
        Report = self.env["integration.trial.balance"]
        group_currency = Report._group_currency()
        sides = self._sides(companies)
        documents = {
            pair: self._documents(pair[0], partners, accounts) for pair, (partners, accounts) in sides.items()
        }
        info = self._document_info(sorted({move for docs in documents.values() for move in docs}))
        rates = {
            company: Report._closing_rate(company, date, group_currency) for company in {a for a, _b in sides}
        }
        pairs = []
        for (a, b), own in documents.items():
            theirs = documents[b, a]
            rate_a, rate_b = rates[a], rates[b]
            receivable = group_currency.round(
                sum(d["balance"] for d in own.values() if d["date"] <= date) * rate_a
            )
            payable = group_currency.round(
                -sum(d["balance"] for d in theirs.values() if d["date"] <= date) * rate_b
            )
            difference = group_currency.round(receivable - payable)
            explained = self._explain(
                own, theirs, info, date=date, rates=(rate_a, rate_b), group_currency=group_currency, company=a
            )
            pairs.append(
                {
                    "company": a,
                    "counterparty": b,
                    "receivable": receivable,
                    "payable_of_counterparty": payable,
                    "difference": difference,
                    "explained": explained,
                    "unexplained": group_currency.round(
                        difference - sum(item["amount"] for item in explained)
                    ),
                }
            )
        self._name_documents([item for pair in pairs for item in pair["explained"]])
        pairs.sort(
            key=lambda pair: (pair["company"].entity_code or "", pair["counterparty"].entity_code or "")
        )
        return {"date": date, "group_currency": group_currency, "pairs": pairs}

    @api.model
    def _as_json(self, report):
        pairs = [
            {
                **pair,
                "entity": pair["company"].sudo().entity_code,
                "counterparty": pair["counterparty"].sudo().entity_code,
            }
            for pair in report["pairs"]
        ]
        return as_json(report["date"], report["group_currency"], pairs)

    @api.model
    def _explain(self, own, theirs, info, *, date, rates, group_currency, company):
        """The explained items of one pair: only the documents whose two sides differ at ``date``."""
        matches = self._match(own, theirs, info)
        items = []
        for own_id, their_id in matches:
            mine, other = own.get(own_id), theirs.get(their_id)
            counted_a = bool(mine) and mine["date"] <= date
            counted_b = bool(other) and other["date"] <= date
            a_amount = group_currency.round(mine["balance"] * rates[0]) if counted_a else 0.0
            b_amount = group_currency.round(-other["balance"] * rates[1]) if counted_b else 0.0
            gap = group_currency.round(a_amount - b_amount)
            if group_currency.is_zero(gap):
                continue
            if mine and other:
                if counted_a != counted_b:
                    parts = [("timing", gap)]
                else:
                    parts = self._amount_and_fx(
                        mine, other, gap, date=date, group_currency=group_currency, company=company
                    )
            elif info[own_id or their_id][0] == "entry":
                continue  # a journal entry or payment on one side: nothing explains it
            else:
                parts = [("one_sided", gap)]
            items.extend(
                {
                    "kind": kind,
                    "move_id": own_id or their_id,
                    "counterparty_move_id": their_id if own_id else None,
                    "amount": amount,
                }
                for kind, amount in parts
                if not group_currency.is_zero(amount)
            )
        return items

    @api.model
    def _name_documents(self, items):
        """The numbers of the explained documents (read only for them)."""
        ids = {item["move_id"] for item in items} | {item["counterparty_move_id"] for item in items}
        moves = self.env["account.move"].sudo().browse(sorted(filter(None, ids)))
        moves.fetch(["name"])
        names = {move.id: move.name for move in moves}
        for item in items:
            item["document"] = names[item["move_id"]]
            item["counterparty_document"] = names.get(item["counterparty_move_id"])

    @api.model
    def _amount_and_fx(self, mine, other, gap, *, date, group_currency, company):
        """Split the gap of two counted sides: what the document amounts differ by, the rest is rates."""
        (currency_a, amount_a), *rest_a = mine["currencies"].items()
        (currency_b, amount_b), *rest_b = other["currencies"].items()
        if rest_a or rest_b or currency_a != currency_b:
            return [("amount", gap)]
        currency = self.env["res.currency"].browse(currency_a)
        rate = self.env["res.currency"]._get_conversion_rate(currency, group_currency, company, date)
        amount = group_currency.round((amount_a + amount_b) * rate)
        return [("amount", amount), ("fx", group_currency.round(gap - amount))]

    @api.model
    def _match(self, own, theirs, info):
        """``[(own move id or None, their move id or None)]``: linked documents first, then documents of
        the same currency and opposite amount (in date order), then the rest on their own."""
        pairs, taken = [], set()
        for move_id in own:
            linked = [other for other in info[move_id][1] if other in theirs and other not in taken]
            if linked:
                pairs.append((move_id, linked[0]))
                taken.update((move_id, linked[0]))
        for move_id in theirs:
            if move_id in taken:
                continue
            linked = [other for other in info[move_id][1] if other in own and other not in taken]
            if linked:
                pairs.append((linked[0], move_id))
                taken.update((move_id, linked[0]))
        by_amount = defaultdict(list)
        for move_id in sorted(theirs, key=lambda m: (theirs[m]["date"], m)):
            if move_id not in taken:
                by_amount[_amount_key(theirs[move_id], -1)].append(move_id)
        for move_id in sorted(own, key=lambda m: (own[m]["date"], m)):
            if move_id in taken:
                continue
            candidates = by_amount.get(_amount_key(own[move_id], 1))
            if candidates:
                other = candidates.pop(0)
                pairs.append((move_id, other))
                taken.update((move_id, other))
            else:
                pairs.append((move_id, None))
        pairs.extend((None, move_id) for move_id in theirs if move_id not in taken)
        return pairs


CSV_COLUMNS = (
    "entity",
    "counterparty",
    "currency",
    "receivable",
    "payable_of_counterparty",
    "difference",
    "unexplained",
    "kind",
    "document",
    "counterparty_document",
    "amount",
)


def _pair_json(pair, currency):
    return {
        "entity": pair["entity"],
        "counterparty": pair["counterparty"],
        **_strings(currency, pair, ("receivable", "payable_of_counterparty", "difference")),
        "explained": [
            {
                "kind": item["kind"],
                "document": item["document"],
                "counterparty_document": item["counterparty_document"],
                **_strings(currency, item, ("amount",)),
            }
            for item in pair["explained"]
        ],
        **_strings(currency, pair, ("unexplained",)),
    }


def as_json(date, currency, pairs):
    """The contract's body. ``pairs``: dicts with entity and counterparty codes, amounts and explained items."""
    return {
        "date": fields.Date.to_string(date),
        "group_currency": currency.name,
        "pairs": [_pair_json(pair, currency) for pair in pairs],
    }


def as_csv(body):
    """The pairs of a body (``as_json``) as CSV: a line per pair and one per explained document under it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for pair in body["pairs"]:
        head = [pair["entity"], pair["counterparty"], body["group_currency"]]
        figures = [
            pair[key] for key in ("receivable", "payable_of_counterparty", "difference", "unexplained")
        ]
        writer.writerow([*head, *figures, "", "", "", ""])
        for item in pair["explained"]:
            writer.writerow(
                [
                    *head,
                    *figures,
                    item["kind"],
                    item["document"],
                    item["counterparty_document"] or "",
                    item["amount"],
                ]
            )
    return out.getvalue()


def _amount_key(document, sign):
    """What two unlinked sides share when they are one transaction: currency and amount (cents)."""
    return tuple(
        sorted((currency, round(sign * amount * 100)) for currency, amount in document["currencies"].items())
    )
