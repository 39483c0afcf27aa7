"""Bank feeds: bank_statement messages (continuity, dedup), reconciliation by reference, payment_status.

Written from the contract's "Flows and payloads" and "Bank details (extension 1.2)". The statements go to a
BE01 bank journal this run creates (through JSON-RPC, as an administrator would) with an IBAN of its own,
so continuity starts from nothing whatever other checks did to BNK1. ``Bank`` keeps that journal's running
closing balance: every statement the run sends opens where the last accepted one closed.
"""

from __future__ import annotations

import json
from decimal import Decimal

from .harness import RUN, TODAY, R, body, envelope, show

D0 = Decimal("0.00")


def mod97(text):
    """ISO 7064 mod 97-10 of letters and digits (A=10 ... Z=35), as IBAN and RF check digits use."""
    return int("".join(str(int(c, 36)) for c in text.upper())) % 97


def be_iban(seed):
    """A valid Belgian IBAN: bank 539, an account number from ``seed``, national and IBAN check digits."""
    ten = "539" + str(int(seed, 16) % 10**7).zfill(7)
    bban = ten + str(int(ten) % 97 or 97).zfill(2)
    return f"BE{98 - mod97(bban + 'BE00'):02d}{bban}"


def rf_reference(ref):
    """ISO 11649 creditor reference RFkk<ref>."""
    return f"RF{98 - mod97(ref + 'RF00'):02d}{ref}"


def money(v):
    return f"{Decimal(v):.2f}"


class Bank:
    """The run's BE01 bank journal, the keys and the running balance of its statements."""

    def __init__(self, api, rpc, bank_key, gateway_key, shop_key):
        self.api, self.rpc = api, rpc
        self.bank_key, self.gateway_key, self.shop_key = bank_key, gateway_key, shop_key
        self.cid = rpc.company_id("BE01")
        self.ctx = {"context": {"allowed_company_ids": [self.cid]}}
        self.iban = be_iban(RUN)
        company = rpc("res.company", "read", [[self.cid], ["partner_id", "currency_id"]])[0]
        bank_id = rpc(
            "res.partner.bank",
            "create",
            [{"acc_number": self.iban, "partner_id": company["partner_id"][0]}],
            self.ctx,
        )
        self.journal_code = ("C" + RUN[:4]).upper()
        self.journal_id = rpc(
            "account.journal",
            "create",
            [
                {
                    "name": f"Contract check bank {RUN}",
                    "code": self.journal_code,
                    "type": "bank",
                    "company_id": self.cid,
                    "bank_account_id": bank_id,
                }
            ],
            self.ctx,
        )
        self.closing = D0
        print(f"bank journal {self.journal_code} (id {self.journal_id}) with IBAN {self.iban}")

    # -- reading back (JSON-RPC, admin)
    def line_count(self):
        return self.rpc(
            "account.bank.statement.line", "search_count", [[("journal_id", "=", self.journal_id)]], self.ctx
        )

    def statement_count(self):
        return self.rpc(
            "account.bank.statement", "search_count", [[("journal_id", "=", self.journal_id)]], self.ctx
        )

    def statement(self, sid):
        fields = ["name", "balance_start", "balance_end_real", "line_ids", "journal_id"]
        return self.rpc("account.bank.statement", "read", [[sid], fields], self.ctx)[0]

    def move(
        self,
        mid,
        fields=("name", "state", "payment_state", "amount_total", "amount_residual", "payment_reference"),
    ):
        return self.rpc("account.move", "read", [[mid], list(fields)], self.ctx)[0]

    # -- sending
    def payload(self, sid, lines, *, opening=None, closing=None):
        opening = self.closing if opening is None else Decimal(opening)
        if closing is None:
            closing = opening + sum((Decimal(x["amount"]) for x in lines), D0)
        return {
            "account": self.iban,
            "statement_id": f"CC-{RUN}-{sid}",
            "date": str(TODAY),
            "currency": "EUR",
            "opening_balance": money(opening),
            "closing_balance": money(closing),
            "lines": lines,
        }

    def send(self, key, tag, payload, *, flow="bank_statement", version="1.0"):
        """POST one envelope and poll it: (envelope, answer, final message or None)."""
        env = envelope(tag, payload, flow=flow, version=version)
        r = self.api.post(key, env)
        mid = (body(r) or {}).get("id")
        fin = self.api.poll(key, mid) if mid and r.status_code in (200, 202) else None
        return env, r, fin


