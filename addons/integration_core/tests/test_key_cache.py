"""A key checked once is not hashed again on each request, yet stops working the moment it should.

The server remembers that a presented key matched its stored hash (the slow
hash costs 4 ms a request); whether the key still works is read from its row
on every request. So a revocation, an expiry brought to the past or an
archived endpoint refuses the very next request, and a key that only shares
a remembered key's prefix is refused.
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models import integration_api_key
from .common import IntegrationHttpCase


@tagged("post_install", "-at_install")
class TestKeyCache(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("KEYCACHE")
        outcome = cls.env["integration.message"]._api_receive(cls.endpoint, [cls._envelope(key="kc-1")])
        cls.message = cls.env["integration.message"].browse(outcome[0][1]["id"])

    def _read(self, raw):
        return self._request("GET", f"/messages/{self.message.id}", key=raw)

    def _assert_answers(self, raw):
        response = self._read(raw)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["idempotency_key"], "kc-1")

    def _assert_refused(self, raw):
        response = self._read(raw)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.json(), {"error": "unauthorized"})

    def _key(self, raw):
        return self.env["integration.api.key"].search([("prefix", "=", raw[:11])])

    def test_revoked_key_refused_at_once(self):
        raw = self._issue_key(self.endpoint)
        self._assert_answers(raw)
        self._assert_answers(raw)  # answered from the remembered check
        self._key(raw).action_revoke()
        self._assert_refused(raw)

    def test_expired_key_refused_at_once(self):
        raw = self._issue_key(self.endpoint, expires_at=fields.Datetime.now() + timedelta(days=30))
        self._assert_answers(raw)
        self._key(raw)._shorten_expiry(fields.Datetime.now() - timedelta(minutes=1))
        self._assert_refused(raw)

    def test_archived_endpoint_refused_at_once(self):
        raw = self._issue_key(self.endpoint)
        self._assert_answers(raw)
        self.endpoint.active = False
        self._assert_refused(raw)
        self.endpoint.active = True
        self._assert_answers(raw)

    def test_key_sharing_a_remembered_prefix_refused(self):
        raw = self._issue_key(self.endpoint)
        self._assert_answers(raw)
        forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
        self._assert_refused(forged)
        self._assert_refused(raw[:11])
        self._assert_answers(raw)

    def test_keys_never_remembered_in_clear(self):
        raw = self._issue_key(self.endpoint)
        self._assert_answers(raw)
        remembered = integration_api_key._verified.hashes
        self.assertIn(integration_api_key._VerifiedKeys.fingerprint(raw), remembered)
        self.assertNotIn(raw, repr(remembered))
        self.assertNotIn(raw[11:], repr(remembered))
