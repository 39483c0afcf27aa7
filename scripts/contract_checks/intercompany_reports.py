"""Intercompany reports from outside: the IC reconciliation and the consolidated trial balance compared
with sums computed here from Odoo's journal items (JSON-RPC) and the reporting API's rates; the close
cockpit's checklist against the state the intercompany checks set up."""

from __future__ import annotations

from decimal import Decimal

from .harness import TODAY, R, body, show

CENT = Decimal("0.01")


def _dec(value):
    return Decimal(str(value))


def _ic_balance(ic, code, other, date):
    """What the contract's pair (code, other) holds, computed here: the entity's posted journal items up to
    the date on its IC receivable and payable accounts with the other's partner, in the group currency at
    the reporting API's closing rate."""
    rpc = ic.rpc
    rules = rpc(
        "integration.intercompany.rule",
        "search_read",
        [[("company_id", "=", ic.cid[code]), ("target_company_id", "=", ic.cid[other])]],
        {"fields": ["partner_id", "receivable_account_id", "payable_account_id"], **ic.ctx(code)},
    )
    partner = rpc("res.company", "read", [[ic.cid[other]], ["partner_id"]])[0]["partner_id"][0]
    accounts = []
    if rules:
        rule = rules[0]
        accounts = [a[0] for a in (rule["receivable_account_id"], rule["payable_account_id"]) if a]
        partner = rule["partner_id"][0]
    props = rpc(
        "res.partner",
        "read",
        [[partner], ["property_account_receivable_id", "property_account_payable_id"]],
        ic.ctx(code),
    )[0]
    if not rules or not rules[0]["receivable_account_id"]:
        accounts.append(props["property_account_receivable_id"][0])
    if not rules or not rules[0]["payable_account_id"]:
        accounts.append(props["property_account_payable_id"][0])
    lines = rpc(
        "account.move.line",
        "search_read",
        [
            [
                ("company_id", "=", ic.cid[code]),
                ("partner_id", "child_of", partner),
                ("account_id", "in", accounts),
                ("parent_state", "=", "posted"),
                ("date", "<=", str(date)),
            ]
        ],
        {"fields": ["balance"], **ic.ctx(code)},
    )
    local = sum((_dec(line["balance"]) for line in lines), Decimal(0))
    rate = _dec(ic.rates[code])
    return (local * rate).quantize(CENT)


def check_reconciliation(ic):
    ic.rates = {}
    for code in ic.cid:
        tb = body(
            ic.api.get(
                ic.reporting,
                "/reporting/trial-balance",
                {"entity": code, "date_from": str(TODAY), "date_to": str(TODAY)},
            )
        )
        ic.rates[code] = tb["rates"]["closing"]
    resp = ic.api.get(ic.reporting, "/reporting/intercompany", {"date": str(TODAY)})
    data = body(resp) or {}
    pairs = {(p["entity"], p["counterparty"]): p for p in data.get("pairs", [])}
    R.check(
        "IC reconciliation answers every pair of the demo rules, in EUR",
        resp.status_code == 200
        and data.get("group_currency") == "EUR"
        and ("BE01", "US01") in pairs
        and ("PL01", "BE01") in pairs,
        "GET /reporting/intercompany",
        "200 with pairs",
        show(resp),
    )
    sides = {}  # each side is read once: (A, B) and (B, A) both need it
    for code, other in {side for pair in pairs for side in (pair, pair[::-1])}:
        sides[code, other] = _ic_balance(ic, code, other, TODAY)
    wrong = []
    for (code, other), pair in pairs.items():
        receivable, payable = sides[code, other], -sides[other, code]
        explained = sum((_dec(e["amount"]) for e in pair["explained"]), Decimal(0))
        got = (_dec(pair["receivable"]), _dec(pair["payable_of_counterparty"]))
        if (
            abs(got[0] - receivable) > CENT
            or abs(got[1] - payable) > CENT
            or _dec(pair["difference"]) != got[0] - got[1]
            or _dec(pair["unexplained"]) != _dec(pair["difference"]) - explained
        ):
            wrong.append(
                {"pair": (code, other), "answered": pair, "computed": (str(receivable), str(payable))}
            )
    R.check(
        "IC reconciliation: each pair's balances equal the journal items' sums at the closing rate; "
        "difference and unexplained add up",
        not wrong,
        f"{len(pairs)} pairs against account.move.line",
        "no pair off by more than 0.01",
        wrong[:3],
    )


