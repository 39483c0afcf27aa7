"""Who may do what: keys, signatures, allowed entities and flows, isolation between endpoints."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

from .harness import (
    RUN,
    R,
    body,
    correlation_of,
    envelope,
    ikey,
    is_error,
    je_payload,
    partner_payload,
    show,
    sign,
    throwaway_key,
)


def check_auth(api, key, rpc, issue_cmd):
    env = envelope("auth")
    for label, hdr in [
        ("missing key", None),
        ("unknown key", "ik_thisKeyDoesNotExist0000000000000000000000"),
        ("empty bearer", ""),
    ]:
        h = {} if hdr is None else {"Authorization": f"Bearer {hdr}"}
        r = api.post(None, env, headers=h)
        R.check(
            f"401 unauthorized: {label}",
            is_error(r, 401, "unauthorized") and set(body(r)) == {"error"},
            f"POST /messages Authorization={h.get('Authorization')!r}",
            '401 {"error": "unauthorized"}',
            show(r),
        )
    r = api.post(None, env, headers={"Authorization": f"Basic {key}"})
    R.check(
        "401 unauthorized: key sent with another scheme (Basic)",
        is_error(r, 401, "unauthorized"),
        "POST /messages Authorization: Basic <valid key>",
        "401",
        show(r),
    )

    # revoked key
    k2 = throwaway_key(issue_cmd, "401 revoked key")
    if k2:
        ok = api.post(k2, envelope("revoke-before"))
        R.check(
            "fresh key works before revocation", ok.status_code == 202, "POST with fresh key", "202", show(ok)
        )
        kid = rpc("integration.api.key", "search", [[("prefix", "=", k2[:11])]])
        rpc("integration.api.key", "action_revoke", [kid])
        r = api.post(k2, envelope("revoke-after"))
        R.check(
            "401 unauthorized: revoked key",
            is_error(r, 401, "unauthorized"),
            "POST /messages with a key revoked by action_revoke",
            '401 {"error": "unauthorized"}',
            show(r),
        )
        g = api.get(k2, f"/messages/{(body(ok) or {}).get('id', 0)}")
        R.check(
            "401 on GET with revoked key",
            g.status_code == 401,
            "GET own message with revoked key",
            "401",
            show(g),
        )

    # expired key
    k3 = throwaway_key(issue_cmd, "401 expired key")
    if k3:
        kid = rpc("integration.api.key", "search", [[("prefix", "=", k3[:11])]])
        past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
        try:
            # As an administrator does it: the key form's "Shorten Expiry" (an expiry is never
            # written directly; a time already past ends the key now).
            wizard = rpc("integration.api.key.expiry", "create", [{"key_id": kid[0], "expires_at": past}])
            rpc("integration.api.key.expiry", "action_confirm", [[wizard]])
        except RuntimeError as exc:
            R.skip("401 expired key", f"could not set expires_at in the past: {exc}")
        else:
            r = api.post(k3, envelope("expired"))
            R.check(
                "401 unauthorized: expired key",
                is_error(r, 401, "unauthorized"),
                f"POST /messages with a key whose expires_at={past} UTC",
                '401 {"error": "unauthorized"}',
                show(r),
            )
        finally:
            rpc("integration.api.key", "action_revoke", [kid])


def check_signature(api, rpc, shop_key, shop_secret):
    with rpc.endpoint_settings("DEMO_SHOP", require_signature=True):

        def env(tag):
            return envelope(tag, partner_payload(tag), flow="partner")

        raw = json.dumps(env("sig-ok")).encode()
        r = api.post(shop_key, raw=raw, headers=sign(shop_secret, raw))
        R.check(
            "signature required: correctly signed request -> 202",
            r.status_code == 202,
            "POST partner envelope with X-Timestamp=now, X-Signature=sha256=HMAC(secret, ts.body)",
            "202",
            show(r),
        )
        if r.status_code == 401:
            hexkey = bytes.fromhex(shop_secret) if all(c in "0123456789abcdef" for c in shop_secret) else None
            if hexkey:
                ts = str(int(time.time()))
                alt = {
                    "X-Timestamp": ts,
                    "X-Signature": "sha256="
                    + hmac.new(hexkey, f"{ts}.".encode() + raw, hashlib.sha256).hexdigest(),
                }
                ra = api.post(shop_key, raw=raw, headers=alt)
                R.note(f"signing with the hex-decoded secret answered {ra.status_code}")

        raw = json.dumps(env("sig-old-ok")).encode()
        r = api.post(shop_key, raw=raw, headers=sign(shop_secret, raw, int(time.time()) - 200))
        R.check(
            "signature required: timestamp 200 s old (within 300 s) -> 202",
            r.status_code == 202,
            "signed POST, X-Timestamp = now-200",
            "202",
            show(r),
        )

        cases = []
        raw = json.dumps(env("sig-none")).encode()
        cases.append(("no signature headers", raw, {}))
        raw = json.dumps(env("sig-tamper")).encode()
        hdr = sign(shop_secret, raw)
        tampered = raw.replace(b"Contract Check", b"Contract Chekc")
        cases.append(("tampered body (signature of the original)", tampered, hdr))
        raw = json.dumps(env("sig-badmac")).encode()
        cases.append(("altered signature hex", raw, sign(shop_secret, raw, tamper=True)))
        raw = json.dumps(env("sig-wrongsecret")).encode()
        cases.append(("wrong secret", raw, sign("0" * 64, raw)))
        raw = json.dumps(env("sig-stale")).encode()
        cases.append(
            (
                "stale timestamp (now-301 s, correctly signed)",
                raw,
                sign(shop_secret, raw, int(time.time()) - 301),
            )
        )
        raw = json.dumps(env("sig-stale2")).encode()
        cases.append(
            (
                "stale timestamp (now-3600 s, correctly signed)",
                raw,
                sign(shop_secret, raw, int(time.time()) - 3600),
            )
        )
        raw = json.dumps(env("sig-future")).encode()
        cases.append(
            (
                "future timestamp (now+3600 s, correctly signed)",
                raw,
                sign(shop_secret, raw, int(time.time()) + 3600),
            )
        )
        raw = json.dumps(env("sig-nots")).encode()
        h = sign(shop_secret, raw)
        del h["X-Timestamp"]
        cases.append(("signature without X-Timestamp", raw, h))
        raw = json.dumps(env("sig-badts")).encode()
        cases.append(
            (
                "non-numeric timestamp",
                raw,
                {"X-Timestamp": "yesterday", "X-Signature": sign(shop_secret, raw, 0)["X-Signature"]},
            )
        )
        for label, raw, hdr in cases:
            r = api.post(shop_key, raw=raw, headers=hdr)
            R.check(
                f"401 signature: {label}",
                is_error(r, 401, "unauthorized"),
                f"POST /messages (DEMO_SHOP, signature required) {label}",
                '401 {"error": "unauthorized"}',
                show(r),
            )
        # nothing stored by the refused requests
        leaked = [
            t
            for t in ("sig-none", "sig-tamper", "sig-wrongsecret", "sig-stale")
            if api.get(shop_key, "/messages", {"idempotency_key": ikey(t)}, secret=shop_secret).status_code
            != 404
        ]
        R.check(
            "refused signed requests stored nothing",
            not leaked,
            "signed GET ?idempotency_key of refused ones",
            "404 each",
            f"found {leaked}",
        )
    raw = json.dumps(envelope("sig-off", partner_payload("sig-off"), flow="partner")).encode()
    r = api.post(shop_key, raw=raw)
    R.check(
        "signature not required (restored): unsigned request -> 202",
        r.status_code == 202,
        "POST DEMO_SHOP unsigned after restoring require_signature",
        "202",
        show(r),
    )
    raw = json.dumps(envelope("sig-off-bad", partner_payload("sig-off-bad"), flow="partner")).encode()
    r = api.post(shop_key, raw=raw, headers=sign("0" * 64, raw))
    R.note(
        f"signature not required but a wrong X-Signature sent: answers {r.status_code} "
        f"{(body(r) or {}).get('error', '')}"
    )


def check_forbidden(api, payroll_key, shop_key):
    cases = [
        (
            "DEMO_SHOP -> entity US01",
            shop_key,
            envelope(
                "f-shop-us01",
                partner_payload("f1"),
                flow="partner",
                entity="US01",
                correlation=f"corr-{RUN}-403",
            ),
        ),
        ("DEMO_SHOP -> flow journal_entry", shop_key, envelope("f-shop-je", correlation=f"corr-{RUN}-403")),
        (
            "DEMO_PAYROLL -> entity SG01",
            payroll_key,
            envelope("f-pay-sg01", entity="SG01", correlation=f"corr-{RUN}-403"),
        ),
        (
            "DEMO_PAYROLL -> flow partner",
            payroll_key,
            envelope("f-pay-partner", partner_payload("f2"), flow="partner", correlation=f"corr-{RUN}-403"),
        ),
    ]
    for label, key, env in cases:
        r = api.post(key, env)
        b = body(r) or {}
        R.check(
            f"403 forbidden: {label}",
            r.status_code == 403 and b.get("error") == "forbidden" and b.get("detail"),
            f"POST /messages {label}",
            '403 {"error": "forbidden", "detail"}',
            show(r),
        )
        R.check(
            f"403 answer echoes correlation_id ({label})",
            correlation_of(r) == f"corr-{RUN}-403",
            "same request",
            f"correlation_id corr-{RUN}-403 in body or header",
            show(r),
        )
    r = api.post(shop_key, envelope("f-shop-nocorr", partner_payload("f4"), flow="partner", entity="US01"))
    R.note(
        f"403 for an envelope without correlation_id: generated correlation_id present = "
        f"{correlation_of(r) is not None} ({show(r)})"
    )
    r = api.post(shop_key, envelope("f-shop-xx", partner_payload("f3"), flow="partner", entity="XX99"))
    if r.status_code not in (403, 422):
        R.check("unknown entity code refused", False, "POST entity XX99", "403 or 422", show(r))
    else:
        R.note(f"an unknown entity code (XX99) answers {r.status_code} {(body(r) or {}).get('error')}")


def us_accounts(rpc):
    cid = rpc.company_id("US01")
    ctx = {"context": {"allowed_company_ids": [cid]}}
    try:
        exp = rpc(
            "account.account",
            "search_read",
            [[("account_type", "=", "expense"), ("company_ids", "in", [cid])]],
            {"fields": ["code"], "limit": 1, "order": "code", **ctx},
        )
        lia = rpc(
            "account.account",
            "search_read",
            [[("account_type", "=", "liability_current"), ("company_ids", "in", [cid])]],
            {"fields": ["code"], "limit": 1, "order": "code", **ctx},
        )
        return exp[0]["code"], lia[0]["code"]
    except Exception:
        return "611000", "230000"


def check_isolation(api, rpc, payroll_key, shop_key):
    us = us_accounts(rpc)
    env = envelope("us01", je_payload(f"CC-{RUN}-us", accounts=us, currency="USD"), entity="US01")
    r = api.post(payroll_key, env)
    R.check(
        "DEMO_PAYROLL posts to US01 -> 202", r.status_code == 202, "POST journal_entry US01", "202", show(r)
    )
    mid = (body(r) or {}).get("id")
    g = api.get(shop_key, f"/messages/{mid}")
    R.check(
        "isolation: DEMO_SHOP cannot read DEMO_PAYROLL's US01 message by id (404)",
        g.status_code == 404,
        f"GET /messages/{mid} with the DEMO_SHOP key",
        "404",
        show(g),
    )
    g = api.get(shop_key, "/messages", {"idempotency_key": env["idempotency_key"]})
    R.check(
        "isolation: ... nor by idempotency_key (404)",
        g.status_code == 404,
        f"GET ?idempotency_key={env['idempotency_key']} with the DEMO_SHOP key",
        "404",
        show(g),
    )
    be = api.post(payroll_key, envelope("iso-be01"))
    bid = (body(be) or {}).get("id")
    g = api.get(shop_key, f"/messages/{bid}")
    R.check(
        "isolation: DEMO_SHOP cannot read DEMO_PAYROLL's BE01 message (404)",
        g.status_code == 404,
        f"GET /messages/{bid} with the DEMO_SHOP key",
        "404",
        show(g),
    )
    r = api.post(shop_key, envelope("iso-us01", partner_payload("iso"), flow="partner", entity="US01"))
    R.check(
        "isolation: DEMO_SHOP cannot post to US01 (403)",
        is_error(r, 403, "forbidden"),
        "POST partner US01 with the DEMO_SHOP key",
        "403 forbidden",
        show(r),
    )
    # idempotency keys are per endpoint
    same = dict(envelope("iso-be01", partner_payload("iso-key"), flow="partner"))
    r = api.post(shop_key, same)
    R.check(
        "idempotency_key is per endpoint: DEMO_SHOP may reuse DEMO_PAYROLL's key (202)",
        r.status_code == 202,
        f"POST partner with idempotency_key {same['idempotency_key']} (used by DEMO_PAYROLL)",
        "202",
        show(r),
    )
    if r.status_code == 202:
        g = api.get(shop_key, "/messages", {"idempotency_key": same["idempotency_key"]})
        R.check(
            "GET ?idempotency_key sees only the caller's own message",
            (body(g) or {}).get("id") == body(r)["id"],
            "GET ?idempotency_key with the DEMO_SHOP key",
            f"id={body(r)['id']}",
            show(g),
        )
    if mid:
        fin = api.poll(payroll_key, mid)
        R.note(
            f"US01 entry on accounts {us} ended {fin.get('state') if isinstance(fin, dict) else fin}"
            f" result={fin.get('result') if isinstance(fin, dict) else None} "
            f"errors={fin.get('errors') if isinstance(fin, dict) else None}"
        )
