"""Sending and reading envelopes: accepted, duplicate, conflict, malformed, media type, invalid."""

from __future__ import annotations

import json

from .harness import (
    RUN,
    R,
    body,
    correlation_of,
    envelope,
    error_paths,
    errors_well_formed,
    ikey,
    is_error,
    je_payload,
    show,
)


def check_health(api):
    r = api.get(None, "/health")
    b = body(r)
    R.check(
        "health: GET /health without auth -> 200 {status: ok}",
        r.status_code == 200 and b == {"status": "ok"},
        "GET /integration/v1/health (no Authorization)",
        '200 {"status": "ok"} and nothing else',
        show(r),
    )


def check_accept_and_duplicate(api, key):
    """202, correlation_id generated, 200 duplicate, 409 conflict; GET by id and key."""
    env = envelope("basic")
    r = api.post(key, env)
    b = body(r) or {}
    ok = (
        r.status_code == 202
        and isinstance(b.get("id"), int)
        and b.get("duplicate") is False
        and b.get("state") in {"received", "processing", "done"}
        and bool(b.get("correlation_id"))
    )
    R.check(
        "202: new envelope stored, {id, state, correlation_id, duplicate: false}",
        ok,
        f"POST /messages {json.dumps(env)}",
        "202 with id, state, correlation_id, duplicate=false",
        show(r),
    )
    extra = set(b) - {"id", "state", "correlation_id", "duplicate"}
    if r.status_code == 202 and extra:
        R.note(
            f"202 body carries more than the contract lists ({{id, state, correlation_id, duplicate}}): "
            f"extra fields {sorted(extra)} (additive, harmless)"
        )
    msg_id, corr = b.get("id"), b.get("correlation_id")

    r2 = api.post(key, envelope("basic-2"))
    c2 = (body(r2) or {}).get("correlation_id")
    R.check(
        "correlation_id generated when absent (distinct per message)",
        bool(corr) and bool(c2) and corr != c2,
        "two POSTs without correlation_id",
        "two non-empty, different correlation_ids",
        f"{corr!r} / {c2!r}",
    )

    dup = api.post(key, env)
    db_ = body(dup) or {}
    R.check(
        "200 duplicate: same key + identical payload -> stored message, duplicate: true",
        dup.status_code == 200
        and db_.get("duplicate") is True
        and db_.get("id") == msg_id
        and db_.get("correlation_id") == corr,
        "POST same envelope again",
        f"200 id={msg_id} duplicate=true correlation_id={corr}",
        show(dup),
    )

    # duplicate with the payload keys in another order (identical JSON value)
    reordered = dict(reversed(list(env.items())))
    reordered["payload"] = dict(reversed(list(env["payload"].items())))
    dup2 = api.post(key, reordered)
    R.check(
        "200 duplicate: same payload with keys in another order",
        dup2.status_code == 200 and (body(dup2) or {}).get("id") == msg_id,
        "POST same envelope, object keys reordered",
        f"200 duplicate id={msg_id}",
        show(dup2),
    )

    conflict_env = envelope(
        "basic", je_payload(f"CC-{RUN}-basic", debit="101.00"), correlation=f"corr-{RUN}-409"
    )
    c = api.post(key, conflict_env)
    cb = body(c) or {}
    R.check(
        "409 idempotency_conflict: same key, different payload, with id",
        c.status_code == 409 and cb.get("error") == "idempotency_conflict" and cb.get("id") == msg_id,
        f"POST key {env['idempotency_key']} with debit/credit 101.00",
        f'409 {{"error": "idempotency_conflict", "id": {msg_id}}}',
        show(c),
    )
    R.check(
        "409 answer echoes correlation_id",
        correlation_of(c) == f"corr-{RUN}-409",
        "409 conflict with correlation_id set",
        f"correlation_id corr-{RUN}-409 in body or header",
        show(c),
    )

    g = api.get(key, f"/messages/{msg_id}")
    gb = body(g) or {}
    need = {"id", "flow", "entity", "state", "attempts", "correlation_id", "errors", "result"}
    R.check(
        "GET /messages/<id>: 200 with id, flow, entity, state, attempts, correlation_id, errors, result",
        g.status_code == 200
        and need <= set(gb)
        and gb.get("id") == msg_id
        and gb.get("flow") == "journal_entry"
        and gb.get("entity") == "BE01"
        and gb.get("correlation_id") == corr,
        f"GET /messages/{msg_id}",
        f"200 with {sorted(need)}",
        show(g),
    )

    gk = api.get(key, "/messages", {"idempotency_key": env["idempotency_key"]})
    gkb = body(gk)
    if isinstance(gkb, list):
        R.note(f"GET ?idempotency_key answered a list, the contract shows one message: {show(gk, 200)}")
        gkb = gkb[0] if gkb else {}
    R.check(
        "GET /messages?idempotency_key=<key>: 200, same message",
        gk.status_code == 200 and isinstance(gkb, dict) and gkb.get("id") == msg_id,
        f"GET /messages?idempotency_key={env['idempotency_key']}",
        f"200 id={msg_id}",
        show(gk),
    )

    nf = api.get(key, "/messages/999999999")
    R.check("GET unknown id -> 404", nf.status_code == 404, "GET /messages/999999999", "404", show(nf))
    nk = api.get(key, "/messages", {"idempotency_key": ikey("never-sent")})
    R.check(
        "GET unknown idempotency_key -> 404",
        nk.status_code == 404,
        f"GET /messages?idempotency_key={ikey('never-sent')}",
        "404",
        show(nk),
    )
    na = api.get(None, f"/messages/{msg_id}")
    R.check(
        "GET without key -> 401",
        is_error(na, 401, "unauthorized"),
        f"GET /messages/{msg_id} (no auth)",
        '401 {"error": "unauthorized"}',
        show(na),
    )

    corr_env = envelope("corr", correlation=f"corr-{RUN}-given")
    cr = api.post(key, corr_env)
    R.check(
        "correlation_id given -> echoed in 202",
        cr.status_code == 202 and correlation_of(cr) == f"corr-{RUN}-given",
        "POST with correlation_id",
        f"202 correlation_id=corr-{RUN}-given",
        show(cr),
    )
    crd = api.post(key, corr_env)
    R.check(
        "correlation_id echoed in 200 duplicate",
        crd.status_code == 200 and correlation_of(crd) == f"corr-{RUN}-given",
        "POST same again",
        f"200 correlation_id=corr-{RUN}-given",
        show(crd),
    )
    if cr.status_code == 202:
        gg = api.get(key, f"/messages/{body(cr)['id']}")
        R.check(
            "correlation_id echoed in GET",
            correlation_of(gg) == f"corr-{RUN}-given",
            "GET the message",
            f"correlation_id=corr-{RUN}-given",
            show(gg),
        )
    return msg_id, env


