"""camt.053 bank statements (ISO 20022 BkToCstmrStmt, versions 001.02 to 001.13) read into
``bank_statement`` payloads of schema 1.0, one per statement, in file order.

Pure Python on purpose: the payloads then go through the same intake as a
JSON sender's (envelope, schema, idempotency), so a camt file and a JSON
feed of the same statement end up as the same message.

Safety before meaning (``camt053_xml``): DTDs, entities and absurd nesting
are refused before anything is read. Lenient after that: no XSD validation,
elements read by local name within the document's namespace, whatever their
order.

Amounts stay the text the bank wrote (never a float), signed by their
credit/debit indicator; the JSON Schema then judges them as it judges any
sender's. Entries the bank marks as not booked (pending, information only,
future) are not part of the balances and make no line.
"""

import re
from decimal import Decimal, InvalidOperation

from lxml import etree

from .camt053_xml import CamtError, InvalidCamt, MalformedCamt, load, namespace

__all__ = ["CamtError", "InvalidCamt", "MalformedCamt", "parse"]

MAX_STATEMENTS = 1000
NOT_PROVIDED = "NOTPROVIDED"
NOT_BOOKED = frozenset({"PDNG", "INFO", "FUTR"})
OPENING_CODES = ("OPBD", "PRCD")  # in this order of preference
CLOSING_CODE = "CLBD"
DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?=$|[TZ+-])")
BIC = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
# The schema's maxLength of each text field of a payload.
LIMITS = {
    "account": 64,
    "statement_id": 128,
    "id": 128,
    "counterparty_name": 140,
    "counterparty_iban": 64,
    "reference": 140,
    "end_to_end_id": 140,
    "transaction_type": 64,
    "label": 2048,
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LAYOUT = re.compile(r"\s*[\t\n\r]\s*")


def parse(data):
    """The ``bank_statement`` payloads of the camt.053 file ``data`` (bytes), in file order."""
    root = load(data)
    read = _Reader(namespace(root))
    message = read.first(root, "BkToCstmrStmt")
    if etree.QName(root).localname != "Document" or message is None:
        raise InvalidCamt("not a camt.053 statement (the Document holds no BkToCstmrStmt)")
    statements = read.all(message, "Stmt")
    if len(statements) > MAX_STATEMENTS:
        raise InvalidCamt(f"the file holds {len(statements)} statements; at most {MAX_STATEMENTS} are read")
    header_date = _date(read.text(message, "GrpHdr/CreDtTm"))
    return [_Statement(read, node, header_date).payload() for node in statements]


# ----------------------------------------------------------------- values
def _clean(value, name):
    """Text a payload field may hold: control characters dropped (a label keeps its tabs and line
    breaks, other fields get a space for a line break), cut to the schema's length."""
    if value is None:
        return None
    if name == "label":
        value = _CONTROL_BUT_LAYOUT.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        value = _CONTROL.sub("", _LAYOUT.sub(" ", value))
    value = value.strip()[: LIMITS.get(name, 2048)]
    return value or None


def _date(value):
    """The date as written: a date-time or a zoned date gives its own calendar date, never converted.
    Anything else is kept as sent, for the schema to refuse at its path."""
    if value is None:
        return None
    match = DATE.match(value)
    return match.group(1) if match else (_clean(value, "date") or "")[:32] or None


def _signed(amount, indicator, where):
    """The amount as written, negative for a debit (a zero stays unsigned)."""
    if amount is None:
        return None
    amount = amount.removeprefix("+")
    if indicator == "DBIT":
        return amount if _decimal(amount) == 0 else f"-{amount}"
    if indicator == "CRDT" or _decimal(amount) == 0:
        return amount
    shown = repr(indicator[:20]) if indicator else "missing"
    raise InvalidCamt(f"{where}: the credit/debit indicator is {shown}, neither CRDT nor DBIT")


def _decimal(amount):
    """The amount's exact value when it is a finite decimal, else None."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        return None
    return value if value.is_finite() else None


class _Reader:
    """Elements by local names within the document's namespace."""

    def __init__(self, namespace):
        self.namespace = namespace
        self.paths = {}

    def _tags(self, path):
        if path not in self.paths:
            self.paths[path] = [f"{{{self.namespace}}}{name}" for name in path.split("/")]
        return self.paths[path]

    def all(self, node, path):
        # Step by step through lxml's own child iteration: its ElementPath engine is Python, 10x slower.
        nodes = [node]
        for tag in self._tags(path):
            nodes = [child for parent in nodes for child in parent.iterchildren(tag)]
            if not nodes:
                break
        return nodes

    def first(self, node, *paths):
        for path in paths:
            found = self.all(node, path)
            if found:
                return found[0]
        return None

    @staticmethod
    def _text_of(element):
        value = "".join(element.itertext()).strip()
        return value or None

    def text(self, node, *paths):
        """The first non-empty text among ``paths``, stripped."""
        for path in paths:
            for element in self.all(node, path):
                value = self._text_of(element)
                if value:
                    return value
        return None

    def texts(self, node, path):
        return [value for value in map(self._text_of, self.all(node, path)) if value]

    def amount(self, node, path):
        """(amount text, currency) of an amount element."""
        element = self.first(node, path)
        if element is None:
            return None, None
        return self._text_of(element), (element.get("Ccy") or "").strip() or None

    def account(self, node, path):
        """An account's IBAN (spaces dropped) or other identification."""
        iban = self.text(node, f"{path}/Id/IBAN")
        return iban.replace(" ", "") if iban else self.text(node, f"{path}/Id/Othr/Id")


class _Statement:
    """One Stmt and the payload it becomes."""

    def __init__(self, read, node, header_date):
        self.read, self.node, self.header_date = read, node, header_date
        self.account = read.account(node, "Acct")
        self.statement_id = _clean(read.text(node, "Id"), "statement_id")
        self.where = f"statement {self.statement_id!r}" if self.statement_id else "a statement without Id"

    def payload(self):
        read, node = self.read, self.node
        opening, closing, closing_date = self._balances()
        self.currency = read.text(node, "Acct/Ccy") or self._amounts_currency()
        payload = {
            "account": _clean(self.account, "account"),
            "statement_id": self.statement_id,
            "date": _date(read.text(node, "CreDtTm")) or closing_date or self.header_date,
            "currency": self.currency,
            "opening_balance": opening,
            "closing_balance": closing,
            "lines": [
                line
                for position, entry in enumerate(read.all(node, "Ntry"), 1)
                for line in self._entry_lines(entry, position)
            ],
        }
        return {key: value for key, value in payload.items() if value is not None}

    def _balances(self):
        """The opening balance (OPBD, else PRCD) and the closing one (CLBD) with its date."""
        read, found = self.read, {}
        for balance in read.all(self.node, "Bal"):
            code = read.text(balance, "Tp/CdOrPrtry/Cd")
            if code in (*OPENING_CODES, CLOSING_CODE) and code not in found:
                where = f"{self.where}, balance {code}"
                amount = _signed(read.amount(balance, "Amt")[0], read.text(balance, "CdtDbtInd"), where)
                found[code] = (amount, _date(read.text(balance, "Dt/Dt", "Dt/DtTm")))
        opening = next((found[code][0] for code in OPENING_CODES if code in found), None)
        return opening, *found.get(CLOSING_CODE, (None, None))

    def _amounts_currency(self):
        for path in ("Bal/Amt", "Ntry/Amt"):
            currency = self.read.amount(self.node, path)[1]
            if currency:
                return currency
        return None

    # ------------------------------------------------------------ entries
    def _entry_lines(self, entry, position):
        read = self.read
        if read.text(entry, "Sts/Cd", "Sts") in NOT_BOOKED:
            return []
        where = f"{self.where}, entry {position}"
        amount, currency = read.amount(entry, "Amt")
        indicator = read.text(entry, "CdtDbtInd")
        signed = _signed(amount, indicator, where)
        reversal = (read.text(entry, "RvslInd") or "").lower() in ("true", "1")
        entry_values = {
            "id": read.text(entry, "AcctSvcrRef", "NtryRef"),
            "date": _date(read.text(entry, "BookgDt/Dt", "BookgDt/DtTm")),
            "value_date": _date(read.text(entry, "ValDt/Dt", "ValDt/DtTm")),
            "reversal": reversal,
            "transaction_type": self._transaction_type(entry),
            "label": read.text(entry, "AddtlNtryInf"),
            "foreign": self._foreign(entry),
        }
        # Whom the money came from or went to; a reversal names the parties of the original booking.
        incoming = (indicator == "CRDT") != reversal
        details = [self._details(detail, incoming) for detail in read.all(entry, "NtryDtls/TxDtls")]
        parts = self._parts(read.all(entry, "NtryDtls/TxDtls"), signed, currency, where)
        if parts:
            return [
                self._line(own, entry_values, part, split=True)
                for own, part in zip(details, parts, strict=True)
            ]
        # One line for the whole entry: only what all its transactions say alike describes it.
        common = {
            key: value
            for key, value in (details or [{}])[0].items()
            if all(d.get(key) == value for d in details)
        }
        return [self._line(common, entry_values, signed, split=False)]

    def _parts(self, details, signed, currency, where):
        """The signed amount of each transaction of a batch entry, when each has its own amount in the
        entry's currency and they add up to the entry's amount exactly; else None (one line)."""
        if len(details) < 2 or signed is None:
            return None
        parts = []
        for position, detail in enumerate(details, 1):
            amount, part_currency = self.read.amount(detail, "Amt")
            if amount is None:  # before version 03 a transaction's amount is in its amount details
                amount, part_currency = self.read.amount(detail, "AmtDtls/TxAmt/Amt")
            if amount is None or (currency and part_currency and part_currency != currency):
                return None
            indicator = self.read.text(detail, "CdtDbtInd") or ("DBIT" if signed.startswith("-") else "CRDT")
            parts.append(_signed(amount, indicator, f"{where}, transaction {position}"))
        values = [_decimal(part) for part in parts]
        total = _decimal(signed)
        if total is None or None in values or sum(values) != total:
            return None
        return parts

    def _details(self, detail, incoming):
        """What one transaction (TxDtls) says about the line."""
        read = self.read
        party, other = ("Dbtr", "Cdtr") if incoming else ("Cdtr", "Dbtr")
        if self.account and read.account(detail, f"RltdPties/{party}Acct") == self.account:
            party, other = other, party  # the bank named the parties the other way round
        end_to_end_id = read.text(detail, "Refs/EndToEndId")
        bic = read.text(
            detail, f"RltdAgts/{party}Agt/FinInstnId/BICFI", f"RltdAgts/{party}Agt/FinInstnId/BIC"
        )
        structured = read.texts(detail, "RmtInf/Strd/CdtrRefInf/Ref")
        unstructured = read.texts(detail, "RmtInf/Ustrd")
        return {
            "id": read.text(detail, "Refs/AcctSvcrRef"),
            "reference": " ".join(structured or unstructured) or None,
            "end_to_end_id": end_to_end_id if end_to_end_id != NOT_PROVIDED else None,
            "counterparty_name": read.text(detail, f"RltdPties/{party}/Nm", f"RltdPties/{party}/Pty/Nm"),
            "counterparty_iban": read.account(detail, f"RltdPties/{party}Acct"),
            "counterparty_bic": bic if bic and bic != NOT_PROVIDED and BIC.fullmatch(bic) else None,
            "transaction_type": self._transaction_type(detail),
            "label": read.text(detail, "AddtlTxInf") or "\n".join(unstructured) or None,
            "foreign": self._foreign(detail),
        }

    def _line(self, details, entry, amount, split):
        """A payload line: a batch's part leads with its transaction's own id and label, a whole entry
        with the entry's."""
        own, shared = (details, entry) if split else (entry, details)
        # A batch's foreign amount is the whole batch's, never one part's.
        foreign = details.get("foreign") if split else entry["foreign"] or details.get("foreign")
        line = {
            "id": own.get("id") or shared.get("id"),
            "date": entry["date"],
            "value_date": entry["value_date"],
            "amount": amount,
            "counterparty_name": details.get("counterparty_name"),
            "counterparty_iban": details.get("counterparty_iban"),
            "counterparty_bic": details.get("counterparty_bic"),
            "reference": details.get("reference"),
            "end_to_end_id": details.get("end_to_end_id"),
            "transaction_type": entry["transaction_type"] or details.get("transaction_type"),
            "reversal": True if entry["reversal"] else None,
            "label": own.get("label") or shared.get("label"),
        }
        if foreign and amount is not None:
            foreign_amount = foreign[1].removeprefix("+")
            line["foreign_currency"] = foreign[0]
            line["foreign_amount"] = f"-{foreign_amount}" if amount.startswith("-") else foreign_amount
        line = {key: _clean(value, key) if key in LIMITS else value for key, value in line.items()}
        return {key: value for key, value in line.items() if value is not None}

    def _transaction_type(self, node):
        read = self.read
        codes = [
            read.text(node, path)
            for path in ("BkTxCd/Domn/Cd", "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd")
        ]
        if all(codes):
            return "-".join(codes)
        return read.text(node, "BkTxCd/Prtry/Cd")

    def _foreign(self, node):
        """(currency, amount) the transaction was made in, when it is not the account's."""
        for path in ("AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
            amount, currency = self.read.amount(node, path)
            if amount and currency and self.currency and currency != self.currency:
                return currency, amount
        return None
