"""camt.053 files: two versions written here from ISO 20022, duplicates, and hostile or wrong documents."""

from __future__ import annotations

import json
from decimal import Decimal
from xml.sax.saxutils import escape

from .bank import Bank, money
from .harness import RUN, TODAY, R, body, ikey, show

NS = "urn:iso:std:iso:20022:tech:xsd:{}"


def _party(v08, role, name, iban):
    """Dbtr/DbtrAcct or Cdtr/CdtrAcct; 001.08 wraps the party in <Pty>."""
    nm = f"<Nm>{escape(name)}</Nm>"
    return f"<{role}>{f'<Pty>{nm}</Pty>' if v08 else nm}</{role}><{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>"


def _balance(code, amount, ccy):
    ind = "CRDT" if amount >= 0 else "DBIT"
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{money(abs(amount))}</Amt>'
        f"<CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>{TODAY}</Dt></Dt></Bal>"
    )


def _entry(v08, e, ccy):
    amount = Decimal(e["amount"])
    ind = "CRDT" if amount >= 0 else "DBIT"
    sts = "<Sts><Cd>BOOK</Cd></Sts>" if v08 else "<Sts>BOOK</Sts>"
    if e.get("reversal"):  # RvslInd comes before Sts; the amount keeps the direction CdtDbtInd gives
        sts = "<RvslInd>true</RvslInd>" + sts
    role = "Dbtr" if amount >= 0 else "Cdtr"
    rmt = f"<Ustrd>{escape(e['label'])}</Ustrd>"
    if e.get("reference"):  # a structured creditor reference (ISO 11649), as banks pass it on
        rmt += f"<Strd><CdtrRefInf><Ref>{escape(e['reference'])}</Ref></CdtrRefInf></Strd>"
    return (
        f'<Ntry><Amt Ccy="{ccy}">{money(abs(amount))}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{sts}'
        f"<BookgDt><Dt>{TODAY}</Dt></BookgDt><ValDt><Dt>{TODAY}</Dt></ValDt>"
        f"<AcctSvcrRef>{e['id']}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>{e['id']}-E2E</EndToEndId></Refs>"
        f"<RltdPties>{_party(v08, role, 'Contract Check NV', 'BE71096123456769')}</RltdPties>"
        f"<RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def camt053(version, msg_id, statements, *, prolog="", doc="camt.053", inject=""):
    """A camt.053.<version> document with ``statements`` (dicts: id, iban, opening, closing, entries)."""
    v08 = version >= "001.08"
    stmts = []
    for s in statements:
        stmts.append(
            f"<Stmt><Id>{s['id']}{inject}</Id><CreDtTm>{TODAY}T08:00:00</CreDtTm>"
            f"<Acct><Id><IBAN>{s['iban']}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            + (
                _balance(s.get("opening_code", "OPBD"), s["opening"], "EUR")
                if s.get("opening_code", 1)
                else ""
            )
            + _balance("CLBD", s["closing"], "EUR")
            + "".join(_entry(v08, e, "EUR") for e in s["entries"])
            + "</Stmt>"
        )
    root, item = ("BkToCstmrStmt", "") if doc == "camt.053" else ("BkToCstmrAcctRpt", "")
    body_ = "".join(stmts)
    if doc != "camt.053":
        body_ = body_.replace("<Stmt>", "<Rpt>").replace("</Stmt>", "</Rpt>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<Document xmlns="{NS.format(doc + "." + version)}"><{root}>'
        f"<GrpHdr><MsgId>{msg_id}</MsgId><CreDtTm>{TODAY}T08:00:00</CreDtTm></GrpHdr>{body_}{item}</{root}></Document>"
    ).encode()


def post_camt(b: Bank, raw, key, *, content_type="application/xml", entity="BE01"):
    headers = {"Idempotency-Key": key} if key else {}
    return b.api.post(
        b.bank_key, raw=raw, content_type=content_type, headers=headers, path=f"/bank/camt053?entity={entity}"
    )


