"""After the answer: processing to posted entries, exceptions, concurrency, locked periods."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

from .harness import ERROR_CODES, RUN, TODAY, R, body, envelope, je_payload, show


def move_check(rpc, result, ref, company_entity="BE01", amount="100.00"):
    """Read the result move back through JSON-RPC: posted, balanced, right company."""
    cid = rpc.company_id(company_entity)
    ctx = {"context": {"allowed_company_ids": [cid]}}
    mv = rpc(
        "account.move",
        "read",
        [[result["id"]], ["name", "state", "ref", "company_id", "journal_id", "line_ids"]],
        ctx,
    )[0]
    lines = rpc("account.move.line", "read", [mv["line_ids"], ["debit", "credit", "account_id"]], ctx)
    deb = sum(Decimal(str(x["debit"])) for x in lines)
    cre = sum(Decimal(str(x["credit"])) for x in lines)
    R.check(
        "result move read back via JSON-RPC: posted, balanced, BE01, name matches",
        mv["state"] == "posted"
        and deb == cre == Decimal(amount)
        and mv["company_id"][0] == cid
        and mv["name"] == result.get("name")
        and mv["ref"] == ref,
        f"account.move read {result['id']}",
        f"posted, debit=credit={amount}, company BE01, name {result.get('name')}",
        f"state={mv['state']} debit={deb} credit={cre} company={mv['company_id']} name={mv['name']} ref={mv['ref']}",
    )


def check_processing(api, rpc, key):
    ref = f"CC-{RUN}-valid"
    env = envelope("valid", je_payload(ref))
    r = api.post(key, env)
    mid = (body(r) or {}).get("id")
    fin = api.poll(key, mid) if mid else None
    res = (fin or {}).get("result") or {}
    ok = (
        isinstance(fin, dict)
        and fin.get("state") == "done"
        and res.get("model") == "account.move"
        and isinstance(res.get("id"), int)
        and bool(res.get("name"))
        and fin.get("errors") == []
        and fin.get("attempts", 0) >= 1
    )
    R.check(
        "valid journal entry -> done with result {model: account.move, id, name}",
        ok,
        f"POST {json.dumps(env)} then poll GET /messages/{mid} (<=120 s)",
        "state done, result account.move",
        json.dumps(fin),
    )
    if ok:
        move_check(rpc, res, ref)

    # unknown account codes
    env = envelope("unknown-acc", je_payload(f"CC-{RUN}-unk", accounts=("ZZ-NOPE-1", "ZZ-NOPE-2")))
    r = api.post(key, env)
    R.check(
        "unknown account codes are stored (static checks only) -> 202",
        r.status_code == 202,
        "POST journal entry with accounts ZZ-NOPE-1 / ZZ-NOPE-2",
        "202",
        show(r),
    )
    mid = (body(r) or {}).get("id")
    fin = api.poll(key, mid) if mid else None
    errs = (fin or {}).get("errors") or []
    R.check(
        "unknown account -> state exception with errors[].code from the contract",
        isinstance(fin, dict)
        and fin.get("state") == "exception"
        and errs
        and all(e.get("code") in ERROR_CODES and e.get("message") for e in errs),
        f"poll GET /messages/{mid}",
        f"state exception, codes in {sorted(ERROR_CODES)}",
        json.dumps(fin),
    )
    if errs:
        R.note("unknown account codes gave errors: " + json.dumps(errs))
        # The contract: a sender's code (account, tax, journal, ...) with no mapping is missing_mapping, whether
        # a table lacks it or, with no table in force, the entity has no such Odoo code.
        items = [e for e in errs if e.get("code") == "missing_mapping"]
        R.check(
            "unknown account -> missing_mapping, one item per code, type=account, value=code",
            sorted(e.get("value") for e in items) == ["ZZ-NOPE-1", "ZZ-NOPE-2"]
            and all(e.get("type") == "account" for e in items),
            "same message",
            "two items code missing_mapping {type: account, value: ZZ-NOPE-1 / ZZ-NOPE-2}",
            json.dumps(errs),
        )
    if isinstance(fin, dict) and fin.get("result"):
        R.check(
            "exception message has no result", False, "same", "result null", json.dumps(fin.get("result"))
        )

    # unknown journal
    env = envelope("unknown-jnl", je_payload(f"CC-{RUN}-unkj", journal="ZZJNL"))
    r = api.post(key, env)
    mid = (body(r) or {}).get("id")
    fin = api.poll(key, mid) if mid else None
    errs = (fin or {}).get("errors") or []
    R.check(
        "unknown journal code -> exception with a contract error code",
        isinstance(fin, dict)
        and fin.get("state") == "exception"
        and errs
        and all(e.get("code") in ERROR_CODES for e in errs),
        "POST journal entry with journal ZZJNL, poll",
        "exception, missing_mapping type journal",
        json.dumps(fin),
    )
    if errs:
        R.note("unknown journal code gave errors: " + json.dumps(errs))

    env = envelope("unknown-all", je_payload(f"CC-{RUN}-unka", journal="ZZJNL", accounts=("ZZ-A", "ZZ-B")))
    r = api.post(key, env)
    mid = (body(r) or {}).get("id")
    fin = api.poll(key, mid) if mid else None
    vals = sorted(str(e.get("value")) for e in (fin or {}).get("errors") or [])
    R.check(
        "unknown journal + two unknown accounts -> all three reported in one go",
        isinstance(fin, dict) and fin.get("state") == "exception" and vals == ["ZZ-A", "ZZ-B", "ZZJNL"],
        "POST journal entry with journal ZZJNL and accounts ZZ-A, ZZ-B; poll",
        "exception with 3 error items (ZZJNL, ZZ-A, ZZ-B)",
        json.dumps(fin),
    )


def check_concurrency(api, rpc, key):
    ref = f"CC-{RUN}-conc"
    env = envelope("concurrent", je_payload(ref, debit="20.00"))
    raw = json.dumps(env).encode()
    n = 20
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def worker(i):
        barrier.wait()
        try:
            out[i] = api.post(key, raw=raw)
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = [getattr(x, "status_code", repr(x)) for x in out]
    bodies = [body(x) if hasattr(x, "status_code") else None for x in out]
    ids = {b.get("id") for b in bodies if isinstance(b, dict)}
    n202 = codes.count(202)
    dups = [
        b
        for c, b in zip(codes, bodies, strict=True)
        if c == 200 and isinstance(b, dict) and b.get("duplicate") is True
    ]
    R.check(
        "concurrency: 20 identical requests at once -> exactly one 202, nineteen 200 duplicate, one id",
        n202 == 1 and len(dups) == n - 1 and len(ids) == 1,
        "20 threads POST the same envelope behind a barrier",
        "1x202 + 19x200 duplicate, same id",
        f"statuses {sorted(map(str, codes))}, ids {ids}; "
        + "; ".join(show(x, 150) for x in out if getattr(x, "status_code", 0) not in (200, 202))[:600],
    )
    if len(ids) != 1 or None in ids:
        return
    mid = ids.pop()
    fin = api.poll(key, mid)
    ok = (
        isinstance(fin, dict)
        and fin.get("state") == "done"
        and (fin.get("result") or {}).get("model") == "account.move"
    )
    R.check(
        "concurrency: the message ends done with a result move",
        ok,
        f"poll GET /messages/{mid}",
        "done",
        json.dumps(fin),
    )
    cid = rpc.company_id("BE01")
    moves = rpc(
        "account.move",
        "search_read",
        [[("ref", "=", ref), ("company_id", "=", cid)]],
        {"fields": ["name", "state"], "context": {"allowed_company_ids": [cid]}},
    )
    R.check(
        "concurrency: exactly one account.move exists for the message",
        len(moves) == 1 and ok and moves[0]["id"] == fin["result"]["id"],
        f"JSON-RPC account.move search ref={ref}",
        "exactly 1 move, the result's",
        json.dumps(moves),
    )
    if ok:
        move_check(rpc, fin["result"], ref, amount="20.00")
    msgs = rpc("integration.message", "search_count", [[("idempotency_key", "=", env["idempotency_key"])]])
    R.check(
        "concurrency: exactly one stored message for the key (JSON-RPC)",
        msgs == 1,
        "integration.message search_count",
        "1",
        str(msgs),
    )


def check_locked_period(api, rpc, key):
    cid = rpc.company_id("BE01")
    lock = TODAY - dt.timedelta(days=1)
    old = rpc("res.company", "read", [[cid], ["fiscalyear_lock_date"]])[0]["fiscalyear_lock_date"]
    try:
        rpc("res.company", "write", [[cid], {"fiscalyear_lock_date": str(lock)}])
    except RuntimeError as exc:
        R.skip("locked period", f"cannot set BE01 fiscalyear_lock_date via JSON-RPC: {exc}")
        return
    try:
        env = envelope("locked", je_payload(f"CC-{RUN}-locked", date=lock))
        r = api.post(key, env)
        mid = (body(r) or {}).get("id")
        fin = api.poll(key, mid) if mid else None
    finally:
        rpc("res.company", "write", [[cid], {"fiscalyear_lock_date": old}])
    errs = (fin or {}).get("errors") or []
    lk = [e for e in errs if e.get("code") == "locked_period"]
    R.check(
        "date in a locked period -> exception, locked_period with lock and lock_date",
        isinstance(fin, dict)
        and fin.get("state") == "exception"
        and lk
        and lk[0].get("lock")
        and lk[0].get("lock_date") == str(lock),
        f"BE01 fiscalyear_lock_date={lock}; POST journal entry dated {lock}; poll",
        f"exception, errors [{{code: locked_period, lock, lock_date: {lock}}}]",
        json.dumps(fin),
    )
    if errs:
        R.note("locked period gave errors: " + json.dumps(errs))
    now = rpc("res.company", "read", [[cid], ["fiscalyear_lock_date"]])[0]["fiscalyear_lock_date"]
    R.check("BE01 lock date restored", now == old, "res.company read", repr(old), repr(now))


# --------------------------------------------------------------------------- main