def check_consolidated_tb(ic):
    params = {"date_from": f"{TODAY.year}-01-01", "date_to": str(TODAY)}
    resp = ic.api.get(ic.reporting, "/reporting/consolidated-trial-balance", params)
    data = body(resp) or {}
    rows = data.get("accounts", [])
    debit = sum((_dec(r["debit"]) for r in rows), Decimal(0))
    credit = sum((_dec(r["credit"]) for r in rows), Decimal(0))
    consistent = all(
        _dec(r["total"])
        == sum((_dec(e["group_balance"]) for e in r["entities"]), Decimal(0)) + _dec(r["eliminations"])
        for r in rows
    )
    R.check(
        "consolidated trial balance: debits equal credits, a CTA row, each row entities + eliminations = total",
        resp.status_code == 200
        and debit == credit == _dec(data["totals"]["debit"])
        and consistent
        and any(r["code"] == "CTA" for r in rows),
        "GET /reporting/consolidated-trial-balance",
        "balanced, CTA present, rows add up",
        show(resp, 600),
    )
    # Each entity's column, without its translation difference, is its own trial balance in the group
    # currency: what the entity's journal items of the year sum to, translated row by row.
    wrong = []
    for code in ic.cid:
        tb = body(ic.api.get(ic.reporting, "/reporting/trial-balance", {"entity": code, **params}))
        expected = sum(
            (_dec(a["group"]["closing"]) for a in tb["accounts"] if a["code"] != "CTA"), Decimal(0)
        )
        column = sum(
            (
                _dec(e["group_balance"])
                for r in rows
                if r["code"] != "CTA"
                for e in r["entities"]
                if e["entity"] == code
            ),
            Decimal(0),
        )
        if abs(column - expected) > CENT * len(tb["accounts"] or [1]):
            wrong.append((code, str(column), str(expected)))
    R.check(
        "consolidated trial balance: each entity's column ties to its translated trial balance",
        not wrong,
        "per entity: consolidated column vs /reporting/trial-balance group closings",
        "equal within rounding",
        wrong,
    )


def check_cockpit(ic):
    """PL01's close of this month: the rejection's open exception blocks it."""
    ctx = ic.ctx("PL01")
    month_start = TODAY.replace(day=1)
    wizard = ic.rpc(
        "integration.close.period.group",
        "create",
        [{"date_from": str(month_start), "date_to": str(TODAY), "company_ids": [(6, 0, [ic.cid["PL01"]])]}],
        ctx,
    )
    action = ic.rpc("integration.close.period.group", "action_show", [[wizard]], ctx)
    period_ids = next(term[2] for term in action["domain"] if term[0] == "id")
    period = ic.rpc("integration.close.period", "read", [period_ids, ["ready", "check_ids"]], ctx)[0]
    checks = ic.rpc(
        "integration.close.check", "read", [period["check_ids"], ["code", "count", "status"]], ctx
    )
    exceptions = [c for c in checks if c["code"] == "exceptions"]
    open_here = ic.rpc(
        "integration.exception",
        "search_count",
        [[("company_id", "=", ic.cid["PL01"]), ("state", "=", "open")]],
        ctx,
    )
    R.check(
        "close cockpit of PL01: not ready, its open exceptions counted and blocking",
        not period["ready"]
        and exceptions
        and exceptions[0]["count"] == open_here
        and exceptions[0]["status"] == "blocking",
        "integration.close.period.group action_show for PL01",
        f"ready False, exceptions {open_here} blocking",
        {"ready": period["ready"], "checks": checks},
    )