def line(lid, amount, label="Contract check", **extra):
    out = {"date": str(TODAY), "amount": amount, "counterparty_name": "Contract Check NV", "label": label}
    if lid is not None:
        out["id"] = f"CC-{RUN}-{lid}"
    out.update(extra)
    return out


def done_with_statement(fin):
    res = (fin or {}).get("result") or {}
    return (
        isinstance(fin, dict) and fin.get("state") == "done" and res.get("model") == "account.bank.statement"
    )


def check_statements(b: Bank):
    # 1. a plain statement
    p1 = b.payload("S1", [line("L1", "100.00"), line("L2", "50.00")])
    env1, r, fin = b.send(b.bank_key, "bank-s1", p1)
    R.check(
        "bank_statement accepted -> 202, then done with result account.bank.statement",
        r.status_code == 202 and done_with_statement(fin),
        f"POST {json.dumps(env1)} then poll",
        "202, state done, result {model: account.bank.statement, id, name}",
        f"{show(r)} / {json.dumps(fin)}",
    )
    if not done_with_statement(fin):
        R.skip("bank statements", "the first statement was not imported; continuity checks need it")
        return
    st1 = fin["result"]["id"]
    st = b.statement(st1)
    R.check(
        "statement read back via JSON-RPC: opening 0.00, closing 150.00, 2 lines, the run's journal",
        Decimal(str(st["balance_start"])) == D0
        and Decimal(str(st["balance_end_real"])) == Decimal("150")
        and len(st["line_ids"]) == 2
        and st["journal_id"][0] == b.journal_id,
        f"account.bank.statement read {st1}",
        f"balance_start 0, balance_end_real 150, 2 lines, journal {b.journal_id}",
        json.dumps(st),
    )
    b.closing = Decimal("150.00")

    # 2. the same statement under a new idempotency key: the business key (account, statement_id) holds
    before = b.line_count()
    env, r, fin = b.send(b.bank_key, "bank-s1-again", p1)
    R.check(
        "same statement, new idempotency key -> done, result the same statement, no new lines",
        r.status_code == 202
        and isinstance(fin, dict)
        and fin.get("state") == "done"
        and ((fin.get("result") or {}).get("id")) == st1
        and b.line_count() == before,
        f"POST the S1 payload with idempotency_key {env['idempotency_key']}",
        f"202, done, result id {st1}, {before} lines in the journal",
        f"{show(r)} / {json.dumps(fin)} / lines now {b.line_count()}",
    )

    # 3. same key, same payload
    r = b.api.post(b.bank_key, env1)
    rb = body(r) or {}
    R.check(
        "same idempotency key, same statement -> 200 duplicate",
        r.status_code == 200 and rb.get("duplicate") is True,
        f"POST again {env1['idempotency_key']}",
        '200 {"duplicate": true}',
        show(r),
    )

    # 4. an overlapping feed: L2 again, the opening balance the one before L2
    before = b.line_count()
    p2 = b.payload("S2", [line("L2", "50.00"), line("L3", "25.00")], opening="100.00", closing="175.00")
    env, r, fin = b.send(b.bank_key, "bank-s2", p2)
    ok = done_with_statement(fin)
    st = b.statement(fin["result"]["id"]) if ok else {}
    R.check(
        "overlapping statement (a line repeated, opening before it) -> done, only the new line added",
        ok and b.line_count() == before + 1,
        f"POST {json.dumps(env)}",
        f"done, {before + 1} lines in the journal",
        f"{show(r)} / {json.dumps(fin)} / lines now {b.line_count()}",
    )
    R.check(
        "overlapping statement: balances continuous (opens at the previous closing 150.00, closes 175.00)",
        ok
        and Decimal(str(st["balance_start"])) == Decimal("150")
        and Decimal(str(st["balance_end_real"])) == Decimal("175"),
        "account.bank.statement read of the result",
        "balance_start 150.00, balance_end_real 175.00",
        json.dumps(st),
    )
    if ok:
        b.closing = Decimal("175.00")

    # 5. opening differs from the previous closing; 6. lines that do not add up
    wrong_open = b.closing + Decimal("824.00")
    cases = [
        (
            "bank-gap",
            "opening 824.00 above the previous closing",
            b.payload("S3", [line("L4", "10.00")], opening=wrong_open),
            "824.00",
        ),
        (
            "bank-sum",
            "lines 10.00 where closing - opening is 25.00",
            b.payload("S4", [line("L5", "10.00")], closing=b.closing + 25),
            "15.00",
        ),
    ]
    for tag, what, payload, diff in cases:
        before = b.line_count()
        env, r, fin = b.send(b.bank_key, tag, payload)
        errs = (fin or {}).get("errors") or []
        R.check(
            f"statement with {what} -> exception invalid_document showing the difference, nothing imported",
            isinstance(fin, dict)
            and fin.get("state") == "exception"
            and any(e.get("code") == "invalid_document" and diff in (e.get("message") or "") for e in errs)
            and b.line_count() == before,
            f"POST {json.dumps(env)}",
            f"exception, errors [invalid_document with '{diff}' in its message], {before} lines",
            f"{show(r)} / {json.dumps(fin)} / lines now {b.line_count()}",
        )

    # 7. lines without ids, twice the same entry in one statement
    before = b.line_count()
    twin = {"date": str(TODAY), "amount": "10.00", "counterparty_name": "Coffee Corner", "label": "Refund"}
    p5 = b.payload("S5", [dict(twin), dict(twin)])
    env, r, fin = b.send(b.bank_key, "bank-noid", p5)
    R.check(
        "two identical lines without id in one statement -> done, both imported",
        done_with_statement(fin) and b.line_count() == before + 2,
        f"POST {json.dumps(env)}",
        f"done, {before + 2} lines",
        f"{show(r)} / {json.dumps(fin)} / lines now {b.line_count()}",
    )
    if done_with_statement(fin):
        b.closing += Decimal("20.00")
        first = fin["result"]["id"]
        env, r, fin = b.send(b.bank_key, "bank-noid-again", p5)
        R.check(
            "the same id-less statement re-sent under a new key -> done, same statement, no line added",
            isinstance(fin, dict)
            and fin.get("state") == "done"
            and (fin.get("result") or {}).get("id") == first
            and b.line_count() == before + 2,
            f"POST the same payload with idempotency_key {env['idempotency_key']}",
            f"done, result {first}, {before + 2} lines",
            f"{show(r)} / {json.dumps(fin)} / lines now {b.line_count()}",
        )


