#!/usr/bin/env python3
"""Black-box check of a running server against the external API contract v1.

Written from ``api-contract.md`` only: it talks HTTP to ``/integration/v1`` as an
external system would, and prints one ``PASS``/``FAIL``/``SKIP`` line per check,
``NOTE`` lines for things that pass but look odd, and a summary. Exit status is 1
when any check fails, 0 otherwise.

Usage (from the repository root, against the server ``scripts/run.sh`` started)::

    .venv/bin/python scripts/contract_check.py
    .venv/bin/python scripts/contract_check.py --url http://localhost:8069 \\
        --payroll-key ik_... --shop-key ik_... --shop-secret 7a9c...

Credentials (option, else environment variable, else issued on the fly):

* ``--payroll-key`` / ``CONTRACT_PAYROLL_KEY``: an API key of endpoint DEMO_PAYROLL
  (entities BE01 and US01, flow journal_entry).
* ``--shop-key`` / ``CONTRACT_SHOP_KEY`` and ``--shop-secret`` / ``CONTRACT_SHOP_SECRET``:
  an API key and the current signing secret of endpoint DEMO_SHOP (entity BE01,
  flows partner and invoice).

When a value is missing, and always for the throw-away keys of the revoke and
expiry checks, the script runs ``scripts/issue_key.sh`` (``--issue-cmd``), the
way an Odoo administrator issues keys (keys it issues for missing values stay
active; the throw-away ones are revoked). Issuing a DEMO_SHOP secret makes a new
signing secret current, so pass key and secret together or neither.

Outside the contract, and as an Odoo administrator would, the script uses Odoo's
standard external JSON-RPC API (``--db``, ``--rpc-uid``, ``--rpc-password``;
``CONTRACT_DB``, ``CONTRACT_RPC_UID``, ``CONTRACT_RPC_PASSWORD``) to: switch
``require_signature``, ``hold``, ``backlog_limit`` and ``max_body_kb`` on
``integration.endpoint``; revoke or expire a throw-away ``integration.api.key``;
set and clear BE01's ``fiscalyear_lock_date``; and read the produced journal
entries back. Every setting changed is restored in a ``finally`` block.

Only the standard library and ``requests`` are used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
API = "/integration/v1"
TERMINAL = {"done", "exception", "dead", "cancelled"}
ERROR_CODES = {"missing_mapping", "unknown_reference", "locked_period", "invalid_document", "unexpected"}
BATCH_STATUSES = {
    "accepted",
    "duplicate",
    "malformed_json",
    "unauthorized",
    "forbidden",
    "idempotency_conflict",
    "too_large",
    "unsupported_media_type",
    "invalid",
    "busy",
    "on_hold",
}
TIMEOUT = 60


# --------------------------------------------------------------------------- output


class Report:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures: list[str] = []
        self.notes: list[str] = []

    def check(self, name, ok, request="", expected="", got=""):
        if ok:
            self.passed += 1
            print(f"PASS  {name}", flush=True)
        else:
            self.failed += 1
            line = (
                f"{name}\n        request:  {request}\n        expected: {expected}\n        got:      {got}"
            )
            self.failures.append(line)
            print(f"FAIL  {line}", flush=True)
        return ok

    def skip(self, name, reason):
        self.skipped += 1
        print(f"SKIP  {name}: {reason}", flush=True)

    def note(self, text):
        self.notes.append(text)
        print(f"NOTE  {text}", flush=True)

    def summary(self):
        total = self.passed + self.failed + self.skipped
        print("\n" + "=" * 72)
        print(f"SUMMARY: {total} checks, {self.passed} passed, {self.failed} failed, {self.skipped} skipped")
        if self.failures:
            print("\nFailures:")
            for f in self.failures:
                print(f"  - {f}")
        if self.notes:
            print("\nNotes (not failures):")
            for n in self.notes:
                print(f"  - {n}")
        return 1 if self.failed else 0


R = Report()


def show(resp, limit=400):
    """One-line description of an HTTP answer for failure reports."""
    if resp is None:
        return "no answer"
    if isinstance(resp, Exception):
        return f"exception {resp!r}"
    text = resp.text if len(resp.text) <= limit else resp.text[:limit] + "..."
    extra = ""
    if "Retry-After" in resp.headers:
        extra = f" [Retry-After: {resp.headers['Retry-After']}]"
    return f"{resp.status_code}{extra} {text}"


def body(resp):
    try:
        return resp.json()
    except ValueError:
        return None


# --------------------------------------------------------------------------- clients


class Api:
    """Contract-level HTTP client."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def post(
        self,
        key=None,
        payload=None,
        *,
        raw=None,
        content_type="application/json",
        headers=None,
        path="/messages",
    ):
        h = {}
        if content_type is not None:
            h["Content-Type"] = content_type
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        h.update(headers or {})
        data = raw if raw is not None else json.dumps(payload).encode()
        return requests.post(self.url + API + path, data=data, headers=h, timeout=TIMEOUT)

    def get(self, key=None, path="/messages", params=None, headers=None):
        h = dict(headers or {})
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        return requests.get(self.url + API + path, params=params, headers=h, timeout=TIMEOUT)

    def poll(self, key, msg_id, deadline_s=120.0, interval=0.5):
        """Poll a message until it reaches a terminal state (or the deadline)."""
        end = time.monotonic() + deadline_s
        last = None
        while time.monotonic() < end:
            r = self.get(key, f"/messages/{msg_id}")
            last = body(r) if r.status_code == 200 else {"http": r.status_code, "text": r.text}
            if isinstance(last, dict) and last.get("state") in TERMINAL:
                return last
            time.sleep(interval)
        return last