def two_statements(b: Bank, tag, amounts):
    """Two consecutive statements from the running balance; returns them and the closing after both."""
    out, bal = [], b.closing
    for n, pair in enumerate(amounts, 1):
        entries = [
            {"id": f"CC-{RUN}-{tag}-{n}-{i}", "amount": a, "label": f"camt {tag} {n}.{i}"}
            for i, a in enumerate(pair)
        ]
        close = bal + sum(Decimal(a) for a in pair)
        out.append(
            {
                "id": f"CC-{RUN}-{tag}-{n}",
                "iban": b.iban,
                "opening": bal,
                "closing": close,
                "entries": entries,
            }
        )
        bal = close
    return out, bal


def check_camt(b: Bank):
    files = [
        ("001.02", "camt02", [["30.00", "-5.00"], ["12.50"]]),
        ("001.08", "camt08", [["7.50"], ["-2.25", "4.00"]]),
    ]
    for version, tag, amounts in files:
        stmts, closing = two_statements(b, tag, amounts)
        raw = camt053(version, f"CC-{RUN}-{tag}", stmts)
        key = ikey(tag)
        lines_before = b.line_count()
        r = post_camt(b, raw, key)
        res = (body(r) or {}).get("results") or []
        shape_ok = (
            r.status_code == 200
            and len(res) == 2
            and all(
                x.get("status") == "accepted"
                and isinstance(x.get("id"), int)
                and x.get("state")
                and x.get("correlation_id")
                and x.get("duplicate") is False
                and x.get("account") == b.iban
                for x in res
            )
            and [x.get("statement_id") for x in res] == [s["id"] for s in stmts]
        )
        R.check(
            f"camt.053.{version} with two statements -> 200, one accepted result per statement (statement_id, account)",
            shape_ok,
            f"POST /bank/camt053?entity=BE01 Idempotency-Key {key}, {len(raw)} bytes",
            "200 results[2] each {status accepted, id, state, correlation_id, duplicate false, statement_id, account}",
            show(r, 800),
        )
        if not res:
            continue
        keys_ok = True
        for n, x in enumerate(res, 1):
            g = b.api.get(b.bank_key, params={"idempotency_key": f"{key}/{n}"})
            keys_ok &= g.status_code == 200 and (body(g) or {}).get("id") == x.get("id")
        R.check(
            f"camt.053.{version}: the n-th statement's message has idempotency key <Idempotency-Key>/<n>",
            keys_ok,
            f"GET /messages?idempotency_key={key}/1 and /2",
            "200 with the ids of results[0] and [1]",
            f"{json.dumps(res)}",
        )
        fins = [b.api.poll(b.bank_key, x.get("id")) for x in res]
        sts = [b.statement(f["result"]["id"]) for f in fins if (f or {}).get("result")]
        R.check(
            f"camt.053.{version}: both statements done, balances and lines as in the file",
            all((f or {}).get("state") == "done" for f in fins)
            and len(sts) == 2
            and all(
                Decimal(str(st["balance_start"])) == s["opening"]
                and Decimal(str(st["balance_end_real"])) == s["closing"]
                and len(st["line_ids"]) == len(s["entries"])
                for st, s in zip(sts, stmts, strict=True)
            )
            and b.line_count() == lines_before + sum(len(s["entries"]) for s in stmts),
            "poll both messages; account.bank.statement read",
            f"done; {[(str(s['opening']), str(s['closing']), len(s['entries'])) for s in stmts]}",
            f"{json.dumps(fins)} / {json.dumps(sts)}",
        )
        if all((f or {}).get("state") == "done" for f in fins):
            b.closing = closing
        # the same file under a new header: the statements' business keys hold
        lines_before = b.line_count()
        r3 = post_camt(b, raw, ikey(f"{tag}-again"))
        again = [b.api.poll(b.bank_key, x.get("id")) for x in (body(r3) or {}).get("results") or []]
        R.check(
            f"camt.053.{version}: the same file under a new Idempotency-Key -> done, the same statements, no lines",
            r3.status_code == 200
            and [((f or {}).get("state"), ((f or {}).get("result") or {}).get("id")) for f in again]
            == [("done", ((f or {}).get("result") or {}).get("id")) for f in fins]
            and b.line_count() == lines_before,
            f"POST the same file, Idempotency-Key {ikey(tag + '-again')}",
            f"200, both done with the results of the first post, {lines_before} lines",
            f"{show(r3, 600)} / {json.dumps(again)} / lines now {b.line_count()}",
        )
        r2 = post_camt(b, raw, key)
        res2 = (body(r2) or {}).get("results") or []
        R.check(
            f"camt.053.{version}: the same file with the same Idempotency-Key -> 200 duplicates, same ids",
            r2.status_code == 200
            and [x.get("status") for x in res2] == ["duplicate", "duplicate"]
            and all(x.get("duplicate") is True for x in res2)
            and [x.get("id") for x in res2] == [x.get("id") for x in res],
            f"POST the same file, Idempotency-Key {key}",
            "200 results [duplicate, duplicate] with the same ids",
            show(r2, 800),
        )


