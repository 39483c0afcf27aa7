"""Plumbing of the contract check: the report, the API and JSON-RPC clients, payloads, assertions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[2]  # the repository
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

    def get(self, key=None, path="/messages", params=None, headers=None, *, secret=None, ts=None):
        """GET ``path`` with ``params``; with ``secret``, signed as a read (extension 1.2)."""
        h = dict(headers or {})
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        target = API + path + (f"?{urlencode(params)}" if params else "")
        if secret is not None:
            h = {**sign_read(secret, "GET", target, ts), **h}
        return requests.get(self.url + target, headers=h, timeout=TIMEOUT)

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


def sign_read(secret, method, target, ts=None):
    """Headers signing a request without a body: HMAC of ``<ts>.<METHOD> <path>?<query>`` (query as sent)."""
    ts = str(int(time.time()) if ts is None else ts)
    line = f"{ts}.{method} {target}".encode()
    mac = hmac.new(secret.encode(), line, hashlib.sha256).hexdigest()
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


def throwaway_key(issue_cmd, label):
    """A fresh DEMO_PAYROLL key for one check (revoked by it), or None and the check skipped."""
    try:
        return issue_key(issue_cmd, "DEMO_PAYROLL")
    except Exception as exc:
        R.skip(label, f"could not issue a throw-away key: {exc}")
        return None
