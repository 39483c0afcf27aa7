"""camt.053 files for the tests: the two sample files of ``data/camt`` (every kind of entry, as
banks write versions 001.02 and 001.08) and small documents built here for one point each."""

from odoo.tools import file_open

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.{:02d}"


def sample(name):
    """The bytes of a sample file (``statements_v02.xml``, ``statements_v08.xml``)."""
    with file_open(f"integration_bank/tests/data/camt/{name}", "rb") as handle:
        return handle.read()


def entry(amount="10.00", indicator="CRDT", *, ref="REF-1", details="", extra="", version=2):
    """One booked entry; ``details`` is the content of its NtryDtls."""
    # Versions before 001.06 write the status as text; later ones wrap it in a code.
    status = "<Sts>BOOK</Sts>" if version < 6 else "<Sts><Cd>BOOK</Cd></Sts>"
    reference = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{status}'
        f"<BookgDt><Dt>2026-11-30</Dt></BookgDt>{reference}{extra}"
        + (f"<NtryDtls>{details}</NtryDtls>" if details else "")
        + "</Ntry>"
    )


def statement(statement_id="ST-1", entries=None, opening="0.00", closing="10.00", version=2):
    """One EUR statement of the account BE68539007547034, with its opening and closing balances."""
    entries = [entry(version=version)] if entries is None else entries
    balances = "".join(
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount.lstrip("-")}</Amt>'
        f"<CdtDbtInd>{'DBIT' if amount.startswith('-') else 'CRDT'}</CdtDbtInd>"
        f"<Dt><Dt>2026-11-30</Dt></Dt></Bal>"
        for code, amount in (("OPBD", opening), ("CLBD", closing))
        if amount is not None
    )
    return (
        f"<Stmt><Id>{statement_id}</Id><CreDtTm>2026-11-30T18:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{balances}{''.join(entries)}</Stmt>"
    )


def document(*statements, version=2, namespace=None, prolog='<?xml version="1.0" encoding="UTF-8"?>'):
    """A BkToCstmrStmt document holding ``statements`` (one small statement when none is given)."""
    statements = statements or (statement(version=version),)
    return (
        f'{prolog}<Document xmlns="{namespace or NAMESPACE.format(version)}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-11-30T20:00:00</CreDtTm></GrpHdr>"
        f"{''.join(statements)}</BkToCstmrStmt></Document>"
    ).encode()


def with_doctype(doctype, body="<Id>&x;</Id>"):
    """A camt.053 document behind a DOCTYPE, its statement id written as ``body``."""
    return document(
        statement().replace("<Id>ST-1</Id>", body), prolog=f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
    )


BILLION_LAUGHS = with_doctype(
    "<!DOCTYPE Document ["
    '<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
    '<!ENTITY x "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
)
EXTERNAL_ENTITY = with_doctype('<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
EXTERNAL_DTD = with_doctype('<!DOCTYPE Document SYSTEM "file:///etc/passwd">', body="<Id>ST-1</Id>")
