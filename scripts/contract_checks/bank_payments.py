"""Payments seen by the books: a bank line paying an invoice by its reference, and payment_status messages."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from .bank import Bank, done_with_statement, line, rf_reference
from .bank_camt import camt053, post_camt
from .harness import RUN, TODAY, R, body, envelope, ikey, partner_payload, show


def shop_invoice(b: Bank, tag, amount, payment_reference=None):
    """A customer and a posted invoice through the shop (invoice 1.1); the invoice's account.move id or None."""
    _, r, fin = b.send(b.shop_key, f"{tag}-cus", partner_payload(tag), flow="partner")
    if not (isinstance(fin, dict) and fin.get("state") == "done"):
        R.check(f"{tag}: shop partner done", False, "POST partner", "done", f"{show(r)} / {json.dumps(fin)}")
        return None, None
    acc = b.rpc(
        "account.account",
        "search_read",
        [[("account_type", "=", "income")]],
        {"fields": ["code"], "limit": 1, **b.ctx},
    )[0]["code"]
    number = f"CC-{RUN}-{tag}"
    payload = {
        "move_type": "out_invoice",
        "partner": f"CC-{RUN}-{tag}",
        "number": number,
        "invoice_date": str(TODAY),
        "due_date": str(TODAY + dt.timedelta(days=30)),
        "currency": "EUR",
        "lines": [{"label": "Contract check", "quantity": "1", "price_unit": amount, "account": acc}],
        "post": True,
    }
    if payment_reference:
        payload["payment_reference"] = payment_reference
    env, r, fin = b.send(b.shop_key, tag, payload, flow="invoice", version="1.1")
    res = (fin or {}).get("result") or {}
    ok = isinstance(fin, dict) and fin.get("state") == "done" and res.get("model") == "account.move"
    mv = b.move(res["id"]) if ok else {}
    R.check(
        f"{tag}: shop invoice 1.1 posted, not paid, {amount}"
        + (", payment_reference kept" if payment_reference else ""),
        ok
        and mv["state"] == "posted"
        and mv["payment_state"] == "not_paid"
        and Decimal(str(mv["amount_total"])) == Decimal(amount)
        and (not payment_reference or mv["payment_reference"] == payment_reference),
        f"POST {json.dumps(env)}",
        "done, account.move posted, not_paid",
        f"{show(r)} / {json.dumps(fin)} / {json.dumps(mv)}",
    )
    return (res["id"], number) if ok else (None, None)


def check_reconciliation(b: Bank):
    ref = rf_reference(f"CC{RUN}".upper())
    inv, _number = shop_invoice(b, "bank-rec", "121.00", ref)
    if not inv:
        return
    p = b.payload("S-REC", [line("REC1", "121.00", label="Payment", reference=ref)])
    env, r, fin = b.send(b.bank_key, "bank-rec-st", p)
    if done_with_statement(fin):
        b.closing += Decimal("121.00")
    mv = b.move(inv)
    R.check(
        "a bank line with the invoice's payment_reference -> the invoice is paid",
        done_with_statement(fin) and mv["payment_state"] == "paid",
        f"POST {json.dumps(env)}; account.move read {inv}",
        "statement done; payment_state paid",
        f"{show(r)} / {json.dumps(fin)} / {json.dumps(mv)}",
    )


def check_camt_reconciliation(b: Bank):
    ref = rf_reference(f"CC{RUN}C".upper())
    inv, _number = shop_invoice(b, "bank-camt-rec", "60.50", ref)
    if not inv:
        return
    entry = {"id": f"CC-{RUN}-camt-rec", "amount": "60.50", "label": "Invoice payment", "reference": ref}
    closing = b.closing + Decimal("60.50")
    st = {
        "id": f"CC-{RUN}-camt-rec",
        "iban": b.iban,
        "opening": b.closing,
        "closing": closing,
        "entries": [entry],
    }
    key = ikey("camt-rec")
    r = post_camt(b, camt053("001.08", f"CC-{RUN}-camt-rec", [st]), key)
    res = (body(r) or {}).get("results") or []
    fin = b.api.poll(b.bank_key, res[0].get("id")) if res else None
    if done_with_statement(fin):
        b.closing = closing
    mv = b.move(inv)
    R.check(
        "a camt.053 entry with the invoice's structured reference (RmtInf/Strd/CdtrRefInf/Ref) -> invoice paid",
        done_with_statement(fin) and mv["payment_state"] == "paid",
        f"POST camt.053.001.08 Idempotency-Key {key}, one entry 60.50 with Ref {ref}; account.move read {inv}",
        "statement done; payment_state paid",
        f"{show(r)} / {json.dumps(fin)} / {json.dumps(mv)}",
    )