def check_camt_variants(b: Bank):
    """The newest version read, a reversal, banks' ways of giving the opening balance, another entity."""
    stmts, closing = two_statements(b, "camt13", [["3.00"]])
    key = ikey("camt13")
    r = post_camt(b, camt053("001.13", f"CC-{RUN}-camt13", stmts), key)
    res = (body(r) or {}).get("results") or []
    fin = b.api.poll(b.bank_key, res[0].get("id")) if len(res) == 1 else None
    R.check(
        "camt.053.001.13 (the newest version read) -> 200, statement done",
        r.status_code == 200 and (fin or {}).get("state") == "done",
        f"POST camt.053.001.13 Idempotency-Key {key}",
        "200, one result, done",
        f"{show(r)} / {json.dumps(fin)}",
    )
    if (fin or {}).get("state") == "done":
        b.closing = closing
    # a reversal: a credit of 10.00 and its reversal written as a debit
    stmts, closing = two_statements(b, "camt-rvsl", [["10.00", "-10.00"]])
    stmts[0]["entries"][1]["reversal"] = True
    key = ikey("camt-rvsl")
    r = post_camt(b, camt053("001.08", f"CC-{RUN}-camt-rvsl", stmts), key)
    res = (body(r) or {}).get("results") or []
    fin = b.api.poll(b.bank_key, res[0].get("id")) if len(res) == 1 else None
    amounts = []
    if (fin or {}).get("result"):
        ids = b.statement(fin["result"]["id"])["line_ids"]
        amounts = sorted(
            x["amount"] for x in b.rpc("account.bank.statement.line", "read", [ids, ["amount"]], b.ctx)
        )
    R.check(
        "camt.053 reversal (RvslInd true, DBIT 10.00) keeps the bank's direction -> lines +10.00 and -10.00",
        (fin or {}).get("state") == "done" and amounts == [-10.0, 10.0],
        f"POST camt.053.001.08 Idempotency-Key {key}: CRDT 10.00, then DBIT 10.00 with RvslInd true",
        "done, line amounts [-10.0, 10.0]",
        f"{show(r)} / {json.dumps(fin)} / amounts {amounts}",
    )
    if (fin or {}).get("state") == "done":
        b.closing = closing
    # banks that open with PRCD (previously closed booked) or send only the closing balance
    for code, what in [("PRCD", "opening balance as PRCD"), (None, "only a closing balance (CLBD)")]:
        stmts, closing = two_statements(b, f"camt-{code}", [["4.00"]])
        stmts[0]["opening_code"] = code
        key = ikey(f"camt-{code}")
        r = post_camt(b, camt053("001.02", f"CC-{RUN}-camt-{code}", stmts), key)
        res = (body(r) or {}).get("results") or []
        fin = b.api.poll(b.bank_key, res[0].get("id")) if len(res) == 1 else None
        st = b.statement(fin["result"]["id"]) if (fin or {}).get("result") else {}
        R.check(
            f"camt.053 with {what} -> done, opens at the previous closing {b.closing}",
            (fin or {}).get("state") == "done"
            and Decimal(str(st.get("balance_start"))) == b.closing
            and Decimal(str(st.get("balance_end_real"))) == closing,
            f"POST camt.053.001.02 Idempotency-Key {key}, one entry 4.00",
            f"done, balance_start {b.closing}, balance_end_real {closing}",
            f"{show(r)} / {json.dumps(fin)} / {json.dumps(st)}",
        )
        if (fin or {}).get("state") == "done":
            b.closing = closing
    # the file posted for an entity that has no such bank account: accepted, then unknown_reference
    stmts, _ = two_statements(b, "camt-us", [["1.00"]])
    key = ikey("camt-us")
    r = post_camt(b, camt053("001.02", f"CC-{RUN}-camt-us", stmts), key, entity="US01")
    res = (body(r) or {}).get("results") or []
    fin = b.api.poll(b.bank_key, res[0].get("id")) if len(res) == 1 else None
    R.check(
        "camt.053 for US01 naming a BE01 IBAN -> 200 accepted, then exception unknown_reference",
        r.status_code == 200
        and (fin or {}).get("state") == "exception"
        and any(e.get("code") == "unknown_reference" for e in (fin or {}).get("errors") or []),
        f"POST /bank/camt053?entity=US01 Idempotency-Key {key}, account {b.iban}",
        "200, then exception [unknown_reference]",
        f"{show(r)} / {json.dumps(fin)}",
    )