def check_malformed(api, key):
    for label, raw in [
        ("not JSON", b'{"flow": "journal_entry",'),
        ("JSON array", b"[1, 2]"),
        ("JSON string", b'"hello"'),
        ("JSON number", b"42"),
        ("JSON null", b"null"),
        ("empty body", b""),
    ]:
        r = api.post(key, raw=raw)
        b = body(r) or {}
        R.check(
            f"400 malformed_json: {label}",
            r.status_code == 400 and b.get("error") == "malformed_json" and "detail" in b,
            f"POST /messages body={raw!r}",
            '400 {"error": "malformed_json", "detail"}',
            show(r),
        )
    r = api.post(key, raw=b'{"flow": "\xff\xfe"}')
    R.check(
        "400 malformed_json: invalid UTF-8",
        is_error(r, 400, "malformed_json"),
        "POST /messages body with bytes ff fe",
        "400 malformed_json",
        show(r),
    )


def check_media_type(api, key):
    env = envelope("media")
    for ct in ["text/plain", "application/x-www-form-urlencoded", None]:
        r = api.post(key, env, content_type=ct)
        R.check(
            f"415 unsupported_media_type: Content-Type {ct}",
            is_error(r, 415, "unsupported_media_type"),
            f"POST /messages valid envelope, Content-Type: {ct}",
            '415 {"error": "unsupported_media_type"}',
            show(r),
        )
    r = api.post(key, envelope("media-charset"), content_type="application/json; charset=utf-8")
    R.check(
        "Content-Type application/json; charset=utf-8 accepted",
        r.status_code == 202,
        "POST valid envelope with charset parameter",
        "202",
        show(r),
    )
    R.check(
        "nothing stored by the refused 415 request",
        api.get(key, "/messages", {"idempotency_key": env["idempotency_key"]}).status_code == 404,
        f"GET ?idempotency_key={env['idempotency_key']}",
        "404",
        "found",
    )