def check_statement_edges(b: Bank):
    """No opening balance (the previous closing is taken); a bank account the entity does not have."""
    before = b.line_count()
    p = b.payload("S6", [line("L6", "-12.34", label="Card payment")])
    del p["opening_balance"]
    p["closing_balance"] = money(b.closing - Decimal("12.34"))
    env, r, fin = b.send(b.bank_key, "bank-noopen", p)
    ok = done_with_statement(fin)
    st = b.statement(fin["result"]["id"]) if ok else {}
    R.check(
        "statement without opening_balance -> done, opens at the previous closing, debit line negative",
        ok
        and Decimal(str(st["balance_start"])) == b.closing
        and Decimal(str(st["balance_end_real"])) == b.closing - Decimal("12.34")
        and b.line_count() == before + 1,
        f"POST {json.dumps(env)}",
        f"done, balance_start {b.closing}, balance_end_real {b.closing - Decimal('12.34')}, 1 line more",
        f"{show(r)} / {json.dumps(fin)} / {json.dumps(st)}",
    )
    if ok:
        b.closing -= Decimal("12.34")
    # one id the bank repeats on two different entries: two real entries, never merged
    before = b.line_count()
    p = b.payload("S8", [line("DUP", "5.00", label="First"), line("DUP", "7.00", label="Second")])
    env, r, fin = b.send(b.bank_key, "bank-dup-id", p)
    both = done_with_statement(fin) and b.line_count() == before + 2
    if done_with_statement(fin):
        b.closing += Decimal("12.00")
        b.send(b.bank_key, "bank-dup-id-again", p)
    R.check(
        "one line id on two different entries -> both imported; the statement re-sent adds none",
        both and b.line_count() == before + 2,
        f"POST {json.dumps(env)}, then the same under a new key",
        f"done, {before + 2} lines after both",
        f"{show(r)} / {json.dumps(fin)} / lines now {b.line_count()}",
    )
    # the account named by the journal's code instead of its IBAN
    before = b.line_count()
    p = dict(b.payload("S9", [line("L9", "2.00")]), account=b.journal_code)
    env, r, fin = b.send(b.bank_key, "bank-by-code", p)
    st = b.statement(fin["result"]["id"]) if done_with_statement(fin) else {}
    if st:
        b.closing += Decimal("2.00")
    R.check(
        "statement naming the account by journal code -> done in that journal",
        bool(st) and st["journal_id"][0] == b.journal_id and b.line_count() == before + 1,
        f"POST {json.dumps(env)}",
        f"done, statement in journal {b.journal_id}, 1 line more",
        f"{show(r)} / {json.dumps(fin)} / {json.dumps(st)}",
    )
    nope = be_iban(RUN[::-1])  # a valid IBAN no journal of BE01 has
    p = dict(b.payload("S7", [line("L7", "1.00")]), account=nope)
    env, r, fin = b.send(b.bank_key, "bank-unknown-acc", p)
    errs = (fin or {}).get("errors") or []
    R.check(
        "statement for a bank account the entity does not have -> exception unknown_reference",
        isinstance(fin, dict)
        and fin.get("state") == "exception"
        and any(e.get("code") == "unknown_reference" and nope in str(e.get("value")) for e in errs),
        f"POST {json.dumps(env)}",
        f"exception, errors [unknown_reference value {nope}]",
        f"{show(r)} / {json.dumps(fin)}",
    )


