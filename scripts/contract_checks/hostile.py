"""Hostile input: the contract's status and a JSON body for each, never a 500 (issue 10's cases).

NUL and lone surrogates in any string, absurd nesting, non-finite numbers,
trailing newlines, huge values, hostile headers and ids, batches mixing good
and hostile envelopes, methods a route does not serve, unknown routes.
"""

from __future__ import annotations

import json

import requests

from .harness import (
    API,
    RUN,
    TIMEOUT,
    R,
    body,
    correlation_of,
    envelope,
    error_paths,
    ikey,
    is_error,
    je_payload,
    show,
)

NUL = "\x00"
SURROGATE = "\ud800"


def _json_answer(r):
    return r.headers.get("Content-Type", "").split(";")[0] == "application/json" and body(r) is not None


def _stored(api, key, tag):
    return api.get(key, "/messages", {"idempotency_key": ikey(tag)}).status_code == 200


def _je(tag, **line0):
    payload = je_payload(f"CC-{RUN}-{tag}")
    payload["lines"][0].update(line0)
    return payload


def check_hostile_envelopes(api, key):
    cases = [
        ("NUL in correlation_id", envelope("h-corr-nul", correlation=f"c{NUL}"), "$.correlation_id"),
        (
            "CR/LF in correlation_id",
            envelope("h-corr-crlf", correlation="c\r\n2026-01-01 ERROR forged"),
            "$.correlation_id",
        ),
        ("NUL in entity", envelope("h-entity-nul", entity=f"BE{NUL}01"), "$.entity"),
        ("NUL in an account", envelope("h-acc-nul", _je("h-acc-nul", account=f"62{NUL}00")), "$.payload"),
        ("lone surrogate in a label", envelope("h-sur", _je("h-sur", label=SURROGATE)), "$.payload"),
        (
            "lone surrogate in a field name",
            envelope("h-sur-key", _je("h-sur-key", **{SURROGATE: 1})),
            "$.payload",
        ),
        (
            "trailing newline in idempotency_key",
            envelope("h-nl", idempotency_key=ikey("h-nl") + "\n"),
            "$.idempotency_key",
        ),
        (
            "trailing newline in currency",
            envelope("h-cur", dict(_je("h-cur"), currency="EUR\n")),
            "$.payload",
        ),
        ("100 KB flow name", envelope("h-flow", flow="f" * 100_000), "$.flow"),
    ]
    for label, env, path in cases:
        r = api.post(key, env)
        given = env.get("correlation_id")
        R.check(
            f"hostile: {label} -> 422 at {path}",
            is_error(r, 422, "invalid") and any(p.startswith(path) for p in error_paths(r)),
            f"POST /messages with {label}",
            f'422 {{"error": "invalid"}} with an error at {path}',
            show(r, 300),
        )
        if given is not None:
            R.check(
                f"hostile: {label}: the answer carries a fresh correlation_id, not the bad one",
                bool(correlation_of(r)) and correlation_of(r) != given,
                "same request",
                "a generated correlation_id",
                repr(correlation_of(r)),
            )
        R.check(
            f"hostile: {label}: answer under 2 KB",
            len(r.content) < 2048,
            "same request",
            "< 2048 bytes",
            f"{len(r.content)} bytes",
        )
    big = _je("h-9mb", label="x" * 9_000_000)
    r = api.post(key, envelope("h-9mb", big))
    R.check(
        "hostile: a 9 MB label -> 422 whose body quotes at most 200 characters",
        is_error(r, 422, "invalid") and len(r.content) < 2048,
        "POST /messages, lines[0].label of 9,000,000 characters",
        "422 invalid, body < 2 KB",
        f"{r.status_code}, {len(r.content)} bytes",
    )
    nested = "leaf"
    for _level in range(40):
        nested = {"a": nested}

    def with_number(tag, token):
        return json.dumps(envelope(tag, _je(tag, debit="<N>"))).replace('"<N>"', token).encode()

    deep = json.dumps(envelope("h-deep", _je("h-deep", analytic=nested)))
    for label, raw, status, error in [
        ('"[" * 100000', b"[" * 100_000, 400, "malformed_json"),
        ("NaN amount", with_number("h-nan", "NaN"), 422, "invalid"),
        ("Infinity amount", with_number("h-inf", "Infinity"), 422, "invalid"),
        ("nesting 40 levels deep", deep, 422, "invalid"),
    ]:
        r = api.post(key, raw=raw if isinstance(raw, bytes) else raw.encode())
        R.check(
            f"hostile: {label} -> {status} {error}",
            is_error(r, status, error),
            f"POST {label}",
            status,
            show(r, 300),
        )
    refused = ("h-corr-nul", "h-corr-crlf", "h-sur", "h-9mb", "h-nan", "h-deep")
    leaked = [tag for tag in refused if _stored(api, key, tag)]
    R.check(
        "hostile: nothing stored for the refused envelopes",
        not leaked,
        "GET ?idempotency_key",
        "404 each",
        leaked,
    )


