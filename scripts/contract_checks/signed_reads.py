"""Signed reads (extension 1.2): on an endpoint that requires signatures, GETs are signed too.

A read signs ``<timestamp>.<METHOD> <path>?<query>`` (no ``?`` for an empty
query), the query exactly as sent.
"""

from __future__ import annotations

import json
import time

import requests

from .harness import (
    API,
    TIMEOUT,
    TODAY,
    R,
    body,
    envelope,
    is_error,
    partner_payload,
    show,
    sign,
    sign_read,
)


def _get(api, key, target, signature_headers):
    headers = {"Authorization": f"Bearer {key}", **signature_headers}
    return requests.get(api.url + API + target, headers=headers, timeout=TIMEOUT)


def check_signed_reads(api, rpc, shop_key, shop_secret):
    settings = {"require_signature": True, "reporting": True}
    with rpc.endpoint_settings("DEMO_SHOP", **settings):
        env = envelope("sigread", partner_payload("sigread"), flow="partner")
        raw = json.dumps(env).encode()
        posted = api.post(shop_key, raw=raw, headers=sign(shop_secret, raw))
        msg_id = (body(posted) or {}).get("id")
        if posted.status_code != 202 or not msg_id:
            R.skip("signed reads", f"the signed POST was not accepted: {show(posted)}")
            return
        by_id = f"{API}/messages/{msg_id}"
        by_key = f"{API}/messages?idempotency_key={env['idempotency_key']}"
        balance = f"{API}/reporting/trial-balance?entity=BE01&date_from={TODAY.year}-01-01&date_to={TODAY}"
        for label, target in [("by id", by_id), ("by idempotency_key", by_key), ("trial balance", balance)]:
            path = target[len(API) :]
            r = _get(api, shop_key, path, sign_read(shop_secret, "GET", target))
            R.check(
                f"signed read {label}: correctly signed GET -> 200",
                r.status_code == 200,
                f"GET {target} signed over '<ts>.GET {target}'",
                "200",
                show(r),
            )
            r = _get(api, shop_key, path, {})
            R.check(
                f"signed read {label}: unsigned GET -> 401",
                is_error(r, 401, "unauthorized"),
                f"GET {target} without X-Timestamp/X-Signature on a signing endpoint",
                '401 {"error": "unauthorized"}',
                show(r),
            )
        ts = int(time.time())
        good = sign_read(shop_secret, "GET", by_id, ts)
        refused = [
            ("signed as a body (<ts>. and nothing)", by_id, sign(shop_secret, b"", ts)),
            ("signature of another id", by_id, sign_read(shop_secret, "GET", f"{API}/messages/{msg_id + 1}")),
            ("signature of another method", by_id, sign_read(shop_secret, "POST", by_id)),
            ("'?' signed for an empty query", by_id, sign_read(shop_secret, "GET", by_id + "?")),
            ("query tampered", by_key, sign_read(shop_secret, "GET", f"{API}/messages?idempotency_key=x")),
            ("wrong secret", by_id, sign_read("0" * 64, "GET", by_id)),
            ("stale timestamp (now-301 s)", by_id, sign_read(shop_secret, "GET", by_id, ts - 301)),
            ("5,000-digit timestamp", by_id, {**good, "X-Timestamp": "9" * 5000}),
            ("non-ASCII digit timestamp", by_id, {**good, "X-Timestamp": "\xb2"}),
        ]
        for label, target, headers in refused:
            r = _get(api, shop_key, target[len(API) :], headers)
            R.check(
                f"401 signed read: {label}",
                is_error(r, 401, "unauthorized"),
                f"GET {target} {label}",
                '401 {"error": "unauthorized"}',
                show(r),
            )
    r = api.get(shop_key, f"/messages/{msg_id}")
    R.check(
        "signature not required (restored): unsigned GET -> 200",
        r.status_code == 200,
        f"GET /messages/{msg_id} unsigned after restoring require_signature",
        "200",
        show(r),
    )