class Rpc:
    """Odoo's standard external JSON-RPC API (admin side, outside the contract)."""

    def __init__(self, url, db, uid, password):
        self.url, self.db, self.uid, self.password = url.rstrip("/") + "/jsonrpc", db, uid, password

    def __call__(self, model, method, args, kw=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.db, self.uid, self.password, model, method, args, kw or {}],
            },
        }
        r = requests.post(self.url, json=payload, timeout=TIMEOUT).json()
        if "error" in r:
            err = r["error"].get("data", {}).get("message") or r["error"].get("message")
            raise RuntimeError(f"JSON-RPC {model}.{method}: {err}")
        return r.get("result")  # Odoo leaves "result" out when a method returns None

    def endpoint_id(self, code):
        ids = self("integration.endpoint", "search", [[("code", "=", code)]])
        if not ids:
            raise RuntimeError(f"no endpoint {code}")
        return ids[0]

    @contextmanager
    def endpoint_settings(self, code, **vals):
        """Temporarily change endpoint settings; always restored."""
        eid = self.endpoint_id(code)
        old = self("integration.endpoint", "read", [[eid], list(vals)])[0]
        old = {k: old[k] for k in vals}
        self("integration.endpoint", "write", [[eid], vals])
        try:
            yield
        finally:
            self("integration.endpoint", "write", [[eid], old])

    def company_id(self, entity):
        ids = self("res.company", "search", [[("entity_code", "=", entity)]])
        return ids[0] if ids else None


# --------------------------------------------------------------------------- helpers

RUN = uuid.uuid4().hex[:8]
TODAY = dt.date.today()


def ikey(tag):
    return f"cc-{RUN}-{tag}"


def je_payload(
    ref,
    *,
    debit="100.00",
    credit=None,
    accounts=("620200", "455000"),
    date=None,
    journal="MISC",
    currency="EUR",
):
    credit = debit if credit is None else credit
    return {
        "journal": journal,
        "date": str(date or TODAY),
        "ref": ref,
        "currency": currency,
        "lines": [
            {"account": accounts[0], "debit": debit, "credit": "0", "label": "Contract check debit"},
            {"account": accounts[1], "debit": "0", "credit": credit, "label": "Contract check credit"},
        ],
    }


def envelope(
    tag, payload=None, *, flow="journal_entry", entity="BE01", version="1.0", correlation=None, **over
):
    env = {
        "flow": flow,
        "schema_version": version,
        "entity": entity,
        "idempotency_key": ikey(tag),
        "payload": payload if payload is not None else je_payload(f"CC-{RUN}-{tag}"),
    }
    if correlation is not None:
        env["correlation_id"] = correlation
    env.update(over)
    return env


def partner_payload(tag):
    return {
        "external_id": f"CC-{RUN}-{tag}",
        "name": f"Contract Check {tag} NV",
        "is_company": True,
        "country": "BE",
        "roles": ["customer"],
    }


def sign(secret, raw, ts=None, *, tamper=False):
    ts = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    if tamper:
        mac = ("0" if mac[0] != "0" else "1") + mac[1:]
    return {"X-Timestamp": ts, "X-Signature": f"sha256={mac}"}


def is_error(resp, status, error):
    b = body(resp)
    return resp.status_code == status and isinstance(b, dict) and b.get("error") == error


def has_retry_after(resp):
    v = resp.headers.get("Retry-After", "")
    return v.strip().isdigit() or bool(v.strip())


def correlation_of(resp):
    b = body(resp)
    if isinstance(b, dict) and b.get("correlation_id"):
        return b["correlation_id"]
    return resp.headers.get("X-Correlation-Id") or resp.headers.get("X-Correlation-ID")


def error_paths(resp):
    b = body(resp) or {}
    return [str(e.get("path")) for e in b.get("errors") or [] if isinstance(e, dict)]


def errors_well_formed(resp):
    b = body(resp) or {}
    errs = b.get("errors")
    return (
        isinstance(errs, list)
        and errs
        and all(isinstance(e, dict) and "path" in e and e.get("message") for e in errs)
    )