def check_payment_status(b: Bank):
    inv, number = shop_invoice(b, "bank-pay", "100.00")
    if not inv:
        return

    def status(tag, tx, st, amount):
        p = {
            "invoice": number,
            "transaction_id": f"cc_{RUN}_{tx}",
            "status": st,
            "amount": amount,
            "currency": "EUR",
            "date": str(TODAY),
            "journal": "BNK1",
        }
        return b.send(b.gateway_key, tag, p, flow="payment_status")

    steps = [("pay-a", "a", "succeeded", "40.00", "partial"), ("pay-b", "b", "succeeded", "60.00", "paid")]
    results = {}
    for tag, tx, st, amount, expect in steps:
        env, r, fin = status(tag, tx, st, amount)
        mv = b.move(inv)
        results[tag] = (env, fin)
        R.check(
            f"payment_status {st} {amount} -> done, invoice {expect}",
            r.status_code == 202
            and isinstance(fin, dict)
            and fin.get("state") == "done"
            and mv["payment_state"] == expect,
            f"POST {json.dumps(env)}",
            f"202, done, payment_state {expect}",
            f"{show(r)} / {json.dumps(fin)} / {json.dumps(mv)}",
        )
    env_b, fin_b = results["pay-b"]
    env, r, fin = status("pay-b-again", "b", "succeeded", "60.00")
    R.check(
        "the same transaction re-sent under a new key -> done, the same result, invoice unchanged",
        isinstance(fin, dict)
        and fin.get("state") == "done"
        and fin.get("result") == (fin_b or {}).get("result")
        and b.move(inv)["payment_state"] == "paid",
        f"POST {json.dumps(env)}",
        f"done, result {json.dumps((fin_b or {}).get('result'))}",
        f"{show(r)} / {json.dumps(fin)}",
    )
    r = b.api.post(b.gateway_key, env_b)
    R.check(
        "the same transaction, same key and payload -> 200 duplicate",
        r.status_code == 200 and (body(r) or {}).get("duplicate") is True,
        f"POST again {env_b['idempotency_key']}",
        '200 {"duplicate": true}',
        show(r),
    )
    before = b.move(inv)
    env, r, fin = status("pay-c", "c", "failed", "100.00")
    after = b.move(inv)
    R.check(
        "payment_status failed -> done, the invoice unchanged",
        isinstance(fin, dict) and fin.get("state") == "done" and after == before,
        f"POST {json.dumps(env)}",
        f"done; invoice still {json.dumps(before)}",
        f"{show(r)} / {json.dumps(fin)} / {json.dumps(after)}",
    )
    for tag, tx, amount, expect in [
        ("pay-a-refund", "a", "40.00", None),
        ("pay-b-refund", "b", "60.00", "not_paid"),
    ]:
        env, r, fin = status(tag, tx, "refunded", amount)
        mv = b.move(inv)
        if expect is None:
            R.note(
                f"after refunding transaction a: payment_state {mv['payment_state']}, message {json.dumps(fin)}"
            )
            continue
        R.check(
            "both transactions refunded (status refunded, same transaction_id) -> invoice back to not_paid",
            isinstance(fin, dict) and fin.get("state") == "done" and mv["payment_state"] == expect,
            f"POST {json.dumps(env)} (after the same for transaction a, 40.00)",
            f"done, payment_state {expect}",
            f"{show(r)} / {json.dumps(fin)} / {json.dumps(mv)}",
        )
    env = envelope(
        "pay-unknown",
        {
            "invoice": f"CC-{RUN}-NOPE",
            "transaction_id": f"cc_{RUN}_x",
            "status": "succeeded",
            "amount": "1.00",
            "currency": "EUR",
            "date": str(TODAY),
            "journal": "BNK1",
        },
        flow="payment_status",
    )
    r = b.api.post(b.gateway_key, env)
    fin = b.api.poll(b.gateway_key, (body(r) or {}).get("id")) if r.status_code == 202 else None
    errs = (fin or {}).get("errors") or []
    R.check(
        "payment_status for an unknown invoice -> exception unknown_reference",
        isinstance(fin, dict)
        and fin.get("state") == "exception"
        and any(
            e.get("code") == "unknown_reference" and f"CC-{RUN}-NOPE" in str(e.get("value")) for e in errs
        ),
        f"POST {json.dumps(env)}",
        f"exception, errors [unknown_reference value CC-{RUN}-NOPE]",
        f"{show(r)} / {json.dumps(fin)}",
    )
