"""Signed reads (contract extension 1.2): on an endpoint that requires signatures, GETs are signed too.

A read signs ``<timestamp>.<METHOD> <path>?<query>`` (no ``?`` without a
query), the query exactly as sent.
"""

import hashlib
import hmac
import json
import time

from odoo.tests import tagged

from .common import API, IntegrationHttpCase


@tagged("post_install", "-at_install")
class TestSignedReads(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("SIGNREAD", reporting=True, require_signature=True)
        cls.key = cls._issue_key(cls.endpoint)
        cls.secret = cls.env["integration.signing.secret"]._rotate(cls.endpoint)

    def setUp(self):
        super().setUp()
        self._receive(self.endpoint, self._envelope(key="a/b"))
        self.message_id = self._message(self.endpoint, "a/b").id

    def _get(self, target, *, signed=None, secret=None, timestamp=None, method="GET", headers=None):
        """GET ``target`` (path and query as sent), signed over ``signed`` (by default what is sent)."""
        timestamp = str(int(time.time() if timestamp is None else timestamp))
        line = signed if signed is not None else f"{method} {API}{target}"
        digest = hmac.new(
            (secret or self.secret).encode(), f"{timestamp}.{line}".encode(), hashlib.sha256
        ).hexdigest()
        headers = {
            "Authorization": f"Bearer {self.key}",
            "X-Timestamp": timestamp,
            "X-Signature": f"sha256={digest}",
            **(headers or {}),
        }
        return self.url_open(API + target, headers=headers, method=method, allow_redirects=False)

    def _assert_unauthorized(self, response):
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.json(), {"error": "unauthorized"})

    # ---------------------------------------------------------------- signed
    def test_signed_reads_of_messages_answer(self):
        by_id = self._get(f"/messages/{self.message_id}")
        self.assertEqual(by_id.status_code, 200, by_id.text)
        self.assertEqual(by_id.json()["idempotency_key"], "a/b")
        # The query is signed as sent, percent-encoding included.
        by_key = self._get("/messages?idempotency_key=a%2Fb")
        self.assertEqual(by_key.status_code, 200, by_key.text)
        self.assertEqual(by_key.json()["id"], self.message_id)
        unknown = self._get("/messages?idempotency_key=never-sent")
        self.assertEqual(unknown.status_code, 404)

    def test_signed_read_of_the_trial_balance_answers(self):
        target = "/reporting/trial-balance?entity=BE01&date_from=2026-01-01&date_to=2026-11-30"
        response = self._get(target)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["entity"], "BE01")
        unsigned = self.url_open(API + target, headers={"Authorization": f"Bearer {self.key}"})
        self._assert_unauthorized(unsigned)
        self._assert_unauthorized(self._get(target, signed=f"GET {API}/reporting/trial-balance"))
        csv = self._get(target + "&format=csv")
        self.assertEqual(csv.status_code, 200, csv.text)

    # --------------------------------------------------------------- refused
    def test_unsigned_reads_are_refused(self):
        for target in (f"/messages/{self.message_id}", "/messages?idempotency_key=a%2Fb"):
            with self.subTest(target=target):
                response = self.url_open(API + target, headers={"Authorization": f"Bearer {self.key}"})
                self._assert_unauthorized(response)

    def test_a_signature_of_another_read_is_refused(self):
        target = f"/messages/{self.message_id}"
        cases = {
            "the body form (timestamp and an empty body)": "",
            "another id": f"GET {API}/messages/{self.message_id + 1}",
            "another method": f"POST {API}{target}",
            "with a '?' for an empty query": f"GET {API}{target}?",
            "the query decoded": f"GET {API}/messages?idempotency_key=a/b",
        }
        for label, signed in cases.items():
            with self.subTest(label):
                sent = "/messages?idempotency_key=a%2Fb" if "decoded" in label else target
                self._assert_unauthorized(self._get(sent, signed=signed))

    def test_tampered_query_wrong_secret_and_stale_timestamp_are_refused(self):
        signed = f"GET {API}/messages?idempotency_key=a%2Fb"
        self._assert_unauthorized(self._get("/messages?idempotency_key=other", signed=signed))
        self._assert_unauthorized(self._get(f"/messages/{self.message_id}", secret="0" * 64))
        self._assert_unauthorized(self._get(f"/messages/{self.message_id}", timestamp=time.time() - 301))

    def test_hostile_signature_headers_are_refused(self):
        target = f"/messages/{self.message_id}"
        for label, headers in {
            "a 5,000-digit timestamp": {"X-Timestamp": "9" * 5000},
            "a non-ASCII digit (latin-1)": {"X-Timestamp": "\xb2"},
            "non-ASCII digits (UTF-8)": {"X-Timestamp": "١٧٦٤٥٩٠٠٠٠".encode()},
            "a negative timestamp": {"X-Timestamp": "-1"},
            "a non-ASCII signature": {"X-Signature": "sha256=\xe9" * 3},
            "a signature of the wrong length": {"X-Signature": "sha256=abc"},
        }.items():
            with self.subTest(label):
                self._assert_unauthorized(self._get(target, headers=headers))

    def test_hostile_signature_headers_on_a_post_are_refused_too(self):
        raw = json.dumps(self._envelope(key="post-hostile")).encode()
        for timestamp in ("9" * 5000, "\xb2", "١٧٦٤٥٩٠٠٠٠".encode()):
            headers = {**self._signed_headers(self.secret, raw), "X-Timestamp": timestamp}
            response = self._post(self.key, None, raw=raw, headers=headers)
            self._assert_unauthorized(response)
        self.assertFalse(self._message(self.endpoint, "post-hostile"))

    def test_signature_not_required_reads_unsigned(self):
        self.endpoint.require_signature = False
        response = self.url_open(
            f"{API}/messages/{self.message_id}", headers={"Authorization": f"Bearer {self.key}"}
        )
        self.assertEqual(response.status_code, 200, response.text)