def check_statement_exactness(b: Bank):
    """Extension 1.2's exactness and text rules, applied to a statement: refused, never rounded or stored."""
    cases = [
        ("nan", "a line amount NaN", [line("X1", "NaN")], "$.payload.lines[0].amount"),
        (
            "huge",
            "a line amount above 999,999,999,999.99",
            [line("X2", "1000000000000.00")],
            "$.payload.lines[0].amount",
        ),
        (
            "digits",
            "a line amount of 16 significant digits",
            [line("X3", "1234567890.123456")],
            "$.payload.lines[0].amount",
        ),
        (
            "nul",
            "a NUL in a line label",
            [line("X4", "1.00", label="Pay\u0000ment")],
            "$.payload.lines[0].label",
        ),
    ]
    for tag, what, lines, path in cases:
        before = b.line_count()
        p = b.payload(f"E-{tag}", lines, closing=b.closing + 1)
        env, r, _ = b.send(b.bank_key, f"bank-exact-{tag}", p)
        paths = [str(e.get("path")) for e in (body(r) or {}).get("errors") or [] if isinstance(e, dict)]
        R.check(
            f"statement with {what} -> 422 invalid at {path}, nothing stored",
            r.status_code == 422
            and (body(r) or {}).get("error") == "invalid"
            and path in paths
            and b.line_count() == before,
            f"POST {json.dumps(env)[:300]}",
            f"422 {{error: invalid, errors: [{{path: {path}}}]}}",
            f"{show(r)} / lines now {b.line_count()} (was {before})",
        )
    # finer than the currency's cents: never rounded into the books (422, or exception invalid_document)
    before = b.line_count()
    p = b.payload("E-cents", [line("X5", "10.001")], closing=b.closing + Decimal("10.001"))
    env, r, fin = b.send(b.bank_key, "bank-exact-cents", p)
    errs = (fin or {}).get("errors") or []
    refused = r.status_code == 422 or (
        (fin or {}).get("state") == "exception" and any(e.get("code") == "invalid_document" for e in errs)
    )
    R.check(
        "statement line 10.001 EUR (finer than cents) -> refused (422 or exception invalid_document), not rounded",
        refused and b.line_count() == before,
        f"POST {json.dumps(env)}",
        "422, or exception invalid_document; no line stored",
        f"{show(r)} / {json.dumps(fin)} / lines now {b.line_count()} (was {before})",
    )
