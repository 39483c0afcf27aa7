"""Limits and batches: body size, back-pressure, holds, batch answers."""

from __future__ import annotations

import json

from .harness import (
    BATCH_STATUSES,
    RUN,
    R,
    body,
    correlation_of,
    envelope,
    has_retry_after,
    ikey,
    is_error,
    je_payload,
    show,
)


def check_too_large(api, rpc, key):
    with rpc.endpoint_settings("DEMO_PAYROLL", max_body_kb=1):
        env = envelope("big", je_payload(f"CC-{RUN}-big"))
        env["payload"]["lines"][0]["label"] = "x" * 3000
        r = api.post(key, env)
        R.check(
            "413 too_large: 3 KB body with max_body_kb=1",
            is_error(r, 413, "too_large"),
            "POST /messages ~3.3 KB body, endpoint max_body_kb=1",
            '413 {"error": "too_large"}',
            show(r),
        )
        R.check(
            "nothing stored by the 413 request",
            api.get(key, "/messages", {"idempotency_key": env["idempotency_key"]}).status_code == 404,
            "GET ?idempotency_key",
            "404",
            "found",
        )
        small = api.post(key, envelope("small-under-limit"))
        R.check(
            "body under max_body_kb still accepted",
            small.status_code == 202,
            "POST ~0.4 KB body with max_body_kb=1",
            "202",
            show(small),
        )
        batch = {"messages": [envelope(f"bigbatch-{i}") for i in range(5)]}
        r = api.post(key, batch)
        R.check(
            "413 too_large applies to a batch body too",
            is_error(r, 413, "too_large"),
            "POST ~2 KB batch with max_body_kb=1",
            "413 too_large",
            show(r),
        )


def check_busy(api, rpc, key):
    with rpc.endpoint_settings("DEMO_PAYROLL", backlog_limit=1):
        got = None
        tried = []
        for i in range(30):
            r = api.post(key, envelope(f"busy-{i}", correlation=f"corr-{RUN}-429"))
            tried.append(r.status_code)
            if r.status_code == 429:
                got = r
                break
        if got is None:
            R.check(
                "429 busy with backlog_limit=1",
                False,
                "30 rapid POSTs with backlog_limit=1",
                "a 429 once the queue holds a message",
                f"statuses {tried}",
            )
            return
        R.check(
            "429 busy: queue over backlog_limit, with Retry-After",
            is_error(got, 429, "busy") and has_retry_after(got),
            f"rapid POSTs with backlog_limit=1 (statuses {tried})",
            '429 {"error": "busy"} + Retry-After',
            show(got),
        )
        R.check(
            "429 answer echoes correlation_id",
            correlation_of(got) == f"corr-{RUN}-429",
            "429 request with correlation_id",
            f"correlation_id corr-{RUN}-429 in body or header",
            show(got),
        )
        R.check(
            "nothing stored by the 429 request",
            api.get(key, "/messages", {"idempotency_key": ikey(f"busy-{len(tried) - 1}")}).status_code == 404,
            "GET ?idempotency_key of the refused one",
            "404",
            "found",
        )


def check_hold(api, rpc, key):
    with rpc.endpoint_settings("DEMO_PAYROLL", hold=True):
        r = api.post(key, envelope("hold", correlation=f"corr-{RUN}-503"))
        R.check(
            "503 on_hold with Retry-After while the endpoint is on hold",
            is_error(r, 503, "on_hold") and has_retry_after(r),
            "POST /messages with DEMO_PAYROLL hold=True",
            '503 {"error": "on_hold"} + Retry-After',
            show(r),
        )
        R.check(
            "503 answer echoes correlation_id",
            correlation_of(r) == f"corr-{RUN}-503",
            "503 request with correlation_id",
            f"correlation_id corr-{RUN}-503 in body or header",
            show(r),
        )
        R.check(
            "nothing stored by the 503 request",
            api.get(key, "/messages", {"idempotency_key": ikey("hold")}).status_code == 404,
            "GET ?idempotency_key",
            "404",
            "found",
        )
        b = api.post(key, {"messages": [envelope("hold-batch")]})
        bb = body(b) or {}
        items = bb.get("results") if isinstance(bb, dict) else None
        R.note(
            f"a batch while on hold answers {b.status_code}"
            + (f" with item status {items[0].get('status')!r}" if items else f" {show(b, 150)}")
        )
    r = api.post(key, envelope("after-hold"))
    R.check(
        "hold restored: POST accepted again",
        r.status_code == 202,
        "POST after restoring hold",
        "202",
        show(r),
    )