def check_camt_edges(b: Bank):
    """One version past the newest, an entity or key the file may not use, a wrong method, the size limit."""
    stmts, _ = two_statements(b, "camt14", [["1.00"]])
    for tag, what, raw, entity, expect in [
        (
            "camt14",
            "camt.053.001.14 (not a version the contract reads)",
            camt053("001.14", "m", stmts),
            "BE01",
            (422, "invalid"),
        ),
        (
            "camt-ent",
            "an entity the key may not write (ZZ99)",
            camt053("001.02", "m", stmts),
            "ZZ99",
            (403, "forbidden"),
        ),
    ]:
        key = ikey(tag)
        count = b.statement_count()
        r = post_camt(b, raw, key, entity=entity)
        stored = b.api.get(b.bank_key, params={"idempotency_key": f"{key}/1"})
        R.check(
            f"camt053 with {what} -> {expect[0]} {expect[1]}, nothing stored",
            r.status_code == expect[0]
            and (body(r) or {}).get("error") == expect[1]
            and stored.status_code == 404
            and b.statement_count() == count,
            f"POST /bank/camt053?entity={entity} Idempotency-Key {key}",
            f"{expect[0]} {{error: {expect[1]}}}; GET ?idempotency_key={key}/1 -> 404",
            f"{show(r)} / {show(stored)} / {b.statement_count()} statements (was {count})",
        )
    raw = camt053("001.02", "m", stmts)
    path = "/bank/camt053?entity=BE01"
    answers = [
        (
            "no API key -> 401 unauthorized",
            b.api.post(
                None,
                raw=raw,
                content_type="application/xml",
                path=path,
                headers={"Idempotency-Key": ikey("camt-401")},
            ),
            401,
            "unauthorized",
        ),
        (
            "the shop's key (flow bank_statement not allowed) -> 403 forbidden",
            b.api.post(
                b.shop_key,
                raw=raw,
                content_type="application/xml",
                path=path,
                headers={"Idempotency-Key": ikey("camt-403")},
            ),
            403,
            "forbidden",
        ),
        (
            "GET on the camt053 route -> 405 method_not_allowed",
            b.api.get(b.bank_key, path="/bank/camt053", params={"entity": "BE01"}),
            405,
            "method_not_allowed",
        ),
    ]
    for what, r, status, error in answers:
        R.check(
            f"camt053 with {what}",
            r.status_code == status and (body(r) or {}).get("error") == error,
            f"{path}",
            f"{status} {{error: {error}}}",
            show(r),
        )
    big, _ = two_statements(b, "camt-big", [["1.00"] * 40])
    raw = camt053("001.02", "m", big)
    key = ikey("camt-big")
    count = b.statement_count()
    with b.rpc.endpoint_settings("DEMO_BANK", max_body_kb=4):
        r = post_camt(b, raw, key)
    stored = b.api.get(b.bank_key, params={"idempotency_key": f"{key}/1"})
    R.check(
        "camt053 file over the endpoint's size limit -> 413 too_large, nothing stored",
        r.status_code == 413
        and (body(r) or {}).get("error") == "too_large"
        and stored.status_code == 404
        and b.statement_count() == count,
        f"DEMO_BANK max_body_kb=4 (JSON-RPC); POST a {len(raw)}-byte camt.053 Idempotency-Key {key}",
        "413 {error: too_large}; nothing stored",
        f"{show(r)} / {show(stored)} / {b.statement_count()} statements (was {count})",
    )