def check_hostile_batch(api, key):
    envelopes = [
        envelope("hb-good-1"),
        envelope("hb-corr", correlation=f"c{NUL}"),
        envelope("hb-sur", _je("hb-sur", label=SURROGATE)),
        envelope("hb-good-2"),
        envelope("hb-acc", _je("hb-acc", account=f"62{NUL}00")),
        envelope("hb-flow", flow="f" * 100_000),
        envelope("hb-good-3"),
    ]
    r = api.post(key, {"messages": envelopes})
    statuses = [item.get("status") for item in (body(r) or {}).get("results", [])]
    expected = ["accepted", "invalid", "invalid", "accepted", "invalid", "invalid", "accepted"]
    R.check(
        "hostile batch: the good envelopes accepted, each hostile one answered on its own line",
        r.status_code == 200 and statuses == expected,
        "POST a batch of 3 good and 4 hostile envelopes",
        f"200 {expected}",
        f"{r.status_code} {statuses or show(r, 300)}",
    )
    stored = [tag for tag in ("hb-good-1", "hb-good-2", "hb-good-3") if _stored(api, key, tag)]
    leaked = [tag for tag in ("hb-corr", "hb-sur", "hb-acc") if _stored(api, key, tag)]
    R.check(
        "hostile batch: exactly the good envelopes stored",
        len(stored) == 3 and not leaked,
        "GET ?idempotency_key of each",
        "the 3 good found, no hostile one",
        f"found good {stored}, hostile {leaked}",
    )


def check_hostile_requests(api, key):
    def call(method, path, headers=None, **kw):
        h = {"Authorization": f"Bearer {key}", **(headers or {})}
        return requests.request(method, api.url + API + path, headers=h, timeout=TIMEOUT, **kw)

    def with_auth(value):
        return call("GET", "/messages/1", {"Authorization": value})

    long_key = {"idempotency_key": "k" * 256}
    cases = [
        ("GET ?idempotency_key=%00", call("GET", "/messages?idempotency_key=%00"), 422, "invalid"),
        ("GET ?idempotency_key of 256 chars", call("GET", "/messages", params=long_key), 422, "invalid"),
        ("GET /messages/<5000 digits>", call("GET", "/messages/" + "9" * 5000), 404, "not_found"),
        ("GET /messages/2147483648", call("GET", "/messages/2147483648"), 404, "not_found"),
        ("Authorization holding NUL", with_auth(f"Bearer ik_{NUL}x"), 401, "unauthorized"),
        ("Authorization not ASCII", with_auth("Bearer ik_\xe9\xe9"), 401, "unauthorized"),
        ("Authorization of 5000 characters", with_auth("Bearer " + "k" * 5000), 401, "unauthorized"),
        ("DELETE /messages", call("DELETE", "/messages"), 405, "method_not_allowed"),
        ("PUT /messages/1", call("PUT", "/messages/1", data=b"{}"), 405, "method_not_allowed"),
        ("POST /health", call("POST", "/health", data=b"{}"), 405, "method_not_allowed"),
        ("GET an unknown route", call("GET", "/no-such-route"), 404, "not_found"),
        ("POST an unknown route", call("POST", "/messages/1/retry", data=b"{}"), 404, "not_found"),
    ]
    for label, r, status, error in cases:
        R.check(
            f"hostile request: {label} -> {status} JSON",
            is_error(r, status, error) and _json_answer(r),
            label,
            f'{status} {{"error": "{error}"}} as application/json',
            show(r, 300),
        )