def check_batch(api, key, basic_env, basic_id):
    new1 = envelope("batch-new1", correlation=f"corr-{RUN}-b1")
    conflict = dict(basic_env, payload=je_payload(f"CC-{RUN}-basic", debit="999.00"))
    items = [
        new1,
        dict(basic_env),  # duplicate of an earlier message
        envelope(
            "batch-unbal", je_payload(f"CC-{RUN}-bu", debit="10", credit="9"), correlation=f"corr-{RUN}-b3"
        ),
        envelope("batch-forbidden", entity="SG01", correlation=f"corr-{RUN}-b4"),
        conflict,
        42,  # not an object
        envelope("batch-new2"),
        envelope("batch-new2"),  # same key twice in the batch
    ]
    expected = [
        "accepted",
        "duplicate",
        "invalid",
        "forbidden",
        "idempotency_conflict",
        None,
        "accepted",
        "duplicate",
    ]
    r = api.post(key, {"messages": items})
    b = body(r) or {}
    res = b.get("results") if isinstance(b, dict) else None
    ok = r.status_code == 200 and isinstance(res, list) and len(res) == len(items)
    R.check(
        "batch: 200 with one result per envelope",
        ok,
        "POST {messages: [8 envelopes]}",
        "200 {results: [8 items]}",
        show(r, 800),
    )
    if not ok:
        return
    statuses = [x.get("status") for x in res]
    R.check(
        "batch: statuses in order (accepted, duplicate, invalid, forbidden, idempotency_conflict, ?, accepted, duplicate)",
        all(e is None or s == e for s, e in zip(statuses, expected, strict=True)),
        "same batch",
        f"{expected} (item 6 = non-object envelope)",
        f"{statuses}",
    )
    R.check(
        "batch: every status is accepted/duplicate/an error name of the table",
        all(s in BATCH_STATUSES for s in statuses),
        "same batch",
        f"each in {sorted(BATCH_STATUSES)}",
        f"{statuses}",
    )
    R.note(f"batch: a non-object envelope (42) gets status {statuses[5]!r}: {json.dumps(res[5])}")
    extra = sorted(
        {k for x in res for k in x}
        - {
            "status",
            "id",
            "state",
            "correlation_id",
            "duplicate",
            "error",
            "detail",
            "errors",
            "flow",
            "schema_version",
            "entity",
            "idempotency_key",
            "attempts",
            "result",
        }
    )
    if extra:
        R.note(
            f"batch items carry fields beyond the single-envelope bodies: {extra}; error items repeat the "
            f"status as both 'status' and 'error', e.g. {json.dumps(res[3])}"
        )
    a = res[0]
    R.check(
        "batch: accepted item carries id, state, correlation_id, duplicate=false",
        isinstance(a.get("id"), int)
        and a.get("state")
        and a.get("correlation_id") == f"corr-{RUN}-b1"
        and a.get("duplicate") is False,
        "item 0",
        "id, state, correlation_id=given, duplicate=false",
        json.dumps(a),
    )
    R.check(
        "batch: duplicate item points to the stored message",
        res[1].get("id") == basic_id and res[1].get("duplicate") is True,
        "item 1",
        f"id={basic_id}, duplicate=true",
        json.dumps(res[1]),
    )
    R.check(
        "batch: invalid item carries errors [{path, message}]",
        isinstance(res[2].get("errors"), list)
        and res[2]["errors"]
        and all("path" in e and "message" in e for e in res[2]["errors"]),
        "item 2",
        "errors list",
        json.dumps(res[2]),
    )
    R.check(
        "batch: forbidden item carries detail",
        bool(res[3].get("detail")),
        "item 3",
        "detail",
        json.dumps(res[3]),
    )
    R.check(
        "batch: conflict item carries the stored id",
        res[4].get("id") == basic_id,
        "item 4",
        f"id={basic_id}",
        json.dumps(res[4]),
    )
    R.check(
        "batch: second copy of a key in the same batch is a duplicate of the first",
        res[7].get("id") == res[6].get("id") and res[7].get("duplicate") is True,
        "items 6 and 7",
        "same id, duplicate=true",
        f"{json.dumps(res[6])} / {json.dumps(res[7])}",
    )
    missing_corr = [
        i
        for i, (x, env) in enumerate(zip(res, items, strict=True))
        if isinstance(env, dict)
        and env.get("correlation_id")
        and x.get("correlation_id") != env["correlation_id"]
    ]
    R.check(
        "batch: every item echoes its envelope's correlation_id",
        not missing_corr,
        "items with correlation_id",
        "correlation_id echoed",
        f"missing/wrong in items {missing_corr}: " + json.dumps([res[i] for i in missing_corr])[:400],
    )
    no_corr = [i for i, x in enumerate(res) if isinstance(items[i], dict) and not x.get("correlation_id")]
    if no_corr:
        R.note(
            f"batch items without any correlation_id: {no_corr} (statuses {[statuses[i] for i in no_corr]})"
        )
    g = api.get(key, f"/messages/{a.get('id')}")
    R.check(
        "batch: accepted item is readable",
        g.status_code == 200,
        f"GET /messages/{a.get('id')}",
        "200",
        show(g),
    )
    g = api.get(key, "/messages", {"idempotency_key": ikey("batch-unbal")})
    R.check(
        "batch: invalid item was not stored",
        g.status_code == 404,
        "GET ?idempotency_key=batch-unbal",
        "404",
        show(g),
    )

    big = {"messages": [envelope(f"b1001-{i}") for i in range(1001)]}
    r = api.post(key, big)
    R.check(
        "batch over 1000 envelopes refused (4xx)",
        400 <= r.status_code < 500 and r.status_code != 404,
        "POST {messages: [1001 envelopes]}",
        "a 4xx refusal",
        show(r, 300),
    )
    if 400 <= r.status_code < 500:
        R.note(f"batch of 1001 is refused with {show(r, 300)}")
    g = api.get(key, "/messages", {"idempotency_key": ikey("b1001-0")})
    R.check(
        "batch over 1000: nothing stored",
        g.status_code == 404,
        "GET ?idempotency_key=b1001-0",
        "404",
        show(g),
    )
    r = api.post(key, {"messages": []})
    R.note(f"an empty batch answers {show(r, 200)}")
    r = api.post(key, {"messages": "nope"})
    R.note(f"a batch whose messages is not a list answers {show(r, 200)}")