def issue_key(cmd, endpoint, secret=False):
    args = [*cmd, endpoint] + (["--signing-secret"] if secret else [])
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True, timeout=300).stdout
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    return lines[:2] if secret else lines[0]


# --------------------------------------------------------------------------- checks


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
            rpc("integration.api.key", "write", [kid, {"expires_at": past}])
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


def throwaway_key(issue_cmd, label):
    """A fresh DEMO_PAYROLL key for one check (revoked by it), or None and the check skipped."""
    try:
        return issue_key(issue_cmd, "DEMO_PAYROLL")
    except Exception as exc:
        R.skip(label, f"could not issue a throw-away key: {exc}")
        return None


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
            if api.get(shop_key, "/messages", {"idempotency_key": ikey(t)}).status_code != 404
        ]
        R.check(
            "refused signed requests stored nothing",
            not leaked,
            "GET ?idempotency_key of refused ones",
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
            "journal entry missing journal",
            withv(payload={k: v for k, v in base["payload"].items() if k != "journal"}),
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
    msgs = (
        rpc("integration.message", "search_count", [[("idempotency_key", "=", env["idempotency_key"])]])
        if _has_field(rpc, "integration.message", "idempotency_key")
        else None
    )
    if msgs is not None:
        R.check(
            "concurrency: exactly one stored message for the key (JSON-RPC)",
            msgs == 1,
            "integration.message search_count",
            "1",
            str(msgs),
        )


def _has_field(rpc, model, field):
    try:
        return field in rpc(model, "fields_get", [[field]], {"attributes": ["type"]})
    except Exception:
        return False


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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    env = os.environ.get
    p.add_argument("--url", default=env("CONTRACT_URL", "http://localhost:8069"))
    p.add_argument("--payroll-key", default=env("CONTRACT_PAYROLL_KEY"))
    p.add_argument("--shop-key", default=env("CONTRACT_SHOP_KEY"))
    p.add_argument("--shop-secret", default=env("CONTRACT_SHOP_SECRET"))
    p.add_argument("--db", default=env("CONTRACT_DB", "integration_demo"))
    p.add_argument("--rpc-uid", type=int, default=int(env("CONTRACT_RPC_UID", "2")))
    p.add_argument("--rpc-password", default=env("CONTRACT_RPC_PASSWORD", "admin"))
    p.add_argument("--issue-cmd", default=env("CONTRACT_ISSUE_CMD", str(ROOT / "scripts" / "issue_key.sh")))
    a = p.parse_args()

    api = Api(a.url)
    rpc = Rpc(a.url, a.db, a.rpc_uid, a.rpc_password)
    issue_cmd = a.issue_cmd.split()
    if not a.payroll_key:
        a.payroll_key = issue_key(issue_cmd, "DEMO_PAYROLL")
    if not (a.shop_key and a.shop_secret):
        a.shop_key, a.shop_secret = issue_key(issue_cmd, "DEMO_SHOP", secret=True)
    print(
        f"run {RUN} against {a.url} on {TODAY} (payroll key {a.payroll_key[:11]}..., shop key {a.shop_key[:11]}...)"
    )

    steps = [
        ("health", lambda: check_health(api)),
        ("accept/duplicate/conflict/read", lambda: check_accept_and_duplicate(api, a.payroll_key)),
        ("malformed", lambda: check_malformed(api, a.payroll_key)),
        ("media type", lambda: check_media_type(api, a.payroll_key)),
        ("auth", lambda: check_auth(api, a.payroll_key, rpc, issue_cmd)),
        ("signature", lambda: check_signature(api, rpc, a.shop_key, a.shop_secret)),
        ("forbidden", lambda: check_forbidden(api, a.payroll_key, a.shop_key)),
        ("invalid", lambda: check_invalid(api, a.payroll_key)),
        ("too large", lambda: check_too_large(api, rpc, a.payroll_key)),
        ("busy", lambda: check_busy(api, rpc, a.payroll_key)),
        ("hold", lambda: check_hold(api, rpc, a.payroll_key)),
        ("isolation", lambda: check_isolation(api, rpc, a.payroll_key, a.shop_key)),
        ("processing", lambda: check_processing(api, rpc, a.payroll_key)),
        ("concurrency", lambda: check_concurrency(api, rpc, a.payroll_key)),
        ("locked period", lambda: check_locked_period(api, rpc, a.payroll_key)),
    ]
    shared = {}

    def batch():
        if not shared.get("basic") or not shared["basic"][0]:
            R.skip("batch", "the basic message was not accepted")
            return
        check_batch(api, a.payroll_key, shared["basic"][1], shared["basic"][0])

    steps.insert(2, ("batch", batch))
    for name, fn in steps:
        print(f"\n--- {name}")
        try:
            out = fn()
            if name.startswith("accept"):
                shared["basic"] = out
        except Exception as exc:  # a crash in one group must not hide the others
            R.check(f"{name}: check group ran to the end", False, name, "no exception", repr(exc))
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