def check_invalid(api, key):
    base = envelope("inv-base")

    def without(field):
        e = dict(base)
        e.pop(field)
        return e

    def withv(**kw):
        e = dict(base)
        e.update(kw)
        return e

    def pay(**kw):
        p = json.loads(json.dumps(base["payload"]))
        p.update(kw)
        return withv(payload=p)

    cases = [
        ("missing flow", without("flow"), "flow"),
        ("missing schema_version", without("schema_version"), "schema_version"),
        ("missing entity", without("entity"), "entity"),
        ("missing idempotency_key", without("idempotency_key"), "idempotency_key"),
        ("missing payload", without("payload"), "payload"),
        ("payload not an object (list)", withv(payload=[1, 2]), "payload"),
        ("payload not an object (string)", withv(payload="x"), "payload"),
        ("empty idempotency_key", withv(idempotency_key=""), "idempotency_key"),
        ("idempotency_key of 256 characters", withv(idempotency_key="k" * 256), "idempotency_key"),
        ("idempotency_key with a newline", withv(idempotency_key=ikey("a\nb")), "idempotency_key"),
        ("idempotency_key not a string", withv(idempotency_key=12345), "idempotency_key"),
        ("correlation_id of 256 characters", withv(correlation_id="c" * 256), "correlation_id"),
        ("unknown schema_version 9.9", withv(schema_version="9.9"), "schema_version"),
        ("unknown flow", withv(flow="no_such_flow"), "flow"),
        (
            "unbalanced journal entry (100 debit / 90 credit)",
            withv(payload=je_payload(f"CC-{RUN}-unbal", debit="100.00", credit="90.00")),
            "payload",
        ),
        ("journal entry without lines", pay(lines=[]), "payload"),
        (
            "journal entry line without account",
            pay(lines=[{"debit": "1", "credit": "0"}, {"account": "455000", "debit": "0", "credit": "1"}]),
            "payload",
        ),
        (
            "amount not a number",
            pay(
                lines=[
                    {"account": "620200", "debit": "abc", "credit": "0"},
                    {"account": "455000", "debit": "0", "credit": "abc"},
                ]
            ),
            "payload",
        ),
        ("date not YYYY-MM-DD", pay(date="30/11/2026"), "payload"),
    ]
    path_only_parent = []
    for label, case, field in cases:
        env = dict(case)
        env.setdefault("correlation_id", f"corr-{RUN}-422")
        r = api.post(key, env)
        b = body(r) or {}
        paths = error_paths(r)
        ok = r.status_code == 422 and b.get("error") == "invalid" and errors_well_formed(r)
        R.check(
            f"422 invalid: {label}",
            ok,
            f"POST /messages {label}",
            '422 {"error": "invalid", "errors": [{"path", "message"}]}',
            show(r),
        )
        if ok:
            msgs = [str(e.get("message")) for e in b.get("errors")]
            in_path = any(field in p for p in paths)
            R.check(
                f"422 errors name the field ({label})",
                in_path or any(field in m for m in msgs),
                f"POST /messages {label}",
                f"an errors[].path (or message) naming '{field}'",
                json.dumps(b.get("errors")),
            )
            if not in_path:
                path_only_parent.append(f"{label}: {json.dumps(b.get('errors'))}")
    if path_only_parent:
        R.note(
            "422 for a missing required field puts the field in the message, not the path (path is the parent): "
            + " | ".join(path_only_parent)
        )
    # correlation_id in a 422 answer
    r = api.post(key, dict(withv(schema_version="9.9"), correlation_id=f"corr-{RUN}-422"))
    R.check(
        "422 answer echoes correlation_id",
        correlation_of(r) == f"corr-{RUN}-422",
        "422 request with correlation_id",
        f"correlation_id corr-{RUN}-422 in body or header",
        show(r),
    )
    # boundary accepted
    r = api.post(
        key, withv(idempotency_key=f"cc-{RUN}-" + "k" * (255 - len(f"cc-{RUN}-")), correlation_id="c" * 255)
    )
    R.check(
        "boundary: idempotency_key and correlation_id of 255 characters accepted",
        r.status_code == 202,
        "POST with 255-character idempotency_key and correlation_id",
        "202",
        show(r),
    )
    r = api.post(
        key, withv(idempotency_key=ikey("num-amounts"), payload=je_payload(f"CC-{RUN}-num", debit=12.5))
    )
    R.check(
        "amounts as JSON numbers accepted",
        r.status_code == 202,
        "POST journal entry with debit/credit 12.5 (numbers)",
        "202",
        show(r),
    )
    no_journal = {k: v for k, v in je_payload(f"CC-{RUN}-nojournal").items() if k != "journal"}
    r = api.post(key, withv(idempotency_key=ikey("no-journal"), payload=no_journal))
    R.check(
        "journal entry without journal accepted (extension 1.2: the entity's general journal)",
        r.status_code == 202,
        "POST journal entry without 'journal'",
        "202",
        show(r),
    )
    # several problems at once
    bad = withv(schema_version="9.9", payload=je_payload("x", debit="5", credit="4"))
    bad.pop("entity")
    r = api.post(key, bad)
    R.note(
        f"envelope with several problems (no entity, schema_version 9.9, unbalanced payload) answers {show(r)}"
    )
    bad = withv(
        payload={
            "date": "2026/12/01",
            "lines": [{"debit": "5", "credit": "0"}, {"account": "455000", "debit": "0", "credit": "4"}],
        }
    )
    r = api.post(key, bad)
    R.note(
        f"payload with several problems (no journal, date 2026/12/01, line without account, unbalanced) "
        f"answers {show(r, 800)}"
    )
    r = api.post(key, withv(extra_field=1))
    R.note(f"an envelope with an extra top-level field answers {show(r)}")
    r = api.post(key, withv(schema_version="9.9"))
    R.note(
        f"an error answer for an envelope without correlation_id (422) carries correlation_id: "
        f"{correlation_of(r) is not None} ({show(r)})"
    )
